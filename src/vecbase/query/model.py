"""The one internal query model every dialect translates into."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Union

from vecbase.core.filter import Filter
from vecbase.core.ids import PointId
from vecbase.core.points import FloatArray, SparseVector


@dataclass(frozen=True, slots=True)
class WithPayload:
    enabled: bool = True
    include: tuple[str, ...] | None = None
    exclude: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class WithVectors:
    enabled: bool = False
    names: tuple[str, ...] | None = None

    def wants(self, name: str) -> bool:
        return self.enabled and (self.names is None or name in self.names)


QueryVector = Union[FloatArray, SparseVector]


@dataclass(frozen=True, slots=True)
class NearestQuery:
    """Nearest neighbours of ``vector`` in the vector space ``using``."""

    using: str
    vector: QueryVector


@dataclass(frozen=True, slots=True)
class SearchRequest:
    query: NearestQuery
    filter: Filter | None = None
    limit: int = 10
    offset: int = 0
    score_threshold: float | None = None
    with_payload: WithPayload = WithPayload()
    with_vectors: WithVectors = WithVectors()
    exact: bool = False


class Direction(str, Enum):
    ASC = "asc"
    DESC = "desc"


@dataclass(frozen=True, slots=True)
class OrderBy:
    key: str
    direction: Direction = Direction.ASC
    start_from: float | int | None = None


@dataclass(frozen=True, slots=True)
class ScrollRequest:
    filter: Filter | None = None
    limit: int = 10
    offset: PointId | None = None
    order_by: OrderBy | None = None
    with_payload: WithPayload = WithPayload()
    with_vectors: WithVectors = WithVectors()


@dataclass(frozen=True, slots=True)
class FacetHit:
    value: bool | int | str
    count: int
