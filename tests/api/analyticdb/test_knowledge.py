"""Document collections through the SDK: upload and split a file, upsert chunks, query with
server-side embedding and hybrid retrieval, recall windows, document records."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from alibabacloud_gpdb20160503 import models as m
from alibabacloud_gpdb20160503.client import Client
from Tea.exceptions import TeaException

from tests.api.analyticdb.conftest import BASE, MANAGER, NS, data

GUIDE = """# Vector databases

A vector database stores embeddings and finds the nearest ones to a query.

## Indexes

HNSW graphs make approximate nearest neighbour search fast. Product quantization shrinks vectors.

## Full text

BM25 ranks documents by the words they share with the query. Hybrid search fuses both rankings.
"""


def wait(client: Client, collection: str, job_id: str) -> Any:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        job = client.get_upload_document_job(
            m.GetUploadDocumentJobRequest(**data(collection=collection, job_id=job_id))
        ).body
        if job.job.completed:
            return job
        time.sleep(0.1)
    raise AssertionError("the upload job did not finish")


def test_document_collection_lifecycle(client: Client, tmp_path: Path) -> None:
    client.create_document_collection(
        m.CreateDocumentCollectionRequest(
            **BASE, **MANAGER, namespace=NS, collection="kb", metadata=json.dumps({"team": "text"}), parser="english"
        )
    )
    listed = client.list_document_collections(m.ListDocumentCollectionsRequest(**data())).body
    kb = [c for c in listed.items.collection_list if c.collection_name == "kb"][0]
    assert kb.dimension == 384 and kb.embedding_model == "sentence-transformers/all-MiniLM-L6-v2"
    path = tmp_path / "guide.md"
    path.write_text(GUIDE)
    job_id = client.upload_document_async(
        m.UploadDocumentAsyncRequest(
            **data(collection="kb", file_url=path.as_uri(), file_name="guide.md", metadata={"team": "search"}),
            chunk_size=200,
            chunk_overlap=0,
            text_splitter_name="MarkdownHeaderTextSplitter",
        )
    ).body.job_id
    done = wait(client, "kb", job_id)
    assert done.job.error is None and done.job.progress == 100
    described = client.describe_document(m.DescribeDocumentRequest(**data(collection="kb", file_name="guide.md"))).body
    assert described.docs_count == 3 and described.file_size == len(GUIDE.encode()) and described.file_version == 1
    client.upsert_chunks(
        m.UpsertChunksRequest(
            **data(collection="kb", file_name="notes.txt"),
            text_chunks=[
                m.UpsertChunksRequestTextChunks(content="Cats sleep most of the day.", metadata={"team": "pets"}),
                m.UpsertChunksRequestTextChunks(content="Dogs like long walks.", metadata={"team": "pets"}),
            ],
        )
    )
    docs = client.list_documents(m.ListDocumentsRequest(**data(collection="kb"))).body
    assert [d.file_name for d in docs.items.document_list] == ["guide.md", "notes.txt"]

    def query(content: str, **kwargs: Any) -> list[Any]:
        body = client.query_content(
            m.QueryContentRequest(**data(collection="kb", content=content, top_k=3, **kwargs))
        ).body
        return list(body.matches.match_list)

    hits = query("which index makes nearest neighbour search fast", hybrid_search="RRF")
    assert "HNSW" in hits[0].content and hits[0].file_name == "guide.md" and hits[0].metadata == {"team": "search"}
    pets = query("a cat sleeping all day", filter="team = 'pets'")
    assert {h.file_name for h in pets} == {"notes.txt"} and pets[0].content.startswith("Cats")
    windowed = client.query_content(
        m.QueryContentRequest(**data(collection="kb", content="product quantization", top_k=1, recall_window=[-1, 1]))
    ).body
    window = windowed.window_matches.window_matches[0].window_match.window_match
    assert len(window) == 3 and "Product quantization" in window[1].content
    client.delete_document(m.DeleteDocumentRequest(**data(collection="kb", file_name="notes.txt")))
    assert {h.file_name for h in query("dogs and cats")} == {"guide.md"}
    with pytest.raises(TeaException):
        client.query_content(m.QueryContentRequest(**data(collection="kb", content="x", top_k=3, rerank_factor=2.0)))
    with pytest.raises(TeaException):
        client.create_document_collection(
            m.CreateDocumentCollectionRequest(
                **BASE, **MANAGER, namespace=NS, collection="kb2", embedding_model="text-embedding-v3"
            )
        )
    client.delete_document_collection(m.DeleteDocumentCollectionRequest(**data(collection="kb")))
    listed = client.list_document_collections(m.ListDocumentCollectionsRequest(**data())).body
    assert "kb" not in [c.collection_name for c in listed.items.collection_list]


FACTS = [
    ("Cats sleep for most of the day.", 1),
    ("Dogs enjoy long walks in the park.", 2),
    ("HNSW graphs speed up nearest neighbour search.", 3),
    ("BM25 ranks documents by shared words.", 4),
    ("Product quantization compresses vectors.", 5),
    ("A cat and a dog can share a home.", 6),
    ("Vector databases store embeddings of documents.", 7),
    ("Parks are busy on sunny days.", 8),
]


def test_three_paths_paging_and_metrics(client: Client) -> None:
    client.create_document_collection(
        m.CreateDocumentCollectionRequest(
            **BASE,
            **MANAGER,
            namespace=NS,
            collection="kb3",
            metadata=json.dumps({"rank": "int"}),
            parser="english",
            support_sparse=True,
        )
    )
    client.upsert_chunks(
        m.UpsertChunksRequest(
            **data(collection="kb3", file_name="facts.txt"),
            text_chunks=[
                m.UpsertChunksRequestTextChunks(id=f"f{r}", content=text, metadata={"rank": r}) for text, r in FACTS
            ],
        )
    )
    question = "cats and dogs in the park"

    def ask(top_k: int = 8, **kwargs: Any) -> list[tuple[str, float]]:
        body = client.query_content(
            m.QueryContentRequest(**data(collection="kb3", content=question, top_k=top_k, **kwargs))
        ).body
        return [(h.id, h.score) for h in body.matches.match_list]

    single = {
        path: ask(hybrid_search_args={"HybridPathsSetting": {"paths": path}})
        for path in ("dense", "sparse", "fulltext")
    }
    assert all(single.values()) and single["sparse"] != single["fulltext"]
    weights = {"dense": 0.5, "sparse": 0.2, "fulltext": 0.3}
    every = {"paths": "dense,sparse,fulltext"}
    fused: dict[str, float] = {}
    for path, weight in weights.items():
        for rid, score in single[path]:
            fused[rid] = fused.get(rid, 0.0) + weight * score
    want = sorted(fused.items(), key=lambda kv: -kv[1])[:5]
    got = ask(5, hybrid_search="Weight", hybrid_search_args={"HybridPathsSetting": every, "Weight": weights})
    assert [g[0] for g in got] == [w[0] for w in want] and [g[1] for g in got] == pytest.approx([w[1] for w in want])
    rrf: dict[str, float] = {}
    for ranked in single.values():
        for rank, (rid, _) in enumerate(ranked, 1):
            rrf[rid] = rrf.get(rid, 0.0) + 1.0 / (10 + rank)
    want = sorted(rrf.items(), key=lambda kv: -kv[1])[:5]
    got = ask(5, hybrid_search="RRF", hybrid_search_args={"HybridPathsSetting": every, "RRF": {"k": 10}})
    assert [g[1] for g in got] == pytest.approx([w[1] for w in want])
    # paging: Offset over the fused order, OrderBy over the page window
    dense = {"HybridPathsSetting": {"paths": "dense"}}
    assert ask(3, offset=3, hybrid_search_args=dense) == single["dense"][3:6]
    ordered = ask(4, order_by="rank DESC", hybrid_search_args=dense)
    assert [rid for rid, _ in ordered] == sorted((rid for rid, _ in single["dense"][:4]), key=lambda r: -int(r[1:]))
    # a Metrics override scores the dense path by another metric (MiniLM vectors are unit
    # length, so l2 distance orders as cosine does, smaller first)
    l2 = ask(4, metrics="l2", hybrid_search_args=dense)
    assert [rid for rid, _ in l2] == [rid for rid, _ in single["dense"][:4]]
    assert [s for _, s in l2] == pytest.approx([(2 - 2 * s) ** 0.5 for _, s in single["dense"][:4]], abs=1e-4)
    for bad in (
        {"HybridPathsSetting": {"paths": "dense,graph"}},
        {"HybridPathsSetting": every, "Weight": {"alpha": 0.5}},
        {"HybridPathsSetting": every, "Weight": {"dense": 0.5, "sparse": 0.5}},
    ):
        with pytest.raises(TeaException) as info:
            ask(hybrid_search="Weight", hybrid_search_args=bad)
        assert info.value.code == "InvalidParameter"


def test_upsert_chunks_with_a_filter_rewrites_matching_rows(client: Client) -> None:
    client.create_document_collection(
        m.CreateDocumentCollectionRequest(
            **BASE, **MANAGER, namespace=NS, collection="kbf", metadata=json.dumps({"rank": "int"}), parser="english"
        )
    )
    chunks = [m.UpsertChunksRequestTextChunks(id=f"f{r}", content=text, metadata={"rank": r}) for text, r in FACTS]
    client.upsert_chunks(m.UpsertChunksRequest(**data(collection="kbf"), text_chunks=chunks))

    def upsert(content: str, condition: str, allow: bool) -> None:
        client.upsert_chunks(
            m.UpsertChunksRequest(
                **data(collection="kbf"),
                allow_insert_with_filter=allow,
                text_chunks=[m.UpsertChunksRequestTextChunks(content=content, metadata={"rank": 9}, filter=condition)],
            )
        )

    def find(content: str) -> list[Any]:
        body = client.query_content(m.QueryContentRequest(**data(collection="kbf", content=content, top_k=20))).body
        return [h for h in body.matches.match_list if h.content == content]

    upsert("Goldfish swim in circles.", "rank = 1", allow=False)
    assert [(h.id, h.metadata) for h in find("Goldfish swim in circles.")] == [("f1", {"rank": "9"})]
    assert find("Cats sleep for most of the day.") == []
    upsert("Owls hunt at night.", "rank = 100", allow=False)
    assert find("Owls hunt at night.") == []
    upsert("Owls hunt at night.", "rank = 100", allow=True)
    assert len(find("Owls hunt at night.")) == 1
    with pytest.raises(TeaException) as info:
        upsert("Bad.", "rank = = 1", allow=True)
    assert info.value.code == "InvalidParameter.Filter" and find("Bad.") == []
