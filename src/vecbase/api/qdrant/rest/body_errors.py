"""A body that fails to parse or validate, in Qdrant's words and with its status.

Qdrant parses a body with serde (a value its Rust types cannot hold, such as a negative
unsigned integer or a zero ``NonZeroU64``: 400 ``Format error in JSON body: ...``), then runs
its validators (a value outside a declared range: 422 ``Validation error in JSON body:
[path: value 0 invalid, must be 1 or larger]``). pydantic checks both at once; this module
sorts its errors back into the two classes and words them as Qdrant does.
"""

from __future__ import annotations

from typing import Any

import pydantic

from vecbase.api.qdrant import models as m
from vecbase.api.qdrant.wire_base import UUID_ERROR

_RANGE_ERRORS = {
    "greater_than",
    "greater_than_equal",
    "less_than",
    "less_than_equal",
    "too_short",
    "too_long",
    "multiple_of",
    "finite_number",
}


# the ends of the integer types' ranges (the wire models bound integer fields by them)
_INTEGER_TYPE_ENDS = {2**64 - 1, 2**32 - 1, 2**16 - 1, 2**8 - 1, 2**63 - 1, -(2**63), 2**31 - 1, -(2**31)}


def _type_bound(err: Any) -> bool:
    """A bound that Qdrant's Rust types enforce while parsing (an unsigned integer, an
    integer type's range, the non-zero vector size), so Qdrant answers 400, not a 422
    validation error."""
    ctx = err.get("ctx") or {}
    if ctx.get("le") in _INTEGER_TYPE_ENDS or ctx.get("ge") in _INTEGER_TYPE_ENDS:
        return True
    value = err.get("input")
    negative = isinstance(value, int) and not isinstance(value, bool) and value < 0
    if err["type"] == "greater_than_equal" and (ctx.get("ge") == 0 or negative):
        return True  # an unsigned integer
    loc: tuple[Any, ...] = tuple(err.get("loc") or ())
    return err["type"] == "greater_than_equal" and ctx.get("ge") == 1 and bool(loc) and loc[-1] == "size"


# pydantic's names of a union's scalar members (``ShardKey = Union[str, int]``: ``shard_key.str``)
_SCALAR_BRANCHES = {"str", "int", "float", "bool"}
# models whose ``shard_key`` is one key (serde's untagged ``ShardKey``); elsewhere it selects
_ONE_KEY_MODELS = {"CreateShardingKey", "DropShardingKey"}


def _is_union_branch(part: Any) -> bool:
    """pydantic names the union member it tried in an error's location; Qdrant's paths
    only hold field names, map keys and list positions."""
    text = str(part)
    if text.startswith(("function-", "tagged-union", "constrained-")) or "[" in text or text in _SCALAR_BRANCHES:
        return True
    return isinstance(getattr(m, text, None), type)


def error_path(loc: tuple[Any, ...]) -> str:
    """``points[0].vector``, as Qdrant writes a location."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif not _is_union_branch(part):
            out += f".{part}" if out else str(part)
    return out


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return f"{value:.1f}"
    return str(value)


def _message(err: Any) -> str:
    """Qdrant's wording of a validator's range error, pydantic's otherwise."""
    ctx = err.get("ctx") or {}
    value = err.get("input")
    kind = err["type"]
    if kind in ("greater_than_equal", "greater_than"):
        bound = ctx.get("ge", ctx.get("gt"))
        return f"value {_number(value)} invalid, must be {_number(bound)} or larger"
    if kind in ("less_than_equal", "less_than"):
        bound = ctx.get("le", ctx.get("lt"))
        return f"value {_number(value)} invalid, must be {_number(bound)} or smaller"
    if kind == "too_short" and "min_length" in ctx:
        return f"must have at least {ctx['min_length']} items"
    if kind == "too_long" and "max_length" in ctx:
        return f"must have at most {ctx['max_length']} items"
    return str(err["msg"])


def _point_id_branch(err: Any) -> bool:
    """An error of the UUID member of ``ExtendedPointId`` (the id was no u64 either)."""
    loc: tuple[Any, ...] = tuple(err.get("loc") or ())
    return bool(loc) and "_wire_uuid" in str(loc[-1])


def describe(err: Any) -> str:
    path = error_path(tuple(err["loc"]))
    return f"{path}: {_message(err)}" if path else _message(err)


def body_error(e: pydantic.ValidationError) -> tuple[int, str]:
    """(status, message) of a body pydantic refused.

    Unions report an error per alternative; a validator's bound violated in any of them
    means the body had the right shape, so that is what the message reports."""
    errors = e.errors()
    ranged = [describe(err) for err in errors if err["type"] in _RANGE_ERRORS and not _type_bound(err)]
    if ranged:
        return 422, "Validation error in JSON body: [" + "; ".join(dict.fromkeys(ranged[:5])) + "]"
    if any(err["type"] == UUID_ERROR or _point_id_branch(err) for err in errors):
        # a point id that is neither a u64 nor a UUID: serde's words for its untagged enum
        return 400, "Format error in JSON body: data did not match any variant of untagged enum ExtendedPointId"
    if any(err["loc"] and err["loc"][0] == "shard_key" for err in errors):
        if e.title in _ONE_KEY_MODELS:
            return 400, "Format error in JSON body: data did not match any variant of untagged enum ShardKey"
        return 400, "Format error in JSON body: Expected a string or an integer"
    plain = [f"{error_path(tuple(err['loc']))}: {err['msg']}" if err["loc"] else str(err["msg"]) for err in errors]
    return 400, "Format error in JSON body: " + "; ".join(dict.fromkeys(plain[:5]))
