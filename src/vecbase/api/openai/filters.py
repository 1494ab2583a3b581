"""OpenAI's attribute filters (``ComparisonFilter`` / ``CompoundFilter``) as engine filters.

Attributes are stored under the chunk payload's ``attributes`` object, so key ``k`` is the
payload path ``attributes.k``. Numbers compare as numbers (``eq 1`` matches ``1`` and
``1.0``), strings and booleans by value; ``ne`` and ``nin`` are the negations of ``eq`` and
``in`` (a chunk without the attribute satisfies them, as a missing value equals nothing);
ordering operators take numbers. Each condition is a payload condition the engine
evaluates with its indexes and masks, never a Python check after the search.
"""

from __future__ import annotations

from typing import Any

from vecbase.core.filter import Condition, FieldMatch, FieldRange, Filter, MatchAny, MatchValue, Range

COMPARISONS = ("eq", "ne", "gt", "gte", "lt", "lte", "in", "nin")


class FilterError(ValueError):
    def __init__(self, message: str, param: str = "filters") -> None:
        super().__init__(message)
        self.param = param


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _equals(key: str, value: Any) -> Condition:
    if _is_number(value):
        return FieldRange(key, Range(gte=float(value), lte=float(value)))
    if isinstance(value, (str, bool)):
        return FieldMatch(key, MatchValue(value))
    raise FilterError(f"Invalid value for 'eq' on '{key}': expected a string, number or boolean.")


def _one_of(key: str, values: Any) -> Condition:
    if not isinstance(values, list) or not values:
        raise FilterError("'in' and 'nin' take a non-empty array of strings or numbers.")
    strings = tuple(v for v in values if isinstance(v, str))
    numbers = [v for v in values if _is_number(v)]
    if len(strings) + len(numbers) != len(values):
        raise FilterError("'in' and 'nin' take a non-empty array of strings or numbers.")
    parts: list[Condition] = [FieldMatch(key, MatchAny(strings))] if strings else []
    parts += [_equals(key, v) for v in numbers]
    return parts[0] if len(parts) == 1 else Filter(should=tuple(parts))


def comparison(raw: dict[str, Any]) -> Condition:
    op, key, value = raw.get("type", "eq"), raw["key"], raw["value"]
    if op not in COMPARISONS:
        raise FilterError(f"Invalid comparison type '{op}': expected one of {', '.join(COMPARISONS)}.")
    path = f"attributes.{key}"
    if op == "eq":
        return _equals(path, value)
    if op == "ne":
        return Filter(must_not=(_equals(path, value),))
    if op == "in":
        return _one_of(path, value)
    if op == "nin":
        return Filter(must_not=(_one_of(path, value),))
    if not _is_number(value):
        raise FilterError(f"The '{op}' comparison takes a number, got {type(value).__name__}.")
    bound = float(value)
    return FieldRange(path, Range(**{op: bound}))


def to_filter(raw: dict[str, Any]) -> Filter:
    """The engine filter of a validated wire filter (a comparison or a compound)."""
    if raw.get("type") in ("and", "or"):
        parts = tuple(to_filter(f) if f.get("type") in ("and", "or") else comparison(f) for f in raw["filters"])
        return Filter(must=parts) if raw["type"] == "and" else Filter(should=parts)
    return Filter(must=(comparison(raw),))
