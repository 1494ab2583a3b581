"""The Qdrant dialect and the vector-stores dialect fuzzed from their OpenAPI documents
(schemathesis), a few examples per operation: no 5xx, no response outside its documented
schema, no request left unanswered past the timeout. The requests are the same on every run
(a fixed seed), so a red run is a regression, not a draw; ``bench/fuzz.py`` runs many more,
new ones per seed."""

from __future__ import annotations

import random
from typing import Iterator

import httpx
import pytest

from tests.fuzz.runner import OPENAI_SPEC, QDRANT_SPEC, aim, fuzz
from tests.live_server import Server

EXAMPLES = 8
SEED = 7


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with Server(tmp_path_factory.mktemp("fuzz") / "storage") as live:
        yield live


def test_qdrant_dialect(server: Server) -> None:
    with httpx.Client(base_url=server.url) as http:
        http.put("/collections/fuzz", json={"vectors": {"size": 4, "distance": "Dot"}}).raise_for_status()
        points = [{"id": i, "vector": [1, i, 0, 1], "payload": {"k": i}} for i in range(10)]
        http.put("/collections/fuzz/points?wait=true", json={"points": points}).raise_for_status()
    report = fuzz(QDRANT_SPEC, server.url, EXAMPLES, aim("collection_name", "fuzz", random.Random(7)), seed=SEED)
    assert report.examples >= 69 and not report.failures, "\n".join(report.lines())
    assert report.statuses[200] > 0  # some requests got through validation


def test_vector_stores_dialect(server: Server) -> None:
    with httpx.Client(base_url=server.url) as http:
        store = http.post("/v1/vector_stores", json={"name": "fuzz"}).json()["id"]
    prepare = aim("vector_store_id", store, random.Random(11))
    report = fuzz(OPENAI_SPEC, server.url + "/v1", EXAMPLES, prepare, seed=SEED)
    assert report.examples >= 20 and not report.failures, "\n".join(report.lines())
