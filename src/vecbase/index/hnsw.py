"""The dense ANN index: HNSW graphs built with faiss. The only module that imports faiss.

Its exact twin is ``vecbase.index.dense`` (brute force), which serves small segments and very
selective filters, and is the recall oracle in the tests. Filters reach faiss as id bitmaps
(``IDSelectorBitmap``), never as Python callbacks. Scores come back in Qdrant's conventions:
similarities for Cosine and Dot (vectors pre-normalised for Cosine), distances for Euclid
(square root of faiss's squared L2) and Manhattan.
"""

from __future__ import annotations

import threading
from typing import Any

import faiss
import numpy as np
import numpy.typing as npt

from vecbase.core.config import Distance

F32 = npt.NDArray[np.float32]
I64 = npt.NDArray[np.int64]

_METRIC = {
    Distance.COSINE: faiss.METRIC_INNER_PRODUCT,
    Distance.DOT: faiss.METRIC_L2,  # via the augmentation below
    Distance.EUCLID: faiss.METRIC_L2,
    Distance.MANHATTAN: faiss.METRIC_L1,
}
_threads_lock = threading.Lock()


def set_build_threads(n: int) -> None:
    """faiss's OpenMP pool is process-wide; index builds use ``n`` threads."""
    with _threads_lock:
        faiss.omp_set_num_threads(max(1, n))


class HnswIndex:
    """An HNSW graph over rows 0..n-1 of one segment's vectors (row number = segment offset)."""

    def __init__(self, index: faiss.Index, distance: Distance, max_norm_sq: float = 0.0) -> None:
        self.index = index
        self.distance = distance
        # Dot (maximum inner product) is searched as L2 on vectors augmented with one extra
        # coordinate sqrt(M^2 - |x|^2): |q' - x'|^2 = |q|^2 + M^2 - 2 q.x, so L2 order is
        # dot order, and HNSW keeps its recall on unnormalised data
        self.max_norm_sq = max_norm_sq
        self._plain_params: dict[int, Any] = {}  # unfiltered search parameters by ef

    @classmethod
    def build(cls, vectors: F32, distance: Distance, m: int, ef_construct: int) -> HnswIndex:
        data = np.ascontiguousarray(vectors, dtype=np.float32)
        max_norm_sq = 0.0
        if distance is Distance.DOT:
            norms = np.einsum("ij,ij->i", data, data).astype(np.float64)
            max_norm_sq = float(norms.max()) if norms.size else 0.0
            extra = np.sqrt(np.maximum(max_norm_sq - norms, 0.0)).astype(np.float32)
            data = np.ascontiguousarray(np.hstack([data, extra[:, None]]))
        index = faiss.IndexHNSWFlat(data.shape[1], max(2, m), _METRIC[distance])
        index.hnsw.efConstruction = max(ef_construct, 4)
        index.add(data)
        return cls(index, distance, max_norm_sq)

    @property
    def size(self) -> int:
        return int(self.index.ntotal)

    def search(self, query: F32, k: int, ef: int, allowed: npt.NDArray[np.bool_] | None) -> tuple[I64, F32]:
        """Offsets and scores of up to ``k`` nearest rows, best first; ``allowed`` masks rows."""
        k = min(k, self.size)
        if k <= 0:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        ef = max(ef, k)
        bitmap = None
        if allowed is None:
            params = self._plain_params.get(ef)
            if params is None:
                params = self._plain_params[ef] = faiss.SearchParametersHNSW(efSearch=ef)  # type: ignore[attr-defined]
        else:
            params = faiss.SearchParametersHNSW(efSearch=ef)  # type: ignore[attr-defined]
            bitmap = np.packbits(allowed[: self.size], bitorder="little")
            params.sel = faiss.IDSelectorBitmap(self.size, faiss.swig_ptr(bitmap))
        q = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
        if self.distance is Distance.DOT:
            q = np.ascontiguousarray(np.hstack([q, np.zeros((1, 1), dtype=np.float32)]))
        distances, labels = self.index.search(q, k, params=params)
        keep = labels[0] >= 0
        offsets = labels[0][keep].astype(np.int64)
        raw = distances[0][keep].astype(np.float64)
        if self.distance is Distance.EUCLID:
            raw = np.sqrt(np.maximum(raw, 0.0))
        elif self.distance is Distance.DOT:
            raw = (float(np.dot(query, query)) + self.max_norm_sq - raw) / 2.0
        return offsets, raw.astype(np.float32)

    def stored_vectors(self) -> F32:
        """The graph's own copy of the vectors (rows in insertion order), as a zero-copy view:
        a sealed segment serves exact scans and rescoring from it instead of a second copy.
        Valid while this index lives."""
        storage = faiss.downcast_index(self.index.storage)  # type: ignore[attr-defined]
        dim = storage.d
        flat = faiss.rev_swig_ptr(storage.get_xb(), self.size * dim)  # type: ignore[attr-defined]
        rows: F32 = flat.reshape(self.size, dim)
        return rows[:, :-1] if self.distance is Distance.DOT else rows

    def to_bytes(self) -> bytes:
        header = np.array([self.max_norm_sq], dtype=np.float64).tobytes()
        return header + bytes(faiss.serialize_index(self.index))

    @classmethod
    def from_bytes(cls, data: bytes, distance: Distance) -> HnswIndex:
        max_norm_sq = float(np.frombuffer(data[:8], dtype=np.float64)[0])
        index = faiss.deserialize_index(np.frombuffer(data[8:], dtype=np.uint8))
        return cls(index, distance, max_norm_sq)
