"""The read side of a collection: lookups, scroll, count, facet and queries under the
collection's shared lock (a mixin of ``Collection``, which owns the state it reads)."""

from __future__ import annotations

from typing import Any, Callable, ContextManager, Protocol, Sequence, TypeVar

from vecbase.core.config import CollectionConfig, PayloadIndexSpec
from vecbase.core.filter import Filter
from vecbase.core.ids import PointId
from vecbase.core.points import Record, ScoredColumns, ScoredPoint
from vecbase.engine import optimizer
from vecbase.query import groups, matrix, read, universal
from vecbase.query.model import (
    FacetHit,
    GroupRequest,
    NearestQuery,
    QueryNode,
    ScrollRequest,
    SearchParams,
    WithPayload,
    WithVectors,
)
from vecbase.segment.segment import Segment

T = TypeVar("T")


class ReadLock(Protocol):
    """The shared side of a lock: one collection's (``RWLock``) or several shards' at once."""

    def shared(self) -> ContextManager[None]: ...

    def acquire_shared(self) -> bool: ...

    def release_shared(self) -> None: ...


class CollectionReads:
    """Reads share the collection lock; every query sees one consistent list of segments."""

    config: CollectionConfig
    lock: ReadLock
    segments: list[Segment]
    payload_schema: dict[str, PayloadIndexSpec]
    optimizing: bool
    optimizer_error: str | None

    def _read(self, fn: Callable[[], T]) -> T:
        with self.lock.shared():
            return fn()

    def retrieve(self, ids: Sequence[object], wp: WithPayload, wv: WithVectors) -> list[Record]:
        return self._read(lambda: read.retrieve(self.segments, ids, wp, wv))

    def scroll(self, req: ScrollRequest) -> tuple[list[Record], PointId | None]:
        return self._read(lambda: read.scroll(self.segments, req))

    def count(self, flt: Filter | None) -> int:
        return self._read(lambda: read.count(self.segments, flt))

    def facet(self, key: str, flt: Filter | None, limit: int) -> list[FacetHit]:
        return self._read(lambda: read.facet(self.segments, key, flt, limit))

    def query(self, node: QueryNode) -> ScoredColumns:
        taken = self.lock.acquire_shared()  # spelled out: the per-query hot path
        try:
            return universal.execute(self.segments, self.config, node)
        finally:
            if taken:
                self.lock.release_shared()

    def nearest(
        self,
        query: NearestQuery,
        flt: Filter | None,
        limit: int,
        offset: int,
        score_threshold: float | None,
        params: SearchParams,
        wp: WithPayload,
        wv: WithVectors,
    ) -> ScoredColumns:
        """``query`` of a node with a nearest query and no prefetches, given the node's fields."""
        taken = self.lock.acquire_shared()
        try:
            return universal.nearest(
                self.segments, self.config, query, flt, limit, offset, score_threshold, params, wp, wv
            )
        finally:
            if taken:
                self.lock.release_shared()

    def query_groups(self, req: GroupRequest) -> list[tuple[int | str, list[ScoredPoint]]]:
        return self._read(lambda: groups.query_groups(self.segments, self.config, req))

    def distance_matrix(
        self, flt: Filter | None, sample: int, limit: int, using: str
    ) -> tuple[list[PointId], list[list[tuple[PointId, float]]]]:
        return self._read(lambda: matrix.distance_matrix(self.segments, self.config, flt, sample, limit, using))

    def nearest_batch(
        self,
        queries: Sequence[NearestQuery],
        flt: Filter | None,
        limit: int,
        offset: int,
        score_threshold: float | None,
        params: SearchParams,
        wp: WithPayload,
        wv: WithVectors,
    ) -> list[ScoredColumns]:
        """``nearest`` for queries that differ only in their vector, under one read lock."""
        return self._read(
            lambda: universal.nearest_batch(
                self.segments, self.config, queries, flt, limit, offset, score_threshold, params, wp, wv
            )
        )

    def segment_plans(self) -> list[dict[str, Any]]:
        """Each segment as searches see it (telemetry): its points, per dense vector the rows
        a graph serves (a sealed segment's index, or a growing graph once trusted) and the
        graph's state, and how many searches took each path (``search.scan_path``)."""
        with self.lock.shared():
            out = []
            for i, seg in enumerate(self.segments):
                live = seg.live_mask()
                vectors = {}
                for name, vc in self.config.vectors.items():
                    present = live & seg.has_vector_mask(name)[: seg.n]
                    index, growing = seg.dense_indexes.get(name), seg.growing.get(name)
                    if index is not None:
                        graph, served = "hnsw", int(present[: index.size].sum())
                    elif growing is not None:
                        verdict = growing.probe.verdict
                        graph = {None: "growing, on trial", True: "growing", False: "growing, rejected"}[verdict]
                        served = int(present[: growing.size].sum()) if verdict else 0
                    else:
                        graph, served = "none", 0
                    vectors[name] = {
                        "num_vectors": int(present.sum()),
                        "num_indexed_vectors": served,
                        "num_deleted_vectors": int((~live & seg.has_vector_mask(name)[: seg.n]).sum()),
                        "graph": graph,
                        "size": vc.size,
                    }
                out.append(
                    {
                        "uuid": seg.uid,
                        "appendable": i == len(self.segments) - 1,
                        "points": int(live.sum()),
                        "vectors": vectors,
                        "searches": dict(seg.searches),
                    }
                )
            return out

    def info(self) -> dict[str, Any]:
        with self.lock.shared():
            return {
                "points_count": sum(s.live_count() for s in self.segments),
                "segments_count": len(self.segments),
                "indexed_vectors_count": sum(
                    int((s.live_mask() & s.has_vector_mask(name))[: index.size].sum())
                    for s in self.segments
                    for name, index in s.dense_indexes.items()
                ),
                "optimizer_error": self.optimizer_error,
                "optimizing": self.optimizing
                or optimizer.should_seal(self.config, self.segments[-1])
                or optimizer.work_pending(self.config, self.segments),
                "payload_points": {
                    k: sum(s.field_indexes[k].points() for s in self.segments if k in s.field_indexes)
                    for k in self.payload_schema
                },
            }
