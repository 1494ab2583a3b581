"""Qdrant's local inference over REST: BM25 documents as point vectors and as queries, alone
and fused with a dense prefetch; other inference inputs are refused clearly."""

from __future__ import annotations

import math
from typing import Any

import httpx
import pytest

from tests.api.qdrant.rest import error, ok

C = "/collections/bm25"
TEXTS = {
    1: "The quick brown fox jumps over the lazy dog",
    2: "Dogs are running in the park",
    3: "A cat sleeps on the sofa all day",
    4: "the and of",  # only stop words: an empty sparse vector
}


def doc(text: str, **options: Any) -> dict[str, Any]:
    return {"model": "qdrant/bm25", "text": text, **({"options": options} if options else {})}


@pytest.fixture(scope="module", autouse=True)
def _collection(http: httpx.Client) -> None:
    body = {"vectors": {"dense": {"size": 2, "distance": "Cosine"}}, "sparse_vectors": {"text": {"modifier": "idf"}}}
    ok(http.put(C, json=body))
    points = [
        {"id": i, "vector": {"text": doc(t), "dense": [1.0, float(i)]}, "payload": {"t": t}} for i, t in TEXTS.items()
    ]
    ok(http.put(C + "/points?wait=true", json={"points": points}))


def _idf(n: int, df: int) -> float:
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


def test_documents_are_stored_as_bm25_vectors(http: httpx.Client) -> None:
    stored = ok(http.post(C + "/points", json={"ids": [2, 4], "with_vector": ["text"]}))
    by_id = {p["id"]: p["vector"]["text"] for p in stored}
    # dog, run, park: once each in 3 tokens, avg_len 256
    weight = 2.2 / (1 + 1.2 * (0.25 + 0.75 * 3 / 256))
    assert by_id[2]["values"] == pytest.approx([weight] * 3, rel=1e-6)
    assert by_id[4] == {"indices": [], "values": []}


def test_a_document_query_ranks_by_bm25(http: httpx.Client) -> None:
    hits = ok(http.post(C + "/points/query", json={"query": doc("running dogs"), "using": "text"}))["points"]
    assert [h["id"] for h in hits] == [2, 1]
    # point 2 has run and dog; point 1 has dog only; 4 documents hold the vector
    weight2 = 2.2 / (1 + 1.2 * (0.25 + 0.75 * 3 / 256))
    assert hits[0]["score"] == pytest.approx(weight2 * (_idf(4, 1) + _idf(4, 2)), rel=1e-5)
    nearest = ok(http.post(C + "/points/query", json={"query": {"nearest": doc("sofa")}, "using": "text"}))
    assert [h["id"] for h in nearest["points"]] == [3]
    assert ok(http.post(C + "/points/query", json={"query": doc("the of"), "using": "text"}))["points"] == []


def test_hybrid_fusion_over_bm25_and_dense_prefetches(http: httpx.Client) -> None:
    body = {
        "prefetch": [
            {"query": doc("lazy dog"), "using": "text", "limit": 3},
            {"query": [1.0, 1.0], "using": "dense", "limit": 3},
        ],
        "query": {"fusion": "rrf"},
        "limit": 4,
    }
    hits = ok(http.post(C + "/points/query", json=body))["points"]
    assert hits[0]["id"] == 1  # first in BM25 and in the dense prefetch
    assert len(hits) >= 3


def test_update_vectors_and_batch_take_documents(http: httpx.Client) -> None:
    ok(http.put(C + "/points/vectors?wait=true", json={"points": [{"id": 3, "vector": {"text": doc("lazy sofa")}}]}))
    hits = ok(http.post(C + "/points/query", json={"query": doc("lazy"), "using": "text"}))["points"]
    assert {h["id"] for h in hits} == {1, 3}
    batch = {
        "batch": {
            "ids": [10, 11],
            "vectors": {"text": [doc("purple owl"), doc("green owl")], "dense": [[1, 0], [0, 1]]},
        }
    }
    ok(http.put(C + "/points?wait=true", json=batch))
    hits = ok(http.post(C + "/points/query", json={"query": doc("owl"), "using": "text"}))["points"]
    assert {h["id"] for h in hits} == {10, 11}


def test_other_inference_inputs_and_unknown_models_are_400(http: httpx.Client) -> None:
    image = {"query": {"image": "https://example.invalid/x.png", "model": "clip"}, "using": "text"}
    assert "inference service" in error(http.post(C + "/points/query", json=image), 400)
    unknown = {"query": {"model": "nope/model", "text": "x"}, "using": "text"}
    assert "qdrant/bm25" in error(http.post(C + "/points/query", json=unknown), 400)
    bad = {"points": [{"id": 20, "vector": {"text": doc("x", b=3.0)}}]}
    assert "Invalid BM25 config" in error(http.put(C + "/points?wait=true", json=bad), 400)


def test_responses_report_inference_usage(http: httpx.Client) -> None:
    r = http.post(C + "/points/query", json={"query": doc("running dogs in parks"), "using": "text"})
    assert r.json()["usage"] == {"hardware": None, "inference": {"models": {"qdrant/bm25": {"tokens": 3}}}}
    up = http.put(C + "/points?wait=true", json={"points": [{"id": 30, "vector": {"text": doc("one two three four")}}]})
    assert up.json()["usage"]["inference"]["models"]["qdrant/bm25"]["tokens"] == 4
    plain = http.post(C + "/points/query", json={"query": {"indices": [1], "values": [1.0]}, "using": "text"})
    assert "usage" not in plain.json()  # nothing embedded: no usage, as Qdrant leaves it out
