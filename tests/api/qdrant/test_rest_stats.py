"""Request statistics (``api/qdrant/rest/stats.py``): what /metrics and /telemetry read back
after requests were observed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from vecbase.api.qdrant.rest.stats import BUCKETS, RequestStats


def test_observed_requests_read_back_as_counts_extremes_and_cumulative_buckets() -> None:
    stats = RequestStats()
    for seconds in (0.0005, 0.001, 0.003, 0.2, 30.0):
        stats.observe("POST /collections/{collection_name}/points/query", 200, seconds)
    stats.observe("POST /collections/{collection_name}/points/query", 404, 0.002)
    table = stats.snapshot()
    ok = table["POST /collections/{collection_name}/points/query", 200]
    assert (ok.count, ok.fail_count) == (5, 0)
    assert (ok.min_s, ok.max_s) == (0.0005, 30.0)
    assert abs(ok.total_s - 30.2045) < 1e-9
    # at most 1 ms: two (a bound is inclusive); at most 5 ms: three; 30 s is past every bound
    assert dict(zip(BUCKETS, ok.buckets)) == {
        0.001: 2,
        0.005: 3,
        0.01: 3,
        0.02: 3,
        0.05: 3,
        0.1: 3,
        0.5: 4,
        1.0: 4,
        5.0: 4,
        10.0: 4,
    }
    assert ok.last is not None and ok.last.tzinfo is UTC
    assert datetime.now(UTC) - ok.last < timedelta(seconds=5)
    failed = table["POST /collections/{collection_name}/points/query", 404]
    assert (failed.count, failed.fail_count) == (1, 1)
    assert stats.snapshot(grpc=True) == {}


def test_grpc_codes_other_than_ok_count_as_failures() -> None:
    stats = RequestStats()
    stats.observe_grpc("/qdrant.Points/Search", 0, 0.01)
    stats.observe_grpc("/qdrant.Points/Search", 5, 0.01)
    table = stats.snapshot(grpc=True)
    assert table["/qdrant.Points/Search", 0].fail_count == 0
    assert table["/qdrant.Points/Search", 5].fail_count == 1
