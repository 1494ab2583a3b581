"""Nearest-neighbour search across segments: per segment, filtered HNSW or an exact scan."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Hashable, Iterator, Sequence

import numpy as np
import numpy.typing as npt

from vecbase.core.config import CollectionConfig, Distance, Modifier, full_scan_rows, hnsw_of
from vecbase.core.errors import BadRequestError
from vecbase.core.filter import Filter
from vecbase.core.points import SparseVector
from vecbase.index.dense import SIMD_MIN_DIM, max_sim_score, prepare_query, top_k
from vecbase.index.hnsw import HnswIndex, Selector, exact_top
from vecbase.index.sparse import apply_idf
from vecbase.query.model import NearestQuery, SearchParams, SearchRequest
from vecbase.query.scoring import dense_scores
from vecbase.segment.filtering import filter_mask, filter_offsets
from vecbase.segment.growing import growing_limit
from vecbase.segment.segment import Segment
from vecbase.segment.vectors import DenseStore

F32 = npt.NDArray[np.float32]
# one segment's candidates: offsets, scores, and whether they are already best first
Part = tuple[npt.NDArray[np.int64], F32, bool]


def _segment_scores(
    seg: Segment,
    config: CollectionConfig,
    name: str,
    flt: Filter | None,
    params: SearchParams,
    want: int,
    query: F32 | SparseVector,
    fkey: Hashable,
    best: int,
) -> tuple[npt.NDArray[np.int64], F32, bool]:
    """Offsets of the candidates in one segment that pass the filter, with their scores, and
    whether they are already just the ``best`` ones, best first (then no top-k is needed;
    ``best`` is 0 when every candidate is wanted, for a score threshold)."""
    store = seg.vectors[name]
    offsets, mask, allowed = segment_rows(seg, config, name, flt, fkey)
    if allowed == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32), True
    if mask is not None and isinstance(store, DenseStore) and not isinstance(query, SparseVector):
        planned = _hnsw_candidates(seg, config, name, params, want, query, mask, allowed, fkey)
        if planned is None and name in seg.growing:
            planned = _growing_candidates(seg, config, name, params, want, query, mask, fkey)
        if planned is not None:
            seg.count_search(name, "unfiltered_hnsw" if flt is None else "filtered_large_cardinality")
            return planned
    if isinstance(query, SparseVector):
        seg.count_search(name, "unfiltered_sparse" if flt is None else "filtered_sparse")
        return (*seg.sparse_index(name).score(query, mask if mask is not None else _mask_of(seg.n, offsets)), False)
    seg.count_search(name, scan_path(seg, name, flt, params))
    if offsets is None:
        assert mask is not None
        offsets = np.nonzero(mask)[0]
    vc = config.vectors[name]
    if isinstance(store, DenseStore):
        if offsets.shape[0] * 2 >= seg.n:
            # most rows pass: scoring the whole (contiguous) block beats picking rows
            return offsets, dense_scores(query, store.data[: seg.n], None, vc.distance)[offsets], False
        if best and query.ndim == 1:
            gathered = _gathered(seg, name, store, offsets, fkey) if flt is not None else None
            if gathered is not None:
                top = exact_top(query, gathered[0], gathered[1], best, vc.distance)
                if top is not None:
                    return offsets[top[0]], top[1], True
            top = exact_top(query, store.data, offsets, best, vc.distance)
            if top is not None:
                return top[0], top[1], True
        return offsets, dense_scores(query, store.data, offsets, vc.distance), False
    scores = np.array([max_sim_score(query, store.items[o], vc.distance) for o in offsets], dtype=np.float32)
    return offsets, scores, False


# a selective filter's rows are copied into one block (kept with the filter's other plans)
# when they take at most this many bytes: a scan of a block runs about twice as fast as one
# that picks the same rows out of the whole segment
GATHER_MAX_BYTES = 1 << 20


def _gathered(
    seg: Segment, name: str, store: DenseStore, offsets: npt.NDArray[np.int64], fkey: Hashable
) -> tuple[F32, npt.NDArray[np.int64]] | None:
    """The rows at ``offsets`` as one contiguous block, with their positions in it (0..n-1),
    memoised per filter; None when that would take more than ``GATHER_MAX_BYTES`` or the
    rows are not float32."""
    data = store.data
    if data.dtype != np.float32 or offsets.shape[0] * data.shape[1] * 4 > GATHER_MAX_BYTES:
        return None

    def gather() -> tuple[F32, npt.NDArray[np.int64]]:
        return np.ascontiguousarray(data[offsets]), np.arange(offsets.shape[0], dtype=np.int64)

    return seg.memo(("gathered", name, fkey), gather)


def segment_rows(
    seg: Segment, config: CollectionConfig, name: str, flt: Filter | None, fkey: Hashable
) -> tuple[npt.NDArray[np.int64] | None, npt.NDArray[np.bool_] | None, int]:
    """The rows a search of ``seg`` may return: (offsets or None, mask or None, count); the
    mask is None for filters planned from a posting list (offsets only). Memoised per filter."""
    if flt is None:
        mask, allowed = seg.searchable(name)
        return None, mask, allowed

    def resolve() -> tuple[npt.NDArray[np.int64] | None, npt.NDArray[np.bool_] | None, int]:
        return _allowed(seg, config, name, flt, seg.searchable(name)[0])

    return seg.memo(("allowed", name, fkey), resolve)


def growing_split(
    seg: Segment, name: str, fkey: Hashable, mask: npt.NDArray[np.bool_]
) -> tuple[int, Selector | None, npt.NDArray[np.int64]]:
    """For a search through ``seg``'s growing graph: how many allowed rows the graph holds as
    written, the bitmap selecting them (None when all), and the allowed rows to scan instead
    (past the graph, or written again since). Memoised per filter: a new graph or any write
    changes ``seg.mutations``, which renews it."""
    graph = seg.growing[name]
    store = seg.vectors[name]
    assert isinstance(store, DenseStore)

    def split() -> tuple[int, Selector | None, npt.NDArray[np.int64]]:
        size = graph.size
        inside = mask[:size] & graph.fresh(store)
        count = int(np.count_nonzero(inside))
        outside = mask[: seg.n].copy()
        outside[:size] &= ~inside
        return count, (graph.index.selector(inside) if count != size else None), np.nonzero(outside)[0]

    return seg.memo(("growing", name, fkey), split)


def scan_path(seg: Segment, name: str, flt: Filter | None, params: SearchParams) -> str:
    """Why a segment's search scanned, in the names of Qdrant's per-segment search telemetry:
    asked to (exact), no graph (plain), or a filter too selective for the graph."""
    if params.exact:
        return "unfiltered_exact" if flt is None else "filtered_exact"
    if flt is None:
        return "unfiltered_plain"
    return "filtered_small_cardinality" if name in seg.dense_indexes or name in seg.growing else "filtered_plain"


def filter_key(flt: Filter | None) -> Hashable:
    """A filter as a key of per-segment memos: the filter itself (match values compare with
    their types, so ``MatchValue(True)`` and ``MatchValue(1)`` differ), or its repr when it
    holds something unhashable."""
    try:
        hash(flt)
    except TypeError:
        return repr(flt)
    return flt


def _allowed(
    seg: Segment, config: CollectionConfig, name: str, flt: Filter, searchable: npt.NDArray[np.bool_]
) -> tuple[npt.NDArray[np.int64] | None, npt.NDArray[np.bool_] | None, int]:
    """The rows a filtered search may return: (offsets when the filter listed them, their
    mask when it is computed or the graph will need one, their count)."""
    # a selective indexed condition lists its candidates: no work proportional to the segment
    offsets = filter_offsets(seg, flt, seg.n // 8, within=searchable)
    if offsets is None:
        mask = filter_mask(seg, flt) & searchable
        return None, mask, int(np.count_nonzero(mask))
    graph = name in seg.dense_indexes and offsets.shape[0] >= full_scan_rows(config, name)
    return offsets, _mask_of(seg.n, offsets) if graph else None, offsets.shape[0]


def _mask_of(n: int, offsets: npt.NDArray[np.int64] | None) -> npt.NDArray[np.bool_]:
    mask = np.zeros(n, dtype=bool)
    if offsets is not None:
        mask[offsets] = True
    return mask


def _unindexed_and_large(seg: Segment, config: CollectionConfig, name: str) -> bool:
    """``indexed_only`` skips these: no graph yet, and too big for a plain scan."""
    if name not in config.vectors or name in seg.dense_indexes:
        return False
    return seg.n >= full_scan_rows(config, name)


def _hnsw_candidates(
    seg: Segment,
    config: CollectionConfig,
    name: str,
    params: SearchParams,
    want: int,
    query: F32,
    mask: npt.NDArray[np.bool_],
    allowed: int,
    fkey: Hashable,
) -> tuple[npt.NDArray[np.int64], F32, bool] | None:
    """The planner, as Qdrant's: filtered HNSW when at least ``full_scan_threshold`` worth of
    vectors pass the filter, else None (an exact scan of the allowed rows is cheaper)."""
    index = seg.dense_indexes.get(name)
    if index is None or params.exact or query.ndim != 1 or index.size != seg.n:
        return None
    vc = config.vectors[name]
    h = hnsw_of(config, name)
    if allowed < full_scan_rows(config, name):
        return None
    qp = params.quantization
    if index.quantized:
        if qp.ignore:
            return None  # the original vectors only: an exact scan of the allowed rows
        want = math.ceil(want * max(qp.oversampling, 1.0))
    ef = max(params.hnsw_ef or h.ef_construct, want)  # Qdrant's default hnsw_ef is ef_construct
    selector = None
    if allowed != index.size:

        def build() -> Selector:
            return index.selector(mask)

        selector = seg.memo(("selector", name, fkey, index), build)
    offsets, approx = index.search(query, want, ef, selector)
    if index.exact_scores and query.shape[0] >= SIMD_MIN_DIM:
        return offsets, approx, True
    if index.quantized and not qp.rescore and index.kind != "binary":
        return offsets, approx, False
    store = seg.vectors[name]
    assert isinstance(store, DenseStore)
    # exact scores from the stored vectors, so indexed and plain segments rank alike
    return offsets, dense_scores(query, store.data, offsets, vc.distance), False


def _growing_candidates(
    seg: Segment,
    config: CollectionConfig,
    name: str,
    params: SearchParams,
    want: int,
    query: F32,
    mask: npt.NDArray[np.bool_],
    fkey: Hashable,
) -> tuple[npt.NDArray[np.int64], F32, bool] | None:
    """An appendable segment's search through its growing graph: the graph for the allowed
    rows it holds as written, an exact scan for the rest (rows past it, rows written again);
    None when too few allowed rows are in the graph for a walk to beat a scan."""
    if params.exact or query.ndim != 1 or want <= 0:
        return None
    graph = seg.growing[name]
    store = seg.vectors[name]
    assert isinstance(store, DenseStore)

    count, selector, rest = growing_split(seg, name, fkey, mask)
    verdict = graph.probe.verdict
    if verdict is False or count < growing_limit(config, name):
        return None
    distance = config.vectors[name].distance
    default_ef = hnsw_of(config, name).ef_construct
    if verdict is None:
        # on trial: the answer comes from the exact scan, the walk (at the default ef: the
        # trial judges the graph, not a query's chosen trade-off) is only compared with it
        offsets = graph.index.search(query, want, max(default_ef, want), selector)[0]
        exact = dense_scores(query, store.data[: graph.size], None, distance)
        ok = mask[: graph.size] & graph.fresh(store)
        allowed = np.nonzero(ok)[0]
        best = allowed[top_k(exact[allowed], min(want, allowed.shape[0]), distance.smaller_is_better)]
        graph.probe.record(len(set(offsets.tolist()) & set(best.tolist())), best.shape[0])
        return None
    offsets, scores = graph.index.search(query, want, max(params.hnsw_ef or default_ef, want), selector)
    return walked(query, store, distance, offsets, scores, graph.index, rest)


def walked(
    query: F32,
    store: DenseStore,
    distance: Distance,
    offsets: npt.NDArray[np.int64],
    scores: F32,
    graph: HnswIndex,
    rest: npt.NDArray[np.int64] | None,
) -> Part:
    """A growing graph's walk as a segment's candidates: scores made exact where the graph's
    are not, and the allowed rows outside the graph (``rest``) scanned after them."""
    exact = graph.exact_scores and query.shape[0] >= SIMD_MIN_DIM
    if not exact:
        scores = dense_scores(query, store.data, offsets, distance)
    if rest is None or not rest.shape[0]:
        return offsets, scores, exact
    tail = dense_scores(query, store.data, rest, distance)
    return np.concatenate([offsets, rest]), np.concatenate([scores, tail]), False


def _document_frequencies(
    segments: Sequence[Segment], name: str, indices: list[int], corpus: Filter | None
) -> tuple[dict[int, int], int]:
    """Per-term document frequencies and the document count over the IDF corpus: every live
    point with the vector, or those of them that match ``corpus``."""
    wanted = sorted(set(indices))
    freq = dict.fromkeys(wanted, 0)
    docs = 0
    for seg in segments:
        if not seg.n:
            continue
        live = seg.live_mask()
        if corpus is not None:
            live = live & filter_mask(seg, corpus)
        index = seg.sparse_index(name)
        docs += int(np.count_nonzero(live[: index.holders.shape[0]] & index.holders))
        # posting lengths of the inverted index: no pass over the segment's vectors
        for dim, count in zip(wanted, index.document_frequencies(wanted, live)):
            freq[dim] += count
    return freq, docs


def prepared_query(
    segments: Sequence[Segment], config: CollectionConfig, q: NearestQuery, idf_corpus: Filter | None = None
) -> F32 | SparseVector:
    name, vector = q.using, q.vector
    vc = config.vectors.get(name)
    idf = vc is None and config.sparse_vectors[name].modifier is Modifier.IDF
    if idf_corpus is not None and not idf:
        raise BadRequestError(
            f"Bad request: an IDF corpus applies to sparse vectors with the `idf` modifier only; `{name}` has none"
        )
    if vc is None:  # a sparse vector (callers have checked that the name exists)
        if not isinstance(vector, SparseVector):
            raise BadRequestError(f"Vector `{name}` is sparse, a sparse query vector is expected")
        if idf:
            freq, docs = _document_frequencies(segments, name, vector.indices.tolist(), idf_corpus)
            vector = apply_idf(vector, freq, docs)
        return vector
    if isinstance(vector, SparseVector):
        raise BadRequestError(f"Vector `{name}` is dense, a sparse query vector was given")
    if vc.multivector:
        if vector.ndim == 1:
            vector = vector[np.newaxis, :]
        if vector.shape[1] != vc.size:
            raise BadRequestError(
                f"Wrong input: Vector dimension error: expected dim: {vc.size}, got {vector.shape[1]}"
            )
        return np.stack([prepare_query(r, vc.distance) for r in vector]).astype(np.float32)
    if vector.ndim != 1:
        raise BadRequestError(f"Vector `{name}` is a single vector, a multivector query was given")
    if vector.shape[0] != vc.size:
        raise BadRequestError(f"Wrong input: Vector dimension error: expected dim: {vc.size}, got {vector.shape[0]}")
    return prepare_query(vector, vc.distance)


Hit = tuple[Segment, int, float]


@dataclass(slots=True)
class Hits:
    """The best hits of a search, best first, as columns (the result path reads them per
    segment); iterating gives ``(segment, offset, score)`` tuples."""

    segments: list[Segment]
    offsets: list[int]
    scores: list[float]

    def __len__(self) -> int:
        return len(self.offsets)

    def __iter__(self) -> Iterator[Hit]:
        return zip(self.segments, self.offsets, self.scores)

    def drop(self, n: int) -> Hits:
        """These hits without the first ``n`` (a request's offset)."""
        return Hits(self.segments[n:], self.offsets[n:], self.scores[n:]) if n else self


def check_vector_name(config: CollectionConfig, name: str) -> None:
    if name not in config.vectors and name not in config.sparse_vectors:
        raise BadRequestError(f"Wrong input: Not existing vector name error: {name}")


def search_hits(segments: Sequence[Segment], config: CollectionConfig, req: SearchRequest) -> Hits:
    """The best ``offset + limit`` hits (offset already dropped), best first."""
    return nearest_hits(segments, config, req.query, req.filter, req.limit, req.offset, req.score_threshold, req.params)


def nearest_hits(
    segments: Sequence[Segment],
    config: CollectionConfig,
    nearest: NearestQuery,
    flt: Filter | None,
    limit: int,
    offset: int,
    threshold: float | None,
    params: SearchParams,
) -> Hits:
    """``search_hits`` with the request's fields as arguments (the query hot path)."""
    name = nearest.using
    vc = config.vectors.get(name)
    if vc is None:
        check_vector_name(config, name)
    query = prepared_query(segments, config, nearest, params.idf_corpus)
    smaller = vc is not None and vc.distance.smaller_is_better
    want = offset + limit
    fkey = filter_key(flt)
    parts: list[tuple[Segment, npt.NDArray[np.int64], F32]] = []
    for seg in segments:
        if not len(seg.ids) or (params.indexed_only and _unindexed_and_large(seg, config, name)):
            continue
        found = _segment_scores(seg, config, name, flt, params, want, query, fkey, want if threshold is None else 0)
        parts.append(best_part(seg, found, threshold, want, smaller))
    return merge_parts(parts, want, smaller).drop(offset)


def best_part(
    seg: Segment, found: Part, threshold: float | None, want: int, smaller: bool
) -> tuple[Segment, npt.NDArray[np.int64], F32]:
    """One segment's candidates past the score threshold, its best ``want`` first (already so
    when ``found`` says they are ranked: ``merge_parts`` keeps the first ``want``)."""
    offsets, scores, ranked = found
    if threshold is not None:
        keep = scores < threshold if smaller else scores > threshold
        offsets, scores = offsets[keep], scores[keep]
    if ranked:
        return seg, offsets, scores
    best = top_k(scores, want, smaller)
    return seg, offsets[best], scores[best]


def merge_parts(parts: Sequence[tuple[Segment, npt.NDArray[np.int64], F32]], want: int, smaller: bool) -> Hits:
    if not parts:
        return Hits([], [], [])
    if len(parts) == 1:  # already ordered best first by the segment's top-k
        seg, offs1, scores1 = parts[0]
        if offs1.shape[0] > want:
            offs1, scores1 = offs1[:want], scores1[:want]
        offsets: list[int] = offs1.tolist()
        return Hits([seg] * len(offsets), offsets, scores1.tolist())
    seg_idx = np.concatenate([np.full(p[1].shape[0], i) for i, p in enumerate(parts)])
    offs = np.concatenate([p[1] for p in parts])
    scores = np.concatenate([p[2] for p in parts])
    order = top_k(scores, want, smaller)
    segs = [parts[i][0] for i in seg_idx[order].tolist()]
    return Hits(segs, offs[order].tolist(), scores[order].tolist())
