"""Query requests (``QueryPoints``, ``PrefetchQuery``, ``Query`` and formula expressions) as
REST request bodies."""

from __future__ import annotations

from typing import Any

from vecbase.api.qdrant.grpc import values as v
from vecbase.api.qdrant.grpc.proto import points_pb2 as pb


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
        return {"order_by": order_by_body(q.order_by)}
    if kind == "sample":
        return {"sample": "random"}
    if kind == "recommend":
        r = q.recommend
        out: dict[str, Any] = {
            "positive": [v.vector_input(x) for x in r.positive],
            "negative": [v.vector_input(x) for x in r.negative],
        }
        if r.HasField("strategy"):
            out["strategy"] = STRATEGIES[pb.RecommendStrategy.Name(r.strategy)]
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


STRATEGIES = {"AverageVector": "average_vector", "BestScore": "best_score", "SumScores": "sum_scores"}


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


def order_by_body(o: Any) -> dict[str, Any]:
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
    body = v.keyed(_query_body(r), r)
    v.set_if(body, r, "offset")
    if r.HasField("with_payload"):
        body["with_payload"] = v.with_payload(r.with_payload, False)
    if r.HasField("with_vectors"):
        body["with_vector"] = v.with_vectors(r.with_vectors, False)
    return body
