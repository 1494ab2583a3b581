"""Settings set over gRPC read back the same over REST and over gRPC (api.qdrant.grpc.settings):
payload index parameters, quantization, memory placements, and upsert modes."""

from __future__ import annotations

from typing import Any, Iterator

import httpx
import pytest
from qdrant_client import QdrantClient, models

from tests.live_server import Server

TEXT_PARAMS = {
    "multilingual": models.TextIndexParams(type="text", tokenizer=models.TokenizerType.MULTILINGUAL),
    "stop_language": models.TextIndexParams(type="text", stopwords=models.Language.ENGLISH),
    "stop_set": models.TextIndexParams(
        type="text", stopwords=models.StopwordsSet(languages=[models.Language.ENGLISH], custom=["foo"])
    ),
    "stem": models.TextIndexParams(
        type="text", stemmer=models.SnowballParams(type="snowball", language=models.SnowballLanguage.ENGLISH)
    ),
    "no_stem": models.TextIndexParams(type="text", stemmer=models.DisabledStemmerParams(type=models.NoStemmer.NONE)),
    "cold": models.TextIndexParams(type="text", memory=models.Memory.COLD, phrase_matching=True, ascii_folding=True),
}


@pytest.fixture(scope="module")
def clients(server: Server) -> Iterator[tuple[QdrantClient, QdrantClient, httpx.Client]]:
    grpc_client = QdrantClient(host="127.0.0.1", port=server.port, grpc_port=server.grpc_port, prefer_grpc=True)
    with httpx.Client(base_url=server.url, timeout=30) as http:
        yield grpc_client, QdrantClient(url=server.url), http
    grpc_client.close()


def _fresh(client: QdrantClient, name: str, **kwargs: Any) -> None:
    if client.collection_exists(name):
        client.delete_collection(name)
    client.create_collection(name, vectors_config=models.VectorParams(size=4, distance=models.Distance.DOT), **kwargs)


def test_text_index_params_round_trip(clients: Any) -> None:
    grpc_client, rest_client, http = clients
    _fresh(grpc_client, "text_params")
    for field, params in TEXT_PARAMS.items():
        grpc_client.create_payload_index("text_params", field, params, wait=True)
    raw = http.get("/collections/text_params").json()["result"]["payload_schema"]
    assert raw["stop_language"]["params"]["stopwords"] == "english"  # one language: REST's short form
    assert raw["stop_set"]["params"]["stopwords"] == {"languages": ["english"], "custom": ["foo"]}
    assert raw["stem"]["params"]["stemmer"] == {"type": "snowball", "language": "english"}
    assert raw["no_stem"]["params"]["stemmer"] == {"type": "none"}
    assert raw["cold"]["params"]["memory"] == "cold" and raw["multilingual"]["params"]["tokenizer"] == "multilingual"
    over_grpc = grpc_client.get_collection("text_params").payload_schema
    over_rest = rest_client.get_collection("text_params").payload_schema
    for field in TEXT_PARAMS:
        ours, theirs = over_grpc[field].params, over_rest[field].params
        assert ours is not None and theirs is not None
        for name in ("stopwords", "stemmer", "memory", "phrase_matching", "ascii_folding"):
            assert getattr(ours, name) == getattr(theirs, name), (field, name)


@pytest.mark.parametrize("encoding", list(models.BinaryQuantizationEncoding))
@pytest.mark.parametrize("query_encoding", [*models.BinaryQuantizationQueryEncoding, None])
def test_binary_quantization_round_trip(clients: Any, encoding: Any, query_encoding: Any) -> None:
    grpc_client, rest_client, _ = clients
    config = models.BinaryQuantization(
        binary=models.BinaryQuantizationConfig(encoding=encoding, query_encoding=query_encoding)
    )
    _fresh(grpc_client, "binary", quantization_config=config)
    for client in (grpc_client, rest_client):
        read = client.get_collection("binary").config.quantization_config
        assert isinstance(read, models.BinaryQuantization)
        assert (read.binary.encoding, read.binary.query_encoding) == (encoding, query_encoding)


def test_quantization_update_and_disable_over_grpc(clients: Any) -> None:
    grpc_client, rest_client, http = clients
    _fresh(grpc_client, "quant")
    scalar = models.ScalarQuantization(
        scalar=models.ScalarQuantizationConfig(type=models.ScalarType.INT8, quantile=0.99, memory=models.Memory.PINNED)
    )
    assert grpc_client.update_collection("quant", quantization_config=scalar)
    raw = http.get("/collections/quant").json()["result"]["config"]["quantization_config"]
    assert raw == {"scalar": {"type": "int8", "quantile": 0.99, "memory": "pinned"}}
    read = grpc_client.get_collection("quant").config.quantization_config
    assert isinstance(read, models.ScalarQuantization) and read.scalar.memory == models.Memory.PINNED
    assert grpc_client.update_collection("quant", quantization_config=models.Disabled.DISABLED)
    assert rest_client.get_collection("quant").config.quantization_config is None


def test_memory_placements_round_trip(clients: Any) -> None:
    grpc_client, rest_client, http = clients
    if grpc_client.collection_exists("memory"):
        grpc_client.delete_collection("memory")
    grpc_client.create_collection(
        "memory",
        vectors_config=models.VectorParams(size=4, distance=models.Distance.DOT, memory=models.Memory.CACHED),
        hnsw_config=models.HnswConfigDiff(memory=models.Memory.COLD),
    )
    config = http.get("/collections/memory").json()["result"]["config"]
    assert config["params"]["vectors"]["memory"] == "cached" and config["hnsw_config"]["memory"] == "cold"
    for client in (grpc_client, rest_client):
        read = client.get_collection("memory").config
        assert read.params.vectors.memory == models.Memory.CACHED
        assert read.hnsw_config.memory == models.Memory.COLD


@pytest.mark.parametrize("batch", [False, True], ids=["upsert", "batch_update"])
def test_update_modes_over_grpc(clients: Any, batch: bool) -> None:
    grpc_client, _, _ = clients
    _fresh(grpc_client, "modes")
    grpc_client.upsert("modes", [models.PointStruct(id=1, vector=[1, 0, 0, 0], payload={"v": 1})])

    def upsert(pid: int, value: int, mode: models.UpdateMode) -> None:
        point = models.PointStruct(id=pid, vector=[0, 1, 0, 0], payload={"v": value})
        if batch:
            op = models.UpsertOperation(upsert=models.PointsList(points=[point], update_mode=mode))
            grpc_client.batch_update_points("modes", [op])
        else:
            grpc_client.upsert("modes", [point], update_mode=mode)

    upsert(1, 2, models.UpdateMode.INSERT_ONLY)  # exists: kept as it was
    upsert(2, 2, models.UpdateMode.UPDATE_ONLY)  # missing: not inserted
    upsert(3, 3, models.UpdateMode.INSERT_ONLY)  # missing: inserted
    upsert(1, 4, models.UpdateMode.UPDATE_ONLY)  # exists: updated
    records = {r.id: r.payload for r in grpc_client.retrieve("modes", [1, 2, 3])}
    assert records == {1: {"v": 4}, 3: {"v": 3}}


def _full_config() -> dict[str, Any]:
    m = models
    return dict(
        vectors_config={
            "a": m.VectorParams(
                size=4,
                distance=m.Distance.COSINE,
                on_disk=True,
                datatype=m.Datatype.FLOAT16,
                hnsw_config=m.HnswConfigDiff(m=8, ef_construct=50, payload_m=4, on_disk=True),
                quantization_config=m.ProductQuantization(
                    product=m.ProductQuantizationConfig(compression=m.CompressionRatio.X8, always_ram=True)
                ),
            ),
            "b": m.VectorParams(
                size=4,
                distance=m.Distance.MANHATTAN,
                datatype=m.Datatype.UINT8,
                multivector_config=m.MultiVectorConfig(comparator=m.MultiVectorComparator.MAX_SIM),
            ),
        },
        sparse_vectors_config={
            "s": m.SparseVectorParams(
                index=m.SparseIndexParams(full_scan_threshold=100, on_disk=True, datatype=m.Datatype.FLOAT16),
                modifier=m.Modifier.IDF,
            )
        },
        hnsw_config=m.HnswConfigDiff(m=32, ef_construct=200, full_scan_threshold=2000, max_indexing_threads=2),
        optimizers_config=m.OptimizersConfigDiff(
            deleted_threshold=0.3,
            vacuum_min_vector_number=500,
            default_segment_number=2,
            max_segment_size=100000,
            indexing_threshold=5000,
            flush_interval_sec=3,
            max_optimization_threads=1,
        ),
        wal_config=m.WalConfigDiff(wal_capacity_mb=16, wal_segments_ahead=1, wal_retain_closed=2),
        quantization_config=m.ScalarQuantization(
            scalar=m.ScalarQuantizationConfig(type=m.ScalarType.INT8, quantile=0.5)
        ),
        on_disk_payload=False,
        strict_mode_config=m.StrictModeConfig(
            enabled=True,
            max_query_limit=100,
            multivector_config={"b": m.StrictModeMultivector(max_vectors=5)},
            sparse_config={"s": m.StrictModeSparse(max_length=100)},
        ),
        metadata={"x": {"y": [1, 2.5, "z", None, True]}},
    )


def test_collection_config_is_the_same_created_or_updated_over_either(clients: Any) -> None:
    grpc_client, rest_client, _ = clients
    for name, client in (("via_rest", rest_client), ("via_grpc", grpc_client)):
        if client.collection_exists(name):
            client.delete_collection(name)
        client.create_collection(name, **_full_config())

    def views() -> list[Any]:
        return [c.get_collection(n).config for n in ("via_rest", "via_grpc") for c in (rest_client, grpc_client)]

    first = views()
    assert all(view == first[0] for view in first[1:])
    assert first[0].optimizer_config.max_optimization_threads == 1
    assert first[0].params.vectors["a"].quantization_config.product.compression == models.CompressionRatio.X8
    diff = dict(
        vectors_config={
            "a": models.VectorParamsDiff(
                hnsw_config=models.HnswConfigDiff(m=12),
                on_disk=False,
                quantization_config=models.BinaryQuantization(binary=models.BinaryQuantizationConfig(always_ram=True)),
            )
        },
        sparse_vectors_config={"s": models.SparseVectorParams(index=models.SparseIndexParams(full_scan_threshold=50))},
        optimizers_config=models.OptimizersConfigDiff(indexing_threshold=7000, max_optimization_threads="auto"),
        quantization_config=models.Disabled.DISABLED,
    )
    for name, client in (("via_rest", rest_client), ("via_grpc", grpc_client)):
        assert client.update_collection(name, **diff)
    updated = views()
    assert all(view == updated[0] for view in updated[1:])
    vector = updated[0].params.vectors["a"]
    assert (vector.hnsw_config.m, vector.on_disk, updated[0].quantization_config) == (12, False, None)
    assert isinstance(vector.quantization_config, models.BinaryQuantization)
    assert updated[0].params.sparse_vectors["s"].index.full_scan_threshold == 50
    assert updated[0].optimizer_config.max_optimization_threads is None  # auto


def test_payload_storage_and_read_fan_out_round_trip(clients: Any) -> None:
    grpc_client, rest_client, http = clients
    for name, client in (("payload_rest", rest_client), ("payload_grpc", grpc_client)):
        if client.collection_exists(name):
            client.delete_collection(name)
        client.create_collection(
            name,
            vectors_config=models.VectorParams(size=2, distance=models.Distance.DOT),
            payload=models.PayloadStorageParams(memory=models.Memory.CACHED),
        )
        assert http.get(f"/collections/{name}").json()["result"]["config"]["params"]["payload"] == {"memory": "cached"}
        diff = models.CollectionParamsDiff(
            payload=models.PayloadStorageParams(memory=models.Memory.COLD),
            read_fan_out_factor=2,
            read_fan_out_delay_ms=30,
        )
        assert client.update_collection(name, collection_params=diff)
        for reader in (rest_client, grpc_client):
            params = reader.get_collection(name).config.params
            assert params.payload == models.PayloadStorageParams(memory=models.Memory.COLD)
            assert (params.read_fan_out_factor, params.read_fan_out_delay_ms) == (2, 30)
    pinned = {"vectors": {"size": 2, "distance": "Dot"}, "payload": {"memory": "pinned"}}
    answer = http.put("/collections/pinned", json=pinned)
    assert answer.status_code == 422
    assert "payload.memory: `pinned` memory placement is not supported" in answer.json()["status"]["error"]
    assert not rest_client.collection_exists("pinned")


def test_protobuf_default_datatype_is_no_datatype(server: Server, clients: Any) -> None:
    import grpc

    from vecbase.api.qdrant.grpc.proto import collections_pb2 as cpb
    from vecbase.api.qdrant.grpc.proto import collections_service_pb2_grpc as crpc

    _, rest_client, http = clients
    if rest_client.collection_exists("default_dt"):
        rest_client.delete_collection("default_dt")
    with grpc.insecure_channel(f"127.0.0.1:{server.grpc_port}") as channel:
        dense = cpb.VectorParams(size=2, distance=cpb.Distance.Dot, datatype=cpb.Datatype.Default)
        index = cpb.SparseIndexConfig(full_scan_threshold=10, datatype=cpb.Datatype.Default)
        create = cpb.CreateCollection(
            collection_name="default_dt",
            vectors_config=cpb.VectorsConfig(params=dense),
            sparse_vectors_config=cpb.SparseVectorConfig(map={"s": cpb.SparseVectorParams(index=index)}),
        )
        assert crpc.CollectionsStub(channel).Create(create).result is True
    params = http.get("/collections/default_dt").json()["result"]["config"]["params"]
    assert params["vectors"] == {"size": 2, "distance": "Dot"}
    assert params["sparse_vectors"] == {"s": {"index": {"full_scan_threshold": 10}}}
