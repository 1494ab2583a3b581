"""Qdrant wire filters to the internal filter model."""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

from vecbase.api.qdrant import models as m
from vecbase.core import filter as f
from vecbase.core.errors import ValidationError
from vecbase.core.ids import try_normalize_id
from vecbase.core.paths import check_path


def _conditions(value: Any) -> tuple[f.Condition, ...]:
    if value is None:
        return ()
    if isinstance(value, list):
        return tuple([_condition(c) for c in value])
    return (_condition(value),)


def convert_filter(flt: m.Filter | None) -> f.Filter | None:
    if flt is None:
        return None
    min_should = None
    if flt.min_should is not None:
        if flt.min_should.min_count < 1:
            raise ValidationError(f"min_count value {flt.min_should.min_count} is invalid. Must be 1 or larger.")
        min_should = f.MinShould(tuple(_condition(c) for c in flt.min_should.conditions), flt.min_should.min_count)
    must, should, must_not = flt.must, flt.should, flt.must_not
    if should is None and must_not is None and min_should is None and type(must) is list and len(must) == 1:
        cond = _condition(must[0])
        if type(cond) is f.FieldMatch and type(cond.match) is f.MatchValue:
            try:
                return _shared_match_filter(cond)
            except TypeError:  # an unhashable value: see _field_match
                pass
        return f.Filter((cond,))
    return f.Filter(
        () if must is None else _conditions(must),
        () if should is None else _conditions(should),
        () if must_not is None else _conditions(must_not),
        min_should,
    )


def _geo_point(p: m.GeoPoint) -> f.GeoPoint:
    if not (-90 <= p.lat <= 90 and -180 <= p.lon <= 180):
        raise ValidationError(f"Validation error: invalid geo point lat={p.lat}, lon={p.lon}")
    return f.GeoPoint(lat=p.lat, lon=p.lon)


def _ring(line: m.GeoLineString) -> tuple[f.GeoPoint, ...]:
    pts = tuple(_geo_point(p) for p in line.points)
    if len(pts) < 4 or pts[0] != pts[-1]:
        raise ValidationError("Validation error: a polygon ring needs at least 4 points and must be closed")
    return pts


def _match(match: Any) -> f.Match:
    if isinstance(match, m.MatchValue):
        return f.MatchValue(match.value)
    if isinstance(match, m.MatchText):
        return f.MatchText(match.text)
    if isinstance(match, m.MatchTextAny):
        return f.MatchTextAny(match.text_any)
    if isinstance(match, m.MatchPhrase):
        return f.MatchPhrase(match.phrase)
    if isinstance(match, m.MatchPrefix):
        return f.MatchPrefix(match.prefix)
    if isinstance(match, m.MatchAny):
        return f.MatchAny(tuple(match.any))
    if isinstance(match, m.MatchExcept):
        return f.MatchExcept(tuple(match.except_))
    raise ValidationError(f"Unknown match condition: {match!r}")


def _utc(value: datetime | date | None) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


@lru_cache(maxsize=4096)
def _shared_value_match(key: str, kind: str, value: f.MatchScalar) -> f.FieldMatch:
    """One condition object per (field, typed value): queries repeat their filters (a
    tenant, a category), and a shared condition is hashed once and compares by identity in
    the per-segment plan memos."""
    return f.FieldMatch(key, f.MatchValue(value))


@lru_cache(maxsize=4096)
def _shared_match_filter(cond: f.FieldMatch) -> f.Filter:
    """The filter of one (shared) field-equals-value condition, shared in turn: the most
    common filter (a tenant, a category), whose plan memos then hit by identity."""
    return f.Filter((cond,))


def _field_match(key: str, match: Any) -> f.FieldMatch:
    if type(match) is m.MatchValue:
        value = match.value
        try:
            return _shared_value_match(key, type(value).__name__, value)
        except TypeError:  # unhashable: left to the evaluators to reject or match
            return f.FieldMatch(key, f.MatchValue(value))
    return f.FieldMatch(key, _match(match))


def _field(cond: m.FieldCondition) -> f.Condition:
    key = check_path(cond.key)
    checks: list[f.Condition] = []
    if cond.match is not None:
        checks.append(_field_match(key, cond.match))
    if cond.range is not None:
        r = cond.range
        if isinstance(r, m.DatetimeRange):
            checks.append(f.FieldRange(key, f.DatetimeRange(_utc(r.gt), _utc(r.gte), _utc(r.lt), _utc(r.lte))))
        else:
            checks.append(f.FieldRange(key, f.Range(r.gt, r.gte, r.lt, r.lte)))
    if cond.geo_bounding_box is not None:
        box = cond.geo_bounding_box
        checks.append(f.FieldGeo(key, f.GeoBoundingBox(_geo_point(box.top_left), _geo_point(box.bottom_right))))
    if cond.geo_radius is not None:
        rad = cond.geo_radius
        checks.append(f.FieldGeo(key, f.GeoRadius(_geo_point(rad.center), rad.radius)))
    if cond.geo_polygon is not None:
        poly = cond.geo_polygon
        interiors = tuple(_ring(r) for r in (poly.interiors or []))
        checks.append(f.FieldGeo(key, f.GeoPolygon(_ring(poly.exterior), interiors)))
    if cond.values_count is not None:
        vc = cond.values_count
        checks.append(f.FieldValuesCount(key, f.ValuesCount(vc.gt, vc.gte, vc.lt, vc.lte)))
    if cond.is_empty is not None:
        checks.append(f.IsEmpty(key, cond.is_empty))
    if cond.is_null is not None:
        checks.append(f.IsNull(key, cond.is_null))
    if not checks:
        raise ValidationError(f"Validation error: field condition on `{key}` has no condition to check")
    return checks[0] if len(checks) == 1 else f.Filter(must=tuple(checks))


def _condition(cond: Any) -> f.Condition:
    if isinstance(cond, m.FieldCondition):
        return _field(cond)
    if isinstance(cond, m.IsEmptyCondition):
        return f.IsEmpty(check_path(cond.is_empty.key))
    if isinstance(cond, m.IsNullCondition):
        return f.IsNull(check_path(cond.is_null.key))
    if isinstance(cond, m.HasIdCondition):
        ids = (try_normalize_id(i) for i in cond.has_id)
        return f.HasId(frozenset(i for i in ids if i is not None))
    if isinstance(cond, m.HasVectorCondition):
        return f.HasVector(cond.has_vector)
    if isinstance(cond, m.NestedCondition):
        inner = convert_filter(cond.nested.filter)
        assert inner is not None
        return f.Nested(check_path(cond.nested.key), inner)
    if isinstance(cond, m.SliceCondition):
        total, index = cond.slice.total, cond.slice.index
        if total < 1:
            raise ValidationError(f"Slice total must be >= 1, got {total}")
        if not 0 <= index < total:
            raise ValidationError(f"Slice index must be in [0;{total - 1}], got {index}")
        return f.Slice(total, index)
    if isinstance(cond, m.Filter):
        inner = convert_filter(cond)
        assert inner is not None
        return inner
    raise ValidationError(f"Unknown condition: {cond!r}")
