"""What the optimizer and its helpers need of a collection: a narrow interface, so the
optimizer never imports ``engine.collection`` (``Collection`` is one)."""

from __future__ import annotations

from typing import Protocol

from vecbase.core.config import CollectionConfig, PayloadIndexSpec
from vecbase.engine.rwlock import RWLock
from vecbase.engine.tracker import OptimizationTracker
from vecbase.segment.segment import Segment


class Optimizable(Protocol):
    """What the optimizer needs of a collection (``engine.collection.Collection`` is one):
    its segments under its lock, the settings that drive the work, and three operations."""

    name: str
    lock: RWLock
    segments: list[Segment]
    payload_schema: dict[str, PayloadIndexSpec]
    optimizing: bool
    optimizer_error: str | None  # why a pass failed; None again once an optimization completes
    last_write: float
    deferred_since: float | None
    closed: bool
    tracker: OptimizationTracker

    @property
    def config(self) -> CollectionConfig: ...

    def seal(self, freeze: bool = True) -> Segment | None: ...

    def flush(self) -> None: ...

    def mark_dirty(self) -> None: ...
