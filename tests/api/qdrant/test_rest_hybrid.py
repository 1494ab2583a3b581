"""The Qdrant dialect end to end, as a user of qdrant-client's ``models.Document`` writes it:
a sparse vector ``text`` (no params) filled by ``qdrant/bm25`` and a dense MiniLM vector,
queried with a BM25 document alone and fused with a dense prefetch."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api.qdrant.rest import ok

C = "/collections/hybrid"
MINILM = "sentence-transformers/all-MiniLM-L6-v2"
TEXTS = {
    1: "Python is a programming language that lets you work quickly",
    2: "The cheetah is the fastest land animal",
    3: "Snakes such as the python are reptiles",
    4: "Rust and Go are compiled programming languages",
    5: "the of and",  # stop words only
}


def bm25(text: str) -> dict[str, Any]:
    return {"model": "qdrant/bm25", "text": text}


def dense(text: str) -> dict[str, Any]:
    return {"model": MINILM, "text": text}


@pytest.fixture(scope="module", autouse=True)
def _collection(http: httpx.Client) -> None:
    body = {"vectors": {"dense": {"size": 384, "distance": "Cosine"}}, "sparse_vectors": {"text": {}}}
    ok(http.put(C, json=body))
    points = [{"id": i, "vector": {"text": bm25(t), "dense": dense(t)}, "payload": {"t": t}} for i, t in TEXTS.items()]
    ok(http.put(C + "/points?wait=true", json={"points": points}))


def _ids(body: dict[str, Any], http: httpx.Client) -> list[int]:
    return [p["id"] for p in ok(http.post(C + "/points/query", json=body))["points"]]


def test_bm25_alone(http: httpx.Client) -> None:
    assert _ids({"query": bm25("programming languages"), "using": "text"}, http)[:2] in ([1, 4], [4, 1])
    assert _ids({"query": bm25("the and"), "using": "text"}, http) == []  # a stop-word-only query finds nothing


def test_dense_alone(http: httpx.Client) -> None:
    assert _ids({"query": dense("fast animals"), "using": "dense", "limit": 1}, http) == [2]
    assert _ids({"query": dense("coding in a language"), "using": "dense", "limit": 2}, http)[0] in (1, 4)


@pytest.mark.parametrize("fusion", ["rrf", "dbsf"])
def test_bm25_fused_with_dense(http: httpx.Client, fusion: str) -> None:
    body = {
        "prefetch": [
            {"query": bm25("python"), "using": "text", "limit": 5},
            {"query": dense("a snake"), "using": "dense", "limit": 5},
        ],
        "query": {"fusion": fusion},
        "limit": 3,
    }
    ids = _ids(body, http)
    assert ids[0] == 3  # the python snake: in both prefetches, first in the dense one


def test_unknown_model_lists_the_known_ones(http: httpx.Client) -> None:
    r = http.post(C + "/points/query", json={"query": {"model": "no/such", "text": "x"}, "using": "dense"})
    assert r.status_code == 400
    message = r.json()["status"]["error"]
    assert "qdrant/bm25" in message and MINILM in message
