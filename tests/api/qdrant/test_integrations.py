"""LangChain and LlamaIndex, unchanged, against our server: an add-and-search round trip.

Embeddings come from a small deterministic function (bag of hashed words), so nothing is
downloaded and similar texts really are near each other.
"""

from __future__ import annotations

import hashlib
import os
from typing import Any

import numpy as np
import pytest
from qdrant_client import QdrantClient

from tests.live_server import Server

DIM = 512
TEXTS = [
    "the cat sat on the mat",
    "dogs chase cats in the garden",
    "stock markets fell sharply today",
    "the central bank raised interest rates",
    "a recipe for tomato soup with basil",
    "fresh basil and tomatoes make a good salad",
]


def embed(text: str) -> list[float]:
    v = np.zeros(DIM, dtype=np.float64)
    for word in text.lower().split():
        h = int.from_bytes(hashlib.sha256(word.encode()).digest()[:8], "little")
        v[h % DIM] += 1.0
    norm = np.linalg.norm(v)
    return (v / norm if norm else v).tolist()


def test_langchain_qdrant_round_trip(server: Server) -> None:
    from langchain_core.embeddings import Embeddings
    from langchain_qdrant import QdrantVectorStore

    class HashEmbeddings(Embeddings):
        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            return [embed(t) for t in texts]

        def embed_query(self, text: str) -> list[float]:
            return embed(text)

    store = QdrantVectorStore.from_texts(
        TEXTS,
        HashEmbeddings(),
        metadatas=[{"i": i, "topic": ["pets", "pets", "money", "money", "food", "food"][i]} for i in range(len(TEXTS))],
        url=server.url,
        collection_name="langchain",
    )
    hits = store.similarity_search("interest rates at the bank", k=2)
    assert hits[0].page_content == "the central bank raised interest rates"
    assert hits[0].metadata["topic"] == "money"
    scored = store.similarity_search_with_score("basil tomato", k=3)
    assert {d.metadata["topic"] for d, _ in scored[:2]} == {"food"}
    assert scored[0][1] >= scored[1][1] >= scored[2][1]
    ids = store.add_texts(["cats and dogs are pets"], metadatas=[{"i": 99, "topic": "pets"}])
    assert store.similarity_search("pets cats dogs", k=1)[0].page_content == "cats and dogs are pets"
    store.delete(ids)
    assert QdrantClient(url=server.url).count("langchain").count == len(TEXTS)


def test_llama_index_qdrant_round_trip(server: Server, tmp_path: Any) -> None:
    os.environ.setdefault("LLAMA_INDEX_CACHE_DIR", str(tmp_path / "llama-cache"))
    from llama_index.core.schema import TextNode
    from llama_index.core.vector_stores.types import (
        FilterOperator,
        MetadataFilter,
        MetadataFilters,
        VectorStoreQuery,
    )
    from llama_index.vector_stores.qdrant import QdrantVectorStore

    client = QdrantClient(url=server.url)
    store = QdrantVectorStore(client=client, collection_name="llama")
    topics = ["pets", "pets", "money", "money", "food", "food"]
    nodes = [
        TextNode(
            text=t, id_=f"00000000-0000-0000-0000-00000000000{i}", metadata={"topic": topics[i]}, embedding=embed(t)
        )
        for i, t in enumerate(TEXTS)
    ]
    ids = store.add(nodes)
    assert len(ids) == len(TEXTS)
    result = store.query(VectorStoreQuery(query_embedding=embed("tomato soup recipe"), similarity_top_k=2))
    assert result.nodes is not None and result.nodes[0].get_content() == TEXTS[4]
    assert result.similarities is not None and result.similarities[0] >= result.similarities[1]
    filtered = store.query(
        VectorStoreQuery(
            query_embedding=embed("tomato soup recipe"),
            similarity_top_k=3,
            filters=MetadataFilters(filters=[MetadataFilter(key="topic", value="money", operator=FilterOperator.EQ)]),
        )
    )
    assert filtered.nodes is not None and {n.metadata["topic"] for n in filtered.nodes} == {"money"}
    store.delete_nodes(node_ids=[nodes[0].node_id])
    assert client.count("llama").count == len(TEXTS) - 1


pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_migrate_to_and_from_the_server(server: Server) -> None:
    """An embedded collection moved onto the server with ``Client.migrate``, and back into a
    new embedded client with qdrant-client's own ``migrate``: settings, indexes and points."""
    from vecbase import Client, models

    remote = QdrantClient(url=server.url, timeout=60)
    local = Client(":memory:")
    local.create_collection(
        "moved",
        vectors_config=models.VectorParams(size=DIM, distance=models.Distance.COSINE),
        hnsw_config=models.HnswConfigDiff(m=12),
        metadata={"from": "embedded"},
    )
    local.create_payload_index("moved", "topic", models.PayloadSchemaType.KEYWORD)
    local.upsert("moved", [models.PointStruct(id=i, vector=embed(t), payload={"text": t}) for i, t in enumerate(TEXTS)])
    local.migrate(remote, ["moved"], batch_size=4)

    info = remote.get_collection("moved")
    assert info.points_count == len(TEXTS)
    assert info.config.hnsw_config.m == 12 and info.config.metadata == {"from": "embedded"}
    assert list(info.payload_schema) == ["topic"]
    hit = remote.query_points("moved", query=embed("interest rates at the bank"), limit=1).points[0]
    assert hit.payload == {"text": "the central bank raised interest rates"}

    back = Client(":memory:")
    remote.migrate(back, ["moved"])
    assert back.get_collection("moved").config == local.get_collection("moved").config
    assert back.retrieve("moved", [3], with_vectors=True)[0] == local.retrieve("moved", [3], with_vectors=True)[0]
    remote.delete_collection("moved")
