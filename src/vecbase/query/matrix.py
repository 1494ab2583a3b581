"""Distance matrix: a random sample of points and each one's nearest neighbours among the sample."""

from __future__ import annotations

import random
from typing import Sequence

import numpy as np

from vecbase.core.config import CollectionConfig
from vecbase.core.filter import Filter, HasId, and_filters
from vecbase.core.ids import PointId, id_sort_key
from vecbase.query.model import NearestQuery, SearchRequest
from vecbase.query.search import check_vector_name, search_hits
from vecbase.segment.filtering import filter_mask
from vecbase.segment.segment import Segment


def distance_matrix(
    segments: Sequence[Segment], config: CollectionConfig, flt: Filter | None, sample: int, limit: int, using: str
) -> tuple[list[PointId], list[list[tuple[PointId, float]]]]:
    """Sampled ids (sorted) and, per sampled id, its ``limit`` nearest other sampled points."""
    check_vector_name(config, using)
    pool = [
        (seg, off)
        for seg in segments
        for off in np.nonzero(filter_mask(seg, flt) & seg.has_vector_mask(using))[0].tolist()
    ]
    chosen = random.sample(pool, min(sample, len(pool)))
    if len(chosen) < 2:
        return [], []
    chosen.sort(key=lambda c: id_sort_key(c[0].ids[c[1]]))
    ids = [seg.ids[off] for seg, off in chosen]
    rows: list[list[tuple[PointId, float]]] = []
    for i, (seg, off) in enumerate(chosen):
        others = frozenset(ids[:i] + ids[i + 1 :])
        vector = seg.vector(off, using)
        assert vector is not None
        restrict = and_filters(flt, Filter(must=(HasId(others),)))
        req = SearchRequest(NearestQuery(using, vector), restrict, limit)
        rows.append([(s.ids[o], score) for s, o, score in search_hits(segments, config, req)])
    return ids, rows
