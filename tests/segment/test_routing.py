"""After a crash between segment saves a point can be live in two segments: ``dedupe``
keeps the newest copy (the later segment's on a tie), as walking every point would."""

from __future__ import annotations

import random
import uuid

from hypothesis import given, settings
from hypothesis import strategies as st

from vecbase.core.config import CollectionConfig
from vecbase.core.ids import PointId
from vecbase.core.operations import UpsertPoints
from vecbase.core.points import PayloadDocs
from vecbase.segment.routing import dedupe
from vecbase.segment.segment import Segment

CONFIG = CollectionConfig(vectors={})
POOL: list[PointId] = [1, 2, 3, 2**64 - 1, str(uuid.UUID(int=5)), str(uuid.UUID(int=2**100))]


def walk_every_point(segments: list[Segment]) -> tuple[dict[PointId, tuple[int, int]], int]:
    """The rule written plainly: the survivor of each id as (segment index, offset)."""
    best: dict[PointId, tuple[int, int, int]] = {}
    dropped = 0
    for i, seg in enumerate(segments):
        for off in range(len(seg.ids)):
            if not seg.live_mask()[off]:
                continue
            pid, version = seg.ids[off], int(seg.versions[off])
            if pid in best:
                dropped += 1
                if version < best[pid][0]:
                    continue
            best[pid] = (version, i, off)
    return {pid: (i, off) for pid, (_, i, off) in best.items()}, dropped


def survivors(segments: list[Segment]) -> dict[PointId, tuple[int, int]]:
    out = {}
    for i, seg in enumerate(segments):
        for off in range(len(seg.ids)):
            if seg.live_mask()[off]:
                assert seg.ids[off] not in out
                out[seg.ids[off]] = (i, off)
    return out


def built(layout: list[list[tuple[PointId, int]]], frozen: list[bool]) -> list[Segment]:
    segments = []
    for points, freeze in zip(layout, frozen):
        seg = Segment(CONFIG)
        for pid, version in points:
            seg.apply(version, UpsertPoints((pid,), {}, PayloadDocs.of([{}])))
        if freeze:
            seg.freeze()
        segments.append(seg)
    return segments


@settings(max_examples=150, deadline=None)
@given(
    layout=st.lists(
        st.lists(st.tuples(st.sampled_from(POOL), st.integers(1, 4)), max_size=6, unique_by=lambda p: p[0]),
        min_size=1,
        max_size=4,
    ),
    seed=st.integers(0, 10**6),
)
def test_the_newest_copy_survives(layout: list[list[tuple[PointId, int]]], seed: int) -> None:
    frozen = [random.Random(seed + i).random() < 0.5 for i in range(len(layout))]
    expected, expected_dropped = walk_every_point(built(layout, frozen))
    segments = built(layout, frozen)
    assert dedupe(segments) == expected_dropped
    assert survivors(segments) == expected
    assert dedupe(segments) == 0  # nothing left to settle
