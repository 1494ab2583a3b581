"""Per-payload checks of field conditions: the semantics every index must reproduce."""

from __future__ import annotations

import functools
import re
from typing import Any, Callable

import numpy as np
import numpy.typing as npt

from vecbase.core.datetimes import parse_micros, to_micros
from vecbase.core.filter import (
    DatetimeRange,
    FieldGeo,
    FieldMatch,
    FieldRange,
    FieldValuesCount,
    GeoBoundingBox,
    GeoPolygon,
    GeoRadius,
    IsEmpty,
    IsNull,
    Match,
    MatchAny,
    MatchExcept,
    MatchPattern,
    MatchPhrase,
    MatchPrefix,
    MatchText,
    MatchTextAny,
    MatchTextRange,
    MatchValue,
    Range,
    ValuesCount,
)
from vecbase.core.geo import geo_mask
from vecbase.core.paths import Key, parse_path, values_at


def same_value(value: Any, expected: Any) -> bool:
    """Exact match: bool, integer and float are distinct payload types in Qdrant."""
    if isinstance(value, bool) != isinstance(expected, bool):
        return False
    if isinstance(value, float) != isinstance(expected, float):
        return False
    return bool(value == expected)


def check_match(match: Match, value: Any) -> bool:
    if isinstance(match, MatchValue):
        return same_value(value, match.value)
    if isinstance(match, MatchAny):
        return any(same_value(value, v) for v in match.values)
    if isinstance(match, MatchExcept):
        return value is not None and not any(same_value(value, v) for v in match.values)
    if not isinstance(value, str):
        return False
    if isinstance(match, MatchPrefix):
        return value.startswith(match.prefix)
    if isinstance(match, MatchTextRange):
        return (
            (match.gt is None or value > match.gt)
            and (match.gte is None or value >= match.gte)
            and (match.lt is None or value < match.lt)
            and (match.lte is None or value <= match.lte)
        )
    if isinstance(match, MatchPattern):
        return like_regex(match.pattern, match.case_insensitive).fullmatch(value) is not None
    # without a text index the text conditions look at the raw string, as Qdrant's: a
    # case-sensitive substring (text, phrase) or any whitespace-separated word of it (text_any)
    if isinstance(match, MatchText):
        return match.text in value
    if isinstance(match, MatchTextAny):
        return any(word in value for word in match.text.split())
    assert isinstance(match, MatchPhrase)
    return match.phrase in value


@functools.lru_cache(maxsize=256)
def like_regex(pattern: str, case_insensitive: bool) -> re.Pattern[str]:
    """The regular expression of a SQL LIKE pattern."""
    out = []
    chars = iter(pattern)
    for c in chars:
        if c == "\\":
            out.append(re.escape(next(chars, "\\")))
        elif c == "%":
            out.append(".*")
        elif c == "_":
            out.append(".")
        else:
            out.append(re.escape(c))
    return re.compile("".join(out), re.DOTALL | (re.IGNORECASE if case_insensitive else 0))


def phrase_in(phrase: list[str], tokens: list[str]) -> bool:
    n = len(phrase)
    return n > 0 and any(tokens[i : i + n] == phrase for i in range(len(tokens) - n + 1))


def number_in_range(rng: Range, value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return (
        (rng.lt is None or value < rng.lt)
        and (rng.lte is None or value <= rng.lte)
        and (rng.gt is None or value > rng.gt)
        and (rng.gte is None or value >= rng.gte)
    )


def micros_bounds(rng: DatetimeRange) -> tuple[int | None, int | None, int | None, int | None]:
    def conv(v: Any) -> int | None:
        return None if v is None else to_micros(v)

    return conv(rng.gt), conv(rng.gte), conv(rng.lt), conv(rng.lte)


def datetime_in_range(rng: DatetimeRange, value: Any) -> bool:
    if not isinstance(value, str):
        return False
    micros = parse_micros(value)
    if micros is None:
        return False
    gt, gte, lt, lte = micros_bounds(rng)
    return (
        (lt is None or micros < lt)
        and (lte is None or micros <= lte)
        and (gt is None or micros > gt)
        and (gte is None or micros >= gte)
    )


def as_geo_point(value: Any) -> tuple[float, float] | None:
    if not isinstance(value, dict):
        return None
    lat, lon = value.get("lat"), value.get("lon")
    if not isinstance(lat, (int, float)) or not isinstance(lon, (int, float)):
        return None
    if isinstance(lat, bool) or isinstance(lon, bool) or not (np.isfinite(lat) and np.isfinite(lon)):
        return None
    return float(lat), float(lon)


def check_geo(geo: GeoBoundingBox | GeoRadius | GeoPolygon, value: Any) -> bool:
    point = as_geo_point(value)
    if point is None:
        return False
    return bool(geo_mask(np.array([point[0]]), np.array([point[1]]), geo)[0])


def value_counts(values: list[Any]) -> list[int]:
    if all(v is None for v in values):
        return [0]
    return [0 if v is None else (len(v) if isinstance(v, list) else 1) for v in values]


def check_values_count(count: ValuesCount, values: list[Any]) -> bool:
    return any(
        (count.lt is None or c < count.lt)
        and (count.lte is None or c <= count.lte)
        and (count.gt is None or c > count.gt)
        and (count.gte is None or c >= count.gte)
        for c in value_counts(values)
    )


def is_empty(payload: dict[str, Any], key: str) -> bool:
    return all(v is None or (isinstance(v, list) and not v) for v in values_at(payload, key, flat=False))


def is_null(payload: dict[str, Any], key: str) -> bool:
    return any(
        v is None or (isinstance(v, list) and any(e is None for e in v)) for v in values_at(payload, key, flat=False)
    )


FieldCheck = FieldMatch | FieldRange | FieldGeo | FieldValuesCount | IsEmpty | IsNull


def check_field(cond: FieldCheck, payload: dict[str, Any]) -> bool:
    """Whether one payload satisfies a field-level condition, read from the payload itself
    (the field has no index that answers the condition)."""
    if isinstance(cond, IsEmpty):
        return is_empty(payload, cond.key) == cond.expected
    if isinstance(cond, IsNull):
        return is_null(payload, cond.key) == cond.expected
    if isinstance(cond, FieldValuesCount):
        return check_values_count(cond.count, values_at(payload, cond.key, flat=False))
    values = values_at(payload, cond.key)
    if isinstance(cond, FieldMatch):
        return any(check_match(cond.match, v) for v in values)
    if isinstance(cond, FieldRange):
        rng = cond.range
        if isinstance(rng, Range):
            return any(number_in_range(rng, v) for v in values)
        return any(datetime_in_range(rng, v) for v in values)
    return any(check_geo(cond.geo, v) for v in values)


# the scalar types a decoded JSON payload holds (exact types: bool is not taken for int)
_SCALARS = (str, int, float, bool)


def field_checker(cond: FieldCheck) -> Callable[[dict[str, Any]], bool]:
    """``check_field`` for one condition, as a function of the payload: for the common
    shapes (a range or a match of a top-level key) one that reads a scalar value without
    listing it, deferring anything else (arrays, objects, other types) to ``check_field``.
    A filter scan calls it once per payload."""
    general = functools.partial(check_field, cond)
    items = parse_path(cond.key)
    if len(items) != 1 or not isinstance(items[0], Key):
        return general
    key = items[0].name
    if isinstance(cond, FieldRange) and isinstance(cond.range, Range):
        gt, gte, lt, lte = cond.range.gt, cond.range.gte, cond.range.lt, cond.range.lte

        def in_range(payload: dict[str, Any]) -> bool:
            v: Any = payload.get(key)
            t = type(v)
            if t is int or t is float:
                return (
                    (lt is None or v < lt)
                    and (lte is None or v <= lte)
                    and (gt is None or v > gt)
                    and (gte is None or v >= gte)
                )
            if v is None or t is str or t is bool:
                return False
            return general(payload)

        return in_range
    if isinstance(cond, FieldMatch) and isinstance(cond.match, (MatchValue, MatchAny)):
        m = cond.match
        # same_value: equal and of the same type, bool, int, float and str all distinct
        typed = frozenset((type(x), x) for x in ((m.value,) if isinstance(m, MatchValue) else m.values))

        def matches(payload: dict[str, Any]) -> bool:
            v = payload.get(key)
            t = type(v)
            if t in _SCALARS:
                return (t, v) in typed
            if v is None:
                return False
            return general(payload)

        return matches
    return general


Mask = npt.NDArray[np.bool_]


def empty_mask(n: int) -> Mask:
    return np.zeros(n, dtype=bool)
