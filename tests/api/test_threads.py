"""The dialects' worker pool (``api/threads.py``): work runs off the event loop's thread, in
a copy of the caller's context, and its result or error comes back to the caller."""

from __future__ import annotations

import asyncio
import contextvars
import threading

import pytest

from vecbase.api.threads import in_thread

caller: contextvars.ContextVar[str] = contextvars.ContextVar("caller", default="none")


def test_work_runs_on_another_thread_in_the_callers_context() -> None:
    async def main() -> tuple[str, int, int, str]:
        caller.set("request-1")

        def work(x: int) -> tuple[str, int]:
            seen = caller.get()
            caller.set("changed by the worker")  # a copy: the caller keeps its value
            return seen, threading.get_ident() if x == 5 else -1

        seen, worker = await in_thread(work, 5)
        return seen, worker, threading.get_ident(), caller.get()

    seen, worker, loop_thread, after = asyncio.run(main())
    assert seen == "request-1"
    assert worker != loop_thread
    assert after == "request-1"


def test_an_error_reaches_the_caller() -> None:
    def fail() -> None:
        raise KeyError("gone")

    with pytest.raises(KeyError, match="gone"):
        asyncio.run(in_thread(fail))


def test_workers_start_while_others_are_busy() -> None:
    # five calls that can only finish together: each needs a thread of its own
    barrier = threading.Barrier(5, timeout=10)

    def meet() -> int:
        barrier.wait()
        return threading.get_ident()

    async def main() -> list[int]:
        return await asyncio.gather(*(in_thread(meet) for _ in range(5)))

    assert len(set(asyncio.run(main()))) == 5


def test_a_cancelled_caller_leaves_the_workers_serving() -> None:
    release = threading.Event()

    async def main() -> str:
        slow = asyncio.ensure_future(in_thread(release.wait, 10))
        await asyncio.sleep(0.05)
        slow.cancel()
        release.set()  # the work ends after its caller has gone: its answer is dropped
        with pytest.raises(asyncio.CancelledError):
            await slow
        return await in_thread(str.upper, "still serving")

    assert asyncio.run(main()) == "STILL SERVING"


def test_a_stop_iteration_reaches_the_caller_as_an_error() -> None:
    with pytest.raises(RuntimeError, match="StopIteration"):
        asyncio.run(in_thread(next, iter([])))
