"""Point writes and non-search reads: Qdrant wire requests in, wire results out."""

from __future__ import annotations

from typing import Any, Callable, Sequence

from vecbase.api.qdrant import models as m
from vecbase.api.qdrant.filters import convert_filter
from vecbase.api.qdrant.json_values import json_copy
from vecbase.api.qdrant.points import (
    record_to_wire,
    update_vectors_from_wire,
    upsert_from_wire,
    with_payload_from_wire,
    with_vectors_from_wire,
)
from vecbase.api.qdrant.service.collections import done
from vecbase.api.qdrant.service.strict import StrictGate
from vecbase.api.qdrant.sharding import selector_from_wire, tag_shard_keys
from vecbase.core import filter as f
from vecbase.core.config import PayloadType
from vecbase.core.errors import BadRequestError, PointNotFoundError
from vecbase.core.ids import try_normalize_id
from vecbase.core.paths import check_path
from vecbase.core.points import Record
from vecbase.engine.collection import Collection, PointSelector
from vecbase.engine.reads import CollectionReads
from vecbase.engine.toc import TableOfContent
from vecbase.query.model import Direction, OrderBy, ScrollRequest

FACET_TYPES = (PayloadType.KEYWORD, PayloadType.INTEGER, PayloadType.BOOL, PayloadType.UUID)


def selector(points: Any) -> PointSelector:
    """Point ids or a filter, from any of the wire selector spellings."""
    if isinstance(points, m.PointIdsList):
        return list(points.points)
    if isinstance(points, (m.FilterSelector, m.Filter)):
        flt = convert_filter(points.filter if isinstance(points, m.FilterSelector) else points)
        assert flt is not None
        return flt
    if isinstance(points, (list, tuple)):
        return list(points)
    if isinstance(points, (int, str)):
        return [points]
    raise BadRequestError(f"Validation error: invalid points selector {points!r}")


def ids_or_filter(points: Sequence[Any] | None, flt: m.Filter | None) -> PointSelector:
    if points is not None and flt is not None:
        raise BadRequestError("Validation error: either `points` or `filter` is required, not both")
    if points is not None:
        return list(points)
    if flt is not None:
        return selector(flt)
    raise BadRequestError("Validation error: either `points` or `filter` is required")


def limit_of(limit: int | None, default: int = 10) -> int:
    if limit is None:
        return default
    if limit < 0:
        raise BadRequestError(f"Validation error: limit must be a non-negative integer, got {limit}")
    return int(limit)


def json_payload(payload: Any) -> dict[str, Any]:
    if not isinstance(payload, dict):
        raise BadRequestError("Validation error: payload must be a JSON object")
    return json_copy(payload, "payload")  # type: ignore[no-any-return]


def order_by_from_wire(order_by: Any) -> OrderBy:
    ob = m.OrderBy(key=order_by) if isinstance(order_by, str) else order_by
    direction = Direction((ob.direction or m.Direction.ASC).value)
    return OrderBy(check_path(ob.key), direction, ob.start_from)  # type: ignore[arg-type]  # datetimes parse in the engine


def _filter_of(req: Any) -> f.Filter | None:
    """The filter of a points selector (None for a list of ids)."""
    return convert_filter(req.filter) if isinstance(req, m.FilterSelector) else None


def _named(vector: Any) -> list[tuple[str, Any]]:
    if isinstance(vector, dict):
        return list(vector.items())
    return [("", vector)] if vector is not None else []


def written_vectors(points: Any) -> list[tuple[str, Any]]:
    """(vector name, value) of each vector an upsert writes."""
    if isinstance(points, list):
        return [pair for p in points for pair in _named(p.vector)]
    vectors = points.vectors
    if isinstance(vectors, dict):
        return [(name, v) for name, column in vectors.items() for v in (column if column is not None else [])]
    return [("", v) for v in (vectors if vectors is not None else [])]


def _each(col: Collection, req: Any, write: Callable[[Collection], int]) -> m.UpdateResult:
    """A write applied to each shard its request names (the collection itself when it is
    not custom-sharded); the answer carries the last one's operation id."""
    op_num = 0
    for target in col.write_targets(selector_from_wire(getattr(req, "shard_key", None))):
        op_num = write(target)
    return done(op_num)


def _tagged(reader: CollectionReads, found: Sequence[Record], points: list[m.Record]) -> list[m.Record]:
    tag_shard_keys(reader, [r.id for r in found], points)
    return points


class PointsService:
    def __init__(self, toc: TableOfContent, strict: StrictGate, facet_needs_index: bool = True) -> None:
        self.toc = toc
        self.strict = strict
        self.facet_needs_index = facet_needs_index

    def col(self, name: str) -> Collection:
        return self.toc.get(name)

    # -- writes -----------------------------------------------------------------------
    def upsert(self, name: str, req: m.PointsList | m.PointsBatch, wait: bool = True) -> m.UpdateResult:
        col = self.col(name)
        points = req.points if isinstance(req, m.PointsList) else req.batch
        count = len(points) if isinstance(points, list) else len(points.ids)
        checked = written_vectors(points) if col.config.strict_mode is not None else ()
        self.strict.write(col, cost=count, batch=count, grows=True, vectors=checked)
        op = upsert_from_wire(col.config, points)
        mode = req.update_mode.value if req.update_mode is not None else "upsert"
        flt = convert_filter(req.update_filter)
        return _each(col, req, lambda t: t.upsert(op, wait=wait, update_filter=flt, mode=mode))

    def delete(self, name: str, req: Any, wait: bool = True) -> m.UpdateResult:
        col = self.col(name)
        self.strict.write(col, selector=_filter_of(req))
        sel = selector(req)
        return _each(col, req, lambda t: t.delete(sel, wait=wait))

    def set_payload(self, name: str, req: m.SetPayload, wait: bool = True) -> m.UpdateResult:
        sel = ids_or_filter(req.points, req.filter)
        key = check_path(req.key) if req.key is not None else None
        col = self.col(name)
        self.strict.write(col, selector=convert_filter(req.filter), payload_grows=True)
        payload = json_payload(req.payload)
        return _each(col, req, lambda t: t.set_payload(sel, payload, key, wait=wait))

    def overwrite_payload(self, name: str, req: m.SetPayload, wait: bool = True) -> m.UpdateResult:
        sel = ids_or_filter(req.points, req.filter)
        col = self.col(name)
        self.strict.write(col, selector=convert_filter(req.filter), payload_grows=True)
        payload = json_payload(req.payload)
        return _each(col, req, lambda t: t.overwrite_payload(sel, payload, wait=wait))

    def delete_payload(self, name: str, req: m.DeletePayload, wait: bool = True) -> m.UpdateResult:
        sel = ids_or_filter(req.points, req.filter)
        col = self.col(name)
        self.strict.write(col, selector=convert_filter(req.filter))
        keys = [check_path(k) for k in req.keys]
        return _each(col, req, lambda t: t.delete_payload(sel, keys, wait=wait))

    def clear_payload(self, name: str, req: Any, wait: bool = True) -> m.UpdateResult:
        col = self.col(name)
        self.strict.write(col, selector=_filter_of(req))
        sel = selector(req)
        return _each(col, req, lambda t: t.clear_payload(sel, wait=wait))

    def update_vectors(self, name: str, req: m.UpdateVectors, wait: bool = True) -> m.UpdateResult:
        col = self.col(name)
        vectors = [(n, v) for p in req.points for n, v in _named(p.vector)] if col.config.strict_mode else []
        count = len(req.points)
        self.strict.write(col, cost=count, batch=count, batch_name="update limit", grows=True, vectors=vectors)
        op = update_vectors_from_wire(col.config, req.points)
        flt = convert_filter(req.update_filter)
        return _each(col, req, lambda t: t.update_vectors(op, wait=wait, update_filter=flt))

    def delete_vectors(self, name: str, req: m.DeleteVectors, wait: bool = True) -> m.UpdateResult:
        sel = ids_or_filter(req.points, req.filter)
        col = self.col(name)
        self.strict.write(col, selector=convert_filter(req.filter))
        names = list(req.vector)
        return _each(col, req, lambda t: t.delete_vectors(sel, names, wait=wait))

    def batch(self, name: str, operations: Sequence[Any], wait: bool = True) -> list[m.UpdateResult]:
        self.col(name)
        return [self._batch_op(name, op, wait) for op in operations]

    def _batch_op(self, name: str, op: Any, wait: bool) -> m.UpdateResult:
        if isinstance(op, m.UpsertOperation):
            return self.upsert(name, op.upsert, wait)
        if isinstance(op, m.DeleteOperation):
            return self.delete(name, op.delete, wait)
        if isinstance(op, m.SetPayloadOperation):
            return self.set_payload(name, op.set_payload, wait)
        if isinstance(op, m.OverwritePayloadOperation):
            return self.overwrite_payload(name, op.overwrite_payload, wait)
        if isinstance(op, m.DeletePayloadOperation):
            return self.delete_payload(name, op.delete_payload, wait)
        if isinstance(op, m.ClearPayloadOperation):
            return self.clear_payload(name, op.clear_payload, wait)
        if isinstance(op, m.UpdateVectorsOperation):
            return self.update_vectors(name, op.update_vectors, wait)
        if isinstance(op, m.DeleteVectorsOperation):
            return self.delete_vectors(name, op.delete_vectors, wait)
        raise BadRequestError(f"Validation error: unknown update operation {op!r}")

    # -- reads ------------------------------------------------------------------------
    def retrieve(self, name: str, req: m.PointRequest) -> list[m.Record]:
        col = self.col(name)
        self.strict.read(col, None)
        wp = with_payload_from_wire(True if req.with_payload is None else req.with_payload)
        wv = with_vectors_from_wire(False if req.with_vector is None else req.with_vector, col.config)
        reader = col.select(selector_from_wire(req.shard_key))
        found = reader.retrieve(list(req.ids), wp, wv)
        return _tagged(reader, found, [record_to_wire(col.config, r) for r in found])

    def get_point(self, name: str, raw_id: Any) -> m.Record:
        col = self.col(name)
        pid = try_normalize_id(raw_id)
        if pid is None:  # the path's id, parsed as Qdrant parses it
            raise BadRequestError(f'Wrong input: Can not recognize "{raw_id}" as point id')
        reader = col.select(None)
        found = reader.retrieve([pid], with_payload_from_wire(True), with_vectors_from_wire(True))
        if not found:
            raise PointNotFoundError(raw_id)
        return _tagged(reader, found, [record_to_wire(col.config, found[0])])[0]

    def scroll(self, name: str, req: m.ScrollRequest) -> m.ScrollResult:
        col = self.col(name)
        order = None
        if req.order_by is not None:
            order = order_by_from_wire(req.order_by)
            if req.offset is not None:
                raise BadRequestError("Offset is not supported in conjunction with `order_by` scroll parameter")
        offset = None
        if req.offset is not None:
            offset = try_normalize_id(req.offset)
            if offset is None:
                raise BadRequestError(f"Validation error: invalid point id {req.offset!r}")
        sreq = ScrollRequest(
            filter=convert_filter(req.filter),
            limit=limit_of(req.limit),
            offset=offset,
            order_by=order,
            with_payload=with_payload_from_wire(True if req.with_payload is None else req.with_payload),
            with_vectors=with_vectors_from_wire(False if req.with_vector is None else req.with_vector, col.config),
        )
        self.strict.read(col, req.filter, limit=limit_of(req.limit))
        reader = col.select(selector_from_wire(req.shard_key))
        records, next_id = reader.scroll(sreq)
        points = _tagged(reader, records, [record_to_wire(col.config, r) for r in records])
        return m.ScrollResult(points=points, next_page_offset=next_id)

    def count(self, name: str, req: m.CountRequest) -> m.CountResult:
        col = self.col(name)
        self.strict.read(col, req.filter)
        reader = col.select(selector_from_wire(req.shard_key))
        return m.CountResult(count=reader.count(convert_filter(req.filter)))

    def facet(self, name: str, req: m.FacetRequest) -> m.FacetResponse:
        col = self.col(name)
        self.strict.read(col, req.filter, limit=limit_of(req.limit))
        if self.facet_needs_index:
            spec = col.payload_schema.get(req.key)
            if spec is None or spec.type not in FACET_TYPES:
                raise BadRequestError(
                    f'Bad request: Index required but not found for "{req.key}" of one of the following types:'
                    " [keyword, integer, bool, uuid]. Help: Create an index for this key or use a different filter."
                )
        reader = col.select(selector_from_wire(req.shard_key))
        hits = reader.facet(check_path(req.key), convert_filter(req.filter), limit_of(req.limit))
        return m.FacetResponse(hits=[m.FacetValueHit(value=h.value, count=h.count) for h in hits])
