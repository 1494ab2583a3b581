"""Qdrant's request validation (its ``Validate`` impls) on parsed wire models.

Qdrant validates a request body right after parsing it, before it looks up the collection
or applies anything, and answers 422 ``Validation error in JSON body: [path: message]``.
These checks are the ones the OpenAPI document cannot express: vector shapes (empty dense
vectors, empty or ragged multivectors, sparse indices and values of different lengths or
with duplicates, a vectors update without vectors), recommend inputs without examples,
relevance feedback without feedback, an integer index with neither capability. Messages
follow Qdrant 1.19's wording where its source gives it.
"""

from __future__ import annotations

from typing import Any, Callable

from vecbase.api.qdrant import models as m
from vecbase.core.errors import ValidationError

Errors = list[tuple[str, str]]

EMPTY_DENSE = "dense vector must not be empty"


class WireValidationError(ValidationError):
    """A request body that fails Qdrant's validation: the REST layer answers 422."""

    def __init__(self, errors: Errors) -> None:
        self.errors = errors
        described = "; ".join(f"{path}: {message}" if path else message for path, message in errors)
        super().__init__(f"Validation error in JSON body: [{described}]")


def validate_request(body: Any) -> None:
    """Raise ``WireValidationError`` listing every problem of a parsed request body."""
    check = _CHECKS.get(type(body))
    if check is None:
        return
    errors: Errors = []
    check(body, "", errors)
    if errors:
        raise WireValidationError(errors)


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


# -- vectors --------------------------------------------------------------------------------


def _sparse(v: m.SparseVector, path: str, errors: Errors) -> None:
    if len(v.indices) != len(v.values):
        errors.append((_join(path, "values"), "must be the same length as indices"))
    if len(set(v.indices)) != len(v.indices):
        errors.append((_join(path, "indices"), "must be unique"))


def _multi(rows: list[Any], path: str, errors: Errors) -> None:
    if not rows:
        errors.append((path, "multivector must not be empty"))
        return
    if any(len(r) == 0 for r in rows):
        errors.append((path, "multivector must not contain empty vectors"))
    elif len({len(r) for r in rows}) != 1:
        errors.append((path, "all vectors of a multivector must have the same dimension"))


def _vector(v: Any, path: str, errors: Errors) -> None:
    """One vector: dense, sparse or multi-dense (anything else, an id or a document, passes)."""
    if isinstance(v, m.SparseVector):
        _sparse(v, path, errors)
    elif isinstance(v, list):
        if not v:
            errors.append((path, EMPTY_DENSE))
        elif isinstance(v[0], list):
            _multi(v, path, errors)
    elif hasattr(v, "ndim") and getattr(v, "size", 1) == 0:  # a numpy array (embedded use)
        errors.append((path, EMPTY_DENSE))


def _vector_struct(v: Any, path: str, errors: Errors) -> None:
    if isinstance(v, dict):
        for name, value in v.items():
            _vector(value, _join(path, name), errors)
    else:
        _vector(v, path, errors)


def _points_list(body: m.PointsList, path: str, errors: Errors) -> None:
    for i, p in enumerate(body.points):
        _vector_struct(p.vector, f"{_join(path, 'points')}[{i}].vector", errors)


def _points_batch(body: m.PointsBatch, path: str, errors: Errors) -> None:
    vectors = body.batch.vectors
    base = _join(path, "batch.vectors")
    if isinstance(vectors, dict):
        for name, column in vectors.items():
            for i, item in enumerate(column):
                _vector(item, f"{base}.{name}[{i}]", errors)
    elif isinstance(vectors, list):
        for i, v in enumerate(vectors):
            _vector(v, f"{base}[{i}]", errors)


def _update_vectors(body: m.UpdateVectors, path: str, errors: Errors) -> None:
    points_path = _join(path, "points")
    if not body.points:
        errors.append((points_path, "must specify points to update"))
    for i, p in enumerate(body.points):
        here = f"{points_path}[{i}].vector"
        if isinstance(p.vector, dict) and not p.vector:
            errors.append((here, "must specify vectors to update for point"))
        _vector_struct(p.vector, here, errors)


def _batch_update(body: m.UpdateOperations, path: str, errors: Errors) -> None:
    for i, op in enumerate(body.operations):
        here = f"{_join(path, 'operations')}[{i}]"
        if isinstance(op, m.UpsertOperation):
            inner = op.upsert
            check = _CHECKS.get(type(inner))
            if check is not None:
                check(inner, _join(here, "upsert"), errors)
        elif isinstance(op, m.UpdateVectorsOperation):
            _update_vectors(op.update_vectors, _join(here, "update_vectors"), errors)


# -- queries ----------------------------------------------------------------------------------


def _query(q: Any, path: str, errors: Errors) -> None:
    if isinstance(q, m.NearestQuery):
        _vector(q.nearest, _join(path, "nearest"), errors)
    elif isinstance(q, m.RecommendQuery):
        rec, here = q.recommend, _join(path, "recommend")
        if not rec.positive and not rec.negative:
            errors.append(
                (_join(here, "positives, negatives"), "At least one positive or negative vector/id must be provided")
            )
        for name, examples in (("positive", rec.positive), ("negative", rec.negative)):
            for i, v in enumerate(examples or []):
                _vector(v, f"{_join(here, name)}[{i}]", errors)
    elif isinstance(q, m.DiscoverQuery):
        here = _join(path, "discover")
        _vector(q.discover.target, _join(here, "target"), errors)
        _pairs(q.discover.context, _join(here, "context"), errors)
    elif isinstance(q, m.ContextQuery):
        _pairs(q.context, _join(path, "context"), errors)
    elif isinstance(q, m.RelevanceFeedbackQuery):
        fb, here = q.relevance_feedback, _join(path, "relevance_feedback")
        _vector(fb.target, _join(here, "target"), errors)
        if not fb.feedback:
            errors.append((_join(here, "feedback"), "at least one feedback item must be provided"))
        for i, item in enumerate(fb.feedback):
            _vector(item.example, f"{_join(here, 'feedback')}[{i}].example", errors)
    elif isinstance(q, (list, m.SparseVector)) or hasattr(q, "ndim"):
        _vector(q, path, errors)


def _pairs(context: Any, path: str, errors: Errors) -> None:
    pairs = context if isinstance(context, list) else ([context] if context is not None else [])
    for i, pair in enumerate(pairs):
        _vector(pair.positive, f"{path}[{i}].positive", errors)
        _vector(pair.negative, f"{path}[{i}].negative", errors)


def _query_request(body: m.QueryRequest | m.QueryGroupsRequest | m.Prefetch, path: str, errors: Errors) -> None:
    if body.query is not None:
        _query(body.query, _join(path, "query"), errors)
    prefetch = body.prefetch
    prefetches = prefetch if isinstance(prefetch, list) else ([prefetch] if prefetch is not None else [])
    for i, p in enumerate(prefetches):
        _query_request(p, f"{_join(path, 'prefetch')}[{i}]", errors)


def _query_batch(body: m.QueryRequestBatch, path: str, errors: Errors) -> None:
    for i, req in enumerate(body.searches):
        _query_request(req, f"{_join(path, 'searches')}[{i}]", errors)


def _search(body: m.SearchRequest | m.SearchGroupsRequest, path: str, errors: Errors) -> None:
    v = body.vector
    if isinstance(v, (m.NamedVector, m.NamedSparseVector)):
        _vector(v.vector, _join(path, "vector.vector"), errors)
    else:
        _vector(v, _join(path, "vector"), errors)


def _search_batch(body: m.SearchRequestBatch, path: str, errors: Errors) -> None:
    for i, req in enumerate(body.searches):
        _search(req, f"{_join(path, 'searches')}[{i}]", errors)


def _recommend(body: m.RecommendRequest | m.RecommendGroupsRequest, path: str, errors: Errors) -> None:
    for name, examples in (("positive", body.positive), ("negative", body.negative)):
        for i, v in enumerate(examples or []):
            if isinstance(v, m.SparseVector):
                _sparse(v, f"{_join(path, name)}[{i}]", errors)


def _recommend_batch(body: m.RecommendRequestBatch, path: str, errors: Errors) -> None:
    for i, req in enumerate(body.searches):
        _recommend(req, f"{_join(path, 'searches')}[{i}]", errors)


# -- collections and indexes ------------------------------------------------------------------


def _field_index(body: m.CreateFieldIndex, path: str, errors: Errors) -> None:
    schema = body.field_schema
    if isinstance(schema, m.IntegerIndexParams) and schema.lookup is False and schema.range is False:
        errors.append(
            (_join(path, "field_schema.lookup"), "the 'lookup' and 'range' capabilities can't be both disabled")
        )


MAX_VECTOR_SIZE = 65536


def _vector_params(p: m.VectorParams, path: str, errors: Errors) -> None:
    if p.size > MAX_VECTOR_SIZE:
        errors.append((_join(path, "size"), f"value {p.size} invalid, must be from 1 to {MAX_VECTOR_SIZE}"))
    if p.memory == m.Memory.PINNED:
        errors.append((_join(path, "memory"), "`pinned` memory placement is not supported for dense vector storage"))


def _create_collection(body: m.CreateCollection, path: str, errors: Errors) -> None:
    vectors = body.vectors
    if isinstance(vectors, m.VectorParams):
        _vector_params(vectors, _join(path, "vectors"), errors)
    elif isinstance(vectors, dict):
        for name, params in vectors.items():
            _vector_params(params, _join(path, f"vectors.{name}"), errors)
    for name in body.sparse_vectors or {}:
        if not name:
            errors.append((_join(path, "sparse_vectors"), "sparse vector name must not be empty"))
    _payload_storage(body.payload, _join(path, "payload"), errors)


def _payload_storage(p: m.PayloadStorageParams | None, path: str, errors: Errors) -> None:
    if p is not None and p.memory == m.Memory.PINNED:
        errors.append((_join(path, "memory"), "`pinned` memory placement is not supported for payload storage"))


def _update_collection(body: m.UpdateCollection, path: str, errors: Errors) -> None:
    for name, diff in (body.vectors or {}).items():
        if diff.memory == m.Memory.PINNED:
            errors.append(
                (
                    _join(path, f"vectors.{name}.memory"),
                    "`pinned` memory placement is not supported for dense vector storage",
                )
            )
    if body.params is not None:
        _payload_storage(body.params.payload, _join(path, "params.payload"), errors)


_CHECKS: dict[type, Callable[[Any, str, Errors], None]] = {
    m.PointsList: _points_list,
    m.PointsBatch: _points_batch,
    m.UpdateVectors: _update_vectors,
    m.UpdateOperations: _batch_update,
    m.QueryRequest: _query_request,
    m.QueryGroupsRequest: _query_request,
    m.QueryRequestBatch: _query_batch,
    m.SearchRequest: _search,
    m.SearchGroupsRequest: _search,
    m.SearchRequestBatch: _search_batch,
    m.RecommendRequest: _recommend,
    m.RecommendGroupsRequest: _recommend,
    m.RecommendRequestBatch: _recommend_batch,
    m.CreateFieldIndex: _field_index,
    m.CreateCollection: _create_collection,
    m.UpdateCollection: _update_collection,
}
