"""Hypothesis strategies shared by the differential tests: payloads, vectors and filters."""

from __future__ import annotations

import functools
import uuid
from typing import Any

from hypothesis import strategies as st
from qdrant_client import models as qm

WORDS = ["alpha", "beta", "gamma", "delta", "Alpha", "eps"]
KW = ["red", "green", "blue", "Red", "teal"]
UUIDS = [str(uuid.UUID(int=i * 7919 + 11)) for i in range(8)]
INT_IDS = list(range(40))
POINT_IDS = INT_IDS + UUIDS[:4]
DT = ["2024-01-01T00:00:00Z", "2024-03-05T10:00:00+02:00", "2023-12-31 23:59:59", "2024-06-01", "not a date"]
GEO = [
    {"lat": 52.52, "lon": 13.40},
    {"lat": 48.85, "lon": 2.35},
    {"lat": 40.71, "lon": -74.0},
    {"lat": 0.0, "lon": 0.0},
]

# any JSON value as the wire may carry it: integers of 64 bits signed or unsigned, f64
# floats, short strings, nested a little
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**64 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=5),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=3), inner, max_size=3)),
    max_leaves=8,
)

small_int = st.integers(-5, 20)
scalar = st.one_of(st.sampled_from(KW), small_int, st.booleans(), st.none(), st.sampled_from([0.5, 1.5, 2.0]))

payload_values: dict[str, Any] = {
    "kw": st.sampled_from(KW),
    "num": small_int,
    "flt": st.one_of(st.floats(-10, 10, allow_nan=False).map(lambda x: round(x, 2)), small_int),
    "flag": st.booleans(),
    "tags": st.lists(st.sampled_from(KW), max_size=3),
    "geo": st.sampled_from(GEO),
    "dt": st.sampled_from(DT),
    "txt": st.lists(st.sampled_from(WORDS), min_size=0, max_size=4).map(" ".join),
    "mixed": st.one_of(scalar, st.lists(scalar, max_size=3)),
    "nested": st.lists(st.fixed_dictionaries({"a": small_int, "b": st.sampled_from(KW)}), max_size=3),
    "obj": st.fixed_dictionaries({"x": small_int, "y": st.sampled_from(KW)}),
}
KEYS = list(payload_values)


@st.composite
def payloads(draw: st.DrawFn) -> dict[str, Any]:
    keys = draw(st.lists(st.sampled_from(KEYS), unique=True, max_size=len(KEYS)))
    return {k: draw(payload_values[k]) for k in keys}


match_values = st.one_of(st.sampled_from(KW), small_int, st.booleans())


def field_conditions() -> st.SearchStrategy[Any]:
    key_any = st.sampled_from(["kw", "num", "tags", "mixed", "flag", "obj.y", "nested[].b", "txt"])
    fc = qm.FieldCondition
    return st.one_of(
        st.builds(lambda k, v: fc(key=k, match=qm.MatchValue(value=v)), key_any, match_values),
        st.builds(lambda k, v: fc(key=k, match=qm.MatchAny(any=v)), key_any, st.lists(st.sampled_from(KW), max_size=3)),
        st.builds(
            lambda k, v: fc(key=k, match=qm.MatchAny(any=v)),
            st.sampled_from(["num", "mixed"]),
            st.lists(small_int, max_size=3),
        ),
        st.builds(
            lambda k, v: fc(key=k, match=qm.MatchExcept(**{"except": v})),
            key_any,
            st.one_of(st.lists(st.sampled_from(KW), max_size=3), st.lists(small_int, max_size=3)),
        ),
        st.builds(
            lambda t: fc(key="txt", match=qm.MatchText(text=t)),
            st.lists(st.sampled_from(WORDS), max_size=2).map(" ".join),
        ),
        st.builds(
            lambda t: fc(key="txt", match=qm.MatchTextAny(text_any=t)),
            st.lists(st.sampled_from(WORDS), max_size=2).map(" ".join),
        ),
        st.builds(
            lambda t: fc(key="txt", match=qm.MatchPhrase(phrase=t)),
            st.lists(st.sampled_from(WORDS), min_size=1, max_size=2).map(" ".join),
        ),
        st.builds(
            lambda k, p: fc(key=k, match=qm.MatchPrefix(prefix=p)),
            st.sampled_from(["kw", "tags"]),
            st.sampled_from(["r", "gr", "Re", "b", ""]),
        ),
        st.builds(
            lambda k, a, b, op: fc(key=k, range=qm.Range(**{op[0]: a, op[1]: b})),
            st.sampled_from(["num", "flt", "mixed", "obj.x", "nested[].a"]),
            st.one_of(small_int, st.floats(-10, 10, allow_nan=False)),
            st.one_of(small_int, st.none()),
            st.sampled_from([("gt", "lt"), ("gte", "lte"), ("gt", "lte"), ("gte", "lt")]),
        ),
        st.builds(
            lambda a, op: fc(key="dt", range=qm.DatetimeRange(**{op: a})),
            st.sampled_from(["2024-01-01T00:00:00Z", "2024-03-05T08:00:00Z", "2024-06-01T00:00:00+00:00"]),
            st.sampled_from(["gt", "gte", "lt", "lte"]),
        ),
        st.builds(
            lambda c, r: fc(key="geo", geo_radius=qm.GeoRadius(center=qm.GeoPoint(**c), radius=r)),
            st.sampled_from(GEO),
            st.sampled_from([1000.0, 1_000_000.0, 7_000_000.0]),
        ),
        st.just(
            fc(
                key="geo",
                geo_bounding_box=qm.GeoBoundingBox(
                    top_left=qm.GeoPoint(lat=60, lon=-10), bottom_right=qm.GeoPoint(lat=40, lon=20)
                ),
            )
        ),
        st.just(
            fc(
                key="geo",
                geo_polygon=qm.GeoPolygon(
                    exterior=qm.GeoLineString(
                        points=[
                            qm.GeoPoint(lat=30, lon=-80),
                            qm.GeoPoint(lat=60, lon=-80),
                            qm.GeoPoint(lat=60, lon=20),
                            qm.GeoPoint(lat=30, lon=20),
                            qm.GeoPoint(lat=30, lon=-80),
                        ]
                    ),
                    interiors=[
                        qm.GeoLineString(
                            points=[
                                qm.GeoPoint(lat=45, lon=0),
                                qm.GeoPoint(lat=55, lon=0),
                                qm.GeoPoint(lat=55, lon=15),
                                qm.GeoPoint(lat=45, lon=15),
                                qm.GeoPoint(lat=45, lon=0),
                            ]
                        )
                    ],
                ),
            )
        ),
        st.builds(
            lambda k, a, op: fc(key=k, values_count=qm.ValuesCount(**{op: a})),
            st.sampled_from(["tags", "mixed", "nested", "kw"]),
            st.integers(0, 3),
            st.sampled_from(["gt", "gte", "lt", "lte"]),
        ),
        st.builds(
            lambda k: qm.IsEmptyCondition(is_empty=qm.PayloadField(key=k)),
            st.sampled_from(["tags", "mixed", "kw", "obj.x"]),
        ),
        st.builds(
            lambda k: qm.IsNullCondition(is_null=qm.PayloadField(key=k)), st.sampled_from(["mixed", "kw", "tags"])
        ),
        st.builds(lambda ids: qm.HasIdCondition(has_id=ids), st.lists(st.sampled_from(POINT_IDS), max_size=5)),
        st.builds(lambda n: qm.HasVectorCondition(has_vector=n), st.sampled_from(["cos", "sp", "multi", "euc"])),
        st.builds(
            lambda t, i: qm.SliceCondition(slice=qm.Slice(total=t, index=min(i, t - 1))),
            st.integers(1, 4),
            st.integers(0, 3),
        ),
    )


def nested_condition(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    cond = st.one_of(
        st.builds(lambda v: qm.FieldCondition(key="a", range=qm.Range(gte=v)), small_int),
        st.builds(lambda v: qm.FieldCondition(key="b", match=qm.MatchValue(value=v)), st.sampled_from(KW)),
    )
    return st.builds(
        lambda must: qm.NestedCondition(nested=qm.Nested(key="nested", filter=qm.Filter(must=must))),
        st.lists(cond, min_size=1, max_size=2),
    )


@functools.cache  # one strategy object: hypothesis analyses a recursive one on first use
def filters() -> st.SearchStrategy[qm.Filter]:
    base = st.one_of(field_conditions(), nested_condition(field_conditions()))

    def extend(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        return st.builds(
            lambda must, should, must_not: qm.Filter(
                must=must or None, should=should or None, must_not=must_not or None
            ),
            st.lists(children, max_size=2),
            st.lists(children, max_size=2),
            st.lists(children, max_size=2),
        )

    tree = st.recursive(base, extend, max_leaves=4)
    plain = st.builds(
        lambda must, should, must_not: qm.Filter(must=must, should=should, must_not=must_not),
        st.lists(tree, max_size=2),
        st.lists(tree, max_size=2),
        st.lists(tree, max_size=2),
    )
    min_should = st.builds(
        lambda conds, k: qm.Filter(min_should=qm.MinShould(conditions=conds, min_count=k)),
        st.lists(base, min_size=1, max_size=3),
        st.integers(1, 2),
    )
    return st.one_of(plain, min_should)
