"""AsyncClient: Client's calls as coroutines, with AsyncQdrantClient's shape."""

from __future__ import annotations

import asyncio
import inspect
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from qdrant_client import AsyncQdrantClient

from tests.api.qdrant.test_integrations import TEXTS, embed
from vecbase import AsyncClient, Client, models

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


async def _script(c: Any, call: Any) -> list[Any]:
    """One sequence of calls; ``call`` awaits a coroutine or passes a value through."""
    rng = np.random.default_rng(5)
    out = [
        await call(
            c.create_collection("a", vectors_config=models.VectorParams(size=3, distance=models.Distance.EUCLID))
        )
    ]
    points = [models.PointStruct(id=i, vector=rng.normal(size=3).tolist(), payload={"n": i}) for i in range(40)]
    out.append(await call(c.upsert("a", points[:20])))
    c.upload_points("a", points[20:], batch_size=7, wait=True)  # a plain method, as in AsyncQdrantClient
    out.append(await call(c.count("a")))
    out.append(await call(c.query_points("a", query=[0.1, 0.2, 0.3], limit=4)))
    flt = models.Filter(must=[models.FieldCondition(key="n", range=models.Range(lt=10))])
    out.append(await call(c.scroll("a", scroll_filter=flt, limit=3)))
    out.append(await call(c.delete("a", points_selector=models.FilterSelector(filter=flt))))
    out.append(await call(c.retrieve("a", ids=[1, 11])))
    out.append(await call(c.get_collection("a")))
    out.append(await call(c.delete_collection("a")))
    out.append(await call(c.collection_exists("a")))
    return out


def test_async_calls_answer_as_the_sync_client() -> None:
    async def awaited(x: Any) -> Any:
        assert inspect.isawaitable(x)
        return await x

    async def plain(x: Any) -> Any:
        return x

    async def main() -> tuple[list[Any], list[Any]]:
        ac = AsyncClient(":memory:")
        got = await _script(ac, awaited)
        await ac.close()
        return got, await _script(Client(":memory:"), plain)

    got, expected = asyncio.run(main())
    assert got == expected
    assert got[2].count == 40 and got[-1] is False


def test_every_coroutine_of_async_qdrant_client_that_client_has_is_a_coroutine_here() -> None:
    ac = AsyncClient(":memory:")
    theirs = {
        name
        for name, fn in inspect.getmembers(AsyncQdrantClient, inspect.iscoroutinefunction)
        if not name.startswith("_") and hasattr(Client, name)
    }
    assert {"query_points", "upsert", "create_collection", "scroll", "create_snapshot"} <= theirs
    for name in theirs:
        assert inspect.iscoroutinefunction(getattr(ac, name)), name
    for name in ("upload_points", "upload_collection", "get_embedding_size"):
        assert not inspect.iscoroutinefunction(getattr(ac, name))
    assert theirs | {"upload_points", "migrate"} <= set(dir(ac))
    with pytest.raises(AttributeError):
        ac.no_such_method  # noqa: B018
    asyncio.run(ac.close())


def test_concurrent_calls_all_apply(tmp_path: Path) -> None:
    async def main() -> tuple[int, int]:
        async with AsyncClient(path=str(tmp_path / "db")) as ac:
            await ac.create_collection("c", vectors_config=models.VectorParams(size=2, distance=models.Distance.DOT))
            await asyncio.gather(
                *(ac.upsert("c", [models.PointStruct(id=i, vector=[1.0, float(i)])]) for i in range(50)),
                *(ac.query_points("c", query=[1.0, 0.0], limit=3) for _ in range(20)),
            )
            hits = await ac.query_points("c", query=[0.0, 1.0], limit=1)
            return (await ac.count("c")).count, int(hits.points[0].id)

    assert asyncio.run(main()) == (50, 49)
    with Client(path=str(tmp_path / "db")) as c:  # closed by the context: the directory is free again
        assert c.count("c").count == 50


def test_llama_index_async_store(tmp_path: Path) -> None:
    os.environ.setdefault("LLAMA_INDEX_CACHE_DIR", str(tmp_path / "llama-cache"))
    from llama_index.core.schema import TextNode
    from llama_index.core.vector_stores.types import VectorStoreQuery
    from llama_index.vector_stores.qdrant import QdrantVectorStore

    async def main() -> None:
        ac = AsyncClient(":memory:")
        store = QdrantVectorStore(aclient=ac, collection_name="al")
        nodes = [
            TextNode(text=t, id_=f"00000000-0000-0000-0000-00000000000{i}", embedding=embed(t))
            for i, t in enumerate(TEXTS)
        ]
        assert len(await store.async_add(nodes)) == len(TEXTS)
        result = await store.aquery(VectorStoreQuery(query_embedding=embed("tomato soup recipe"), similarity_top_k=1))
        assert result.nodes is not None and result.nodes[0].get_content() == TEXTS[4]
        await store.adelete_nodes(node_ids=[nodes[0].node_id])
        assert (await ac.count("al")).count == len(TEXTS) - 1
        await store.aclear()
        assert not await ac.collection_exists("al")
        await ac.close()

    asyncio.run(main())
