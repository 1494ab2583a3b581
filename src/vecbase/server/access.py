"""Who may do what: API keys (full, alternate, read-only) and the server-wide read-only mode,
for every dialect, each answered in its own envelope."""

from __future__ import annotations

import hmac

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from vecbase.api.analyticdb.wire import AdbError, failure
from vecbase.api.openai.errors import error_response as openai_error
from vecbase.server.dialects import refusal

OPEN_PATHS = {"/", "/healthz", "/livez", "/readyz"}
READ_METHODS = {"GET", "HEAD"}
ADB_READ_PREFIXES = ("Describe", "List", "Query", "Get")
ADB_READ_ACTIONS = {"TextEmbedding", "Rerank"}
# POST endpoints that only read; a read-only key may call them
READ_POST_SUFFIXES = (
    "/points/scroll",
    "/points/count",
    "/points/query",
    "/points/query/batch",
    "/points/query/groups",
    "/points/search",
    "/points/search/batch",
    "/points/search/groups",
    "/points/recommend",
    "/points/recommend/batch",
    "/points/recommend/groups",
    "/points/discover",
    "/points/discover/batch",
    "/points/search/matrix/pairs",
    "/points/search/matrix/offsets",
    "/facet",
    "/points",
)


def is_read(request: Request) -> bool:
    """Whether a request only reads, in any dialect."""
    path, method = request.url.path, request.method
    if method in READ_METHODS:
        return True
    if method != "POST":
        return False
    if path == "/":  # AnalyticDB: by action
        action = request.headers.get("x-acs-action") or request.query_params.get("Action") or ""
        return action.startswith(ADB_READ_PREFIXES) or action in ADB_READ_ACTIONS
    return (path.startswith("/collections/") and path.endswith(READ_POST_SUFFIXES)) or (
        path.startswith("/v1/vector_stores/") and path.endswith("/search")
    )


def credential(scope: Scope, name: str) -> None:
    """Record which credential a request used (its kind, never the key), for the audit log."""
    scope.setdefault("state", {})["vecbase_credential"] = name


def forbidden(request: Request, message: str) -> Response:
    """403 in the request's dialect's envelope."""
    return refusal(request.method, request.url.path, 403, message, "Forbidden", qdrant_prefix="Forbidden: ")


class ReadOnlyModeMiddleware:
    """``service.read_only``: every write of every dialect is refused with 403."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            request = Request(scope)
            if not is_read(request):
                await forbidden(request, "the server is in read-only mode")(scope, receive, send)
                return
        await self.app(scope, receive, send)


class ApiKeyMiddleware:
    """Qdrant's `api-key` header (or `Authorization: Bearer`, or Yandex's `Api-Key`): the full
    keys (``api_key`` and ``alt_api_key``, for rotation) may do anything, the read-only key
    only read."""

    def __init__(self, app: ASGIApp, api_keys: tuple[str, ...], read_only_key: str | None, signed_adb: bool) -> None:
        self.app = app
        # AnalyticDB requests carry the SDK's signature instead, checked by that dialect
        self.signed_adb = signed_adb
        self.api_keys = api_keys
        self.read_only_key = read_only_key

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or (not self.api_keys and self.read_only_key is None):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        is_adb = request.method == "POST" and request.url.path == "/"
        if (request.url.path in OPEN_PATHS and not is_adb) or (is_adb and self.signed_adb):
            if is_adb:
                credential(scope, "analyticdb_signature")
            await self.app(scope, receive, send)
            return
        key = request.headers.get("api-key")
        auth = request.headers.get("authorization", "")
        if key is None and auth.lower().startswith("bearer "):
            key = auth[7:]
        elif key is None and auth.lower().startswith("api-key "):  # Yandex AI Studio
            key = auth[8:]
        # every key compared, in constant time, whichever matches
        matches = [hmac.compare_digest(key, k) for k in self.api_keys] if key is not None else []
        if any(matches):
            credential(scope, ("api_key", "alt_api_key")[matches.index(True)])
            await self.app(scope, receive, send)
            return
        if key is not None and self.read_only_key is not None and hmac.compare_digest(key, self.read_only_key):
            credential(scope, "read_only_api_key")
            if is_read(request):
                await self.app(scope, receive, send)
                return
            await forbidden(request, "the read-only API key cannot perform this operation")(scope, receive, send)
            return
        if request.url.path.startswith("/v1/"):
            message = "Incorrect API key provided." if key else "You didn't provide an API key."
            await openai_error(401, message, code="invalid_api_key")(scope, receive, send)
            return
        if request.url.path == "/" and request.method == "POST":
            await failure(AdbError("InvalidAccessKeyId", "A valid API key is required.", 401))(scope, receive, send)
            return
        # Qdrant answers 401 in plain text
        message = "Invalid API key or JWT" if key else "Must provide an API key or an Authorization bearer token"
        await PlainTextResponse(message, status_code=401)(scope, receive, send)
