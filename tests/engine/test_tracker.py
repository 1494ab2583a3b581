"""engine.tracker: optimizations move from running to completed, done or cancelled."""

from __future__ import annotations

import pytest

from vecbase.engine.tracker import KEEP, OptimizationTracker


def test_running_then_done() -> None:
    tracker = OptimizationTracker()
    with tracker.track("indexing", [("a" * 32, 10)]) as item:
        assert tracker.running() == [item] and tracker.completed(5) == []
        assert item.status == "optimizing" and item.finished_at is None
    assert tracker.running() == []
    (done,) = tracker.completed(5)
    assert done is item and done.status == "done" and done.cancelled is None
    assert done.finished_at is not None and done.finished_at >= done.started_at


def test_cancelled_by_the_block_or_by_an_error() -> None:
    tracker = OptimizationTracker()
    with tracker.track("merge", []) as item:
        item.cancel("changed meanwhile")
    with pytest.raises(RuntimeError), tracker.track("vacuum", []):
        raise RuntimeError("disk full")
    failed, cancelled = tracker.completed(5)  # newest first
    assert (cancelled.status, cancelled.cancelled) == ("cancelled", "changed meanwhile")
    assert failed.status == "cancelled" and failed.cancelled == "RuntimeError: disk full"
    assert tracker.running() == []


def test_completed_keeps_the_newest() -> None:
    tracker = OptimizationTracker()
    for i in range(KEEP + 5):
        with tracker.track(f"o{i}", []):
            pass
    kept = tracker.completed(KEEP + 10)
    assert len(kept) == KEEP and kept[0].optimizer == f"o{KEEP + 4}" and kept[-1].optimizer == "o5"
    assert [t.optimizer for t in tracker.completed(2)] == [f"o{KEEP + 4}", f"o{KEEP + 3}"]
