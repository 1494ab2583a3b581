"""The embedded client takes qdrant-client's models as well as its own (client.foreign):
code written for qdrant-client, LangChain's and LlamaIndex's Qdrant stores included, runs on
``vecbase.Client`` unchanged."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pydantic
import pytest
from qdrant_client import models as qm

from tests.api.qdrant.test_integrations import TEXTS, embed
from vecbase import Client, models
from vecbase.client.foreign import ours

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _fill(c: Client, ns: Any) -> None:
    """The same collection built with one family of models (``ns``: ours or qdrant-client's)."""
    rng = np.random.default_rng(3)
    c.create_collection(
        "f",
        vectors_config={"d": ns.VectorParams(size=4, distance=ns.Distance.DOT)},
        sparse_vectors_config={"s": ns.SparseVectorParams(modifier=ns.Modifier.IDF)},
        hnsw_config=ns.HnswConfigDiff(m=8),
    )
    c.create_payload_index("f", "k", ns.PayloadSchemaType.KEYWORD)
    c.create_payload_index("f", "n", ns.PayloadSchemaType.INTEGER)
    points = (
        ns.PointStruct(
            id=i,
            vector={"d": rng.normal(size=4).round(3).tolist(), "s": ns.SparseVector(indices=[i % 5], values=[1.0])},
            payload={"k": f"k{i % 3}", "n": i},
        )
        for i in range(60)
    )
    c.upload_points("f", points, batch_size=16, wait=True)  # a generator, as qdrant-client allows
    c.set_payload(
        "f", {"tag": "x"}, points=ns.FilterSelector(filter=ns.Filter(must=[ns.HasIdCondition(has_id=[1, 2])]))
    )


def _calls(c: Client, ns: Any) -> dict[str, Any]:
    flt = ns.Filter(
        must=[ns.FieldCondition(key="k", match=ns.MatchAny(any=["k0", "k1"]))],
        must_not=[ns.FieldCondition(key="n", range=ns.Range(gte=50))],
    )
    q = [0.5, -0.2, 0.1, 0.9]
    return {
        "nearest": c.query_points("f", query=q, using="d", query_filter=flt, limit=5),
        "fusion": c.query_points(
            "f",
            prefetch=[
                ns.Prefetch(query=q, using="d", limit=20),
                ns.Prefetch(query=ns.SparseVector(indices=[1], values=[1.0]), using="s"),
            ],
            query=ns.FusionQuery(fusion=ns.Fusion.RRF),
            limit=5,
        ),
        "recommend": c.query_points(
            "f",
            query=ns.RecommendQuery(recommend=ns.RecommendInput(positive=[1, 4], negative=[2])),
            using="d",
            limit=4,
        ),
        "order": c.scroll("f", order_by=ns.OrderBy(key="n", direction=ns.Direction.DESC), limit=3),
        "count": c.count("f", count_filter=flt),
        "tagged": c.scroll(
            "f", scroll_filter=ns.Filter(must=[ns.FieldCondition(key="tag", match=ns.MatchValue(value="x"))])
        ),
        "batch": c.query_batch_points("f", [ns.QueryRequest(query=q, using="d", limit=2, filter=flt)] * 2),
        "groups": c.query_points_groups("f", "k", query=q, using="d", limit=2, group_size=2),
        "facet": c.facet("f", "k"),
    }


def test_qdrant_client_models_give_the_same_answers_as_ours() -> None:
    answers = {}
    for ns in (models, qm):
        c = Client(":memory:")
        _fill(c, ns)
        answers[ns.__name__] = _calls(c, ns)
        c.close()
    mine, theirs = answers[models.__name__], answers[qm.__name__]
    assert mine.keys() == theirs.keys()
    for name in mine:
        assert theirs[name] == mine[name], name
    assert len(mine["nearest"].points) == 5 and mine["count"].count > 0 and len(mine["tagged"][0]) == 2


def test_conversion_keeps_our_objects_and_plain_values() -> None:
    flt = models.Filter(must=[models.FieldCondition(key="a", match=models.MatchValue(value=1))])
    vector = [0.1, 0.2]
    array = np.zeros(3, dtype=np.float32)
    payload = {"a": [1, {"b": "c"}]}
    for value in (flt, vector, array, payload, "name", 3, None):
        assert ours(value) is value
    converted = ours({"x": [qm.Distance.COSINE, qm.MatchValue(value="v")]})
    assert type(converted["x"][0]) is models.Distance and converted["x"][0] is models.Distance.COSINE
    assert type(converted["x"][1]) is models.MatchValue and converted["x"][1].value == "v"
    # only the fields the caller set travel: defaults stay ours
    assert ours(qm.SearchParams(hnsw_ef=8)).model_fields_set == {"hnsw_ef"}


def test_a_foreign_model_with_bad_values_is_refused() -> None:
    c = Client(":memory:")
    c.create_collection("f", vectors_config=qm.VectorParams(size=2, distance=qm.Distance.COSINE))
    bad = qm.PointStruct.model_construct(id=1.5, vector=[1.0, 0.0])  # unvalidated: an id no schema allows
    with pytest.raises(pydantic.ValidationError):
        c.upsert("f", [bad])
    assert c.count("f").count == 0


def test_langchain_store_over_the_embedded_client(tmp_path: Path) -> None:
    from langchain_core.embeddings import Embeddings
    from langchain_qdrant import QdrantVectorStore

    class HashEmbeddings(Embeddings):
        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            return [embed(t) for t in texts]

        def embed_query(self, text: str) -> list[float]:
            return embed(text)

    c = Client(path=str(tmp_path / "db"))
    c.create_collection("lc", vectors_config=qm.VectorParams(size=len(embed("x")), distance=qm.Distance.COSINE))
    store = QdrantVectorStore(client=c, collection_name="lc", embedding=HashEmbeddings())
    ids = store.add_texts(TEXTS, metadatas=[{"i": i} for i in range(len(TEXTS))])
    assert store.similarity_search("interest rates at the bank", k=1)[0].page_content == TEXTS[3]
    only = qm.Filter(must=[qm.FieldCondition(key="metadata.i", match=qm.MatchValue(value=5))])
    hits = store.similarity_search_with_score("basil", k=3, filter=only)
    assert [d.metadata["i"] for d, _ in hits] == [5]
    assert len(store.max_marginal_relevance_search("basil tomato", k=2)) == 2
    store.delete(ids[:1])
    assert c.count("lc").count == len(TEXTS) - 1
    assert [d.page_content for d in store.get_by_ids(ids[1:3])] == TEXTS[1:3]
    c.close()


def test_llama_index_store_over_the_embedded_client(tmp_path: Path) -> None:
    os.environ.setdefault("LLAMA_INDEX_CACHE_DIR", str(tmp_path / "llama-cache"))
    from llama_index.core.schema import TextNode
    from llama_index.core.vector_stores.types import FilterOperator, MetadataFilter, MetadataFilters, VectorStoreQuery
    from llama_index.vector_stores.qdrant import QdrantVectorStore

    c = Client(":memory:")
    store = QdrantVectorStore(client=c, collection_name="llama")
    nodes = [
        TextNode(
            text=t,
            id_=f"00000000-0000-0000-0000-00000000000{i}",
            metadata={"topic": str(i % 3), "n": i},
            embedding=embed(t),
        )
        for i, t in enumerate(TEXTS)
    ]
    assert len(store.add(nodes)) == len(TEXTS)
    filters = MetadataFilters(
        filters=[
            MetadataFilter(key="n", value=3, operator=FilterOperator.GT),
            MetadataFilter(key="topic", value=["1", "2"], operator=FilterOperator.IN),
        ]
    )
    result = store.query(
        VectorStoreQuery(query_embedding=embed("tomato soup recipe"), similarity_top_k=3, filters=filters)
    )
    assert result.nodes is not None and [n.get_content() for n in result.nodes] == [TEXTS[4], TEXTS[5]]
    store.delete_nodes(node_ids=[nodes[0].node_id])
    assert c.count("llama").count == len(TEXTS) - 1
    assert [n.get_content() for n in store.get_nodes(node_ids=[nodes[1].node_id])] == [TEXTS[1]]
