"""Score formulas: an expression tree evaluated per candidate over prefetch scores and payload.

Expressions are small frozen nodes (``Expr``) so the query layer stays free of wire models.
Non-finite results are errors, as in Qdrant; a variable missing from the payload falls back
to ``defaults`` and otherwise fails the request.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np

from vecbase.core.datetimes import parse_micros
from vecbase.core.errors import BadRequestError
from vecbase.core.filter import Filter, GeoPoint
from vecbase.core.geo import haversine
from vecbase.core.ids import PointId
from vecbase.core.paths import parse_path, values_at

DEFAULT_SCORE = 0.0
_SCORE_VAR = re.compile(r"\$score(?:\[(\d+)\])?")


@dataclass(frozen=True, slots=True)
class Expr:
    """``op`` is one of: const, var, cond, geo, datetime, datetime_key, mult, sum, neg, abs, div,
    sqrt, pow, exp, log10, ln, lin_decay, exp_decay, gauss_decay."""

    op: str
    args: tuple[Any, ...] = ()
    params: Mapping[str, Any] = field(default_factory=dict)


def _non_finite(what: str) -> BadRequestError:
    return BadRequestError(f"Bad request: The expression {what} produced a non-finite number")


def score_index(var: str) -> int | None:
    """The prefetch index of a ``$score``/``$score[i]`` variable; None for a payload path."""
    if not var.startswith("$score"):
        return None
    m = _SCORE_VAR.fullmatch(var)
    if m is None:
        raise BadRequestError(f"Bad request: Invalid score variable {var!r}")
    return int(m.group(1) or 0)


def validate(expr: Expr) -> None:
    """Reject malformed formulas before any point is scored."""
    if expr.op == "var":
        if score_index(expr.args[0]) is None:
            parse_path(expr.args[0])
    elif expr.op == "datetime":
        if parse_micros(expr.args[0]) is None:
            raise BadRequestError(f"Bad request: Expected datetime in supported format for {expr.args[0]}")
    elif expr.op.endswith("_decay"):
        mid, scale = expr.params["midpoint"], expr.params["scale"]
        if expr.op == "lin_decay" and not 0.0 <= mid <= 1.0:
            raise BadRequestError(f"Bad request: Linear decay midpoint should be in the range [0.0, 1.0], got {mid}")
        if expr.op != "lin_decay" and not 0.0 < mid < 1.0:
            raise BadRequestError(f"Bad request: Decay midpoint should be in the range (0.0, 1.0), got {mid}")
        if scale <= 0.0:
            raise BadRequestError(f"Bad request: Scale must be non-zero positive, got {scale}")
    for a in expr.args:
        if isinstance(a, Expr):
            validate(a)


@dataclass
class Point:
    """What a formula can see of one candidate."""

    id: PointId
    payload: dict[str, Any]
    scores: list[dict[PointId, float]]
    condition: Callable[[Filter], bool]


def _lookup(key: str, p: Point, defaults: Mapping[str, Any]) -> Any:
    values = values_at(p.payload, key, flat=False)
    value: Any = values[0] if len(values) == 1 else (values or None)
    if value is None or value == []:
        value = defaults.get(key)
        if value == []:
            value = None
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if value is None:
        raise BadRequestError(f"Bad request: No value found for {key} in the payload nor the formula defaults")
    return value


def evaluate(expr: Expr, p: Point, defaults: Mapping[str, Any]) -> float:
    op, a = expr.op, expr.args
    if op == "const":
        return float(a[0])
    if op == "var":
        idx = score_index(a[0])
        if idx is not None:
            if idx < len(p.scores) and p.id in p.scores[idx]:
                return p.scores[idx][p.id]
            default = defaults.get(f"$score[{idx}]", defaults.get("$score") if idx == 0 else None)
            return float(default) if default is not None else DEFAULT_SCORE
        value = _lookup(a[0], p, defaults)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise BadRequestError(f"Bad request: Expected number value for {a[0]} in the payload or formula defaults")
        return float(value)
    if op == "cond":
        return 1.0 if p.condition(a[0]) else 0.0
    if op == "geo":
        origin: GeoPoint = a[0]
        value = _lookup(a[1], p, defaults)
        if not isinstance(value, dict) or "lat" not in value or "lon" not in value:
            raise BadRequestError(f"Bad request: Expected geo point for {a[1]} in the payload or formula defaults")
        dist = haversine(np.array([value["lat"]], dtype=np.float64), np.array([value["lon"]], dtype=np.float64), origin)
        return float(dist[0])
    if op in ("datetime", "datetime_key"):
        text = a[0] if op == "datetime" else _lookup(a[0], p, defaults)
        micros = parse_micros(text) if isinstance(text, str) else None
        if micros is None:
            raise BadRequestError(f"Bad request: Expected datetime for {a[0]}")
        return micros / 1e6
    if op == "mult":
        out = 1.0
        for e in a:
            f = evaluate(e, p, defaults)
            if f == 0.0:
                return f
            out *= f
        return out
    if op == "sum":
        return sum(evaluate(e, p, defaults) for e in a)
    if op == "neg":
        return -evaluate(a[0], p, defaults)
    if op == "abs":
        return abs(evaluate(a[0], p, defaults))
    if op == "div":
        left = evaluate(a[0], p, defaults)
        if left == 0.0:
            return left
        right = evaluate(a[1], p, defaults)
        if right == 0.0:
            if expr.params.get("by_zero_default") is not None:
                return float(expr.params["by_zero_default"])
            raise _non_finite(f"{left}/{right}")
        return _finite(left / right, f"{left}/{right}")
    return _unary_or_decay(expr, p, defaults)


def _finite(value: float, what: str) -> float:
    if not math.isfinite(value):
        raise _non_finite(what)
    return value


def _unary_or_decay(expr: Expr, p: Point, defaults: Mapping[str, Any]) -> float:
    op, a = expr.op, expr.args
    if op == "pow":
        base, exp = evaluate(a[0], p, defaults), evaluate(a[1], p, defaults)
        try:
            return _finite(math.pow(base, exp), f"{base}^{exp}")
        except (OverflowError, ValueError):
            raise _non_finite(f"{base}^{exp}") from None
    if op in ("sqrt", "exp", "log10", "ln"):
        x = evaluate(a[0], p, defaults)
        try:
            if op == "sqrt" and x >= 0:
                return math.sqrt(x)
            if op == "exp":
                return _finite(math.exp(x), f"exp({x})")
            if op == "log10" and x > 0:
                return math.log10(x)
            if op == "ln" and x > 0:
                return math.log(x)
        except OverflowError:
            pass
        raise _non_finite(f"{op}({x})")
    if op.endswith("_decay"):
        x = evaluate(a[0], p, defaults)
        target = evaluate(a[1], p, defaults) if a[1] is not None else 0.0
        mid, scale = float(expr.params["midpoint"]), float(expr.params["scale"])
        if op == "lin_decay":
            return max(0.0, -((1.0 - mid) / scale) * abs(x - target) + 1.0)
        if op == "exp_decay":
            return math.exp(math.log(mid) / scale * abs(x - target))
        return math.exp(math.log(mid) / (scale * scale) * (x - target) ** 2)
    raise BadRequestError(f"Bad request: unsupported expression {op!r}")
