"""Point writes as REST bodies: upsert batches (a dense bulk upload as one matrix) and the
operations of ``UpdateBatch``."""

from __future__ import annotations

from typing import Any

import numpy as np

from vecbase.api.qdrant import models as m
from vecbase.api.qdrant.grpc import values as v
from vecbase.api.qdrant.grpc.calls import wire
from vecbase.api.qdrant.grpc.proto import points_pb2 as pb

_UPDATE_MODES = {"Upsert": "upsert", "InsertOnly": "insert_only", "UpdateOnly": "update_only"}


def upsert_options(message: Any) -> dict[str, Any]:
    """An upsert message's ``update_filter`` and ``update_mode``, as REST's body fields."""
    out: dict[str, Any] = {}
    if message.HasField("update_filter"):
        out["update_filter"] = v.filter_(message.update_filter)
    if message.HasField("update_mode"):
        name = pb.UpdateMode.Name(message.update_mode)
        out["update_mode"] = _UPDATE_MODES.get(name, name)
    return out


def dense_batch(points: Any, options: dict[str, Any]) -> m.PointsBatch | None:
    """Points that all carry one unnamed dense vector, as a batch whose vectors are one float32
    matrix: a bulk upload skips per-float validation, as over REST (numpy refuses ragged rows)."""
    holders = []  # each vector's message: its numbers are field 1
    for p in points:
        vectors = p.vectors
        if vectors.WhichOneof("vectors_options") != "vector":
            return None
        vec = vectors.vector
        kind = vec.WhichOneof("vector")
        if kind == "dense":
            holders.append(vec.dense)
        elif kind is None and not vec.HasField("indices") and vec.vectors_count <= 1 and len(vec.data):
            holders.append(vec)
        else:
            return None
    if not holders or len({len(h.data) for h in holders}) != 1:
        return None
    batch: dict[str, Any] = {
        "ids": [v.point_id(p.id) for p in points],
        "vectors": [list(holders[0].data)],
        "payloads": [v.struct(p.payload) for p in points],
    }
    body: dict[str, Any] = {"batch": batch, **options}
    req: m.PointsBatch = wire(m.PointsBatch, body)
    matrix = _packed_rows(holders, len(holders[0].data))
    if matrix is None:
        matrix = np.array([h.data for h in holders], dtype=np.float32)
    req.batch.vectors = matrix  # type: ignore[assignment]  # the engine takes a matrix
    return req


def _varint(n: int) -> bytes:
    out = bytearray()
    while n >= 0x80:
        out.append(n & 0x7F | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def _packed_rows(holders: list[Any], width: int) -> np.ndarray | None:
    """The vectors as a matrix read from their wire bytes, or None when a message holds more
    than its numbers. Read one by one through the repeated field, each number becomes a
    Python float first; serialized, a message whose only field is ``repeated float data = 1``
    is that field's key, its length and the numbers as packed little-endian float32 (the
    protobuf encoding), so the numbers are sliced out of the bytes in one step."""
    header = b"\x0a" + _varint(4 * width)  # field 1, length-delimited
    size = len(header) + 4 * width
    joined = b"".join([h.SerializeToString() for h in holders])
    if len(joined) != size * len(holders):
        return None
    table = np.frombuffer(joined, dtype=np.uint8).reshape(len(holders), size)
    if not (table[:, : len(header)] == np.frombuffer(header, dtype=np.uint8)).all():
        return None
    return table[:, len(header) :].copy().view(np.dtype("<f4")).astype(np.float32, copy=False)


def points_list(points: Any) -> list[dict[str, Any]]:
    return [{"id": v.point_id(p.id), "vector": v.vectors(p.vectors), "payload": v.struct(p.payload)} for p in points]


def _selected(body: dict[str, Any], op: Any, field: str) -> dict[str, Any]:
    if op.HasField(field):
        body.update(v.points_selector(getattr(op, field)))
    return body


def batch_operation(op: Any) -> dict[str, Any]:
    """One ``PointsUpdateOperation`` as REST's batch operation."""
    kind = op.WhichOneof("operation")
    if kind == "upsert":
        upsert: dict[str, Any] = {"points": points_list(op.upsert.points), **upsert_options(op.upsert)}
        return {"upsert": v.keyed(upsert, op.upsert)}
    if kind in ("delete_deprecated", "clear_payload_deprecated"):
        return {kind.removesuffix("_deprecated"): v.points_selector(getattr(op, kind))}
    if kind in ("delete_points", "clear_payload"):
        sub = getattr(op, kind)
        return {"delete" if kind == "delete_points" else kind: v.keyed(v.points_selector(sub.points), sub)}
    if kind in ("set_payload", "overwrite_payload"):
        payload_op = getattr(op, kind)
        body = v.set_if({"payload": v.struct(payload_op.payload)}, payload_op, "key")
        return {kind: v.keyed(_selected(body, payload_op, "points_selector"), payload_op)}
    if kind == "delete_payload":
        body = _selected({"keys": list(op.delete_payload.keys)}, op.delete_payload, "points_selector")
        return {kind: v.keyed(body, op.delete_payload)}
    if kind == "update_vectors":
        points = [{"id": v.point_id(p.id), "vector": v.vectors(p.vectors)} for p in op.update_vectors.points]
        update: dict[str, Any] = {"points": points}
        if op.update_vectors.HasField("update_filter"):
            update["update_filter"] = v.filter_(op.update_vectors.update_filter)
        return {"update_vectors": v.keyed(update, op.update_vectors)}
    if kind == "delete_vectors":
        body = {"vector": list(op.delete_vectors.vectors.names)}
        return {kind: v.keyed(_selected(body, op.delete_vectors, "points_selector"), op.delete_vectors)}
    raise ValueError("a batch operation needs an operation")
