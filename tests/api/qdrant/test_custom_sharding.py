"""Custom sharding through the server: qdrant-client over REST and over gRPC creates shard
keys, writes to them and reads from some or all of them; errors in Qdrant's words; the
keys and their points survive a restart and a snapshot."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any, Iterator

import httpx
import numpy as np
import pytest
from qdrant_client import QdrantClient
from qdrant_client import models as qm

from tests.api.qdrant.rest import error, ok
from tests.live_server import Server

DIM = 8
CATS, DOGS = "cats", 42


@pytest.fixture(scope="module", params=[False, True], ids=["rest", "grpc"])
def client(request: pytest.FixtureRequest, server: Server) -> Iterator[QdrantClient]:
    c = QdrantClient(url=server.url, grpc_port=server.grpc_port, prefer_grpc=request.param, timeout=30)
    yield c
    c.close()


def fresh(client: QdrantClient, name: str) -> None:
    client.delete_collection(name)
    client.create_collection(
        name,
        vectors_config=qm.VectorParams(size=DIM, distance=qm.Distance.DOT),
        sharding_method=qm.ShardingMethod.CUSTOM,
    )
    client.create_shard_key(name, CATS)
    client.create_shard_key(name, DOGS)


def animals(client: QdrantClient, name: str) -> tuple[list[int], list[int]]:
    rng = np.random.default_rng(1)
    cats, dogs = [1, 2, 3], [4, 5, 6]
    for ids, key, kind in ((cats, CATS, "cat"), (dogs, DOGS, "dog")):
        points = [qm.PointStruct(id=i, vector=rng.random(DIM).tolist(), payload={"kind": kind}) for i in ids]
        client.upsert(name, points, shard_key_selector=key)
    return cats, dogs


def test_reads_see_the_selected_shards(client: QdrantClient) -> None:
    fresh(client, "pets")
    cats, dogs = animals(client, "pets")
    keys = client.list_shard_keys("pets").shard_keys
    assert keys is not None and sorted(str(k.key) for k in keys) == ["42", "cats"]
    info = client.get_collection("pets")
    assert info.points_count == 6
    assert info.config.params.sharding_method == qm.ShardingMethod.CUSTOM

    query = np.ones(DIM)
    hits = client.query_points("pets", query=query, shard_key_selector=CATS).points
    assert sorted(h.id for h in hits) == cats and {h.shard_key for h in hits} == {CATS}
    hits = client.query_points("pets", query=query, limit=10).points
    assert sorted(h.id for h in hits) == cats + dogs
    assert {h.id: h.shard_key for h in hits} == {**dict.fromkeys(cats, CATS), **dict.fromkeys(dogs, DOGS)}
    hits = client.query_points("pets", query=query, shard_key_selector=[CATS, DOGS], limit=10).points
    assert len(hits) == 6

    records = client.retrieve("pets", cats + dogs, shard_key_selector=DOGS)
    assert sorted(r.id for r in records) == dogs and {r.shard_key for r in records} == {DOGS}
    records, _ = client.scroll("pets", shard_key_selector=CATS)
    assert [r.id for r in records] == cats and {r.shard_key for r in records} == {CATS}
    assert client.count("pets", shard_key_selector=CATS).count == 3
    assert client.count("pets").count == 6
    groups = client.query_points_groups("pets", "kind", query=query, shard_key_selector=DOGS).groups
    assert [g.id for g in groups] == ["dog"] and {h.shard_key for h in groups[0].hits} == {DOGS}
    batch = client.query_batch_points(
        "pets", [qm.QueryRequest(query=query.tolist(), shard_key=key) for key in (CATS, DOGS)]
    )
    assert [sorted(p.id for p in r.points) for r in batch] == [cats, dogs]
    fallback = qm.ShardKeyWithFallback(target="birds", fallback=CATS)
    assert sorted(h.id for h in client.query_points("pets", query=query, shard_key_selector=fallback).points) == cats


def test_writes_go_to_the_selected_shards(client: QdrantClient) -> None:
    fresh(client, "pets")
    cats, dogs = animals(client, "pets")
    client.set_payload("pets", {"sound": "meow"}, points=cats, shard_key_selector=CATS)
    assert {r.payload["sound"] for r in client.retrieve("pets", cats)} == {"meow"}
    # points live in one shard: the dogs' shard has no point 1
    with pytest.raises(Exception, match="No point with id 1 found"):
        client.set_payload("pets", {"sound": "woof"}, points=[1], shard_key_selector=DOGS)
    client.set_payload("pets", {"sound": "woof"}, points=qm.Filter(), shard_key_selector=DOGS)
    assert {r.id: r.payload["sound"] for r in client.retrieve("pets", cats + dogs)} == {
        **dict.fromkeys(cats, "meow"),
        **dict.fromkeys(dogs, "woof"),
    }
    client.delete_payload("pets", ["sound"], points=dogs, shard_key_selector=DOGS)
    assert all("sound" not in r.payload for r in client.retrieve("pets", dogs))
    client.update_vectors("pets", [qm.PointVectors(id=1, vector=[1.0] * DIM)], shard_key_selector=CATS)
    assert client.retrieve("pets", [1], with_vectors=True)[0].vector == [1.0] * DIM
    client.delete("pets", qm.PointIdsList(points=[1, 4]), shard_key_selector=CATS)
    assert client.count("pets").count == 5  # 4 lives in the dogs' shard
    client.batch_update_points(
        "pets",
        [qm.DeleteOperation(delete=qm.PointIdsList(points=[4], shard_key=DOGS))],
    )
    assert sorted(r.id for r in client.scroll("pets")[0]) == [2, 3, 5, 6]
    client.upload_collection("pets", [[0.5] * DIM] * 3, ids=[7, 8, 9], shard_key_selector=DOGS, wait=True)
    assert client.count("pets", shard_key_selector=DOGS).count == 5

    client.delete_shard_key("pets", CATS)
    assert [str(k.key) for k in client.list_shard_keys("pets").shard_keys or []] == ["42"]
    assert sorted(r.id for r in client.scroll("pets")[0]) == [5, 6, 7, 8, 9]


def test_errors_in_qdrants_words(server: Server) -> None:
    http = httpx.Client(base_url=server.url, timeout=30)
    c = "/collections/keyed"
    http.delete(c)
    ok(http.put(c, json={"vectors": {"size": 2, "distance": "Dot"}, "sharding_method": "custom"}))
    assert ok(http.put(c + "/shards", json={"shard_key": "a"})) is True
    assert "Shard key a already exists" in error(http.put(c + "/shards", json={"shard_key": "a"}), 400)
    # a key is a string or an unsigned 64-bit integer, as Qdrant's serde reads it
    for bad in (-1, 2**64, 1.5, True, None, [1]):
        message = error(http.put(c + "/shards", json={"shard_key": bad}), 400)
        assert message == "Format error in JSON body: data did not match any variant of untagged enum ShardKey"
    query = {"query": [1.0, 1.0], "shard_key": -3}
    message = error(http.post(c + "/points/query", json=query), 400)
    assert message == "Format error in JSON body: Expected a string or an integer"
    assert ok(http.put(c + "/shards", json={"shard_key": 2**64 - 1})) is True
    assert ok(http.post(c + "/shards/delete", json={"shard_key": 2**64 - 1})) is True
    point = {"id": 1, "vector": [1.0, 2.0]}
    assert (
        error(http.put(c + "/points?wait=true", json={"points": [point]}), 400)
        == "Wrong input: Shard key not specified"
    )
    body = {"points": [point], "shard_key": "b"}
    assert error(http.put(c + "/points?wait=true", json=body), 400) == "Wrong input: Shard key b not found"
    ok(http.put(c + "/points?wait=true", json={"points": [point], "shard_key": "a"}))
    query = {"query": [1.0, 1.0], "shard_key": 7}
    assert error(http.post(c + "/points/query", json=query), 400) == "Bad request: Shard key 7 not found"
    hits = ok(http.post(c + "/points/query", json={"query": [1.0, 1.0]}))["points"]
    assert [(h["id"], h["shard_key"]) for h in hits] == [(1, "a")]
    assert "Shard key b not found" in error(http.post(c + "/shards/delete", json={"shard_key": "b"}), 400)
    cluster = ok(http.get(c + "/cluster"))
    assert [(s["shard_key"], s["points_count"]) for s in cluster["local_shards"]] == [("a", 1)]
    # Qdrant runs shard key changes as cluster operations: the same through /cluster
    assert ok(http.post(c + "/cluster", json={"create_sharding_key": {"shard_key": 9}})) is True
    assert ok(http.get(c + "/shards"))["shard_keys"] == [{"key": "a"}, {"key": 9}]
    assert ok(http.post(c + "/cluster", json={"drop_sharding_key": {"shard_key": 9}})) is True
    move = {"move_shard": {"shard_id": 0, "from_peer_id": 1, "to_peer_id": 2}}
    assert "Distributed mode is disabled" in error(http.post(c + "/cluster", json=move), 400)
    # an automatically sharded collection has no keys
    http.delete("/collections/plain")
    ok(http.put("/collections/plain", json={"vectors": {"size": 2, "distance": "Dot"}}))
    assert "custom sharding" in error(http.put("/collections/plain/shards", json={"shard_key": "a"}), 400)
    assert ok(http.get("/collections/plain/shards"))["shard_keys"] is None
    hits = ok(http.post("/collections/plain/points/query", json={"query": [1.0, 1.0]}))["points"]
    assert all("shard_key" not in h for h in hits)
    http.close()


def state(client: QdrantClient, name: str) -> Any:
    records, _ = client.scroll(name, limit=100, with_vectors=True)
    return sorted((r.id, r.shard_key, r.payload["kind"], np.round(r.vector, 5).tolist()) for r in records)


def test_keys_survive_restart_and_snapshot(tmp_path: Path) -> None:
    storage = tmp_path / "storage"
    server = Server(storage).start()
    client = QdrantClient(url=server.url, timeout=30)
    fresh(client, "pets")
    animals(client, "pets")
    client.create_payload_index("pets", "kind", qm.PayloadSchemaType.KEYWORD)
    before = state(client, "pets")
    snapshot = client.create_snapshot("pets")
    assert snapshot is not None
    # an acknowledged write in one shard survives kill -9
    client.upsert("pets", [qm.PointStruct(id=10, vector=[0.1] * DIM, payload={"kind": "cat"})], shard_key_selector=CATS)
    server.stop(signal.SIGKILL)

    server = Server(storage, port=server.port).start()
    client = QdrantClient(url=server.url, timeout=30)
    assert sorted(str(k.key) for k in client.list_shard_keys("pets").shard_keys or []) == ["42", "cats"]
    assert client.count("pets", shard_key_selector=CATS).count == 4
    assert client.get_collection("pets").payload_schema["kind"].points == 7
    location = f"file://{storage / 'snapshots' / b'pets'.hex() / snapshot.name}"
    assert client.recover_snapshot("copy", location, checksum=snapshot.checksum)
    assert state(client, "copy") == before
    client.create_shard_key("copy", "birds")
    client.upsert(
        "copy", [qm.PointStruct(id=20, vector=[0.2] * DIM, payload={"kind": "bird"})], shard_key_selector="birds"
    )
    assert client.count("copy").count == 7
    assert server.stop(signal.SIGTERM) == 0


def test_shard_snapshots_hold_and_restore_one_key(tmp_path: Path) -> None:
    storage = tmp_path / "storage"
    server = Server(storage).start()
    client = QdrantClient(url=server.url, timeout=30)
    fresh(client, "pets")  # cats: shard 0, dogs: shard 1
    cats, dogs = animals(client, "pets")
    shards = {s.shard_id: s.shard_key for s in client.collection_cluster_info("pets").local_shards}
    assert shards == {0: CATS, 1: DOGS}
    snap = client.create_shard_snapshot("pets", 1)
    assert snap is not None and [s.name for s in client.list_shard_snapshots("pets", 1)] == [snap.name]
    assert client.list_shard_snapshots("pets", 0) == []
    with pytest.raises(Exception, match="Shard 5 does not exist"):
        client.create_shard_snapshot("pets", 5)
    # the dogs' shard changes; the cats' too, which the recovery must not touch
    client.delete("pets", qm.PointIdsList(points=dogs[:2]), shard_key_selector=DOGS)
    client.upsert("pets", [qm.PointStruct(id=30, vector=[0.3] * DIM)], shard_key_selector=DOGS)
    client.upsert("pets", [qm.PointStruct(id=31, vector=[0.3] * DIM)], shard_key_selector=CATS)
    archive = storage / "snapshots" / b"pets".hex() / "shards" / "1" / snap.name
    assert client.recover_shard_snapshot("pets", 1, f"file://{archive}", checksum=snap.checksum)

    def shard_ids(key: Any) -> list[Any]:
        return sorted(r.id for r in client.scroll("pets", limit=50, shard_key_selector=key)[0])

    assert shard_ids(DOGS) == dogs
    assert shard_ids(CATS) == [*cats, 31]
    client.upsert("pets", [qm.PointStruct(id=32, vector=[0.3] * DIM)], shard_key_selector=DOGS)  # still writable
    # a cats' shard snapshot is no collection snapshot
    cats_snap = client.create_shard_snapshot("pets", 0)
    cats_archive = storage / "snapshots" / b"pets".hex() / "shards" / "0" / cats_snap.name
    with pytest.raises(Exception, match="not a vecbase collection snapshot"):
        client.recover_snapshot("elsewhere", f"file://{cats_archive}")
    server.stop(signal.SIGKILL)

    server = Server(storage, port=server.port).start()
    client = QdrantClient(url=server.url, timeout=30)
    assert shard_ids(DOGS) == [*dogs, 32] and shard_ids(CATS) == [*cats, 31]
    assert {s.shard_id: s.shard_key for s in client.collection_cluster_info("pets").local_shards} == shards
    assert server.stop(signal.SIGTERM) == 0


def test_grpc_shard_key_messages(server: Server) -> None:
    import grpc

    from vecbase.api.qdrant.grpc.proto import collections_pb2 as cpb
    from vecbase.api.qdrant.grpc.proto import collections_service_pb2_grpc as crpc

    with grpc.insecure_channel(f"127.0.0.1:{server.grpc_port}") as channel:
        stub = crpc.CollectionsStub(channel)
        stub.Delete(cpb.DeleteCollection(collection_name="g"))
        params = cpb.VectorsConfig(params=cpb.VectorParams(size=2, distance=cpb.Distance.Dot))
        create = cpb.CreateCollection(
            collection_name="g", vectors_config=params, sharding_method=cpb.ShardingMethod.Custom
        )
        assert stub.Create(create).result
        info = stub.Get(cpb.GetCollectionInfoRequest(collection_name="g")).result
        assert info.config.params.sharding_method == cpb.ShardingMethod.Custom
        key = cpb.CreateShardKey(shard_key=cpb.ShardKey(keyword="x"), shards_number=1)
        assert stub.CreateShardKey(cpb.CreateShardKeyRequest(collection_name="g", request=key)).result
        setup = cpb.UpdateCollectionClusterSetupRequest(
            collection_name="g", create_shard_key=cpb.CreateShardKey(shard_key=cpb.ShardKey(number=5))
        )
        assert stub.UpdateCollectionClusterSetup(setup).result
        listed = stub.ListShardKeys(cpb.ListShardKeysRequest(collection_name="g")).shard_keys
        assert [(k.key.keyword, k.key.number) for k in listed] == [("x", 0), ("", 5)]
        cluster = stub.CollectionClusterInfo(cpb.CollectionClusterInfoRequest(collection_name="g"))
        assert [s.shard_key.keyword or s.shard_key.number for s in cluster.local_shards] == ["x", 5]
        drop = cpb.DeleteShardKeyRequest(
            collection_name="g", request=cpb.DeleteShardKey(shard_key=cpb.ShardKey(keyword="x"))
        )
        assert stub.DeleteShardKey(drop).result
        setup = cpb.UpdateCollectionClusterSetupRequest(
            collection_name="g", delete_shard_key=cpb.DeleteShardKey(shard_key=cpb.ShardKey(number=5))
        )
        assert stub.UpdateCollectionClusterSetup(setup).result
        assert len(stub.ListShardKeys(cpb.ListShardKeysRequest(collection_name="g")).shard_keys) == 0
