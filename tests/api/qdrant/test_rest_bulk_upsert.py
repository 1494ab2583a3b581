"""Bulk upserts read their rows as matrices (plain and named dense vectors, as qdrant-client
and LangChain write them): every point keeps its vector and payload, the last of a repeated
id wins, and values that are not numbers, unknown names and other widths are refused as a
point-by-point read would refuse them."""

from __future__ import annotations

from typing import Any

import httpx
import numpy as np
import pytest

from tests.api.qdrant.rest import error, ok

C = "/collections/bulk"
P = C + "/points"


@pytest.fixture(scope="module", autouse=True)
def _collection(http: httpx.Client) -> None:
    vectors = {"": {"size": 4, "distance": "Euclid"}, "b": {"size": 3, "distance": "Dot"}}
    ok(http.put(C, json={"vectors": vectors, "sparse_vectors": {"s": {}}}))


def stored(http: httpx.Client, ids: list[int]) -> dict[int, Any]:
    got = ok(http.post(P, json={"ids": ids, "with_payload": True, "with_vector": True}))
    return {p["id"]: (p["vector"], p["payload"]) for p in got}


def test_named_rows_keep_each_points_vectors_and_payload(http: httpx.Client) -> None:
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(300, 4)).round(3), rng.normal(size=(300, 3)).round(3)
    points = [{"id": i, "vector": {"": a[i].tolist(), "b": b[i].tolist()}, "payload": {"i": i}} for i in range(300)]
    ok(http.put(P + "?wait=true", json={"points": points}))
    got = stored(http, [0, 150, 299])
    for i in (0, 150, 299):
        vector, payload = got[i]
        assert payload == {"i": i}
        assert np.allclose(vector[""], a[i], atol=1e-6) and np.allclose(vector["b"], b[i], atol=1e-6)
    # LangChain's shape: the unnamed vector under the empty name only
    ok(http.put(P + "?wait=true", json={"points": [{"id": 1000, "vector": {"": [1, 2, 3, 4]}, "payload": None}]}))
    vector, payload = stored(http, [1000])[1000]
    assert vector == [1.0, 2.0, 3.0, 4.0] and payload == {}  # a point with the unnamed vector only


def test_a_repeated_id_keeps_its_last_vector(http: httpx.Client) -> None:
    points = [
        {"id": 7, "vector": {"": [1, 1, 1, 1]}, "payload": {"v": 1}},
        {"id": 8, "vector": {"": [2, 2, 2, 2]}},
        {"id": 7, "vector": {"": [3, 3, 3, 3]}, "payload": {"v": 3}},
    ]
    ok(http.put(P + "?wait=true", json={"points": points}))
    vector, payload = stored(http, [7])[7]
    assert vector == [3.0, 3.0, 3.0, 3.0] and payload == {"v": 3}


@pytest.mark.parametrize(
    ("vector", "status", "wording"),
    [
        ({"": [1, "2", 3, 4]}, 400, "Format error in JSON body"),
        ({"": [1, None, 3, 4]}, 400, "Format error in JSON body"),
        # numpy would read a boolean among numbers as 0 or 1; serde refuses it
        ({"": [0.5, True, 3, 4]}, 400, "Format error in JSON body"),
        ({"": [False, 0.5, 0.25, 4]}, 400, "Format error in JSON body"),
        ({"nope": [1, 2, 3, 4]}, 400, "Wrong input: Not existing vector name error: nope"),
        ({"": [1, 2, 3]}, 400, "Wrong input: Vector dimension error: expected dim: 4, got 3"),
        ({"s": [1, 2, 3, 4]}, 400, "Conversion between sparse and regular vectors failed"),
    ],
)
def test_bad_rows_are_refused_whole(http: httpx.Client, vector: dict[str, Any], status: int, wording: str) -> None:
    points = [{"id": 500, "vector": {"": [1, 1, 1, 1]}}, {"id": 501, "vector": vector}]
    if set(vector) != {""}:
        points[0]["vector"] = {k: [1] * (4 if k in ("", "nope", "s") else 3) for k in vector}
    assert wording in error(http.put(P + "?wait=true", json={"points": points}), status)
    assert stored(http, [500, 501]) == {}  # nothing of a refused batch is written


def test_a_boolean_in_an_unnamed_batch_is_refused_and_zeros_and_ones_are_numbers(http: httpx.Client) -> None:
    rows = [[0.5, 0.25, 0.125, 1.0], [0.0, 1.0, 1, 0]]
    body = {"batch": {"ids": [600, 601], "vectors": [rows[0], [0.0, True, 1, 0]]}}
    assert "Format error in JSON body" in error(http.put(P + "?wait=true", json=body), 400)
    assert stored(http, [600, 601]) == {}
    ok(http.put(P + "?wait=true", json={"batch": {"ids": [600, 601], "vectors": rows}}))
    assert [v for v, _ in stored(http, [600, 601]).values()] == [[0.5, 0.25, 0.125, 1.0], [0.0, 1.0, 1.0, 0.0]]
