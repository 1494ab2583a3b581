"""Every implemented AnalyticDB operation through the official SDK, checked against numpy
and the fusion formulas applied to single-path results."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from alibabacloud_gpdb20160503 import models as m
from alibabacloud_gpdb20160503.client import Client
from Tea.exceptions import TeaException

from tests.api.analyticdb.conftest import BASE, MANAGER, NS, data

DIM = 8
rng = np.random.default_rng(11)
VECTORS = rng.normal(size=(60, DIM)).astype(np.float32)
TOPICS = ["数据库 向量 检索", "天气 晴朗", "向量 索引 构建", "机器 学习 模型", "数据库 事务"]


def create(client: Client, name: str, metrics: str, **extra: Any) -> None:
    client.create_collection(
        m.CreateCollectionRequest(
            **BASE,
            **MANAGER,
            namespace=NS,
            collection=name,
            dimension=DIM,
            metrics=metrics,
            metadata=json.dumps({"title": "text", "year": "int", "rating": "float", "published": "boolean"}),
            **extra,
        )
    )


def rows(n: int = 60) -> list[m.UpsertCollectionDataRequestRows]:
    out = []
    for i in range(n):
        metadata: dict[str, Any] = {"title": TOPICS[i % len(TOPICS)] + f" 第{i}篇", "year": 2000 + i % 7}
        if i % 4:
            metadata["rating"] = round(float(rng.uniform(0, 5)), 2)
        if i % 3:
            metadata["published"] = bool(i % 2)
        out.append(m.UpsertCollectionDataRequestRows(id=f"row{i}", vector=VECTORS[i].tolist(), metadata=metadata))
    return out


def query(client: Client, collection: str, **kwargs: Any) -> list[dict[str, Any]]:
    body = client.query_collection_data(m.QueryCollectionDataRequest(**data(collection=collection, **kwargs))).body
    return [match.to_map() for match in body.matches.match]


@pytest.mark.parametrize("metrics", ["l2", "ip", "cosine"])
def test_vector_search_matches_numpy(client: Client, metrics: str) -> None:
    name = f"v_{metrics}"
    create(client, name, metrics)
    client.upsert_collection_data(m.UpsertCollectionDataRequest(**data(collection=name, rows=rows())))
    q = rng.normal(size=DIM).astype(np.float32)
    if metrics == "l2":
        scores = np.linalg.norm(VECTORS - q, axis=1)
        order = np.argsort(scores)
    elif metrics == "ip":
        scores = VECTORS @ q
        order = np.argsort(-scores)
    else:
        scores = (VECTORS @ q) / (np.linalg.norm(VECTORS, axis=1) * np.linalg.norm(q))
        order = np.argsort(-scores)
    got = query(client, name, vector=q.tolist(), top_k=10)
    assert [g["Id"] for g in got] == [f"row{i}" for i in order[:10]]
    assert [g["Score"] for g in got] == pytest.approx([float(scores[i]) for i in order[:10]], rel=1e-4, abs=1e-5)
    described = client.describe_collection(m.DescribeCollectionRequest(**data(collection=name))).body
    assert described.dimension == DIM and described.metrics == metrics
    assert described.metadata == {"title": "text", "year": "int", "rating": "float", "published": "boolean"}


def test_filters_ids_paging_and_updates(client: Client) -> None:
    create(client, "paging", "cosine", metadata_indices="year")
    all_rows = rows()
    client.upsert_collection_data(m.UpsertCollectionDataRequest(**data(collection="paging", rows=all_rows)))
    q = VECTORS[0].tolist()
    metas = {r.id: r.metadata for r in all_rows}

    def expect(pred: Any) -> set[str]:
        return {rid for rid, md in metas.items() if pred(md)}

    cases = {
        "year = 2003": lambda md: md["year"] == 2003,
        "year BETWEEN 2001 AND 2002 AND rating > 2": lambda md: (
            2001 <= md["year"] <= 2002 and md.get("rating") is not None and md["rating"] > 2
        ),
        "rating IS NULL OR published": lambda md: md.get("rating") is None or md.get("published") is True,
        "NOT published": lambda md: md.get("published") is False,
        "title LIKE '天气%'": lambda md: md["title"].startswith("天气"),
        "year IN (2000, 2006) AND id <> 'row0'": lambda md: md["year"] in (2000, 2006),
    }
    for sql, pred in cases.items():
        got = {g["Id"] for g in query(client, "paging", vector=q, top_k=100, filter=sql)}
        want = expect(pred)
        if "row0" in want and "id <> 'row0'" in sql:
            want.discard("row0")
        assert got == want, sql
    # OrderBy and Offset with Total
    first = client.query_collection_data(
        m.QueryCollectionDataRequest(**data(collection="paging", vector=q, top_k=5, offset=0, order_by="year DESC, id"))
    ).body
    page = client.query_collection_data(
        m.QueryCollectionDataRequest(**data(collection="paging", vector=q, top_k=5, offset=5, filter="year >= 2003"))
    ).body
    assert page.total == len(expect(lambda md: md["year"] >= 2003))
    assert len(page.matches.match) == 5
    years = [int(x.metadata["year"]) for x in first.matches.match]
    assert years == sorted(years, reverse=True)
    # metadata updates by filter, deletes by ids and filter
    updated = client.update_collection_data_metadata(
        m.UpdateCollectionDataMetadataRequest(
            **data(collection="paging", filter="year = 2000", metadata={"rating": 9.5})
        )
    ).body
    assert updated.applied_rows == len(expect(lambda md: md["year"] == 2000))
    assert {g["Id"] for g in query(client, "paging", vector=q, top_k=100, filter="rating = 9.5")} == expect(
        lambda md: md["year"] == 2000
    )
    deleted = client.delete_collection_data(
        m.DeleteCollectionDataRequest(**data(collection="paging", collection_data_filter="year = 2006"))
    ).body
    assert deleted.applied_rows == len(expect(lambda md: md["year"] == 2006))
    assert query(client, "paging", vector=q, top_k=100, filter="year = 2006") == []
    # the same Id replaces the row
    client.upsert_collection_data(
        m.UpsertCollectionDataRequest(
            **data(
                collection="paging",
                rows=[m.UpsertCollectionDataRequestRows(id="row1", vector=q, metadata={"title": "x", "year": 1990})],
            )
        )
    )
    got = query(client, "paging", vector=q, top_k=100, filter="year = 1990", include_values=True)
    assert [g["Id"] for g in got] == ["row1"] and len(got[0]["Values"]["value"]) == DIM


def test_hybrid_modes_follow_their_formulas(client: Client) -> None:
    create(client, "hybrid", "ip", full_text_retrieval_fields="title", parser="zh_cn")
    client.upsert_collection_data(m.UpsertCollectionDataRequest(**data(collection="hybrid", rows=rows())))
    q = VECTORS[3].tolist()
    vec = [(g["Id"], g["Score"]) for g in query(client, "hybrid", vector=q, top_k=100)]
    txt = [(g["Id"], g["Score"]) for g in query(client, "hybrid", content="向量 数据库", top_k=100)]
    assert txt and all(
        "向量" in g["Metadata"]["title"] or "数据库" in g["Metadata"]["title"]
        for g in query(client, "hybrid", content="向量 数据库", top_k=100)
    )

    def ids_scores(**kwargs: Any) -> list[tuple[str, float]]:
        return [
            (g["Id"], g["Score"]) for g in query(client, "hybrid", vector=q, content="向量 数据库", top_k=10, **kwargs)
        ]

    rrf: dict[str, float] = {}
    for ranked in (vec, txt):
        for rank, (rid, _) in enumerate(ranked, 1):
            rrf[rid] = rrf.get(rid, 0.0) + 1.0 / (30 + rank)
    want = sorted(rrf.items(), key=lambda kv: -kv[1])[:10]
    got = ids_scores(hybrid_search="RRF", hybrid_search_args={"RRF": {"k": 30}})
    assert [g[0] for g in got] == [w[0] for w in want] and [g[1] for g in got] == pytest.approx([w[1] for w in want])

    v, t = dict(vec), dict(txt)
    weighted = {rid: 0.3 * v.get(rid, 0.0) + 0.7 * t.get(rid, 0.0) for rid in set(v) | set(t)}
    want = sorted(weighted.items(), key=lambda kv: -kv[1])[:10]
    got = ids_scores(hybrid_search="Weight", hybrid_search_args={"Weight": {"alpha": 0.3}})
    assert [g[1] for g in got] == pytest.approx([w[1] for w in want])

    cascaded = sorted(((rid, v[rid]) for rid in t), key=lambda kv: -kv[1])[:10]
    got = ids_scores(hybrid_search="Cascaded")
    assert got == [(rid, pytest.approx(s)) for rid, s in cascaded]

    raw: dict[str, float] = {}
    for rid, s in vec + txt:
        raw[rid] = max(raw.get(rid, s), s)
    want = sorted(raw.items(), key=lambda kv: -kv[1])[:10]
    got = ids_scores()
    assert [g[1] for g in got] == pytest.approx([w[1] for w in want])


def test_errors_change_nothing(client: Client) -> None:
    create(client, "errors", "l2")
    client.upsert_collection_data(m.UpsertCollectionDataRequest(**data(collection="errors", rows=rows(10))))
    q = VECTORS[0].tolist()
    before = query(client, "errors", vector=q, top_k=100)

    def refused(call: Any, code: str | None = None) -> None:
        with pytest.raises(TeaException) as info:
            call()
        assert 400 <= info.value.statusCode < 500
        if code is not None:
            assert info.value.code == code

    refused(
        lambda: client.query_collection_data(
            m.QueryCollectionDataRequest(
                **{**data(collection="errors", vector=q, top_k=3), "namespace_password": "wrong"}
            )
        ),
        "Namespace.PasswordInvalid",
    )
    refused(lambda: query(client, "missing", vector=q, top_k=3), "Collection.NotFound")
    refused(lambda: query(client, "errors", vector=q[:3], top_k=3))
    refused(lambda: query(client, "errors", top_k=3))
    for bad in ("year = 1; DELETE FROM t", "year = (SELECT 1)", "nope = 1", "year = 'x'", "title LIKE", "1=1 --"):
        refused(lambda bad=bad: query(client, "errors", vector=q, top_k=3, filter=bad))
        refused(
            lambda bad=bad: client.delete_collection_data(
                m.DeleteCollectionDataRequest(**data(collection="errors", collection_data_filter=bad))
            )
        )
    bad_rows = [m.UpsertCollectionDataRequestRows(id="x", vector=q, metadata={"year": "not a number"})]
    refused(
        lambda: client.upsert_collection_data(m.UpsertCollectionDataRequest(**data(collection="errors", rows=bad_rows)))
    )
    unknown = [m.UpsertCollectionDataRequestRows(id="x", vector=q, metadata={"color": "red"})]
    refused(
        lambda: client.upsert_collection_data(m.UpsertCollectionDataRequest(**data(collection="errors", rows=unknown)))
    )
    assert query(client, "errors", vector=q, top_k=100) == before


def test_namespaces_and_collections(client: Client) -> None:
    client.create_namespace(m.CreateNamespaceRequest(**BASE, **MANAGER, namespace="other", namespace_password="pw2"))
    names = client.list_namespaces(m.ListNamespacesRequest(**BASE, **MANAGER)).body.namespaces.namespace
    assert {"public", NS, "other"} <= set(names)
    described = client.describe_namespace(m.DescribeNamespaceRequest(**BASE, **MANAGER, namespace="other")).body
    assert described.namespace == "other"
    create(client, "listed", "cosine")
    listed = client.list_collections(m.ListCollectionsRequest(**data())).body
    assert "listed" in listed.collections.collection
    client.delete_collection(m.DeleteCollectionRequest(**data(collection="listed")))
    assert "listed" not in client.list_collections(m.ListCollectionsRequest(**data())).body.collections.collection
    client.delete_namespace(m.DeleteNamespaceRequest(**BASE, **MANAGER, namespace="other"))
    assert "other" not in client.list_namespaces(m.ListNamespacesRequest(**BASE, **MANAGER)).body.namespaces.namespace


def test_restart_gives_identical_answers(tmp_path: Any) -> None:
    from tests.api.analyticdb.conftest import PASSWORD, sdk
    from tests.live_server import Server

    server = Server(tmp_path / "storage").start()
    try:
        c = sdk(server)
        c.init_vector_database(m.InitVectorDatabaseRequest(**BASE, **MANAGER))
        c.create_namespace(m.CreateNamespaceRequest(**BASE, **MANAGER, namespace=NS, namespace_password=PASSWORD))
        create(c, "kept", "cosine", full_text_retrieval_fields="title")
        c.upsert_collection_data(m.UpsertCollectionDataRequest(**data(collection="kept", rows=rows())))
        q = VECTORS[5].tolist()
        before = query(c, "kept", vector=q, content="向量", top_k=10, hybrid_search="RRF", filter="year > 2001")
    finally:
        server.stop()
    server.start()
    try:
        c = sdk(server)
        assert query(c, "kept", vector=q, content="向量", top_k=10, hybrid_search="RRF", filter="year > 2001") == before
        with pytest.raises(TeaException):
            query(c, "kept", vector=q, top_k=3, namespace_password="wrong")
    finally:
        server.stop()


def test_async_upsert_from_a_file(client: Client, tmp_path: Any) -> None:
    import time

    create(client, "async_rows", "cosine")
    many = np.random.default_rng(2).normal(size=(1200, DIM)).astype(np.float32)
    lines = [
        json.dumps({"Id": f"a{i}", "Vector": many[i].tolist(), "Metadata": {"year": 2010 + i % 3, "title": f"t{i}"}})
        for i in range(1200)
    ]
    path = tmp_path / "rows.jsonl"
    path.write_text("\n".join(lines))
    job_id = client.upsert_collection_data_async(
        m.UpsertCollectionDataAsyncRequest(**data(collection="async_rows", file_url=path.as_uri()))
    ).body.job_id
    deadline = time.monotonic() + 120
    while True:
        job = client.get_upsert_collection_data_job(
            m.GetUpsertCollectionDataJobRequest(**data(collection="async_rows", job_id=job_id))
        ).body.job
        if job.completed or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert job.completed and job.error is None and job.progress == 1200
    got = query(client, "async_rows", vector=many[7].tolist(), top_k=1)
    assert got[0]["Id"] == "a7" and got[0]["MetadataV2"]["year"] == 2011
    missing = client.upsert_collection_data_async(
        m.UpsertCollectionDataAsyncRequest(**data(collection="async_rows", file_url=(tmp_path / "nope.jsonl").as_uri()))
    ).body.job_id
    time.sleep(0.5)
    failed = client.get_upsert_collection_data_job(
        m.GetUpsertCollectionDataJobRequest(**data(collection="async_rows", job_id=missing))
    ).body.job
    assert failed.completed and failed.error
    with pytest.raises(TeaException):
        client.cancel_upsert_collection_data_job(
            m.CancelUpsertCollectionDataJobRequest(**data(collection="async_rows", job_id=job_id))
        )


def test_modify_collection_and_create_index(client: Client) -> None:
    create(client, "modify", "cosine")
    client.upsert_collection_data(m.UpsertCollectionDataRequest(**data(collection="modify", rows=rows(12))))
    operations = {
        "operations": [
            {"operator": "add", "newMetaName": "tag", "newMetaType": "text"},
            {"operator": "replace", "oldMetaName": "year", "newMetaName": "yr", "newMetaType": "bigint"},
        ]
    }
    body = client.modify_collection(
        m.ModifyCollectionRequest(**data(collection="modify", metadata=json.dumps(operations)))
    ).body
    assert json.loads(body.metadata) == {
        "title": "text",
        "rating": "float",
        "published": "boolean",
        "tag": "text",
        "yr": "bigint",
    }
    q = VECTORS[0].tolist()
    assert {g["Id"] for g in query(client, "modify", vector=q, top_k=100, filter="yr = 2003")} == {"row3", "row10"}
    with pytest.raises(TeaException):
        query(client, "modify", vector=q, top_k=100, filter="year = 2003")
    job = client.create_index(
        m.CreateIndexRequest(**data(collection="modify", index_field="yr", index_name="yr_idx"))
    ).body
    assert job.job_id
    assert {g["Id"] for g in query(client, "modify", vector=q, top_k=100, filter="yr >= 2005")} == {
        f"row{i}" for i in range(12) if 2000 + i % 7 >= 2005
    }
    bad = {"operations": [{"operator": "replace", "oldMetaName": "title", "newMetaType": "int"}]}
    with pytest.raises(TeaException):
        client.modify_collection(m.ModifyCollectionRequest(**data(collection="modify", metadata=json.dumps(bad))))
    assert "title" in client.describe_collection(m.DescribeCollectionRequest(**data(collection="modify"))).body.metadata


def test_text_embedding_and_rerank(client: Client) -> None:
    from vecbase.inference.registry import REGISTRY

    texts = ["vector databases", "向量数据库"]
    body = client.text_embedding(
        m.TextEmbeddingRequest(**BASE, input=texts, model="sentence-transformers/all-MiniLM-L6-v2")
    ).body
    local = REGISTRY.get("sentence-transformers/all-MiniLM-L6-v2").embed(texts, None, query=False)
    got = [r.embedding.embedding for r in body.results.results]
    assert [r.index for r in body.results.results] == [0, 1]
    assert np.allclose(np.array(got), np.array(local), atol=1e-6) and body.text_tokens > 0
    with pytest.raises(TeaException) as info:
        client.text_embedding(m.TextEmbeddingRequest(**BASE, input=texts, model="text-embedding-v3"))
    assert "all-MiniLM-L6-v2" in info.value.message
    with pytest.raises(TeaException) as info:
        client.rerank(m.RerankRequest(**BASE, query="q", documents=["a", "b"]))
    assert "rerank" in info.value.message


def test_relational_table_filter(client: Client) -> None:
    from tests.api.analyticdb.conftest import PASSWORD

    def sql(statement: str) -> Any:
        return client.execute_statement(
            m.ExecuteStatementRequest(**BASE, database=NS, secret_arn=PASSWORD, sql=statement)
        ).body

    sql("CREATE TABLE years (year INTEGER, label TEXT, active BOOLEAN)")
    inserted = sql(
        "INSERT INTO years VALUES (2001, 'odd', TRUE), (2002, 'even', FALSE), (2003, 'odd', TRUE), (2004, NULL, TRUE)"
    )
    assert inserted.data.total_num_rows == 4
    create(client, "joined", "cosine")
    client.upsert_collection_data(m.UpsertCollectionDataRequest(**data(collection="joined", rows=rows())))
    q = VECTORS[0].tolist()
    relational = m.QueryCollectionDataRequestRelationalTableFilter(
        table_name="years", table_field="year", collection_metadata_field="year", condition="label = 'odd' AND active"
    )
    got = query(
        client,
        "joined",
        vector=q,
        top_k=100,
        relational_table_filter=relational,
        include_metadata_fields="year,years.label",
    )
    assert {g["MetadataV2"]["year"] for g in got} == {2001, 2003}
    assert {g["Id"] for g in got} == {f"row{i}" for i in range(60) if 2000 + i % 7 in (2001, 2003)}
    assert all(g["Metadata"]["years.label"] == "odd" for g in got)
    narrowed = query(client, "joined", vector=q, top_k=100, relational_table_filter=relational, filter="year > 2002")
    assert {g["MetadataV2"]["year"] for g in narrowed} == {2003}
    for bad in (
        "DROP DATABASE x",
        "SELECT * FROM years",
        "ATTACH DATABASE 'x' AS y",
        "CREATE TABLE a (b INT); DROP TABLE years",
    ):
        with pytest.raises(TeaException):
            sql(bad)
    with pytest.raises(TeaException):
        query(
            client,
            "joined",
            vector=q,
            top_k=3,
            relational_table_filter=m.QueryCollectionDataRequestRelationalTableFilter(
                table_name="years",
                table_field="year",
                collection_metadata_field="year",
                condition="1=1; DROP TABLE years",
            ),
        )
    with pytest.raises(TeaException):
        client.execute_statement(
            m.ExecuteStatementRequest(**BASE, database=NS, secret_arn="wrong", sql="DROP TABLE years")
        )
    assert len(query(client, "joined", vector=q, top_k=100, relational_table_filter=relational)) == len(got)


def test_vector_index_lifecycle(client: Client) -> None:
    client.create_collection(
        m.CreateCollectionRequest(
            **BASE, **MANAGER, namespace=NS, collection="late_index", metadata=json.dumps({"title": "text"})
        )
    )
    with pytest.raises(TeaException):  # no vectors yet
        query(client, "late_index", vector=[1.0, 0.0, 0.0], top_k=1)
    client.create_vector_index(
        m.CreateVectorIndexRequest(**BASE, **MANAGER, namespace=NS, collection="late_index", dimension=3, metrics="l2")
    )
    vectors = {"a": [0.0, 0.0, 1.0], "b": [1.0, 0.0, 0.0], "c": [0.9, 0.1, 0.0]}
    client.upsert_collection_data(
        m.UpsertCollectionDataRequest(
            **data(
                collection="late_index",
                rows=[m.UpsertCollectionDataRequestRows(id=k, vector=v) for k, v in vectors.items()],
            )
        )
    )
    assert [g["Id"] for g in query(client, "late_index", vector=[1.0, 0.0, 0.0], top_k=2)] == ["b", "c"]
    client.delete_vector_index(m.DeleteVectorIndexRequest(**BASE, **MANAGER, namespace=NS, collection="late_index"))
    assert [g["Id"] for g in query(client, "late_index", vector=[1.0, 0.0, 0.0], top_k=2)] == ["b", "c"]  # exact scan
    with pytest.raises(TeaException):
        client.delete_vector_index(m.DeleteVectorIndexRequest(**BASE, **MANAGER, namespace=NS, collection="late_index"))
    client.create_vector_index(
        m.CreateVectorIndexRequest(**BASE, **MANAGER, namespace=NS, collection="late_index", dimension=3, metrics="l2")
    )
    client.create_vector_index(
        m.CreateVectorIndexRequest(**BASE, **MANAGER, namespace=NS, collection="late_index", type="Sparse")
    )
    described = client.describe_collection(m.DescribeCollectionRequest(**data(collection="late_index"))).body
    assert described.dimension == 3 and described.metrics == "l2" and described.support_sparse
    client.delete_vector_index(
        m.DeleteVectorIndexRequest(**BASE, **MANAGER, namespace=NS, collection="late_index", type="Sparse")
    )
    assert not client.describe_collection(
        m.DescribeCollectionRequest(**data(collection="late_index"))
    ).body.support_sparse


@pytest.mark.parametrize("override", ["l2", "ip"])
def test_metrics_override_scans_the_written_vectors(client: Client, override: str) -> None:
    name = f"override_{override}"
    create(client, name, "cosine")
    client.upsert_collection_data(m.UpsertCollectionDataRequest(**data(collection=name, rows=rows())))
    q = rng.normal(size=DIM).astype(np.float32)
    if override == "l2":
        scores = np.linalg.norm(VECTORS - q, axis=1)
        order = np.argsort(scores)
    else:
        scores = VECTORS @ q
        order = np.argsort(-scores)
    got = query(client, name, vector=q.tolist(), top_k=10, metrics=override, filter="year <> 2003")
    want = [int(i) for i in order if i % 7 != 3][:10]
    assert [g["Id"] for g in got] == [f"row{i}" for i in want]
    assert [g["Score"] for g in got] == pytest.approx([float(scores[i]) for i in want], rel=1e-4, abs=1e-5)
    # a cosine collection returns each vector as it was written, not unit length
    values = query(client, name, vector=q.tolist(), top_k=3, include_values=True)
    for g in values:
        assert g["Values"]["value"] == pytest.approx(VECTORS[int(g["Id"][3:])].tolist(), rel=1e-5)
    with pytest.raises(TeaException) as info:
        query(client, name, vector=q.tolist(), top_k=3, metrics="hamming")
    assert info.value.code == "InvalidParameter"
