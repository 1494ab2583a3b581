"""Where the dialects' blocking work runs: worker threads beside the event loop.

Engine calls block (locks, file writes, native searches), so every request handler hands
them to a worker thread and the loop keeps serving. The hop is paid twice by every REST
call, so it is kept small: a worker takes ``(future, context, call)`` items from one queue
and hands the result back with ``call_soon_threadsafe`` straight into the loop's future.
``loop.run_in_executor`` does the same through a ``concurrent.futures.Future`` chained to
an asyncio one, at about twice the cost (measured 75 against 37 us a round trip); anyio's
worker threads cost more again. The handler runs in a copy of the request's context, so
context variables set around the call (the caller's access, the inference usage counter)
are seen by it.

Workers start on demand, as ``ThreadPoolExecutor`` starts them: a new one when an item
arrives and none is idle, up to ``MAX_WORKERS`` (a request blocked on a lock holds one).
"""

from __future__ import annotations

import asyncio
import contextvars
import queue
import threading
from typing import Any, Callable, TypeVar

T = TypeVar("T")

# as many as anyio's default limiter allowed
MAX_WORKERS = 40

# the loop to answer on, its future, the request's context, the call and its arguments
_Item = tuple[
    asyncio.AbstractEventLoop, "asyncio.Future[Any]", contextvars.Context, Callable[..., Any], tuple[Any, ...]
]


class _Workers:
    def __init__(self, max_workers: int, name: str) -> None:
        self._max = max_workers
        self._name = name
        self._queue: queue.SimpleQueue[_Item] = queue.SimpleQueue()
        self._idle = threading.Semaphore(0)  # one count per worker waiting for an item
        self._lock = threading.Lock()
        self._started = 0

    def submit(self, item: _Item) -> None:
        self._queue.put(item)
        if self._idle.acquire(blocking=False):
            return  # an idle worker takes it
        with self._lock:
            if self._started < self._max:
                thread = threading.Thread(target=self._run, name=f"{self._name}_{self._started}", daemon=True)
                self._started += 1
                thread.start()

    def _run(self) -> None:
        while True:
            _serve(self._queue.get())  # a call of its own: no request's values outlive it here
            self._idle.release()


def _serve(item: _Item) -> None:
    loop, future, ctx, fn, args = item
    try:
        result = ctx.run(fn, *args)
    except BaseException as exc:  # handed to the awaiting request, whatever it is
        _hand_back(loop, _set_exception, future, exc)
    else:
        _hand_back(loop, _set_result, future, result)


def _hand_back(loop: asyncio.AbstractEventLoop, setter: Callable[..., None], future: Any, value: Any) -> None:
    try:
        loop.call_soon_threadsafe(setter, future, value)
    except RuntimeError:
        pass  # the loop closed meanwhile: no one awaits the answer


def _set_result(future: asyncio.Future[Any], result: Any) -> None:
    if not future.done():  # the request may have been cancelled meanwhile
        future.set_result(result)


def _set_exception(future: asyncio.Future[Any], exc: BaseException) -> None:
    if not future.done():
        if isinstance(exc, StopIteration):  # a future refuses it (it would end a generator)
            exc = RuntimeError(f"StopIteration raised in a worker: {exc}")
        future.set_exception(exc)


_POOL = _Workers(MAX_WORKERS, "vecbase-request")


async def in_thread(fn: Callable[..., T], *args: object) -> T:
    """``fn(*args)`` on a worker thread, in a copy of the caller's context."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()
    _POOL.submit((loop, future, contextvars.copy_context(), fn, args))
    return await future
