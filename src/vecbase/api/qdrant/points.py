"""Qdrant wire points and vectors to engine columns, and engine results back to wire models."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np

from vecbase.api.qdrant import models as m
from vecbase.api.qdrant.inference import INFERENCE_INPUTS, embed_values, has_inference
from vecbase.api.qdrant.json_values import json_document
from vecbase.api.qdrant.wire_base import construct, is_number_matrix, set_extra, set_fields, set_fields_set, set_private
from vecbase.core.config import DEFAULT_VECTOR, CollectionConfig
from vecbase.core.errors import BadRequestError
from vecbase.core.ids import MAX_INT_ID, PointId, normalize_id
from vecbase.core.operations import UpdateVectors, UpsertPoints
from vecbase.core.paths import check_path
from vecbase.core.points import (
    EMPTY_PAYLOAD_DOC,
    DenseColumn,
    ListColumn,
    PayloadDocs,
    Record,
    ScoredColumns,
    SparseVector,
    VectorColumn,
)
from vecbase.query.model import WithPayload, WithVectors


def op_num_to_wire(op_num: int) -> int:
    """An operation number (an ``operation_id``, a point's ``version``) as Qdrant counts it:
    the engine numbers operations from 1 (0: none yet), Qdrant's log indices start at 0."""
    return op_num - 1 if op_num > 0 else 0


def sparse_from_wire(v: m.SparseVector) -> SparseVector:
    if len(v.indices) != len(v.values):
        raise BadRequestError("Validation error: sparse vector indices and values must have the same length")
    idx = np.asarray(v.indices, dtype=np.int64)
    if idx.size and (idx.min() < 0 or idx.max() > 0xFFFFFFFF):
        raise BadRequestError("Validation error: sparse vector indices must be u32")
    order = np.argsort(idx, kind="stable")
    idx = idx[order]
    if idx.size > 1 and (np.diff(idx) == 0).any():
        raise BadRequestError("Validation error: sparse vector indices must be unique")
    return SparseVector(idx.astype(np.uint32), np.asarray(v.values, dtype=np.float32)[order])


def _point_id(raw: Any) -> PointId:
    try:
        return normalize_id(raw)
    except ValueError:
        # Qdrant's ids parse as an unsigned integer or a UUID, or the body does not parse
        raise BadRequestError(
            "Format error in JSON body: data did not match any variant of untagged enum ExtendedPointId"
        ) from None


def _point_ids(raw: Sequence[Any]) -> tuple[PointId, ...]:
    """A batch's ids in canonical form. An upload's ids are all unsigned integers, canonical
    already: checked in one pass of builtins instead of one call per id."""
    if raw and all(type(i) is int for i in raw) and min(raw) >= 0 and max(raw) <= MAX_INT_ID:
        return tuple(raw)
    return tuple(_point_id(i) for i in raw)


def _named(vector: Any) -> dict[str, Any]:
    """A point's vector struct as a name -> value mapping."""
    if isinstance(vector, dict):
        return vector
    return {DEFAULT_VECTOR: vector}


def _columns(config: CollectionConfig, per_point: Sequence[Mapping[str, Any]]) -> dict[str, VectorColumn]:
    n = len(per_point)
    names: set[str] = set()
    for vs in per_point:
        names.update(vs)
    out: dict[str, VectorColumn] = {}
    for name in names:
        if name not in config.sparse_vectors and name not in config.vectors:
            raise BadRequestError(f"Wrong input: Not existing vector name error: {name}")
        values = [vs.get(name) for vs in per_point]
        if has_inference(values):
            values = embed_values(values, query=False)  # documents of one name: one batch
        if name in config.sparse_vectors:
            out[name] = ListColumn(tuple(_sparse_value(name, v) for v in values))
            continue
        vc = config.vectors[name]
        if vc.multivector:
            out[name] = ListColumn(tuple(_multi_value(v) for v in values))
            continue
        present = np.array([v is not None for v in values], dtype=bool)
        rows = [v for v in values if v is not None]
        if any(isinstance(r, m.SparseVector) for r in rows):
            raise BadRequestError(f"Wrong input: Conversion between sparse and regular vectors failed: {name}")
        try:
            data = np.asarray(rows, dtype=np.float32) if rows else np.zeros((0, vc.size), np.float32)
        except ValueError:
            raise _dimension_error(vc.size, rows) from None
        if data.ndim != 2:
            raise BadRequestError(f"Wrong input: Vector `{name}` is a dense vector of dim {vc.size}")
        if present.all():
            out[name] = DenseColumn(data)
        else:
            full = np.zeros((n, data.shape[1]), dtype=np.float32)
            full[present] = data
            out[name] = DenseColumn(full, present)
    return out


def _dense_matrices(config: CollectionConfig, vecs: Mapping[str, Any]) -> dict[str, VectorColumn] | None:
    """Named vectors given as one numeric matrix per name, each a plain dense vector of the
    collection: a column per name in one go; None for anything else (read point by point)."""
    out: dict[str, VectorColumn] = {}
    for name, matrix in vecs.items():
        vc = config.vectors.get(name)
        if vc is None or vc.multivector or not is_number_matrix(matrix):
            return None
        out[name] = _dense_column(vc.size, matrix)
    return out


def _dense_column(size: int, rows: Any) -> DenseColumn:
    try:
        data = np.asarray(rows, dtype=np.float32)
    except (ValueError, TypeError):
        data = None
    if data is None or data.ndim != 2:
        raise _dimension_error(size, rows)
    return DenseColumn(data)


def _dimension_error(size: int, rows: Any) -> BadRequestError:
    """Ragged rows: the first one of another width named, as a per-point check would."""
    got = next((len(r) for r in rows if isinstance(r, (list, np.ndarray)) and len(r) != size), None)
    detail = f", got {got}" if got is not None else ""
    return BadRequestError(f"Wrong input: Vector dimension error: expected dim: {size}{detail}")


def _sparse_value(name: str, v: Any) -> SparseVector | None:
    if v is None or isinstance(v, SparseVector):  # absent, or embedded from a document
        return v
    if isinstance(v, m.SparseVector):
        return sparse_from_wire(v)
    if isinstance(v, dict):
        return sparse_from_wire(m.SparseVector(**v))
    raise BadRequestError(f"Wrong input: Conversion between sparse and regular vectors failed: {name}")


def _multi_value(v: Any) -> np.ndarray[Any, Any] | None:
    if v is None:
        return None
    try:
        arr = np.asarray(v, dtype=np.float32)
    except (ValueError, TypeError):
        raise BadRequestError("Wrong input: malformed multivector") from None
    if arr.ndim == 1:
        arr = arr[np.newaxis, :]
    return arr


def payload_doc(p: Any) -> bytes:
    """A point's payload as the JSON document the engine stores (and its copy of the
    caller's object: later changes to ``p`` do not reach the collection)."""
    if p is None:
        return EMPTY_PAYLOAD_DOC
    if not isinstance(p, dict):
        raise BadRequestError("Validation error: payload must be a JSON object")
    return json_document(p, "payload")


def upsert_from_wire(config: CollectionConfig, points: Any) -> UpsertPoints:
    """``points``: a list of PointStruct or a Batch (columnar)."""
    if isinstance(points, m.Batch):
        ids = _point_ids(points.ids)
        n = len(ids)
        if points.payloads is None:
            payloads = PayloadDocs.empty(n)
        elif isinstance(points.payloads, PayloadDocs):  # the REST bulk reader's documents
            payloads = points.payloads
        else:
            payloads = PayloadDocs.join(payload_doc(p) for p in points.payloads)
        if len(payloads) != n:
            raise BadRequestError("Validation error: batch payloads and ids differ in length")
        vecs = points.vectors
        if isinstance(vecs, dict):
            if any(len(v) != n for v in vecs.values()):
                raise BadRequestError("Validation error: batch vectors and ids differ in length")
            columns = _dense_matrices(config, vecs) if len(set(ids)) == n else None
            if columns is not None:
                return UpsertPoints(ids, columns, payloads)
            per_point = [{k: v[i] for k, v in vecs.items() if len(v) > i} for i in range(n)]
        else:
            if len(vecs) != n:
                raise BadRequestError("Validation error: batch vectors and ids differ in length")
            vc = config.vectors.get(DEFAULT_VECTOR)
            plain = not (n and isinstance(vecs[0], INFERENCE_INPUTS))
            if vc is not None and not vc.multivector and plain and len(set(ids)) == n:
                # the common bulk shape: one dense matrix, converted in one go
                return UpsertPoints(ids, {DEFAULT_VECTOR: _dense_column(vc.size, vecs)}, payloads)
            per_point = [{DEFAULT_VECTOR: v} for v in vecs]
    else:
        pts = list(points)
        for p in pts:
            if not isinstance(p, m.PointStruct):
                raise BadRequestError("Validation error: points must be PointStruct")
        ids = tuple(_point_id(p.id) for p in pts)
        payloads = PayloadDocs.join(payload_doc(p.payload) for p in pts)
        per_point = [_named(p.vector) for p in pts]
    # the last occurrence of a repeated id wins, as in Qdrant
    last = {pid: i for i, pid in enumerate(ids)}
    if len(last) != len(ids):
        keep = sorted(last.values())
        ids = tuple(ids[i] for i in keep)
        payloads = payloads.take(keep)
        per_point = [per_point[i] for i in keep]
    return UpsertPoints(ids, _columns(config, per_point), payloads)


def update_vectors_from_wire(config: CollectionConfig, points: Sequence[m.PointVectors]) -> UpdateVectors:
    ids = tuple(_point_id(p.id) for p in points)
    per_point = [_named(p.vector) for p in points]
    for vs in per_point:
        if not vs:
            raise BadRequestError("Validation error: no vectors to update")
    return UpdateVectors(ids, _columns(config, per_point))


_ALL_PAYLOAD, _NO_PAYLOAD = WithPayload(True), WithPayload(False)
_ALL_VECTORS, _NO_VECTORS = WithVectors(True), WithVectors(False)


def with_payload_from_wire(value: Any) -> WithPayload:
    if value is None or value is True:
        return _ALL_PAYLOAD
    if value is False:
        return _NO_PAYLOAD
    if isinstance(value, list):
        return WithPayload(True, include=tuple(check_path(k) for k in value))
    if isinstance(value, m.PayloadSelectorInclude):
        return WithPayload(True, include=tuple(check_path(k) for k in value.include))
    if isinstance(value, m.PayloadSelectorExclude):
        return WithPayload(True, exclude=tuple(check_path(k) for k in value.exclude))
    raise BadRequestError(f"Validation error: invalid with_payload {value!r}")


def with_vectors_from_wire(value: Any, config: CollectionConfig | None = None) -> WithVectors:
    """A ``with_vector`` selector; with the collection's ``config``, a name it does not have
    is refused (400), as Qdrant refuses it."""
    if value is None or value is False:
        return _NO_VECTORS
    if value is True:
        return _ALL_VECTORS
    if isinstance(value, list):
        if config is not None:
            for name in value:
                if name not in config.vectors and name not in config.sparse_vectors:
                    raise BadRequestError(f"Wrong input: Not existing vector name error: {name}")
        return WithVectors(True, tuple(value))
    raise BadRequestError(f"Validation error: invalid with_vector {value!r}")


def _vector_out(value: Any) -> Any:
    if isinstance(value, SparseVector):
        return m.SparseVector(indices=value.indices.tolist(), values=value.values.tolist())
    return value.tolist()


def vectors_to_wire(config: CollectionConfig, vectors: Mapping[str, Any] | None) -> Any:
    """A point's vectors in Qdrant's output shape, decided per point: a point whose only
    vector is the unnamed dense (or multi-dense) one gets it plain, any other gets a map
    (``{}`` when it has none)."""
    if vectors is None:
        return None
    if len(vectors) == 1:
        v = vectors.get(DEFAULT_VECTOR)
        if v is not None and not isinstance(v, SparseVector):
            return _vector_out(v)
    return {k: _vector_out(v) for k, v in vectors.items()}


def record_to_wire(config: CollectionConfig, r: Record) -> m.Record:
    # values valid by construction (the engine's own), so no validation: a scroll page of
    # records with vectors spent most of its time re-checking every number
    return construct(
        m.Record,
        {
            "id": r.id,
            "payload": r.payload,  # the engine hands out fresh payloads (query.records)
            "vector": vectors_to_wire(config, r.vectors),
            "order_value": r.order_value,
        },
    )


def scored_to_wire(config: CollectionConfig, cols: ScoredColumns) -> list[m.ScoredPoint]:
    """Wire results from engine columns: values valid by construction and payloads that are
    fresh copies, so no re-validation and no copy. This is the search hot path: each model is
    built as ``wire_base.construct`` would, unrolled in one loop."""
    n = len(cols.ids)
    payloads = cols.payloads if cols.payloads is not None else [None] * n
    vectors = [vectors_to_wire(config, v) for v in cols.vectors] if cols.vectors is not None else [None] * n
    orders = cols.order_values if cols.order_values is not None else [None] * n
    has_payload, has_vector = cols.payloads is not None, cols.vectors is not None
    plain = _FIELDS_SET[has_payload, has_vector, False]
    new, cls = _SCORED.__new__, _SCORED
    out = [new(cls) for _ in range(n)]
    for point, pid, version, score, payload, vector, order in zip(
        out, cols.ids, cols.versions, cols.scores, payloads, vectors, orders
    ):
        set_fields(
            point,
            {
                "id": pid,
                "version": version - 1 if version > 0 else 0,  # op_num_to_wire, unrolled
                "score": score,
                "payload": payload,
                "vector": vector,
                "shard_key": None,
                "order_value": order,
            },
        )
        set_fields_set(point, set(plain if order is None else _FIELDS_SET[has_payload, has_vector, True]))
        set_extra(point, None)
        set_private(point, None)
    return out


_SCORED = m.ScoredPoint
_FIELDS_SET = {
    (p, vec, o): frozenset(["id", "version", "score"] + ["payload"] * p + ["vector"] * vec + ["order_value"] * o)
    for p in (False, True)
    for vec in (False, True)
    for o in (False, True)
}
