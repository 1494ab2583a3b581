"""Qdrant's response envelope, and the mapping from engine errors to its status codes."""

from __future__ import annotations

import logging
import time
from typing import Any

import numpy as np
import orjson
import pydantic
from starlette.responses import Response

from vecbase.api.qdrant import models as m
from vecbase.api.qdrant.rest.body_errors import body_error
from vecbase.api.qdrant.wire_base import F32_CONTEXT
from vecbase.core.errors import (
    BadRequestError,
    ConflictError,
    ForbiddenError,
    InsufficientStorageError,
    NotFoundError,
    PayloadPathError,
    RateLimitedError,
    StorageLockedError,
    ValidationError,
    VecbaseError,
    service_error_text,
)

log = logging.getLogger("vecbase.api.qdrant")


class HttpError(Exception):
    """An error decided at the HTTP edge (bad JSON, unknown route parameter, auth)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def to_jsonable(result: Any) -> Any:
    """A result as orjson takes it: every property of Qdrant's response schema present (null
    when empty) unless Qdrant leaves it out (the models' ``exclude_if``); f32 fields as numpy
    f32 values, which orjson prints as f32 (``0.15``, as Qdrant, not ``0.15000000596046448``)."""
    kind = type(result)
    if kind is m.QueryResponse:
        return {"points": [_scored(p) for p in result.points]}
    if kind is m.ScoredPoint:
        return _scored(result)
    if isinstance(result, pydantic.BaseModel):
        return _dumped(result)
    if isinstance(result, list):
        return [to_jsonable(r) for r in result]
    return result


def _dumped(model: pydantic.BaseModel) -> Any:
    return model.model_dump(mode="python", by_alias=True, context=F32_CONTEXT, warnings=False)


_F32 = np.float32


def _scored(point: m.ScoredPoint) -> Any:
    """A search hit as ``_dumped`` writes it, unrolled for hits without vectors (every search
    result's shape unless vectors are asked for): the query hot path, on the event loop. The
    fields left out when None are ScoredPoint's ``exclude_if`` ones; the score is f32."""
    fields = point.__dict__
    if fields["vector"] is not None or point.__pydantic_extra__:
        return _dumped(point)
    out = {"id": fields["id"], "version": fields["version"], "score": _F32(fields["score"])}
    for name in ("payload", "shard_key", "order_value"):
        value = fields[name]
        if value is not None:
            out[name] = value
    return out


def json_response(content: Any, status: int = 200) -> Response:
    # aware UTC datetimes end in Z, as chrono writes them (naive ones stay naive)
    body = orjson.dumps(content, option=orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS | orjson.OPT_UTC_Z)
    return Response(body, status_code=status, media_type="application/json")


def ok(result: Any, started: float, status: str = "ok", inference: dict[str, int] | None = None) -> Response:
    body: dict[str, Any] = {"result": to_jsonable(result), "status": status, "time": time.perf_counter() - started}
    if inference:
        # Qdrant's usage report: tokens per model of the documents this request embedded
        models = {name: {"tokens": tokens} for name, tokens in inference.items()}
        body["usage"] = {"hardware": None, "inference": {"models": models}}
    return json_response(body)


def error(status: int, message: str, started: float) -> Response:
    return json_response({"status": {"error": message}, "time": time.perf_counter() - started}, status)


def error_response(exc: BaseException, started: float) -> Response:
    if isinstance(exc, HttpError):
        return error(exc.status, exc.message, started)
    if isinstance(exc, pydantic.ValidationError):
        status, message = body_error(exc)
        return error(status, message, started)
    if isinstance(exc, PayloadPathError):
        return error(400, "Format error in JSON body: Invalid json path", started)
    if isinstance(exc, NotFoundError):
        return error(404, str(exc) if exc.verbatim else f"Not found: {exc}", started)
    if isinstance(exc, ForbiddenError):
        return error(403, f"Forbidden: {exc}", started)
    if isinstance(exc, RateLimitedError):
        response = error(429, f"Rate limiting exceeded: {exc}", started)
        if exc.retry_after is not None:
            response.headers["Retry-After"] = str(exc.retry_after)
        return response
    if isinstance(exc, InsufficientStorageError):
        return error(507, f"Insufficient storage: {exc}", started)
    if isinstance(exc, ConflictError):
        return error(409, str(exc), started)
    if isinstance(exc, ValidationError):
        return error(422, f"Validation error: {exc}" if not str(exc).startswith("Validation") else str(exc), started)
    if isinstance(exc, BadRequestError):
        return error(400, str(exc), started)
    if isinstance(exc, StorageLockedError):
        return error(503, f"Service unavailable: {exc}", started)
    if isinstance(exc, (OSError, VecbaseError)) and not isinstance(exc, (TimeoutError, ConnectionError)):
        log.error("storage error: %s", exc)
    else:
        log.exception("unexpected error", exc_info=exc)
    return error(500, service_error_text(exc), started)
