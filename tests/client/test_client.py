"""Embedded client behaviour that the differential suite does not reach: errors, indexes, aliases."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pydantic
import pytest

from vecbase import Client, models
from vecbase.core.errors import (
    BadRequestError,
    CollectionNotFoundError,
    ConflictError,
    PointNotFoundError,
    ValidationError,
)


@pytest.fixture
def client() -> Client:
    c = Client(":memory:")
    c.create_collection(
        "c",
        vectors_config={"d": models.VectorParams(size=3, distance=models.Distance.COSINE)},
        sparse_vectors_config={"s": models.SparseVectorParams()},
    )
    c.upsert(
        "c", [models.PointStruct(id=i, vector={"d": [1, i, 0]}, payload={"n": i, "k": f"k{i % 3}"}) for i in range(10)]
    )
    return c


def _state(c: Client) -> list[tuple[object, object]]:
    return [(r.id, r.payload) for r in c.scroll("c", limit=100, with_vectors=True)[0]]


def test_wrong_vector_size_is_refused_and_nothing_is_applied(client: Client) -> None:
    before = _state(client)
    points = [
        models.PointStruct(id=100, vector={"d": [1, 2, 3]}),
        models.PointStruct(id=101, vector={"d": [1, 2]}),
    ]
    with pytest.raises(BadRequestError, match="dimension"):
        client.upsert("c", points)
    assert _state(client) == before


def test_unknown_vector_name_is_refused(client: Client) -> None:
    with pytest.raises(BadRequestError, match="Not existing vector name"):
        client.upsert("c", [models.PointStruct(id=1, vector={"nope": [1, 2, 3]})])
    with pytest.raises(BadRequestError, match="Not existing vector name"):
        client.query_points("c", query=[1, 2, 3], using="nope")


def test_sparse_and_dense_are_not_interchangeable(client: Client) -> None:
    with pytest.raises(BadRequestError):
        client.upsert("c", [models.PointStruct(id=1, vector={"s": [1.0, 2.0, 3.0]})])
    with pytest.raises(BadRequestError):
        client.upsert("c", [models.PointStruct(id=1, vector={"s": models.SparseVector(indices=[1, 1], values=[1, 2])})])


def test_malformed_filter_is_refused(client: Client) -> None:
    with pytest.raises(ValidationError):
        client.count("c", count_filter=models.Filter(must=[models.FieldCondition(key="n")]))
    # the wire models carry the spec's bounds, so these may already fail at construction
    with pytest.raises((ValidationError, pydantic.ValidationError)):
        client.count("c", count_filter=models.Filter(min_should=models.MinShould(conditions=[], min_count=0)))
    with pytest.raises((ValidationError, pydantic.ValidationError)):
        client.count(
            "c", count_filter=models.Filter(must=[models.SliceCondition(slice=models.Slice(total=2, index=2))])
        )


def test_missing_collection_and_point(client: Client) -> None:
    with pytest.raises(CollectionNotFoundError, match="nope"):
        client.count("nope")
    with pytest.raises(CollectionNotFoundError):
        client.upsert("nope", [models.PointStruct(id=1, vector={"d": [1, 2, 3]})])
    with pytest.raises(PointNotFoundError):
        client.set_payload("c", {"a": 1}, [1, 12345])
    # the existing point was still updated, as the Qdrant server does
    assert client.retrieve("c", [1])[0].payload == {"n": 1, "k": "k1", "a": 1}


def test_invalid_point_ids_are_refused(client: Client) -> None:
    for bad in (-1, 2**64, "not-a-uuid", 1.5):
        with pytest.raises(Exception) as info:
            client.upsert("c", [models.PointStruct(id=bad, vector={"d": [1, 2, 3]})])  # type: ignore[arg-type]
        assert not isinstance(info.value, (AssertionError, KeyError, AttributeError))


def test_uuid_spellings_are_normalised(client: Client) -> None:
    client.upsert("c", [models.PointStruct(id="936DA01F9ABD4d9d80C702AF85C822A8", vector={"d": [0, 0, 1]})])
    got = client.retrieve("c", ["936da01f-9abd-4d9d-80c7-02af85c822a8"])
    assert [r.id for r in got] == ["936da01f-9abd-4d9d-80c7-02af85c822a8"]


def test_duplicate_collection_is_a_conflict(client: Client) -> None:
    with pytest.raises(ConflictError):
        client.create_collection("c", vectors_config=models.VectorParams(size=2, distance=models.Distance.DOT))


def test_payload_index_schema_and_order_by(client: Client) -> None:
    with pytest.raises(BadRequestError, match="No range index"):
        client.scroll("c", order_by="n")
    client.create_payload_index("c", "n", models.PayloadSchemaType.INTEGER)
    client.create_payload_index("c", "k", models.PayloadSchemaType.KEYWORD)
    schema = client.get_collection("c").payload_schema
    assert schema["n"].data_type == models.PayloadSchemaType.INTEGER and schema["n"].points == 10
    assert schema["k"].data_type == models.PayloadSchemaType.KEYWORD
    records, _ = client.scroll("c", order_by=models.OrderBy(key="n", direction=models.Direction.DESC), limit=3)
    assert [r.id for r in records] == [9, 8, 7]
    assert [r.order_value for r in records] == [9, 8, 7]
    records, _ = client.scroll("c", order_by=models.OrderBy(key="n", start_from=4), limit=2)
    assert [r.id for r in records] == [4, 5]
    hits = client.facet("c", "k").hits
    assert [(h.value, h.count) for h in hits] == [("k0", 4), ("k1", 3), ("k2", 3)]
    client.delete_payload_index("c", "n")
    assert "n" not in client.get_collection("c").payload_schema


def test_aliases(client: Client) -> None:
    client.update_collection_aliases(
        [models.CreateAliasOperation(create_alias=models.CreateAlias(collection_name="c", alias_name="a"))]
    )
    assert client.count("a").count == 10
    assert [a.alias_name for a in client.get_collection_aliases("c").aliases] == ["a"]
    client.update_collection_aliases(
        [models.RenameAliasOperation(rename_alias=models.RenameAlias(old_alias_name="a", new_alias_name="b"))]
    )
    assert client.count("b").count == 10 and not client.collection_exists("a")
    client.update_collection_aliases([models.DeleteAliasOperation(delete_alias=models.DeleteAlias(alias_name="b"))])
    assert client.get_aliases().aliases == []


def test_update_filter_and_modes(client: Client) -> None:
    flt = models.Filter(must=[models.FieldCondition(key="n", range=models.Range(gte=5))])
    pts = [models.PointStruct(id=i, vector={"d": [0, 0, 1]}, payload={"new": True}) for i in (1, 6, 50)]
    client.upsert("c", pts, update_filter=flt)
    assert client.retrieve("c", [1])[0].payload == {"n": 1, "k": "k1"}  # existing, filtered out
    assert client.retrieve("c", [6])[0].payload == {"new": True}
    assert client.retrieve("c", [50])[0].payload == {"new": True}  # new points are inserted
    client.upsert(
        "c",
        [models.PointStruct(id=2, vector={"d": [0, 1, 0]}, payload={"x": 1})],
        update_mode=models.UpdateMode.INSERT_ONLY,
    )
    assert client.retrieve("c", [2])[0].payload == {"n": 2, "k": "k2"}
    client.upsert("c", [models.PointStruct(id=77, vector={"d": [0, 1, 0]})], update_mode=models.UpdateMode.UPDATE_ONLY)
    assert client.retrieve("c", [77]) == []


def test_datatypes_round_values_like_the_server(tmp_path: Path) -> None:
    with Client(path=str(tmp_path)) as c:
        c.create_collection(
            "u",
            vectors_config={
                "h": models.VectorParams(size=2, distance=models.Distance.DOT, datatype=models.Datatype.FLOAT16),
                "b": models.VectorParams(size=2, distance=models.Distance.DOT, datatype=models.Datatype.UINT8),
            },
        )
        c.upsert("u", [models.PointStruct(id=1, vector={"h": [0.1, 1000.3], "b": [3.7, 300.0]})])
    with Client(path=str(tmp_path)) as c:
        v = c.retrieve("u", [1], with_vectors=True)[0].vector
        assert isinstance(v, dict)
        assert v["h"] == [float(np.float16(0.1)), float(np.float16(1000.3))]
        assert v["b"] == [3.0, 255.0]


def test_numpy_vectors_and_batches(client: Client) -> None:
    client.upsert("c", models.Batch(ids=[20, 21], vectors={"d": np.eye(3)[:2]}, payloads=[{"a": 1}, None]))
    hits = client.query_points("c", query=np.array([0.0, 1.0, 0.0]), using="d", limit=1).points
    assert hits[0].id == 21 and hits[0].score == pytest.approx(1.0)
    # a point id as the query: its own vector, the point itself excluded
    hits = client.query_points("c", query=21, using="d", limit=2).points
    assert 21 not in [h.id for h in hits] and hits[0].id == 9


def test_numpy_values_in_wire_models() -> None:
    """numpy input becomes the Python values a user meant, whether pydantic coerces it
    (scalar fields, vectors) or the model makes it plain first (unions of scalars, ``Any``)."""
    params = models.SearchParams(hnsw_ef=np.int64(24), exact=np.False_)
    assert params.hnsw_ef == 24 and type(params.hnsw_ef) is int and params.exact is False
    match = models.MatchValue(value=np.True_)
    assert match.value is True  # not the integer 1 of Union[str, int, bool]
    assert type(models.MatchValue(value=np.int64(3)).value) is int
    rng = models.Range(gte=np.float32(0.5))
    assert rng.gte == 0.5 and type(rng.gte) is float
    point = models.PointStruct(
        id=np.uint64(7), vector=np.array([0.5, 1.0]), payload={"a": np.float64(2.5), "v": np.arange(2)}
    )
    assert point.id == 7 and type(point.id) is int
    assert point.vector == [0.5, 1.0] and type(point.vector[0]) is float
    assert point.payload == {"a": 2.5, "v": [0, 1]} and type(point.payload["v"][0]) is int
    multi = models.PointStruct(id=1, vector={"m": np.ones((2, 2), dtype=np.float32)})
    assert multi.vector == {"m": [[1.0, 1.0], [1.0, 1.0]]}
    query = models.QueryRequest(query=np.array([1.0, 0.0], dtype=np.float32), limit=np.int64(3))
    assert query.query == [1.0, 0.0] and query.limit == 3


def test_batch_payloads_are_checked_and_copied_once(client: Client) -> None:
    mine = {"a": 1, "nested": {"b": [1, 2]}}
    batch = models.Batch(ids=[30], vectors={"d": [[1.0, 0.0, 0.0]]}, payloads=[mine])
    assert batch.payloads == [mine] and "payloads" in batch.model_fields_set
    client.upsert("c", batch)
    mine["nested"]["b"].append(3)  # the caller's object: the stored payload is a copy
    assert client.retrieve("c", [30])[0].payload == {"a": 1, "nested": {"b": [1, 2]}}
    with pytest.raises(pydantic.ValidationError):
        models.Batch(ids=[31], vectors={"d": [[1.0, 0.0, 0.0]]}, payloads=["not an object"])
    plain = models.Batch(ids=[31], vectors={"d": [[1.0, 0.0, 0.0]]})
    assert plain.payloads is None and "payloads" not in plain.model_fields_set


def test_persistence_of_collection_config(tmp_path: Path) -> None:
    with Client(path=str(tmp_path)) as c:
        c.create_collection(
            "p",
            vectors_config=models.VectorParams(size=4, distance=models.Distance.MANHATTAN),
            hnsw_config=models.HnswConfigDiff(m=32),
            metadata={"owner": "me"},
        )
    with Client(path=str(tmp_path)) as c:
        info = c.get_collection("p")
        assert info.config.hnsw_config.m == 32
        assert info.config.metadata == {"owner": "me"}
        params = info.config.params.vectors
        assert isinstance(params, models.VectorParams) and params.distance == models.Distance.MANHATTAN
        assert c.get_collections().collections[0].name == "p"
        assert c.delete_collection("p") is True
        assert not c.collection_exists("p")


def test_payload_edits_survive_restarts(tmp_path: Path) -> None:
    """Payload documents rewritten in an appendable segment (garbage in its buffer) are saved
    in offset order and read back, and so is what a reopened collection saves again."""
    expected: dict[int, dict[str, Any]] = {}
    with Client(path=str(tmp_path)) as c:
        c.create_collection("p", vectors_config=models.VectorParams(size=2, distance=models.Distance.DOT))
        c.create_payload_index("p", "tag", models.PayloadSchemaType.KEYWORD)
        c.upsert(
            "p",
            models.Batch(
                ids=list(range(40)),
                vectors=[[1.0, float(i)] for i in range(40)],
                payloads=[{"tag": f"t{i % 4}", "n": i} for i in range(40)],
            ),
        )
        for i in range(40):
            expected[i] = {"tag": f"t{i % 4}", "n": i}
        for round_no in range(30):
            pid = (round_no * 7) % 40
            c.set_payload("p", {"round": round_no, "pad": "x" * 50}, points=[pid])
            expected[pid] = {**expected[pid], "round": round_no, "pad": "x" * 50}
        c.overwrite_payload("p", {"tag": "only"}, points=[3])
        expected[3] = {"tag": "only"}
        c.delete_payload("p", ["n"], points=[5, 6])
        for pid in (5, 6):
            expected[pid] = {k: v for k, v in expected[pid].items() if k != "n"}
        c.upsert("p", [models.PointStruct(id=41, vector=[0.5, 0.5])])
        expected[41] = {}
    for _ in range(2):  # a clean reopen, then a reopen of what that one wrote
        with Client(path=str(tmp_path)) as c:
            got = {int(r.id): r.payload for r in c.scroll("p", limit=100, with_payload=True)[0]}
            assert got == expected
            hits = c.count(
                "p",
                count_filter=models.Filter(
                    must=[models.FieldCondition(key="tag", match=models.MatchValue(value="only"))]
                ),
                exact=True,
            )
            assert hits.count == 1


def test_uploads_take_qdrant_clients_parameters() -> None:
    c = Client(":memory:")
    c.create_collection("u", vectors_config=models.VectorParams(size=2, distance=models.Distance.DOT))
    vectors = np.arange(10, dtype=np.float32).reshape(5, 2)
    c.upload_collection("u", vectors, payload=[{"i": i} for i in range(5)], batch_size=2, parallel=2, max_retries=1)
    c.upload_collection("u", vectors)  # no ids: new random UUIDs, nothing overwritten
    records = c.scroll("u", limit=20)[0]
    assert len(records) == 10 and all(isinstance(r.id, str) and len(r.id) == 36 for r in records)
    points = [models.PointStruct(id=1, vector=[1.0, 0.0], payload={"v": 1})]
    c.upload_points("u", points, 64, 1, None, 3, True)  # positionally, in qdrant-client's order
    again = [models.PointStruct(id=1, vector=[1.0, 0.0], payload={"v": 2}), models.PointStruct(id=2, vector=[0.0, 1.0])]
    c.upload_points("u", again, update_mode=models.UpdateMode.INSERT_ONLY, wait=True)
    assert {r.id: r.payload for r in c.retrieve("u", [1, 2])} == {1: {"v": 1}, 2: {}}


def test_placement_settings_survive_a_reopen(tmp_path: Path) -> None:
    with Client(path=str(tmp_path / "db")) as c:
        c.create_collection(
            "a",
            vectors_config=models.VectorParams(size=2, distance=models.Distance.DOT, memory=models.Memory.COLD),
            payload=models.PayloadStorageParams(memory=models.Memory.CACHED),
        )
        c.update_collection("a", collection_params=models.CollectionParamsDiff(read_fan_out_factor=4))
    with Client(path=str(tmp_path / "db")) as c:
        params = c.get_collection("a").config.params
        assert params.vectors.memory == models.Memory.COLD
        assert params.payload == models.PayloadStorageParams(memory=models.Memory.CACHED)
        assert params.read_fan_out_factor == 4


@pytest.mark.parametrize(
    "kwargs",
    [{"location": "http://localhost:6333"}, {"url": "http://localhost:6333"}, {"host": "localhost", "port": 6333}],
)
def test_a_server_address_is_refused_not_replaced_by_memory(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="embeds the engine"):
        Client(**kwargs)
