"""The id tracker: external point ids <-> segment offsets.

While a segment takes writes the map is a list and a dict (fast appends and lookups, ~100
bytes per point). A sealed segment's ids never change, so ``freeze`` turns them into sorted
arrays: integer ids as uint64, UUIDs as two uint64 halves, about 24 bytes per point; lookups
become binary searches. When ids ascend with offsets (sequential ingest) the sorted column is
the id column itself. Any append thaws it.
"""

from __future__ import annotations

import heapq
import uuid
from typing import Callable, Iterable, Iterator, Sequence

import numpy as np
import numpy.typing as npt

from vecbase.core.ids import PointId, id_sort_key

U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]
# a filter's check of some offsets: whether each passes
RowCheck = Callable[[I64], npt.NDArray[np.bool_]]


def _uuid_bytes(uuids: list[str]) -> bytes:
    """The 16 bytes of each UUID, concatenated. Stored ids are canonical (36 characters,
    hyphenated: ``core.ids`` normalizes them), so all are decoded as one hex string in one
    call; anything else is parsed one by one."""
    digits = "".join(uuids).replace("-", "")
    if len(digits) == 32 * len(uuids) and all(len(u) == 36 for u in uuids):
        try:
            return bytes.fromhex(digits)
        except ValueError:
            pass
    return b"".join(uuid.UUID(u).bytes for u in uuids)


def id_columns(ids: list[PointId]) -> tuple[npt.NDArray[np.bool_], U64, U64]:
    """(is_uuid, hi, lo) by offset: the UUID (``hi``, ``lo``) where ``is_uuid``, else the
    integer ``lo``."""
    n = len(ids)
    is_uuid = np.fromiter((isinstance(i, str) for i in ids), dtype=bool, count=n)
    hi = np.zeros(n, dtype=np.uint64)  # UUIDs: high 64 bits; ints: 0
    lo = np.zeros(n, dtype=np.uint64)  # ints: the id; UUIDs: low 64 bits
    ints = ~is_uuid
    if ints.any():
        lo[ints] = np.fromiter((i for i in ids if isinstance(i, int)), dtype=np.uint64, count=int(ints.sum()))
    if is_uuid.any():
        words = np.frombuffer(_uuid_bytes([i for i in ids if isinstance(i, str)]), dtype=">u8")
        words = words.reshape(-1, 2).astype(np.uint64)
        hi[is_uuid], lo[is_uuid] = words[:, 0], words[:, 1]
    return is_uuid, hi, lo


def ids_of_columns(is_uuid: npt.NDArray[np.bool_], hi: U64, lo: U64) -> list[PointId]:
    """The ids ``id_columns`` made the columns of (UUIDs in canonical form)."""
    ids: list[PointId] = list(lo.tolist())
    where = np.flatnonzero(is_uuid)
    if where.shape[0]:
        words = np.empty((where.shape[0], 2), dtype=">u8")
        words[:, 0], words[:, 1] = hi[where], lo[where]
        digits = words.tobytes().hex()
        for k, off in enumerate(where.tolist()):
            d = digits[32 * k : 32 * k + 32]
            ids[off] = f"{d[:8]}-{d[8:12]}-{d[12:16]}-{d[16:20]}-{d[20:]}"
    return ids


class FrozenIds:
    """Sorted columns of one frozen id set."""

    def __init__(self, ids: list[PointId]) -> None:
        self._index(*id_columns(ids))

    @classmethod
    def of_columns(cls, is_uuid: npt.NDArray[np.bool_], hi: U64, lo: U64) -> FrozenIds:
        """The frozen ids whose offset ``i`` is the UUID (``hi[i]``, ``lo[i]``) where
        ``is_uuid[i]``, else the integer ``lo[i]``: built without a Python object per id."""
        frozen = cls.__new__(cls)
        frozen._index(is_uuid, hi, lo)
        return frozen

    def columns(self) -> tuple[npt.NDArray[np.bool_], U64, U64]:
        """(is_uuid, hi, lo) by offset, as ``of_columns`` takes them."""
        hi = self.hi if self.uuids else np.zeros(self.count, dtype=np.uint64)
        return self.is_uuid, hi, self.lo

    def _index(self, is_uuid: npt.NDArray[np.bool_], hi: U64, lo: U64) -> None:
        n = int(is_uuid.shape[0])
        self.is_uuid, self.hi, self.lo = is_uuid, hi, lo
        self.uuids = int(self.is_uuid.sum())
        # lookup order: (kind, hi, lo) ascending; integer-only segments need no hi columns
        self.order: I64 | None
        if self.uuids:
            self.order = np.lexsort((self.lo, self.hi, self.is_uuid)).astype(np.int64)
            self.key_hi = self.hi[self.order]
            self.key_lo = self.lo[self.order]
        else:
            self.hi = self.key_hi = np.zeros(0, dtype=np.uint64)
            if n < 2 or bool(np.all(self.lo[1:] > self.lo[:-1])):
                self.order, self.key_lo = None, self.lo  # ids ascend with offsets: no permutation
            else:
                self.order = np.argsort(self.lo, kind="stable").astype(np.int64)
                self.key_lo = self.lo[self.order]
        self.count = n
        self.lo_view = self.lo.data  # Python ints by index, cheaper than numpy scalars

    def id_at(self, off: int) -> PointId:
        if self.uuids and self.is_uuid[off]:
            return str(uuid.UUID(int=(int(self.hi[off]) << 64) | int(self.lo[off])))
        value: int = self.lo_view[off]
        return value

    def ids_at(self, offsets: list[int]) -> list[PointId]:
        if self.uuids:
            return [self.id_at(o) for o in offsets]
        view = self.lo_view
        return [view[o] for o in offsets]

    def offsets_of(self, pids: Sequence[PointId]) -> I64:
        """``offset`` for many ids at once (-1 where absent): integer ids are looked up with
        one vectorized search, UUIDs one by one."""
        out = np.full(len(pids), -1, dtype=np.int64)
        ints = self.count - self.uuids
        if not all(type(p) is int and 0 <= p < 2**64 for p in pids):  # UUIDs among them
            for i, pid in enumerate(pids):
                off = self.offset(pid)
                if off is not None:
                    out[i] = off
            return out
        if ints == 0 or not pids:
            return out
        keys = np.array(pids, dtype=np.uint64)
        pos = np.minimum(np.searchsorted(self.key_lo[:ints], keys), ints - 1)
        found = self.key_lo[pos] == keys
        hits = pos[found]
        out[found] = hits if self.order is None else self.order[hits]
        return out

    def offset(self, pid: PointId) -> int | None:
        if isinstance(pid, int):
            ints = self.count - self.uuids  # ints sort before UUIDs
            if not 0 <= pid < 2**64 or ints == 0:
                return None
            pos = int(np.searchsorted(self.key_lo[:ints], np.uint64(pid)))
            if pos >= ints or int(self.key_lo[pos]) != pid:
                return None
            return pos if self.order is None else int(self.order[pos])
        if not self.uuids:
            return None
        value = uuid.UUID(pid).int
        hi, lo = np.uint64(value >> 64), np.uint64(value & (2**64 - 1))
        start = self.count - self.uuids
        a = start + int(np.searchsorted(self.key_hi[start:], hi, side="left"))
        b = start + int(np.searchsorted(self.key_hi[start:], hi, side="right"))
        if a == b:
            return None
        pos = a + int(np.searchsorted(self.key_lo[a:b], lo))
        if pos >= b or self.key_lo[pos] != lo:
            return None
        assert self.order is not None  # segments with UUIDs always keep their permutation
        return int(self.order[pos])

    def key_at(self, off: int) -> tuple[int, int]:
        """``core.ids.id_sort_key`` of the id at ``off``, without making the id."""
        if self.uuids and self.is_uuid[off]:
            return (1, (int(self.hi[off]) << 64) | int(self.lo[off]))
        return (0, int(self.lo_view[off]))

    def first_in_order(
        self, mask: npt.NDArray[np.bool_], start: tuple[int, int] | None, want: int, check: RowCheck | None = None
    ) -> list[tuple[tuple[int, int], int]]:
        """Up to ``want`` (sort key, offset) pairs, in id order from the key ``start`` on, of
        the offsets where ``mask`` (and ``check``, when given) holds: a walk of the sorted
        columns that reads as many offsets as it needs, in growing chunks."""
        n, ints = self.count, self.count - self.uuids
        if start is None:
            pos = 0
        elif start[0] == 0:
            pos = int(np.searchsorted(self.key_lo[:ints], np.uint64(start[1]))) if start[1] < 2**64 else ints
        else:
            hi, lo = np.uint64(start[1] >> 64), np.uint64(start[1] & (2**64 - 1))
            a = ints + int(np.searchsorted(self.key_hi[ints:], hi, side="left"))
            b = ints + int(np.searchsorted(self.key_hi[ints:], hi, side="right"))
            pos = a + int(np.searchsorted(self.key_lo[a:b], lo))
        in_order = np.arange(pos, n, dtype=np.int64) if self.order is None else self.order[pos:]
        return _walk(in_order, want, mask, check, lambda i: self.key_at(int(in_order[i])))


class IdTracker:
    def __init__(self, ids: Iterable[PointId] = ()) -> None:
        self._list: list[PointId] | None = list(ids)
        self._map: dict[PointId, int] | None = {pid: i for i, pid in enumerate(self._list)}
        self._frozen: FrozenIds | None = None
        self._n = len(self._list)
        # the list's ids as uint64 while all are integers, extended as ids are appended
        # (ordered walks read it instead of keying every id); None until asked for
        self._ints: U64 | None = None
        self._has_uuid = False

    @classmethod
    def of_frozen(cls, frozen: FrozenIds) -> IdTracker:
        """A frozen tracker over prepared columns (a merge's ids, gathered with numpy)."""
        tracker = cls()
        tracker._list = tracker._map = None
        tracker._frozen, tracker._n = frozen, frozen.count
        return tracker

    @classmethod
    def of_columns(cls, is_uuid: npt.NDArray[np.bool_], hi: U64, lo: U64, *, frozen: bool) -> IdTracker:
        """The tracker of stored id columns: frozen (sorted columns, no Python object per
        id), or a list that takes writes."""
        if frozen:
            return cls.of_frozen(FrozenIds.of_columns(is_uuid, hi, lo))
        return cls(ids_of_columns(is_uuid, hi, lo))

    def columns(self) -> tuple[npt.NDArray[np.bool_], U64, U64]:
        """(is_uuid, hi, lo) by offset (see ``FrozenIds.of_columns``)."""
        return self._frozen.columns() if self._frozen is not None else id_columns(self.to_list())

    @property
    def frozen(self) -> bool:
        return self._frozen is not None

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, off: int) -> PointId:
        if self._list is not None:
            return self._list[off]
        assert self._frozen is not None
        if not 0 <= off < self._n:
            raise IndexError(off)
        return self._frozen.id_at(off)

    def __iter__(self) -> Iterator[PointId]:
        if self._list is not None:
            return iter(self._list)
        return (self[o] for o in range(self._n))

    def ids_at(self, offsets: list[int]) -> list[PointId]:
        """The ids at valid ``offsets`` (the search result path: one call per segment)."""
        if self._list is not None:
            ids = self._list
            return [ids[o] for o in offsets]
        assert self._frozen is not None
        return self._frozen.ids_at(offsets)

    def offsets_of(self, pids: Sequence[PointId]) -> I64:
        """``offset`` for many ids at once, -1 where absent (routing a batch)."""
        if self._map is not None:
            get = self._map.get
            return np.fromiter((get(p, -1) for p in pids), dtype=np.int64, count=len(pids))
        assert self._frozen is not None
        return self._frozen.offsets_of(pids)

    def first_in_order(
        self, mask: npt.NDArray[np.bool_], start: tuple[int, int] | None, want: int, check: RowCheck | None = None
    ) -> list[tuple[tuple[int, int], int]]:
        """Up to ``want`` (``id_sort_key``, offset) pairs of the offsets where ``mask`` (and
        ``check``, when given) holds, in id order from the key ``start`` on (a scroll page):
        a walk of the sorted columns when frozen; while taking writes, the masked ids keyed
        and the smallest kept, or with a check all of them sorted and walked."""
        if want <= 0:
            return []
        if self._frozen is not None:
            return self._frozen.first_in_order(mask, start, want, check)
        assert self._list is not None
        offs = np.flatnonzero(mask)
        column = self._int_column()
        if column is None:
            ids = self._list
            keyed = ((id_sort_key(ids[o]), o) for o in offs.tolist())
            kept = (k for k in keyed if start is None or k[0] >= start)
            if check is None:
                return heapq.nsmallest(want, kept)
            ordered = sorted(kept)
            return _walk(np.array([o for _, o in ordered], dtype=np.int64), want, None, check, lambda i: ordered[i][0])
        values = column[offs]  # integer ids only, the usual case: keyed and picked in numpy
        if start is not None:
            if start[0] == 1:
                return []  # every integer id sorts before a UUID
            keep = values >= np.uint64(start[1]) if start[1] < 2**64 else np.zeros(len(values), dtype=bool)
            values, offs = values[keep], offs[keep]
        if check is None and len(values) > want:
            part = np.argpartition(values, want - 1)[:want]
            values, offs = values[part], offs[part]
        ranked = np.argsort(values, kind="stable")
        if check is not None:
            in_order = values[ranked]
            return _walk(offs[ranked], want, None, check, lambda i: (0, int(in_order[i])))
        return [((0, v), o) for v, o in zip(values[ranked].tolist(), offs[ranked].tolist())]

    def _int_column(self) -> U64 | None:
        """The list's ids as uint64 (None once a UUID is among them): cached, and on later
        calls only the ids appended since are converted."""
        if self._has_uuid or self._list is None:
            return None
        n, cached = self._n, self._ints
        have = 0 if cached is None else len(cached)
        if cached is None or have < n:
            try:
                tail = np.array(self._list[have:n], dtype=np.uint64)
            except (TypeError, ValueError, OverflowError):
                self._has_uuid = True
                return None
            cached = tail if cached is None else np.concatenate([cached, tail])
            self._ints = cached
        assert cached is not None
        return cached[:n]

    def to_list(self) -> list[PointId]:
        return list(self._list) if self._list is not None else list(self)

    def offset(self, pid: PointId) -> int | None:
        """The offset of ``pid`` in this segment, or None."""
        if self._map is not None:
            return self._map.get(pid)
        assert self._frozen is not None
        return self._frozen.offset(pid)

    def append(self, pid: PointId) -> int:
        """Track a new id at the next offset (thaws a frozen tracker); returns the offset."""
        if self._list is None or self._map is None:
            self._list = self.to_list()
            self._map = {p: i for i, p in enumerate(self._list)}
            self._ints, self._has_uuid = None, False
            self._frozen = None
        off = self._n
        self._list.append(pid)
        self._map[pid] = off
        self._n += 1
        return off

    def frozen_form(self) -> FrozenIds | None:
        """The sorted columns of the current ids (read-only: may run beside readers)."""
        return FrozenIds(self._list) if self._list is not None else None

    def freeze(self, form: FrozenIds | None = None) -> None:
        """Switch to sorted columns (or adopt ``form``, this tracker's ``frozen_form()``)."""
        if self._list is not None:
            self._frozen = form if form is not None else FrozenIds(self._list)
            self._list = self._map = None


def _walk(
    offs: I64,
    want: int,
    mask: npt.NDArray[np.bool_] | None,
    check: RowCheck | None,
    key_at: Callable[[int], tuple[int, int]],
) -> list[tuple[tuple[int, int], int]]:
    """The first ``want`` of ``offs`` (in id order; ``key_at(i)`` the key of ``offs[i]``)
    where ``mask`` and ``check`` hold (each when given; ``check`` sees only rows of the
    mask), read in growing chunks."""
    found: list[tuple[tuple[int, int], int]] = []
    pos, chunk = 0, max(4 * want, 1024)
    while pos < offs.shape[0] and len(found) < want:
        end = min(offs.shape[0], pos + chunk)
        passed = np.arange(pos, end, dtype=np.int64) if mask is None else np.flatnonzero(mask[offs[pos:end]]) + pos
        if check is not None and passed.shape[0]:
            passed = passed[check(offs[passed])]
        found.extend((key_at(i), int(offs[i])) for i in passed[: want - len(found)].tolist())
        pos, chunk = end, chunk * 2
    return found
