"""The one internal query model every dialect translates into."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any, Mapping, Union

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
class QuantizationParams:
    """Qdrant's quantization search params: skip the quantized graph, rescore candidates with
    the original vectors, and fetch ``oversampling`` times the limit before rescoring."""

    ignore: bool = False
    rescore: bool = True
    oversampling: float = 1.0


@dataclass(frozen=True, slots=True)
class SearchParams:
    """How to search (Qdrant's search params): exact scan, HNSW beam width, skip unindexed
    large segments, quantization handling, and the IDF corpus of a sparse vector with the
    ``idf`` modifier (None: every point of the collection)."""

    exact: bool = False
    hnsw_ef: int | None = None
    indexed_only: bool = False
    quantization: QuantizationParams = QuantizationParams()
    idf_corpus: Filter | None = None


@dataclass(frozen=True, slots=True)
class SearchRequest:
    query: NearestQuery
    filter: Filter | None = None
    limit: int = 10
    offset: int = 0
    score_threshold: float | None = None
    with_payload: WithPayload = WithPayload()
    with_vectors: WithVectors = WithVectors()
    params: SearchParams = SearchParams()


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


# -- the universal query --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RecommendQuery:
    """Score by examples: ``best_score`` or ``sum_scores`` (average_vector becomes a NearestQuery)."""

    using: str
    positive: tuple[QueryVector, ...]
    negative: tuple[QueryVector, ...]
    strategy: str = "best_score"


@dataclass(frozen=True, slots=True)
class DiscoverQuery:
    using: str
    target: QueryVector
    pairs: tuple[tuple[QueryVector, QueryVector], ...]


@dataclass(frozen=True, slots=True)
class ContextQuery:
    using: str
    pairs: tuple[tuple[QueryVector, QueryVector], ...]


@dataclass(frozen=True, slots=True)
class FeedbackQuery:
    """Relevance feedback with the naive strategy: a*sim(target) + sum c*conf^b*(sim(pos)-sim(neg))."""

    using: str
    target: QueryVector
    feedback: tuple[tuple[QueryVector, float], ...]
    a: float
    b: float
    c: float


@dataclass(frozen=True, slots=True)
class MmrQuery:
    using: str
    vector: QueryVector
    diversity: float = 0.5
    candidates_limit: int | None = None


@dataclass(frozen=True, slots=True)
class OrderByQuery:
    order_by: OrderBy


@dataclass(frozen=True, slots=True)
class FusionQuery:
    method: str = "rrf"
    k: int = 2
    weights: tuple[float, ...] | None = None


@dataclass(frozen=True, slots=True)
class FormulaQuery:
    expression: Any
    defaults: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class SampleQuery:
    pass


QueryKind = Union[
    NearestQuery,
    RecommendQuery,
    DiscoverQuery,
    ContextQuery,
    FeedbackQuery,
    MmrQuery,
    OrderByQuery,
    FusionQuery,
    FormulaQuery,
    SampleQuery,
]


@dataclass(frozen=True, slots=True)
class QueryNode:
    """One level of a universal query: prefetches run first and feed ``query``."""

    query: QueryKind | None = None
    prefetch: tuple[QueryNode, ...] = ()
    filter: Filter | None = None
    limit: int = 10
    offset: int = 0
    score_threshold: float | None = None
    with_payload: WithPayload = WithPayload(False)
    with_vectors: WithVectors = WithVectors()
    params: SearchParams = SearchParams()


@dataclass(frozen=True, slots=True)
class GroupRequest:
    node: QueryNode
    group_by: str
    group_size: int = 3
    limit: int = 10
