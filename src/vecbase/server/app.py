"""The ASGI application: the Qdrant dialect's routes and the OpenAI vector-stores dialect's
(``/v1``) on one shared engine, API keys, JSON 404s in each dialect's envelope."""

from __future__ import annotations

import contextlib
import logging
import time
from pathlib import Path
from typing import Any, AsyncIterator

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response

from vecbase.api.analyticdb.routes import analyticdb_routes
from vecbase.api.analyticdb.service import AnalyticDBService
from vecbase.api.openai.errors import error_response as openai_error
from vecbase.api.openai.routes import openai_routes
from vecbase.api.qdrant.rest.app import qdrant_routes
from vecbase.api.qdrant.rest.envelope import error
from vecbase.api.qdrant.rest.stats import RequestStats
from vecbase.api.qdrant.service import QdrantService
from vecbase.core import limits
from vecbase.core.filter import FieldMatch, Filter, MatchValue
from vecbase.documents.stores import DocumentService
from vecbase.engine.toc import TableOfContent
from vecbase.inference.dense import register_directory
from vecbase.inference.registry import REGISTRY
from vecbase.server.access import ApiKeyMiddleware, Authenticator, ReadOnlyModeMiddleware
from vecbase.server.audit import AuditMiddleware
from vecbase.server.dashboard import dashboard_directory, dashboard_routes
from vecbase.server.encoding import DecompressMiddleware
from vecbase.server.limits import BodyLimitMiddleware
from vecbase.server.paths import NormalizePathMiddleware
from vecbase.server.settings import Settings

log = logging.getLogger("vecbase.server")


def _pair(first: str | None, second: str | None) -> tuple[str, str] | None:
    return (first, second) if first is not None and second is not None else None


def _value_exists(toc: TableOfContent, collection: str, matches: list[tuple[str, Any]]) -> bool | None:
    """Whether a point with these payload values exists (a JWT's ``value_exists``); None when
    the collection does not."""
    if not toc.exists(collection):
        return None
    try:
        condition = Filter(must=tuple(FieldMatch(key, MatchValue(value)) for key, value in matches))
    except (TypeError, ValueError):
        return False
    return toc.get(collection).count(condition) > 0


def authenticator_for(settings: Settings, toc: TableOfContent) -> Authenticator:
    return Authenticator(
        tuple(k for k in (settings.api_key, settings.alt_api_key) if k),
        settings.read_only_api_key or None,
        jwt_rbac=settings.jwt_rbac,
        exists=lambda collection, matches: _value_exists(toc, collection, matches),
    )


def create_app(settings: Settings, toc: TableOfContent | None = None) -> Starlette:
    """The application; it opens the storage at ``settings.storage_path`` unless given ``toc``."""
    owned = toc is None
    if toc is None:
        toc = TableOfContent(
            settings.storage_path,
            flush_interval=settings.flush_interval_sec,
            max_collections=settings.max_collections,
        )
    snapshots = Path(settings.snapshots_path) if settings.snapshots_path else None
    if settings.models_path:
        added = register_directory(REGISTRY, Path(settings.models_path))
        log.info("models from %s: %s", settings.models_path, ", ".join(added) or "none found")
    limits.configure(max_filter_conditions=settings.max_filter_conditions)
    svc = QdrantService(toc, snapshots_path=snapshots, slow_query_secs=settings.slow_query_secs)
    documents = DocumentService(toc, toc.path / "documents" if toc.path is not None else None, REGISTRY)
    analyticdb = AnalyticDBService(
        toc,
        toc.path / "analyticdb" if toc.path is not None else None,
        REGISTRY,
        access=_pair(settings.adb_access_key_id, settings.adb_access_key_secret),
        manager=_pair(settings.adb_manager_account, settings.adb_manager_password),
        max_jobs=settings.max_ingestion_jobs,
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
        for hook in app.state.before_close:
            hook()
        documents.close()
        analyticdb.close()
        if owned:
            log.info("shutting down: flushing collections")
            toc.close()
            log.info("storage flushed and released")

    app = Starlette(
        # AnalyticDB's one route first: starlette tries routes in order, and every SDK call
        # would otherwise test the path against each of the other dialects' routes
        routes=analyticdb_routes(analyticdb)
        + qdrant_routes(svc, stats)
        + openai_routes(documents)
        + dashboard_routes(dashboard_directory(settings.enable_static_content, settings.static_content_dir)),
        exception_handlers={404: not_found, 405: not_found},
        lifespan=lifespan,
    )
    app.state.toc = toc
    app.state.stats = stats
    app.state.service = svc
    app.state.documents = documents
    app.state.before_close = []
    app.add_middleware(
        BodyLimitMiddleware,
        max_request_bytes=settings.max_request_size_mb * 1024 * 1024,
        max_upload_bytes=settings.max_upload_size_mb * 1024 * 1024,
    )
    # outside the body limit, which so counts the inflated bytes
    app.add_middleware(DecompressMiddleware)
    if settings.read_only:
        app.add_middleware(ReadOnlyModeMiddleware)
    authenticator = authenticator_for(settings, toc)
    app.state.authenticator = authenticator
    if authenticator.enabled:
        app.add_middleware(
            ApiKeyMiddleware,
            authenticator=authenticator,
            signed_adb=settings.adb_access_key_id is not None and settings.adb_access_key_secret is not None,
        )
    if settings.enable_cors:
        # outside the key check: a browser's preflight carries no key (Qdrant's permissive CORS)
        app.add_middleware(
            CORSMiddleware,
            allow_origin_regex=".*",
            allow_methods=["*"],
            allow_headers=["*"],
            allow_credentials=True,
            max_age=3600,
        )
    if settings.audit_enabled:
        audit_path = Path(settings.audit_path) if settings.audit_path else Path(settings.storage_path) / "audit.log"
        app.add_middleware(AuditMiddleware, path=audit_path)
    app.add_middleware(NormalizePathMiddleware)  # outermost: every layer sees the routed path
    return app
