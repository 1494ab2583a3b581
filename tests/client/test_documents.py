"""The embedded Client takes ``models.Document`` as qdrant-client does."""

from __future__ import annotations

from vecbase import Client, models


def test_documents_through_the_embedded_client() -> None:
    client = Client(":memory:")
    client.create_collection(
        "docs",
        vectors_config={},
        sparse_vectors_config={"text": models.SparseVectorParams(modifier=models.Modifier.IDF)},
    )
    texts = ["Vector databases store embeddings", "Cats sleep all day", "Databases index vectors quickly"]
    client.upsert(
        "docs",
        [
            models.PointStruct(id=i, vector={"text": models.Document(text=t, model="qdrant/bm25")}, payload={"t": t})
            for i, t in enumerate(texts)
        ],
    )
    hits = client.query_points(
        "docs", query=models.Document(text="vector database", model="Qdrant/bm25"), using="text"
    ).points
    assert {h.id for h in hits} == {0, 2}
    assert hits[0].id == 0  # both terms
