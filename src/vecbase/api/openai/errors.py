"""OpenAI's error envelope ``{"error": {"message", "type", "param", "code"}}`` and the status
codes the official client maps to its exception classes (400 BadRequestError, 401
AuthenticationError, 404 NotFoundError, 409 ConflictError, 500 InternalServerError)."""

from __future__ import annotations

import logging
from typing import Any

import orjson
from pydantic import ValidationError as PydanticValidationError
from starlette.responses import Response

from vecbase.api.openai.filters import FilterError
from vecbase.core.errors import BadRequestError, ConflictError, ForbiddenError, NotFoundError

log = logging.getLogger("vecbase.api.openai")


class RequestError(Exception):
    """A request the dialect refuses before the service sees it."""

    def __init__(self, message: str, param: str | None = None, code: str | None = None, status: int = 400) -> None:
        super().__init__(message)
        self.message, self.param, self.code, self.status = message, param, code, status


def error_response(
    status: int, message: str, kind: str = "invalid_request_error", param: str | None = None, code: str | None = None
) -> Response:
    body = {"error": {"message": message, "type": kind, "param": param, "code": code}}
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")


def _location(loc: tuple[Any, ...]) -> str:
    """``a.b[0].c`` from a pydantic error location, without the names of union members and
    validators that pydantic puts in it (``ComparisonFilter``, ``function-after[...]``)."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif not (part[:1].isupper() or "[" in part or "-" in part):
            out += ("." if out else "") + part
    return out


def _validation(exc: PydanticValidationError) -> Response:
    first = exc.errors()[0]
    param = _location(tuple(first["loc"]))
    if first["type"] == "extra_forbidden":
        return error_response(400, f"Unrecognized request argument supplied: {param.split('.')[-1]}", param=None)
    if first["type"] == "missing":
        return error_response(
            400, f"Missing required parameter: '{param}'.", param=param, code="missing_required_parameter"
        )
    detail = str(first["msg"]).removeprefix("Value error, ")
    return error_response(400, f"Invalid value for '{param}': {detail}", param=param, code="invalid_value")


def error_for(exc: Exception) -> Response:
    if isinstance(exc, RequestError):
        return error_response(exc.status, exc.message, param=exc.param, code=exc.code)
    if isinstance(exc, PydanticValidationError):
        return _validation(exc)
    if isinstance(exc, FilterError):
        return error_response(400, str(exc), param=exc.param, code="invalid_value")
    if isinstance(exc, NotFoundError):
        return error_response(404, str(exc))
    if isinstance(exc, ForbiddenError):
        return error_response(403, f"{exc}.")
    if isinstance(exc, ConflictError):
        return error_response(409, str(exc))
    if isinstance(exc, BadRequestError):
        return error_response(400, str(exc))
    log.exception("unexpected error", exc_info=exc)
    return error_response(500, "The server had an error while processing your request.", kind="server_error")
