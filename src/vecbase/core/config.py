"""Collection configuration as frozen dataclasses, with Qdrant's defaults."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from enum import Enum
from types import MappingProxyType
from typing import Any, Mapping, TypeVar

from vecbase.core.errors import ValidationError
from vecbase.core.strict import StrictMode

DEFAULT_VECTOR = ""
MAX_VECTOR_SIZE = 65536


class Distance(str, Enum):
    COSINE = "Cosine"
    EUCLID = "Euclid"
    DOT = "Dot"
    MANHATTAN = "Manhattan"

    @property
    def smaller_is_better(self) -> bool:
        return self in (Distance.EUCLID, Distance.MANHATTAN)


class Datatype(str, Enum):
    FLOAT32 = "float32"
    FLOAT16 = "float16"
    UINT8 = "uint8"


class Modifier(str, Enum):
    NONE = "none"
    IDF = "idf"


class PayloadType(str, Enum):
    KEYWORD = "keyword"
    INTEGER = "integer"
    FLOAT = "float"
    GEO = "geo"
    TEXT = "text"
    BOOL = "bool"
    DATETIME = "datetime"
    UUID = "uuid"


@dataclass(frozen=True, slots=True)
class HnswConfig:
    m: int = 16
    ef_construct: int = 100
    full_scan_threshold: int = 10000
    max_indexing_threads: int = 0
    on_disk: bool = False
    payload_m: int | None = None
    memory: str | None = None
    inline_storage: bool | None = None


@dataclass(frozen=True, slots=True)
class OptimizersConfig:
    deleted_threshold: float = 0.2
    vacuum_min_vector_number: int = 1000
    default_segment_number: int = 0
    max_segment_size: int | None = None
    memmap_threshold: int | None = None
    indexing_threshold: int | None = 10000
    flush_interval_sec: int = 5
    max_optimization_threads: int | None = None


@dataclass(frozen=True, slots=True)
class WalConfig:
    wal_capacity_mb: int = 32
    wal_segments_ahead: int = 0
    wal_retain_closed: int = 1


@dataclass(frozen=True, slots=True)
class DenseVectorConfig:
    size: int
    distance: Distance
    datatype: Datatype = Datatype.FLOAT32
    multivector: bool = False
    on_disk: bool | None = None
    hnsw: Mapping[str, Any] | None = None
    quantization: Mapping[str, Any] | None = None
    # Qdrant's memory placement ("cold", "cached", "pinned"): kept and shown; everything is in RAM
    memory: str | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.size <= MAX_VECTOR_SIZE:
            raise ValidationError(f"Vector size must be between 1 and {MAX_VECTOR_SIZE}, got {self.size}")


@dataclass(frozen=True, slots=True)
class SparseVectorConfig:
    modifier: Modifier = Modifier.NONE
    index: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class PayloadIndexSpec:
    type: PayloadType
    params: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True, slots=True)
class CollectionConfig:
    vectors: Mapping[str, DenseVectorConfig]
    sparse_vectors: Mapping[str, SparseVectorConfig] = field(default_factory=dict)
    hnsw: HnswConfig = HnswConfig()
    optimizers: OptimizersConfig = OptimizersConfig()
    wal: WalConfig = WalConfig()
    quantization: Mapping[str, Any] | None = None
    on_disk_payload: bool = True
    shard_number: int = 1
    # "auto" or "custom" as the create request named it; None when it named neither
    sharding_method: str | None = None
    replication_factor: int = 1
    write_consistency_factor: int = 1
    metadata: Mapping[str, Any] | None = None
    strict_mode: StrictMode | None = None
    # settings a single node keeps and shows without acting on them: the payload storage's
    # memory placement (Qdrant's ``payload.memory``) and replica read fan-out
    payload_memory: str | None = None
    read_fan_out_factor: int | None = None
    read_fan_out_delay_ms: int | None = None
    # the dense vectors were configured as a map of names (Qdrant's ``Multi`` vectors config),
    # shown as a map even when the one name is the unnamed vector's ""
    vectors_map: bool = False

    @property
    def unnamed(self) -> bool:
        """True when the collection has the single unnamed dense vector."""
        return DEFAULT_VECTOR in self.vectors

    def vector_names(self) -> list[str]:
        return list(self.vectors) + list(self.sparse_vectors)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["vectors"] = {k: asdict(v) for k, v in self.vectors.items()}
        data["sparse_vectors"] = {k: asdict(v) for k, v in self.sparse_vectors.items()}
        data["strict_mode"] = self.strict_mode.to_json() if self.strict_mode is not None else None
        return _plain(data)  # type: ignore[no-any-return]

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CollectionConfig:
        vectors = {
            k: DenseVectorConfig(**{**v, "distance": Distance(v["distance"]), "datatype": Datatype(v["datatype"])})
            for k, v in data["vectors"].items()
        }
        sparse = {
            k: SparseVectorConfig(modifier=Modifier(v["modifier"]), index=v.get("index"))
            for k, v in data["sparse_vectors"].items()
        }
        return cls(
            vectors=vectors,
            sparse_vectors=sparse,
            hnsw=HnswConfig(**data["hnsw"]),
            optimizers=OptimizersConfig(**data["optimizers"]),
            wal=WalConfig(**data["wal"]),
            quantization=data.get("quantization"),
            on_disk_payload=data.get("on_disk_payload", True),
            shard_number=data.get("shard_number", 1),
            sharding_method=data.get("sharding_method"),
            replication_factor=data.get("replication_factor", 1),
            write_consistency_factor=data.get("write_consistency_factor", 1),
            metadata=data.get("metadata"),
            strict_mode=StrictMode.from_json(data["strict_mode"]) if data.get("strict_mode") is not None else None,
            payload_memory=data.get("payload_memory"),
            read_fan_out_factor=data.get("read_fan_out_factor"),
            read_fan_out_delay_ms=data.get("read_fan_out_delay_ms"),
            vectors_map=data.get("vectors_map", False),
        )


T = TypeVar("T")


def apply_diff(current: T, diff: Mapping[str, Any] | None) -> T:
    """``current`` with the non-null keys of a config diff applied; unknown keys are refused."""
    if not diff:
        return current
    names = {f.name for f in fields(current)}  # type: ignore[arg-type]
    changes = {k: v for k, v in diff.items() if v is not None}
    unknown = set(changes) - names
    if unknown:
        raise ValidationError(f"Unknown configuration parameters: {sorted(unknown)}")
    return replace(current, **changes)  # type: ignore[type-var]


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


ITEMSIZE = {Datatype.FLOAT32: 4, Datatype.FLOAT16: 2, Datatype.UINT8: 1}


# per (config, vector name): its HNSW config and full_scan_threshold in rows; configs are
# immutable, so an entry holds while its config is the one asked about (checked by identity:
# every search asks, and hashing a config costs more than deriving these)
_PLANNED: dict[tuple[int, str], tuple[CollectionConfig, HnswConfig, float]] = {}


def _planned(config: CollectionConfig, name: str) -> tuple[HnswConfig, float]:
    hit = _PLANNED.get((id(config), name))
    if hit is not None and hit[0] is config:
        return hit[1], hit[2]
    own = config.vectors[name].hnsw or {}
    fields = {k: v for k, v in own.items() if v is not None and hasattr(config.hnsw, k)}
    h = replace(config.hnsw, **fields) if fields else config.hnsw
    vc = config.vectors[name]
    rows = h.full_scan_threshold * 1024 / (vc.size * ITEMSIZE[vc.datatype])
    if len(_PLANNED) >= 256:
        _PLANNED.clear()
    _PLANNED[(id(config), name)] = (config, h, rows)
    return h, rows


def hnsw_of(config: CollectionConfig, name: str) -> HnswConfig:
    """The collection's HNSW config with the named vector's own overrides applied."""
    return _planned(config, name)[0]


def full_scan_rows(config: CollectionConfig, name: str) -> float:
    """``full_scan_threshold`` (kB) of dense vector ``name`` as a number of vectors: the
    planner scans when fewer rows are allowed."""
    return _planned(config, name)[1]


def vectors_on_disk(config: CollectionConfig, name: str) -> bool:
    """Whether the named dense vector asked to live on disk (its own ``on_disk``, or the
    HNSW config's): indexed segments then read its vectors from the mapped graph file."""
    return bool(config.vectors[name].on_disk) or hnsw_of(config, name).on_disk


def quantization_of(config: CollectionConfig, name: str) -> Mapping[str, Any] | None:
    """The vector's own quantization config, else the collection's; None when disabled."""
    own = config.vectors[name].quantization if name in config.vectors else None
    chosen = own if own is not None else config.quantization
    return chosen if isinstance(chosen, Mapping) and chosen else None
