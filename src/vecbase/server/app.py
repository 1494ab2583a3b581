"""The ASGI application: the Qdrant dialect's routes and the OpenAI vector-stores dialect's
(``/v1``) on one shared engine, API keys, JSON 404s in each dialect's envelope."""

from __future__ import annotations

import contextlib
import hmac
import logging
import time
from pathlib import Path
from typing import AsyncIterator

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from vecbase.api.analyticdb.routes import analyticdb_routes
from vecbase.api.analyticdb.service import AnalyticDBService
from vecbase.api.openai.errors import error_response as openai_error
from vecbase.api.openai.routes import openai_routes
from vecbase.api.qdrant.rest.app import qdrant_routes
from vecbase.api.qdrant.rest.envelope import error
from vecbase.api.qdrant.rest.stats import RequestStats
from vecbase.api.qdrant.service import QdrantService
from vecbase.documents.stores import DocumentService
from vecbase.engine.toc import TableOfContent
from vecbase.inference.dense import register_directory
from vecbase.inference.registry import REGISTRY
from vecbase.server.limits import BodyLimitMiddleware
from vecbase.server.settings import Settings

log = logging.getLogger("vecbase.server")
OPEN_PATHS = {"/", "/healthz", "/livez", "/readyz"}
READ_METHODS = {"GET", "HEAD"}
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


class ApiKeyMiddleware:
    """Qdrant's `api-key` header (or `Authorization: Bearer`); a read-only key may only read."""

    def __init__(self, app: ASGIApp, api_key: str | None, read_only_key: str | None, signed_adb: bool) -> None:
        self.app = app
        # AnalyticDB requests carry the SDK's signature instead, checked by that dialect
        self.signed_adb = signed_adb
        self.api_key = api_key
        self.read_only_key = read_only_key

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or (self.api_key is None and self.read_only_key is None):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        is_adb = request.method == "POST" and request.url.path == "/"
        if (request.url.path in OPEN_PATHS and not is_adb) or (is_adb and self.signed_adb):
            await self.app(scope, receive, send)
            return
        key = request.headers.get("api-key")
        auth = request.headers.get("authorization", "")
        if key is None and auth.lower().startswith("bearer "):
            key = auth[7:]
        elif key is None and auth.lower().startswith("api-key "):  # Yandex AI Studio
            key = auth[8:]
        started = time.perf_counter()
        if key is not None and self.api_key is not None and hmac.compare_digest(key, self.api_key):
            await self.app(scope, receive, send)
            return
        if key is not None and self.read_only_key is not None and hmac.compare_digest(key, self.read_only_key):
            path = request.url.path
            is_read = request.method in READ_METHODS or (
                request.method == "POST"
                and (
                    (path.startswith("/collections/") and path.endswith(READ_POST_SUFFIXES))
                    or (path.startswith("/v1/vector_stores/") and path.endswith("/search"))
                )
            )
            if is_read:
                await self.app(scope, receive, send)
                return
            if path.startswith("/v1/"):
                await openai_error(403, "The read-only API key cannot perform this operation.")(scope, receive, send)
                return
            await error(403, "Forbidden: the read-only API key cannot perform this operation", started)(
                scope, receive, send
            )
            return
        if request.url.path.startswith("/v1/"):
            message = "Incorrect API key provided." if key else "You didn't provide an API key."
            await openai_error(401, message, code="invalid_api_key")(scope, receive, send)
            return
        await error(401, "Must provide an API key or an Authorization bearer token", started)(scope, receive, send)


def _pair(first: str | None, second: str | None) -> tuple[str, str] | None:
    return (first, second) if first is not None and second is not None else None


def create_app(settings: Settings, toc: TableOfContent | None = None) -> Starlette:
    """The application; it opens the storage at ``settings.storage_path`` unless given ``toc``."""
    owned = toc is None
    if toc is None:
        toc = TableOfContent(settings.storage_path, flush_interval=settings.flush_interval_sec)
    snapshots = Path(settings.snapshots_path) if settings.snapshots_path else None
    if settings.models_path:
        added = register_directory(REGISTRY, Path(settings.models_path))
        log.info("models from %s: %s", settings.models_path, ", ".join(added) or "none found")
    svc = QdrantService(toc, snapshots_path=snapshots)
    documents = DocumentService(toc, toc.path / "documents" if toc.path is not None else None, REGISTRY)
    analyticdb = AnalyticDBService(
        toc,
        toc.path / "analyticdb" if toc.path is not None else None,
        REGISTRY,
        access=_pair(settings.adb_access_key_id, settings.adb_access_key_secret),
        manager=_pair(settings.adb_manager_account, settings.adb_manager_password),
    )
    stats = RequestStats()

    async def not_found(request: Request, exc: Exception) -> Response:
        started = time.perf_counter()
        status = exc.status_code if isinstance(exc, HTTPException) else 404
        if request.url.path.startswith("/v1/"):
            text = "Method not allowed" if status == 405 else "Invalid URL"
            return openai_error(status, f"{text} ({request.method} {request.url.path})")
        if status == 405:
            return error(405, f"Method {request.method} not allowed for {request.url.path}", started)
        return error(status, f"Not found: no such endpoint {request.method} {request.url.path}", started)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        documents.close()
        analyticdb.close()
        if owned:
            log.info("shutting down: flushing collections")
            toc.close()
            log.info("storage flushed and released")

    app = Starlette(
        routes=qdrant_routes(svc, stats) + openai_routes(documents) + analyticdb_routes(analyticdb),
        exception_handlers={404: not_found, 405: not_found},
        lifespan=lifespan,
    )
    app.state.toc = toc
    app.state.service = svc
    app.state.documents = documents
    app.add_middleware(
        BodyLimitMiddleware,
        max_request_bytes=settings.max_request_size_mb * 1024 * 1024,
        max_upload_bytes=settings.max_upload_size_mb * 1024 * 1024,
    )
    if settings.api_key or settings.read_only_api_key:
        app.add_middleware(
            ApiKeyMiddleware,
            api_key=settings.api_key,
            read_only_key=settings.read_only_api_key,
            signed_adb=settings.adb_access_key_id is not None and settings.adb_access_key_secret is not None,
        )
    return app
