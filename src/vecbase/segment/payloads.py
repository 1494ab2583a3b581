"""Payloads by segment offset, stored as JSON documents.

Every segment keeps its payloads serialized, never as Python dicts: a few bytes per point
instead of a dict's ~300, and an ingest leaves no peak of small objects behind (CPython's
allocator keeps an arena mapped while any object in it lives, so such a peak stays resident).
Every read decodes, so what a reader gets is its own fresh object.

An appendable store appends documents to a growing buffer and addresses them with start and
end arrays; rewriting a point's payload appends its new document and leaves the old bytes as
garbage until the buffer is compacted. ``freeze`` (sealed segments) compacts the documents into
offset order: one immutable buffer plus an array of end positions, the form persisted on disk
and loaded without parsing. Any write thaws it (no decoding: the buffer is copied as is).
"""

from __future__ import annotations

from typing import Iterable, Iterator, Sequence

import numpy as np
import numpy.typing as npt
import orjson

from vecbase.core.points import EMPTY_PAYLOAD_DOC, Payload, PayloadDocs
from vecbase.index.field import range_positions

I64 = npt.NDArray[np.int64]
# documents decoded per orjson call when iterating: one call per document costs more, one
# call for a whole segment would build every payload at once
_DECODE_CHUNK = 1024


class PayloadStore:
    def __init__(self) -> None:
        self._n = 0
        # appendable form: documents anywhere in _buf, at _starts[i]:_ends[i]
        self._buf = bytearray()
        self._starts: I64 | None = np.zeros(64, dtype=np.int64)
        self._ends: I64 = np.zeros(64, dtype=np.int64)
        self._garbage = 0
        # frozen form: _blob holds the documents in offset order, _starts is None
        self._blob = b""
        self._views()

    @classmethod
    def packed(cls, blob: bytes, ends: I64) -> PayloadStore:
        """A frozen store over ``blob``: document ``i`` ends at ``ends[i]``."""
        store = cls()
        store._freeze_as(blob, np.ascontiguousarray(ends, dtype=np.int64))
        return store

    @classmethod
    def from_docs(cls, docs: Iterable[bytes]) -> PayloadStore:
        """A frozen store of these JSON documents."""
        joined = PayloadDocs.join(docs)
        return cls.packed(joined.blob, joined.ends)

    @classmethod
    def gathered(cls, parts: Sequence[tuple[PayloadStore, I64]], order: I64 | None = None) -> PayloadStore:
        """A frozen store of the documents at each part's offsets, part after part (or with
        document i the ``order[i]``-th of that sequence), copied byte ranges at a time with
        numpy: no Python object per document (a merge's copy leaves no peak behind)."""
        sources, starts, ends = [], [], []
        base = 0
        for store, offsets in parts:
            raw, doc_starts, doc_ends = store._ranges()
            starts.append(doc_starts[offsets] + base)
            ends.append(doc_ends[offsets] + base)
            sources.append(raw)
            base += raw.shape[0]
        start = np.concatenate(starts) if starts else np.zeros(0, dtype=np.int64)
        end = np.concatenate(ends) if ends else np.zeros(0, dtype=np.int64)
        if order is not None:
            start, end = start[order], end[order]
        lengths = end - start
        source = sources[0] if len(sources) == 1 else np.concatenate(sources or [np.zeros(0, dtype=np.uint8)])
        return cls.packed(source[range_positions(start, lengths)].tobytes(), np.cumsum(lengths))

    def _ranges(self) -> tuple[npt.NDArray[np.uint8], I64, I64]:
        """(the bytes holding the documents, each document's start and end in them)."""
        n = self._n
        if self._starts is None:
            return np.frombuffer(self._blob, dtype=np.uint8), _starts_of(self._ends[:n]), self._ends[:n]
        # a copy: a view would pin the bytearray against appends
        return np.frombuffer(bytes(self._buf), dtype=np.uint8), self._starts[:n].copy(), self._ends[:n].copy()

    def _views(self) -> None:
        # Python ints by index, cheaper than numpy scalars
        self._ends_view = self._ends.data
        self._starts_view = self._starts.data if self._starts is not None else None

    @property
    def frozen(self) -> bool:
        return self._starts is None

    def __len__(self) -> int:
        return self._n

    # -- reads ----------------------------------------------------------------------
    def doc(self, off: int) -> bytes:
        """The JSON document of ``off``."""
        ends = self._ends_view
        if self._starts_view is None:
            return self._blob[ends[off - 1] if off else 0 : ends[off]]
        return bytes(self._buf[self._starts_view[off] : ends[off]])

    def __getitem__(self, off: int) -> Payload:
        """The payload of ``off``, decoded: a fresh object the caller may keep or change."""
        payload: Payload = orjson.loads(self.doc(off))
        return payload

    def copies_of(self, offsets: list[int]) -> list[Payload]:
        """The payloads of many offsets, decoded in one call (the search result path)."""
        ends = self._ends_view
        if self._starts_view is None:
            blob = self._blob  # small byte slices cost less than views
            joined = b",".join([blob[ends[o - 1] if o else 0 : ends[o]] for o in offsets])
        else:
            buf, starts = self._buf, self._starts_view
            joined = b",".join([buf[starts[o] : ends[o]] for o in offsets])
        decoded: list[Payload] = orjson.loads(b"[" + joined + b"]")
        return decoded

    def docs(self, offsets: list[int]) -> Iterator[bytes]:
        """The JSON documents of some offsets, without decoding them."""
        return (self.doc(o) for o in offsets)

    def __iter__(self) -> Iterator[Payload]:
        for lo in range(0, self._n, _DECODE_CHUNK):
            yield from self.copies_of(list(range(lo, min(lo + _DECODE_CHUNK, self._n))))

    # -- writes (thaw a frozen store) -------------------------------------------------
    def __setitem__(self, off: int, payload: Payload) -> None:
        self.set_doc(off, orjson.dumps(payload) if payload else EMPTY_PAYLOAD_DOC)

    def set_doc(self, off: int, doc: bytes) -> None:
        starts, ends = self._thaw()
        self._garbage += int(ends[off] - starts[off])
        starts[off] = len(self._buf)
        self._buf += doc
        ends[off] = len(self._buf)
        self._compact_if_wasteful()

    def extend(self, docs: PayloadDocs) -> None:
        """The documents of the next ``len(docs)`` offsets."""
        k = len(docs)
        self.assign(np.arange(self._n, self._n + k, dtype=np.int64), docs, np.arange(k, dtype=np.int64))

    def assign(self, offsets: I64, docs: PayloadDocs, rows: I64) -> None:
        """Document ``rows[i]`` of ``docs`` for ``offsets[i]`` (existing or the next ones)."""
        if offsets.shape[0] == 0:
            return
        top = int(offsets.max()) + 1
        if top > self._n:
            self._reserve(top)
            self._n = top
        starts, ends = self._thaw()
        doc_ends = docs.ends
        doc_starts = _starts_of(doc_ends)
        old = ends[offsets] - starts[offsets]
        self._garbage += int(old.sum())
        base = len(self._buf)
        if rows.shape[0] == len(docs) and (rows == np.arange(len(docs))).all():
            self._buf += docs.blob
            starts[offsets] = base + doc_starts
            ends[offsets] = base + doc_ends
        else:
            lengths = doc_ends[rows] - doc_starts[rows]
            blob = docs.blob
            self._buf += b"".join([blob[s:e] for s, e in zip(doc_starts[rows].tolist(), doc_ends[rows].tolist())])
            new_ends = base + np.cumsum(lengths)
            starts[offsets] = new_ends - lengths
            ends[offsets] = new_ends
        self._compact_if_wasteful()

    def _reserve(self, n: int) -> None:
        starts, ends = self._thaw()
        if n <= ends.shape[0]:
            return
        cap = max(n, 2 * ends.shape[0])
        grown_starts, grown_ends = np.zeros(cap, dtype=np.int64), np.zeros(cap, dtype=np.int64)
        grown_starts[: self._n], grown_ends[: self._n] = starts[: self._n], ends[: self._n]
        self._starts, self._ends = grown_starts, grown_ends
        self._views()

    def _thaw(self) -> tuple[I64, I64]:
        if self._starts is None:
            ends = self._ends
            self._buf = bytearray(self._blob)
            self._blob = b""
            cap = max(64, ends.shape[0])
            self._starts, self._ends = np.zeros(cap, dtype=np.int64), np.zeros(cap, dtype=np.int64)
            self._ends[: ends.shape[0]] = ends
            self._starts[: ends.shape[0]] = _starts_of(ends)
            self._garbage = 0
            self._views()
        return self._starts, self._ends

    def _compact_if_wasteful(self) -> None:
        """Rewrite the buffer in offset order once rewritten documents left more garbage
        than live bytes (and at least 64 kB of it)."""
        if self._garbage <= max(len(self._buf) // 2, 1 << 16):
            return
        blob, ends = self.pack()
        self._buf = bytearray(blob)
        assert self._starts is not None
        self._ends[: self._n] = ends
        self._starts[: self._n] = _starts_of(ends)
        self._garbage = 0

    # -- sealing --------------------------------------------------------------------
    def pack(self) -> tuple[bytes, I64]:
        """The frozen form (documents in offset order, their ends), without freezing."""
        n = self._n
        if self._starts is None:
            return self._blob, self._ends
        starts, ends = self._starts[:n], self._ends[:n]
        lengths = ends - starts
        packed_ends = np.cumsum(lengths)
        if n == 0:
            return b"", packed_ends
        if int(starts[0]) == 0 and (starts[1:] == ends[:-1]).all():  # already in order
            return bytes(self._buf[: int(ends[-1])]), packed_ends
        buf = self._buf
        return b"".join([buf[s:e] for s, e in zip(starts.tolist(), ends.tolist())]), packed_ends

    def freeze(self, packed: tuple[bytes, I64] | None = None) -> None:
        """Compact into the frozen form (or adopt ``packed``, this store's ``pack()`` taken
        earlier)."""
        if self._starts is not None:
            self._freeze_as(*(packed if packed is not None else self.pack()))

    def _freeze_as(self, blob: bytes, ends: I64) -> None:
        self._blob, self._ends, self._starts = blob, ends, None
        self._n = int(ends.shape[0])
        self._buf = bytearray()
        self._garbage = 0
        self._views()


def _starts_of(ends: I64) -> I64:
    """Start positions of documents stored back to back with these end positions."""
    starts = np.empty_like(ends)
    if ends.shape[0]:
        starts[0] = 0
        starts[1:] = ends[:-1]
    return starts
