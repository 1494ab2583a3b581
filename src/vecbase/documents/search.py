"""Search over a store's chunks: BM25 and dense candidates from the engine, fused.

For each query text, the engine returns the top ``candidates`` chunks by BM25 (the query
analysed in the language its script suggests) and, when the dense model knows that language,
the top ``candidates`` by cosine similarity, both under the same filter. Then, per ranker:

- ``auto`` / ``default-2024-11-15`` (hybrid): each list's scores are normalised by their
  distribution (DBSF: ``(s - (mean - 3 std)) / (6 std)``, clipped to [0, 1]) and a chunk's
  score is the arithmetic mean of its two normalised scores (0 for a list that lacks it).
  When the dense model does not know the query's language (MiniLM is English-only), the
  dense list is left out and the score is the normalised BM25 score alone: an equal-weight
  fusion with a model that cannot read the query would only add noise.
- ``none``: the same candidates (both lists' union) without fusion: ordered by cosine
  similarity to the query (clipped to [0, 1]), or by normalised BM25 when the dense model does
  not apply.

Scores therefore lie in [0, 1]; ``score_threshold`` drops chunks below it. With several
query texts a chunk keeps its best score.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from vecbase.analysis.scripts import guess_language
from vecbase.core.filter import Filter, HasId, and_filters
from vecbase.core.ids import PointId
from vecbase.documents.ingest import DENSE, SPARSE, Models
from vecbase.engine.collection import Collection
from vecbase.query.fusion import normalize, score_fusion
from vecbase.query.model import NearestQuery, QueryNode, WithPayload

RANKERS = ("auto", "default-2024-11-15", "none")
# the languages the packaged dense model was trained on
DENSE_LANGUAGES = {"english"}


@dataclass(frozen=True, slots=True)
class SearchHit:
    file_id: str
    filename: str
    score: float
    attributes: Mapping[str, Any]
    text: str
    chunk: int


def _dense_applies(models: Models, text: str) -> bool:
    language = guess_language(text)
    return models.dense_name is not None and (language is None or language in DENSE_LANGUAGES)


def _ranked(col: Collection, node: QueryNode, payloads: dict[PointId, Any]) -> list[tuple[PointId, float]]:
    found = col.query(node)
    for pid, payload in zip(found.ids, found.payloads or [{}] * len(found.ids)):
        payloads.setdefault(pid, payload)
    return list(zip(found.ids, found.scores))


def _one(
    col: Collection,
    models: Models,
    text: str,
    flt: Filter | None,
    candidates: int,
    ranker: str,
    payloads: dict[PointId, Any],
) -> list[tuple[PointId, float]]:
    with_payload = WithPayload(True)
    sparse = models.sparse([text], query=True)[0]
    bm25: list[tuple[PointId, float]] = []
    if sparse.indices.shape[0]:
        node = QueryNode(NearestQuery(SPARSE, sparse), filter=flt, limit=candidates, with_payload=with_payload)
        bm25 = _ranked(col, node, payloads)
    if not _dense_applies(models, text):
        return sorted(normalize(bm25, "dbsf").items(), key=lambda kv: kv[1], reverse=True)
    vector = models.registry.get(models.dense_name or "").embed([text], None, query=True)[0]
    node = QueryNode(NearestQuery(DENSE, vector), filter=flt, limit=candidates, with_payload=with_payload)
    dense = _ranked(col, node, payloads)
    if ranker != "none":
        return score_fusion([bm25, dense], normalization="dbsf", combination="arithmetic")
    scored = dict(dense)
    missing = frozenset(pid for pid, _ in bm25 if pid not in scored)
    if missing:
        only = and_filters(flt, Filter(must=(HasId(missing),)))
        node = QueryNode(NearestQuery(DENSE, vector), filter=only, limit=len(missing), with_payload=with_payload)
        scored.update(_ranked(col, node, payloads))
    clipped = {pid: min(1.0, max(0.0, s)) for pid, s in scored.items()}
    return sorted(clipped.items(), key=lambda kv: kv[1], reverse=True)


def search(
    col: Collection,
    models: Models,
    queries: Sequence[str],
    flt: Filter | None,
    limit: int,
    ranker: str = "auto",
    score_threshold: float = 0.0,
    candidates: int = 100,
) -> list[SearchHit]:
    payloads: dict[PointId, Any] = {}
    best: dict[PointId, float] = {}
    for text in queries:
        for pid, score in _one(col, models, text, flt, max(candidates, limit), ranker, payloads):
            if score > best.get(pid, -1.0):
                best[pid] = score
    ranked = sorted(best.items(), key=lambda kv: kv[1], reverse=True)
    hits = []
    for pid, score in ranked:
        if score < score_threshold:
            break
        p = payloads[pid] or {}
        hits.append(
            SearchHit(
                file_id=p.get("file_id", ""),
                filename=p.get("filename", ""),
                score=score,
                attributes=p.get("attributes") or {},
                text=p.get("text", ""),
                chunk=int(p.get("chunk", 0)),
            )
        )
        if len(hits) == limit:
            break
    return hits
