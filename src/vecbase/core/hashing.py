"""SipHash-2-4 with a zero key over point-id bytes, vectorised over numpy uint64 words.

Qdrant's slice condition puts a point into slice ``siphash(id_bytes) % total``; the hash is
computed for whole columns of ids at once (8-byte integer ids are one block, 16-byte UUIDs
two), so the condition costs array operations, not a Python loop per point.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

U64 = npt.NDArray[np.uint64]

_K = [0x736F6D6570736575, 0x646F72616E646F6D, 0x6C7967656E657261, 0x7465646279746573]


def _rotl(x: U64, b: int) -> U64:
    return (x << np.uint64(b)) | (x >> np.uint64(64 - b))


def _round(v0: U64, v1: U64, v2: U64, v3: U64) -> tuple[U64, U64, U64, U64]:
    v0 = v0 + v1
    v1 = _rotl(v1, 13) ^ v0
    v0 = _rotl(v0, 32)
    v2 = v2 + v3
    v3 = _rotl(v3, 16) ^ v2
    v0 = v0 + v3
    v3 = _rotl(v3, 21) ^ v0
    v2 = v2 + v1
    v1 = _rotl(v1, 17) ^ v2
    v2 = _rotl(v2, 32)
    return v0, v1, v2, v3


def siphash_words(blocks: list[U64], length: int) -> U64:
    """SipHash-2-4 (zero key) of messages made of ``len(blocks)`` full 8-byte words each."""
    n = blocks[0].shape[0]
    with np.errstate(over="ignore"):
        v0, v1, v2, v3 = (np.full(n, k, dtype=np.uint64) for k in _K)
        for m in [*blocks, np.full(n, (length & 0xFF) << 56, dtype=np.uint64)]:
            v3 = v3 ^ m
            v0, v1, v2, v3 = _round(v0, v1, v2, v3)
            v0, v1, v2, v3 = _round(v0, v1, v2, v3)
            v0 = v0 ^ m
        v2 = v2 ^ np.uint64(0xFF)
        for _ in range(4):
            v0, v1, v2, v3 = _round(v0, v1, v2, v3)
    return v0 ^ v1 ^ v2 ^ v3


def hash_int_ids(ids: U64) -> U64:
    return siphash_words([ids], 8)


def hash_uuid_ids(lo: U64, hi: U64) -> U64:
    """``lo``/``hi``: the first and second 8 bytes of the RFC 4122 bytes, read little-endian."""
    return siphash_words([lo, hi], 16)
