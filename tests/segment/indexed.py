"""Collections for segment tests: an embedded in-memory client with payload indexes on the
fields of ``tests.strategies.payloads``, holding the given points."""

from __future__ import annotations

from typing import Any, Mapping

from vecbase import Client
from vecbase import models as vm

# one of every kind (the filter tests index the first six: a text index matches tokens where a
# payload check matches substrings)
INDEXED: dict[str, vm.PayloadSchemaType] = {
    "kw": vm.PayloadSchemaType.KEYWORD,
    "tags": vm.PayloadSchemaType.KEYWORD,
    "num": vm.PayloadSchemaType.INTEGER,
    "flt": vm.PayloadSchemaType.FLOAT,
    "flag": vm.PayloadSchemaType.BOOL,
    "dt": vm.PayloadSchemaType.DATETIME,
    "geo": vm.PayloadSchemaType.GEO,
    "txt": vm.PayloadSchemaType.TEXT,
}


def indexed_collection(
    points: list[dict[str, Any]], ids: list[Any] | None = None, indexes: Mapping[str, vm.PayloadSchemaType] = INDEXED
) -> tuple[Client, Any]:
    """(the client, its collection ``c``): 2-d vectors, ``indexes`` created before the points
    (ids ``0..n-1`` unless given) are upserted."""
    client = Client(":memory:")
    client.create_collection("c", vectors_config=vm.VectorParams(size=2, distance=vm.Distance.DOT))
    for key, schema in indexes.items():
        client.create_payload_index("c", key, schema)
    if points:
        ids = list(range(len(points))) if ids is None else ids
        client.upsert("c", vm.Batch(ids=ids, vectors=[[1.0, 0.0]] * len(points), payloads=points))
    return client, client._toc.get("c")
