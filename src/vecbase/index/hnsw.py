"""The dense ANN index: HNSW graphs built with faiss. The only module that imports faiss.

Its exact twin is ``vecbase.index.dense`` (brute force), which serves small segments and very
selective filters, and is the recall oracle in the tests. Filters reach faiss as id bitmaps
(``IDSelectorBitmap``), never as Python callbacks. Scores come back in Qdrant's conventions:
similarities for Cosine and Dot (vectors pre-normalised for Cosine), distances for Euclid
(square root of faiss's squared L2) and Manhattan.

Quantization changes what the graph stores and compares: ``scalar`` (int8 per dimension),
``product`` (PQ codes) or ``binary`` (one sign bit per dimension, Hamming distance). Quantized
searches return approximate candidates; callers rescore them with the original vectors.
"""

from __future__ import annotations

import struct
import threading
from typing import Any, Mapping

import faiss
import numpy as np
import numpy.typing as npt

from vecbase.core.config import Distance
from vecbase.index.dense import SIMD_MIN_DIM

F32 = npt.NDArray[np.float32]
I64 = npt.NDArray[np.int64]

_METRIC = {
    Distance.COSINE: faiss.METRIC_INNER_PRODUCT,
    Distance.DOT: faiss.METRIC_L2,  # via the augmentation below
    Distance.EUCLID: faiss.METRIC_L2,
    Distance.MANHATTAN: faiss.METRIC_L1,
}
_KINDS = ("flat", "scalar", "product", "binary")
_COMPRESSION = {"x4": 4, "x8": 8, "x16": 16, "x32": 32, "x64": 64}
_PQ_MIN_TRAIN = 256 * 39  # faiss wants ~39 points per centroid
_threads_lock = threading.Lock()
# the SWIG extension itself: faiss's Python-level wrappers of these free functions only pass
# their arguments on, and a query makes several such calls
_native: Any = faiss._swigfaiss  # type: ignore[attr-defined]
_ptr = _native.swig_ptr


def set_build_threads(n: int) -> None:
    """faiss's OpenMP pool is process-wide; index builds use ``n`` threads."""
    with _threads_lock:
        faiss.omp_set_num_threads(max(1, n))


def _kind_of(quantization: Mapping[str, Any] | None, n: int, dim: int) -> tuple[str, int]:
    """(storage kind, PQ sub-quantizer count) for a quantization config; unsupported shapes
    (too few points to train PQ, dimensions not divisible) fall back to a flat graph."""
    if not quantization:
        return "flat", 0
    if "scalar" in quantization:
        return "scalar", 0
    if "binary" in quantization:
        return ("binary", 0) if dim % 8 == 0 else ("flat", 0)
    if "product" in quantization:
        ratio = _COMPRESSION.get(str(quantization["product"].get("compression", "x16")), 16)
        return ("product", max(1, dim * 4 // ratio)) if n >= _PQ_MIN_TRAIN else ("flat", 0)
    return "flat", 0


class Selector:
    """The rows a filtered search may return, as faiss's id bitmap; build once, reuse for every
    query with the same filter (the bitmap must outlive the faiss selector that points to it)."""

    def __init__(self, allowed: npt.NDArray[np.bool_], size: int) -> None:
        self.bitmap = np.packbits(allowed[:size], bitorder="little")
        self.ids = faiss.IDSelectorBitmap(size, faiss.swig_ptr(self.bitmap))
        self._params: dict[int, Any] = {}

    def params(self, ef: int) -> Any:
        p = self._params.get(ef)
        if p is None:
            p = self._params[ef] = faiss.SearchParametersHNSW(efSearch=ef, sel=self.ids)  # type: ignore[attr-defined]
        return p


class _OwnedRows:
    """faiss-owned float32 rows exposed to numpy with their owner attached: arrays made
    from it hold this object as their base, and through it the owner."""

    def __init__(self, owner: Any, address: int, shape: tuple[int, int], readonly: bool) -> None:
        self.owner = owner
        self.__array_interface__ = {"data": (address, readonly), "shape": shape, "typestr": "<f4", "version": 3}


class HnswIndex:
    """An HNSW graph over rows 0..n-1 of one segment's vectors (row number = segment offset)."""

    def __init__(self, index: Any, distance: Distance, kind: str = "flat", max_norm_sq: float = 0.0) -> None:
        self.index = index
        self.distance = distance
        self.kind = kind
        # Dot (maximum inner product) is searched as L2 on vectors augmented with one extra
        # coordinate sqrt(M^2 - |x|^2): |q' - x'|^2 = |q|^2 + M^2 - 2 q.x, so L2 order is
        # dot order, and HNSW keeps its recall on unnormalised data
        self.max_norm_sq = max_norm_sq
        self._plain_params: dict[int, Any] = {}  # unfiltered search parameters by ef
        self.size = int(index.ntotal)  # graphs are built once and never grow
        # the mapped file (and its reader) whose bytes a mapped graph reads its vectors from
        self._mapping: tuple[Any, ...] | None = None

    @property
    def mapped(self) -> bool:
        """Whether the graph's vectors are read in place from a mapped file (``on_disk``)."""
        return self._mapping is not None

    @property
    def quantized(self) -> bool:
        return self.kind != "flat"

    @classmethod
    def build(
        cls,
        vectors: F32,
        distance: Distance,
        m: int,
        ef_construct: int,
        quantization: Mapping[str, Any] | None = None,
    ) -> HnswIndex:
        data = np.ascontiguousarray(vectors, dtype=np.float32)
        kind, pq_m = _kind_of(quantization, data.shape[0], data.shape[1])
        m = max(2, m)
        if kind == "binary":
            index: Any = faiss.IndexBinaryHNSW(data.shape[1], m)
            index.hnsw.efConstruction = max(ef_construct, 4)
            index.add(np.packbits(data > 0, axis=1))
            return cls(index, distance, kind)
        max_norm_sq = 0.0
        if distance is Distance.DOT:
            norms = np.einsum("ij,ij->i", data, data).astype(np.float64)
            max_norm_sq = float(norms.max()) if norms.size else 0.0
            extra = np.sqrt(np.maximum(max_norm_sq - norms, 0.0)).astype(np.float32)
            data = np.ascontiguousarray(np.hstack([data, extra[:, None]]))
        d, metric = data.shape[1], _METRIC[distance]
        if kind == "scalar":
            index = faiss.IndexHNSWSQ(d, faiss.ScalarQuantizer.QT_8bit, m, metric)  # type: ignore[arg-type]
        elif kind == "product" and metric != faiss.METRIC_L1:
            while pq_m > 1 and d % pq_m:
                pq_m -= 1
            index = faiss.IndexHNSWPQ(d, pq_m, m, 8, metric)  # type: ignore[arg-type,call-arg]
        else:
            kind = "flat"
            index = faiss.IndexHNSWFlat(d, m, metric)
        index.hnsw.efConstruction = max(ef_construct, 4)
        if kind != "flat":
            index.train(data)
        index.add(data)
        return cls(index, distance, kind, max_norm_sq)

    def grown(self, rows: F32) -> HnswIndex:
        """A copy of this graph with ``rows`` added as the next offsets (the growing graph of an
        appendable segment): searches keep using this one while the copy grows. Flat graphs
        without the Dot augmentation only (its norm bound is fixed at build)."""
        if not HnswIndex.can_grow(self.distance) or self.kind != "flat":
            raise ValueError("only flat graphs of Cosine or Euclid vectors grow")
        copy = faiss.clone_index(self.index)
        data = np.ascontiguousarray(rows, dtype=np.float32)
        if data.shape[0]:
            copy.add(data)
        return HnswIndex(copy, self.distance, self.kind)

    def walk_order(self) -> I64 | None:
        """A row order that puts rows a walk visits together next to each other in memory:
        breadth first through the bottom layer from the entry point (rows linked to none
        come last). Laid out in this order (``permuted``), a walk touches fewer cache lines
        and pages: about a quarter less time per query at 100k x 128. None for graphs that
        cannot be permuted (binary ones)."""
        if self.kind == "binary" or self.size == 0:
            return None
        hnsw = self.index.hnsw
        n = self.size
        starts = faiss.vector_to_array(hnsw.offsets)[:n].astype(np.int64)
        links = faiss.vector_to_array(hnsw.neighbors)
        width = np.arange(hnsw.nb_neighbors(0), dtype=np.int64)
        seen = np.zeros(n, dtype=bool)
        parts = []
        frontier = np.array([max(int(hnsw.entry_point), 0)], dtype=np.int64)
        seen[frontier] = True
        while frontier.size:
            parts.append(frontier)
            linked = links[(starts[frontier][:, None] + width).ravel()]
            linked = linked[linked >= 0]
            linked = linked[~seen[linked]]
            # each newly reached row once, in the order its first linker was visited
            _, first = np.unique(linked, return_index=True)
            frontier = linked[np.sort(first)].astype(np.int64)
            seen[frontier] = True
        parts.append(np.nonzero(~seen)[0].astype(np.int64))
        return np.concatenate(parts)

    def lay_out(self, order: I64) -> None:
        """Lay this graph's rows out in ``order`` (new row i is old row ``order[i]``), links and
        stored vectors alike, in place: for a graph nothing searches or views yet (a merge's
        new graph), since row numbers and ``stored_vectors`` change under it."""
        if self.kind == "binary" or self._mapping is not None:
            raise ValueError("only in-memory graphs of float or quantized rows are laid out")
        self.index.permute_entries(np.ascontiguousarray(order, dtype=np.int64))

    @staticmethod
    def can_grow(distance: Distance, quantization: Mapping[str, Any] | None = None) -> bool:
        """Whether ``build`` makes a graph that ``grown`` may extend: a flat one of Cosine or
        Euclid (Dot's augmentation fixes a norm bound at build)."""
        return distance in (Distance.COSINE, Distance.EUCLID) and _kind_of(quantization, 0, 8)[0] == "flat"

    @property
    def exact_scores(self) -> bool:
        """Whether search scores are the exact Qdrant scores (no rescoring needed): a flat
        graph compares the original vectors, except Dot, whose scores come back from the
        augmented L2 distance with rounding error."""
        return self.kind == "flat" and self.distance is not Distance.DOT

    def selector(self, allowed: npt.NDArray[np.bool_]) -> Selector:
        return Selector(allowed, self.size)

    def search(self, query: F32, k: int, ef: int, allowed: npt.NDArray[np.bool_] | Selector | None) -> tuple[I64, F32]:
        """Offsets and scores of up to ``k`` nearest rows, best first; ``allowed`` (a mask or a
        prepared ``selector``) limits the rows. Scores are exact when ``exact_scores``, else
        approximate (for ranking only)."""
        k = min(k, self.size)
        if k <= 0:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        ef = max(ef, k)
        sel = allowed if allowed is None or isinstance(allowed, Selector) else Selector(allowed, self.size)
        params = self._params(ef, sel)
        labels = np.empty(k, dtype=np.int64)
        if self.kind == "binary":
            codes = np.packbits(query.reshape(1, -1) > 0, axis=1)
            hamming = np.empty(k, dtype=np.int32)
            self.index.search_c(1, _ptr(codes), k, _ptr(hamming), _ptr(labels), params)
            keep = labels >= 0
            return labels[keep], -hamming[keep].astype(np.float32)
        q = query if query.dtype == np.float32 and query.flags.c_contiguous else np.ascontiguousarray(query, np.float32)
        if self.distance is Distance.DOT:
            q = np.append(q, np.float32(0.0))
        distances = np.empty(k, dtype=np.float32)
        # the raw call: faiss's Python wrapper re-checks and reallocates on every query
        self.index.search_c(1, _ptr(q), k, _ptr(distances), _ptr(labels), params)
        if labels[k - 1] < 0:
            keep = labels >= 0
            labels, distances = labels[keep], distances[keep]
        if self.distance is Distance.EUCLID:  # sums of squares (flat or coded): never negative
            return labels, np.sqrt(distances, out=distances)
        if self.distance is Distance.DOT:
            raw = (float(np.dot(query, query)) + self.max_norm_sq - distances.astype(np.float64)) / 2.0
            return labels, raw.astype(np.float32)
        return labels, distances

    def _params(self, ef: int, allowed: Selector | None) -> Any:
        """faiss's search parameters for ``ef``, with the filter's bitmap; kept per ef."""
        if allowed is not None:
            return allowed.params(ef)
        params = self._plain_params.get(ef)
        if params is None:
            params = self._plain_params[ef] = faiss.SearchParametersHNSW(efSearch=ef)  # type: ignore[attr-defined]
        return params

    def search_batch(self, queries: F32, k: int, ef: int, allowed: Selector | None) -> list[tuple[I64, F32]]:
        """``search`` for each row of ``queries`` in one faiss call (its threads split the
        queries): per query, offsets and scores best first, as ``search`` returns them."""
        nq = queries.shape[0]
        k = min(k, self.size)
        if k <= 0 or nq == 0:
            return [(np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)) for _ in range(nq)]
        if self.kind == "binary":
            return [self.search(q, k, ef, allowed) for q in queries]
        params = self._params(max(ef, k), allowed)
        q = np.ascontiguousarray(queries, dtype=np.float32)
        if self.distance is Distance.DOT:
            q = np.ascontiguousarray(np.hstack([q, np.zeros((nq, 1), dtype=np.float32)]))
        labels = np.empty((nq, k), dtype=np.int64)
        distances = np.empty((nq, k), dtype=np.float32)
        self.index.search_c(nq, _ptr(q), k, _ptr(distances), _ptr(labels), params)
        if self.distance is Distance.EUCLID:
            np.sqrt(np.maximum(distances, 0.0, out=distances), out=distances)
        elif self.distance is Distance.DOT:
            sq = np.einsum("ij,ij->i", queries, queries).astype(np.float64)
            distances = ((sq[:, None] + self.max_norm_sq - distances.astype(np.float64)) / 2.0).astype(np.float32)
        out = []
        for row_labels, row_scores in zip(labels, distances):
            if row_labels[k - 1] < 0:
                keep = row_labels >= 0
                row_labels, row_scores = row_labels[keep], row_scores[keep]
            out.append((row_labels, row_scores))
        return out

    def stored_vectors(self) -> F32 | None:
        """The flat graph's own copy of the vectors (rows in insertion order), as a zero-copy
        view: a sealed segment serves exact scans and rescoring from it instead of a second
        copy. None for quantized graphs. The view keeps this index (and its mapped file)
        alive, so it stays valid however long a reader holds it."""
        if self.kind != "flat":
            return None
        storage = faiss.downcast_index(self.index.storage)
        dim = storage.d
        flat = faiss.rev_swig_ptr(storage.get_xb(), self.size * dim)  # type: ignore[attr-defined]
        # read-only when mapped: the pages are, and a write must raise rather than fault
        owned = _OwnedRows(self, int(flat.ctypes.data), (self.size, dim), readonly=self.mapped)
        rows: F32 = np.asarray(owned)
        return rows[:, :-1] if self.distance is Distance.DOT else rows

    def to_bytes(self) -> bytes:
        header = struct.pack("<dB", self.max_norm_sq, _KINDS.index(self.kind))
        body = faiss.serialize_index_binary(self.index) if self.kind == "binary" else faiss.serialize_index(self.index)
        return header + bytes(body)

    @classmethod
    def from_mapped(cls, data: npt.NDArray[np.uint8], distance: Distance) -> HnswIndex:
        """A graph from a mapped file holding ``to_bytes()``: the vectors (or codes) are read
        in place from the mapping through faiss's zero-copy reader (the links too), so the
        mapping must outlive the graph: it is kept with it. Binary graphs are copied, as
        ``from_bytes`` does."""
        max_norm_sq, kind_no = struct.unpack("<dB", bytes(data[:9]))
        kind = _KINDS[kind_no]
        if kind == "binary":
            return cls.from_bytes(bytes(data), distance)
        body = data[9:]
        reader = faiss.ZeroCopyIOReader(_ptr(body), body.size)  # type: ignore[attr-defined]
        index = faiss.read_index(reader, faiss.IO_FLAG_MMAP_IFC)
        graph = cls(index, distance, kind, max_norm_sq)
        graph._mapping = (data, reader)
        return graph

    @classmethod
    def from_bytes(cls, data: bytes | npt.NDArray[np.uint8], distance: Distance) -> HnswIndex:
        """A graph from ``to_bytes()`` output (bytes, or a mapped file's array): copied into
        memory, so the input may go away afterwards."""
        max_norm_sq, kind_no = struct.unpack("<dB", bytes(data[:9]))
        kind = _KINDS[kind_no]
        # a view of the input, not a copy of it (slicing bytes would copy)
        body = data[9:] if isinstance(data, np.ndarray) else np.frombuffer(memoryview(data)[9:], dtype=np.uint8)
        index = faiss.deserialize_index_binary(body) if kind == "binary" else faiss.deserialize_index(body)
        return cls(index, distance, kind, max_norm_sq)


# dtype identity checks: native arrays of a type share one dtype object (any other falls back)
_F32 = np.dtype(np.float32)
_I64 = np.dtype(np.int64)


def _kernel_query(query: F32, rows: npt.NDArray[Any], distance: Distance) -> F32 | None:
    """``query`` as faiss's kernels take it, or None where they do not apply: Manhattan, rows
    that are not one contiguous float32 matrix, a query of another width."""
    if distance is Distance.MANHATTAN or rows.dtype is not _F32 or rows.ndim != 2 or not rows.flags.c_contiguous:
        return None
    if rows.shape[1] < SIMD_MIN_DIM:
        return None  # Qdrant sums small vectors term by term: the numpy twin does the same
    q = query if query.dtype is _F32 and query.flags.c_contiguous else np.ascontiguousarray(query, np.float32)
    return q if q.shape == (rows.shape[1],) else None


def _int64(offsets: I64) -> I64:
    if offsets.dtype is _I64 and offsets.flags.c_contiguous:
        return offsets
    return np.ascontiguousarray(offsets, np.int64)


def exact_scores(query: F32, rows: npt.NDArray[Any], offsets: I64 | None, distance: Distance) -> F32 | None:
    """Exact scores (Qdrant's conventions) of ``rows[offsets]``, or of every row when
    ``offsets`` is None, through faiss's SIMD distance kernels: no gathered copy and no
    temporaries, 3-10x faster than numpy. None where the kernels do not apply (Manhattan,
    rows that are not contiguous float32); callers then use ``dense.score_dense``."""
    q = _kernel_query(query, rows, distance)
    if q is None:
        return None
    d = rows.shape[1]
    euclid = distance is Distance.EUCLID
    if offsets is None:
        out = np.empty(rows.shape[0], dtype=np.float32)
        kernel: Any = _native.fvec_L2sqr_ny if euclid else _native.fvec_inner_products_ny
        kernel(_ptr(out), _ptr(q), _ptr(rows), d, rows.shape[0])
    else:
        ids = _int64(offsets)
        out = np.empty(ids.shape[0], dtype=np.float32)
        kernel = _native.fvec_L2sqr_by_idx if euclid else _native.fvec_inner_products_by_idx
        kernel(_ptr(out), _ptr(q), _ptr(rows), _ptr(ids), d, 1, ids.shape[0])
    if euclid:
        np.sqrt(np.maximum(out, 0.0, out=out), out=out)
    return out


def exact_top(query: F32, rows: npt.NDArray[Any], offsets: I64, k: int, distance: Distance) -> tuple[I64, F32] | None:
    """The ``k`` best of ``rows[offsets]``, best first, with exact scores: scoring and
    selection in one faiss call (a heap in C), for exact scans of listed candidates. None
    where the kernels do not apply, as ``exact_scores``.

    ``offsets`` ascend (as the planner lists them). Equal scores come lower offsets first, as
    a stable sort gives them: faiss's heap keeps the first of equal candidates it meets and
    orders its result by id within a score, ascending for distances (as wanted) and
    descending for inner products (put right here)."""
    q = _kernel_query(query, rows, distance)
    if q is None:
        return None
    ids = _int64(offsets)
    n = ids.shape[0]
    if k > n:
        k = n
    labels = np.empty(k, dtype=np.int64)
    values = np.empty(k, dtype=np.float32)
    euclid = distance is Distance.EUCLID
    knn = _native.knn_L2sqr_by_idx if euclid else _native.knn_inner_products_by_idx
    size, d = rows.shape
    knn(_ptr(q), _ptr(rows), _ptr(ids), d, 1, size, n, k, _ptr(values), _ptr(labels), -1)
    if not euclid and len(set(values.tolist())) < k:
        order = np.lexsort((labels, -values))
        labels, values = labels[order], values[order]
    if euclid:  # squared distances summed term by term are never negative
        np.sqrt(values, out=values)
    return labels, values
