"""The document service without a server: expiry, ranking semantics, query rewriting."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Iterator

import pytest

from vecbase.core.errors import BadRequestError
from vecbase.documents.records import Chunking, to_json
from vecbase.documents.stores import STORES, DocumentService, rewrite
from vecbase.engine.toc import TableOfContent
from vecbase.inference.registry import REGISTRY

TEXTS = [
    "Solar panels convert sunlight into electricity.",
    "Wind turbines generate power from moving air.",
    "Photosynthesis lets plants turn light into chemical energy.",
    "Солнечные панели превращают свет в электричество.",
]


@pytest.fixture()
def service() -> Iterator[DocumentService]:
    toc = TableOfContent(None, flush_interval=None)
    svc = DocumentService(toc, None, REGISTRY)
    yield svc
    svc.close()
    toc.close()


def ingest(svc: DocumentService) -> str:
    store = svc.create_store("p", "energy", None, None, None, [], Chunking())
    files = [svc.files.create("p", f"{i}.txt", t.encode(), "assistants").id for i, t in enumerate(TEXTS)]
    svc.create_batch("p", store.id, [(f, {"i": i}, Chunking()) for i, f in enumerate(files)])
    deadline = time.monotonic() + 120
    while not svc.ingestor.idle() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert {a.status for a in svc.attachments(store.id)} == {"completed"}
    return store.id


def test_rankers(service: DocumentService) -> None:
    store = ingest(service)
    auto = service.search("p", store, ["how do solar panels make electricity"], None, 10, "auto", 0.0)
    none = service.search("p", store, ["how do solar panels make electricity"], None, 10, "none", 0.0)
    assert auto[0].text == TEXTS[0] and none[0].text == TEXTS[0]
    assert all(0.0 <= h.score <= 1.0 for h in auto + none)
    # "none": the same candidates ordered by cosine similarity alone
    assert {h.text for h in none} >= {h.text for h in auto}
    assert [h.score for h in none] == sorted((h.score for h in none), reverse=True)
    # a semantic match without shared words: only the dense path finds it
    semantic = service.search("p", store, ["photovoltaic modules on a roof"], None, 10, "auto", 0.0)
    assert semantic[0].text == TEXTS[0]
    # Russian: the English-only dense model is left out, BM25 (Russian stemmer) ranks
    russian = service.search("p", store, ["солнечная панель"], None, 10, "auto", 0.0)
    assert [h.text for h in russian] == [TEXTS[3]]
    high = service.search("p", store, ["solar panels"], None, 10, "auto", 0.99)
    assert all(h.score >= 0.99 for h in high)
    many = service.search("p", store, ["wind", "plants"], None, 10, "auto", 0.0)
    assert {many[0].text, many[1].text} == {TEXTS[1], TEXTS[2]}


def test_expired_store_refuses_search(service: DocumentService) -> None:
    store = service.create_store("p", "old", None, None, ("created_at", 1), [], Chunking())
    assert service.store_status(store) == "completed"
    aged = replace(store, created_at=store.created_at - 2 * 86400)
    service.catalog.put(STORES, store.id, to_json(aged))
    assert service.store_status(service.store("p", store.id)) == "expired"
    with pytest.raises(BadRequestError, match="expired"):
        service.search("p", store.id, ["x"], None, 10, "auto", 0.0)


def test_rewrite() -> None:
    assert rewrite("What is the capital of France?") == "capital France"
    assert rewrite("Какая столица у Франции?") == "столица Франции"
    assert rewrite("the of") == "the of"  # nothing would be left
