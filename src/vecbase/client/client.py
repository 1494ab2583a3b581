"""The embedded client: `Client(":memory:")` or `Client(path=...)`, drop-in for QdrantClient."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Iterable, Sequence

import numpy as np

from vecbase.api.qdrant import models as m
from vecbase.api.qdrant.collections import (
    config_from_wire,
    config_to_wire,
    dump_wire,
    index_info_to_wire,
    index_spec_from_wire,
    optimizers_diff,
)
from vecbase.api.qdrant.filters import convert_filter
from vecbase.api.qdrant.points import (
    record_to_wire,
    scored_to_wire,
    update_vectors_from_wire,
    upsert_from_wire,
    with_payload_from_wire,
    with_vectors_from_wire,
)
from vecbase.api.qdrant.queries import query_request
from vecbase.core.config import apply_diff
from vecbase.core.errors import BadRequestError
from vecbase.core.ids import try_normalize_id
from vecbase.engine.collection import Collection, PointSelector
from vecbase.engine.toc import TableOfContent
from vecbase.query.model import Direction, OrderBy, ScrollRequest


def _done(op_num: int) -> m.UpdateResult:
    return m.UpdateResult(operation_id=op_num, status=m.UpdateStatus.COMPLETED)


def _selector(points: Any) -> PointSelector:
    """Point ids or a filter, from any of qdrant-client's selector spellings."""
    if isinstance(points, m.PointIdsList):
        return list(points.points)
    if isinstance(points, m.FilterSelector):
        flt = convert_filter(points.filter)
        assert flt is not None
        return flt
    if isinstance(points, m.Filter):
        flt = convert_filter(points)
        assert flt is not None
        return flt
    if isinstance(points, (list, tuple)):
        return list(points)
    if isinstance(points, (int, str)):
        return [points]
    raise BadRequestError(f"Validation error: invalid points selector {points!r}")


class Client:
    """Embedded vecbase with the method names, parameters and return types of QdrantClient."""

    def __init__(self, location: str | None = None, path: str | None = None, **kwargs: Any) -> None:
        if location is not None and location != ":memory:":
            raise ValueError("vecbase.Client embeds the engine: use location=':memory:' or path=...")
        self._toc = TableOfContent(path if location is None else None)

    def close(self, **kwargs: Any) -> None:
        self._toc.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _col(self, name: str) -> Collection:
        return self._toc.get(name)

    # -- collections ------------------------------------------------------------------
    def create_collection(
        self,
        collection_name: str,
        vectors_config: Any = None,
        sparse_vectors_config: dict[str, m.SparseVectorParams] | None = None,
        shard_number: int | None = None,
        sharding_method: Any = None,
        replication_factor: int | None = None,
        write_consistency_factor: int | None = None,
        on_disk_payload: bool | None = None,
        hnsw_config: m.HnswConfigDiff | None = None,
        optimizers_config: m.OptimizersConfigDiff | None = None,
        wal_config: m.WalConfigDiff | None = None,
        quantization_config: Any = None,
        timeout: int | None = None,
        strict_mode_config: Any = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> bool:
        config = config_from_wire(
            vectors_config,
            sparse_vectors_config,
            hnsw_config,
            optimizers_config,
            wal_config,
            quantization_config,
            on_disk_payload,
            shard_number,
            replication_factor,
            write_consistency_factor,
            metadata,
        )
        self._toc.create(collection_name, config)
        return True

    def recreate_collection(self, collection_name: str, *args: Any, **kwargs: Any) -> bool:
        self._toc.delete(collection_name)
        return self.create_collection(collection_name, *args, **kwargs)

    def delete_collection(self, collection_name: str, timeout: int | None = None, **kwargs: Any) -> bool:
        return self._toc.delete(self._toc.resolve(collection_name))

    def collection_exists(self, collection_name: str, **kwargs: Any) -> bool:
        return self._toc.exists(collection_name)

    def get_collections(self, **kwargs: Any) -> m.CollectionsResponse:
        return m.CollectionsResponse(collections=[m.CollectionDescription(name=n) for n in self._toc.names()])

    def get_collection(self, collection_name: str, **kwargs: Any) -> m.CollectionInfo:
        col = self._col(collection_name)
        info = col.info()
        schema = {k: index_info_to_wire(spec, info["payload_points"][k]) for k, spec in col.payload_schema.items()}
        return m.CollectionInfo(
            status=m.CollectionStatus.GREEN,
            optimizer_status="ok",
            indexed_vectors_count=info["indexed_vectors_count"],
            points_count=info["points_count"],
            segments_count=info["segments_count"],
            config=config_to_wire(col.config),
            payload_schema=schema,
        )

    def update_collection(
        self,
        collection_name: str,
        optimizers_config: m.OptimizersConfigDiff | None = None,
        collection_params: m.CollectionParamsDiff | None = None,
        vectors_config: Any = None,
        hnsw_config: m.HnswConfigDiff | None = None,
        quantization_config: Any = None,
        timeout: int | None = None,
        sparse_vectors_config: Any = None,
        strict_mode_config: Any = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> bool:
        col = self._col(collection_name)
        c = col.config
        changes: dict[str, Any] = {}
        if optimizers_config is not None:
            changes["optimizers"] = apply_diff(c.optimizers, optimizers_diff(optimizers_config))
        if hnsw_config is not None:
            changes["hnsw"] = apply_diff(c.hnsw, dump_wire(hnsw_config))
        if quantization_config is not None:
            changes["quantization"] = None if quantization_config == "Disabled" else dump_wire(quantization_config)
        if collection_params is not None and collection_params.on_disk_payload is not None:
            changes["on_disk_payload"] = collection_params.on_disk_payload
        if metadata is not None:
            changes["metadata"] = {**(c.metadata or {}), **metadata}
        if vectors_config is not None:
            vectors = dict(c.vectors)
            for name, diff in vectors_config.items():
                if name not in vectors:
                    raise BadRequestError(f"Wrong input: Not existing vector name error: {name}")
                update: dict[str, Any] = {}
                if diff.hnsw_config is not None:
                    update["hnsw"] = {**(vectors[name].hnsw or {}), **(dump_wire(diff.hnsw_config) or {})}
                if diff.on_disk is not None:
                    update["on_disk"] = diff.on_disk
                if diff.quantization_config is not None:
                    update["quantization"] = dump_wire(diff.quantization_config)
                vectors[name] = replace(vectors[name], **update)
            changes["vectors"] = vectors
        col.update_config(replace(c, **changes))
        return True

    # -- aliases ----------------------------------------------------------------------
    def update_collection_aliases(self, change_aliases_operations: Sequence[Any], **kwargs: Any) -> bool:
        actions: list[tuple[str, str, str | None]] = []
        for op in change_aliases_operations:
            if isinstance(op, m.CreateAliasOperation):
                actions.append(("create", op.create_alias.alias_name, op.create_alias.collection_name))
            elif isinstance(op, m.DeleteAliasOperation):
                actions.append(("delete", op.delete_alias.alias_name, None))
            elif isinstance(op, m.RenameAliasOperation):
                actions.append(("rename", op.rename_alias.old_alias_name, op.rename_alias.new_alias_name))
            else:
                raise BadRequestError(f"Validation error: unknown alias operation {op!r}")
        self._toc.update_aliases(actions)
        return True

    def get_aliases(self, **kwargs: Any) -> m.CollectionsAliasesResponse:
        return m.CollectionsAliasesResponse(
            aliases=[m.AliasDescription(alias_name=a, collection_name=c) for a, c in self._toc.aliases.items()]
        )

    def get_collection_aliases(self, collection_name: str, **kwargs: Any) -> m.CollectionsAliasesResponse:
        self._col(collection_name)
        return m.CollectionsAliasesResponse(
            aliases=[
                m.AliasDescription(alias_name=a, collection_name=c)
                for a, c in self._toc.aliases.items()
                if c == collection_name
            ]
        )

    # -- points: writes ---------------------------------------------------------------
    def upsert(
        self,
        collection_name: str,
        points: Any,
        wait: bool = True,
        ordering: Any = None,
        shard_key_selector: Any = None,
        update_filter: m.Filter | None = None,
        update_mode: m.UpdateMode | str | None = None,
        **kwargs: Any,
    ) -> m.UpdateResult:
        col = self._col(collection_name)
        op = upsert_from_wire(col.config, points)
        mode = update_mode.value if isinstance(update_mode, m.UpdateMode) else (update_mode or "upsert")
        return _done(col.upsert(op, wait=wait, update_filter=convert_filter(update_filter), mode=mode))

    def upload_points(
        self,
        collection_name: str,
        points: Iterable[m.PointStruct],
        batch_size: int = 64,
        wait: bool = False,
        **kwargs: Any,
    ) -> None:
        batch: list[m.PointStruct] = []
        for p in points:
            batch.append(p)
            if len(batch) >= batch_size:
                self.upsert(collection_name, batch, wait=wait)
                batch = []
        if batch:
            self.upsert(collection_name, batch, wait=wait)

    def upload_collection(
        self,
        collection_name: str,
        vectors: Any,
        payload: Iterable[dict[str, Any]] | None = None,
        ids: Iterable[Any] | None = None,
        batch_size: int = 64,
        wait: bool = False,
        **kwargs: Any,
    ) -> None:
        vecs = list(vectors) if not isinstance(vectors, (np.ndarray, dict)) else vectors
        if isinstance(vecs, dict):
            n = len(next(iter(vecs.values())))
        else:
            n = len(vecs)
        id_list = list(ids) if ids is not None else list(range(n))
        pay = list(payload) if payload is not None else [None] * n
        for start in range(0, n, batch_size):
            sl = slice(start, start + batch_size)
            part = {k: list(v[sl]) for k, v in vecs.items()} if isinstance(vecs, dict) else list(vecs[sl])
            batch = m.Batch(ids=id_list[sl], vectors=part, payloads=pay[sl])
            self.upsert(collection_name, batch, wait=wait)

    def delete(self, collection_name: str, points_selector: Any, wait: bool = True, **kwargs: Any) -> m.UpdateResult:
        return _done(self._col(collection_name).delete(_selector(points_selector), wait=wait))

    def set_payload(
        self,
        collection_name: str,
        payload: dict[str, Any],
        points: Any,
        key: str | None = None,
        wait: bool = True,
        **kwargs: Any,
    ) -> m.UpdateResult:
        return _done(self._col(collection_name).set_payload(_selector(points), _json(payload), key, wait=wait))

    def overwrite_payload(
        self, collection_name: str, payload: dict[str, Any], points: Any, wait: bool = True, **kwargs: Any
    ) -> m.UpdateResult:
        return _done(self._col(collection_name).overwrite_payload(_selector(points), _json(payload), wait=wait))

    def delete_payload(
        self, collection_name: str, keys: Sequence[str], points: Any, wait: bool = True, **kwargs: Any
    ) -> m.UpdateResult:
        return _done(self._col(collection_name).delete_payload(_selector(points), list(keys), wait=wait))

    def clear_payload(
        self, collection_name: str, points_selector: Any, wait: bool = True, **kwargs: Any
    ) -> m.UpdateResult:
        return _done(self._col(collection_name).clear_payload(_selector(points_selector), wait=wait))

    def update_vectors(
        self,
        collection_name: str,
        points: Sequence[m.PointVectors],
        wait: bool = True,
        ordering: Any = None,
        shard_key_selector: Any = None,
        update_filter: m.Filter | None = None,
        **kwargs: Any,
    ) -> m.UpdateResult:
        col = self._col(collection_name)
        op = update_vectors_from_wire(col.config, points)
        return _done(col.update_vectors(op, wait=wait, update_filter=convert_filter(update_filter)))

    def delete_vectors(
        self, collection_name: str, vectors: Sequence[str], points: Any, wait: bool = True, **kwargs: Any
    ) -> m.UpdateResult:
        return _done(self._col(collection_name).delete_vectors(_selector(points), list(vectors), wait=wait))

    def batch_update_points(
        self, collection_name: str, update_operations: Sequence[Any], wait: bool = True, **kwargs: Any
    ) -> list[m.UpdateResult]:
        return [self._batch_op(collection_name, op, wait) for op in update_operations]

    def _batch_op(self, name: str, op: Any, wait: bool) -> m.UpdateResult:
        if isinstance(op, m.UpsertOperation):
            u = op.upsert
            points = u.points if isinstance(u, m.PointsList) else u.batch
            return self.upsert(name, points, wait, update_filter=u.update_filter, update_mode=u.update_mode)
        if isinstance(op, m.DeleteOperation):
            return self.delete(name, op.delete, wait)
        if isinstance(op, m.SetPayloadOperation):
            s = op.set_payload
            sel = s.points if s.points is not None else s.filter
            return self.set_payload(name, s.payload, sel, key=s.key, wait=wait)
        if isinstance(op, m.OverwritePayloadOperation):
            s = op.overwrite_payload
            sel = s.points if s.points is not None else s.filter
            return self.overwrite_payload(name, s.payload, sel, wait=wait)
        if isinstance(op, m.DeletePayloadOperation):
            d = op.delete_payload
            sel = d.points if d.points is not None else d.filter
            return self.delete_payload(name, d.keys, sel, wait=wait)
        if isinstance(op, m.ClearPayloadOperation):
            return self.clear_payload(name, op.clear_payload, wait)
        if isinstance(op, m.UpdateVectorsOperation):
            return self.update_vectors(name, op.update_vectors.points, wait)
        if isinstance(op, m.DeleteVectorsOperation):
            d2 = op.delete_vectors
            sel = d2.points if d2.points is not None else d2.filter
            return self.delete_vectors(name, d2.vector, sel, wait)
        raise BadRequestError(f"Validation error: unknown update operation {op!r}")

    # -- payload indexes --------------------------------------------------------------
    def create_payload_index(
        self,
        collection_name: str,
        field_name: str,
        field_schema: Any = None,
        field_type: Any = None,
        wait: bool = True,
        **kwargs: Any,
    ) -> m.UpdateResult:
        spec = index_spec_from_wire(field_schema if field_schema is not None else field_type)
        return _done(self._col(collection_name).create_field_index(field_name, spec))

    def delete_payload_index(
        self, collection_name: str, field_name: str, wait: bool = True, **kwargs: Any
    ) -> m.UpdateResult:
        return _done(self._col(collection_name).delete_field_index(field_name))

    # -- points: reads ----------------------------------------------------------------
    def retrieve(
        self,
        collection_name: str,
        ids: Sequence[Any],
        with_payload: Any = True,
        with_vectors: Any = False,
        **kwargs: Any,
    ) -> list[m.Record]:
        col = self._col(collection_name)
        records = col.retrieve(list(ids), with_payload_from_wire(with_payload), with_vectors_from_wire(with_vectors))
        return [record_to_wire(col.config, r) for r in records]

    def scroll(
        self,
        collection_name: str,
        scroll_filter: m.Filter | None = None,
        limit: int = 10,
        order_by: Any = None,
        offset: Any = None,
        with_payload: Any = True,
        with_vectors: Any = False,
        **kwargs: Any,
    ) -> tuple[list[m.Record], Any]:
        col = self._col(collection_name)
        order = None
        if order_by is not None:
            ob = m.OrderBy(key=order_by) if isinstance(order_by, str) else order_by
            start = ob.start_from
            order = OrderBy(ob.key, Direction((ob.direction or m.Direction.ASC).value), start)  # type: ignore[arg-type]
            if offset is not None:
                raise BadRequestError("Offset is not supported in conjunction with `order_by` scroll parameter")
        req = ScrollRequest(
            filter=convert_filter(scroll_filter),
            limit=_limit(limit),
            offset=try_normalize_id(offset) if offset is not None else None,
            order_by=order,
            with_payload=with_payload_from_wire(with_payload),
            with_vectors=with_vectors_from_wire(with_vectors),
        )
        records, next_id = col.scroll(req)
        return [record_to_wire(col.config, r) for r in records], next_id

    def count(
        self, collection_name: str, count_filter: m.Filter | None = None, exact: bool = True, **kwargs: Any
    ) -> m.CountResult:
        return m.CountResult(count=self._col(collection_name).count(convert_filter(count_filter)))

    def facet(
        self,
        collection_name: str,
        key: str,
        facet_filter: m.Filter | None = None,
        limit: int = 10,
        exact: bool = False,
        **kwargs: Any,
    ) -> m.FacetResponse:
        hits = self._col(collection_name).facet(key, convert_filter(facet_filter), _limit(limit))
        return m.FacetResponse(hits=[m.FacetValueHit(value=h.value, count=h.count) for h in hits])

    def query_points(
        self,
        collection_name: str,
        query: Any = None,
        using: str | None = None,
        prefetch: Any = None,
        query_filter: m.Filter | None = None,
        search_params: m.SearchParams | None = None,
        limit: int = 10,
        offset: int | None = None,
        with_payload: Any = True,
        with_vectors: Any = False,
        score_threshold: float | None = None,
        lookup_from: Any = None,
        **kwargs: Any,
    ) -> m.QueryResponse:
        col = self._col(collection_name)
        if prefetch is not None or lookup_from is not None:
            raise BadRequestError("prefetch and lookup_from are not supported yet by vecbase")
        flt = convert_filter(query_filter)
        wp, wv = with_payload_from_wire(with_payload), with_vectors_from_wire(with_vectors)
        lim, off = _limit(limit), offset or 0
        if query is None:
            records, _ = col.scroll(ScrollRequest(filter=flt, limit=lim + off, with_payload=wp, with_vectors=wv))
            points = [
                m.ScoredPoint(id=r.id, version=0, score=1.0, payload=w.payload, vector=w.vector)
                for r in records[off:]
                for w in [record_to_wire(col.config, r)]
            ]
            return m.QueryResponse(points=points)
        req = query_request(col, query, using, flt, search_params, lim, off, score_threshold, wp, wv)
        return m.QueryResponse(points=[scored_to_wire(col.config, p) for p in col.search(req)])


def _limit(limit: int) -> int:
    if limit is None or limit < 0:
        raise BadRequestError(f"Validation error: limit must be a non-negative integer, got {limit}")
    return int(limit)


def _json(payload: Any) -> dict[str, Any]:
    import orjson

    if not isinstance(payload, dict):
        raise BadRequestError("Validation error: payload must be a JSON object")
    return orjson.loads(orjson.dumps(payload, option=orjson.OPT_SERIALIZE_NUMPY))  # type: ignore[no-any-return]
