"""Vector storages of a segment: growable dense columns, per-point multivectors and sparse vectors."""

from __future__ import annotations

from typing import Union

import numpy as np
import numpy.typing as npt

from vecbase.core.config import Datatype, DenseVectorConfig, Distance
from vecbase.core.points import FloatArray, SparseVector
from vecbase.index.dense import normalize

_DTYPES = {Datatype.FLOAT32: np.float32, Datatype.FLOAT16: np.float16, Datatype.UINT8: np.uint8}


def to_storage_dtype(vectors: FloatArray, config: DenseVectorConfig) -> npt.NDArray[np.generic]:
    """Vectors as stored: Cosine normalised, then converted to the configured datatype."""
    if config.distance is Distance.COSINE:
        vectors = normalize(vectors)
    if config.datatype is Datatype.UINT8:
        return np.clip(vectors, 0, 255).astype(np.uint8)
    return vectors.astype(_DTYPES[config.datatype], copy=False)


class DenseStore:
    """Rows of one named dense vector, addressed by offset, with a presence mask."""

    def __init__(self, config: DenseVectorConfig, capacity: int = 64) -> None:
        self.config = config
        self.data = np.zeros((capacity, config.size), dtype=_DTYPES[config.datatype])
        self.present = np.zeros(capacity, dtype=bool)
        # when each row was last written (a counter, not a clock): a growing graph holds a row
        # as it was, and knows it stale once this moves on
        self.tick = 0
        self.written = np.zeros(capacity, dtype=np.int64)

    def reserve(self, n: int) -> None:
        if n > self.data.shape[0]:
            cap = max(n, self.data.shape[0] * 2)
            data = np.zeros((cap, self.config.size), dtype=self.data.dtype)
            data[: self.data.shape[0]] = self.data
            present = np.zeros(cap, dtype=bool)
            present[: self.present.shape[0]] = self.present
            self.data, self.present = data, present
            self._fit_written()

    def put(self, offsets: npt.NDArray[np.int64], rows: FloatArray) -> None:
        self.data[offsets] = to_storage_dtype(rows, self.config)
        self.present[offsets] = True
        self._touch(offsets)

    def clear(self, offsets: npt.NDArray[np.int64] | list[int]) -> None:
        self.present[offsets] = False
        self._touch(offsets)

    def _touch(self, offsets: npt.NDArray[np.int64] | list[int]) -> None:
        self._fit_written()
        self.tick += 1
        self.written[offsets] = self.tick

    def _fit_written(self) -> None:
        """``written`` as long as the rows (restored and merged stores replace the rows)."""
        cap = self.present.shape[0]
        if self.written.shape[0] != cap:
            written = np.zeros(cap, dtype=np.int64)
            keep = min(cap, self.written.shape[0])
            written[:keep] = self.written[:keep]
            self.written = written

    def ticks(self, start: int, stop: int) -> npt.NDArray[np.int64]:
        """When rows ``start..stop-1`` were last written (a copy)."""
        self._fit_written()
        return self.written[start:stop].copy()

    def get(self, offset: int) -> FloatArray | None:
        if not self.present[offset]:
            return None
        row: FloatArray = self.data[offset].astype(np.float32)
        return row


class ListStore:
    """Per-offset values for multivectors (2-D float arrays) and sparse vectors."""

    def __init__(self, config: DenseVectorConfig | None) -> None:
        self.config = config
        self.items: list[FloatArray | SparseVector | None] = []

    def reserve(self, n: int) -> None:
        if n > len(self.items):
            self.items.extend([None] * (n - len(self.items)))

    def put(self, offset: int, value: FloatArray | SparseVector) -> None:
        if self.config is not None and isinstance(value, np.ndarray):
            value = to_storage_dtype(value, self.config).astype(np.float32)
        self.items[offset] = value

    def clear(self, offsets: npt.NDArray[np.int64] | list[int]) -> None:
        for o in offsets:
            self.items[int(o)] = None

    def get(self, offset: int) -> FloatArray | SparseVector | None:
        return self.items[offset] if offset < len(self.items) else None

    def present_mask(self, n: int) -> npt.NDArray[np.bool_]:
        return np.fromiter((v is not None for v in self.items[:n]), dtype=bool, count=n)


VectorStore = Union[DenseStore, ListStore]
