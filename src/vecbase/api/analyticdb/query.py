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

A ``Metrics`` other than the collection's index metric scores every row the filter admits
exactly (AnalyticDB falls back to a sequential scan the same way), on the vectors as they
were written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np

from vecbase.api.analyticdb.collections import DENSE, METRICS, written_vectors
from vecbase.api.analyticdb.tenancy import Schema
from vecbase.api.analyticdb.wire import AdbError, Params
from vecbase.core.filter import Filter, HasId, and_filters
from vecbase.core.ids import PointId
from vecbase.core.points import ScoredColumns, SparseVector
from vecbase.engine.collection import Collection
from vecbase.query.fusion import cascade, rrf, score_fusion
from vecbase.query.model import NearestQuery, QueryNode, ScrollRequest, SearchParams, WithPayload, WithVectors

HYBRID_MODES = ("", "RRF", "Weight", "Cascaded")


def hybrid_mode(p: Params) -> str:
    """``HybridSearch``: empty (raw scores compared), ``RRF``, ``Weight`` or ``Cascaded``."""
    mode = p.text("HybridSearch") or ""
    if mode not in HYBRID_MODES:
        raise AdbError("InvalidParameter", f"HybridSearch must be one of RRF, Weight, Cascaded, got {mode!r}.")
    return mode


def query_metric(p: Params, schema: Schema) -> str:
    """The query's ``Metrics``, the collection's index metric when it names none."""
    metrics = (p.text("Metrics") or schema.metrics).lower()
    if metrics not in METRICS:
        raise AdbError("InvalidParameter", f"Metrics must be l2, ip or cosine, got {metrics!r}.")
    return metrics


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


_SCAN_PAGE = 4096


def scan_path(
    col: Collection,
    metric: str,
    dense: np.ndarray[Any, Any],
    flt: Filter | None,
    limit: int,
    with_vectors: WithVectors,
) -> list[Hit]:
    """The top ``limit`` rows by ``metric`` (l2 distance, inner product or cosine similarity)
    over every row ``flt`` admits, computed on the written vectors."""
    ids: list[PointId] = []
    payloads: list[dict[str, Any]] = []
    blocks: list[np.ndarray[Any, Any]] = []
    offset: PointId | None = None
    while True:
        records, offset = col.scroll(
            ScrollRequest(flt, _SCAN_PAGE, offset, None, WithPayload(True), WithVectors(True, (DENSE,)))
        )
        page = [r for r in records if r.vectors and r.vectors.get(DENSE) is not None]
        if page:
            ids.extend(r.id for r in page)
            payloads.extend(dict(r.payload or {}) for r in page)
            stored = np.stack([np.asarray(r.vectors[DENSE], dtype=np.float32) for r in page if r.vectors])
            blocks.append(written_vectors(payloads[len(payloads) - len(page) :], stored))
        if offset is None:
            break
    if not ids:
        return []
    matrix = np.concatenate(blocks)
    query = np.asarray(dense, dtype=np.float32)
    if metric == "l2":
        scores = np.sqrt(np.maximum(((matrix - query) ** 2).sum(axis=1), 0.0))
        order = np.argsort(scores, kind="stable")[:limit]
    else:
        scores = matrix @ query
        if metric == "cosine":
            scale = np.linalg.norm(matrix, axis=1) * float(np.linalg.norm(query))
            scores = np.divide(scores, scale, out=np.zeros_like(scores), where=scale > 0)
        order = np.argsort(-scores, kind="stable")[:limit]
    return [
        Hit(ids[i], float(scores[i]), payloads[i], {DENSE: matrix[i]} if with_vectors.wants(DENSE) else {})
        for i in order
    ]


def vector_path(
    col: Collection,
    dense: Any | None,
    sparse: SparseVector | None,
    flt: Filter | None,
    limit: int,
    with_vectors: WithVectors,
    ascending: bool,
    exact: bool = False,
    metric: str | None = None,
) -> list[Hit]:
    """Dense, sparse, or both added: the sparse score of each dense hit comes from a second
    search restricted to those hits. ``metric``: score the dense path by this metric instead
    of the index's (a full scan)."""
    if dense is None:
        return search_path(col, "sparse", sparse, flt, limit, with_vectors)
    if metric is not None:
        hits = scan_path(col, metric, dense, flt, limit, with_vectors)
    else:
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
    """QueryCollectionData's two paths as one list (see the module's formulas)."""
    return fuse_paths(mode, args, {"dense": vector_hits, "fulltext": text_hits}, ascending, limit)


def fuse_paths(
    mode: str,
    args: dict[str, Any],
    paths: Mapping[str, Sequence[Hit]],
    ascending: bool,
    limit: int,
) -> list[Hit]:
    """Named result lists (``dense``, ``sparse``, ``fulltext``, in that order) as one.

    ``ascending``: the ``dense`` path's scores are l2 distances. ``Weight`` takes ``alpha``
    for two paths (``alpha * first + (1 - alpha) * second``) or one weight per path name
    (``{"dense": 0.5, "sparse": 0.3, "fulltext": 0.2}``); ``Cascaded`` orders the
    ``fulltext`` candidates by the other path's score."""
    names = list(paths)
    lists = {
        name: [
            (h.id, (1.0 / (1.0 + h.score) if ascending and name == "dense" and mode == "Weight" else h.score))
            for h in hits
        ]
        for name, hits in paths.items()
    }
    by_id = {h.id: h for hits in reversed(list(paths.values())) for h in hits}
    if mode == "RRF":
        k = float((args.get("RRF") or {}).get("k", 60))
        ranked = rrf([lists[n] for n in names], k=k, one_based=True)
    elif mode == "Weight":
        ranked = score_fusion([lists[n] for n in names], weights=path_weights(args, names), normalization="none")
    elif mode == "Cascaded":
        others = [n for n in names if n != "fulltext"]
        if "fulltext" not in paths or len(others) != 1:
            raise AdbError("InvalidParameter", "Cascaded search needs the fulltext path and one vector path.")
        second = lists[others[0]]
        flip = ascending and others[0] == "dense"
        ranked = cascade(lists["fulltext"], {i: (-s if flip else s) for i, s in second})
        if flip:
            ranked = [(i, -s) for i, s in ranked]
    else:
        best: dict[PointId, float] = {}
        for name in names:
            for i, s in lists[name]:
                if i not in best or (s < best[i] if ascending else s > best[i]):
                    best[i] = s
        ranked = sorted(best.items(), key=lambda kv: kv[1], reverse=not ascending)
    return [Hit(pid, score, by_id[pid].payload, by_id[pid].vectors) for pid, score in ranked[:limit]]


def path_weights(args: dict[str, Any], names: Sequence[str]) -> list[float]:
    """The ``Weight`` mode's weights, one per path (see ``fuse_paths``)."""
    setting = args.get("Weight") or {}
    if not isinstance(setting, dict):
        raise AdbError("InvalidParameter", "HybridSearchArgs.Weight must be an object.")
    named = {n: setting[n] for n in names if n in setting}
    if named:
        if set(named) != set(names):
            raise AdbError(
                "InvalidParameter", f"HybridSearchArgs.Weight needs a weight for each path: {', '.join(names)}."
            )
        weights = [named[n] for n in names]
    else:
        alpha = setting.get("alpha", 0.5)
        if len(names) != 2:
            raise AdbError(
                "InvalidParameter", f"With {len(names)} paths, give HybridSearchArgs.Weight one weight per path."
            )
        weights = [alpha, 1.0 - float(alpha) if isinstance(alpha, (int, float)) else alpha]
    if not all(isinstance(w, (int, float)) and not isinstance(w, bool) and 0 <= w <= 1 for w in weights):
        raise AdbError("InvalidParameter", "HybridSearchArgs.Weight values must be numbers between 0 and 1.")
    return [float(w) for w in weights]
