"""BM25 sparse vectors as Qdrant's ``qdrant/bm25`` model makes them.

A token's dimension is murmur3 (32 bit, seed 0) of its UTF-8 bytes, read as a signed
integer, made positive (``abs``), so our vectors mix with Qdrant's and fastembed's. A
document's value for a token is the BM25 term-frequency part,
``tf * (k + 1) / (tf + k * (1 - b + b * doc_len / avg_len))`` (``doc_len`` counts every
token, repeats included); a query's value is 1 for each distinct token. The IDF part comes
from the collection (a sparse vector with the ``idf`` modifier).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Sequence

import mmh3
import numpy as np
import numpy.typing as npt


def token_id(token: str) -> int:
    return abs(mmh3.hash(token, 0, signed=True))


@dataclass(frozen=True, slots=True)
class Bm25Params:
    k: float = 1.2
    b: float = 0.75
    avg_len: float = 256.0

    def check(self) -> None:
        if not math.isfinite(self.k) or self.k < 0:
            raise ValueError(f"BM25 k must be finite and >= 0, got {self.k}")
        if not math.isfinite(self.b) or not 0.0 <= self.b <= 1.0:
            raise ValueError(f"BM25 b must be finite and in [0.0, 1.0], got {self.b}")
        if not math.isfinite(self.avg_len) or self.avg_len <= 0:
            raise ValueError(f"BM25 avg_len must be finite and > 0, got {self.avg_len}")


SparseArrays = tuple[npt.NDArray[np.uint32], npt.NDArray[np.float32]]


def embed_document(tokens: Sequence[str], params: Bm25Params) -> SparseArrays:
    """(sorted dimensions, weights) of a tokenized document."""
    if not tokens:
        return np.zeros(0, np.uint32), np.zeros(0, np.float32)
    k, b, avg = params.k, params.b, params.avg_len
    norm = k * (1.0 - b + b * len(tokens) / avg)
    weights: dict[int, float] = {}
    for token, count in Counter(tokens).items():
        weights[token_id(token)] = count * (k + 1.0) / (count + norm)
    dims = sorted(weights)
    return np.array(dims, dtype=np.uint32), np.array([weights[d] for d in dims], dtype=np.float32)


def embed_query(tokens: Sequence[str]) -> SparseArrays:
    """(sorted dimensions, ones) of a tokenized query: each distinct token once."""
    dims = sorted({token_id(t) for t in tokens})
    return np.array(dims, dtype=np.uint32), np.ones(len(dims), dtype=np.float32)
