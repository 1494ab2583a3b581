"""Per-endpoint request statistics of REST and gRPC, shared by /metrics (Prometheus text) and
/telemetry. A REST endpoint is its method and path template with the HTTP status; a gRPC
one is its method path (``/qdrant.Points/Search``) with the gRPC status code (0: OK)."""

from __future__ import annotations

import threading
import time
from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import accumulate

BUCKETS = (0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0)


@dataclass
class Endpoint:
    count: int = 0
    fail_count: int = 0
    total_s: float = 0.0
    min_s: float = float("inf")
    max_s: float = 0.0
    last: datetime | None = None
    # cumulative: requests that took at most each of BUCKETS' bounds
    buckets: list[int] = field(default_factory=lambda: [0] * len(BUCKETS))


@dataclass
class _Live:
    """An endpoint's figures as each request updates them: a wall-clock time and one count
    per bucket, made into ``Endpoint``'s datetime and cumulative counts when read (every
    request pays the update, only /metrics and /telemetry the conversion)."""

    count: int = 0
    fail_count: int = 0
    total_s: float = 0.0
    min_s: float = float("inf")
    max_s: float = 0.0
    last_at: float = 0.0
    # requests per bucket: index i took at most BUCKETS[i] (and more than the bound before)
    counts: list[int] = field(default_factory=lambda: [0] * (len(BUCKETS) + 1))

    def endpoint(self) -> Endpoint:
        cumulative = list(accumulate(self.counts[: len(BUCKETS)]))
        last = datetime.fromtimestamp(self.last_at, UTC) if self.count else None
        return Endpoint(self.count, self.fail_count, self.total_s, self.min_s, self.max_s, last, cumulative)


class RequestStats:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        # (method + path template, status) -> statistics
        self.endpoints: dict[tuple[str, int], _Live] = {}
        # (gRPC method path, status code) -> statistics
        self.grpc_endpoints: dict[tuple[str, int], _Live] = {}
        self.started = datetime.now(UTC)

    def observe(self, endpoint: str, status: int, seconds: float) -> None:
        self._observe(self.endpoints, endpoint, status, status >= 400, seconds)

    def observe_grpc(self, method: str, code: int, seconds: float) -> None:
        self._observe(self.grpc_endpoints, method, code, code != 0, seconds)

    def _observe(
        self, table: dict[tuple[str, int], _Live], endpoint: str, status: int, failed: bool, seconds: float
    ) -> None:
        with self._lock:
            e = table.get((endpoint, status))
            if e is None:
                e = table[endpoint, status] = _Live()
            e.count += 1
            if failed:
                e.fail_count += 1
            e.total_s += seconds
            if seconds < e.min_s:
                e.min_s = seconds
            if seconds > e.max_s:
                e.max_s = seconds
            e.last_at = time.time()
            e.counts[bisect_left(BUCKETS, seconds)] += 1

    def snapshot(self, grpc: bool = False) -> dict[tuple[str, int], Endpoint]:
        with self._lock:
            table = self.grpc_endpoints if grpc else self.endpoints
            return {k: v.endpoint() for k, v in table.items()}
