"""Tokens spent per model while serving one request (Qdrant's ``usage.inference``).

A transport opens a scope per request (``scope``); models record what they embedded in it;
outside a scope recording does nothing (the embedded Client, benchmarks)."""

from __future__ import annotations

import contextlib
from contextvars import ContextVar
from typing import Iterator

_CURRENT: ContextVar[dict[str, int] | None] = ContextVar("vecbase_inference_usage", default=None)


@contextlib.contextmanager
def scope() -> Iterator[dict[str, int]]:
    """A fresh model -> tokens tally for the code run inside (worker threads started with a
    copy of the context share it)."""
    tally: dict[str, int] = {}
    token = _CURRENT.set(tally)
    try:
        yield tally
    finally:
        _CURRENT.reset(token)


def record(model: str, tokens: int) -> None:
    tally = _CURRENT.get()
    if tally is not None:
        tally[model] = tally.get(model, 0) + tokens
