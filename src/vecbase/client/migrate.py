"""``Client.migrate``: copy collections into another client with qdrant-client's method names.

The destination may be another ``vecbase.Client`` or a ``qdrant_client.QdrantClient`` (local
mode or a server, vecbase's own included). Each client takes only its own family of models,
so everything sent to the destination is rebuilt, by class name, from the models module of
the destination's package (``vecbase.models`` or ``qdrant_client.models``); vecbase never
imports qdrant-client itself, it uses the package the caller's object comes from.

What is copied: the collection's parameters (vectors, sparse vectors, HNSW, optimizer, WAL,
quantization, strict mode, metadata), its payload indexes, its shard keys (custom sharding),
and every point with its vectors and payload. Aliases and snapshots are not.
"""

from __future__ import annotations

import importlib
import inspect
from enum import Enum
from types import ModuleType
from typing import Any, Protocol

from pydantic import BaseModel

from vecbase.api.qdrant import models as m


class SourceClient(Protocol):
    """The reads ``migrate`` makes on the source (``vecbase.Client``'s own methods)."""

    def get_collections(self, **kwargs: Any) -> m.CollectionsResponse: ...

    def get_collection(self, collection_name: str, **kwargs: Any) -> m.CollectionInfo: ...

    def list_shard_keys(self, collection_name: str, **kwargs: Any) -> m.ShardKeysResponse: ...

    def scroll(self, collection_name: str, **kwargs: Any) -> tuple[list[m.Record], Any]: ...

    def count(self, collection_name: str, **kwargs: Any) -> m.CountResult: ...


def migrate(
    source: SourceClient,
    dest: Any,
    collection_names: list[str] | None = None,
    batch_size: int = 100,
    recreate_on_collision: bool = False,
) -> None:
    """Copies ``collection_names`` (all when None) from ``source`` into ``dest``.

    Raises ``ValueError`` before anything is written when a name is not in the source, or
    when a name is already in the destination and ``recreate_on_collision`` is false (with
    it true, the destination's collection is deleted and created anew)."""
    if batch_size <= 0:
        raise ValueError(f"batch_size must be greater than 0, got {batch_size}")
    present = [c.name for c in source.get_collections().collections]
    names = present if collection_names is None else list(collection_names)
    missing = sorted(set(names) - set(present))
    if missing:
        raise ValueError(f"Source client does not have collections: {missing}")
    family = _models_of(dest)
    if inspect.iscoroutinefunction(getattr(dest, "get_collections", None)):
        raise ValueError("dest_client must be a synchronous client (QdrantClient or vecbase.Client), got an async one")
    existing = {c.name for c in dest.get_collections().collections}
    collisions = sorted(n for n in names if n in existing)
    if collisions and not recreate_on_collision:
        raise ValueError(f"Collections already exist in dest_client: {collisions}")
    for name in names:
        info = source.get_collection(name)
        if name in existing:
            dest.delete_collection(name)
        _create(dest, family, name, info)
        if info.config.params.sharding_method == m.ShardingMethod.CUSTOM:
            for described in source.list_shard_keys(name).shard_keys or []:
                dest.create_shard_key(name, described.key)
                _copy_points(source, dest, family, name, batch_size, described.key)
        else:
            _copy_points(source, dest, family, name, batch_size, None)
        copied, stored = source.count(name, exact=True).count, dest.count(name, exact=True).count
        if copied != stored:
            raise RuntimeError(
                f"Migration of `{name}` failed: {copied} points in the source, {stored} in the destination"
            )


def _models_of(dest: Any) -> ModuleType:
    """The models module of the package ``dest``'s class comes from."""
    package = type(dest).__module__.split(".")[0]
    try:
        return importlib.import_module(f"{package}.models")
    except ImportError:
        raise ValueError(f"dest_client must be a vecbase or qdrant-client client, got {type(dest).__name__}") from None


def _create(dest: Any, family: ModuleType, name: str, info: m.CollectionInfo) -> None:
    config = info.config
    params = config.params
    strict = config.strict_mode_config
    dest.create_collection(
        name,
        vectors_config=in_family(family, params.vectors),
        sparse_vectors_config=in_family(family, params.sparse_vectors),
        shard_number=params.shard_number,
        sharding_method=in_family(family, params.sharding_method),
        replication_factor=params.replication_factor,
        write_consistency_factor=params.write_consistency_factor,
        on_disk_payload=params.on_disk_payload,
        hnsw_config=_as(family, "HnswConfigDiff", config.hnsw_config),
        optimizers_config=_as(family, "OptimizersConfigDiff", config.optimizer_config),
        wal_config=_as(family, "WalConfigDiff", config.wal_config) if config.wal_config is not None else None,
        quantization_config=in_family(family, config.quantization_config),
        strict_mode_config=_as(family, "StrictModeConfig", strict) if strict is not None else None,
        metadata=config.metadata,
        **({"payload": in_family(family, params.payload)} if params.payload is not None else {}),
    )
    for field, index in (info.payload_schema or {}).items():
        schema = index.params if index.params is not None else index.data_type
        dest.create_payload_index(name, field_name=field, field_schema=in_family(family, schema), wait=True)


def _copy_points(source: SourceClient, dest: Any, family: ModuleType, name: str, batch_size: int, key: Any) -> None:
    offset: Any = None
    while True:
        records, offset = source.scroll(
            name, limit=batch_size, offset=offset, with_payload=True, with_vectors=True, shard_key_selector=key
        )
        points = [
            family.PointStruct(id=r.id, vector=in_family(family, r.vector) or {}, payload=r.payload or {})
            for r in records
        ]
        if points:
            dest.upsert(name, points, wait=True, shard_key_selector=key)
        if offset is None:
            return


def _as(family: ModuleType, class_name: str, value: BaseModel) -> Any:
    """``value`` as ``family.<class_name>``: an output config handed back as the matching
    input (``HnswConfig`` as ``HnswConfigDiff``), with the fields the input has."""
    target = getattr(family, class_name)
    fields = target.model_fields
    return target(**{k: in_family(family, v) for k, v in _values(value).items() if k in fields})


def in_family(family: ModuleType, value: Any) -> Any:
    """``value`` with every model and enum member rebuilt as the same-named one of ``family``
    (an ``...Output`` model as its input twin where ``family`` has one)."""
    if isinstance(value, BaseModel):
        name = type(value).__name__
        if name.endswith("Output") and hasattr(family, name[: -len("Output")]):
            name = name[: -len("Output")]
        return _as(family, name, value)
    if isinstance(value, Enum):
        return getattr(family, type(value).__name__)(value.value)
    if isinstance(value, list):
        if value and type(value[0]) in (int, float):
            return value  # a vector: numbers never sit beside models
        return [in_family(family, v) for v in value]
    if isinstance(value, dict):
        return {k: in_family(family, v) for k, v in value.items()}
    return value


def _values(value: BaseModel) -> dict[str, Any]:
    # None is "not set" in every config model (Qdrant's defaults apply), so it is left out
    return {k: v for k in type(value).model_fields if (v := getattr(value, k)) is not None}
