"""The scan's per-payload checkers against ``check_field``, the condition semantics every
index reproduces: for the shapes a checker reads directly and the ones it hands back."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from vecbase.core.conditions import check_field, field_checker
from vecbase.core.filter import FieldMatch, FieldRange, IsNull, MatchAny, MatchExcept, MatchValue, Range

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.sampled_from([0.0, 1.0, -1.0, 2.5, 1e300]),
    st.sampled_from(["a", "b", "1", "True", ""]),
)
values = st.one_of(
    scalars,
    st.lists(scalars, max_size=3),
    st.dictionaries(st.sampled_from(["x", "k"]), scalars, max_size=2),
)
payloads = st.dictionaries(st.sampled_from(["k", "x", "k.x"]), values, max_size=3)
operands = st.one_of(st.booleans(), st.integers(-3, 3), st.sampled_from(["a", "b", "1", "True"]))
bounds = st.one_of(st.none(), st.integers(-3, 3), st.sampled_from([0.5, -1.5, 2.5]))
keys = st.sampled_from(["k", "x", "k.x", "k[]", "k[0]", '"k.x"'])
conditions = st.one_of(
    st.builds(lambda k, v: FieldMatch(k, MatchValue(v)), keys, operands),
    st.builds(lambda k, vs: FieldMatch(k, MatchAny(tuple(vs))), keys, st.lists(operands, max_size=3)),
    st.builds(lambda k, vs: FieldMatch(k, MatchExcept(tuple(vs))), keys, st.lists(operands, max_size=3)),
    st.builds(
        lambda k, a, b, c, d: FieldRange(k, Range(gt=a, gte=b, lt=c, lte=d)), keys, bounds, bounds, bounds, bounds
    ),
    st.builds(IsNull, keys),
)


@settings(max_examples=600, deadline=None)
@given(cond=conditions, payload=payloads)
def test_a_checker_agrees_with_check_field(cond: Any, payload: dict[str, Any]) -> None:
    assert field_checker(cond)(payload) == check_field(cond, payload)


def test_types_stay_distinct() -> None:
    """Qdrant's payload types: true is not 1, 1.0 is not 1, "1" is not 1."""
    one = field_checker(FieldMatch("k", MatchValue(1)))
    assert one({"k": 1}) and one({"k": [0, 1]})
    assert not one({"k": True}) and not one({"k": 1.0}) and not one({"k": "1"}) and not one({})
    true = field_checker(FieldMatch("k", MatchAny((True, "a"))))
    assert true({"k": True}) and true({"k": "a"}) and not true({"k": 1}) and not true({"k": None})
    rng = field_checker(FieldRange("k", Range(gte=1)))
    assert rng({"k": 1}) and rng({"k": 1.5}) and rng({"k": [0, 2]})
    assert not rng({"k": True}) and not rng({"k": "2"}) and not rng({"k": None}) and not rng({"k": {"x": 2}})
