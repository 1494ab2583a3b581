"""Payloads by segment offset.

An appendable segment keeps payloads as dicts: edits are cheap and reads return the stored
object (callers must not modify it; ``copy_of`` is the copy for results). A sealed segment
never edits payloads again, so ``freeze`` packs them into one buffer of JSON documents with
an array of end positions: a few bytes per point instead of a dict's ~200, and loading a
sealed segment does not parse them. Frozen reads decode on every access (a fresh dict each time). Any write thaws.
"""

from __future__ import annotations

from typing import Iterable, Iterator

import numpy as np
import numpy.typing as npt
import orjson

from vecbase.core.points import Payload

I64 = npt.NDArray[np.int64]


class PayloadStore:
    def __init__(self, items: list[Payload] | None = None) -> None:
        self._items: list[Payload] | None = items if items is not None else []
        self._blob = b""
        self._ends: I64 = np.zeros(0, dtype=np.int64)
        self._ends_view = self._ends.data

    @classmethod
    def packed(cls, blob: bytes, ends: I64) -> PayloadStore:
        """A frozen store over ``blob``: document ``i`` ends at ``ends[i]``."""
        store = cls()
        store._items = None
        store._blob = blob
        store._ends = np.ascontiguousarray(ends, dtype=np.int64)
        store._ends_view = store._ends.data  # Python ints by index, cheaper than numpy scalars
        return store

    @property
    def frozen(self) -> bool:
        return self._items is None

    def __len__(self) -> int:
        return len(self._items) if self._items is not None else int(self._ends.shape[0])

    def __getitem__(self, off: int) -> Payload:
        if self._items is not None:
            return self._items[off]
        ends = self._ends_view
        payload: Payload = orjson.loads(memoryview(self._blob)[ends[off - 1] if off else 0 : ends[off]])
        return payload

    def copy_of(self, off: int) -> Payload:
        """A payload no other reader shares: results handed out of the engine are these."""
        if self._items is not None:
            fresh: Payload = orjson.loads(orjson.dumps(self._items[off]))
            return fresh
        return self[off]

    def copies_of(self, offsets: list[int]) -> list[Payload]:
        """``copy_of`` for many offsets, decoded in one call (the search result path)."""
        if self._items is not None:
            items = self._items
            fresh: list[Payload] = orjson.loads(orjson.dumps([items[o] for o in offsets]))
            return fresh
        ends, blob = self._ends_view, self._blob  # small byte slices cost less than views
        docs = b",".join([blob[ends[o - 1] if o else 0 : ends[o]] for o in offsets])
        decoded: list[Payload] = orjson.loads(b"[" + docs + b"]")
        return decoded

    def __iter__(self) -> Iterator[Payload]:
        if self._items is not None:
            yield from self._items
            return
        view = memoryview(self._blob)
        start = 0
        for end in self._ends.tolist():
            yield orjson.loads(view[start:end])
            start = end

    def __setitem__(self, off: int, payload: Payload) -> None:
        self._thaw()[off] = payload

    def append(self, payload: Payload) -> None:
        self._thaw().append(payload)

    def freeze(self, packed: tuple[bytes, I64] | None = None) -> None:
        """Pack the payloads (or adopt ``packed``, this store's ``pack()`` taken earlier)."""
        if self._items is not None:
            self._blob, self._ends = packed if packed is not None else self.pack()
            self._ends_view = self._ends.data
            self._items = None

    def _thaw(self) -> list[Payload]:
        if self._items is None:
            self._items = list(self)
            self._blob, self._ends = b"", np.zeros(0, dtype=np.int64)
            self._ends_view = self._ends.data
        return self._items

    def pack(self) -> tuple[bytes, I64]:
        """The packed form (for persistence), without freezing this store."""
        if self._items is None:
            return self._blob, self._ends
        return _joined(orjson.dumps(p) for p in self._items)

    def docs(self, offsets: list[int]) -> Iterator[bytes]:
        """The JSON documents of some offsets, without decoding frozen ones."""
        if self._items is not None:
            items = self._items
            return (orjson.dumps(items[o]) for o in offsets)
        ends = self._ends.tolist()
        view = memoryview(self._blob)
        return (view[(ends[o - 1] if o else 0) : ends[o]].tobytes() for o in offsets)

    @classmethod
    def from_docs(cls, docs: Iterable[bytes]) -> PayloadStore:
        """A frozen store of these JSON documents."""
        return cls.packed(*_joined(docs))


def _joined(docs: Iterable[bytes]) -> tuple[bytes, I64]:
    # appended one at a time: orjson's result buffers carry ~4 kB of spare capacity each,
    # so holding a list of them costs ~4 kB per point in (unreturned) heap
    buf = bytearray()
    ends: list[int] = []
    for doc in docs:
        buf += doc
        ends.append(len(buf))
    return bytes(buf), np.array(ends, dtype=np.int64)
