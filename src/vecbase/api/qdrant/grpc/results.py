"""Service results (REST models) as the protobuf answers of the Points service."""

from __future__ import annotations

from typing import Any

from vecbase.api.qdrant import models as m
from vecbase.api.qdrant.grpc import values as v
from vecbase.api.qdrant.grpc.proto import points_pb2 as pb


def scored_out(point: m.ScoredPoint) -> Any:
    return scored_into(pb.ScoredPoint(), point)


def scored_into(out: Any, point: m.ScoredPoint) -> Any:
    """``point`` written into ``out`` (an empty ScoredPoint, e.g. a repeated field's ``add()``)."""
    out.score = point.score
    out.version = point.version
    return _point_into(out, point)


def scored_list(container: Any, points: Any) -> None:
    """Scored points appended to a repeated ``ScoredPoint`` field, built in place."""
    for point in points:
        scored_into(container.add(), point)


def retrieved_out(record: m.Record) -> Any:
    return _point_into(pb.RetrievedPoint(), record)


def _point_into(out: Any, point: m.ScoredPoint | m.Record) -> Any:
    """The fields scored and retrieved points share: id, payload, vectors, order value."""
    v.fill_point_id(out.id, point.id)
    v.fill_payload(out.payload, point.payload)
    vectors = v.vectors_output(point.vector)
    if vectors is not None:
        out.vectors.CopyFrom(vectors)
    if point.order_value is not None:
        out.order_value.CopyFrom(_order_value(point.order_value))
    if point.shard_key is not None:
        v.shard_key_out(out.shard_key, point.shard_key)
    return out


def _order_value(value: Any) -> Any:
    return pb.OrderValue(int=value) if isinstance(value, int) else pb.OrderValue(float=float(value))


def update_out(result: m.UpdateResult) -> Any:
    status = {"acknowledged": "Acknowledged", "completed": "Completed", "wait_timeout": "WaitTimeout"}
    out = pb.UpdateResult(status=pb.UpdateStatus.Value(status.get(result.status.value, "UnknownUpdateStatus")))
    if result.operation_id is not None:
        out.operation_id = result.operation_id
    return out


def facet_value_out(value: Any) -> Any:
    if isinstance(value, bool):
        return pb.FacetValue(bool_value=value)
    if isinstance(value, int):
        return pb.FacetValue(integer_value=value)
    return pb.FacetValue(string_value=str(value))


def group_id_out(value: Any) -> Any:
    if isinstance(value, int):
        return pb.GroupId(unsigned_value=value) if value >= 0 else pb.GroupId(integer_value=value)
    return pb.GroupId(string_value=str(value))


def groups_out(result: m.GroupsResult) -> Any:
    groups = [pb.PointGroup(id=group_id_out(g.id), hits=[scored_out(p) for p in g.hits]) for g in result.groups]
    return pb.GroupsResult(groups=groups)
