"""The REST envelope's unrolled dump of search hits (``envelope._scored``) writes what the
models' own ``model_dump`` writes, byte for byte once serialized: ids, versions, f32
scores, which optional fields are left out, and hits with vectors (which it hands back to
``model_dump``)."""

from __future__ import annotations

from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.strategies import json_values
from vecbase.api.qdrant import models as m
from vecbase.api.qdrant.rest.envelope import _dumped, json_response, to_jsonable

_OPTIONS = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS


def _written(value: Any) -> bytes:
    return orjson.dumps(value, option=_OPTIONS)


payloads = st.dictionaries(st.text(max_size=4), json_values, max_size=3)
floats = st.floats(allow_nan=False, allow_infinity=False, width=32)
vectors = st.one_of(
    st.none(),
    st.lists(floats, min_size=1, max_size=4),
    st.dictionaries(st.sampled_from(["a", "b"]), st.lists(floats, min_size=1, max_size=3), min_size=1),
    st.just({"s": {"indices": [1, 5], "values": [0.1, 0.2]}}),
)
hits = st.builds(
    m.ScoredPoint,
    id=st.one_of(st.integers(min_value=0, max_value=2**64 - 1), st.uuids().map(str)),
    version=st.integers(min_value=0, max_value=2**63),
    score=st.one_of(st.floats(min_value=-1e30, max_value=1e30), floats),  # scores are f32
    payload=st.one_of(st.none(), payloads),
    vector=vectors,
    shard_key=st.one_of(st.none(), st.integers(min_value=0, max_value=9), st.text(max_size=3)),
    order_value=st.one_of(
        st.none(), st.integers(min_value=-5, max_value=5), st.floats(allow_nan=False, allow_infinity=False)
    ),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(hits, max_size=4))
def test_search_hits_are_written_as_model_dump_writes_them(points: list[m.ScoredPoint]) -> None:
    response = m.QueryResponse(points=points)
    assert _written(to_jsonable(response)) == _written(_dumped(response))
    assert _written(to_jsonable(points)) == _written([_dumped(p) for p in points])


def test_a_hit_without_payload_or_vector_has_neither_key_and_an_f32_score() -> None:
    hit = m.ScoredPoint(id=7, version=2, score=0.15)
    body = orjson.loads(json_response({"result": to_jsonable(m.QueryResponse(points=[hit]))}).body)
    assert body == {"result": {"points": [{"id": 7, "version": 2, "score": 0.15}]}}
    # the f32 spelling, not the f64 one of 0.15 as float32 (0.15000000596046448)
    assert b'"score":0.15}' in json_response(to_jsonable(hit)).body
