"""A collection's strict mode: limits on the requests it accepts (Qdrant's
``StrictModeConfig``). Only an ``enabled`` configuration is enforced; checks live with the
dialect that reads requests (``api/qdrant/service/strict.py``)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any, Mapping


@dataclass(frozen=True, slots=True)
class StrictMode:
    enabled: bool | None = None
    max_query_limit: int | None = None
    max_timeout: int | None = None
    unindexed_filtering_retrieve: bool | None = None
    unindexed_filtering_update: bool | None = None
    search_max_hnsw_ef: int | None = None
    search_allow_exact: bool | None = None
    search_max_oversampling: float | None = None
    upsert_max_batchsize: int | None = None
    search_max_batchsize: int | None = None
    max_collection_vector_size_bytes: int | None = None
    read_rate_limit: int | None = None
    write_rate_limit: int | None = None
    max_collection_payload_size_bytes: int | None = None
    max_points_count: int | None = None
    filter_max_conditions: int | None = None
    condition_max_size: int | None = None
    # vector name -> {"max_vectors": n} / {"max_length": n}
    multivector_config: Mapping[str, Mapping[str, Any]] | None = None
    sparse_config: Mapping[str, Mapping[str, Any]] | None = None
    max_payload_index_count: int | None = None
    max_resident_memory_percent: int | None = None

    def merged(self, diff: Mapping[str, Any]) -> StrictMode:
        """This configuration with ``diff``'s set fields (per vector for the nested ones)."""
        changes: dict[str, Any] = {}
        for name, value in diff.items():
            if value is None or name not in _FIELDS:
                continue
            if name in ("multivector_config", "sparse_config") and isinstance(value, Mapping):
                value = {**(getattr(self, name) or {}), **value}
            changes[name] = value
        return replace(self, **changes)

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> StrictMode:
        return cls().merged(data)

    def max_vectors(self, name: str) -> int | None:
        return _nested(self.multivector_config, name, "max_vectors")

    def max_length(self, name: str) -> int | None:
        return _nested(self.sparse_config, name, "max_length")


_FIELDS = {f.name for f in fields(StrictMode)}


def _nested(config: Mapping[str, Mapping[str, Any]] | None, name: str, key: str) -> int | None:
    value = (config or {}).get(name, {}).get(key)
    return int(value) if isinstance(value, int) else None
