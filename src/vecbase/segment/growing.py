"""The growing graph of an appendable segment: an HNSW graph that follows the segment's rows
as they arrive, so a search of a large appendable segment walks a graph instead of scanning
every row.

It covers rows ``0..size-1`` as they were when added; rows written again since (an upsert of
an existing point, a vector update) are stale in the graph and are scanned exactly with the
rows past ``size``. The optimizer extends it (a grown copy replaces it, so searches never wait
for an insert) and, when the segment is sealed, completes it into the sealed segment's index
instead of building one from scratch. It is never persisted: a restart rebuilds it in the
background while searches scan.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from vecbase.core.config import CollectionConfig, Datatype, full_scan_rows, hnsw_of, quantization_of
from vecbase.index.hnsw import HnswIndex
from vecbase.segment.vectors import DenseStore

if TYPE_CHECKING:
    from vecbase.segment.segment import Segment

# below this many rows an exact scan costs about what a graph walk does (measured with
# faiss on 128-d vectors at ef 100: the two meet between 4k and 8k rows)
GROWING_MIN_ROWS = 4096


def growing_limit(config: CollectionConfig, name: str) -> float:
    """Rows a growing graph must offer a search before it is used (and built): at least
    ``GROWING_MIN_ROWS``, and half of ``full_scan_threshold`` worth of vectors, so small
    collections of small vectors (whose scans are cheap) stay exact, as in Qdrant's plain
    segments."""
    return max(GROWING_MIN_ROWS, full_scan_rows(config, name) / 2)


def can_grow(config: CollectionConfig, name: str) -> bool:
    """Whether vector ``name`` gets growing graphs: indexing on (``indexing_threshold`` set,
    ``m`` > 0), float32 rows, a graph kind that grows (flat, not Dot)."""
    vc = config.vectors.get(name)
    if vc is None or vc.multivector or hnsw_of(config, name).m <= 0 or not config.optimizers.indexing_threshold:
        return False
    return vc.datatype is Datatype.FLOAT32 and HnswIndex.can_grow(vc.distance, quantization_of(config, name))


def settings_of(config: CollectionConfig, name: str) -> tuple[int, int]:
    h = hnsw_of(config, name)
    return h.m, h.ef_construct


# a growing graph is trusted once its answers to this many real queries, checked against an
# exact scan of the same rows, found at least ``MIN_RECALL`` of the scan's hits
PROBE_QUERIES = 16
MIN_RECALL = 0.95


class Probe:
    """The trial of a growing graph on real queries: while it lasts, searches answer from an
    exact scan and also walk the graph, and the graph is kept (``verdict`` True) only if the
    walks found what the scans found. Clustered data passes; vectors without structure
    (uniform noise, where HNSW's recall collapses) do not, and their segment keeps answering
    exactly, as Qdrant's plain segments always do."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.trials = 0
        self.found = 0
        self.wanted = 0
        self.verdict: bool | None = None

    def record(self, found: int, wanted: int) -> None:
        with self._lock:
            if self.verdict is not None:
                return
            self.trials += 1
            self.found += found
            self.wanted += wanted
            if self.trials >= PROBE_QUERIES:
                self.verdict = self.found >= MIN_RECALL * self.wanted


@dataclass(frozen=True)
class GrowingGraph:
    index: HnswIndex
    # the store's write tick of each covered row when it was added
    ticks: npt.NDArray[np.int64]
    # (m, ef_construct) it was built with: a graph of other settings is rebuilt
    settings: tuple[int, int]
    # its trial on real queries (each new graph is tried again: the data may have changed)
    probe: Probe = field(default_factory=Probe)

    @property
    def size(self) -> int:
        return self.index.size

    def fresh(self, store: DenseStore) -> npt.NDArray[np.bool_]:
        """Covered rows unchanged since they were added."""
        fresh: npt.NDArray[np.bool_] = store.ticks(0, self.size) == self.ticks
        return fresh

    def extended(self, rows: npt.NDArray[np.float32], ticks: npt.NDArray[np.int64]) -> GrowingGraph:
        """This graph with ``rows`` (written at ``ticks``) as its next rows, a new graph: the
        costly part, run without a lock on rows copied under one."""
        return GrowingGraph(self.index.grown(rows), np.concatenate([self.ticks, ticks]), self.settings)

    def completes(self, config: CollectionConfig, name: str, store: DenseStore, n: int) -> bool:
        """Whether extending this graph to all ``n`` rows gives the index a sealed segment
        would build: same settings, every covered row unchanged."""
        return (
            can_grow(config, name)
            and self.settings == settings_of(config, name)
            and self.size <= n
            and bool(self.fresh(store).all())
        )


def new_graph(
    config: CollectionConfig, name: str, rows: npt.NDArray[np.float32], ticks: npt.NDArray[np.int64]
) -> GrowingGraph:
    m, ef_construct = settings_of(config, name)
    index = HnswIndex.build(rows, config.vectors[name].distance, m, ef_construct)
    return GrowingGraph(index, ticks, (m, ef_construct))


def growth_pending(config: CollectionConfig, seg: Segment) -> list[str]:
    """Vectors of ``seg`` whose growing graph should be built or extended now: big enough for
    one, rows past it (the optimizer decides when: once writes pause)."""
    names = []
    for name in config.vectors:
        if name in seg.dense_indexes or not can_grow(config, name):
            continue
        graph = seg.growing.get(name)
        if graph is not None and graph.settings == settings_of(config, name):
            if seg.n > graph.size:
                names.append(name)
        elif seg.n >= growing_limit(config, name):
            names.append(name)
    return names
