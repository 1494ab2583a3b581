"""The base of payload field indexes: one payload path's values per segment offset.

An index extracts the values it holds from a payload (``extract``), keeps them per offset
while the segment is appendable, and answers conditions with ``mask`` (a boolean array
over offsets) or ``offsets`` (sorted offsets), None when it cannot. ``freeze`` compacts it
for a sealed segment, which only deletes from then on; a frozen index may still list
removed offsets, which every caller masks with the segment's live rows anyway.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, Hashable, Mapping, Sequence

import numpy as np
import numpy.typing as npt

from vecbase.core.conditions import Mask
from vecbase.core.config import PayloadIndexSpec
from vecbase.core.filter import Condition
from vecbase.core.paths import values_at

I64 = npt.NDArray[np.int64]
I32 = npt.NDArray[np.int32]
_SHARED_TUPLES = 256


class FieldIndex(ABC):
    def __init__(self, key: str, spec: PayloadIndexSpec) -> None:
        self.key = key
        self.spec = spec
        self._values: dict[int, tuple[Any, ...]] = {}
        self._tuples: dict[tuple[tuple[Any, ...], tuple[type, ...]], tuple[Any, ...]] = {}
        # frozen: which offsets hold a value (removals clear bits); None while mutable
        self._holding: npt.NDArray[np.bool_] | None = None

    @abstractmethod
    def extract(self, raw: Any) -> Any | None:
        """The indexed form of one payload value, or None when this index does not hold it."""

    def set(self, offset: int, payload: dict[str, Any]) -> None:
        if self._holding is not None:
            raise RuntimeError("a frozen payload index takes no new values")
        if offset in self._values:
            self.remove(offset)
        found: list[Any] = []
        for raw in values_at(payload, self.key):
            value = self.extract(raw)
            if value is not None and value not in found:
                found.append(value)
        if found:
            values = self._shared(tuple(found))
            self._values[offset] = values
            self._added(offset, values)

    def _shared(self, values: tuple[Any, ...]) -> tuple[Any, ...]:
        """One tuple object per distinct set of values of a low-cardinality field (a bool, a
        category), instead of one per point: a mutable index of a large segment then holds
        no per-point tuples, which would leave allocator arenas resident once freed."""
        key = (values, tuple(type(v) for v in values))  # True and 1 are different values
        shared = self._tuples.get(key)
        if shared is not None:
            return shared
        if len(self._tuples) < _SHARED_TUPLES:
            self._tuples[key] = values
        return values

    def remove(self, offset: int) -> None:
        if self._holding is not None:
            if offset < self._holding.shape[0]:
                self._holding[offset] = False
            return
        values = self._values.pop(offset, None)
        if values is not None:
            self._removed(offset, values)

    def _added(self, offset: int, values: tuple[Any, ...]) -> None:  # noqa: B027
        pass

    def _removed(self, offset: int, values: tuple[Any, ...]) -> None:  # noqa: B027
        pass

    def points(self) -> int:
        return len(self._values) if self._holding is None else int(np.count_nonzero(self._holding))

    @property
    def frozen(self) -> bool:
        return self._holding is not None

    def freeze(self, n: int) -> None:
        """Compact for a segment of ``n`` offsets that only deletes from now on."""
        if self._holding is not None or not self._freeze():
            return
        holding = np.zeros(n, dtype=bool)
        if self._values:
            holding[np.fromiter(self._values.keys(), dtype=np.int64, count=len(self._values))] = True
        self._holding = holding
        self._values = {}
        self._tuples = {}

    def _freeze(self) -> bool:
        """Build the frozen structures from ``_values``; False when this kind needs its values."""
        return False

    # -- stored form (sealed segments keep their frozen indexes on disk) -----------------
    def dump(self) -> StoredIndex | None:
        """A frozen index's structures, to be written beside its segment (None while it takes
        writes). Only the holding bits change once frozen (deletes), so they are copied and the
        rest is shared: the dump may be written while readers use the index."""
        if self._holding is None:
            return None
        described, arrays = self._dump()
        return StoredIndex(spec_json(self.spec), described, {**arrays, "holding": self._holding.copy()})

    def adopt(self, stored: StoredIndex, live: Mask) -> None:
        """Take the frozen structures of ``dump`` (read back from disk) instead of indexing
        payloads; ``live`` (the segment's live rows) drops holders deleted since the dump."""
        holding = np.asarray(stored.arrays["holding"], dtype=bool)
        self._adopt(stored.described, stored.arrays)
        self._holding = holding & live[: holding.shape[0]]
        self._values = {}
        self._tuples = {}

    def gather(self, parts: Sequence[tuple[FieldIndex, I64]], n: int) -> None:
        """Become the frozen index of a merged segment of ``n`` rows, made of frozen indexes
        of the same spec: ``parts`` pairs one with ``new_of``, its offsets' rows in the merged
        segment (-1: not copied). Array work, no payload read; frozen sources change only
        their holding bits, so this may run beside deletes."""
        if self._holding is not None or any(index._holding is None for index, _ in parts):
            raise RuntimeError("gather makes a frozen index of frozen ones")
        held = self._gather(parts)
        self._holding = np.zeros(n, dtype=bool)
        self._holding[held] = True
        self._values = {}
        self._tuples = {}

    @abstractmethod
    def _gather(self, parts: Sequence[tuple[FieldIndex, I64]]) -> I64:
        """Build the frozen structures from ``parts`` (see ``gather``); the rows held."""

    @abstractmethod
    def _dump(self) -> tuple[dict[str, Any], dict[str, npt.NDArray[Any]]]:
        """(a JSON-able description, named arrays) of the frozen structures."""

    @abstractmethod
    def _adopt(self, described: dict[str, Any], arrays: Mapping[str, npt.NDArray[Any]]) -> None:
        """Take the structures ``_dump`` described."""

    @abstractmethod
    def mask(self, cond: Condition, n: int) -> Mask | None: ...

    def offsets(self, cond: Condition) -> I64 | None:
        """Sorted distinct offsets (deleted ones included) whose values satisfy ``cond``, in
        time proportional to their number; None when this index cannot list them so."""
        return None

    def facet(self, allowed: Mask) -> dict[Any, int] | None:
        return None


@dataclass(frozen=True)
class StoredIndex:
    """A frozen payload index as stored: the spec it was built for (JSON), a description,
    and its arrays by name."""

    spec: dict[str, Any]
    described: dict[str, Any]
    arrays: Mapping[str, npt.NDArray[Any]]


def spec_json(spec: PayloadIndexSpec) -> dict[str, Any]:
    """A spec in the form the collection's config file stores it."""
    return {"type": spec.type.value, "params": dict(spec.params)}


def split_postings(offsets: npt.NDArray[Any], ends: npt.NDArray[Any]) -> list[I32]:
    """The postings packed by ``pack_postings``."""
    return [np.asarray(p, dtype=np.int32) for p in np.split(offsets, ends[:-1])] if ends.shape[0] else []


def mapped_rows(offsets: npt.NDArray[Any], new_of: I64) -> I64:
    """The merged rows of source ``offsets`` that were copied."""
    rows = new_of[offsets]
    kept: I64 = rows[rows >= 0]
    return kept


def merged_postings(parts: Sequence[tuple[Mapping[Any, I32], I64]]) -> dict[Any, I32]:
    """Each key's posting in the merged rows, from sources' (postings by key, ``new_of``)."""
    found: dict[Hashable, list[I64]] = {}
    for postings, new_of in parts:
        for key, array in postings.items():
            rows = mapped_rows(array, new_of)
            if rows.shape[0]:
                found.setdefault(key, []).append(rows)
    return {key: np.sort(np.concatenate(rows)).astype(np.int32) for key, rows in found.items()}


def range_positions(starts: I64, lengths: I64) -> I64:
    """The positions of the ranges ``starts[i]:starts[i] + lengths[i]``, one range after the
    other (gathering variable-length pieces of one array with a single fancy index)."""
    ends = np.cumsum(lengths)
    total = int(ends[-1]) if ends.shape[0] else 0
    positions: I64 = np.repeat(starts - ends + lengths, lengths) + np.arange(total, dtype=np.int64)
    return positions


def pack_postings(postings: list[I32]) -> tuple[I32, I64]:
    """Postings as one offset array and each one's end in it."""
    ends = np.cumsum([p.shape[0] for p in postings], dtype=np.int64)
    offsets = np.concatenate(postings).astype(np.int32) if postings else np.zeros(0, dtype=np.int32)
    return offsets, ends
