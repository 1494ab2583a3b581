"""The Qdrant dialect's operations on the engine, transport-free.

Each method takes Qdrant wire models (the request bodies of the REST API) and returns wire
models (the ``result`` of the response). The REST routes and the embedded ``Client`` both call
these, so the two front doors cannot drift apart. Engine errors (``vecbase.core.errors``)
pass through unchanged; the caller maps them to its own envelope.
"""

from __future__ import annotations

from pathlib import Path

from vecbase.api.qdrant.service.collections import CollectionsService
from vecbase.api.qdrant.service.issues import IssueBoard
from vecbase.api.qdrant.service.points import PointsService
from vecbase.api.qdrant.service.query import QueryService
from vecbase.api.qdrant.service.quotas import NodeQuotas
from vecbase.api.qdrant.service.strict import StrictGate
from vecbase.engine.snapshots import Snapshots
from vecbase.engine.toc import TableOfContent


class QdrantService:
    def __init__(
        self,
        toc: TableOfContent,
        *,
        facet_needs_index: bool = True,
        snapshots_path: Path | None = None,
        slow_query_secs: float = 1.2,
    ) -> None:
        self.toc = toc
        self.issues = IssueBoard(toc, slow_query_secs)
        self.quotas = NodeQuotas(toc.path)
        self.strict = StrictGate(self.quotas)
        self.collections = CollectionsService(toc, self.strict)
        self.points = PointsService(toc, self.strict, facet_needs_index=facet_needs_index)
        self.query = QueryService(toc, self.strict)
        if snapshots_path is None and toc.path is not None:
            snapshots_path = toc.path / "snapshots"
        self.snapshots = Snapshots(toc, snapshots_path)


__all__ = ["QdrantService"]
