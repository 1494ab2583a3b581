"""The ``Points`` gRPC service: each method turns its request into the REST body, runs the
shared service call, and answers the REST result in protobuf form."""

from __future__ import annotations

from typing import Any

import numpy as np

from vecbase.api.qdrant import models as m
from vecbase.api.qdrant.grpc import legacy
from vecbase.api.qdrant.grpc import values as v
from vecbase.api.qdrant.grpc.calls import GrpcCall, wire
from vecbase.api.qdrant.grpc.proto import points_pb2 as pb
from vecbase.api.qdrant.grpc.proto import points_service_pb2_grpc as rpc
from vecbase.api.qdrant.grpc.queries import order_by_body, query_request
from vecbase.api.qdrant.grpc.results import (
    facet_value_out,
    groups_out,
    retrieved_out,
    scored_list,
    scored_out,
    update_out,
)
from vecbase.api.qdrant.grpc.settings import index_params_in
from vecbase.api.qdrant.grpc.updates import batch_operation, dense_batch, points_list, upsert_options
from vecbase.api.qdrant.service import QdrantService


class PointsServicer(rpc.PointsServicer):  # type: ignore[misc]
    def __init__(self, svc: QdrantService, call: GrpcCall) -> None:
        self.svc = svc
        self.call = call

    def Upsert(self, request: Any, context: Any) -> Any:  # noqa: N802 (gRPC method names)
        def run() -> Any:
            options = upsert_options(request)
            req: m.PointsList | m.PointsBatch | None = dense_batch(request.points, options)
            if req is None:
                body: dict[str, Any] = {"points": points_list(request.points), **options}
                req = wire(m.PointsList, v.keyed(body, request))
            elif (selector := v.keyed({}, request).get("shard_key")) is not None:
                req.shard_key = wire(m.ShardKeySelector, selector)
            result = self.svc.points.upsert(request.collection_name, req, request.wait)
            return pb.PointsOperationResponse(result=update_out(result))

        return self.call(context, "PUT /collections/{collection_name}/points", request.collection_name, run)

    def Delete(self, request: Any, context: Any) -> Any:  # noqa: N802
        def run() -> Any:
            selector = v.keyed(v.points_selector(request.points), request)
            model = m.PointIdsList if "points" in selector else m.FilterSelector
            result = self.svc.points.delete(request.collection_name, wire(model, selector), request.wait)
            return pb.PointsOperationResponse(result=update_out(result))

        return self.call(context, "POST /collections/{collection_name}/points/delete", request.collection_name, run)

    def Get(self, request: Any, context: Any) -> Any:  # noqa: N802
        def run() -> Any:
            body = {
                "ids": [v.point_id(p) for p in request.ids],
                "with_payload": v.with_payload(request.with_payload, True),
                "with_vector": v.with_vectors(request.with_vectors, False),
            }
            records = self.svc.points.retrieve(request.collection_name, wire(m.PointRequest, v.keyed(body, request)))
            return pb.GetResponse(result=[retrieved_out(r) for r in records])

        return self.call(context, "POST /collections/{collection_name}/points", request.collection_name, run)

    def SetPayload(self, request: Any, context: Any) -> Any:  # noqa: N802
        return self._payload(request, context, "POST", self.svc.points.set_payload)

    def OverwritePayload(self, request: Any, context: Any) -> Any:  # noqa: N802
        return self._payload(request, context, "PUT", self.svc.points.overwrite_payload)

    def _payload(self, request: Any, context: Any, method: str, fn: Any) -> Any:
        def run() -> Any:
            body: dict[str, Any] = {"payload": v.struct(request.payload)}
            if request.HasField("points_selector"):
                body.update(v.points_selector(request.points_selector))
            v.set_if(body, request, "key")
            result = fn(request.collection_name, wire(m.SetPayload, v.keyed(body, request)), request.wait)
            return pb.PointsOperationResponse(result=update_out(result))

        label = f"{method} /collections/{{collection_name}}/points/payload"
        return self.call(context, label, request.collection_name, run)

    def DeletePayload(self, request: Any, context: Any) -> Any:  # noqa: N802
        def run() -> Any:
            body: dict[str, Any] = {"keys": list(request.keys)}
            if request.HasField("points_selector"):
                body.update(v.points_selector(request.points_selector))
            req = wire(m.DeletePayload, v.keyed(body, request))
            result = self.svc.points.delete_payload(request.collection_name, req, request.wait)
            return pb.PointsOperationResponse(result=update_out(result))

        label = "POST /collections/{collection_name}/points/payload/delete"
        return self.call(context, label, request.collection_name, run)

    def ClearPayload(self, request: Any, context: Any) -> Any:  # noqa: N802
        def run() -> Any:
            selector = v.keyed(v.points_selector(request.points), request)
            model = m.PointIdsList if "points" in selector else m.FilterSelector
            result = self.svc.points.clear_payload(request.collection_name, wire(model, selector), request.wait)
            return pb.PointsOperationResponse(result=update_out(result))

        label = "POST /collections/{collection_name}/points/payload/clear"
        return self.call(context, label, request.collection_name, run)

    def Scroll(self, request: Any, context: Any) -> Any:  # noqa: N802
        def run() -> Any:
            body: dict[str, Any] = {
                "with_payload": v.with_payload(request.with_payload, True),
                "with_vector": v.with_vectors(request.with_vectors, False),
            }
            v.set_if(body, request, "limit")
            if request.HasField("filter"):
                body["filter"] = v.filter_(request.filter)
            if request.HasField("offset"):
                body["offset"] = v.point_id(request.offset)
            if request.HasField("order_by"):
                body["order_by"] = order_by_body(request.order_by)
            result = self.svc.points.scroll(request.collection_name, wire(m.ScrollRequest, v.keyed(body, request)))
            out = pb.ScrollResponse(result=[retrieved_out(r) for r in result.points])
            if result.next_page_offset is not None:
                out.next_page_offset.CopyFrom(v.point_id_out(result.next_page_offset))
            return out

        return self.call(context, "POST /collections/{collection_name}/points/scroll", request.collection_name, run)

    def Count(self, request: Any, context: Any) -> Any:  # noqa: N802
        def run() -> Any:
            body: dict[str, Any] = v.set_if({}, request, "exact")
            if request.HasField("filter"):
                body["filter"] = v.filter_(request.filter)
            result = self.svc.points.count(request.collection_name, wire(m.CountRequest, v.keyed(body, request)))
            return pb.CountResponse(result=pb.CountResult(count=result.count))

        return self.call(context, "POST /collections/{collection_name}/points/count", request.collection_name, run)

    def Query(self, request: Any, context: Any) -> Any:  # noqa: N802
        def run() -> Any:
            result = self._query(request.collection_name, query_request(request))
            out = pb.QueryResponse()
            scored_list(out.result, result.points)
            return out

        return self.call(context, "POST /collections/{collection_name}/points/query", request.collection_name, run)

    def _query(self, name: str, body: dict[str, Any]) -> m.QueryResponse:
        """A query body (REST's form); a plain dense vector skips the request model's
        validation of its floats (the service takes the array as its embedded client does)."""
        query = body.get("query")
        plain = "lookup_from" not in body and not body.get("prefetch")
        if plain and isinstance(query, list) and query and type(query[0]) is float:
            req = wire(m.QueryRequest, {**body, "query": None})
            req.query = np.asarray(query, dtype=np.float32)
            return self.svc.query.query(name, req)
        return self.svc.query.query(name, wire(m.QueryRequest, body))

    def QueryBatch(self, request: Any, context: Any) -> Any:  # noqa: N802
        def run() -> Any:
            reqs: list[m.QueryRequest] = [wire(m.QueryRequest, query_request(q)) for q in request.query_points]
            results = self.svc.query.query_batch(request.collection_name, reqs)
            out = pb.QueryBatchResponse()
            for r in results:
                scored_list(out.result.add().result, r.points)
            return out

        label = "POST /collections/{collection_name}/points/query/batch"
        return self.call(context, label, request.collection_name, run)

    def Search(self, request: Any, context: Any) -> Any:  # noqa: N802
        return self._legacy(context, request, "search", legacy.search, pb.SearchResponse)

    def CreateFieldIndex(self, request: Any, context: Any) -> Any:  # noqa: N802
        def run() -> Any:
            kind = pb.FieldType.Name(request.field_type).removeprefix("FieldType").lower()
            schema: Any = kind
            if request.HasField("field_index_params"):
                params = request.field_index_params
                which = params.WhichOneof("index_params")
                if which is not None:
                    schema = index_params_in(kind, v.message_json(getattr(params, which)))
            body = {"field_name": request.field_name, "field_schema": schema}
            result = self.svc.collections.create_index(request.collection_name, wire(m.CreateFieldIndex, body))
            return pb.PointsOperationResponse(result=update_out(result))

        return self.call(context, "PUT /collections/{collection_name}/index", request.collection_name, run)

    def DeleteFieldIndex(self, request: Any, context: Any) -> Any:  # noqa: N802
        def run() -> Any:
            result = self.svc.collections.delete_index(request.collection_name, request.field_name)
            return pb.PointsOperationResponse(result=update_out(result))

        label = "DELETE /collections/{collection_name}/index/{field_name}"
        return self.call(context, label, request.collection_name, run)

    def UpdateVectors(self, request: Any, context: Any) -> Any:  # noqa: N802
        def run() -> Any:
            body: dict[str, Any] = {
                "points": [{"id": v.point_id(p.id), "vector": v.vectors(p.vectors)} for p in request.points]
            }
            if request.HasField("update_filter"):
                body["update_filter"] = v.filter_(request.update_filter)
            req = wire(m.UpdateVectors, v.keyed(body, request))
            result = self.svc.points.update_vectors(request.collection_name, req, request.wait)
            return pb.PointsOperationResponse(result=update_out(result))

        return self.call(context, "PUT /collections/{collection_name}/points/vectors", request.collection_name, run)

    def DeleteVectors(self, request: Any, context: Any) -> Any:  # noqa: N802
        def run() -> Any:
            body: dict[str, Any] = {"vector": list(request.vectors.names)}
            body.update(v.points_selector(request.points_selector))
            req = wire(m.DeleteVectors, v.keyed(body, request))
            result = self.svc.points.delete_vectors(request.collection_name, req, request.wait)
            return pb.PointsOperationResponse(result=update_out(result))

        label = "POST /collections/{collection_name}/points/vectors/delete"
        return self.call(context, label, request.collection_name, run)

    def Facet(self, request: Any, context: Any) -> Any:  # noqa: N802
        def run() -> Any:
            body: dict[str, Any] = v.set_if({"key": request.key}, request, "limit", "exact")
            if request.HasField("filter"):
                body["filter"] = v.filter_(request.filter)
            result = self.svc.points.facet(request.collection_name, wire(m.FacetRequest, v.keyed(body, request)))
            return pb.FacetResponse(
                hits=[pb.FacetHit(value=facet_value_out(h.value), count=h.count) for h in result.hits]
            )

        return self.call(context, "POST /collections/{collection_name}/facet", request.collection_name, run)

    def QueryGroups(self, request: Any, context: Any) -> Any:  # noqa: N802
        def run() -> Any:
            body = query_request(request)
            body["group_by"] = request.group_by
            v.set_if(body, request, "group_size")
            body["with_payload"] = v.with_payload(request.with_payload, False)
            result = self.svc.query.query_groups(request.collection_name, wire(m.QueryGroupsRequest, body))
            return pb.QueryGroupsResponse(result=groups_out(result))

        label = "POST /collections/{collection_name}/points/query/groups"
        return self.call(context, label, request.collection_name, run)

    def _matrix_request(self, request: Any) -> m.SearchMatrixRequest:
        body: dict[str, Any] = v.set_if({}, request, "sample", "limit", "using")
        if request.HasField("filter"):
            body["filter"] = v.filter_(request.filter)
        matrix: m.SearchMatrixRequest = wire(m.SearchMatrixRequest, v.keyed(body, request))
        return matrix

    def SearchMatrixPairs(self, request: Any, context: Any) -> Any:  # noqa: N802
        def run() -> Any:
            result = self.svc.query.matrix_pairs(request.collection_name, self._matrix_request(request))
            pairs = [
                pb.SearchMatrixPair(a=v.point_id_out(p.a), b=v.point_id_out(p.b), score=p.score) for p in result.pairs
            ]
            return pb.SearchMatrixPairsResponse(result=pb.SearchMatrixPairs(pairs=pairs))

        label = "POST /collections/{collection_name}/points/search/matrix/pairs"
        return self.call(context, label, request.collection_name, run)

    def SearchMatrixOffsets(self, request: Any, context: Any) -> Any:  # noqa: N802
        def run() -> Any:
            r = self.svc.query.matrix_offsets(request.collection_name, self._matrix_request(request))
            offsets = pb.SearchMatrixOffsets(
                offsets_row=r.offsets_row,
                offsets_col=r.offsets_col,
                scores=r.scores,
                ids=[v.point_id_out(i) for i in r.ids],
            )
            return pb.SearchMatrixOffsetsResponse(result=offsets)

        label = "POST /collections/{collection_name}/points/search/matrix/offsets"
        return self.call(context, label, request.collection_name, run)

    def UpdateBatch(self, request: Any, context: Any) -> Any:  # noqa: N802
        def run() -> Any:
            operations = [batch_operation(op) for op in request.operations]
            parsed = wire(m.UpdateOperations, {"operations": operations}).operations
            results = self.svc.points.batch(request.collection_name, parsed, request.wait)
            return pb.UpdateBatchResponse(result=[update_out(r) for r in results])

        return self.call(context, "POST /collections/{collection_name}/points/batch", request.collection_name, run)

    def CreateVectorName(self, request: Any, context: Any) -> Any:  # noqa: N802
        def run() -> Any:
            kind = request.WhichOneof("vector_config")
            if kind == "dense_config":
                config = v.lower_enums(v.message_json(request.dense_config), ("datatype",))
                if "multivector_config" in config:
                    config["multivector_config"] = {"comparator": "max_sim"}
                body: dict[str, Any] = {"dense": config}
            else:
                body = {"sparse": v.lower_enums(v.message_json(request.sparse_config), ("modifier", "datatype"))}
            req = wire(m.VectorNameConfig, body)
            result = self.svc.collections.create_vector_name(request.collection_name, request.vector_name, req)
            return pb.PointsOperationResponse(result=update_out(result))

        label = "PUT /collections/{collection_name}/vectors/{vector_name}"
        return self.call(context, label, request.collection_name, run)

    def DeleteVectorName(self, request: Any, context: Any) -> Any:  # noqa: N802
        def run() -> Any:
            result = self.svc.collections.delete_vector_name(request.collection_name, request.vector_name)
            return pb.PointsOperationResponse(result=update_out(result))

        label = "DELETE /collections/{collection_name}/vectors/{vector_name}"
        return self.call(context, label, request.collection_name, run)

    # -- the 1.18 search / recommend / discover calls -------------------------------------
    def _legacy(self, context: Any, request: Any, kind: str, build: Any, answer: Any) -> Any:
        def run() -> Any:
            found = self.svc.query.legacy(request.collection_name, kind, wire(_LEGACY[kind], build(request)))
            return answer(result=[scored_out(p) for p in found])

        return self.call(context, f"POST /collections/{{collection_name}}/points/{kind}", request.collection_name, run)

    def _legacy_batch(self, context: Any, request: Any, kind: str, entries: Any, build: Any, answer: Any) -> Any:
        def run() -> Any:
            reqs = [wire(_LEGACY[kind], build(e)) for e in entries]
            self.svc.query.check_batch(request.collection_name, len(reqs))
            found = [self.svc.query.legacy(request.collection_name, kind, r) for r in reqs]
            return answer(result=[pb.BatchResult(result=[scored_out(p) for p in points]) for points in found])

        label = f"POST /collections/{{collection_name}}/points/{kind}/batch"
        return self.call(context, label, request.collection_name, run)

    def _legacy_groups(self, context: Any, request: Any, kind: str, build: Any, answer: Any) -> Any:
        def run() -> Any:
            req = wire(_LEGACY_GROUPS[kind], build(request))
            return answer(result=groups_out(self.svc.query.legacy_groups(request.collection_name, kind, req)))

        label = f"POST /collections/{{collection_name}}/points/{kind}/groups"
        return self.call(context, label, request.collection_name, run)

    def SearchBatch(self, request: Any, context: Any) -> Any:  # noqa: N802
        return self._legacy_batch(
            context, request, "search", request.search_points, legacy.search, pb.SearchBatchResponse
        )

    def SearchGroups(self, request: Any, context: Any) -> Any:  # noqa: N802
        return self._legacy_groups(context, request, "search", legacy.search_groups, pb.SearchGroupsResponse)

    def Recommend(self, request: Any, context: Any) -> Any:  # noqa: N802
        return self._legacy(context, request, "recommend", legacy.recommend, pb.RecommendResponse)

    def RecommendBatch(self, request: Any, context: Any) -> Any:  # noqa: N802
        entries = request.recommend_points
        return self._legacy_batch(context, request, "recommend", entries, legacy.recommend, pb.RecommendBatchResponse)

    def RecommendGroups(self, request: Any, context: Any) -> Any:  # noqa: N802
        return self._legacy_groups(context, request, "recommend", legacy.recommend_groups, pb.RecommendGroupsResponse)

    def Discover(self, request: Any, context: Any) -> Any:  # noqa: N802
        return self._legacy(context, request, "discover", legacy.discover, pb.DiscoverResponse)

    def DiscoverBatch(self, request: Any, context: Any) -> Any:  # noqa: N802
        entries = request.discover_points
        return self._legacy_batch(context, request, "discover", entries, legacy.discover, pb.DiscoverBatchResponse)


_LEGACY: dict[str, Any] = {"search": m.SearchRequest, "recommend": m.RecommendRequest, "discover": m.DiscoverRequest}
_LEGACY_GROUPS: dict[str, Any] = {"search": m.SearchGroupsRequest, "recommend": m.RecommendGroupsRequest}
