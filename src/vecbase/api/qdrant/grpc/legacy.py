"""The 1.18 search / recommend / discover messages as the REST bodies of the same calls."""

from __future__ import annotations

from typing import Any

from vecbase.api.qdrant.grpc import values as v
from vecbase.api.qdrant.grpc.proto import points_pb2 as pb
from vecbase.api.qdrant.grpc.queries import STRATEGIES


def _common(r: Any, payload_default: Any = False) -> dict[str, Any]:
    body: dict[str, Any] = v.set_if({"limit": r.limit}, r, "offset", "score_threshold")
    if r.HasField("filter"):
        body["filter"] = v.filter_(r.filter)
    if r.HasField("params"):
        body["params"] = v.search_params(r.params)
    body["with_payload"] = v.with_payload(r.with_payload, payload_default)
    if r.HasField("with_vectors"):
        body["with_vector"] = v.with_vectors(r.with_vectors, False)
    if "lookup_from" in r.DESCRIPTOR.fields_by_name and r.HasField("lookup_from"):
        lookup = v.set_if({"collection": r.lookup_from.collection_name}, r.lookup_from, "vector_name")
        if "vector_name" in lookup:
            lookup["vector"] = lookup.pop("vector_name")
        body["lookup_from"] = lookup
    return v.keyed(body, r)


def _groups(r: Any, body: dict[str, Any]) -> dict[str, Any]:
    body.update(group_by=r.group_by, group_size=r.group_size)
    if r.HasField("with_lookup"):
        lookup: dict[str, Any] = {"collection": r.with_lookup.collection}
        if r.with_lookup.HasField("with_payload"):
            lookup["with_payload"] = v.with_payload(r.with_lookup.with_payload, True)
        if r.with_lookup.HasField("with_vectors"):
            lookup["with_vectors"] = v.with_vectors(r.with_lookup.with_vectors, False)
        body["with_lookup"] = lookup
    return body


def search(r: Any) -> dict[str, Any]:
    vector: Any = list(r.vector)
    if r.HasField("sparse_indices"):
        vector = {"indices": list(r.sparse_indices.data), "values": vector}
    if r.HasField("vector_name"):
        vector = {"name": r.vector_name, "vector": vector}
    return {"vector": vector, **_common(r)}


def search_groups(r: Any) -> dict[str, Any]:
    return _groups(r, search(r))


def _examples(ids: Any, vectors: Any) -> list[Any]:
    return [v.point_id(i) for i in ids] + [v.vector(x) for x in vectors]


def recommend(r: Any) -> dict[str, Any]:
    body = {
        "positive": _examples(r.positive, r.positive_vectors),
        "negative": _examples(r.negative, r.negative_vectors),
        **_common(r),
    }
    if r.HasField("using"):
        body["using"] = r.using
    if r.HasField("strategy"):
        body["strategy"] = STRATEGIES[pb.RecommendStrategy.Name(r.strategy)]
    return body


def recommend_groups(r: Any) -> dict[str, Any]:
    return _groups(r, recommend(r))


def _example(e: Any) -> Any:
    return v.point_id(e.id) if e.WhichOneof("example") == "id" else v.vector(e.vector)


def discover(r: Any) -> dict[str, Any]:
    body = {
        "target": _example(r.target.single),
        "context": [{"positive": _example(p.positive), "negative": _example(p.negative)} for p in r.context],
        **_common(r),
    }
    if r.HasField("using"):
        body["using"] = r.using
    return body
