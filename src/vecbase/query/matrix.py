"""Distance matrix: a random sample of points and each one's nearest neighbours among the sample."""

from __future__ import annotations

from typing import Sequence

from vecbase.core.config import CollectionConfig
from vecbase.core.filter import Filter, HasId, and_filters
from vecbase.core.ids import PointId, id_sort_key
from vecbase.query.model import NearestQuery, SearchRequest
from vecbase.query.read import sample_points
from vecbase.query.search import check_vector_name, search_hits
from vecbase.segment.filtering import filter_mask
from vecbase.segment.segment import Segment


def distance_matrix(
    segments: Sequence[Segment], config: CollectionConfig, flt: Filter | None, sample: int, limit: int, using: str
) -> tuple[list[PointId], list[list[tuple[PointId, float]]]]:
    """Sampled ids (sorted) and, per sampled id, its ``limit`` nearest other sampled points."""
    check_vector_name(config, using)
    masks = [filter_mask(seg, flt) & seg.has_vector_mask(using) for seg in segments]
    chosen = sample_points(segments, masks, sample)
    if len(chosen) < 2:
        return [], []
    chosen.sort(key=lambda c: id_sort_key(c[0].ids[c[1]]))
    ids = [seg.ids[off] for seg, off in chosen]
    # one restriction for every search (its mask is worked out once, then memoized): the
    # whole sample, with one more hit asked for in place of the point itself
    restrict = and_filters(flt, Filter(must=(HasId(frozenset(ids)),)))
    rows: list[list[tuple[PointId, float]]] = []
    for seg, off in chosen:
        vector = seg.vector(off, using)
        assert vector is not None
        own = seg.ids[off]
        req = SearchRequest(NearestQuery(using, vector), restrict, limit + 1)
        hits = [(s.ids[o], score) for s, o, score in search_hits(segments, config, req)]
        rows.append([(pid, score) for pid, score in hits if pid != own][:limit])
    return ids, rows
