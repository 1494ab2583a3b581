"""Qdrant wire queries (the nearest-neighbour part of the Query API) to the internal model."""

from __future__ import annotations

from typing import Any

import numpy as np

from vecbase.api.qdrant import models as m
from vecbase.api.qdrant.points import sparse_from_wire
from vecbase.core.config import DEFAULT_VECTOR
from vecbase.core.errors import BadRequestError, PointNotFoundError
from vecbase.core.filter import Filter, HasId, and_filters
from vecbase.core.ids import normalize_id
from vecbase.engine.collection import Collection
from vecbase.query.model import NearestQuery, QueryVector, SearchRequest, WithPayload, WithVectors


def _is_point_id(q: Any) -> bool:
    return (isinstance(q, int) and not isinstance(q, bool)) or isinstance(q, str)


def query_vector(col: Collection, query: Any, using: str) -> tuple[QueryVector, Any]:
    """The query's vector, and the point id it came from (excluded from the results) if any."""
    if isinstance(query, m.NearestQuery):
        if query.mmr is not None:
            raise BadRequestError("MMR is not supported yet by vecbase")
        query = query.nearest
    if _is_point_id(query):
        pid = normalize_id(query)
        records = col.retrieve([pid], WithPayload(False), WithVectors(True, (using,)))
        if not records:
            raise PointNotFoundError(query)
        vectors = records[0].vectors or {}
        if using not in vectors:
            raise BadRequestError(f"Wrong input: point {query} has no vector `{using}`")
        return vectors[using], pid
    if isinstance(query, m.SparseVector):
        return sparse_from_wire(query), None
    if isinstance(query, (list, np.ndarray)):
        try:
            return np.asarray(query, dtype=np.float32), None
        except ValueError:
            raise BadRequestError("Wrong input: malformed query vector") from None
    raise BadRequestError(f"Query type {type(query).__name__} is not supported yet by vecbase")


def query_request(
    col: Collection,
    query: Any,
    using: str | None,
    flt: Filter | None,
    params: m.SearchParams | None,
    limit: int,
    offset: int,
    score_threshold: float | None,
    wp: WithPayload,
    wv: WithVectors,
) -> SearchRequest:
    name = using if using is not None else DEFAULT_VECTOR
    vector, source_id = query_vector(col, query, name)
    if source_id is not None:
        flt = and_filters(flt, Filter(must_not=(HasId(frozenset([source_id])),)))
    return SearchRequest(
        query=NearestQuery(name, vector),
        filter=flt,
        limit=limit,
        offset=offset,
        score_threshold=score_threshold,
        with_payload=wp,
        with_vectors=wv,
        exact=bool(params and params.exact),
    )
