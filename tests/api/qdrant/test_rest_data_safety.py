"""Destructive operations over REST: aliases never widen them, and deleting a collection that
the optimizer is working on is clean (Qdrant 1.19's behaviour)."""

from __future__ import annotations

import random
import time
from pathlib import Path

import httpx

from tests.live_server import Server


def _create(http: httpx.Client, name: str, dim: int = 4, **extra: object) -> None:
    r = http.put(f"/collections/{name}", json={"vectors": {"size": dim, "distance": "Dot"}, **extra})
    assert r.status_code == 200, r.text


def _alias(http: httpx.Client, alias: str, collection: str) -> httpx.Response:
    action = {"create_alias": {"alias_name": alias, "collection_name": collection}}
    return http.post("/collections/aliases", json={"actions": [action]})


def test_delete_by_alias_name_leaves_the_collection(http: httpx.Client) -> None:
    _create(http, "safety_target")
    http.put("/collections/safety_target/points?wait=true", json={"points": [{"id": 1, "vector": [1, 0, 0, 0]}]})
    assert _alias(http, "safety_alias", "safety_target").status_code == 200

    r = http.delete("/collections/safety_alias")
    assert r.status_code == 200
    assert r.json()["result"] is False  # an alias is not a collection name: nothing deleted

    info = http.get("/collections/safety_target")
    assert info.status_code == 200
    assert info.json()["result"]["points_count"] == 1
    assert http.get("/collections/safety_alias").status_code == 200  # the alias still resolves


def test_alias_and_collection_names_share_one_namespace(http: httpx.Client) -> None:
    _create(http, "ns_a")
    _create(http, "ns_b")
    r = _alias(http, "ns_b", "ns_a")
    assert r.status_code == 409, r.text
    assert "already exists" in r.json()["status"]["error"]
    # ns_b still answers as itself, not as ns_a
    assert http.get("/collections/ns_b/aliases").json()["result"]["aliases"] == []

    assert _alias(http, "ns_alias", "ns_a").status_code == 200
    r = http.put("/collections/ns_alias", json={"vectors": {"size": 4, "distance": "Dot"}})
    assert r.status_code == 400, r.text
    assert r.json()["status"]["error"] == (
        "Wrong input: Can't create collection with name ns_alias. Alias with the same name already exists"
    )
    # renaming an alias onto a collection name is refused the same way
    rename = {"rename_alias": {"old_alias_name": "ns_alias", "new_alias_name": "ns_b"}}
    r = http.post("/collections/aliases", json={"actions": [rename]})
    assert r.status_code == 409, r.text
    aliases = http.get("/aliases").json()["result"]["aliases"]
    assert {"alias_name": "ns_alias", "collection_name": "ns_a"} in aliases


def _optimizer_errors(server: Server) -> list[str]:
    lines = server.log.read_text(errors="replace").splitlines()
    return [ln for ln in lines if "optimization of collection" in ln or "Traceback" in ln or "ERROR" in ln]


def test_delete_and_recreate_while_the_optimizer_works(http: httpx.Client, server: Server) -> None:
    rng = random.Random(7)
    dim = 64
    # a low indexing threshold: each upload leaves segments to seal, index and merge
    optimizers = {"indexing_threshold": 20, "default_segment_number": 1}
    before = _optimizer_errors(server)
    for round_ in range(6):
        _create(http, "busy", dim, optimizers_config=optimizers, hnsw_config={"m": 16, "ef_construct": 200})
        for batch in range(3):
            points = [
                {"id": batch * 1000 + i, "vector": [rng.random() for _ in range(dim)], "payload": {"r": round_}}
                for i in range(1000)
            ]
            assert http.put("/collections/busy/points?wait=true", json={"points": points}).status_code == 200
        time.sleep(rng.choice([0.0, 0.05, 0.3, 0.6]))  # land in different stages of a pass
        r = http.delete("/collections/busy")
        assert r.status_code == 200, r.text
        assert r.json()["result"] is True
    time.sleep(1.0)  # a pass that was under way has finished
    assert _optimizer_errors(server) == before
    # nothing of the deleted collections is left on disk
    collections = Path(server.storage) / "collections"
    assert not (collections / b"busy".hex()).exists()

    # the name is free and a new collection under it starts empty and works
    _create(http, "busy", dim)
    assert http.post("/collections/busy/points/count", json={"exact": True}).json()["result"]["count"] == 0
    up = http.put("/collections/busy/points?wait=true", json={"points": [{"id": 1, "vector": [1.0] * dim}]})
    assert up.status_code == 200
    assert http.post("/collections/busy/points/count", json={"exact": True}).json()["result"]["count"] == 1
