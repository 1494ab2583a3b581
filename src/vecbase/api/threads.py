"""Where the dialects' blocking work runs: a thread pool beside the event loop.

Engine calls block (locks, file writes, native searches), so every request handler hands
them to a worker thread and the loop keeps serving. The pool is plain
``concurrent.futures``, reached through ``loop.run_in_executor``: about half the cost of a
hop through anyio's worker threads, which every REST call pays twice (there and back).
The handler runs in a copy of the request's context, so context variables set around the
call (the caller's access, the inference usage counter) are seen by it.
"""

from __future__ import annotations

import asyncio
import contextvars
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, TypeVar

T = TypeVar("T")

# as many as anyio's default limiter allowed: a request blocked on a lock holds one
_POOL = ThreadPoolExecutor(max_workers=40, thread_name_prefix="vecbase-request")


async def in_thread(fn: Callable[..., T], *args: object) -> T:
    """``fn(*args)`` on a worker thread, in a copy of the caller's context."""
    ctx = contextvars.copy_context()
    return await asyncio.get_running_loop().run_in_executor(_POOL, ctx.run, fn, *args)
