"""Per-endpoint request statistics of REST and gRPC, shared by /metrics (Prometheus text) and
/telemetry. A REST endpoint is its method and path template with the HTTP status; a gRPC
one is its method path (``/qdrant.Points/Search``) with the gRPC status code (0: OK)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime

BUCKETS = (0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0)


@dataclass
class Endpoint:
    count: int = 0
    fail_count: int = 0
    total_s: float = 0.0
    min_s: float = float("inf")
    max_s: float = 0.0
    last: datetime | None = None
    buckets: list[int] = field(default_factory=lambda: [0] * len(BUCKETS))


class RequestStats:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        # (method + path template, status) -> statistics
        self.endpoints: dict[tuple[str, int], Endpoint] = {}
        # (gRPC method path, status code) -> statistics
        self.grpc_endpoints: dict[tuple[str, int], Endpoint] = {}
        self.started = datetime.now(UTC)

    def observe(self, endpoint: str, status: int, seconds: float) -> None:
        self._observe(self.endpoints, endpoint, status, status >= 400, seconds)

    def observe_grpc(self, method: str, code: int, seconds: float) -> None:
        self._observe(self.grpc_endpoints, method, code, code != 0, seconds)

    def _observe(
        self, table: dict[tuple[str, int], Endpoint], endpoint: str, status: int, failed: bool, seconds: float
    ) -> None:
        with self._lock:
            e = table.setdefault((endpoint, status), Endpoint())
            e.count += 1
            if failed:
                e.fail_count += 1
            e.total_s += seconds
            e.min_s = min(e.min_s, seconds)
            e.max_s = max(e.max_s, seconds)
            e.last = datetime.now(UTC)
            for i, bound in enumerate(BUCKETS):
                if seconds <= bound:
                    e.buckets[i] += 1

    def snapshot(self, grpc: bool = False) -> dict[tuple[str, int], Endpoint]:
        with self._lock:
            table = self.grpc_endpoints if grpc else self.endpoints
            return {
                k: Endpoint(v.count, v.fail_count, v.total_s, v.min_s, v.max_s, v.last, list(v.buckets))
                for k, v in table.items()
            }
