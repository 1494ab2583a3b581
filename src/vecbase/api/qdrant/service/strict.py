"""Strict mode: the checks Qdrant 1.19 applies to a request before it reaches a collection
whose ``strict_mode_config`` is enabled (``lib/collection/src/operations/verification``).

Reads: every ``limit`` (a query's, each prefetch's, each batch entry's; groups count
``limit * group_size``, matrices ``sample * limit``), filters (unindexed keys, condition
count and size), search params (``hnsw_ef``, ``exact``, quantization ``oversampling``),
batch sizes, ``group_by`` and the read rate. Writes: batch sizes, the collection's size in
points / vector bytes / payload bytes, multivector and sparse vector lengths, filters of
filtered updates, payload index count and the write rate. The embedded client and the REST
API share these checks; errors are ``core.errors`` types (a 400 "Bad request: ... Help: ...",
a 429 with ``Retry-After``).
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

import numpy as np
import orjson
from pydantic import BaseModel

from vecbase.api.qdrant import models as m
from vecbase.api.qdrant.filters import convert_filter
from vecbase.api.qdrant.service.quotas import NodeQuotas
from vecbase.core import filter as f
from vecbase.core.config import PayloadType
from vecbase.core.errors import RateLimitedError, StrictModeError
from vecbase.core.strict import StrictMode
from vecbase.engine.collection import Collection
from vecbase.query.model import ScrollRequest, WithPayload
from vecbase.storage import usage

DEFAULT_LIMIT = 10
_LIMITED = (m.QueryRequest, m.Prefetch, m.SearchRequest, m.RecommendRequest, m.DiscoverRequest)


def _number(value: float) -> str:
    """A number as Rust's Display writes it (``3`` for 3.0)."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def check_limit(value: float | None, limit: float | None, name: str) -> None:
    if value is None or limit is None or value <= limit:
        return
    raise StrictModeError(
        f'Limit exceeded {_number(value)} > {_number(limit)} for "{name}"',
        f'Reduce the "{name}" parameter to or below {_number(limit)}.',
    )


@dataclass
class _Found:
    """What a request holds that strict mode looks at."""

    filters: list[m.Filter] = field(default_factory=list)
    params: list[m.SearchParams] = field(default_factory=list)
    limits: list[int] = field(default_factory=list)


def _walk(obj: Any, found: _Found) -> None:
    if isinstance(obj, m.Filter):
        found.filters.append(obj)
        return
    if isinstance(obj, m.SearchParams):
        found.params.append(obj)
        return
    if isinstance(obj, BaseModel):
        if isinstance(obj, _LIMITED):
            found.limits.append(obj.limit if obj.limit is not None else DEFAULT_LIMIT)
        for name in type(obj).model_fields:
            value = getattr(obj, name)
            if value is not None and not isinstance(value, (str, int, float, bool)):
                _walk(value, found)
    elif isinstance(obj, (list, tuple)):
        if obj and isinstance(obj[0], (int, float)):
            return  # a vector
        for item in obj:
            _walk(item, found)
    elif isinstance(obj, dict):
        for item in obj.values():
            _walk(item, found)


# condition -> the index types that serve it (Qdrant's names)
def _index_types(cond: f.Condition) -> tuple[str, ...]:
    if isinstance(cond, f.FieldMatch):
        match = cond.match
        if isinstance(match, (f.MatchText, f.MatchTextAny, f.MatchPhrase)):
            return ("text",)
        values: tuple[Any, ...] = ()
        if isinstance(match, f.MatchValue):
            values = (match.value,)
        elif isinstance(match, (f.MatchAny, f.MatchExcept)):
            values = match.values
        if any(isinstance(v, bool) for v in values):
            return ("bool",)
        if any(isinstance(v, int) for v in values):
            return ("integer",)
        return ("keyword",)
    if isinstance(cond, f.FieldRange):
        return ("datetime",) if isinstance(cond.range, f.DatetimeRange) else ("float", "integer")
    if isinstance(cond, f.FieldGeo):
        return ("geo",)
    return ()


def _key(cond: f.Condition) -> str | None:
    return getattr(cond, "key", None)


def _conditions(flt: f.Filter) -> Iterable[f.Condition]:
    yield from flt.must
    yield from flt.should
    yield from flt.must_not
    if flt.min_should is not None:
        yield from flt.min_should.conditions


def unindexed_keys(col: Collection, flt: f.Filter, prefix: str = "") -> Iterator[tuple[str, tuple[str, ...]]]:
    """Each key the filter reads that has no index able to answer it, with the index types
    that could, in the filter's order."""
    for cond in _conditions(flt):
        if isinstance(cond, f.Filter):
            yield from unindexed_keys(col, cond, prefix)
        elif isinstance(cond, f.Nested):
            yield from unindexed_keys(col, cond.filter, f"{prefix}{cond.key}[].")
        else:
            types, key = _index_types(cond), _key(cond)
            if types and key is not None:
                spec = col.payload_schema.get(prefix + key)
                kind = spec.type.value if spec is not None else None
                if kind not in types and not (kind == PayloadType.UUID.value and "keyword" in types):
                    yield prefix + key, types


def unindexed_key(col: Collection, flt: f.Filter) -> tuple[str, tuple[str, ...]] | None:
    """The first key the filter reads that has no index able to answer it."""
    return next(unindexed_keys(col, flt), None)


def filters_of(request: Any) -> list[m.Filter]:
    """Every filter a request (or a list of them) holds: its own, its prefetches', its batch
    entries'."""
    found = _Found()
    _walk(request, found)
    return found.filters


def condition_count(flt: f.Filter) -> int:
    total = 0
    for cond in _conditions(flt):
        if isinstance(cond, f.Filter):
            total += condition_count(cond)
        elif isinstance(cond, f.Nested):
            total += condition_count(cond.filter)
        else:
            total += 1
    return total


def condition_size(flt: f.Filter) -> int:
    """The largest input of one condition (values of a match-any, points of a polygon)."""
    size = 0
    for cond in _conditions(flt):
        if isinstance(cond, f.Filter):
            size = max(size, condition_size(cond))
        elif isinstance(cond, f.Nested):
            size = max(size, condition_size(cond.filter))
        elif isinstance(cond, f.FieldMatch) and isinstance(cond.match, (f.MatchAny, f.MatchExcept)):
            size = max(size, len(cond.match.values))
        elif isinstance(cond, f.FieldGeo) and isinstance(cond.geo, f.GeoPolygon):
            size = max(size, len(cond.geo.exterior) + sum(len(ring) for ring in cond.geo.interiors))
    return size


class _Bucket:
    """A token bucket holding a minute's worth of operations, refilled continuously."""

    def __init__(self, per_minute: int) -> None:
        self.capacity = float(per_minute)
        self.tokens = float(per_minute)
        self.stamp = time.monotonic()

    def take(self, cost: int, kind: str) -> None:
        now = time.monotonic()
        rate = self.capacity / 60.0
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * rate)
        self.stamp = now
        if cost > self.capacity:
            raise RateLimitedError(
                f"{kind} rate limit exceeded, request larger than rate limiter capacity, please try to split"
                " your request",
                None,
            )
        if cost > self.tokens:
            wait = math.ceil((cost - self.tokens) / rate)
            raise RateLimitedError(
                f"{kind} rate limit exceeded: Operation requires {cost} tokens but only {self.tokens:.1f} were"
                f" available. Retry after {wait}s",
                wait,
            )
        self.tokens -= cost


class StrictGate:
    """The strict-mode checks of one service, with each collection's rate-limit buckets."""

    def __init__(self, quotas: NodeQuotas) -> None:
        self.quotas = quotas
        self._lock = threading.Lock()
        self._buckets: dict[tuple[int, str], tuple[int, _Bucket]] = {}

    @staticmethod
    def config(col: Collection) -> StrictMode | None:
        sm = col.config.strict_mode
        return sm if sm is not None and sm.enabled else None

    def _rate(self, col: Collection, kind: str, per_minute: int | None, cost: int) -> None:
        if per_minute is None:
            return
        with self._lock:
            key = (id(col), kind)
            held = self._buckets.get(key)
            if held is None or held[0] != per_minute:
                held = (per_minute, _Bucket(per_minute))
                self._buckets[key] = held
            held[1].take(cost, kind)

    # -- reads ----------------------------------------------------------------------------
    def read(
        self,
        col: Collection,
        request: Any,
        *,
        limit: int | None = None,
        batch: int | None = None,
        group_by: str | None = None,
        cost: int = 1,
    ) -> None:
        """Check a read request. ``limit``: its own result count when it is not one of the
        search / query request types (scroll, facet, groups, matrix)."""
        sm = self.config(col)
        if sm is None:
            return
        self._rate(col, "Read", sm.read_rate_limit, cost)
        check_limit(batch, sm.search_max_batchsize, "search batch size")
        found = _Found()
        _walk(request, found)
        for value in ([limit] if limit is not None else []) + found.limits:
            check_limit(value, sm.max_query_limit, "limit")
        for flt in found.filters:
            self.filter(col, sm, convert_filter(flt), sm.unindexed_filtering_retrieve)
        for params in found.params:
            self.search_params(sm, params)
        if group_by is not None:
            self.grouping_field(col, sm, group_by)

    def filter(self, col: Collection, sm: StrictMode, flt: f.Filter | None, allow_unindexed: bool | None) -> None:
        if flt is None:
            return
        if allow_unindexed is False:
            missing = unindexed_key(col, flt)
            if missing is not None:
                key, types = missing
                raise StrictModeError(
                    f'Index required but not found for "{key}" of one of the following types: [{", ".join(types)}]',
                    "Create an index for this key or use a different filter.",
                )
        if sm.filter_max_conditions is not None:
            count = condition_count(flt)
            if count > sm.filter_max_conditions:
                raise StrictModeError(
                    f"Filter condition limit reached ({count} > {sm.filter_max_conditions})",
                    "Reduce the amount of conditions of your filter.",
                )
        if sm.condition_max_size is not None:
            size = condition_size(flt)
            if size > sm.condition_max_size:
                raise StrictModeError(
                    f"Condition size limit reached ({size} > {sm.condition_max_size})",
                    "Reduce the size of your condition.",
                )

    @staticmethod
    def search_params(sm: StrictMode, params: m.SearchParams) -> None:
        oversampling = params.quantization.oversampling if params.quantization is not None else None
        check_limit(oversampling, sm.search_max_oversampling, "oversampling")
        check_limit(params.hnsw_ef, sm.search_max_hnsw_ef, "hnsw_ef")
        if params.exact and sm.search_allow_exact is False:
            raise StrictModeError("Exact search disabled!", "Set exact=false.")

    @staticmethod
    def grouping_field(col: Collection, sm: StrictMode, group_by: str) -> None:
        if sm.unindexed_filtering_retrieve is not False:
            return
        spec = col.payload_schema.get(group_by)
        if spec is None:
            raise StrictModeError(
                f'Index required but not found for "{group_by}"', "Create an index supporting `match` for this key."
            )
        if spec.type.value not in ("keyword", "integer", "bool", "uuid"):
            raise StrictModeError(
                f'Index of type "{spec.type.value.capitalize()}" found for "{group_by}"',
                "Create an index supporting `match` for this key.",
            )

    def timeout(self, col: Collection, timeout: int | None) -> None:
        sm = self.config(col)
        if sm is not None:
            check_limit(timeout, sm.max_timeout, "timeout")

    # -- writes ---------------------------------------------------------------------------
    def write(
        self,
        col: Collection,
        *,
        selector: f.Filter | None = None,
        cost: int = 1,
        batch: int | None = None,
        batch_name: str = "upsert limit",
        grows: bool = False,
        payload_grows: bool = False,
        vectors: Iterable[tuple[str, Any]] = (),
    ) -> None:
        """Check a write. ``selector``: the filter of a filtered update; ``grows``: it may
        add points or vectors (size limits apply); ``payload_grows``: it may add payload;
        ``vectors``: (name, value) of each written vector (length limits apply)."""
        if grows or payload_grows:
            self.quotas.check()
        sm = self.config(col)
        if sm is None:
            return
        self._rate(col, "Write", sm.write_rate_limit, cost)
        check_limit(batch, sm.upsert_max_batchsize, batch_name)
        if grows or payload_grows:
            resident_memory(sm)
        self.filter(col, sm, selector, sm.unindexed_filtering_update)
        if grows or payload_grows:
            self.collection_size(col, sm, payload_only=not grows)
        for name, value in vectors:
            self.vector_length(sm, name, value)

    @staticmethod
    def collection_size(col: Collection, sm: StrictMode, payload_only: bool = False) -> None:
        """The collection's size limits; ``payload_only``: a payload write adds no points."""
        vector_limit = None if payload_only else sm.max_collection_vector_size_bytes
        points_limit = None if payload_only else sm.max_points_count
        if (vector_limit, points_limit, sm.max_collection_payload_size_bytes) == (None, None, None):
            return
        points = col.count(None)
        if vector_limit is not None:
            per_point = sum(v.size * _ELEMENT_BYTES.get(v.datatype.value, 4) for v in col.config.vectors.values())
            if points * per_point >= vector_limit:
                raise StrictModeError(f"Max vector storage size limit of {_mb(vector_limit)}MB reached!")
        if sm.max_collection_payload_size_bytes is not None:
            if points * _payload_bytes(col) >= sm.max_collection_payload_size_bytes:
                raise StrictModeError(
                    f"Max payload storage size limit of {_mb(sm.max_collection_payload_size_bytes)}MB reached!"
                )
        if points_limit is not None and points >= points_limit:
            raise StrictModeError(f"Max points count limit of {points_limit} reached!")

    @staticmethod
    def vector_length(sm: StrictMode, name: str, value: Any) -> None:
        if isinstance(value, m.SparseVector):
            limit = sm.max_length(name)
            if limit is not None and max(len(value.indices), len(value.values)) > limit:
                raise StrictModeError(
                    f"Sparse vector '{name}' has a limit of {limit} indices, but {len(value.indices)} were provided!"
                )
        elif isinstance(value, list) and value and isinstance(value[0], list):
            limit = sm.max_vectors(name)
            if limit is not None and len(value) > limit:
                raise StrictModeError(
                    f"Multivector '{name}' has a limit of {limit} vectors, but {len(value)} were provided!"
                )

    def payload_index(self, col: Collection, field_name: str) -> None:
        sm = self.config(col)
        if sm is None:
            return
        self._rate(col, "Write", sm.write_rate_limit, 1)
        limit = sm.max_payload_index_count
        if limit is not None and field_name not in col.payload_schema and len(col.payload_schema) >= limit:
            raise StrictModeError(
                f"Collection already has the maximum number of payload indices ({limit})",
                "Delete some payload indices or raise `max_payload_index_count`.",
            )


def resident_memory(sm: StrictMode) -> None:
    """The deprecated per-collection memory limit (the node quota replaces it)."""
    limit = sm.max_resident_memory_percent
    used = usage.resident_memory_percent() if limit is not None else None
    if limit is None or used is None or used < limit:
        return
    raise StrictModeError(
        f"Resident memory usage is at {used}% of total memory, exceeding the configured limit of {limit}%",
        "Reduce memory usage (e.g. delete points or drop collections), or raise `max_resident_memory_percent` in"
        " the strict mode config of this collection.",
    )


_ELEMENT_BYTES = {"float32": 4, "float16": 2, "uint8": 1}
_PAYLOAD_SAMPLE = 64


def _mb(size: int) -> str:
    """Bytes in MB as Rust prints an f32: the shortest digits that round-trip, no exponent."""
    return str(np.format_float_positional(np.float32(size / (1024 * 1024)), trim="-"))


def _payload_bytes(col: Collection) -> int:
    """The mean JSON size of a point's payload, estimated from a sample (as Qdrant estimates
    a collection's size from periodically refreshed statistics)."""
    records, _ = col.scroll(ScrollRequest(limit=_PAYLOAD_SAMPLE, with_payload=WithPayload(True)))
    if not records:
        return 0
    return sum(len(orjson.dumps(r.payload or {})) for r in records) // len(records) + 1
