"""Where Qdrant's wire format differs from what its OpenAPI document says, as tables the
model generator (``tools/gen_wire_models.py``) and the response-shape tests both read.

Facts from Qdrant 1.19's source (``#[serde(alias)]`` and ``skip_serializing_if``), not
from the spec, which lists neither.
"""

from __future__ import annotations

# Field aliases Qdrant's deserializers accept that the OpenAPI document does not list
# (``#[serde(alias = ...)]`` in Qdrant's source: lib/api/src/rest/schema.rs,
# lib/collection/src/operations/types.rs and its config types). (model, field) -> extra names.
_WITH_VECTORS = ("with_vectors",)
EXTRA_ALIASES: dict[tuple[str, str], tuple[str, ...]] = {
    **{
        (model, "with_vector"): _WITH_VECTORS
        for model in (
            "QueryRequest",
            "QueryGroupsRequest",
            "SearchRequest",
            "SearchGroupsRequest",
            "RecommendRequest",
            "RecommendGroupsRequest",
            "DiscoverRequest",
            "PointRequest",
            "ScrollRequest",
        )
    },
    ("WithLookup", "with_vectors"): ("with_vector",),
    ("SearchRequest", "limit"): ("top",),
    ("RecommendRequest", "limit"): ("top",),
    ("DiscoverRequest", "limit"): ("top",),
    ("PointStruct", "vector"): ("vectors",),
    ("PointVectors", "vector"): ("vectors",),
    ("DeleteVectors", "vector"): ("vectors",),
    ("VectorParams", "quantization_config"): ("quantization",),
    ("VectorParamsDiff", "quantization_config"): ("quantization",),
    ("CreateCollection", "quantization_config"): ("quantization",),
    ("UpdateCollection", "quantization_config"): ("quantization",),
    ("CreateCollection", "optimizers_config"): ("optimizer_config",),
    ("UpdateCollection", "optimizers_config"): ("optimizer_config",),
    ("CreateFieldIndex", "field_schema"): ("field_type",),
    ("HnswConfigDiff", "full_scan_threshold"): ("full_scan_threshold_kb",),
    ("OptimizersConfigDiff", "max_segment_size"): ("max_segment_size_kb",),
    ("OptimizersConfigDiff", "memmap_threshold"): ("memmap_threshold_kb",),
    ("OptimizersConfigDiff", "indexing_threshold"): ("indexing_threshold_kb",),
}

# Response properties Qdrant leaves out when they have no value (``skip_serializing_if`` in
# its source). Every other property a response schema lists is sent, as null when empty.
# From the excerpts in ../shared/reference/qdrant-1.19 (api/rest/schema.rs, operations/types.rs,
# data_types/index.rs) and, for CollectionParams / HnswConfig / OptimizersConfig /
# StrictModeConfigOutput, Qdrant's config types (not among the excerpts).
_INDEX_PARAMS = ("on_disk", "memory", "enable_hnsw")
SKIP_NONE: dict[str, tuple[str, ...]] = {
    "ScoredPoint": ("payload", "vector", "shard_key", "order_value"),
    "Record": ("payload", "vector", "shard_key", "order_value"),
    "CollectionConfig": ("strict_mode_config", "metadata"),
    "CollectionInfo": ("update_queue",),
    "UpdateQueueInfo": ("deferred_points",),
    "ShardUpdateQueueInfo": ("deferred_points",),
    "CollectionClusterInfo": ("resharding_operations",),
    "ShardTransferInfo": ("to_shard_id", "method", "comment"),
    "LocalShardInfo": ("shard_key",),
    "RemoteShardInfo": ("shard_key",),
    "UpdateResult": ("operation_id",),
    "PointGroup": ("lookup",),
    "PayloadIndexInfo": ("params",),
    "VectorParams": ("hnsw_config", "quantization_config", "on_disk", "memory", "datatype", "multivector_config"),
    "SparseVectorParams": ("index", "modifier"),
    "SparseIndexParams": ("full_scan_threshold", "on_disk", "memory", "datatype"),
    "CollectionParams": (
        "sharding_method",
        "read_fan_out_factor",
        "read_fan_out_delay_ms",
        "payload",
        "sparse_vectors",
    ),
    "HnswConfig": ("on_disk", "memory", "payload_m", "inline_storage"),
    "OptimizersConfig": ("prevent_unoptimized",),
    "KeywordIndexParams": ("is_tenant", "prefix", *_INDEX_PARAMS),
    "IntegerIndexParams": _INDEX_PARAMS,
    "UuidIndexParams": ("is_tenant", *_INDEX_PARAMS),
    "FloatIndexParams": _INDEX_PARAMS,
    "GeoIndexParams": _INDEX_PARAMS,
    "BoolIndexParams": _INDEX_PARAMS,
    "DatetimeIndexParams": _INDEX_PARAMS,
    "TextIndexParams": (
        "min_token_len",
        "max_token_len",
        "lowercase",
        "ascii_folding",
        "phrase_matching",
        "stopwords",
        "stemmer",
        *_INDEX_PARAMS,
    ),
    "StopwordsSet": ("languages", "custom"),
    "ScalarQuantizationConfig": ("quantile", "always_ram", "memory"),
    "ProductQuantizationConfig": ("always_ram", "memory"),
    "BinaryQuantizationConfig": ("always_ram", "memory", "encoding", "query_encoding"),
}
# the response envelope: ``usage`` (hardware counters) only when the server reports them
ENVELOPE_SKIP = ("usage",)
SKIP_EMPTY: dict[str, tuple[str, ...]] = {"CollectionInfo": ("warnings",)}
SKIP_ALL_NONE = {
    "StrictModeConfigOutput",
    "StrictModeMultivectorOutput",
    "StrictModeSparseOutput",
}  # every field optional and skipped when unset

# numbers Qdrant never takes as strings where a string means something else: a range bound
# given as a string is a datetime (``DatetimeRange``), so ``Range`` must not coerce it
STRICT_FIELDS = {("Range", bound) for bound in ("gt", "gte", "lt", "lte")}

# bounds the spec states that Qdrant reports in its own words (``api.qdrant.validation``:
# "must specify points to update") or while parsing (a payload path: "Invalid json path")
UNCONSTRAINED = {
    ("UpdateVectors", "points"),
    ("QueryGroupsRequest", "group_by"),
    ("SearchGroupsRequest", "group_by"),
    ("RecommendGroupsRequest", "group_by"),
}

# f32 values (scores, vectors): the REST layer prints them as f32, as Qdrant does
F32_FIELDS = {
    ("ScoredPoint", "score"),
    ("ScoredPoint", "vector"),
    ("Record", "vector"),
    ("SearchMatrixPair", "score"),
    ("SearchMatrixOffsetsResponse", "scores"),
}
