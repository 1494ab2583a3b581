"""The optimizations a collection runs and has run, as Qdrant reports them
(``GET /collections/{name}/optimizations``): each replaces some segments by one new segment,
is running until it is swapped in, and is then kept among the completed ones (the newest
``KEEP``), done or cancelled."""

from __future__ import annotations

import threading
import uuid
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Iterator

KEEP = 64


@dataclass
class Tracked:
    """One optimization: which optimizer, the segments (uid, live points) it replaces."""

    optimizer: str
    segments: list[tuple[str, int]]
    uuid: str = field(default_factory=lambda: str(uuid.uuid4()))
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    finished_at: datetime | None = None
    cancelled: str | None = None  # why, when it was

    @property
    def status(self) -> str:
        """``optimizing`` until it finishes, then ``done`` or ``cancelled``."""
        if self.finished_at is None:
            return "optimizing"
        return "cancelled" if self.cancelled is not None else "done"

    def cancel(self, reason: str) -> None:
        self.cancelled = reason


class OptimizationTracker:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: list[Tracked] = []
        self._completed: deque[Tracked] = deque(maxlen=KEEP)

    @contextmanager
    def track(self, optimizer: str, segments: list[tuple[str, int]]) -> Iterator[Tracked]:
        """Running while the block runs; completed after it (cancelled when the block called
        ``cancel`` or raised)."""
        item = Tracked(optimizer, segments)
        with self._lock:
            self._running.append(item)
        try:
            yield item
        except BaseException as e:
            item.cancel(f"{type(e).__name__}: {e}")
            raise
        finally:
            item.finished_at = datetime.now(UTC)
            with self._lock:
                self._running.remove(item)
                self._completed.append(item)

    def running(self) -> list[Tracked]:
        with self._lock:
            return list(self._running)

    def completed(self, limit: int) -> list[Tracked]:
        """The newest ``limit`` completed optimizations, newest first."""
        with self._lock:
            newest = list(reversed(self._completed))
        return newest[:limit]
