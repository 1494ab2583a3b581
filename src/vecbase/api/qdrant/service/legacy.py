"""Qdrant 1.18's search, recommend and discover requests (the legacy endpoints) as the
Query API requests they are now: the universal query serves them."""

from __future__ import annotations

from typing import Any

from vecbase.api.qdrant import models as m


def search_query(req: m.SearchRequest | m.SearchGroupsRequest) -> m.QueryRequest:
    v = req.vector
    using: str | None = None
    vec: Any = v
    if isinstance(v, m.NamedVector):
        using, vec = v.name, v.vector
    elif isinstance(v, m.NamedSparseVector):
        using, vec = v.name, v.vector
    return m.QueryRequest(
        query=m.NearestQuery(nearest=vec),
        using=using,
        filter=req.filter,
        params=req.params,
        score_threshold=req.score_threshold,
        limit=getattr(req, "limit", None),
        offset=getattr(req, "offset", None),
        with_payload=req.with_payload,
        with_vector=req.with_vector,
        shard_key=req.shard_key,
    )


def recommend_query(req: m.RecommendRequest | m.RecommendGroupsRequest) -> m.QueryRequest:
    strategy = req.strategy or m.RecommendStrategy.AVERAGE_VECTOR
    rec = m.RecommendInput(positive=req.positive, negative=req.negative, strategy=strategy)
    return m.QueryRequest(
        query=m.RecommendQuery(recommend=rec),
        using=req.using,
        filter=req.filter,
        params=req.params,
        score_threshold=req.score_threshold,
        limit=req.limit,
        offset=getattr(req, "offset", None),
        with_payload=req.with_payload,
        with_vector=req.with_vector,
        lookup_from=req.lookup_from,
        shard_key=req.shard_key,
    )


def discover_query(req: m.DiscoverRequest) -> m.QueryRequest:
    pairs = [m.ContextPair(positive=p.positive, negative=p.negative) for p in req.context or []]
    query: Any = (
        m.DiscoverQuery(discover=m.DiscoverInput(target=req.target, context=pairs))
        if req.target is not None
        else m.ContextQuery(context=pairs)
    )
    return m.QueryRequest(
        query=query,
        using=req.using,
        filter=req.filter,
        params=req.params,
        limit=req.limit,
        offset=req.offset,
        with_payload=req.with_payload,
        with_vector=req.with_vector,
        lookup_from=req.lookup_from,
        shard_key=req.shard_key,
    )
