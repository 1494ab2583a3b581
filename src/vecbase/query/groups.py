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
    total = max(1, sum(seg.live_count() for seg in segments))
    node = _widen(req.node, total)
    groups: dict[GroupId, list[ScoredPoint]] = {}
    for f in run(segments, config, node, None):
        ids = group_ids(f.seg.payloads[f.off], req.group_by)
        if ids is None:
            continue
        point = to_scored(f, req.node.with_payload, req.node.with_vectors)
        for gid in ids:
            hits = groups.setdefault(gid, [])
            if len(hits) < req.group_size:
                hits.append(point)
    return list(groups.items())[: req.limit]
