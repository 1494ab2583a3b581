"""Qdrant wire formula expressions to the query layer's ``Expr`` tree."""

from __future__ import annotations

from typing import Any

from vecbase.api.qdrant import models as m
from vecbase.api.qdrant.filters import convert_filter
from vecbase.core.errors import BadRequestError
from vecbase.core.filter import GeoPoint
from vecbase.query.formula import Expr

_UNARY: dict[type[Any], str] = {
    m.NegExpression: "neg",
    m.AbsExpression: "abs",
    m.SqrtExpression: "sqrt",
    m.ExpExpression: "exp",
    m.Log10Expression: "log10",
    m.LnExpression: "ln",
}
_DECAY: dict[type[Any], str] = {
    m.LinDecayExpression: "lin_decay",
    m.ExpDecayExpression: "exp_decay",
    m.GaussDecayExpression: "gauss_decay",
}
_CONDITIONS = (
    m.FieldCondition,
    m.IsEmptyCondition,
    m.IsNullCondition,
    m.HasIdCondition,
    m.HasVectorCondition,
    m.NestedCondition,
    m.SliceCondition,
    m.Filter,
)


def expression_from_wire(e: Any) -> Expr:
    if isinstance(e, bool):
        raise BadRequestError("Bad request: a boolean is not a valid expression")
    if isinstance(e, (int, float)):
        return Expr("const", (float(e),))
    if isinstance(e, str):
        return Expr("var", (e,))
    if isinstance(e, _CONDITIONS):
        flt = convert_filter(e if isinstance(e, m.Filter) else m.Filter(must=[e]))
        return Expr("cond", (flt,))
    if isinstance(e, m.GeoDistance):
        o = e.geo_distance.origin
        return Expr("geo", (GeoPoint(lon=o.lon, lat=o.lat), e.geo_distance.to))
    if isinstance(e, m.DatetimeExpression):
        return Expr("datetime", (e.datetime,))
    if isinstance(e, m.DatetimeKeyExpression):
        return Expr("datetime_key", (e.datetime_key,))
    if isinstance(e, m.MultExpression):
        return Expr("mult", tuple(expression_from_wire(x) for x in e.mult))
    if isinstance(e, m.SumExpression):
        return Expr("sum", tuple(expression_from_wire(x) for x in e.sum))
    if isinstance(e, m.DivExpression):
        d = e.div
        return Expr(
            "div",
            (expression_from_wire(d.left), expression_from_wire(d.right)),
            {"by_zero_default": d.by_zero_default},
        )
    if isinstance(e, m.PowExpression):
        return Expr("pow", (expression_from_wire(e.pow.base), expression_from_wire(e.pow.exponent)))
    for cls, op in _UNARY.items():
        if isinstance(e, cls):
            return Expr(op, (expression_from_wire(getattr(e, op)),))
    for cls, op in _DECAY.items():
        if isinstance(e, cls):
            p: m.DecayParamsExpression = getattr(e, op)
            target = expression_from_wire(p.target) if p.target is not None else None
            params = {
                "midpoint": 0.5 if p.midpoint is None else p.midpoint,
                "scale": 1.0 if p.scale is None else p.scale,
            }
            return Expr(op, (expression_from_wire(p.x), target), params)
    raise BadRequestError(f"Bad request: unsupported expression {type(e).__name__}")
