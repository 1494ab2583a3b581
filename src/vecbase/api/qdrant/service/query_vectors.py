"""Query inputs as vectors: raw numbers, point ids (of this collection or a ``lookup_from``
one), documents to embed, and the average of examples (recommend's ``average_vector``)."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import numpy.typing as npt

from vecbase.api.qdrant import models as m
from vecbase.api.qdrant.inference import INFERENCE_INPUTS, embed_query
from vecbase.api.qdrant.points import sparse_from_wire
from vecbase.core.errors import BadRequestError, CollectionNotFoundError, NotFoundError, PointNotFoundError
from vecbase.core.filter import Filter, HasId, and_filters
from vecbase.core.ids import PointId, normalize_id
from vecbase.core.points import SparseVector
from vecbase.engine.collection import Collection
from vecbase.engine.toc import TableOfContent
from vecbase.query.model import QueryVector, WithPayload, WithVectors

F32 = npt.NDArray[np.float32]


class LookupCollectionNotFoundError(NotFoundError):
    verbatim = True


def lookup_collection(toc: TableOfContent, name: str) -> Collection:
    """The collection a ``lookup_from`` / ``with_lookup`` names, with Qdrant's wording when
    it does not exist."""
    try:
        return toc.get(name)
    except CollectionNotFoundError:
        raise LookupCollectionNotFoundError(f"Collection {name} not found") from None


def _is_id(v: Any) -> bool:
    return (isinstance(v, int) and not isinstance(v, bool)) or isinstance(v, str)


class QueryResolver:
    """Turns vector inputs (raw vectors or point ids) into vectors; remembers the ids it used."""

    def __init__(self, toc: TableOfContent, col: Collection, using: str, lookup: m.LookupLocation | None) -> None:
        self.using = using
        self.source = lookup_collection(toc, lookup.collection) if lookup is not None else col
        self.source_vector = (lookup.vector if lookup is not None and lookup.vector else None) or using
        self.mentioned: set[PointId] = set()
        self.from_own = lookup is None

    def vector(self, v: Any) -> QueryVector:
        if isinstance(v, INFERENCE_INPUTS):
            embedded = embed_query(v)
            return embedded if isinstance(embedded, SparseVector) else array_query(embedded)
        if _is_id(v):
            try:
                pid = normalize_id(v)
            except ValueError:
                raise BadRequestError(f"Bad request: invalid point id {v!r}") from None
            found = self.source.retrieve([pid], WithPayload(False), WithVectors(True, (self.source_vector,)))
            if not found:
                raise PointNotFoundError(v)
            vectors = found[0].vectors or {}
            if self.source_vector not in vectors:
                raise BadRequestError(f"Bad request: point {v} has no vector `{self.source_vector}`")
            if self.from_own:
                self.mentioned.add(pid)
            return vectors[self.source_vector]
        if isinstance(v, m.SparseVector):
            return sparse_from_wire(v)
        return array_query(v)

    def exclude(self, flt: Filter | None) -> Filter | None:
        if not self.mentioned:
            return flt
        return and_filters(flt, Filter(must_not=(HasId(frozenset(self.mentioned)),)))


def array_query(v: Any) -> F32:
    """A dense vector or multivector query given as numbers."""
    try:
        arr: F32 = np.asarray(v, dtype=np.float32)
    except (ValueError, TypeError):
        raise BadRequestError("Bad request: malformed query vector") from None
    if arr.ndim not in (1, 2) or arr.size == 0:
        raise BadRequestError("Bad request: a query vector must be a non-empty list of numbers")
    return arr


def average_vector(pos: Sequence[QueryVector], neg: Sequence[QueryVector]) -> QueryVector:
    if not pos:
        raise BadRequestError("Bad request: No positive examples given with 'average_vector' strategy")
    if isinstance(pos[0], SparseVector):
        return _sparse_avg_query(pos, neg)  # type: ignore[arg-type]
    if pos[0].ndim == 2:
        rows = [r for v in pos for r in v] + [-r for v in neg for r in v]  # type: ignore[union-attr]
        return np.stack(rows).astype(np.float32)
    mean_pos: F32 = np.mean(np.stack(pos), axis=0, dtype=np.float32)  # type: ignore[arg-type]
    if neg:
        mean_neg: F32 = np.mean(np.stack(neg), axis=0, dtype=np.float32)  # type: ignore[arg-type]
        return mean_pos + mean_pos - mean_neg
    return mean_pos


def _sparse_mean(vs: Sequence[SparseVector]) -> dict[int, float]:
    acc: dict[int, float] = {}
    for v in vs:
        for i, x in zip(v.indices.tolist(), v.values.tolist()):
            acc[i] = acc.get(i, 0.0) + x
    return {i: x / len(vs) for i, x in acc.items()}


def _sparse_avg_query(pos: Sequence[SparseVector], neg: Sequence[SparseVector]) -> SparseVector:
    p = _sparse_mean(pos)
    out = dict(p)
    if neg:
        n = _sparse_mean(neg)
        out = {i: p.get(i, 0.0) * 2 - n.get(i, 0.0) for i in sorted(set(p) | set(n))}
    idx = sorted(out)
    return SparseVector(np.array(idx, dtype=np.uint32), np.array([out[i] for i in idx], dtype=np.float32))
