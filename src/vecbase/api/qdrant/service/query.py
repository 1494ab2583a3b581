"""The Query API (and the legacy search/recommend/discover calls): wire requests to QueryNodes."""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from typing import Any, Sequence

import numpy as np
import numpy.typing as npt

from vecbase.api.qdrant import models as m
from vecbase.api.qdrant.expressions import expression_from_wire
from vecbase.api.qdrant.filters import convert_filter
from vecbase.api.qdrant.points import (
    record_to_wire,
    scored_to_wire,
    with_payload_from_wire,
    with_vectors_from_wire,
)
from vecbase.api.qdrant.service import legacy
from vecbase.api.qdrant.service.points import limit_of, order_by_from_wire
from vecbase.api.qdrant.service.query_vectors import QueryResolver, array_query, average_vector, lookup_collection
from vecbase.api.qdrant.service.strict import StrictGate, check_limit
from vecbase.api.qdrant.sharding import selector_from_wire, tag_shard_keys
from vecbase.api.qdrant.wire_base import construct
from vecbase.core.config import DEFAULT_VECTOR
from vecbase.core.errors import BadRequestError
from vecbase.core.filter import Filter, and_filters
from vecbase.core.ids import PointId
from vecbase.core.paths import check_path
from vecbase.core.points import ScoredColumns, ScoredPoint
from vecbase.engine.collection import Collection
from vecbase.engine.reads import CollectionReads
from vecbase.engine.toc import TableOfContent
from vecbase.query.model import (
    ContextQuery,
    DiscoverQuery,
    FeedbackQuery,
    FormulaQuery,
    FusionQuery,
    GroupRequest,
    MmrQuery,
    NearestQuery,
    OrderByQuery,
    QuantizationParams,
    QueryKind,
    QueryNode,
    RecommendQuery,
    SampleQuery,
    SearchParams,
    WithPayload,
    WithVectors,
)

NO_PAYLOAD = WithPayload(False)
NO_VECTORS = WithVectors(False)
F32 = npt.NDArray[np.float32]


_DEFAULT_PARAMS = SearchParams()


def _same(value: Any) -> Any:
    """A batch grouping key part: scalars by value, models and lists by identity (a batch
    usually shares one filter / params object; equal copies only batch less, never wrongly)."""
    return value if value is None or isinstance(value, (bool, int, float, str)) else id(value)


def _search_params(params: m.SearchParams | None) -> SearchParams:
    if params is None:
        return _DEFAULT_PARAMS
    q = params.quantization
    corpus = convert_filter(params.idf.corpus) if isinstance(params.idf, m.IdfCorpusParams) else None
    if q is None and corpus is None:
        return _plain_params(bool(params.exact), params.hnsw_ef, bool(params.indexed_only))
    quantization = QuantizationParams()
    if q is not None:
        quantization = QuantizationParams(
            ignore=bool(q.ignore),
            rescore=True if q.rescore is None else bool(q.rescore),
            oversampling=1.0 if q.oversampling is None else float(q.oversampling),
        )
    return SearchParams(bool(params.exact), params.hnsw_ef, bool(params.indexed_only), quantization, corpus)


@lru_cache(maxsize=256)
def _plain_params(exact: bool, hnsw_ef: int | None, indexed_only: bool) -> SearchParams:
    return SearchParams(exact, hnsw_ef, indexed_only)


def _pairs(context: Any) -> list[m.ContextPair]:
    if context is None:
        return []
    return list(context) if isinstance(context, list) else [context]


def _check_node(req: m.QueryRequest | m.Prefetch | m.QueryGroupsRequest, using: str) -> None:
    """Qdrant's consistency rules of one query node (each prefetch is one too)."""
    q = req.query
    if req.prefetch and q is None:
        raise BadRequestError(
            "Bad request: A query is needed to merge the prefetches. Can't have prefetches without defining a query."
        )
    if req.score_threshold is not None:
        if q is None:
            raise BadRequestError(
                "Bad request: A query is needed to use the score_threshold."
                " Can't have score_threshold without defining a query."
            )
        if isinstance(q, m.OrderByQuery):
            raise BadRequestError("Bad request: Can't use score_threshold with an order_by query.")
    if isinstance(q, (m.FusionQuery, m.RrfQuery)) and using != DEFAULT_VECTOR:
        raise BadRequestError("Bad request: Fusion queries cannot be combined with the 'using' field.")


def _answer(reader: CollectionReads, found: ScoredColumns) -> m.QueryResponse:
    points = scored_to_wire(reader.config, found)
    tag_shard_keys(reader, found.ids, points)
    return construct(m.QueryResponse, {"points": points})


class QueryService:
    def __init__(self, toc: TableOfContent, strict: StrictGate) -> None:
        self.toc = toc
        self.strict = strict

    def col(self, name: str) -> Collection:
        return self.toc.get(name)

    # -- wire -> internal ---------------------------------------------------------------
    def _query(
        self, col: Collection, q: Any, using: str, lookup: m.LookupLocation | None
    ) -> tuple[QueryKind | None, Filter | None]:
        """The internal query and the filter excluding the point ids it mentions."""
        if q is None:
            return None, None
        r = QueryResolver(self.toc, col, using, lookup)
        kind: QueryKind | None
        if isinstance(q, m.NearestQuery):
            vec = r.vector(q.nearest)
            if q.mmr is not None:
                diversity = 0.5 if q.mmr.diversity is None else q.mmr.diversity
                kind = MmrQuery(using, vec, diversity, q.mmr.candidates_limit)
            else:
                kind = NearestQuery(using, vec)
        elif isinstance(q, m.RecommendQuery):
            rec = q.recommend
            pos = [r.vector(v) for v in rec.positive or []]
            neg = [r.vector(v) for v in rec.negative or []]
            strategy = rec.strategy.value if rec.strategy is not None else "average_vector"
            if strategy == "average_vector":
                kind = NearestQuery(using, average_vector(pos, neg))
            else:
                if not pos and not neg:
                    raise BadRequestError(f"Bad request: No positive or negative examples given with '{strategy}'")
                kind = RecommendQuery(using, tuple(pos), tuple(neg), strategy)
        elif isinstance(q, m.DiscoverQuery):
            target = r.vector(q.discover.target)
            pairs = tuple((r.vector(p.positive), r.vector(p.negative)) for p in _pairs(q.discover.context))
            kind = DiscoverQuery(using, target, pairs)
        elif isinstance(q, m.ContextQuery):
            pairs = tuple((r.vector(p.positive), r.vector(p.negative)) for p in _pairs(q.context))
            kind = ContextQuery(using, pairs)
        elif isinstance(q, m.RelevanceFeedbackQuery):
            fb = q.relevance_feedback
            params = fb.strategy.naive
            feedback = tuple((r.vector(i.example), i.score) for i in fb.feedback)
            kind = FeedbackQuery(using, r.vector(fb.target), feedback, params.a, params.b, params.c)
        elif isinstance(q, m.OrderByQuery):
            kind = OrderByQuery(order_by_from_wire(q.order_by))
        elif isinstance(q, m.FusionQuery):
            kind = FusionQuery(q.fusion.value)
        elif isinstance(q, m.RrfQuery):
            weights = tuple(q.rrf.weights) if q.rrf.weights is not None else None
            kind = FusionQuery("rrf", q.rrf.k if q.rrf.k is not None else 2, weights)
        elif isinstance(q, m.FormulaQuery):
            kind = FormulaQuery(expression_from_wire(q.formula), dict(q.defaults or {}))
        elif isinstance(q, m.SampleQuery):
            kind = SampleQuery()
        else:
            kind = NearestQuery(using, r.vector(q))
        return kind, r.exclude(None)

    def node(
        self,
        col: Collection,
        req: m.QueryRequest | m.Prefetch | m.QueryGroupsRequest,
        limit: int,
        offset: int = 0,
        wp: WithPayload = NO_PAYLOAD,
        wv: WithVectors = NO_VECTORS,
    ) -> QueryNode:
        using = req.using if req.using is not None else DEFAULT_VECTOR
        _check_node(req, using)
        kind: QueryKind | None
        if req.lookup_from is None and isinstance(req.query, (np.ndarray, list)):  # a plain vector
            kind, exclude = NearestQuery(using, array_query(req.query)), None
        else:
            kind, exclude = self._query(col, req.query, using, req.lookup_from)
        raw_prefetch = req.prefetch
        prefetches = raw_prefetch if isinstance(raw_prefetch, list) else ([raw_prefetch] if raw_prefetch else ())
        return QueryNode(
            query=kind,
            prefetch=tuple([self.node(col, p, limit_of(p.limit)) for p in prefetches]) if prefetches else (),
            filter=and_filters(convert_filter(req.filter), exclude),
            limit=limit,
            offset=offset,
            score_threshold=req.score_threshold,
            with_payload=wp,
            with_vectors=wv,
            params=_search_params(req.params),
        )

    def _top_node(self, col: Collection, req: m.QueryRequest) -> QueryNode:
        if req.offset is not None and req.offset < 0:
            raise BadRequestError("Validation error: offset must be non-negative")
        return self.node(
            col,
            req,
            limit_of(req.limit),
            req.offset or 0,
            with_payload_from_wire(False if req.with_payload is None else req.with_payload),
            with_vectors_from_wire(req.with_vector, col.config),
        )

    # -- operations ---------------------------------------------------------------------
    def _points(self, col: Collection, points: list[ScoredPoint]) -> list[m.ScoredPoint]:
        return scored_to_wire(col.config, ScoredColumns.of(points))

    def query(self, name: str, req: m.QueryRequest) -> m.QueryResponse:
        return self.query_values(
            name,
            req.query,
            req.using,
            req.lookup_from,
            req.prefetch,
            req.filter,
            req.score_threshold,
            req.params,
            req.limit,
            req.offset,
            req.with_payload,
            req.with_vector,
            req.shard_key,
        )

    def query_values(
        self,
        name: str,
        query: Any,
        using: str | None,
        lookup: m.LookupLocation | None,
        prefetch: m.Prefetch | list[m.Prefetch] | None,
        flt: m.Filter | None,
        score_threshold: float | None,
        params: m.SearchParams | None,
        limit: int | None,
        offset: int | None,
        with_payload: m.WithPayloadInterface | None,
        with_vector: m.WithVector | None,
        shard_key: Any = None,
    ) -> m.QueryResponse:
        """``query`` with a QueryRequest's field values as arguments: the embedded client's
        call, which builds no request model (values typed as the model's fields)."""
        col = self.col(name)
        if col.config.strict_mode is not None:
            self.strict.read(col, (prefetch, flt, params), limit=limit_of(limit))
        reader = col.select(selector_from_wire(shard_key))
        if prefetch or lookup is not None or not isinstance(query, (np.ndarray, list)):
            req = construct(
                m.QueryRequest,
                dict(
                    query=query,
                    using=using,
                    prefetch=prefetch,
                    filter=flt,
                    params=params,
                    limit=limit,
                    offset=offset,
                    with_payload=with_payload,
                    with_vector=with_vector,
                    score_threshold=score_threshold,
                    lookup_from=lookup,
                ),
            )
            node = self._top_node(col, req)
            return _answer(reader, reader.query(node))
        # a plain vector and no prefetch, the most common query: run without a query node
        if offset is not None and offset < 0:
            raise BadRequestError("Validation error: offset must be non-negative")
        found = reader.nearest(
            NearestQuery(using if using is not None else DEFAULT_VECTOR, array_query(query)),
            convert_filter(flt),
            limit_of(limit),
            offset or 0,
            score_threshold,
            _search_params(params),
            with_payload_from_wire(False if with_payload is None else with_payload),
            with_vectors_from_wire(with_vector, col.config),
        )
        return _answer(reader, found)

    def query_batch(self, name: str, reqs: Sequence[m.QueryRequest]) -> list[m.QueryResponse]:
        """Each request's answer; plain vector queries that differ only in their vector run
        together, so each graph is walked once for all of them."""
        self.check_batch(name, len(reqs))
        out: list[m.QueryResponse | None] = [None] * len(reqs)
        groups: dict[tuple[Any, ...], list[int]] = {}
        for i, r in enumerate(reqs):
            plain = not r.prefetch and r.lookup_from is None and isinstance(r.query, (list, np.ndarray))
            if plain and (r.offset or 0) >= 0:
                key = (r.using, r.limit, r.offset, r.score_threshold) + tuple(
                    map(_same, (r.filter, r.params, r.with_payload, r.with_vector, r.shard_key))
                )
                groups.setdefault(key, []).append(i)
            else:
                out[i] = self.query(name, r)
        for members in groups.values():
            if len(members) == 1:
                out[members[0]] = self.query(name, reqs[members[0]])
                continue
            for i, answer in zip(members, self._nearest_batch(name, [reqs[i] for i in members])):
                out[i] = answer
        return [r for r in out if r is not None]

    def _nearest_batch(self, name: str, reqs: list[m.QueryRequest]) -> list[m.QueryResponse]:
        col = self.col(name)
        first = reqs[0]
        if col.config.strict_mode is not None:
            for r in reqs:
                self.strict.read(col, (r.prefetch, r.filter, r.params), limit=limit_of(r.limit))
        using = first.using if first.using is not None else DEFAULT_VECTOR
        reader = col.select(selector_from_wire(first.shard_key))
        found = reader.nearest_batch(
            [NearestQuery(using, array_query(r.query)) for r in reqs],
            convert_filter(first.filter),
            limit_of(first.limit),
            first.offset or 0,
            first.score_threshold,
            _search_params(first.params),
            with_payload_from_wire(False if first.with_payload is None else first.with_payload),
            with_vectors_from_wire(first.with_vector, col.config),
        )
        return [_answer(reader, f) for f in found]

    def check_batch(self, name: str, size: int) -> None:
        """A batch's size against strict mode (each entry is checked as it runs)."""
        col = self.col(name)
        sm = self.strict.config(col)
        if sm is not None:
            check_limit(size, sm.search_max_batchsize, "search batch size")

    def query_groups(self, name: str, req: m.QueryGroupsRequest) -> m.GroupsResult:
        col = self.col(name)
        groups_limit = limit_of(req.limit) * limit_of(req.group_size, 3)
        self.strict.read(col, (req.prefetch, req.filter, req.params), limit=groups_limit, group_by=req.group_by)
        wp = with_payload_from_wire(False if req.with_payload is None else req.with_payload)
        node = self.node(col, req, limit_of(req.limit), 0, wp, with_vectors_from_wire(req.with_vector, col.config))
        group_size = limit_of(req.group_size, 3)
        greq = GroupRequest(node, check_path(req.group_by), group_size, limit_of(req.limit))
        return self._groups(col, col.select(selector_from_wire(req.shard_key)), greq, req.with_lookup)

    def _groups(self, col: Collection, reader: CollectionReads, greq: GroupRequest, with_lookup: Any) -> m.GroupsResult:
        found = reader.query_groups(greq)
        lookup_col, lwp, lwv = None, WithPayload(True), WithVectors(False)
        if with_lookup is not None:
            wl = m.WithLookup(collection=with_lookup) if isinstance(with_lookup, str) else with_lookup
            lookup_col = lookup_collection(self.toc, wl.collection)
            lwp = with_payload_from_wire(True if wl.with_payload is None else wl.with_payload)
            lwv = with_vectors_from_wire(wl.with_vectors, lookup_col.config)
        groups = []
        for gid, hits in found:
            lookup = None
            if lookup_col is not None:
                recs = lookup_col.retrieve([gid], lwp, lwv)
                lookup = record_to_wire(lookup_col.config, recs[0]) if recs else None
            points = self._points(col, hits)
            tag_shard_keys(reader, [h.id for h in hits], points)
            groups.append(m.PointGroup(id=gid, hits=points, lookup=lookup))
        return m.GroupsResult(groups=groups)

    def matrix(self, name: str, req: m.SearchMatrixRequest) -> tuple[list[PointId], list[list[tuple[PointId, float]]]]:
        col = self.col(name)
        self.strict.read(col, req.filter, limit=limit_of(req.sample, 10) * limit_of(req.limit, 3))
        using = req.using if req.using is not None else DEFAULT_VECTOR
        reader = col.select(selector_from_wire(req.shard_key))
        return reader.distance_matrix(
            convert_filter(req.filter), limit_of(req.sample, 10), limit_of(req.limit, 3), using
        )

    def matrix_pairs(self, name: str, req: m.SearchMatrixRequest) -> m.SearchMatrixPairsResponse:
        ids, rows = self.matrix(name, req)
        pairs = [m.SearchMatrixPair(a=a, b=b, score=s) for a, row in zip(ids, rows) for b, s in row]
        return m.SearchMatrixPairsResponse(pairs=pairs)

    def matrix_offsets(self, name: str, req: m.SearchMatrixRequest) -> m.SearchMatrixOffsetsResponse:
        ids, rows = self.matrix(name, req)
        pos = {pid: i for i, pid in enumerate(ids)}
        offsets_row, offsets_col, scores = [], [], []
        for i, row in enumerate(rows):
            for b, s in row:
                offsets_row.append(i)
                offsets_col.append(pos[b])
                scores.append(s)
        return m.SearchMatrixOffsetsResponse(offsets_row=offsets_row, offsets_col=offsets_col, scores=scores, ids=ids)

    # -- legacy (1.18) endpoints --------------------------------------------------------
    def legacy(self, name: str, kind: str, req: Any) -> list[m.ScoredPoint]:
        if kind == "search":
            q = legacy.search_query(req)
        elif kind == "recommend":
            q = legacy.recommend_query(req)
        else:
            q = legacy.discover_query(req)
        return self.query(name, q).points

    def legacy_groups(self, name: str, kind: str, req: Any) -> m.GroupsResult:
        q = legacy.search_query(req) if kind == "search" else legacy.recommend_query(req)
        col = self.col(name)
        self.strict.read(col, (q.filter, q.params), limit=req.limit * req.group_size, group_by=req.group_by)
        node = replace(self._top_node(col, q), offset=0)
        greq = GroupRequest(node, check_path(req.group_by), req.group_size, req.limit)
        return self._groups(col, col.select(selector_from_wire(q.shard_key)), greq, req.with_lookup)
