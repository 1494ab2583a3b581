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
