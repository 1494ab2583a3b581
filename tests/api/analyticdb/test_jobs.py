"""Background jobs: at most ``max_running`` at once, a job past the limit refused with 429."""

from __future__ import annotations

import threading
import time

import pytest

from vecbase.api.analyticdb.jobs import Jobs, Progress
from vecbase.api.analyticdb.wire import AdbError
from vecbase.documents.catalog import Catalog


def test_jobs_past_the_limit_are_refused_until_one_finishes() -> None:
    jobs = Jobs(Catalog(None), max_running=2)
    release = threading.Event()

    def work(progress: Progress) -> None:
        release.wait(10)

    first, second = jobs.start("c", work), jobs.start("c", work)
    with pytest.raises(AdbError) as info:
        jobs.start("c", work)
    assert info.value.status == 429 and info.value.code == "Throttling.ConcurrentJobs"
    release.set()
    deadline = time.monotonic() + 10
    while not all(jobs.get("c", j)["Completed"] for j in (first, second)) and time.monotonic() < deadline:
        time.sleep(0.01)
    third = jobs.start("c", lambda progress: None)
    assert jobs.get("c", third)["Collection"] == "c"
