"""The ``Points`` gRPC service: each method turns its request into the REST body, runs the
shared service call, and answers the REST result in protobuf form."""

from __future__ import annotations

from typing import Any

import numpy as np
from google.protobuf import json_format

from vecbase.api.qdrant import models as m
from vecbase.api.qdrant.grpc import values as v
from vecbase.api.qdrant.grpc.calls import GrpcCall, wire
from vecbase.api.qdrant.grpc.proto import points_pb2 as pb
from vecbase.api.qdrant.grpc.proto import points_service_pb2_grpc as rpc
from vecbase.api.qdrant.service import QdrantService


def scored_out(point: m.ScoredPoint) -> Any:
    out = pb.ScoredPoint(
        id=v.point_id_out(point.id),
        payload=v.payload_out(point.payload),
        score=point.score,
        version=point.version,
    )
    vectors = v.vectors_output(point.vector)
    if vectors is not None:
        out.vectors.CopyFrom(vectors)
    if point.order_value is not None:
        out.order_value.CopyFrom(_order_value(point.order_value))
    return out


def retrieved_out(record: m.Record) -> Any:
    out = pb.RetrievedPoint(id=v.point_id_out(record.id), payload=v.payload_out(record.payload))
    vectors = v.vectors_output(record.vector)
    if vectors is not None:
        out.vectors.CopyFrom(vectors)
    if record.order_value is not None:
        out.order_value.CopyFrom(_order_value(record.order_value))
    return out


def _order_value(value: Any) -> Any:
    return pb.OrderValue(int=value) if isinstance(value, int) else pb.OrderValue(float=float(value))


def update_out(result: m.UpdateResult) -> Any:
    status = {"acknowledged": "Acknowledged", "completed": "Completed", "wait_timeout": "WaitTimeout"}
    out = pb.UpdateResult(status=pb.UpdateStatus.Value(status.get(result.status.value, "UnknownUpdateStatus")))
    if result.operation_id is not None:
        out.operation_id = result.operation_id
    return out


def dense_batch(points: Any, update_filter: dict[str, Any] | None) -> m.PointsBatch | None:
    """Points that all carry one unnamed dense vector, as a batch whose vectors are one float32
    matrix: a bulk upload skips per-float validation, as over REST (numpy refuses ragged rows)."""
    rows = []
    for p in points:
        vectors = p.vectors
        if vectors.WhichOneof("vectors_options") != "vector":
            return None
        vec = vectors.vector
        kind = vec.WhichOneof("vector")
        if kind == "dense":
            rows.append(vec.dense.data)
        elif kind is None and not vec.HasField("indices") and vec.vectors_count <= 1 and len(vec.data):
            rows.append(vec.data)
        else:
            return None
    if not rows or len({len(r) for r in rows}) != 1:
        return None
    batch: dict[str, Any] = {
        "ids": [v.point_id(p.id) for p in points],
        "vectors": [list(rows[0])],
        "payloads": [v.struct(p.payload) for p in points],
    }
    body: dict[str, Any] = {"batch": batch}
    if update_filter is not None:
        body["update_filter"] = update_filter
    req: m.PointsBatch = wire(m.PointsBatch, body)
    req.batch.vectors = np.array(rows, dtype=np.float32)  # type: ignore[assignment]  # the engine takes a matrix
    return req


def _query(q: Any) -> Any:
    kind = q.WhichOneof("variant")
    if kind == "nearest":
        return v.vector_input(q.nearest)
    if kind == "fusion":
        return {"fusion": "rrf" if q.fusion == pb.RRF else "dbsf"}
    if kind == "rrf":
        rrf: dict[str, Any] = {}
        if q.rrf.HasField("k"):
            rrf["k"] = q.rrf.k
        if q.rrf.weights:
            rrf["weights"] = list(q.rrf.weights)
        return {"rrf": rrf}
    if kind == "order_by":
        return {"order_by": _order_by(q.order_by)}
    if kind == "sample":
        return {"sample": "random"}
    if kind == "recommend":
        r = q.recommend
        out: dict[str, Any] = {
            "positive": [v.vector_input(x) for x in r.positive],
            "negative": [v.vector_input(x) for x in r.negative],
        }
        if r.HasField("strategy"):
            out["strategy"] = _STRATEGIES[pb.RecommendStrategy.Name(r.strategy)]
        return {"recommend": out}
    if kind == "discover":
        return {"discover": {"target": v.vector_input(q.discover.target), "context": _pairs(q.discover.context)}}
    if kind == "context":
        return {"context": _pairs(q.context)}
    if kind == "nearest_with_mmr":
        mmr = v.set_if({}, q.nearest_with_mmr.mmr, "diversity", "candidates_limit")
        return {"nearest": v.vector_input(q.nearest_with_mmr.nearest), "mmr": mmr}
    if kind == "formula":
        formula: dict[str, Any] = {"formula": expression(q.formula.expression)}
        if q.formula.defaults:
            formula["defaults"] = v.struct(q.formula.defaults)
        return formula
    if kind == "relevance_feedback":
        r = q.relevance_feedback
        naive = r.strategy.naive
        return {
            "relevance_feedback": {
                "target": v.vector_input(r.target),
                "feedback": [{"example": v.vector_input(f.example), "score": f.score} for f in r.feedback],
                "strategy": {"naive": {"a": naive.a, "b": naive.b, "c": naive.c}},
            }
        }
    raise ValueError(f"query variant {kind} is not served over gRPC yet")


_STRATEGIES = {"AverageVector": "average_vector", "BestScore": "best_score", "SumScores": "sum_scores"}


def _pairs(context: Any) -> list[dict[str, Any]]:
    return [{"positive": v.vector_input(p.positive), "negative": v.vector_input(p.negative)} for p in context.pairs]


def expression(e: Any) -> Any:
    """A formula ``Expression`` as REST's expression JSON."""
    kind = e.WhichOneof("variant")
    if kind == "constant":
        return e.constant
    if kind == "variable":
        return e.variable
    if kind == "condition":
        return v.condition(e.condition)
    if kind == "geo_distance":
        origin = e.geo_distance.origin
        return {"geo_distance": {"origin": {"lon": origin.lon, "lat": origin.lat}, "to": e.geo_distance.to}}
    if kind in ("datetime", "datetime_key"):
        return {kind: getattr(e, kind)}
    if kind in ("mult", "sum"):
        return {kind: [expression(x) for x in getattr(getattr(e, kind), kind)]}
    if kind == "div":
        div: dict[str, Any] = {"left": expression(e.div.left), "right": expression(e.div.right)}
        return {"div": v.set_if(div, e.div, "by_zero_default")}
    if kind in ("neg", "abs", "sqrt", "exp", "log10", "ln"):
        return {kind: expression(getattr(e, kind))}
    if kind == "pow":
        return {"pow": {"base": expression(e.pow.base), "exponent": expression(e.pow.exponent)}}
    if kind in ("exp_decay", "gauss_decay", "lin_decay"):
        params = getattr(e, kind)
        decay: dict[str, Any] = {"x": expression(params.x)}
        if params.HasField("target"):
            decay["target"] = expression(params.target)
        return {kind: v.set_if(decay, params, "scale", "midpoint")}
    raise ValueError("an expression needs a variant")


def _order_by(o: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"key": o.key}
    if o.HasField("direction"):
        out["direction"] = "desc" if o.direction == pb.Desc else "asc"
    if o.HasField("start_from"):
        kind = o.start_from.WhichOneof("value")
        if kind is not None:
            out["start_from"] = getattr(o.start_from, kind)
    return out


def _query_body(r: Any) -> dict[str, Any]:
    """The fields ``QueryPoints`` and ``PrefetchQuery`` share, as a REST body."""
    body: dict[str, Any] = v.set_if({}, r, "using", "score_threshold", "limit")
    if r.prefetch:
        body["prefetch"] = [_query_body(p) for p in r.prefetch]
    if r.HasField("query"):
        body["query"] = _query(r.query)
    if r.HasField("filter"):
        body["filter"] = v.filter_(r.filter)
    if r.HasField("params"):
        body["params"] = v.search_params(r.params)
    if r.HasField("lookup_from"):
        body["lookup_from"] = v.set_if({"collection": r.lookup_from.collection_name}, r.lookup_from, "vector_name")
        if "vector_name" in body["lookup_from"]:
            body["lookup_from"]["vector"] = body["lookup_from"].pop("vector_name")
    return body


def query_request(r: Any) -> dict[str, Any]:
    body = _query_body(r)
    v.set_if(body, r, "offset")
    if r.HasField("with_payload"):
        body["with_payload"] = v.with_payload(r.with_payload, False)
    if r.HasField("with_vectors"):
        body["with_vector"] = v.with_vectors(r.with_vectors, False)
    return body


class PointsServicer(rpc.PointsServicer):  # type: ignore[misc]
    def __init__(self, svc: QdrantService, call: GrpcCall) -> None:
        self.svc = svc
        self.call = call

    def Upsert(self, request: Any, context: Any) -> Any:  # noqa: N802 (gRPC method names)
        def run() -> Any:
            update_filter = v.filter_(request.update_filter) if request.HasField("update_filter") else None
            req: m.PointsList | m.PointsBatch | None = dense_batch(request.points, update_filter)
            if req is None:
                points = [
                    {"id": v.point_id(p.id), "vector": v.vectors(p.vectors), "payload": v.struct(p.payload)}
                    for p in request.points
                ]
                body: dict[str, Any] = {"points": points}
                if update_filter is not None:
                    body["update_filter"] = update_filter
                req = wire(m.PointsList, body)
            result = self.svc.points.upsert(request.collection_name, req, request.wait)
            return pb.PointsOperationResponse(result=update_out(result))

        return self.call(context, "PUT /collections/{collection_name}/points", request.collection_name, run)

    def Delete(self, request: Any, context: Any) -> Any:  # noqa: N802
        def run() -> Any:
            selector = v.points_selector(request.points)
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
            records = self.svc.points.retrieve(request.collection_name, wire(m.PointRequest, body))
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
            result = fn(request.collection_name, wire(m.SetPayload, body), request.wait)
            return pb.PointsOperationResponse(result=update_out(result))

        label = f"{method} /collections/{{collection_name}}/points/payload"
        return self.call(context, label, request.collection_name, run)

    def DeletePayload(self, request: Any, context: Any) -> Any:  # noqa: N802
        def run() -> Any:
            body: dict[str, Any] = {"keys": list(request.keys)}
            if request.HasField("points_selector"):
                body.update(v.points_selector(request.points_selector))
            result = self.svc.points.delete_payload(request.collection_name, wire(m.DeletePayload, body), request.wait)
            return pb.PointsOperationResponse(result=update_out(result))

        label = "POST /collections/{collection_name}/points/payload/delete"
        return self.call(context, label, request.collection_name, run)

    def ClearPayload(self, request: Any, context: Any) -> Any:  # noqa: N802
        def run() -> Any:
            selector = v.points_selector(request.points)
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
                body["order_by"] = _order_by(request.order_by)
            result = self.svc.points.scroll(request.collection_name, wire(m.ScrollRequest, body))
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
            result = self.svc.points.count(request.collection_name, wire(m.CountRequest, body))
            return pb.CountResponse(result=pb.CountResult(count=result.count))

        return self.call(context, "POST /collections/{collection_name}/points/count", request.collection_name, run)

    def Query(self, request: Any, context: Any) -> Any:  # noqa: N802
        def run() -> Any:
            result = self.svc.query.query(request.collection_name, wire(m.QueryRequest, query_request(request)))
            return pb.QueryResponse(result=[scored_out(p) for p in result.points])

        return self.call(context, "POST /collections/{collection_name}/points/query", request.collection_name, run)

    def QueryBatch(self, request: Any, context: Any) -> Any:  # noqa: N802
        def run() -> Any:
            reqs: list[m.QueryRequest] = [wire(m.QueryRequest, query_request(q)) for q in request.query_points]
            results = self.svc.query.query_batch(request.collection_name, reqs)
            return pb.QueryBatchResponse(
                result=[pb.BatchResult(result=[scored_out(p) for p in r.points]) for r in results]
            )

        label = "POST /collections/{collection_name}/points/query/batch"
        return self.call(context, label, request.collection_name, run)

    def Search(self, request: Any, context: Any) -> Any:  # noqa: N802
        def run() -> Any:
            vector: Any = list(request.vector)
            if request.HasField("sparse_indices"):
                vector = {"indices": list(request.sparse_indices.data), "values": vector}
            body: dict[str, Any] = {
                "query": vector,
                "limit": request.limit,
                "with_payload": v.with_payload(request.with_payload, False),
            }
            v.set_if(body, request, "score_threshold", "offset")
            if request.HasField("vector_name"):
                body["using"] = request.vector_name
            if request.HasField("filter"):
                body["filter"] = v.filter_(request.filter)
            if request.HasField("params"):
                body["params"] = v.search_params(request.params)
            if request.HasField("with_vectors"):
                body["with_vector"] = v.with_vectors(request.with_vectors, False)
            result = self.svc.query.query(request.collection_name, wire(m.QueryRequest, body))
            return pb.SearchResponse(result=[scored_out(p) for p in result.points])

        return self.call(context, "POST /collections/{collection_name}/points/search", request.collection_name, run)

    def CreateFieldIndex(self, request: Any, context: Any) -> Any:  # noqa: N802
        def run() -> Any:
            kind = pb.FieldType.Name(request.field_type).removeprefix("FieldType").lower()
            schema: Any = kind
            if request.HasField("field_index_params"):
                params = request.field_index_params
                which = params.WhichOneof("index_params")
                if which is not None:
                    schema = {"type": kind, **_lower(_json(getattr(params, which)), ("tokenizer", "type"))}
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
            result = self.svc.points.update_vectors(request.collection_name, wire(m.UpdateVectors, body), request.wait)
            return pb.PointsOperationResponse(result=update_out(result))

        return self.call(context, "PUT /collections/{collection_name}/points/vectors", request.collection_name, run)

    def DeleteVectors(self, request: Any, context: Any) -> Any:  # noqa: N802
        def run() -> Any:
            body: dict[str, Any] = {"vector": list(request.vectors.names)}
            body.update(v.points_selector(request.points_selector))
            result = self.svc.points.delete_vectors(request.collection_name, wire(m.DeleteVectors, body), request.wait)
            return pb.PointsOperationResponse(result=update_out(result))

        label = "POST /collections/{collection_name}/points/vectors/delete"
        return self.call(context, label, request.collection_name, run)

    def Facet(self, request: Any, context: Any) -> Any:  # noqa: N802
        def run() -> Any:
            body: dict[str, Any] = v.set_if({"key": request.key}, request, "limit", "exact")
            if request.HasField("filter"):
                body["filter"] = v.filter_(request.filter)
            result = self.svc.points.facet(request.collection_name, wire(m.FacetRequest, body))
            return pb.FacetResponse(hits=[pb.FacetHit(value=_facet_value(h.value), count=h.count) for h in result.hits])

        return self.call(context, "POST /collections/{collection_name}/facet", request.collection_name, run)

    def QueryGroups(self, request: Any, context: Any) -> Any:  # noqa: N802
        def run() -> Any:
            body = query_request(request)
            body["group_by"] = request.group_by
            v.set_if(body, request, "group_size")
            body["with_payload"] = v.with_payload(request.with_payload, False)
            result = self.svc.query.query_groups(request.collection_name, wire(m.QueryGroupsRequest, body))
            groups = [pb.PointGroup(id=_group_id(g.id), hits=[scored_out(p) for p in g.hits]) for g in result.groups]
            return pb.QueryGroupsResponse(result=pb.GroupsResult(groups=groups))

        label = "POST /collections/{collection_name}/points/query/groups"
        return self.call(context, label, request.collection_name, run)

    def _matrix_request(self, request: Any) -> m.SearchMatrixRequest:
        body: dict[str, Any] = v.set_if({}, request, "sample", "limit", "using")
        if request.HasField("filter"):
            body["filter"] = v.filter_(request.filter)
        matrix: m.SearchMatrixRequest = wire(m.SearchMatrixRequest, body)
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


def _json(message: Any) -> dict[str, Any]:
    out: dict[str, Any] = json_format.MessageToDict(message, preserving_proto_field_name=True)
    return out


def _lower(data: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    return {k: (x.lower() if k in names and isinstance(x, str) else x) for k, x in data.items()}


def _facet_value(value: Any) -> Any:
    if isinstance(value, bool):
        return pb.FacetValue(bool_value=value)
    if isinstance(value, int):
        return pb.FacetValue(integer_value=value)
    return pb.FacetValue(string_value=str(value))


def _group_id(value: Any) -> Any:
    if isinstance(value, int):
        return pb.GroupId(unsigned_value=value) if value >= 0 else pb.GroupId(integer_value=value)
    return pb.GroupId(string_value=str(value))
