"""QueryCollectionData: vector, full-text and two-way (hybrid) retrieval.

Paths: ``Vector`` searches the dense vector (plus ``SparseVector``, whose inner product is
added to the dense score when both are given); ``Content`` searches the ``text`` BM25
vector. Scores as AnalyticDB reports them: l2 distance (smaller first), inner product,
cosine similarity; BM25 for text. With both paths (``HybridSearch``):

- empty: the union of both result lists ordered by their raw scores;
- ``RRF``: ``sum 1 / (k + rank)`` over the lists, ranks from 1, ``k`` from
  ``HybridSearchArgs.RRF.k`` (default 60);
- ``Weight``: ``alpha * vector_score + (1 - alpha) * text_score`` with ``alpha`` from
  ``HybridSearchArgs.Weight.alpha`` (default 0.5), a path's score 0 where it lacks the row;
  an l2 distance counts as the similarity ``1 / (1 + d)``;
- ``Cascaded``: the text results, ordered by their vector score (rows the vector path does
  not score are dropped).

``OrderBy`` and ``Offset`` (with ``Total``, the number of rows the query matches) apply to
single-path queries only, as in AnalyticDB.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from vecbase.core.filter import Filter, HasId, and_filters
from vecbase.core.ids import PointId
from vecbase.core.points import ScoredColumns, SparseVector
from vecbase.engine.collection import Collection
from vecbase.query.fusion import cascade, rrf, score_fusion
from vecbase.query.model import NearestQuery, QueryNode, SearchParams, WithPayload, WithVectors

HYBRID_MODES = ("", "RRF", "Weight", "Cascaded")


@dataclass(frozen=True, slots=True)
class Hit:
    id: PointId
    score: float
    payload: dict[str, Any]
    vectors: dict[str, Any]


def _run(col: Collection, node: QueryNode) -> list[Hit]:
    found: ScoredColumns = col.query(node)
    payloads = found.payloads or [{}] * len(found.ids)
    vectors = found.vectors or [{}] * len(found.ids)
    return [Hit(i, s, dict(p or {}), dict(v or {})) for i, s, p, v in zip(found.ids, found.scores, payloads, vectors)]


def search_path(
    col: Collection,
    using: str,
    vector: Any,
    flt: Filter | None,
    limit: int,
    with_vectors: WithVectors,
    exact: bool = False,
) -> list[Hit]:
    """One path's top ``limit``; ``exact``: a full scan (the vector index was deleted)."""
    node = QueryNode(
        NearestQuery(using, vector),
        filter=flt,
        limit=limit,
        with_payload=WithPayload(True),
        with_vectors=with_vectors,
        params=SearchParams(exact=exact),
    )
    return _run(col, node)


def vector_path(
    col: Collection,
    dense: Any | None,
    sparse: SparseVector | None,
    flt: Filter | None,
    limit: int,
    with_vectors: WithVectors,
    ascending: bool,
    exact: bool = False,
) -> list[Hit]:
    """Dense, sparse, or both added: the sparse score of each dense hit comes from a second
    search restricted to those hits."""
    if dense is None:
        return search_path(col, "sparse", sparse, flt, limit, with_vectors)
    hits = search_path(col, "vector", dense, flt, limit, with_vectors, exact)
    if sparse is None or not hits:
        return hits
    only = and_filters(flt, Filter(must=(HasId(frozenset(h.id for h in hits)),)))
    extra = {h.id: h.score for h in search_path(col, "sparse", sparse, only, len(hits), WithVectors())}
    combined = [Hit(h.id, h.score + extra.get(h.id, 0.0), h.payload, h.vectors) for h in hits]
    return sorted(combined, key=lambda h: h.score, reverse=not ascending)


def fuse(
    mode: str,
    args: dict[str, Any],
    vector_hits: Sequence[Hit],
    text_hits: Sequence[Hit],
    ascending: bool,
    limit: int,
) -> list[Hit]:
    """The two paths' lists as one (see the module's formulas)."""
    by_id = {h.id: h for h in list(text_hits) + list(vector_hits)}
    vec = [(h.id, h.score) for h in vector_hits]
    txt = [(h.id, h.score) for h in text_hits]
    if mode == "RRF":
        k = float((args.get("RRF") or {}).get("k", 60))
        ranked = rrf([vec, txt], k=k, one_based=True)
    elif mode == "Weight":
        alpha = float((args.get("Weight") or {}).get("alpha", 0.5))
        similarity = [(i, 1.0 / (1.0 + s)) for i, s in vec] if ascending else vec
        ranked = score_fusion([similarity, txt], weights=[alpha, 1.0 - alpha], normalization="none")
    elif mode == "Cascaded":
        ranked = cascade(txt, {i: (-s if ascending else s) for i, s in vec})
        if ascending:
            ranked = [(i, -s) for i, s in ranked]
    else:
        best: dict[PointId, float] = {}
        for i, s in vec + txt:
            if i not in best or (s < best[i] if ascending else s > best[i]):
                best[i] = s
        ranked = sorted(best.items(), key=lambda kv: kv[1], reverse=not ascending)
    out = []
    for pid, score in ranked[:limit]:
        h = by_id[pid]
        out.append(Hit(pid, score, h.payload, h.vectors))
    return out
