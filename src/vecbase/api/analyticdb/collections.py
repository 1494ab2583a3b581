"""AnalyticDB collections as engine collections: schema validation, the engine config, rows
to points.

Mapping: ``Metrics`` l2 / ip / cosine -> Euclid / Dot / Cosine on the dense vector ``vector``;
``HnswM`` / ``HnswEfConstruction`` -> the collection's HNSW ``m`` / ``ef_construct``;
``PqEnable=1`` -> scalar (int8) quantization, searched with rescoring by the original vectors;
``SupportSparse`` -> a sparse vector ``sparse`` (inner product); ``FullTextRetrievalFields`` ->
a sparse vector ``text`` holding the BM25 vector (IDF modifier) of those fields, analysed by
``Parser``; ``MetadataIndices`` -> payload indexes. A row's ``Id`` is kept in the payload field
``id`` (the point id is a UUID derived from it), its metadata fields beside it.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Mapping, Sequence

import numpy as np
import orjson

from vecbase.api.analyticdb.sql import BOOL, FLOAT, INT, JSON, TEXT, TIMESTAMP, column_kind
from vecbase.api.analyticdb.tenancy import RESERVED, Schema
from vecbase.api.analyticdb.wire import AdbError
from vecbase.core.config import (
    CollectionConfig,
    DenseVectorConfig,
    Distance,
    HnswConfig,
    Modifier,
    PayloadIndexSpec,
    PayloadType,
    SparseVectorConfig,
)
from vecbase.core.datetimes import parse_micros
from vecbase.core.operations import UpsertPoints
from vecbase.core.points import DenseColumn, ListColumn, PayloadDocs, SparseVector, VectorColumn
from vecbase.inference.base import Registry

DENSE, SPARSE, TEXT_VECTOR = "vector", "sparse", "text"
# The engine keeps cosine vectors unit length (as Qdrant does); AnalyticDB keeps what was
# written. Each row of a cosine collection records its vector's length under this payload
# key, so IncludeValues returns the vector as written and a query-time Metrics override
# (l2, ip) scores the original vectors.
NORM = "__norm"
METRICS = {"l2": Distance.EUCLID, "ip": Distance.DOT, "cosine": Distance.COSINE}
# text-search configurations -> BM25 analysis options
PARSERS: dict[str, dict[str, Any]] = {
    "zh_cn": {"language": "chinese", "tokenizer": "multilingual"},
    "zh_ch": {"language": "chinese", "tokenizer": "multilingual"},
    "chinese": {"language": "chinese", "tokenizer": "multilingual"},
    "english": {"language": "english"},
    "russian": {"language": "russian", "tokenizer": "multilingual"},
    "japanese": {"language": "japanese", "tokenizer": "multilingual"},
    "simple": {"language": "none", "tokenizer": "multilingual"},
}
_INDEX_TYPES = {
    INT: PayloadType.INTEGER,
    FLOAT: PayloadType.FLOAT,
    TEXT: PayloadType.KEYWORD,
    BOOL: PayloadType.BOOL,
    TIMESTAMP: PayloadType.DATETIME,
}
_NAMESPACE_UUID = uuid.UUID("0b7c1d42-5a8e-4a0e-9d7b-2f1c6e9a4b33")


def check_metadata_schema(metadata: Any) -> dict[str, str]:
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise AdbError("InvalidParameter", "Metadata must be a JSON object mapping field names to data types.")
    for name, pg_type in metadata.items():
        if name.lower() in RESERVED:
            raise AdbError("InvalidParameter", f"The field name {name} is reserved.")
        try:
            column_kind(pg_type)
        except ValueError as exc:
            raise AdbError("InvalidParameter", f"Metadata field {name}: {exc}.") from None
    return dict(metadata)


def engine_config(schema: Schema, hnsw_m: int, ef_construct: int, pq: bool) -> CollectionConfig:
    vectors = {}
    if schema.dimension is not None:
        vectors[DENSE] = DenseVectorConfig(schema.dimension, METRICS[schema.metrics])
    sparse = {}
    if schema.support_sparse:
        sparse[SPARSE] = SparseVectorConfig()
    if schema.full_text_fields:
        sparse[TEXT_VECTOR] = SparseVectorConfig(Modifier.IDF)
    quantization = {"scalar": {"type": "int8", "always_ram": True}} if pq else None
    return CollectionConfig(
        vectors=vectors,
        sparse_vectors=sparse,
        hnsw=HnswConfig(m=hnsw_m, ef_construct=ef_construct),
        quantization=quantization,
    )


def payload_indexes(schema: Schema) -> dict[str, PayloadIndexSpec]:
    kinds = schema.kinds()
    out = {"id": PayloadIndexSpec(PayloadType.KEYWORD)}
    for name in schema.indices:
        kind = kinds[name]
        if kind in _INDEX_TYPES:
            out[name] = PayloadIndexSpec(_INDEX_TYPES[kind])
    return out


def point_id(schema: Schema, row_id: str) -> str:
    return str(uuid.uuid5(_NAMESPACE_UUID, f"{schema.engine_name}/{row_id}"))


def coerce(kind: str, name: str, value: Any) -> Any:
    """A metadata value as its column's type (PostgreSQL's input rules, roughly); AdbError."""
    if value is None:
        return None
    try:
        if kind == INT:
            if isinstance(value, bool):
                raise ValueError
            number = float(value)
            if not number.is_integer():
                raise ValueError
            return int(number)
        if kind == FLOAT:
            if isinstance(value, bool):
                raise ValueError
            return float(value)
        if kind == BOOL:
            if isinstance(value, bool):
                return value
            lowered = str(value).strip().lower()
            if lowered in ("t", "true", "yes", "on", "1"):
                return True
            if lowered in ("f", "false", "no", "off", "0"):
                return False
            raise ValueError
        if kind == TIMESTAMP:
            micros = parse_micros(str(value).strip().replace(" ", "T", 1))
            if micros is None:
                raise ValueError
            return datetime.utcfromtimestamp(micros / 1e6).isoformat() + "Z"
        if kind == JSON:
            return value
        return value if isinstance(value, str) else str(value)
    except (ValueError, TypeError, OverflowError):
        raise AdbError("InvalidParameter", f"Invalid value {value!r} for metadata field {name} ({kind}).") from None


def check_metadata(schema: Schema, metadata: Any) -> dict[str, Any]:
    if metadata is None:
        return {}
    if not isinstance(metadata, dict):
        raise AdbError("InvalidParameter", "Row Metadata must be a JSON object.")
    kinds = schema.kinds()
    out = {}
    for name, value in metadata.items():
        kind = kinds.get(name)
        if kind is None:
            raise AdbError("InvalidParameter", f"Metadata field {name} is not defined in collection {schema.name}.")
        out[name] = coerce(kind, name, value)
    return out


def sparse_vector(raw: Any, what: str = "SparseVector") -> SparseVector:
    if not isinstance(raw, dict):
        raise AdbError("InvalidParameter", f"{what} must be an object with Indices and Values.")
    indices, values = raw.get("Indices") or [], raw.get("Values") or []
    if len(indices) != len(values):
        raise AdbError("InvalidParameter", f"{what}: Indices and Values must have the same length.")
    if len(indices) > 4000:
        raise AdbError("InvalidParameter", f"{what}: at most 4000 indices.")
    try:
        pairs = sorted({int(i): float(v) for i, v in zip(indices, values)}.items())
    except (TypeError, ValueError):
        raise AdbError("InvalidParameter", f"{what}: indices must be integers and values numbers.") from None
    if any(i < 0 or i >= 2**32 for i, _ in pairs):
        raise AdbError("InvalidParameter", f"{what}: indices must be between 0 and 4294967295.")
    return SparseVector(
        np.array([i for i, _ in pairs], dtype=np.uint32), np.array([v for _, v in pairs], dtype=np.float32)
    )


def dense_vector(schema: Schema, raw: Any) -> np.ndarray[Any, np.dtype[np.float32]]:
    if not isinstance(raw, list) or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in raw):
        raise AdbError("InvalidParameter", "Vector must be an array of numbers.")
    if schema.dimension is None:
        raise AdbError("InvalidParameter", f"Collection {schema.name} has no vector index.")
    if len(raw) != schema.dimension:
        raise AdbError(
            "InvalidParameter",
            f"The vector length {len(raw)} does not match the collection dimension {schema.dimension}.",
        )
    return np.asarray(raw, dtype=np.float32)


def full_text(schema: Schema, metadata: Mapping[str, Any]) -> str:
    return " ".join(str(metadata[f]) for f in schema.full_text_fields if metadata.get(f) is not None)


def rows_to_points(schema: Schema, rows: Any, registry: Registry) -> UpsertPoints:
    if not isinstance(rows, list) or not rows:
        raise AdbError("InvalidParameter", "Rows must be a non-empty array.")
    ids: list[str] = []
    payloads: list[dict[str, Any]] = []
    dense: list[np.ndarray[Any, np.dtype[np.float32]]] = []
    sparse: list[SparseVector | None] = []
    texts: list[str] = []
    seen: dict[str, int] = {}
    for row in rows:
        if not isinstance(row, dict):
            raise AdbError("InvalidParameter", "Each row must be a JSON object.")
        row_id = str(row.get("Id") or uuid.uuid4())
        metadata = check_metadata(schema, row.get("Metadata"))
        if schema.dimension is not None:
            if row.get("Vector") is None:
                raise AdbError("InvalidParameter", "Rows.Vector is required.")
            vector = dense_vector(schema, row["Vector"])
        raw_sparse = row.get("SparseVector")
        if raw_sparse is not None and not schema.support_sparse:
            raise AdbError("InvalidParameter", f"Collection {schema.name} does not support sparse vectors.")
        entry = {**{k: v for k, v in metadata.items() if v is not None}, "id": row_id}
        if schema.dimension is not None and schema.metrics == "cosine":
            entry[NORM] = float(np.linalg.norm(vector))
        if row_id in seen:  # the last row with an Id wins, as a later upsert would
            at = seen[row_id]
            payloads[at] = entry
            if schema.dimension is not None:
                dense[at] = vector
            sparse[at] = sparse_vector(raw_sparse) if raw_sparse is not None else None
            texts[at] = full_text(schema, metadata)
            continue
        seen[row_id] = len(ids)
        ids.append(point_id(schema, row_id))
        payloads.append(entry)
        if schema.dimension is not None:
            dense.append(vector)
        sparse.append(sparse_vector(raw_sparse) if raw_sparse is not None else None)
        texts.append(full_text(schema, metadata))
    vectors: dict[str, VectorColumn] = {}
    if dense:
        vectors[DENSE] = DenseColumn(np.stack(dense))
    if schema.support_sparse:
        vectors[SPARSE] = ListColumn(tuple(sparse))
    if schema.full_text_fields:
        model = registry.get("qdrant/bm25")
        embedded = model.embed(texts, PARSERS[schema.parser], query=False)
        vectors[TEXT_VECTOR] = ListColumn(tuple(v if isinstance(v, SparseVector) else None for v in embedded))
    return UpsertPoints(tuple(ids), vectors, PayloadDocs.of(payloads))


def written_vectors(payloads: Sequence[Mapping[str, Any]], stored: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """Stored dense vectors as they were written: unit vectors of a cosine collection times
    their recorded length (rows without one are taken as written)."""
    norms = np.asarray([float(p.get(NORM, 1.0)) for p in payloads], dtype=np.float32)
    return np.asarray(stored, dtype=np.float32) * norms[:, None]


def metadata_out(schema: Schema, payload: Mapping[str, Any], fields: Sequence[str]) -> dict[str, Any]:
    """The metadata of a result: the requested fields, or every field of the schema."""
    names = fields or list(schema.metadata)
    return {name: payload.get(name) for name in names if name in payload}


def as_text(value: Any) -> str:
    """A metadata value as AnalyticDB's string-valued ``Metadata`` shows it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return orjson.dumps(value).decode()
    return str(value)
