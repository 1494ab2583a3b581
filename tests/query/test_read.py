"""Reads hand over a page, not the collection: ``order_rows`` with a row budget answers
what ordering every row and cutting answers, ties and filters included; random samples and
id-ordered pages are drawn without listing every point. Over several segments (here, the
segments of three collections side by side)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vecbase import Client, models
from vecbase.core.filter import FieldMatch, Filter, MatchValue
from vecbase.core.ids import id_sort_key
from vecbase.query import read, universal
from vecbase.query.model import Direction, OrderBy
from vecbase.query.read import order_rows
from vecbase.segment.filtering import filter_mask
from vecbase.segment.segment import Segment


@pytest.fixture(scope="module")
def segments() -> list[Segment]:
    client = Client(":memory:")
    rng = np.random.default_rng(11)
    out: list[Segment] = []
    for c in range(3):
        name = f"c{c}"
        client.create_collection(name, vectors_config=models.VectorParams(size=2, distance=models.Distance.DOT))
        client.create_payload_index(name, "n", models.PayloadSchemaType.INTEGER)
        client.create_payload_index(name, "x", models.PayloadSchemaType.FLOAT)
        client.create_payload_index(name, "tag", models.PayloadSchemaType.KEYWORD)
        n = 150 + 40 * c
        payloads: list[dict[str, Any]] = [
            {"n": int(v), "x": float(v) / 4, "tag": ["a", "b"][int(t)]}
            for v, t in zip(rng.integers(0, 12, n), rng.integers(0, 2, n))
        ]
        for p in payloads[::7]:
            p["n"] = [p["n"], p["n"] + 5]  # several values: one row for each
        client.upsert(name, models.Batch(ids=list(range(n)), vectors=[[1.0, 0.0]] * n, payloads=payloads))
        client.delete(name, models.PointIdsList(points=list(range(0, n, 11))))
        out.extend(client._toc.get(name).segments)
    return out


@settings(max_examples=200, deadline=None)
@given(
    key=st.sampled_from(["n", "x"]),
    direction=st.sampled_from(list(Direction)),
    start=st.one_of(st.none(), st.integers(min_value=-1, max_value=18), st.floats(min_value=-1, max_value=4)),
    tag=st.sampled_from([None, "a", "b"]),
    need=st.integers(min_value=0, max_value=500),
)
def test_a_budget_cuts_the_full_order(
    segments: list[Segment], key: str, direction: Direction, start: float | None, tag: str | None, need: int
) -> None:
    order = OrderBy(key, direction, start)
    flt = Filter(must=(FieldMatch("tag", MatchValue(tag)),)) if tag is not None else None
    every = order_rows(segments, flt, order)
    assert order_rows(segments, flt, order, need) == every[:need]
    values = [v for v, _, _ in every]
    assert values == sorted(values, reverse=direction is Direction.DESC)


def test_samples_are_distinct_passing_points_drawn_from_every_segment(segments: list[Segment]) -> None:
    flt = Filter(must=(FieldMatch("tag", MatchValue("a")),))
    passing = {(id(seg), int(o)) for seg in segments for o in np.flatnonzero(filter_mask(seg, flt))}
    seen: set[tuple[int, int]] = set()
    for _ in range(300):
        drawn = [(id(f.seg), f.off) for f in universal._sample(segments, flt, 12)]
        assert len(drawn) == 12 == len(set(drawn))
        assert set(drawn) <= passing
        seen.update(drawn)
    assert seen == passing  # 3,600 draws over a few hundred points reach each of them
    assert len(universal._sample(segments, flt, 10**6)) == len(passing)


def test_points_without_a_query_come_in_id_order(segments: list[Segment]) -> None:
    every = sorted(
        (id_sort_key(seg.ids[o]), id(seg), int(o)) for seg in segments for o in np.flatnonzero(filter_mask(seg, None))
    )
    for n in (0, 1, 7, 500, 10**6):
        got = [(id_sort_key(f.seg.ids[f.off]), id(f.seg), f.off) for f in universal._by_id(segments, None, n)]
        assert [k for k, _, _ in got] == [k for k, _, _ in every[:n]]


@pytest.mark.parametrize("tag", [None, "a", "b"])
@pytest.mark.parametrize("limit", [1, 3, 100])
def test_integer_facets_count_each_points_values(segments: list[Segment], tag: str | None, limit: int) -> None:
    flt = Filter(must=(FieldMatch("tag", MatchValue(tag)),)) if tag is not None else None
    counts: dict[int, int] = {}
    for seg in segments:
        for off in np.flatnonzero(filter_mask(seg, flt)).tolist():
            raw = seg.payloads[off]["n"]
            for v in set(raw if isinstance(raw, list) else [raw]):
                counts[v] = counts.get(v, 0) + 1
    expected = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    got = read.facet(segments, "n", flt, limit)
    assert [(h.value, h.count) for h in got] == expected
    assert all(type(h.value) is int for h in got)


@settings(max_examples=80, deadline=None)
@given(
    docs=st.lists(
        st.one_of(
            st.sampled_from(["d1", "d2", "d10", "D1", "", "é", "a\0", "a", "zz"]),
            st.lists(st.sampled_from(["d1", "d2", "a", "a\0"]), max_size=3),
            st.booleans(),
            st.integers(0, 3),
        ),
        max_size=120,
    ),
    split=st.integers(0, 120),
    freeze=st.booleans(),
    limit=st.sampled_from([1, 2, 5, 100]),
    only_a=st.booleans(),
)
def test_keyword_facets_count_each_points_values(
    docs: list[Any], split: int, freeze: bool, limit: int, only_a: bool
) -> None:
    """Facets of a keyword field, counted from the index's postings in one pass, against
    counting each point's distinct values; one segment or two, ties by value."""
    client = Client(":memory:")
    client.create_collection("f", vectors_config=models.VectorParams(size=2, distance=models.Distance.DOT))
    client.create_payload_index("f", "d", models.PayloadSchemaType.KEYWORD)
    client.create_payload_index("f", "t", models.PayloadSchemaType.KEYWORD)
    payloads = [{"d": d, "t": "a" if i % 3 else "b"} for i, d in enumerate(docs)]
    n = len(payloads)
    if n:
        client.upsert("f", models.Batch(ids=list(range(n)), vectors=[[1.0, 0.0]] * n, payloads=payloads))
    col = client._toc.get("f")
    segs = list(col.segments)
    if 0 < split < n:  # a second segment holding the rest of the points
        other = Client(":memory:")
        other.create_collection("f", vectors_config=models.VectorParams(size=2, distance=models.Distance.DOT))
        other.create_payload_index("f", "d", models.PayloadSchemaType.KEYWORD)
        other.create_payload_index("f", "t", models.PayloadSchemaType.KEYWORD)
        client.delete("f", models.PointIdsList(points=list(range(split, n))))
        rest = payloads[split:]
        other.upsert("f", models.Batch(ids=list(range(split, n)), vectors=[[1.0, 0.0]] * len(rest), payloads=rest))
        segs += other._toc.get("f").segments
    if freeze:
        for seg in segs:
            seg.freeze()
    flt = Filter(must=(FieldMatch("t", MatchValue("a")),)) if only_a else None
    counts: dict[str, int] = {}
    for p in payloads:
        if only_a and p["t"] != "a":
            continue
        raw = p["d"]
        for v in {x for x in (raw if isinstance(raw, list) else [raw]) if type(x) is str}:
            counts[v] = counts.get(v, 0) + 1
    expected = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    got = read.facet(segs, "d", flt, limit)
    assert [(h.value, h.count) for h in got] == expected


def test_many_tied_keywords_rank_by_value() -> None:
    """More ties than the limit (the numpy ranking of one-type values)."""
    client = Client(":memory:")
    client.create_collection("f", vectors_config=models.VectorParams(size=2, distance=models.Distance.DOT))
    client.create_payload_index("f", "d", models.PayloadSchemaType.KEYWORD)
    names = [f"doc{i}" for i in range(500)][::-1] + ["top", "top"]
    client.upsert(
        "f", models.Batch(ids=list(range(502)), vectors=[[1.0, 0.0]] * 502, payloads=[{"d": d} for d in names])
    )
    got = read.facet(client._toc.get("f").segments, "d", None, 6)
    assert [(h.value, h.count) for h in got] == [
        ("top", 2),
        ("doc0", 1),
        ("doc1", 1),
        ("doc10", 1),
        ("doc100", 1),
        ("doc101", 1),
    ]


def test_a_trailing_nul_orders_after_the_shorter_keyword() -> None:
    client = Client(":memory:")
    client.create_collection("f", vectors_config=models.VectorParams(size=2, distance=models.Distance.DOT))
    client.create_payload_index("f", "d", models.PayloadSchemaType.KEYWORD)
    names = ["b", "c", "d", "e", "f", "a\0", "a"]
    client.upsert("f", models.Batch(ids=list(range(7)), vectors=[[1.0, 0.0]] * 7, payloads=[{"d": d} for d in names]))
    got = read.facet(client._toc.get("f").segments, "d", None, 1)
    assert [(h.value, h.count) for h in got] == [("a", 1)]
