"""The gRPC API: each served method through the raw generated stubs (answers and error
codes), and qdrant-client with ``prefer_grpc=True`` getting the same answers as over REST."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import grpc
import httpx
import pytest
from qdrant_client import QdrantClient, models

from tests.live_server import Server
from vecbase.api.qdrant.grpc.proto import collections_pb2 as cpb
from vecbase.api.qdrant.grpc.proto import collections_service_pb2_grpc as crpc
from vecbase.api.qdrant.grpc.proto import health_check_pb2 as hpb
from vecbase.api.qdrant.grpc.proto import health_check_pb2_grpc as hrpc
from vecbase.api.qdrant.grpc.proto import json_with_int_pb2 as jv
from vecbase.api.qdrant.grpc.proto import points_pb2 as ppb
from vecbase.api.qdrant.grpc.proto import points_service_pb2_grpc as prpc
from vecbase.api.qdrant.grpc.proto import qdrant_common_pb2 as common
from vecbase.api.qdrant.grpc.proto import qdrant_pb2 as qpb
from vecbase.api.qdrant.grpc.proto import qdrant_pb2_grpc as qrpc

KEY, READ_KEY = "grpc-key-0123456789abcdef0123456789", "grpc-read-0123456789abcdef0123456789"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with Server(tmp_path_factory.mktemp("grpc") / "storage") as live:
        yield live


@pytest.fixture(scope="module")
def channel(server: Server) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(f"127.0.0.1:{server.grpc_port}") as ch:
        yield ch


def pid(n: int) -> Any:
    return common.PointId(num=n)


def dense(*xs: float) -> Any:
    return ppb.Vectors(vector=ppb.Vector(dense=ppb.DenseVector(data=list(xs))))


def code_of(call: Any) -> Any:
    with pytest.raises(grpc.RpcError) as info:
        call()
    return info.value.code(), info.value.details()


def test_health(server: Server, channel: grpc.Channel) -> None:
    reply = qrpc.QdrantStub(channel).HealthCheck(qpb.HealthCheckRequest())
    root = httpx.get(server.url + "/").json()
    assert (reply.title, reply.version) == (root["title"], root["version"])
    status = hrpc.HealthStub(channel).Check(hpb.HealthCheckRequest(service=""))
    assert status.status == hpb.HealthCheckResponse.SERVING


def test_collections_service(channel: grpc.Channel) -> None:
    stub = crpc.CollectionsStub(channel)
    config = cpb.VectorsConfig(
        params_map=cpb.VectorParamsMap(map={"a": cpb.VectorParams(size=2, distance=cpb.Distance.Dot)})
    )
    create = cpb.CreateCollection(collection_name="raw", vectors_config=config)
    create.metadata["team"].CopyFrom(jv.Value(string_value="search"))
    assert stub.Create(create).result is True
    assert code_of(lambda: stub.Create(create))[0] == grpc.StatusCode.ALREADY_EXISTS
    assert "raw" in [c.name for c in stub.List(cpb.ListCollectionsRequest()).collections]
    assert stub.CollectionExists(cpb.CollectionExistsRequest(collection_name="raw")).result.exists
    info = stub.Get(cpb.GetCollectionInfoRequest(collection_name="raw")).result
    assert info.status == cpb.CollectionStatus.Green
    assert info.config.params.vectors_config.params_map.map["a"].size == 2
    assert info.config.params.vectors_config.params_map.map["a"].distance == cpb.Distance.Dot
    assert info.config.metadata["team"].string_value == "search"
    code, details = code_of(lambda: stub.Get(cpb.GetCollectionInfoRequest(collection_name="missing")))
    assert code == grpc.StatusCode.NOT_FOUND and details == "Not found: Collection `missing` doesn't exist!"
    bad = cpb.CreateCollection(
        collection_name="bad", vectors_config=cpb.VectorsConfig(params=cpb.VectorParams(size=0, distance=1))
    )
    assert code_of(lambda: stub.Create(bad))[0] == grpc.StatusCode.INVALID_ARGUMENT
    assert stub.Delete(cpb.DeleteCollection(collection_name="raw")).result is True
    assert not stub.CollectionExists(cpb.CollectionExistsRequest(collection_name="raw")).result.exists


def test_points_service(channel: grpc.Channel) -> None:
    collections = crpc.CollectionsStub(channel)
    collections.Create(
        cpb.CreateCollection(
            collection_name="pts",
            vectors_config=cpb.VectorsConfig(params=cpb.VectorParams(size=2, distance=cpb.Distance.Dot)),
        )
    )
    stub = prpc.PointsStub(channel)
    points = []
    for i in range(6):
        p = ppb.PointStruct(id=pid(i), vectors=dense(1.0, float(i)))
        p.payload["n"].CopyFrom(jv.Value(integer_value=i))
        p.payload["tag"].CopyFrom(jv.Value(string_value="even" if i % 2 == 0 else "odd"))
        points.append(p)
    done = stub.Upsert(ppb.UpsertPoints(collection_name="pts", points=points, wait=True))
    assert done.result.status == ppb.UpdateStatus.Completed
    assert stub.Count(ppb.CountPoints(collection_name="pts", exact=True)).result.count == 6
    even = common.Filter(
        must=[common.Condition(field=common.FieldCondition(key="tag", match=common.Match(keyword="even")))]
    )
    assert stub.Count(ppb.CountPoints(collection_name="pts", filter=even, exact=True)).result.count == 3
    query = ppb.QueryPoints(
        collection_name="pts",
        query=ppb.Query(nearest=ppb.VectorInput(dense=ppb.DenseVector(data=[0.0, 1.0]))),
        limit=2,
        with_payload=ppb.WithPayloadSelector(enable=True),
    )
    found = stub.Query(query).result
    assert [p.id.num for p in found] == [5, 4] and found[0].payload["n"].integer_value == 5
    assert found[0].score == pytest.approx(5.0)
    batch = stub.QueryBatch(ppb.QueryBatchPoints(collection_name="pts", query_points=[query, query])).result
    assert [[p.id.num for p in r.result] for r in batch] == [[5, 4], [5, 4]]
    search = stub.Search(ppb.SearchPoints(collection_name="pts", vector=[0.0, 1.0], limit=1, filter=even))
    assert [p.id.num for p in search.result] == [4]
    got = stub.Get(
        ppb.GetPoints(collection_name="pts", ids=[pid(1)], with_vectors=ppb.WithVectorsSelector(enable=True))
    )
    assert list(got.result[0].vectors.vector.dense.data) == [1.0, 1.0]
    page = stub.Scroll(ppb.ScrollPoints(collection_name="pts", limit=4))
    assert [p.id.num for p in page.result] == [0, 1, 2, 3] and page.next_page_offset.num == 4
    set_payload = ppb.SetPayloadPoints(
        collection_name="pts", wait=True, points_selector=ppb.PointsSelector(points=ppb.PointsIdsList(ids=[pid(0)]))
    )
    set_payload.payload["extra"].CopyFrom(jv.Value(bool_value=True))
    stub.SetPayload(set_payload)
    stub.DeletePayload(
        ppb.DeletePayloadPoints(
            collection_name="pts",
            wait=True,
            keys=["tag"],
            points_selector=ppb.PointsSelector(points=ppb.PointsIdsList(ids=[pid(0)])),
        )
    )
    payload = stub.Get(ppb.GetPoints(collection_name="pts", ids=[pid(0)])).result[0].payload
    assert set(payload) == {"n", "extra"}
    overwrite = ppb.SetPayloadPoints(
        collection_name="pts", wait=True, points_selector=ppb.PointsSelector(points=ppb.PointsIdsList(ids=[pid(0)]))
    )
    overwrite.payload["only"].CopyFrom(jv.Value(double_value=1.5))
    stub.OverwritePayload(overwrite)
    assert set(stub.Get(ppb.GetPoints(collection_name="pts", ids=[pid(0)])).result[0].payload) == {"only"}
    stub.Delete(ppb.DeletePoints(collection_name="pts", wait=True, points=ppb.PointsSelector(filter=even)))
    assert stub.Count(ppb.CountPoints(collection_name="pts", exact=True)).result.count == 4  # 0 lost its tag
    ids = ppb.PointsSelector(points=ppb.PointsIdsList(ids=[pid(1), pid(3)]))
    stub.ClearPayload(ppb.ClearPayloadPoints(collection_name="pts", wait=True, points=ids))
    cleared = stub.Get(ppb.GetPoints(collection_name="pts", ids=[pid(1), pid(3), pid(5)])).result
    assert [len(p.payload) for p in cleared] == [0, 0, 2]
    # bad input: wrong dimension, a missing collection
    wrong = ppb.UpsertPoints(collection_name="pts", points=[ppb.PointStruct(id=pid(9), vectors=dense(1.0))])
    assert code_of(lambda: stub.Upsert(wrong))[0] == grpc.StatusCode.INVALID_ARGUMENT
    missing = ppb.CountPoints(collection_name="nope")
    assert code_of(lambda: stub.Count(missing))[0] == grpc.StatusCode.NOT_FOUND


def test_qdrant_client_over_grpc_matches_rest(server: Server) -> None:
    rest = QdrantClient(url=server.url)
    over_grpc = QdrantClient(host="127.0.0.1", port=server.port, grpc_port=server.grpc_port, prefer_grpc=True)
    over_grpc.create_collection("cmp", vectors_config=models.VectorParams(size=3, distance=models.Distance.COSINE))
    points = [
        models.PointStruct(id=i, vector=[1.0, float(i), 2.0], payload={"k": i, "s": "x" if i % 2 else "y", "a": [1, 2]})
        for i in range(20)
    ]
    over_grpc.upsert("cmp", points)
    flt = models.Filter(must=[models.FieldCondition(key="s", match=models.MatchValue(value="x"))])
    for client in (rest, over_grpc):
        assert client.count("cmp").count == 20
    a = rest.query_points("cmp", query=[1, 2, 3], limit=5, query_filter=flt, with_payload=True).points
    b = over_grpc.query_points("cmp", query=[1, 2, 3], limit=5, query_filter=flt, with_payload=True).points
    assert [(p.id, p.payload) for p in a] == [(p.id, p.payload) for p in b]
    assert [p.score for p in a] == pytest.approx([p.score for p in b])
    assert rest.scroll("cmp", limit=7, scroll_filter=flt) == over_grpc.scroll("cmp", limit=7, scroll_filter=flt)
    a_records = rest.retrieve("cmp", [1, 2], with_vectors=True)
    b_records = over_grpc.retrieve("cmp", [1, 2], with_vectors=True)
    assert [(r.id, r.payload) for r in a_records] == [(r.id, r.payload) for r in b_records]
    for x, y in zip(a_records, b_records):  # REST prints float32s shortest, gRPC carries them exactly
        assert x.vector == pytest.approx(y.vector, rel=1e-6)
    info_rest, info_grpc = rest.get_collection("cmp"), over_grpc.get_collection("cmp")
    assert info_grpc.points_count == info_rest.points_count == 20
    assert info_grpc.config.params.vectors == info_rest.config.params.vectors
    over_grpc.delete("cmp", points_selector=models.FilterSelector(filter=flt))
    assert rest.count("cmp").count == 10
    assert over_grpc.delete_collection("cmp") and not rest.collection_exists("cmp")


@pytest.fixture(scope="module")
def keyed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    live = Server(tmp_path_factory.mktemp("grpc-keys") / "storage")
    live.start(env={"VECBASE__SERVICE__API_KEY": KEY, "VECBASE__SERVICE__READ_ONLY_API_KEY": READ_KEY})
    try:
        yield live
    finally:
        live.stop()


def test_api_keys_in_metadata(keyed: Server, tmp_path: Path) -> None:
    with grpc.insecure_channel(f"127.0.0.1:{keyed.grpc_port}") as ch:
        stub = crpc.CollectionsStub(ch)
        code, details = code_of(lambda: stub.List(cpb.ListCollectionsRequest()))
        assert code == grpc.StatusCode.UNAUTHENTICATED
        assert details == "Must provide an API key or an Authorization bearer token"
        assert code_of(lambda: stub.List(cpb.ListCollectionsRequest(), metadata=[("api-key", "nope")]))[0] == (
            grpc.StatusCode.UNAUTHENTICATED
        )
        config = cpb.VectorsConfig(params=cpb.VectorParams(size=2, distance=cpb.Distance.Dot))
        create = cpb.CreateCollection(collection_name="k", vectors_config=config)
        code, details = code_of(lambda: stub.Create(create, metadata=[("api-key", READ_KEY)]))
        assert code == grpc.StatusCode.PERMISSION_DENIED and details == "Forbidden: Global manage access is required"
        assert stub.Create(create, metadata=[("api-key", KEY)]).result
        listed = stub.List(cpb.ListCollectionsRequest(), metadata=[("authorization", f"Bearer {READ_KEY}")])
        assert [c.name for c in listed.collections] == ["k"]


def test_indexes_vectors_groups_facets_aliases_over_grpc(server: Server) -> None:
    rest = QdrantClient(url=server.url)
    c = QdrantClient(host="127.0.0.1", port=server.port, grpc_port=server.grpc_port, prefer_grpc=True)
    c.create_collection(
        "more",
        vectors_config={"a": models.VectorParams(size=2, distance=models.Distance.DOT)},
        sparse_vectors_config={"s": models.SparseVectorParams()},
    )
    c.upsert(
        "more",
        [models.PointStruct(id=i, vector={"a": [1.0, float(i)]}, payload={"g": i % 3, "t": f"w{i}"}) for i in range(9)],
    )
    c.create_payload_index("more", "g", models.PayloadSchemaType.INTEGER)
    c.create_payload_index(
        "more", "t", models.TextIndexParams(type=models.TextIndexType.TEXT, tokenizer=models.TokenizerType.WORD)
    )
    schema = rest.get_collection("more").payload_schema
    assert schema["g"].data_type == models.PayloadSchemaType.INTEGER
    assert schema["t"].data_type == models.PayloadSchemaType.TEXT
    assert c.get_collection("more").payload_schema["g"].data_type == models.PayloadSchemaType.INTEGER
    facets = c.facet("more", "g")
    assert sorted((h.value, h.count) for h in facets.hits) == [(0, 3), (1, 3), (2, 3)]
    groups = c.query_points_groups("more", "g", query=[0.0, 1.0], using="a", limit=2, group_size=2).groups
    rest_groups = rest.query_points_groups("more", "g", query=[0.0, 1.0], using="a", limit=2, group_size=2).groups
    assert [(g.id, [p.id for p in g.hits]) for g in groups] == [(g.id, [p.id for p in g.hits]) for g in rest_groups]
    c.update_vectors("more", [models.PointVectors(id=0, vector={"s": models.SparseVector(indices=[3], values=[2.0])})])
    assert rest.retrieve("more", [0], with_vectors=["s"])[0].vector == {
        "s": models.SparseVector(indices=[3], values=[2.0])
    }
    c.delete_vectors("more", ["s"], models.PointIdsList(points=[0]))
    assert rest.retrieve("more", [0], with_vectors=["s"])[0].vector == {}
    c.delete_payload_index("more", "t")
    assert "t" not in rest.get_collection("more").payload_schema
    c.update_collection("more", optimizers_config=models.OptimizersConfigDiff(indexing_threshold=5000))
    assert rest.get_collection("more").config.optimizer_config.indexing_threshold == 5000
    c.update_collection_aliases(
        [models.CreateAliasOperation(create_alias=models.CreateAlias(collection_name="more", alias_name="m2"))]
    )
    assert [(a.alias_name, a.collection_name) for a in c.get_aliases().aliases] == [("m2", "more")]
    assert [a.alias_name for a in c.get_collection_aliases("more").aliases] == ["m2"]
    assert [a.alias_name for a in rest.get_collection_aliases("more").aliases] == ["m2"]


def test_batches_cluster_and_shard_keys(server: Server, channel: grpc.Channel) -> None:
    rest = QdrantClient(url=server.url)
    c = QdrantClient(host="127.0.0.1", port=server.port, grpc_port=server.grpc_port, prefer_grpc=True)
    c.create_collection("ops", vectors_config=models.VectorParams(size=2, distance=models.Distance.DOT))
    results = c.batch_update_points(
        "ops",
        [
            models.UpsertOperation(
                upsert=models.PointsList(
                    points=[models.PointStruct(id=i, vector=[1.0, i], payload={}) for i in range(4)]
                )
            ),
            models.SetPayloadOperation(set_payload=models.SetPayload(payload={"a": 1}, points=[0, 1])),
            models.DeleteOperation(delete=models.PointIdsList(points=[3])),
            models.DeletePayloadOperation(delete_payload=models.DeletePayload(keys=["a"], points=[1])),
        ],
    )
    assert [r.status for r in results] == [models.UpdateStatus.COMPLETED] * 4
    assert [(r.id, r.payload) for r in rest.retrieve("ops", [0, 1, 2, 3])] == [(0, {"a": 1}), (1, {}), (2, {})]
    cluster = c.collection_cluster_info("ops")
    assert cluster.shard_count == 1 and cluster.local_shards[0].points_count == 3
    stub = crpc.CollectionsStub(channel)
    move = cpb.UpdateCollectionClusterSetupRequest(
        collection_name="ops", move_shard=cpb.MoveShard(shard_id=0, from_peer_id=1, to_peer_id=2)
    )
    rest_error = httpx.post(
        f"{server.url}/collections/ops/cluster",
        json={"move_shard": {"shard_id": 0, "from_peer_id": 1, "to_peer_id": 2}},
    )
    code, details = code_of(lambda: stub.UpdateCollectionClusterSetup(move))
    assert code == grpc.StatusCode.INVALID_ARGUMENT and details == rest_error.json()["status"]["error"]
    assert len(stub.ListShardKeys(cpb.ListShardKeysRequest(collection_name="ops")).shard_keys) == 0
    create_key = cpb.CreateShardKeyRequest(collection_name="ops", request=cpb.CreateShardKey())
    assert code_of(lambda: stub.CreateShardKey(create_key))[0] == grpc.StatusCode.INVALID_ARGUMENT


def test_snapshots_and_vector_names(channel: grpc.Channel) -> None:
    from vecbase.api.qdrant.grpc.proto import snapshots_service_pb2 as spb
    from vecbase.api.qdrant.grpc.proto import snapshots_service_pb2_grpc as srpc

    collections = crpc.CollectionsStub(channel)
    config = cpb.VectorsConfig(params_map=cpb.VectorParamsMap(map={"a": cpb.VectorParams(size=2, distance=3)}))
    collections.Create(cpb.CreateCollection(collection_name="snap", vectors_config=config))
    points = prpc.PointsStub(channel)
    dense_config = ppb.DenseVectorCreationConfig(size=3, distance=cpb.Distance.Cosine)
    points.CreateVectorName(
        ppb.CreateVectorNameRequest(collection_name="snap", vector_name="b", dense_config=dense_config, wait=True)
    )
    points.CreateVectorName(
        ppb.CreateVectorNameRequest(
            collection_name="snap", vector_name="s", sparse_config=ppb.SparseVectorCreationConfig(), wait=True
        )
    )
    info = collections.Get(cpb.GetCollectionInfoRequest(collection_name="snap")).result
    assert set(info.config.params.vectors_config.params_map.map) == {"a", "b"}
    assert set(info.config.params.sparse_vectors_config.map) == {"s"}
    again = ppb.CreateVectorNameRequest(collection_name="snap", vector_name="b", dense_config=dense_config)
    assert code_of(lambda: points.CreateVectorName(again))[0] == grpc.StatusCode.INVALID_ARGUMENT
    points.DeleteVectorName(ppb.DeleteVectorNameRequest(collection_name="snap", vector_name="b", wait=True))
    info = collections.Get(cpb.GetCollectionInfoRequest(collection_name="snap")).result
    assert set(info.config.params.vectors_config.params_map.map) == {"a"}

    snapshots = srpc.SnapshotsStub(channel)
    made = snapshots.Create(spb.CreateSnapshotRequest(collection_name="snap")).snapshot_description
    assert made.name and made.size > 0 and made.creation_time.seconds > 0
    listed = snapshots.List(spb.ListSnapshotsRequest(collection_name="snap")).snapshot_descriptions
    assert [s.name for s in listed] == [made.name]
    snapshots.Delete(spb.DeleteSnapshotRequest(collection_name="snap", snapshot_name=made.name))
    assert len(snapshots.List(spb.ListSnapshotsRequest(collection_name="snap")).snapshot_descriptions) == 0
    missing = spb.DeleteSnapshotRequest(collection_name="snap", snapshot_name="nope.snapshot")
    assert code_of(lambda: snapshots.Delete(missing))[0] == grpc.StatusCode.NOT_FOUND
    full = snapshots.CreateFull(spb.CreateFullSnapshotRequest()).snapshot_description
    assert full.name in [s.name for s in snapshots.ListFull(spb.ListFullSnapshotsRequest()).snapshot_descriptions]
    snapshots.DeleteFull(spb.DeleteFullSnapshotRequest(snapshot_name=full.name))
    assert full.name not in [s.name for s in snapshots.ListFull(spb.ListFullSnapshotsRequest()).snapshot_descriptions]


def test_legacy_search_recommend_discover(server: Server, channel: grpc.Channel) -> None:
    rest = QdrantClient(url=server.url)
    rest.create_collection("old", vectors_config=models.VectorParams(size=2, distance=models.Distance.DOT))
    rest.upsert("old", [models.PointStruct(id=i, vector=[1.0, float(i)], payload={"g": i % 2}) for i in range(8)])
    stub = prpc.PointsStub(channel)

    def ids(points: Any) -> list[int]:
        return [p.id.num for p in points]

    def rest_ids(path: str, body: dict[str, Any]) -> Any:
        found = httpx.post(f"{server.url}/collections/old/points/{path}", json=body).json()["result"]
        return [p["id"] for p in found] if path.split("/")[-1] != "groups" else found

    search = ppb.SearchPoints(collection_name="old", vector=[0.0, 1.0], limit=3)
    batch = stub.SearchBatch(ppb.SearchBatchPoints(collection_name="old", search_points=[search, search])).result
    assert [ids(b.result) for b in batch] == [rest_ids("search", {"vector": [0.0, 1.0], "limit": 3})] * 2
    groups = stub.SearchGroups(
        ppb.SearchPointGroups(collection_name="old", vector=[0.0, 1.0], limit=2, group_by="g", group_size=2)
    ).result.groups
    want = rest_ids("search/groups", {"vector": [0.0, 1.0], "limit": 2, "group_by": "g", "group_size": 2})
    assert [(g.id.unsigned_value, ids(g.hits)) for g in groups] == [
        (w["id"], [h["id"] for h in w["hits"]]) for w in want["groups"]
    ]
    recommend = ppb.RecommendPoints(collection_name="old", positive=[pid(7)], negative=[pid(0)], limit=3)
    assert ids(stub.Recommend(recommend).result) == rest_ids(
        "recommend", {"positive": [7], "negative": [0], "limit": 3}
    )
    rb = stub.RecommendBatch(ppb.RecommendBatchPoints(collection_name="old", recommend_points=[recommend])).result
    assert ids(rb[0].result) == ids(stub.Recommend(recommend).result)
    rg = stub.RecommendGroups(
        ppb.RecommendPointGroups(collection_name="old", positive=[pid(7)], limit=2, group_by="g", group_size=1)
    ).result.groups
    assert len(rg) == 2
    target = ppb.TargetVector(single=ppb.VectorExample(id=pid(5)))
    context = [ppb.ContextExamplePair(positive=ppb.VectorExample(id=pid(6)), negative=ppb.VectorExample(id=pid(1)))]
    discover = ppb.DiscoverPoints(collection_name="old", target=target, context=context, limit=3)
    assert ids(stub.Discover(discover).result) == rest_ids(
        "discover", {"target": 5, "context": [{"positive": 6, "negative": 1}], "limit": 3}
    )
    db = stub.DiscoverBatch(ppb.DiscoverBatchPoints(collection_name="old", discover_points=[discover])).result
    assert ids(db[0].result) == ids(stub.Discover(discover).result)
    missing = ppb.RecommendPoints(collection_name="old", positive=[pid(99)], limit=3)
    assert code_of(lambda: stub.Recommend(missing))[0] == grpc.StatusCode.NOT_FOUND


def test_gzip_and_large_messages(server: Server) -> None:
    """gzip-compressed calls are accepted, and a message past gRPC's 4 MB default goes through."""
    with grpc.insecure_channel(
        f"127.0.0.1:{server.grpc_port}",
        compression=grpc.Compression.Gzip,
        options=[("grpc.max_send_message_length", -1), ("grpc.max_receive_message_length", -1)],
    ) as ch:
        crpc.CollectionsStub(ch).Create(
            cpb.CreateCollection(
                collection_name="big",
                vectors_config=cpb.VectorsConfig(params=cpb.VectorParams(size=512, distance=cpb.Distance.Dot)),
            )
        )
        stub = prpc.PointsStub(ch)
        points = [ppb.PointStruct(id=pid(i), vectors=dense(*([float(i)] * 512))) for i in range(3000)]
        request = ppb.UpsertPoints(collection_name="big", points=points, wait=True)
        assert request.ByteSize() > 4 * 1024 * 1024
        assert stub.Upsert(request).result.status == ppb.UpdateStatus.Completed
        got = stub.Scroll(
            ppb.ScrollPoints(collection_name="big", limit=3000, with_vectors=ppb.WithVectorsSelector(enable=True))
        )
        assert len(got.result) == 3000 and got.ByteSize() > 4 * 1024 * 1024


def test_remaining_methods_with_raw_stubs(channel: grpc.Channel) -> None:
    collections, stub = crpc.CollectionsStub(channel), prpc.PointsStub(channel)
    config = cpb.VectorsConfig(params=cpb.VectorParams(size=2, distance=cpb.Distance.Dot))
    collections.Create(cpb.CreateCollection(collection_name="raw2", vectors_config=config))
    points = []
    for i in range(6):
        p = ppb.PointStruct(id=pid(i), vectors=dense(1.0, float(i)))
        p.payload["g"].CopyFrom(jv.Value(string_value="ab"[i % 2]))
        points.append(p)
    op = ppb.PointsUpdateOperation(upsert=ppb.PointsUpdateOperation.PointStructList(points=points))
    done = stub.UpdateBatch(ppb.UpdateBatchPoints(collection_name="raw2", operations=[op], wait=True))
    assert [r.status for r in done.result] == [ppb.UpdateStatus.Completed]
    keyword = ppb.FieldType.FieldTypeKeyword
    stub.CreateFieldIndex(ppb.CreateFieldIndexCollection(collection_name="raw2", field_name="g", field_type=keyword))
    info = collections.Get(cpb.GetCollectionInfoRequest(collection_name="raw2")).result
    assert info.payload_schema["g"].data_type == cpb.PayloadSchemaType.Keyword and info.payload_schema["g"].points == 6
    facet = stub.Facet(ppb.FacetCounts(collection_name="raw2", key="g")).hits
    assert sorted((h.value.string_value, h.count) for h in facet) == [("a", 3), ("b", 3)]
    groups = stub.QueryGroups(
        ppb.QueryPointGroups(
            collection_name="raw2",
            query=ppb.Query(nearest=ppb.VectorInput(dense=ppb.DenseVector(data=[0.0, 1.0]))),
            group_by="g",
            group_size=2,
            limit=2,
        )
    ).result.groups
    assert {g.id.string_value: [h.id.num for h in g.hits] for g in groups} == {"a": [4, 2], "b": [5, 3]}
    stub.DeleteFieldIndex(ppb.DeleteFieldIndexCollection(collection_name="raw2", field_name="g", wait=True))
    assert "g" not in collections.Get(cpb.GetCollectionInfoRequest(collection_name="raw2")).result.payload_schema
    stub.UpdateVectors(
        ppb.UpdatePointVectors(
            collection_name="raw2", wait=True, points=[ppb.PointVectors(id=pid(0), vectors=dense(9.0, 9.0))]
        )
    )
    got = stub.Get(
        ppb.GetPoints(collection_name="raw2", ids=[pid(0)], with_vectors=ppb.WithVectorsSelector(enable=True))
    )
    assert list(got.result[0].vectors.vector.dense.data) == [9.0, 9.0]
    stub.DeleteVectors(
        ppb.DeletePointVectors(
            collection_name="raw2",
            wait=True,
            points_selector=ppb.PointsSelector(points=ppb.PointsIdsList(ids=[pid(0)])),
            vectors=ppb.VectorsSelector(names=[""]),
        )
    )
    got = stub.Get(
        ppb.GetPoints(collection_name="raw2", ids=[pid(0)], with_vectors=ppb.WithVectorsSelector(enable=True))
    )
    assert not got.result[0].HasField("vectors") or not got.result[0].vectors.HasField("vector")
    pairs = stub.SearchMatrixPairs(ppb.SearchMatrixPoints(collection_name="raw2", sample=4, limit=1)).result.pairs
    offsets = stub.SearchMatrixOffsets(ppb.SearchMatrixPoints(collection_name="raw2", sample=4, limit=1)).result
    assert len(pairs) == len(offsets.scores) == 4 and len(offsets.ids) == 4
    collections.Update(cpb.UpdateCollection(collection_name="raw2", hnsw_config=cpb.HnswConfigDiff(ef_construct=77)))
    assert (
        collections.Get(cpb.GetCollectionInfoRequest(collection_name="raw2")).result.config.hnsw_config.ef_construct
        == 77
    )
    alias = cpb.AliasOperations(create_alias=cpb.CreateAlias(collection_name="raw2", alias_name="r2"))
    assert collections.UpdateAliases(cpb.ChangeAliases(actions=[alias])).result
    listed = collections.ListCollectionAliases(cpb.ListCollectionAliasesRequest(collection_name="raw2")).aliases
    assert [(a.alias_name, a.collection_name) for a in listed] == [("r2", "raw2")]
    assert ("r2", "raw2") in [
        (a.alias_name, a.collection_name) for a in collections.ListAliases(cpb.ListAliasesRequest()).aliases
    ]
    cluster = collections.CollectionClusterInfo(cpb.CollectionClusterInfoRequest(collection_name="raw2"))
    assert cluster.shard_count == 1 and cluster.local_shards[0].points_count == 6
    delete_key = cpb.DeleteShardKeyRequest(collection_name="raw2", request=cpb.DeleteShardKey())
    assert code_of(lambda: collections.DeleteShardKey(delete_key))[0] == grpc.StatusCode.INVALID_ARGUMENT


def test_storage_read(channel: grpc.Channel) -> None:
    from vecbase.api.qdrant.grpc.proto import storage_read_service_pb2 as rpb
    from vecbase.api.qdrant.grpc.proto import storage_read_service_pb2_grpc as rrpc

    config = cpb.VectorsConfig(params=cpb.VectorParams(size=2, distance=cpb.Distance.Dot))
    crpc.CollectionsStub(channel).Create(cpb.CreateCollection(collection_name="files", vectors_config=config))
    prpc.PointsStub(channel).Upsert(
        ppb.UpsertPoints(collection_name="files", wait=True, points=[ppb.PointStruct(id=pid(1), vectors=dense(1, 2))])
    )
    stub = rrpc.StorageReadStub(channel)
    files = stub.ListFiles(rpb.ListFilesRequest(collection_name="files", shard_id=0)).files
    assert files and all(f.size >= 0 and f.last_modified.seconds > 0 for f in files)
    name = max(files, key=lambda f: f.size).path
    whole = stub.ReadWhole(rpb.ReadWholeRequest(collection_name="files", shard_id=0, path=name)).data
    assert len(whole) == stub.FileLength(rpb.FileLengthRequest(collection_name="files", path=name)).length > 0
    assert stub.FileExists(rpb.FileExistsRequest(collection_name="files", path=name)).exists
    assert not stub.FileExists(rpb.FileExistsRequest(collection_name="files", path="nope")).exists
    part = stub.ReadBytes(rpb.ReadBytesRequest(collection_name="files", path=name, byte_offset=1, length=3)).data
    assert part == whole[1:4]
    batch = stub.ReadBatch(
        rpb.ReadBatchRequest(
            collection_name="files",
            path=name,
            ranges=[rpb.ReadBatchRange(byte_offset=0, length=2), rpb.ReadBatchRange(byte_offset=2, length=2)],
        )
    ).data
    assert list(batch) == [whole[0:2], whole[2:4]]
    streamed = b"".join(
        r.data
        for r in stub.ReadBytesStream(
            rpb.ReadBytesStreamRequest(collection_name="files", path=name, byte_offset=0, length=len(whole))
        )
    )
    assert streamed == whole
    outside = rpb.ReadWholeRequest(collection_name="files", path="../../aliases.json")
    assert code_of(lambda: stub.ReadWhole(outside))[0] == grpc.StatusCode.INVALID_ARGUMENT
    other_shard = rpb.ListFilesRequest(collection_name="files", shard_id=1)
    assert code_of(lambda: stub.ListFiles(other_shard))[0] == grpc.StatusCode.NOT_FOUND
    missing = rpb.ReadWholeRequest(collection_name="files", path="missing.bin")
    assert code_of(lambda: stub.ReadWhole(missing))[0] == grpc.StatusCode.NOT_FOUND


def test_collection_configs_read_the_same_over_both_transports(server: Server) -> None:
    rest = QdrantClient(url=server.url)
    over_grpc = QdrantClient(host="127.0.0.1", port=server.port, grpc_port=server.grpc_port, prefer_grpc=True)
    over_grpc.create_collection(
        "cfg",
        vectors_config={
            "v": models.VectorParams(
                size=2,
                distance=models.Distance.DOT,
                multivector_config=models.MultiVectorConfig(comparator=models.MultiVectorComparator.MAX_SIM),
            )
        },
        sparse_vectors_config={"s": models.SparseVectorParams(modifier=models.Modifier.IDF)},
        quantization_config=models.BinaryQuantization(binary=models.BinaryQuantizationConfig()),
        strict_mode_config=models.StrictModeConfig(
            enabled=True,
            max_query_limit=5,
            sparse_config={"s": models.StrictModeSparse(max_length=3)},
            multivector_config={"v": models.StrictModeMultivector(max_vectors=4)},
        ),
    )
    over_grpc.create_payload_index(
        "cfg", "t", models.TextIndexParams(type=models.TextIndexType.TEXT, tokenizer=models.TokenizerType.WORD)
    )
    over_grpc.create_payload_index(
        "cfg", "k", models.KeywordIndexParams(type=models.KeywordIndexType.KEYWORD, is_tenant=True)
    )
    a, b = rest.get_collection("cfg"), over_grpc.get_collection("cfg")
    assert a.config.strict_mode_config == b.config.strict_mode_config
    assert a.config.strict_mode_config is not None and a.config.strict_mode_config.sparse_config
    assert a.config.params == b.config.params and a.config.quantization_config == b.config.quantization_config
    assert {k: (s.data_type, s.params) for k, s in a.payload_schema.items()} == {
        k: (s.data_type, s.params) for k, s in b.payload_schema.items()
    }


def test_an_id_that_is_no_uuid_is_refused_in_every_message(channel: grpc.Channel) -> None:
    """As Qdrant converts a message's ids first: reads refuse it too, none answers 'not found'."""
    collections = crpc.CollectionsStub(channel)
    params = cpb.VectorParams(size=2, distance=cpb.Distance.Dot)
    create = cpb.CreateCollection(collection_name="uuids", vectors_config=cpb.VectorsConfig(params=params))
    collections.Create(create)
    stub, bad = prpc.PointsStub(channel), common.PointId(uuid="not-a-uuid")
    has_id = common.Filter(must=[common.Condition(has_id=common.HasIdCondition(has_id=[bad]))])
    calls = [
        lambda: stub.Get(ppb.GetPoints(collection_name="uuids", ids=[pid(1), bad])),
        lambda: stub.Scroll(ppb.ScrollPoints(collection_name="uuids", filter=has_id)),
        lambda: stub.Scroll(ppb.ScrollPoints(collection_name="uuids", offset=bad)),
        lambda: stub.Upsert(
            ppb.UpsertPoints(collection_name="uuids", points=[ppb.PointStruct(id=bad, vectors=dense(1, 2))])
        ),
    ]
    for call in calls:
        assert code_of(call) == (grpc.StatusCode.INVALID_ARGUMENT, "Unable to parse UUID: not-a-uuid")
    good = common.PointId(uuid="550E8400E29B41D4A716446655440000")  # the simple form, upper case
    stub.Upsert(
        ppb.UpsertPoints(collection_name="uuids", wait=True, points=[ppb.PointStruct(id=good, vectors=dense(1, 2))])
    )
    (got,) = stub.Get(ppb.GetPoints(collection_name="uuids", ids=[good])).result
    assert got.id.uuid == "550e8400-e29b-41d4-a716-446655440000"


def test_values_past_what_the_server_can_hold_are_refused(channel: grpc.Channel) -> None:
    """A timestamp past the years a datetime holds, and a multivector whose count does not
    divide its data (a count of 2**32 - 1 made four billion rows): INVALID_ARGUMENT."""
    collections = crpc.CollectionsStub(channel)
    params = cpb.VectorParams(size=2, distance=cpb.Distance.Dot)
    collections.Create(cpb.CreateCollection(collection_name="limits", vectors_config=cpb.VectorsConfig(params=params)))
    stub = prpc.PointsStub(channel)
    far = common.DatetimeRange()
    far.gt.seconds = 2**62
    cond = common.Condition(field=common.FieldCondition(key="d", datetime_range=far))
    count = ppb.CountPoints(collection_name="limits", filter=common.Filter(must=[cond]))
    code, details = code_of(lambda: stub.Count(count))
    assert code == grpc.StatusCode.INVALID_ARGUMENT and "timestamp out of range" in details
    ragged = ppb.Vectors(vector=ppb.Vector(data=[1.0, 2.0, 3.0], vectors_count=2**32 - 1))
    upsert = ppb.UpsertPoints(collection_name="limits", points=[ppb.PointStruct(id=pid(1), vectors=ragged)])
    code, details = code_of(lambda: stub.Upsert(upsert))
    assert code == grpc.StatusCode.INVALID_ARGUMENT and details == (
        "Malformed multi vector: data length 3 is not divisible by vectors count 4294967295"
    )
    within = common.DatetimeRange()
    within.gt.seconds, within.gt.nanos = -86_400, 500_000_000  # 1969-12-31T00:00:00.5Z
    near = common.Condition(field=common.FieldCondition(key="d", datetime_range=within))
    assert stub.Count(ppb.CountPoints(collection_name="limits", filter=common.Filter(must=[near]))).result.count == 0


def test_rate_limit_carries_retry_after(server: Server) -> None:
    """A strict-mode rate limit answers RESOURCE_EXHAUSTED with Qdrant's ``retry-after``
    trailer, which qdrant-client turns into ResourceExhaustedResponse on either transport."""
    from qdrant_client.common.client_exceptions import ResourceExhaustedResponse

    rest = QdrantClient(url=server.url, check_compatibility=False)
    rest.create_collection(
        "limited",
        vectors_config=models.VectorParams(size=2, distance=models.Distance.DOT),
        strict_mode_config=models.StrictModeConfig(enabled=True, read_rate_limit=1),
    )
    client = QdrantClient(url=server.url, grpc_port=server.grpc_port, prefer_grpc=True, check_compatibility=False)
    try:
        for c in (client, rest):
            with pytest.raises(ResourceExhaustedResponse) as caught:
                for _ in range(3):  # the bucket holds one read a minute
                    c.count("limited")
            assert caught.value.retry_after_s >= 1
            assert "Read rate limit exceeded" in caught.value.message
    finally:
        client.close()
        rest.close()


def test_grpc_calls_are_counted_in_telemetry_and_metrics(server: Server, channel: grpc.Channel) -> None:
    """Each gRPC call's duration and status code reach ``/telemetry`` (``requests.grpc``, by
    method path and code) and ``/metrics`` (Qdrant's ``grpc_responses_*`` families)."""
    stub = crpc.CollectionsStub(channel)
    for _ in range(3):
        stub.List(cpb.ListCollectionsRequest())
    with pytest.raises(grpc.RpcError):
        stub.Get(cpb.GetCollectionInfoRequest(collection_name="no_such_collection"))
    with httpx.Client(base_url=server.url) as http:
        grpc_telemetry = http.get("/telemetry").json()["result"]["requests"]["grpc"]["responses"]
        listed = grpc_telemetry["/qdrant.Collections/List"]["0"]
        assert listed["count"] >= 3 and listed["fail_count"] == 0 and listed["avg_duration_micros"] > 0
        not_found = grpc_telemetry["/qdrant.Collections/Get"]["5"]  # NOT_FOUND
        assert not_found["count"] >= 1 and not_found["fail_count"] == not_found["count"]
        get_succeeded = "0" in grpc_telemetry["/qdrant.Collections/Get"]  # earlier tests' calls
        metrics = http.get("/metrics").text
    samples = dict(line.rsplit(" ", 1) for line in metrics.splitlines() if line and not line.startswith("#"))
    assert int(samples['grpc_responses_total{endpoint="/qdrant.Collections/List"}']) >= 3
    assert int(samples['grpc_responses_fail_total{endpoint="/qdrant.Collections/Get"}']) >= 1
    assert float(samples['grpc_responses_avg_duration_seconds{endpoint="/qdrant.Collections/List"}']) > 0
    # durations of successful calls only: none while every call failed
    assert ('grpc_responses_avg_duration_seconds{endpoint="/qdrant.Collections/Get"}' in samples) == get_succeeded
    assert samples["cluster_enabled"] == "0" and samples["app_status_recovery_mode"] == "0"
    # REST durations are reported for successful responses, as Qdrant reports them
    assert any(k.startswith("rest_responses_avg_duration_seconds{") and 'status="200"' in k for k in samples)
    assert not any(k.startswith("rest_responses_avg_duration_seconds{") and 'status="200"' not in k for k in samples)
