"""The embedded client: `Client(":memory:")` or `Client(path=...)`, drop-in for QdrantClient.

Every method builds the same wire request the REST API would receive and hands it to the
Qdrant dialect's service, so embedded and server answers are the same code path.
"""

from __future__ import annotations

import uuid
from typing import Any, Iterable, Sequence

import numpy as np

from vecbase.api.qdrant import models as m
from vecbase.api.qdrant.service import QdrantService
from vecbase.client.admin import AdminMethods
from vecbase.client.foreign import accepts_foreign_models, ours
from vecbase.client.migrate import migrate
from vecbase.client.model_catalog import ModelCatalogMethods
from vecbase.client.reads import ReadMethods
from vecbase.engine.toc import TableOfContent


@accepts_foreign_models
class Client(ReadMethods, AdminMethods, ModelCatalogMethods):
    """Embedded vecbase with the method names, parameters and return types of QdrantClient."""

    def __init__(self, location: str | None = None, path: str | None = None, **kwargs: Any) -> None:
        remote = sorted(k for k in ("url", "host", "port", "grpc_port", "prefer_grpc", "https") if kwargs.get(k))
        if (location is not None and location != ":memory:") or remote:
            # a server address would otherwise open an empty in-memory database without a word
            raise ValueError(
                "vecbase.Client embeds the engine: use location=':memory:' or path=...; to reach a"
                " vecbase server, use qdrant_client.QdrantClient(url=...)"
                + (f" (got {', '.join(remote)})" if remote else "")
            )
        self._toc = TableOfContent(path if location is None else None, compact_memory=True)
        # qdrant-client's local mode facets without an index; the embedded client does too
        self._svc = QdrantService(self._toc, facet_needs_index=False)

    def close(self, **kwargs: Any) -> None:
        self._toc.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

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
        payload: m.PayloadStorageParams | None = None,
        **kwargs: Any,
    ) -> bool:
        req = m.CreateCollection(
            vectors=vectors_config,
            sparse_vectors=sparse_vectors_config,
            shard_number=shard_number,
            sharding_method=sharding_method,
            replication_factor=replication_factor,
            write_consistency_factor=write_consistency_factor,
            on_disk_payload=on_disk_payload,
            hnsw_config=hnsw_config,
            optimizers_config=optimizers_config,
            wal_config=wal_config,
            quantization_config=quantization_config,
            strict_mode_config=strict_mode_config,
            metadata=metadata,
            payload=payload,
        )
        return self._svc.collections.create(collection_name, req)

    def recreate_collection(self, collection_name: str, *args: Any, **kwargs: Any) -> bool:
        self._toc.delete(collection_name)
        return self.create_collection(collection_name, *args, **kwargs)

    def delete_collection(self, collection_name: str, timeout: int | None = None, **kwargs: Any) -> bool:
        return self._svc.collections.delete(collection_name)

    def collection_exists(self, collection_name: str, **kwargs: Any) -> bool:
        return self._svc.collections.exists(collection_name).exists

    def get_collections(self, **kwargs: Any) -> m.CollectionsResponse:
        return self._svc.collections.list()

    def get_collection(self, collection_name: str, **kwargs: Any) -> m.CollectionInfo:
        return self._svc.collections.info(collection_name)

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
        req = m.UpdateCollection(
            vectors=vectors_config,
            optimizers_config=optimizers_config,
            params=collection_params,
            hnsw_config=hnsw_config,
            quantization_config=quantization_config,
            sparse_vectors=sparse_vectors_config,
            strict_mode_config=strict_mode_config,
            metadata=metadata,
        )
        return self._svc.collections.update(collection_name, req)

    def migrate(
        self,
        dest_client: Any,
        collection_names: list[str] | None = None,
        batch_size: int = 100,
        recreate_on_collision: bool = False,
    ) -> None:
        """Copies collections (all when ``collection_names`` is None) with their settings,
        payload indexes, shard keys and points into ``dest_client``: another ``Client`` or a
        ``qdrant_client.QdrantClient``. ``batch_size`` points are read and written at a time.
        A name already in the destination raises ``ValueError`` unless
        ``recreate_on_collision``, which deletes it there first."""
        migrate(self, dest_client, collection_names, batch_size, recreate_on_collision)

    # -- aliases ----------------------------------------------------------------------
    def update_collection_aliases(self, change_aliases_operations: Sequence[Any], **kwargs: Any) -> bool:
        return self._svc.collections.update_aliases(m.ChangeAliasesOperation(actions=list(change_aliases_operations)))

    def get_aliases(self, **kwargs: Any) -> m.CollectionsAliasesResponse:
        return self._svc.collections.aliases()

    def get_collection_aliases(self, collection_name: str, **kwargs: Any) -> m.CollectionsAliasesResponse:
        return self._svc.collections.aliases(collection_name)

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
        mode = m.UpdateMode(update_mode) if isinstance(update_mode, str) else update_mode
        req: m.PointsList | m.PointsBatch
        if isinstance(points, m.Batch):
            req = m.PointsBatch(
                batch=points, update_filter=update_filter, update_mode=mode, shard_key=shard_key_selector
            )
        else:
            req = m.PointsList.model_construct(
                points=list(points), update_filter=update_filter, update_mode=mode, shard_key=shard_key_selector
            )
        return self._svc.points.upsert(collection_name, req, wait)

    def upload_points(
        self,
        collection_name: str,
        points: Iterable[m.PointStruct | m.Record],
        batch_size: int = 64,
        parallel: int = 1,
        method: str | None = None,
        max_retries: int = 3,
        wait: bool = False,
        shard_key_selector: Any = None,
        update_filter: m.Filter | None = None,
        update_mode: m.UpdateMode | str | None = None,
        **kwargs: Any,
    ) -> None:
        """``parallel``, ``method`` and ``max_retries`` shape qdrant-client's network upload;
        embedded, each batch is one upsert. Records (a scroll's output) are uploaded as points,
        as qdrant-client does: what they lack is an empty vector map and payload."""
        options: dict[str, Any] = dict(
            wait=wait, shard_key_selector=shard_key_selector, update_filter=update_filter, update_mode=update_mode
        )
        batch: list[m.PointStruct] = []
        for p in points:
            p = ours(p)  # a generator's items are not seen by the method's own translation
            if isinstance(p, m.Record):
                p = m.PointStruct(id=p.id, vector=p.vector or {}, payload=p.payload or {})
            batch.append(p)
            if len(batch) >= batch_size:
                self.upsert(collection_name, batch, **options)
                batch = []
        if batch:
            self.upsert(collection_name, batch, **options)

    def upload_collection(
        self,
        collection_name: str,
        vectors: Any,
        payload: Iterable[dict[str, Any]] | None = None,
        ids: Iterable[Any] | None = None,
        batch_size: int = 64,
        parallel: int = 1,
        method: str | None = None,
        max_retries: int = 3,
        wait: bool = False,
        shard_key_selector: Any = None,
        update_filter: m.Filter | None = None,
        update_mode: m.UpdateMode | str | None = None,
        **kwargs: Any,
    ) -> None:
        """Without ``ids`` every vector gets a new random UUID, as qdrant-client assigns them."""
        vecs = list(vectors) if not isinstance(vectors, (np.ndarray, dict)) else vectors
        n = len(next(iter(vecs.values()))) if isinstance(vecs, dict) else len(vecs)
        id_list = list(ids) if ids is not None else [str(uuid.uuid4()) for _ in range(n)]
        pay = list(payload) if payload is not None else [None] * n
        for start in range(0, n, batch_size):
            sl = slice(start, start + batch_size)
            part = {k: list(v[sl]) for k, v in vecs.items()} if isinstance(vecs, dict) else list(vecs[sl])
            batch = m.Batch(ids=id_list[sl], vectors=part, payloads=pay[sl])
            self.upsert(
                collection_name,
                batch,
                wait=wait,
                shard_key_selector=shard_key_selector,
                update_filter=update_filter,
                update_mode=update_mode,
            )

    def delete(
        self,
        collection_name: str,
        points_selector: Any,
        wait: bool = True,
        ordering: Any = None,
        shard_key_selector: Any = None,
        **kwargs: Any,
    ) -> m.UpdateResult:
        return self._svc.points.delete(collection_name, _keyed_selector(points_selector, shard_key_selector), wait)

    def set_payload(
        self,
        collection_name: str,
        payload: dict[str, Any],
        points: Any,
        key: str | None = None,
        wait: bool = True,
        ordering: Any = None,
        shard_key_selector: Any = None,
        **kwargs: Any,
    ) -> m.UpdateResult:
        ids, flt = _split_selector(points)
        req = m.SetPayload(payload=payload, points=ids, filter=flt, key=key, shard_key=shard_key_selector)
        return self._svc.points.set_payload(collection_name, req, wait)

    def overwrite_payload(
        self,
        collection_name: str,
        payload: dict[str, Any],
        points: Any,
        wait: bool = True,
        ordering: Any = None,
        shard_key_selector: Any = None,
        **kwargs: Any,
    ) -> m.UpdateResult:
        ids, flt = _split_selector(points)
        req = m.SetPayload(payload=payload, points=ids, filter=flt, shard_key=shard_key_selector)
        return self._svc.points.overwrite_payload(collection_name, req, wait)

    def delete_payload(
        self,
        collection_name: str,
        keys: Sequence[str],
        points: Any,
        wait: bool = True,
        ordering: Any = None,
        shard_key_selector: Any = None,
        **kwargs: Any,
    ) -> m.UpdateResult:
        ids, flt = _split_selector(points)
        req = m.DeletePayload(keys=list(keys), points=ids, filter=flt, shard_key=shard_key_selector)
        return self._svc.points.delete_payload(collection_name, req, wait)

    def clear_payload(
        self,
        collection_name: str,
        points_selector: Any,
        wait: bool = True,
        ordering: Any = None,
        shard_key_selector: Any = None,
        **kwargs: Any,
    ) -> m.UpdateResult:
        selector = _keyed_selector(points_selector, shard_key_selector)
        return self._svc.points.clear_payload(collection_name, selector, wait)

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
        req = m.UpdateVectors.model_construct(
            points=list(points), update_filter=update_filter, shard_key=shard_key_selector
        )
        return self._svc.points.update_vectors(collection_name, req, wait)

    def delete_vectors(
        self,
        collection_name: str,
        vectors: Sequence[str],
        points: Any,
        wait: bool = True,
        ordering: Any = None,
        shard_key_selector: Any = None,
        **kwargs: Any,
    ) -> m.UpdateResult:
        ids, flt = _split_selector(points)
        req = m.DeleteVectors(vector=list(vectors), points=ids, filter=flt, shard_key=shard_key_selector)
        return self._svc.points.delete_vectors(collection_name, req, wait)

    def batch_update_points(
        self, collection_name: str, update_operations: Sequence[Any], wait: bool = True, **kwargs: Any
    ) -> list[m.UpdateResult]:
        return self._svc.points.batch(collection_name, update_operations, wait)

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
        schema = field_schema if field_schema is not None else field_type
        req = m.CreateFieldIndex.model_construct(field_name=field_name, field_schema=schema)
        return self._svc.collections.create_index(collection_name, req)

    def delete_payload_index(
        self, collection_name: str, field_name: str, wait: bool = True, **kwargs: Any
    ) -> m.UpdateResult:
        return self._svc.collections.delete_index(collection_name, field_name)


def _keyed_selector(points: Any, shard_key: Any) -> Any:
    """A points selector carrying the call's shard key selector."""
    if shard_key is None:
        return points
    ids, flt = _split_selector(points)
    if flt is not None:
        return m.FilterSelector(filter=flt, shard_key=shard_key)
    return m.PointIdsList(points=ids or [], shard_key=shard_key)


def _split_selector(points: Any) -> tuple[list[Any] | None, m.Filter | None]:
    if isinstance(points, m.PointIdsList):
        return list(points.points), None
    if isinstance(points, m.FilterSelector):
        return None, points.filter
    if isinstance(points, m.Filter):
        return None, points
    if isinstance(points, (int, str)):
        return [points], None
    return list(points), None
