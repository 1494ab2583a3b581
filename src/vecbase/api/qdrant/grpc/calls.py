"""One gRPC call: authentication from the ``api-key`` / ``authorization`` metadata, the
same per-operation access check as REST, the service call, errors as gRPC status codes
(each with the message REST would send), and the ``time`` field of the answer."""

from __future__ import annotations

import threading
import time
from functools import cache
from typing import Any, Callable, Mapping

import grpc
import orjson
from pydantic import TypeAdapter

from vecbase.api.qdrant.rest.envelope import error_response
from vecbase.api.qdrant.rest.rbac import authorize
from vecbase.api.qdrant.validation import validate_request
from vecbase.core.access import FULL, Access
from vecbase.core.errors import RateLimitedError, UnauthenticatedError

# (metadata) -> the caller's access; raises UnauthenticatedError / ForbiddenError
Authenticate = Callable[[Mapping[str, str]], Access]

CODES = {
    400: grpc.StatusCode.INVALID_ARGUMENT,
    401: grpc.StatusCode.UNAUTHENTICATED,
    403: grpc.StatusCode.PERMISSION_DENIED,
    404: grpc.StatusCode.NOT_FOUND,
    409: grpc.StatusCode.ALREADY_EXISTS,
    413: grpc.StatusCode.RESOURCE_EXHAUSTED,
    422: grpc.StatusCode.INVALID_ARGUMENT,
    429: grpc.StatusCode.RESOURCE_EXHAUSTED,
    503: grpc.StatusCode.UNAVAILABLE,
    507: grpc.StatusCode.RESOURCE_EXHAUSTED,
}


@cache
def _adapter(tp: Any) -> TypeAdapter[Any]:
    return TypeAdapter(tp)


# the request models each worker thread's call has built (the issue report reads a slow
# read's filters from them)
_built = threading.local()


def wire(tp: Any, data: Any) -> Any:
    """A REST request model from its body, validated as the REST API validates it."""
    parsed = _adapter(tp).validate_python(data)
    validate_request(parsed)
    built = getattr(_built, "models", None)
    if built is not None:
        built.append(parsed)
    return parsed


def status_of(exc: BaseException) -> tuple[Any, str]:
    """The gRPC code and message of an error: REST's message, REST's status mapped."""
    if isinstance(exc, UnauthenticatedError):
        return grpc.StatusCode.UNAUTHENTICATED, str(exc)
    if isinstance(exc, ValueError) and not hasattr(exc, "errors"):
        return grpc.StatusCode.INVALID_ARGUMENT, f"Wrong input: {exc}"
    response = error_response(exc, time.perf_counter())
    message = orjson.loads(bytes(response.body))["status"]["error"]
    return CODES.get(response.status_code, grpc.StatusCode.INTERNAL), message


# (collection, the request models of the call, seconds it took) after each call on a collection
AfterRead = Callable[[str, list[Any], float], None]


class GrpcCall:
    def __init__(self, authenticate: Authenticate | None = None, after_read: AfterRead | None = None) -> None:
        self.authenticate = authenticate
        self.after_read = after_read
        self._local = threading.local()  # the access of the call each worker thread runs

    def _authenticated(self, context: Any) -> Access:
        if self.authenticate is None:
            return FULL
        metadata = {k.lower(): v for k, v in (context.invocation_metadata() or ())}
        return self.authenticate(metadata)

    def access(self) -> Access:
        """The access of the call running on this thread (for answers cut to what it may see)."""
        found = getattr(self._local, "access", None)
        return found if isinstance(found, Access) else FULL

    def __call__(self, context: Any, label: str, collection: str | None, run: Callable[[], Any]) -> Any:
        """Run ``run`` as the operation ``label`` (REST's method and path template)."""
        started = time.perf_counter()
        try:
            access = self._authenticated(context)
            authorize(label, access, {"collection_name": collection} if collection is not None else {})
            self._local.access = access
            _built.models = []
            try:
                response = run()
            finally:
                self._local.access = None
                models, _built.models = _built.models, None
        except Exception as exc:
            code, message = status_of(exc)
            if isinstance(exc, RateLimitedError) and exc.retry_after is not None:
                # as Qdrant: qdrant-client raises ResourceExhaustedResponse(retry_after_s) from it
                context.set_trailing_metadata((("retry-after", str(exc.retry_after)),))
            context.abort(code, message)
        if collection is not None and self.after_read is not None:
            self.after_read(collection, models, time.perf_counter() - started)
        if hasattr(response, "time"):
            response.time = time.perf_counter() - started
        return response


@cache
def _rest_operations() -> dict[str, Any]:
    from vecbase.api.qdrant.rest.routes import operations

    return {op.operation_id: op for op in operations()}


def rest_twin(svc: Any, operation_id: str, path: dict[str, str], body: Any = None) -> Any:
    """Run the REST operation ``operation_id`` on a JSON body: for the methods whose whole
    behaviour is a REST handler's (single-node cluster and shard-key answers)."""
    from starlette.datastructures import QueryParams

    from vecbase.api.qdrant.rest.call import Call

    raw = orjson.dumps(body) if body is not None else b""
    return _rest_operations()[operation_id].handler(Call(svc, path, QueryParams(""), raw))
