"""Query semantics Qdrant 1.19 defines and vecbase had wrong: the sparse ``idf`` search param
(an IDF corpus), ``offset`` with random sampling, text conditions on fields without a text
index."""

from __future__ import annotations

import math
from typing import Any

import httpx
import pytest

from tests.api.qdrant.rest import ok


def _idf(n: int, df: int) -> float:
    return math.log(1.0 + (n - df + 0.5) / (df + 0.5))


@pytest.fixture(scope="module")
def sparse(http: httpx.Client) -> str:
    name = "idf_corpus"
    body = {
        "vectors": {"d": {"size": 2, "distance": "Dot"}},
        "sparse_vectors": {"s": {"modifier": "idf"}, "plain": {}},
    }
    ok(http.put(f"/collections/{name}", json=body))
    rows = [({1: 1.0}, "a"), ({1: 1.0, 2: 1.0}, "a"), ({2: 1.0}, "b"), ({2: 1.0}, "b")]
    points = [
        {
            "id": i + 1,
            "vector": {
                "d": [1.0, 0.0],
                "s": {"indices": list(v), "values": list(v.values())},
                "plain": {"indices": [1], "values": [1.0]},
            },
            "payload": {"g": g},
        }
        for i, (v, g) in enumerate(rows)
    ]
    ok(http.put(f"/collections/{name}/points?wait=true", json={"points": points}))
    return name


def _scores(http: httpx.Client, name: str, params: dict[str, Any] | None) -> dict[int, float]:
    body: dict[str, Any] = {"query": {"indices": [1, 2], "values": [1.0, 1.0]}, "using": "s", "limit": 10}
    if params is not None:
        body["params"] = params
    return {p["id"]: p["score"] for p in ok(http.post(f"/collections/{name}/points/query", json=body))["points"]}


def test_idf_is_computed_over_the_corpus_filter(http: httpx.Client, sparse: str) -> None:
    everything = _scores(http, sparse, None)
    assert everything[2] == pytest.approx(_idf(4, 2) + _idf(4, 3), rel=1e-5)
    assert _scores(http, sparse, {"idf": "global"}) == everything

    corpus = {"idf": {"corpus": {"must": [{"key": "g", "match": {"value": "a"}}]}}}
    narrowed = _scores(http, sparse, corpus)
    # two documents in the corpus: term 1 in both, term 2 in one
    assert narrowed[1] == pytest.approx(_idf(2, 2), rel=1e-5)
    assert narrowed[2] == pytest.approx(_idf(2, 2) + _idf(2, 1), rel=1e-5)
    assert narrowed[3] == pytest.approx(_idf(2, 1), rel=1e-5)  # the corpus is not the retrieval filter
    assert narrowed != everything


@pytest.mark.parametrize(
    "query",
    [
        {"query": [1.0, 0.0], "using": "d"},
        {"query": {"indices": [1], "values": [1.0]}, "using": "plain"},
    ],
)
def test_an_idf_corpus_is_refused_without_the_idf_modifier(
    http: httpx.Client, sparse: str, query: dict[str, Any]
) -> None:
    params = {"idf": {"corpus": {"must": [{"key": "g", "match": {"value": "a"}}]}}}
    r = http.post(f"/collections/{sparse}/points/query", json={**query, "params": params})
    assert r.status_code == 400, r.text
    assert "idf" in r.json()["status"]["error"]


def test_random_sample_honours_offset(http: httpx.Client, sparse: str) -> None:
    url = f"/collections/{sparse}/points/query"
    for body in (
        {"query": {"sample": "random"}},
        {"prefetch": [{"query": [1.0, 0.0], "using": "d", "limit": 10}], "query": {"sample": "random"}},
    ):
        assert len(ok(http.post(url, json={**body, "limit": 10}))["points"]) == 4
        assert len(ok(http.post(url, json={**body, "limit": 2, "offset": 3}))["points"]) == 1
        assert ok(http.post(url, json={**body, "limit": 2, "offset": 4}))["points"] == []
        seen = {p["id"] for p in ok(http.post(url, json={**body, "limit": 3, "offset": 1}))["points"]}
        assert len(seen) == 3


@pytest.fixture(scope="module")
def texts(http: httpx.Client) -> str:
    name = "text_semantics"
    ok(http.put(f"/collections/{name}", json={"vectors": {"size": 2, "distance": "Dot"}}))
    docs = ["Hello World", "hello world", "say HELLO", "Worldwide news"]
    points = [{"id": i + 1, "vector": [1.0, 0.0], "payload": {"raw": d, "idx": d}} for i, d in enumerate(docs)]
    ok(http.put(f"/collections/{name}/points?wait=true", json={"points": points}))
    ok(http.put(f"/collections/{name}/index?wait=true", json={"field_name": "idx", "field_schema": "text"}))
    return name


def _matching(http: httpx.Client, name: str, key: str, match: dict[str, Any]) -> set[int]:
    flt = {"must": [{"key": key, "match": match}]}
    points = ok(http.post(f"/collections/{name}/points/scroll", json={"filter": flt, "limit": 10}))["points"]
    return {p["id"] for p in points}


def test_text_match_without_an_index_is_a_case_sensitive_substring(http: httpx.Client, texts: str) -> None:
    assert _matching(http, texts, "raw", {"text": "Hello"}) == {1}
    assert _matching(http, texts, "raw", {"text": "hello"}) == {2}
    assert _matching(http, texts, "raw", {"text": "World"}) == {1, 4}  # a substring, not a word
    assert _matching(http, texts, "raw", {"text": "lo Wo"}) == {1}
    assert _matching(http, texts, "raw", {"text_any": "HELLO news"}) == {3, 4}
    assert _matching(http, texts, "raw", {"phrase": "hello world"}) == {2}


def test_text_match_with_an_index_uses_its_tokens(http: httpx.Client, texts: str) -> None:
    assert _matching(http, texts, "idx", {"text": "hello"}) == {1, 2, 3}
    assert _matching(http, texts, "idx", {"text": "World"}) == {1, 2}
    assert _matching(http, texts, "idx", {"phrase": "hello world"}) == {1, 2}
