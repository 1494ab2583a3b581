"""GET /collections/{name}/optimizations: the optimizer's planned, running and completed work,
with Qdrant's ``with`` and ``completed_limit`` parameters."""

from __future__ import annotations

import time
import uuid

import httpx
import numpy as np
from qdrant_client import QdrantClient, models


def test_optimizations_report_the_planner_and_the_history(http: httpx.Client) -> None:
    http.put(
        "/collections/opt",
        json={
            "vectors": {"size": 8, "distance": "Dot"},
            "optimizers_config": {"indexing_threshold": 20, "default_segment_number": 1},
        },
    ).raise_for_status()
    plain = http.get("/collections/opt/optimizations").json()["result"]
    assert plain["running"] == [] and plain["queued"] is None and plain["completed"] is None
    assert plain["summary"] == {"queued_optimizations": 0, "queued_segments": 0, "queued_points": 0, "idle_segments": 1}
    rng = np.random.default_rng(1)
    for lo in range(0, 6000, 2000):
        body = {"batch": {"ids": list(range(lo, lo + 2000)), "vectors": rng.random((2000, 8)).round(4).tolist()}}
        http.put("/collections/opt/points?wait=true", json=body).raise_for_status()
    deadline = time.monotonic() + 60
    while http.get("/collections/opt").json()["result"]["status"] != "green":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    # the whole kept history (64): under load the uploads may be cut into more than ten passes,
    # and the first one, the index build, must still be among those asked for
    report = http.get("/collections/opt/optimizations?with=queued,completed,idle_segments&completed_limit=64")
    result = report.json()["result"]
    assert result["queued"] == [] and result["running"] == []
    idle = result["idle_segments"]
    assert result["summary"]["idle_segments"] == len(idle) and sum(s["points_count"] for s in idle) == 6000
    assert all(str(uuid.UUID(s["uuid"])) == s["uuid"] for s in idle)
    completed = result["completed"]
    assert completed, "an index was built, so an optimization completed"
    # how the uploads were cut into segments depends on timing: indexed one by one, merged
    names = [c["optimizer"] for c in completed]
    assert set(names) <= {"indexing", "merge"} and "indexing" in names, names
    starts = [c["progress"]["started_at"] for c in completed]
    assert starts == sorted(starts, reverse=True)  # newest first
    assert any(c["status"] == "done" for c in completed)
    for c in completed:  # a pass the collection changed under is cancelled, with the reason
        assert c["status"] == "done" or set(c["status"]) == {"cancelled"}
        assert 0 < sum(s["points_count"] for s in c["segments"]) <= 6000
        progress = c["progress"]
        assert progress["name"] == c["optimizer"] and progress["duration_sec"] >= 0 and progress["finished_at"]
    limited = http.get("/collections/opt/optimizations?with=completed&completed_limit=0").json()["result"]
    assert limited["completed"] == [] and limited["queued"] is None and limited["idle_segments"] is None
    # qdrant-client reads it (and asks for completed ones when it gives a limit)
    # no version check: its background request would race the server stopping after this test
    client = QdrantClient(url=str(http.base_url).rstrip("/"), check_compatibility=False)
    report = client.get_optimizations("opt", completed_limit=1)
    assert isinstance(report, models.OptimizationsResponse)
    assert report.completed is not None and len(report.completed) == 1
    assert report.summary.idle_segments >= 1
