"""The filter language: Qdrant's `Filter` schema as frozen dataclasses.

A FieldCondition on the wire may carry several checks; it is split into one condition
per check here (combined with AND), so evaluators handle one concern per class.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Union

from vecbase.core.ids import PointId

MatchScalar = Union[bool, int, str]


def _typed(values: tuple[MatchScalar, ...]) -> tuple[tuple[type, MatchScalar], ...]:
    return tuple((type(v), v) for v in values)


# Match values compare with their types: ``True == 1`` in Python, but a filter on the boolean
# true must not be taken for (or share a cached result with) a filter on the integer 1.


@dataclass(frozen=True, slots=True, eq=False)
class MatchValue:
    value: MatchScalar

    def __eq__(self, other: object) -> bool:
        return isinstance(other, MatchValue) and type(other.value) is type(self.value) and other.value == self.value

    def __hash__(self) -> int:
        return hash((type(self.value), self.value))


@dataclass(frozen=True, slots=True, eq=False)
class MatchAny:
    values: tuple[MatchScalar, ...]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, MatchAny) and _typed(other.values) == _typed(self.values)

    def __hash__(self) -> int:
        return hash(_typed(self.values))


@dataclass(frozen=True, slots=True, eq=False)
class MatchExcept:
    values: tuple[MatchScalar, ...]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, MatchExcept) and _typed(other.values) == _typed(self.values)

    def __hash__(self) -> int:
        return hash(_typed(self.values))


@dataclass(frozen=True, slots=True)
class MatchText:
    """Every query token appears in the value's tokens (full-text)."""

    text: str


@dataclass(frozen=True, slots=True)
class MatchTextAny:
    """At least one query token appears in the value's tokens."""

    text: str


@dataclass(frozen=True, slots=True)
class MatchPhrase:
    """The query tokens appear consecutively, in order."""

    phrase: str


@dataclass(frozen=True, slots=True)
class MatchPrefix:
    """A string value starts with the prefix (byte-wise, case-sensitive)."""

    prefix: str


@dataclass(frozen=True, slots=True)
class MatchPattern:
    """SQL ``LIKE``: ``%`` any run of characters, ``_`` one character, ``\\`` escapes the
    next one; the whole string must match. ``case_insensitive``: ``ILIKE``."""

    pattern: str
    case_insensitive: bool = False


@dataclass(frozen=True, slots=True)
class MatchTextRange:
    """A string value between bounds, compared by code point (SQL's ``C`` collation)."""

    gt: str | None = None
    gte: str | None = None
    lt: str | None = None
    lte: str | None = None


Match = Union[
    MatchValue, MatchAny, MatchExcept, MatchText, MatchTextAny, MatchPhrase, MatchPrefix, MatchPattern, MatchTextRange
]


@dataclass(frozen=True, slots=True)
class Range:
    gt: float | None = None
    gte: float | None = None
    lt: float | None = None
    lte: float | None = None


@dataclass(frozen=True, slots=True)
class DatetimeRange:
    """Bounds as timezone-aware datetimes (naive input is read as UTC)."""

    gt: datetime | None = None
    gte: datetime | None = None
    lt: datetime | None = None
    lte: datetime | None = None


@dataclass(frozen=True, slots=True)
class GeoPoint:
    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class GeoBoundingBox:
    top_left: GeoPoint
    bottom_right: GeoPoint


@dataclass(frozen=True, slots=True)
class GeoRadius:
    center: GeoPoint
    radius: float


@dataclass(frozen=True, slots=True)
class GeoPolygon:
    exterior: tuple[GeoPoint, ...]
    interiors: tuple[tuple[GeoPoint, ...], ...] = ()


@dataclass(frozen=True, slots=True)
class ValuesCount:
    gt: int | None = None
    gte: int | None = None
    lt: int | None = None
    lte: int | None = None


@dataclass(frozen=True, slots=True)
class FieldMatch:
    key: str
    match: Match
    # the most common condition, part of every plan-memo key that holds it: hashed once
    _hash: int = field(default=0, init=False, repr=False, compare=False)

    def __hash__(self) -> int:
        h = self._hash
        if not h:
            h = hash((self.key, self.match)) or 1
            object.__setattr__(self, "_hash", h)
        return h


@dataclass(frozen=True, slots=True)
class FieldRange:
    key: str
    range: Range | DatetimeRange


@dataclass(frozen=True, slots=True)
class FieldGeo:
    key: str
    geo: GeoBoundingBox | GeoRadius | GeoPolygon


@dataclass(frozen=True, slots=True)
class FieldValuesCount:
    key: str
    count: ValuesCount


@dataclass(frozen=True, slots=True)
class IsEmpty:
    """The key has no value, or only empty arrays / nulls; ``expected=False`` negates."""

    key: str
    expected: bool = True


@dataclass(frozen=True, slots=True)
class IsNull:
    """Some value of the key is null (or an array holding a null); ``expected=False`` negates."""

    key: str
    expected: bool = True


@dataclass(frozen=True, slots=True)
class HasId:
    ids: frozenset[PointId]


@dataclass(frozen=True, slots=True)
class HasVector:
    name: str


@dataclass(frozen=True, slots=True)
class Nested:
    """The inner filter holds for one element of the array of objects at ``key``."""

    key: str
    filter: Filter


@dataclass(frozen=True, slots=True)
class Slice:
    total: int
    index: int


@dataclass(frozen=True, slots=True)
class MinShould:
    conditions: tuple[Condition, ...]
    min_count: int


@dataclass(frozen=True, slots=True)
class Filter:
    must: tuple[Condition, ...] = ()
    should: tuple[Condition, ...] = ()
    must_not: tuple[Condition, ...] = ()
    min_should: MinShould | None = None
    # a query's filter keys several per-segment memos: its hash is computed once
    _hash: int = field(default=0, init=False, repr=False, compare=False)

    def __hash__(self) -> int:
        h = self._hash
        if not h:
            h = hash((self.must, self.should, self.must_not, self.min_should)) or 1
            object.__setattr__(self, "_hash", h)
        return h


Condition = Union[
    FieldMatch,
    FieldRange,
    FieldGeo,
    FieldValuesCount,
    IsEmpty,
    IsNull,
    HasId,
    HasVector,
    Nested,
    Slice,
    Filter,
]


def and_filters(*filters: Filter | None) -> Filter | None:
    """A filter that holds where every given filter holds."""
    present = tuple(f for f in filters if f is not None)
    if not present:
        return None
    if len(present) == 1:
        return present[0]
    return Filter(must=present)


def merge_filters(outer: Filter | None, inner: Filter | None) -> Filter | None:
    """Qdrant's clause-wise merge, used to propagate a query's filter into its prefetches:
    must, should and must_not lists are concatenated (so `should` clauses of the two filters
    become alternatives of each other), min_should conditions are pooled with the larger count.
    """
    if outer is None:
        return inner
    if inner is None:
        return outer
    if outer.min_should is None or inner.min_should is None:
        min_should = outer.min_should or inner.min_should
    else:
        min_should = MinShould(
            outer.min_should.conditions + inner.min_should.conditions,
            max(outer.min_should.min_count, inner.min_should.min_count),
        )
    return Filter(
        must=outer.must + inner.must,
        should=outer.should + inner.should,
        must_not=outer.must_not + inner.must_not,
        min_should=min_should,
    )
