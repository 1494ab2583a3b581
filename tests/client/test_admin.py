"""The embedded client's service and administration methods: QdrantClient's names, the
server's answers (snapshots on disk; shard keys refused on automatically sharded collections,
cluster changes refused)."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest
from qdrant_client import QdrantClient

from vecbase import Client, models
from vecbase.core.errors import BadRequestError, NotFoundError
from vecbase.engine.toc import dir_name

# QdrantClient's public names that are no call to a database: its transports, its options,
# client-side embedding helpers (fastembed) and the migration tool
CLIENT_SIDE = {
    "DEFAULT_BATCH_SIZE",
    "http",
    "grpc_collections",
    "grpc_points",
    "init_options",
    "get_embedding_size",
    "list_image_models",
    "list_late_interaction_multimodal_models",
    "list_late_interaction_text_models",
    "list_sparse_models",
    "list_text_models",
    "migrate",
}


def _collection(client: Client, name: str = "c") -> None:
    client.create_collection(name, vectors_config=models.VectorParams(size=2, distance=models.Distance.DOT))
    client.upsert(name, [models.PointStruct(id=i, vector=[1.0, float(i)]) for i in range(3)])


def test_every_database_call_of_qdrant_client_is_a_method() -> None:
    wanted = {n for n in dir(QdrantClient) if not n.startswith("_")} - CLIENT_SIDE
    assert sorted(n for n in wanted if not callable(getattr(Client, n, None))) == []


def _named(fn: object) -> list[str]:
    return [
        name
        for name, p in inspect.signature(fn).parameters.items()  # type: ignore[arg-type]
        if p.kind is p.POSITIONAL_OR_KEYWORD and name != "self"
    ]


def test_parameters_are_qdrant_clients_in_its_order() -> None:
    """Code calling QdrantClient positionally or by keyword reaches the same parameters: every
    named parameter of a method is the one QdrantClient has at that place (a shorter list
    ends in ``**kwargs``, where the rest are accepted)."""
    for name, theirs in inspect.getmembers(QdrantClient, inspect.isfunction):
        if name.startswith("_") or name in CLIENT_SIDE:
            continue
        ours = _named(getattr(Client, name))
        assert ours == _named(theirs)[: len(ours)], name
        if name == "recreate_collection":  # passes everything on to create_collection
            continue
        missing = [p for p in _named(theirs) if p not in ours and p not in TRANSPORT_ONLY]
        assert missing == [], (name, missing)


# parameters that shape a network call, or a cluster's, and mean nothing embedded (accepted
# through ``**kwargs``); ``id_tracker`` is a setting of Qdrant 1.20, newer than the server's
TRANSPORT_ONLY = {"timeout", "consistency", "ordering", "wait", "grpc_grace", "priority", "id_tracker"}


def test_cluster_membership_calls_are_refused_as_on_a_single_node() -> None:
    with Client(":memory:") as client:
        for call in (client.cluster_telemetry, client.recover_current_peer, lambda: client.remove_peer(7)):
            with pytest.raises(BadRequestError, match="Distributed mode disabled"):
                call()


def test_version_optimizations_and_cluster() -> None:
    with Client(":memory:") as client:
        _collection(client)
        info = client.info()
        assert info.version == "1.19.0" and len(info.commit or "") == 40
        assert client.get_optimizations("c").summary.queued_optimizations == 0
        assert client.cluster_status() == {"status": "disabled"}
        shards = client.collection_cluster_info("c")
        assert shards.shard_count == 1 and shards.local_shards[0].points_count == 3
        assert client.list_shard_keys("c").shard_keys is None
        with pytest.raises(BadRequestError, match="custom sharding"):
            client.create_shard_key("c", "k")
        with pytest.raises(BadRequestError, match="custom sharding"):
            client.delete_shard_key("c", "k")
        with pytest.raises(NotFoundError):
            client.list_shard_keys("missing")


def test_vector_names_are_added_and_dropped() -> None:
    with Client(":memory:") as client:
        _collection(client)
        config = models.DenseVectorNameConfig(dense=models.DenseVectorConfig(size=3, distance=models.Distance.COSINE))
        client.create_vector_name("c", "extra", config)
        client.update_vectors("c", [models.PointVectors(id=1, vector={"extra": [1.0, 0.0, 0.0]})])
        hits = client.query_points("c", query=[1.0, 0.0, 0.0], using="extra").points
        assert [p.id for p in hits] == [1]
        client.delete_vector_name("c", "extra")
        with pytest.raises(BadRequestError, match="Not existing vector name"):
            client.query_points("c", query=[1.0, 0.0, 0.0], using="extra")


def test_snapshots_on_disk(tmp_path: Path) -> None:
    with Client(path=str(tmp_path)) as client:
        _collection(client)
        made = client.create_snapshot("c")
        assert [s.name for s in client.list_snapshots("c")] == [made.name] and made.size > 0
        archive = tmp_path / "snapshots" / dir_name("c") / made.name
        assert client.recover_snapshot("copy", f"file://{archive}", checksum=made.checksum)
        assert client.count("copy").count == 3
        shard = client.create_shard_snapshot("c", 0)
        assert shard.name in [s.name for s in client.list_shard_snapshots("c", 0)]
        shard_archive = tmp_path / "snapshots" / dir_name("c") / "shards" / "0" / shard.name
        assert client.recover_shard_snapshot("from_shard", 0, f"file://{shard_archive}")  # a new collection
        assert client.count("from_shard").count == 3
        with pytest.raises(NotFoundError, match="Shard 1 does not exist"):
            client.recover_shard_snapshot("from_shard", 1, f"file://{shard_archive}")
        assert client.delete_shard_snapshot("c", 0, shard.name)
        assert client.delete_snapshot("c", made.name)
        assert client.list_snapshots("c") == []
        full = client.create_full_snapshot()
        assert [s.name for s in client.list_full_snapshots()] == [full.name]
        assert client.delete_full_snapshot(full.name)
    with Client(path=str(tmp_path)) as client:  # the recovered copy is a collection like any other
        assert {c.name for c in client.get_collections().collections} == {"c", "copy", "from_shard"}


def test_snapshots_need_disk() -> None:
    with Client(":memory:") as client:
        _collection(client)
        with pytest.raises(BadRequestError, match="on-disk storage"):
            client.create_snapshot("c")
