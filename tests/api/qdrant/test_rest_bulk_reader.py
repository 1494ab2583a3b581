"""The bulk upsert reader (``api/qdrant/rest/bulk.py``) against the general path: whenever it
reads a body, the general path (orjson, then the dense-row check) reads the same ids, payloads,
flags and numbers; whenever the body is anything else, it declines and leaves the wording of
the error to the general path."""

from __future__ import annotations

from typing import Any

import numpy as np
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.datastructures import QueryParams

from tests.strategies import json_scalars, json_values
from vecbase.api.qdrant.rest.bulk import read_dense_bulk
from vecbase.api.qdrant.rest.call import Call
from vecbase.core.points import PayloadDocs


def _call(raw: bytes) -> Call:
    return Call(None, {"collection_name": "c"}, QueryParams(""), raw)  # type: ignore[arg-type]


def _general(raw: bytes) -> Any:
    call = _call(raw)
    call.json()  # parsed first: upsert_body then takes the general path
    return call.upsert_body()


def _stored(payloads: Any) -> list[bytes] | None:
    """The payloads as the engine will hold them, written by one writer: the bulk reader
    hands over stored documents (``{}`` for none), the general path dicts and None. Written
    out again, 1.0 and 1 or -0.0 and 0.0 stay apart, which ``==`` would not tell."""
    if isinstance(payloads, PayloadDocs):
        return [orjson.dumps(payloads.payload(i)) for i in range(len(payloads))]
    return None if payloads is None else [orjson.dumps(p or {}) for p in payloads]


def _same_request(a: Any, b: Any) -> None:
    assert a.model_dump(exclude={"batch"}) == b.model_dump(exclude={"batch"})
    assert a.batch.ids == b.batch.ids
    assert _stored(a.batch.payloads) == _stored(b.batch.payloads)
    va, vb = a.batch.vectors, b.batch.vectors
    if isinstance(va, dict):
        assert isinstance(vb, dict) and va.keys() == vb.keys()
        for name in va:
            assert np.array_equal(np.asarray(va[name], dtype=np.float64), np.asarray(vb[name], dtype=np.float64))
    else:
        assert np.array_equal(np.asarray(va, dtype=np.float64), np.asarray(vb, dtype=np.float64))


def test_qdrant_clients_points_body_reads_as_the_general_path_reads_it() -> None:
    rng = np.random.default_rng(3)
    v = rng.normal(size=(64, 16)).astype(np.float32)
    points = [{"id": i, "vector": v[i].tolist(), "payload": {"i": i, "tags": ["a", None], "x": 1.5}} for i in range(64)]
    raw = orjson.dumps({"points": points, "shard_key": "k", "update_mode": "insert_only"})
    bulk = read_dense_bulk(raw)
    assert bulk is not None and isinstance(bulk.rows, np.ndarray)
    assert bulk.rows.shape == (64, 16) and np.array_equal(bulk.rows.astype(np.float32), v)
    req = _call(raw).upsert_body()
    _same_request(req, _general(raw))
    assert req.shard_key == "k" and req.batch.payloads.payload(3) == {"i": 3, "tags": ["a", None], "x": 1.5}


def test_batch_and_named_bodies_read_as_the_general_path_reads_them() -> None:
    batch = {"batch": {"ids": [1, "7f1b0c9e-1c2a-4e5b-9a4d-3e2f1a0b9c8d"], "vectors": [[1, 2.5], [-0.0, 3]]}}
    named = {
        "points": [
            {"id": 1, "vector": {"a": [1, 2], "b": [0.5]}, "payload": None},
            {"id": 2, "vector": {"a": [3, 4], "b": [1e-3]}},
        ]
    }
    for body in (batch, named):
        raw = orjson.dumps(body)
        assert read_dense_bulk(raw) is not None
        _same_request(_call(raw).upsert_body(), _general(raw))


def test_brackets_in_payloads_names_and_flags_are_told_from_arrays_in_rows() -> None:
    accepted = [
        {"points": [{"id": 1, "vector": [1, 2], "payload": {"[k": "a[b]", "l": [[1], []], "e": {}}}]},
        {"points": [{"id": 1, "vector": {"n[": [1]}}, {"id": 2, "vector": {"n[": [2]}}]},
        {"batch": {"ids": [1, 2], "vectors": [[1], [2]], "payloads": [{"a": ["["]}, None]}, "shard_key": "["},
    ]
    for body in accepted:
        raw = orjson.dumps(body)
        assert read_dense_bulk(raw) is not None, body
        _same_request(_call(raw).upsert_body(), _general(raw))
    # an array inside a row, its "[" offset by an escaped one in a string: left to the
    # general path, which refuses it
    raw = b'{"points": [{"id": 1, "vector": [1, [2]], "payload": {"s": "\\u005b"}}]}'
    assert read_dense_bulk(raw) is None
    # an escaped "[" alone is just a string
    raw = b'{"points": [{"id": 1, "vector": [1, 2], "payload": {"s": "\\u005B", "l": [1]}}]}'
    assert read_dense_bulk(raw) is None  # unaccounted for: the general path reads it
    raw = b'{"points": [{"id": 1, "vector": [1, 2], "payload": {"s": "\\u005B"}}]}'
    _same_request(_call(raw).upsert_body(), _general(raw))


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"not json",
        b'{"points": [{"id": 1, "vector": [1, 2]}]',  # truncated
        b'\xef\xbb\xbf{"points": [{"id": 1, "vector": [1, 2]}]}',  # a byte order mark: refused by serde
        b'{"points": [{"id": 1, "vector": [1, true]}]}',
        b'{"points": [{"id": 1, "vector": [1, null]}]}',
        b'{"points": [{"id": 1, "vector": [1, "2"]}]}',
        b'{"points": [{"id": 1, "vector": [1, [2]]}]}',  # nested: not a row
        b'{"points": [{"id": 1, "vector": [[1, []], [2, [3, 4]]]}]}',
        b'{"points": [{"id": 1, "vector": []}]}',
        b'{"points": [{"id": 1, "vector": [1, 2]}, {"id": 2, "vector": [1, 2, 3]}]}',  # ragged
        b'{"points": [{"id": 1.0, "vector": [1, 2]}]}',
        b'{"points": [{"id": true, "vector": [1, 2]}]}',
        b'{"points": [{"id": 1, "vector": [1, 2], "vectors": [1, 2]}]}',  # an unknown key
        b'{"points": [{"id": 1, "vector": [1, 2], "id": 2}]}',  # a repeated key
        b'{"points": [{"id": 1, "vector": {"a": [1]}}, {"id": 2, "vector": [1]}]}',  # named, then not
        b'{"points": [{"id": 1, "vector": {"a": [1]}}, {"id": 2, "vector": {"b": [1]}}]}',  # other names
        b'{"points": [{"id": 1, "vector": {"s": {"indices": [1], "values": [1.0]}}}]}',  # sparse
        b'{"points": [{"id": 1, "vector": [1, 2], "payload": {"n": 123456789012345678901}}]}',  # past 64 bits
        b'{"points": [{"id": 1, "vector": [1, 2], "payload": [1]}]}',  # a payload that is no object
        b'{"points": [{"id": 1, "vector": [1, 2], "payload": "a"}]}',
        b'{"points": [{"id": 1, "vector": {"a": [1]}, "payload": 5}]}',
        b'{"batch": {"ids": [1], "vectors": [[1, 2]], "payloads": [[]]}}',
        b'{"batch": {"ids": [1], "vectors": [[1, 2]], "payloads": {}}}',
        b'{"points": []}',
        b'{"points": [{"id": 1, "vector": [1]}], "batch": {"ids": [1], "vectors": [[1]]}}',
        b'{"batch": {"ids": [1, 2], "vectors": [[1, 2], [3]]}}',
        b'{"batch": {"ids": [1], "vectors": {"a": [[1, 2]]}}}',  # named batch: the general path
        b'{"batch": {"ids": [1], "vectors": [[1, 2]], "ids": [2]}}',
        b"[1, 2, 3]",
    ],
)
def test_anything_else_is_left_to_the_general_path(raw: bytes) -> None:
    assert read_dense_bulk(raw) is None


numbers = st.one_of(st.integers(min_value=-(2**53), max_value=2**53), st.floats(allow_nan=False, allow_infinity=False))
cells = st.one_of(numbers, numbers, numbers, json_values)
ids = st.one_of(st.integers(min_value=0, max_value=2**63), st.uuids().map(str), st.floats(), st.booleans())


@st.composite
def bodies(draw: st.DrawFn) -> Any:
    n = draw(st.integers(min_value=1, max_value=4))
    width = draw(st.integers(min_value=1, max_value=4))
    ragged = st.sampled_from([0, 0, 0, 1])
    rows = [draw(st.lists(cells, min_size=width, max_size=width + draw(ragged))) for _ in range(n)]
    point_ids = [draw(ids) for _ in range(n)]
    # now and then a payload that is no object: the general path refuses it
    objects = st.dictionaries(st.text(max_size=3), json_values, max_size=3)
    payload = st.one_of(st.none(), objects, objects, objects, json_scalars)
    payloads = [draw(payload) for _ in range(n)]
    if draw(st.booleans()):
        body: dict[str, Any] = {"batch": {"ids": point_ids, "vectors": rows}}
        if draw(st.booleans()):
            body["batch"]["payloads"] = payloads
    elif draw(st.booleans()):
        body = {"points": [{"id": i, "vector": r, "payload": p} for i, r, p in zip(point_ids, rows, payloads)]}
    else:
        body = {"points": [{"id": i, "vector": {"x": r, "y": r[:1]}} for i, r in zip(point_ids, rows)]}
    if draw(st.booleans()):
        body["shard_key"] = draw(st.one_of(st.text(max_size=3), st.integers(min_value=0, max_value=9)))
    return body


@settings(max_examples=300, deadline=None)
@given(bodies())
def test_what_the_reader_reads_the_general_path_reads_alike(body: Any) -> None:
    raw = orjson.dumps(body)
    bulk = read_dense_bulk(raw)
    if bulk is None:
        return  # the general path alone decides
    general = _general(raw)  # raises if the general path would refuse the body
    fast = _call(raw).upsert_body()
    _same_request(fast, general)
