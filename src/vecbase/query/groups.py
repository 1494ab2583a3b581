"""Grouped queries: the best hits per distinct value of a payload field."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Sequence

from vecbase.core.config import CollectionConfig
from vecbase.core.paths import values_at
from vecbase.core.points import ScoredPoint
from vecbase.query.model import GroupRequest, QueryNode
from vecbase.query.universal import run, to_scored
from vecbase.segment.segment import Segment

GroupId = int | str


def _widen(node: QueryNode, limit: int) -> QueryNode:
    return replace(node, limit=limit, offset=0, prefetch=tuple(_widen(p, limit) for p in node.prefetch))


def group_ids(payload: dict[str, Any], key: str) -> list[GroupId] | None:
    """Distinct group ids of a point, in payload order; None when a value cannot be a group id."""
    values = values_at(payload, key)
    if not values or any(type(v) not in (int, str) for v in values):
        return None
    return list(dict.fromkeys(values))


def query_groups(
    segments: Sequence[Segment], config: CollectionConfig, req: GroupRequest
) -> list[tuple[GroupId, list[ScoredPoint]]]:
    """The first ``limit`` groups in the order of their best hits, each with its best
    ``group_size`` hits: what grouping the query's whole ranking gives.

    A query without prefetches asks for a prefix of that ranking, ``2 * limit *
    group_size`` hits (64 at least) and four times more each round, until the prefix
    decides the answer (its first ``limit`` groups are full; a later hit can neither enter
    them nor make a group that comes before them) or holds every hit. One with prefetches
    ranks every point at every level: a prefetch's limit changes the fused scores, so no
    prefix of a shorter run is one of the whole ranking."""
    total = max(1, sum(seg.live_count() for seg in segments))
    want = total if req.node.prefetch else min(total, max(64, 2 * req.limit * req.group_size))
    while True:
        found = list(run(segments, config, _widen(req.node, want), None))
        groups = _grouped(found, req)
        decided = len(groups) >= req.limit and all(len(h) >= req.group_size for h in list(groups.values())[: req.limit])
        if decided or want >= total or len(found) < want:
            return list(groups.items())[: req.limit]
        want = min(total, want * 4)


def _grouped(found: list[Any], req: GroupRequest) -> dict[GroupId, list[ScoredPoint]]:
    groups: dict[GroupId, list[ScoredPoint]] = {}
    for f in found:
        ids = group_ids(f.seg.payloads[f.off], req.group_by)
        if ids is None:
            continue
        point: ScoredPoint | None = None
        for gid in ids:
            hits = groups.setdefault(gid, [])
            if len(hits) < req.group_size:
                if point is None:  # made for the hits that are kept only
                    point = to_scored(f, req.node.with_payload, req.node.with_vectors)
                hits.append(point)
    return groups
