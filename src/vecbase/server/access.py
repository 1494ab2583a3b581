"""Who may do what: API keys (full, alternate, read-only) and the server-wide read-only mode,
for every dialect, each answered in its own envelope."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Mapping

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from vecbase.api.analyticdb.wire import AdbError, failure
from vecbase.api.credentials import record
from vecbase.api.openai.errors import error_response as openai_error
from vecbase.api.threads import in_thread
from vecbase.core.access import FULL, READ_ONLY, Access
from vecbase.server.dialects import refusal
from vecbase.server.tokens import ExistsCheck, TokenRefused, read_token

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


def credential(scope: Scope, name: str, subject: str | None = None) -> None:
    """Record which credential a request used (its kind and a token's subject, never the key),
    for the audit log."""
    state = scope.setdefault("state", {})
    state["vecbase_credential"] = name
    if subject is not None:
        state["vecbase_subject"] = subject


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


@dataclass(frozen=True, slots=True)
class Credential:
    access: Access
    kind: str  # api_key, alt_api_key, read_only_api_key, jwt
    subject: str | None = None


class Authenticator:
    """Qdrant's credentials: the full keys (``api_key``, ``alt_api_key``), the read-only key,
    and with ``jwt_rbac`` JWT tokens signed with a full key. Shared by REST and gRPC."""

    def __init__(
        self,
        api_keys: tuple[str, ...],
        read_only_key: str | None,
        jwt_rbac: bool = False,
        exists: ExistsCheck | None = None,
    ) -> None:
        self.api_keys = api_keys
        self.read_only_key = read_only_key
        self.jwt_secrets = api_keys if jwt_rbac else ()
        self.exists: ExistsCheck = exists or (lambda collection, matches: None)

    @property
    def enabled(self) -> bool:
        return bool(self.api_keys) or self.read_only_key is not None

    def check(self, key: str | None) -> Credential:
        """The credential ``key`` is, or ``TokenRefused`` (401 / 403, Qdrant's text)."""
        # every key compared, in constant time, whichever matches
        matches = [hmac.compare_digest(key, k) for k in self.api_keys] if key is not None else []
        if any(matches):
            return Credential(FULL, ("api_key", "alt_api_key")[matches.index(True)])
        if key is not None and self.read_only_key is not None and hmac.compare_digest(key, self.read_only_key):
            return Credential(READ_ONLY, "read_only_api_key")
        if key is not None and self.jwt_secrets:
            token = read_token(key, self.jwt_secrets, self.exists)
            if token is not None:
                return Credential(token.access, "jwt", token.subject)
        if key is None:
            raise TokenRefused(401, "Must provide an API key or an Authorization bearer token")
        raise TokenRefused(401, "Invalid API key or JWT")


def key_of(headers: Mapping[str, str]) -> str | None:
    """The credential a request sends: ``api-key``, else ``Authorization: Bearer`` (or
    Yandex's ``Authorization: Api-Key``)."""
    key = headers.get("api-key")
    auth = headers.get("authorization", "")
    if key is None and auth.lower().startswith("bearer "):
        key = auth[7:]
    elif key is None and auth.lower().startswith("api-key "):  # Yandex AI Studio
        key = auth[8:]
    return key


class ApiKeyMiddleware:
    """Authentication of every HTTP request (see ``Authenticator``): the access a credential
    grants is recorded for the dialects, which check each operation (``core.access``)."""

    def __init__(self, app: ASGIApp, authenticator: Authenticator, signed_adb: bool) -> None:
        self.app = app
        self.authenticator = authenticator
        # AnalyticDB requests carry the SDK's signature instead, checked by that dialect
        self.signed_adb = signed_adb

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.authenticator.enabled:
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        is_adb = request.method == "POST" and request.url.path == "/"
        if (request.url.path in OPEN_PATHS and not is_adb) or (is_adb and self.signed_adb) or _static(request):
            if is_adb:
                credential(scope, "analyticdb_signature")
            await self.app(scope, receive, send)
            return
        key = key_of(request.headers)
        try:
            if key is not None and self.authenticator.jwt_secrets:
                found = await in_thread(self.authenticator.check, key)  # value_exists reads storage
            else:
                found = self.authenticator.check(key)
        except TokenRefused as exc:
            await _refused(request, exc.status, exc.message, missing=key is None)(scope, receive, send)
            return
        credential(scope, found.kind, found.subject)
        record(scope, found.access)
        await self.app(scope, receive, send)


def _static(request: Request) -> bool:
    """The dashboard's files: public, as Qdrant's web UI; the page asks for a key and sends it
    with every API call."""
    path = request.url.path
    return request.method in READ_METHODS and (path == "/dashboard" or path.startswith("/dashboard/"))


def _refused(request: Request, status: int, message: str, missing: bool = False) -> Response:
    """A refused credential in the request's dialect: Qdrant answers in plain text."""
    if request.url.path.startswith("/v1/"):
        if status == 401:
            text = "You didn't provide an API key." if missing else "Incorrect API key provided."
            return openai_error(401, text, code="invalid_api_key")
        return openai_error(status, f"{message}.")
    if request.url.path == "/" and request.method == "POST":
        if status == 401:
            return failure(AdbError("InvalidAccessKeyId", "A valid API key is required.", 401))
        return failure(AdbError("Forbidden", f"{message}.", status))
    return PlainTextResponse(message, status_code=status)
