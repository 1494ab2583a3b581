"""Qdrant's issue report (``GET /issues``): configuration problems the server noticed.

The one kind Qdrant reports is ``UNINDEXED_FIELD``: a read slower than the configured
threshold (``service.slow_query_secs``, 1.2 s by default) whose filter reads a payload key
with no index able to serve that condition. Each such key is one issue, coded
``UNINDEXED_FIELD/<collection>/<key>``, whose solution is the ``PUT .../index`` request that
creates the index (a choice of requests where several index types would serve).

An issue is solved as Qdrant solves it: an index created on its key, or its collection
deleted. Both are read when the report is asked for, so no write path has to announce them:
the report keeps an issue only while the collection it was raised in (that very collection,
not a new one of the same name) exists and its key still has no index.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from vecbase.api.qdrant import models as m
from vecbase.api.qdrant.filters import convert_filter
from vecbase.api.qdrant.service.strict import filters_of, unindexed_keys
from vecbase.core.errors import NotFoundError
from vecbase.engine.toc import TableOfContent

UNINDEXED_FIELD = "UNINDEXED_FIELD"
DOCS = "https://qdrant.tech/documentation/concepts/indexing/#payload-index"

# the request bodies of reads: a slow one of these is looked at (a filtered write is not)
READS = (
    m.QueryRequest,
    m.QueryRequestBatch,
    m.QueryGroupsRequest,
    m.SearchRequest,
    m.SearchRequestBatch,
    m.SearchGroupsRequest,
    m.RecommendRequest,
    m.RecommendRequestBatch,
    m.RecommendGroupsRequest,
    m.DiscoverRequest,
    m.DiscoverRequestBatch,
    m.CountRequest,
    m.ScrollRequest,
    m.FacetRequest,
    m.SearchMatrixRequest,
)


@dataclass(frozen=True)
class Issue:
    code: str
    collection: str
    key: str
    # the collection object it was raised in: a collection created anew under the same
    # name starts without its predecessor's issues
    owner: weakref.ref[Any]
    description: str
    solution: Any
    timestamp: datetime

    def record(self) -> dict[str, Any]:
        return {
            "id": self.code,
            "description": self.description,
            "solution": self.solution,
            "timestamp": self.timestamp,
        }


def _solution(collection: str, key: str, types: tuple[str, ...]) -> Any:
    choices = [
        {
            "message": (
                f"Create an index on field '{key}' of schema {orjson.dumps(kind).decode()} in collection"
                f" '{collection}'. Check the documentation for more details: {DOCS}"
            ),
            "action": {
                "method": "PUT",
                "uri": f"/collections/{collection}/index",
                "headers": {"content-type": "application/json"},
                "body": {"field_name": key, "field_schema": kind},
            },
        }
        for kind in types
    ]
    return {"immediate": choices[0]} if len(choices) == 1 else {"immediate_choice": choices}


class IssueBoard:
    """The node's open issues, raised by slow reads and solved as the report is read."""

    def __init__(self, toc: TableOfContent, slow_query_secs: float = 1.2) -> None:
        self.toc = toc
        self.slow_query_secs = slow_query_secs
        self._lock = threading.Lock()
        self._issues: dict[str, Issue] = {}

    def after_read(self, collection: str, requests: list[Any], seconds: float) -> None:
        """A read on ``collection`` that took ``seconds``, with the request models it was
        made of: when it was slow, each unindexed key its filters read is an issue."""
        if seconds <= self.slow_query_secs:
            return
        reads = [r for r in requests if isinstance(r, READS)]
        if not reads:
            return
        try:
            col = self.toc.get(collection)
        except NotFoundError:
            return
        now = datetime.now(UTC)
        for flt in filters_of(reads):
            converted = convert_filter(flt)
            if converted is None:
                continue
            for key, types in unindexed_keys(col, converted):
                code = f"{UNINDEXED_FIELD}/{col.name}/{key}"
                issue = Issue(
                    code,
                    col.name,
                    key,
                    weakref.ref(col),
                    f"Unindexed field '{key}' might be slowing queries down in collection '{col.name}'",
                    _solution(col.name, key, types),
                    now,
                )
                with self._lock:
                    held = self._issues.get(code)
                    # the first report of an open issue stays; a solved one is raised anew
                    if held is None or self._solved(held):
                        self._issues[code] = issue

    def report(self) -> list[dict[str, Any]]:
        """The open issues, oldest first (solved ones are dropped)."""
        with self._lock:
            for issue in list(self._issues.values()):
                if self._solved(issue):
                    del self._issues[issue.code]
            open_ = sorted(self._issues.values(), key=lambda i: i.timestamp)
        return [i.record() for i in open_]

    def _solved(self, issue: Issue) -> bool:
        try:
            col = self.toc.get(issue.collection)
        except NotFoundError:
            return True
        return issue.owner() is not col or issue.key in col.payload_schema

    def clear(self) -> None:
        with self._lock:
            self._issues.clear()
