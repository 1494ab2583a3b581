"""Binary encoding of resolved operations for the write-ahead log.

Body: ``[u32 header length][header JSON][blob 0][blob 1]...``; the header names the
operation and refers to numpy blobs (dtype, shape) by position, so vectors (and an upsert's
payload documents) are logged as raw bytes rather than re-encoded JSON.
"""

from __future__ import annotations

import struct
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson

from vecbase.core.config import PayloadIndexSpec, PayloadType
from vecbase.core.errors import StorageError
from vecbase.core.operations import (
    ClearPayload,
    ConfigChange,
    CreateFieldIndex,
    DeleteFieldIndex,
    DeletePayload,
    DeletePoints,
    DeleteVectors,
    Operation,
    OverwritePayload,
    SetPayload,
    UpdateVectors,
    UpsertPoints,
)
from vecbase.core.points import DenseColumn, ListColumn, PayloadDocs, SparseVector, VectorColumn

_LEN = struct.Struct("<I")


class _Writer:
    def __init__(self) -> None:
        self.blobs: list[bytes] = []
        self.meta: list[list[Any]] = []

    def add(self, array: npt.NDArray[Any]) -> int:
        array = np.ascontiguousarray(array)
        self.meta.append([array.dtype.str, list(array.shape)])
        self.blobs.append(array.tobytes())
        return len(self.blobs) - 1

    def column(self, col: VectorColumn) -> dict[str, Any]:
        if isinstance(col, DenseColumn):
            out: dict[str, Any] = {"k": "dense", "data": self.add(col.data)}
            if col.present is not None:
                out["present"] = self.add(col.present)
            return out
        values = col.values
        present = np.array([v is not None for v in values], dtype=bool)
        lengths = np.array(
            [0 if v is None else (v.indices.shape[0] if isinstance(v, SparseVector) else v.shape[0]) for v in values],
            dtype=np.int64,
        )
        live = [v for v in values if v is not None]
        if live and isinstance(live[0], SparseVector):
            return {
                "k": "sparse",
                "present": self.add(present),
                "lengths": self.add(lengths),
                "indices": self.add(np.concatenate([v.indices for v in live])),  # type: ignore[union-attr]
                "values": self.add(np.concatenate([v.values for v in live])),  # type: ignore[union-attr]
            }
        dim = live[0].shape[1] if live else 0  # type: ignore[union-attr]
        rows = np.concatenate(live) if live else np.zeros((0, dim), np.float32)  # type: ignore[arg-type]
        return {"k": "multi", "present": self.add(present), "lengths": self.add(lengths), "rows": self.add(rows)}


def encode(op: Operation) -> bytes:
    w = _Writer()
    h: dict[str, Any]
    if isinstance(op, UpsertPoints):
        h = {"t": "upsert", "ids": op.ids}
        h["vectors"] = {name: w.column(col) for name, col in op.vectors.items()}
        # the documents as raw bytes, last: the arrays before them stay aligned
        h["payload_docs"] = [w.add(op.payloads.ends), w.add(np.frombuffer(op.payloads.blob, dtype=np.uint8))]
    elif isinstance(op, UpdateVectors):
        h = {"t": "update_vectors", "ids": op.ids, "vectors": {n: w.column(c) for n, c in op.vectors.items()}}
    elif isinstance(op, DeletePoints):
        h = {"t": "delete", "ids": op.ids}
    elif isinstance(op, SetPayload):
        h = {"t": "set_payload", "ids": op.ids, "payload": op.payload, "key": op.key}
    elif isinstance(op, OverwritePayload):
        h = {"t": "overwrite_payload", "ids": op.ids, "payload": op.payload}
    elif isinstance(op, DeletePayload):
        h = {"t": "delete_payload", "ids": op.ids, "keys": op.keys}
    elif isinstance(op, ClearPayload):
        h = {"t": "clear_payload", "ids": op.ids}
    elif isinstance(op, DeleteVectors):
        h = {"t": "delete_vectors", "ids": op.ids, "names": op.names}
    elif isinstance(op, CreateFieldIndex):
        h = {"t": "create_index", "field": op.field, "type": op.spec.type.value, "params": dict(op.spec.params)}
    elif isinstance(op, ConfigChange):
        h = {"t": "config", "what": op.what}
    else:
        h = {"t": "delete_index", "field": op.field}
    h["blobs"] = w.meta
    header = orjson.dumps(h)
    return b"".join([_LEN.pack(len(header)), header, *w.blobs])


class _Reader:
    def __init__(self, body: bytes, meta: list[list[Any]], start: int) -> None:
        self.arrays: list[npt.NDArray[Any]] = []
        pos = start
        for dtype, shape in meta:
            dt = np.dtype(dtype)
            size = int(np.prod(shape)) * dt.itemsize
            self.arrays.append(np.frombuffer(body, dtype=dt, count=int(np.prod(shape)), offset=pos).reshape(shape))
            pos += size
        if pos != len(body):
            raise StorageError("WAL record size does not match its header")

    def column(self, spec: dict[str, Any]) -> VectorColumn:
        a = self.arrays
        if spec["k"] == "dense":
            present = a[spec["present"]] if "present" in spec else None
            return DenseColumn(a[spec["data"]], present)
        present, lengths = a[spec["present"]], a[spec["lengths"]]
        ends = np.cumsum(lengths)
        out: list[Any] = []
        for ok, s, e in zip(present.tolist(), (ends - lengths).tolist(), ends.tolist()):
            if not ok:
                out.append(None)
            elif spec["k"] == "sparse":
                out.append(SparseVector(a[spec["indices"]][s:e], a[spec["values"]][s:e]))
            else:
                out.append(a[spec["rows"]][s:e])
        return ListColumn(tuple(out))


def decode(body: bytes) -> Operation:
    (n,) = _LEN.unpack_from(body, 0)
    h = orjson.loads(body[_LEN.size : _LEN.size + n])
    r = _Reader(body, h["blobs"], _LEN.size + n)
    ids = tuple(h.get("ids", ()))
    t = h["t"]
    if t == "upsert":
        vectors = {name: r.column(spec) for name, spec in h["vectors"].items()}
        if "payload_docs" in h:
            ends, blob = h["payload_docs"]
            docs = PayloadDocs(r.arrays[blob].tobytes(), r.arrays[ends].astype(np.int64))
        else:  # logged before payloads travelled as documents
            docs = PayloadDocs.of(h["payloads"])
        return UpsertPoints(ids, vectors, docs)
    if t == "update_vectors":
        return UpdateVectors(ids, {name: r.column(spec) for name, spec in h["vectors"].items()})
    if t == "delete":
        return DeletePoints(ids)
    if t == "set_payload":
        return SetPayload(ids, h["payload"], h["key"])
    if t == "overwrite_payload":
        return OverwritePayload(ids, h["payload"])
    if t == "delete_payload":
        return DeletePayload(ids, tuple(h["keys"]))
    if t == "clear_payload":
        return ClearPayload(ids)
    if t == "delete_vectors":
        return DeleteVectors(ids, tuple(h["names"]))
    if t == "create_index":
        return CreateFieldIndex(h["field"], PayloadIndexSpec(PayloadType(h["type"]), h["params"]))
    if t == "delete_index":
        return DeleteFieldIndex(h["field"])
    if t == "config":
        return ConfigChange(h["what"])
    raise StorageError(f"Unknown WAL operation {t!r}")
