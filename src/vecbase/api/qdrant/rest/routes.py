"""The Qdrant REST route table: collections, points, queries (plus the 1.18 legacy calls)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from vecbase.api.qdrant import models as m
from vecbase.api.qdrant.rest.call import Call
from vecbase.api.qdrant.rest.envelope import HttpError

Handler = Callable[[Call], Any]


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    operation_id: str
    handler: Handler
    update: bool = False  # returns UpdateResult: status follows ?wait


def _point_id(raw: str) -> int | str:
    return int(raw) if raw.isdigit() else raw


def _update(fn: Callable[[Call], Any]) -> Handler:
    def run(c: Call) -> Any:
        result = fn(c)
        if not c.wait:
            if isinstance(result, m.UpdateResult):
                result.status = m.UpdateStatus.ACKNOWLEDGED
            elif isinstance(result, list):
                for r in result:
                    r.status = m.UpdateStatus.ACKNOWLEDGED
        return result

    return run


def check_flags(c: Call) -> None:
    ordering = c.query.get("ordering")
    if ordering is not None and ordering not in ("weak", "medium", "strong"):
        raise HttpError(
            400, f"Query deserialize error: unknown variant `{ordering}`, expected one of weak, medium, strong"
        )
    consistency = c.query.get("consistency")
    if consistency is not None and not consistency.isdigit() and consistency not in ("majority", "quorum", "all"):
        raise HttpError(400, f"Query deserialize error: invalid consistency `{consistency}`")
    timeout = c.int_param("timeout")
    if timeout is not None and timeout < 1:
        raise HttpError(422, "Validation error in query: timeout must be at least 1")


def _legacy_batch(c: Call, kind: str, model: Any) -> list[list[m.ScoredPoint]]:
    batch: Any = c.body(model)
    c.svc.query.check_batch(c.name, len(batch.searches))
    c.svc.collections.col(c.name)
    return [c.svc.query.legacy(c.name, kind, r) for r in batch.searches]


def operations() -> list[Operation]:
    s = "/collections/{collection_name}"
    p = s + "/points"
    ops = [
        # collections
        Operation("GET", "/collections", "get_collections", lambda c: c.svc.collections.list()),
        Operation("GET", s, "get_collection", lambda c: c.svc.collections.info(c.name)),
        Operation(
            "PUT",
            s,
            "create_collection",
            lambda c: c.svc.collections.create(c.name, c.body(m.CreateCollection, required=False)),
        ),
        Operation(
            "PATCH",
            s,
            "update_collection",
            lambda c: c.svc.collections.update(c.name, c.body(m.UpdateCollection, required=False)),
        ),
        Operation("DELETE", s, "delete_collection", lambda c: c.svc.collections.delete(c.name)),
        Operation("GET", s + "/exists", "collection_exists", lambda c: c.svc.collections.exists(c.name)),
        Operation(
            "POST",
            "/collections/aliases",
            "update_aliases",
            lambda c: c.svc.collections.update_aliases(c.body(m.ChangeAliasesOperation)),
        ),
        Operation("GET", s + "/aliases", "get_collection_aliases", lambda c: c.svc.collections.aliases(c.name)),
        Operation("GET", "/aliases", "get_collections_aliases", lambda c: c.svc.collections.aliases()),
        Operation(
            "PUT",
            s + "/index",
            "create_field_index",
            _update(lambda c: c.svc.collections.create_index(c.name, c.body(m.CreateFieldIndex))),
            True,
        ),
        Operation(
            "DELETE",
            s + "/index/{field_name}",
            "delete_field_index",
            _update(lambda c: c.svc.collections.delete_index(c.name, c.path["field_name"])),
            True,
        ),
        Operation(
            "PUT",
            s + "/vectors/{vector_name}",
            "create_vector_name",
            _update(
                lambda c: c.svc.collections.create_vector_name(
                    c.name, c.path["vector_name"], c.body(m.VectorNameConfig)
                )
            ),
            True,
        ),
        Operation(
            "DELETE",
            s + "/vectors/{vector_name}",
            "delete_vector_name",
            _update(lambda c: c.svc.collections.delete_vector_name(c.name, c.path["vector_name"])),
            True,
        ),
        Operation("GET", s + "/cluster", "collection_cluster_info", lambda c: c.svc.collections.cluster_info(c.name)),
        Operation(
            "POST",
            s + "/cluster",
            "update_collection_cluster",
            lambda c: c.svc.collections.cluster_update(c.name, _shard_key_operation(c)),
        ),
        Operation(
            "GET",
            s + "/optimizations",
            "get_optimizations",
            lambda c: c.svc.collections.optimizations(c.name, c.query.get("with"), c.int_param("completed_limit")),
        ),
        Operation(
            "PUT",
            s + "/shards",
            "create_shard_key",
            lambda c: c.svc.collections.create_shard_key(c.name, c.body(m.CreateShardingKey)),
        ),
        Operation("GET", s + "/shards", "list_shard_keys", lambda c: c.svc.collections.shard_keys(c.name)),
        Operation(
            "POST",
            s + "/shards/delete",
            "delete_shard_key",
            lambda c: c.svc.collections.delete_shard_key(c.name, c.body(m.DropShardingKey)),
        ),
        # points: writes
        Operation(
            "PUT",
            p,
            "upsert_points",
            _update(lambda c: c.svc.points.upsert(c.name, c.upsert_body(), c.wait)),
            True,
        ),
        Operation(
            "POST",
            p + "/delete",
            "delete_points",
            _update(lambda c: c.svc.points.delete(c.name, c.body(m.PointsSelector), c.wait)),
            True,
        ),
        Operation(
            "PUT",
            p + "/vectors",
            "update_vectors",
            _update(lambda c: c.svc.points.update_vectors(c.name, c.body(m.UpdateVectors), c.wait)),
            True,
        ),
        Operation(
            "POST",
            p + "/vectors/delete",
            "delete_vectors",
            _update(lambda c: c.svc.points.delete_vectors(c.name, c.body(m.DeleteVectors), c.wait)),
            True,
        ),
        Operation(
            "POST",
            p + "/payload",
            "set_payload",
            _update(lambda c: c.svc.points.set_payload(c.name, c.body(m.SetPayload), c.wait)),
            True,
        ),
        Operation(
            "PUT",
            p + "/payload",
            "overwrite_payload",
            _update(lambda c: c.svc.points.overwrite_payload(c.name, c.body(m.SetPayload), c.wait)),
            True,
        ),
        Operation(
            "POST",
            p + "/payload/delete",
            "delete_payload",
            _update(lambda c: c.svc.points.delete_payload(c.name, c.body(m.DeletePayload), c.wait)),
            True,
        ),
        Operation(
            "POST",
            p + "/payload/clear",
            "clear_payload",
            _update(lambda c: c.svc.points.clear_payload(c.name, c.body(m.PointsSelector), c.wait)),
            True,
        ),
        Operation(
            "POST",
            p + "/batch",
            "batch_update",
            _update(lambda c: c.svc.points.batch(c.name, c.body(m.UpdateOperations).operations, c.wait)),
            True,
        ),
        # points: reads
        Operation("GET", p + "/{id}", "get_point", lambda c: c.svc.points.get_point(c.name, _point_id(c.path["id"]))),
        Operation("POST", p, "get_points", lambda c: c.svc.points.retrieve(c.name, c.body(m.PointRequest))),
        Operation(
            "POST",
            p + "/scroll",
            "scroll_points",
            lambda c: c.svc.points.scroll(c.name, c.body(m.ScrollRequest, required=False)),
        ),
        Operation(
            "POST",
            p + "/count",
            "count_points",
            lambda c: c.svc.points.count(c.name, c.body(m.CountRequest, required=False)),
        ),
        Operation("POST", s + "/facet", "facet", lambda c: c.svc.points.facet(c.name, c.body(m.FacetRequest))),
        # queries
        Operation(
            "POST",
            p + "/query",
            "query_points",
            lambda c: c.svc.query.query(c.name, c.body(m.QueryRequest, required=False)),
        ),
        Operation(
            "POST",
            p + "/query/batch",
            "query_batch_points",
            lambda c: c.svc.query.query_batch(c.name, c.body(m.QueryRequestBatch).searches),
        ),
        Operation(
            "POST",
            p + "/query/groups",
            "query_points_groups",
            lambda c: c.svc.query.query_groups(c.name, c.body(m.QueryGroupsRequest)),
        ),
        Operation(
            "POST",
            p + "/search/matrix/pairs",
            "search_matrix_pairs",
            lambda c: c.svc.query.matrix_pairs(c.name, c.body(m.SearchMatrixRequest, required=False)),
        ),
        Operation(
            "POST",
            p + "/search/matrix/offsets",
            "search_matrix_offsets",
            lambda c: c.svc.query.matrix_offsets(c.name, c.body(m.SearchMatrixRequest, required=False)),
        ),
        # legacy 1.18 endpoints
        Operation(
            "POST",
            p + "/search",
            "search_points",
            lambda c: c.svc.query.legacy(c.name, "search", c.body(m.SearchRequest)),
        ),
        Operation(
            "POST",
            p + "/search/batch",
            "search_batch_points",
            lambda c: _legacy_batch(c, "search", m.SearchRequestBatch),
        ),
        Operation(
            "POST",
            p + "/search/groups",
            "search_point_groups",
            lambda c: c.svc.query.legacy_groups(c.name, "search", c.body(m.SearchGroupsRequest)),
        ),
        Operation(
            "POST",
            p + "/recommend",
            "recommend_points",
            lambda c: c.svc.query.legacy(c.name, "recommend", c.body(m.RecommendRequest)),
        ),
        Operation(
            "POST",
            p + "/recommend/batch",
            "recommend_batch_points",
            lambda c: _legacy_batch(c, "recommend", m.RecommendRequestBatch),
        ),
        Operation(
            "POST",
            p + "/recommend/groups",
            "recommend_point_groups",
            lambda c: c.svc.query.legacy_groups(c.name, "recommend", c.body(m.RecommendGroupsRequest)),
        ),
        Operation(
            "POST",
            p + "/discover",
            "discover_points",
            lambda c: c.svc.query.legacy(c.name, "discover", c.body(m.DiscoverRequest)),
        ),
        Operation(
            "POST",
            p + "/discover/batch",
            "discover_batch_points",
            lambda c: _legacy_batch(c, "discover", m.DiscoverRequestBatch),
        ),
    ]
    return ops


__all__ = ["Operation", "operations", "check_flags"]


def _shard_key_operation(c: Call) -> Any:
    """The body of a cluster operation that changes shard keys (the only kind a single node
    runs); None for any other, which is refused without reading further."""
    data = c.json()
    if isinstance(data, dict) and data.keys() & {"create_sharding_key", "drop_sharding_key"}:
        return c.body(m.ClusterOperations)
    return None
