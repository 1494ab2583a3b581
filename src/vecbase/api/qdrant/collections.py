"""Qdrant wire collection parameters to the engine's configuration, and collection info back."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, Mapping

from vecbase.api.qdrant import models as m
from vecbase.api.qdrant.json_values import json_copy
from vecbase.core.config import (
    DEFAULT_VECTOR,
    CollectionConfig,
    Datatype,
    DenseVectorConfig,
    Distance,
    HnswConfig,
    Modifier,
    OptimizersConfig,
    PayloadIndexSpec,
    PayloadType,
    SparseVectorConfig,
    WalConfig,
    apply_diff,
    hnsw_of,
    quantization_of,
)
from vecbase.core.errors import BadRequestError, ValidationError
from vecbase.core.strict import StrictMode


def dump_wire(model: Any) -> dict[str, Any] | None:
    if model is None:
        return None
    if isinstance(model, dict):
        return model
    return model.model_dump(mode="json", exclude_none=True, by_alias=True)  # type: ignore[no-any-return]


def dense_from_wire(p: m.VectorParams) -> DenseVectorConfig:
    if p.multivector_config is not None and p.multivector_config.comparator != m.MultiVectorComparator.MAX_SIM:
        raise ValidationError(f"Unsupported multivector comparator {p.multivector_config.comparator}")
    datatype = Datatype(p.datatype.value) if p.datatype is not None else Datatype.FLOAT32
    return DenseVectorConfig(
        size=p.size,
        distance=Distance(p.distance.value),
        datatype=datatype,
        multivector=p.multivector_config is not None,
        on_disk=p.on_disk,
        hnsw=dump_wire(p.hnsw_config),
        quantization=dump_wire(p.quantization_config),
        memory=p.memory.value if p.memory is not None else None,
    )


def vectors_from_wire(vectors: Any) -> dict[str, DenseVectorConfig]:
    if vectors is None:
        return {}
    if isinstance(vectors, m.VectorParams):
        return {DEFAULT_VECTOR: dense_from_wire(vectors)}
    return {name: dense_from_wire(p) for name, p in vectors.items()}


def sparse_from_wire(sparse: Mapping[str, m.SparseVectorParams] | None) -> dict[str, SparseVectorConfig]:
    out = {}
    for name, p in (sparse or {}).items():
        modifier = Modifier(p.modifier.value) if p.modifier is not None else Modifier.NONE
        out[name] = SparseVectorConfig(modifier=modifier, index=dump_wire(p.index))
    return out


def config_from_wire(
    vectors_config: Any,
    sparse_vectors_config: Mapping[str, m.SparseVectorParams] | None = None,
    hnsw_config: m.HnswConfigDiff | None = None,
    optimizers_config: m.OptimizersConfigDiff | None = None,
    wal_config: m.WalConfigDiff | None = None,
    quantization_config: Any = None,
    on_disk_payload: bool | None = None,
    shard_number: int | None = None,
    replication_factor: int | None = None,
    write_consistency_factor: int | None = None,
    metadata: Mapping[str, Any] | None = None,
    strict_mode: m.StrictModeConfig | None = None,
    sharding_method: m.ShardingMethod | None = None,
    payload: m.PayloadStorageParams | None = None,
) -> CollectionConfig:
    vectors = vectors_from_wire(vectors_config)
    sparse = sparse_from_wire(sparse_vectors_config)
    clash = sorted(set(vectors) & set(sparse))
    if clash:
        raise BadRequestError(
            f"Wrong input: Dense and sparse vector names must be unique - duplicate found with '{clash[0]}'"
        )
    return CollectionConfig(
        vectors=vectors,
        sparse_vectors=sparse,
        hnsw=apply_diff(HnswConfig(), dump_wire(hnsw_config)),
        optimizers=apply_diff(OptimizersConfig(), optimizers_diff(optimizers_config)),
        wal=apply_diff(WalConfig(), dump_wire(wal_config)),
        quantization=dump_wire(quantization_config),
        on_disk_payload=True if on_disk_payload is None else on_disk_payload,
        shard_number=shard_number or 1,
        sharding_method=sharding_method.value if sharding_method is not None else None,
        replication_factor=replication_factor or 1,
        write_consistency_factor=write_consistency_factor or 1,
        metadata=json_copy(dict(metadata), "metadata") if metadata else None,
        strict_mode=StrictMode.from_json(dump_wire(strict_mode) or {}) if strict_mode is not None else None,
        payload_memory=payload_memory_from_wire(payload),
        vectors_map=vectors_config is not None and not isinstance(vectors_config, m.VectorParams),
    )


def payload_memory_from_wire(payload: m.PayloadStorageParams | None) -> str | None:
    memory = payload.memory if payload is not None else None
    return str(memory.value) if memory is not None else None


def optimizers_diff(diff: m.OptimizersConfigDiff | None) -> dict[str, Any] | None:
    data = dump_wire(diff)
    if data is None:
        return None
    data.pop("prevent_unoptimized", None)
    if data.get("max_optimization_threads") == "auto":
        data["max_optimization_threads"] = None
    return data


def _vector_params_out(v: DenseVectorConfig) -> m.VectorParams:
    return m.VectorParams(
        size=v.size,
        distance=m.Distance(v.distance.value),
        hnsw_config=m.HnswConfigDiff(**v.hnsw) if v.hnsw else None,
        quantization_config=v.quantization,
        on_disk=v.on_disk,
        datatype=m.Datatype(v.datatype.value) if v.datatype is not Datatype.FLOAT32 else None,
        multivector_config=m.MultiVectorConfig(comparator=m.MultiVectorComparator.MAX_SIM) if v.multivector else None,
        memory=m.Memory(v.memory) if v.memory is not None else None,
    )


def config_to_wire(c: CollectionConfig) -> m.CollectionConfig:
    vectors: Any
    if c.unnamed and len(c.vectors) == 1 and not c.vectors_map:
        vectors = _vector_params_out(c.vectors[DEFAULT_VECTOR])
    else:
        vectors = {k: _vector_params_out(v) for k, v in c.vectors.items()}
    sparse = {
        k: m.SparseVectorParams(
            index=m.SparseIndexParams(**v.index) if v.index else None,
            modifier=m.Modifier(v.modifier.value) if v.modifier is not Modifier.NONE else None,
        )
        for k, v in c.sparse_vectors.items()
    }
    return m.CollectionConfig(
        params=m.CollectionParams(
            vectors=vectors,
            shard_number=c.shard_number,
            sharding_method=m.ShardingMethod(c.sharding_method) if c.sharding_method is not None else None,
            replication_factor=c.replication_factor,
            write_consistency_factor=c.write_consistency_factor,
            on_disk_payload=c.on_disk_payload,
            read_fan_out_factor=c.read_fan_out_factor,
            read_fan_out_delay_ms=c.read_fan_out_delay_ms,
            payload=m.PayloadStorageParams(memory=m.Memory(c.payload_memory)) if c.payload_memory else None,
            sparse_vectors=sparse or None,
        ),
        hnsw_config=m.HnswConfig(**asdict(c.hnsw)),
        optimizer_config=m.OptimizersConfig(**asdict(c.optimizers)),
        wal_config=m.WalConfig(**asdict(c.wal)),
        quantization_config=c.quantization,
        metadata=dict(c.metadata) if c.metadata else None,
        strict_mode_config=m.StrictModeConfigOutput(**c.strict_mode.to_json()) if c.strict_mode is not None else None,
    )


def config_warnings(c: CollectionConfig) -> list[str]:
    """What Qdrant reports in a collection's ``warnings``: settings that are accepted but
    cannot take effect (inline HNSW storage needs quantized, single dense vectors)."""
    out = []
    for name, v in c.vectors.items():
        if not hnsw_of(c, name).inline_storage:
            continue
        label = f"vector '{name}'" if name else "the default vector"
        if quantization_of(c, name) is None:
            out.append(
                f"The `hnsw_config.inline_storage` option for {label} requires quantization to be enabled."
                " This option will be ignored."
            )
        if v.multivector:
            out.append(
                f"The `hnsw_config.inline_storage` option for {label} is not supported for multivectors."
                " This option will be ignored."
            )
    return out


def index_spec_from_wire(field_schema: Any) -> PayloadIndexSpec:
    if field_schema is None:
        raise ValidationError("Validation error: field_schema is required to create a payload index")
    if isinstance(field_schema, str | m.PayloadSchemaType):
        value = field_schema.value if isinstance(field_schema, m.PayloadSchemaType) else field_schema
        try:
            return PayloadIndexSpec(PayloadType(value))
        except ValueError:
            raise ValidationError(f"Validation error: unknown payload schema type {value!r}") from None
    params = dump_wire(field_schema) or {}
    kind = params.pop("type", None)
    if kind == "text":  # Qdrant's text params default their tokenizer, and show it
        params.setdefault("tokenizer", "word")
    try:
        return PayloadIndexSpec(PayloadType(kind.value if hasattr(kind, "value") else kind), params)
    except ValueError:
        raise ValidationError(f"Validation error: unknown payload schema type {kind!r}") from None


def index_info_to_wire(spec: PayloadIndexSpec, points: int) -> m.PayloadIndexInfo:
    params: Any = None
    if spec.params:
        params = {"type": spec.type.value, **spec.params}
    return m.PayloadIndexInfo(data_type=m.PayloadSchemaType(spec.type.value), params=params, points=points)
