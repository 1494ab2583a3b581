"""Starlette routes of the Qdrant dialect; each JSON operation runs in a worker thread."""

from __future__ import annotations

import time
from typing import Any, Awaitable, Callable

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from vecbase.api.credentials import current
from vecbase.api.qdrant.rest.call import Call, check_path_params
from vecbase.api.qdrant.rest.envelope import error_response, json_response, ok
from vecbase.api.qdrant.rest.rbac import authorize, visible_only
from vecbase.api.qdrant.rest.routes import Operation, check_flags, operations
from vecbase.api.qdrant.rest.service_routes import metrics_text, service_operations
from vecbase.api.qdrant.rest.snapshot_routes import snapshot_routes
from vecbase.api.qdrant.rest.stats import RequestStats
from vecbase.api.qdrant.service import QdrantService
from vecbase.api.qdrant.version import version_info
from vecbase.api.threads import in_thread
from vecbase.inference import usage

Endpoint = Callable[[Request], Awaitable[Response]]
PUBLIC = {"GET /", "GET /healthz", "GET /livez", "GET /readyz"}


def _endpoint(op: Operation, svc: QdrantService, stats: RequestStats) -> Endpoint:
    label = f"{op.method} {op.path}"

    async def handle(request: Request) -> Response:
        started = time.perf_counter()
        try:
            check_path_params(request.path_params)
            call = Call(svc, dict(request.path_params), request.query_params, await request.body())
            access = current(request.scope)
            authorize(label, access, request.path_params, call.json() if access.mode is None else None)
            check_flags(call)
            timeout = call.int_param("timeout")
            if timeout is not None and "collection_name" in request.path_params and svc.toc.exists(call.name):
                svc.strict.timeout(svc.toc.get(call.name), timeout)
            with usage.scope() as tokens:  # the worker thread runs in a copy of this context
                result = visible_only(await in_thread(op.handler, call), access)
            response = ok(result, started, inference=tokens)
            if "collection_name" in request.path_params:
                svc.issues.after_read(call.name, call.typed, time.perf_counter() - started)
        except Exception as exc:  # mapped to the dialect's envelope, never a bare 500 page
            response = error_response(exc, started)
        stats.observe(label, response.status_code, time.perf_counter() - started)
        return response

    return handle


def _plain(stats: RequestStats, label: str, fn: Callable[[Request], Any]) -> Endpoint:
    async def handle(request: Request) -> Response:
        started = time.perf_counter()
        try:
            if label not in PUBLIC:
                authorize(label, current(request.scope), request.path_params)
            response: Response = await fn(request)
        except Exception as exc:
            response = error_response(exc, started)
        stats.observe(label, response.status_code, time.perf_counter() - started)
        return response

    return handle


_P = "/collections/{collection_name}/points"
# the most frequent operations, tried first; literal paths only (a path ending in a parameter
# must stay behind the literal paths it would shadow)
_HOT = {
    key: rank
    for rank, key in enumerate(
        [
            f"POST {_P}/query",
            f"PUT {_P}",
            f"POST {_P}/search",
            f"POST {_P}/query/batch",
            f"POST {_P}/search/batch",
            f"POST {_P}/scroll",
            f"POST {_P}/count",
            f"POST {_P}",
            f"POST {_P}/delete",
            f"POST {_P}/payload",
            f"PUT {_P}/payload",
        ]
    )
}


def qdrant_routes(svc: QdrantService, stats: RequestStats) -> list[BaseRoute]:
    routes: list[BaseRoute] = []

    async def root(request: Request) -> Response:
        return json_response(version_info())

    async def healthz(request: Request) -> Response:
        return PlainTextResponse("healthz check passed")  # Qdrant's text, for /livez too

    async def readyz(request: Request) -> Response:
        return PlainTextResponse("all shards are ready")

    async def metrics(request: Request) -> Response:
        call = Call(svc, {}, request.query_params, b"")
        text = await in_thread(metrics_text, call, stats)
        return PlainTextResponse(text, media_type="text/plain; version=0.0.4")

    async def issues(request: Request) -> Response:
        # Qdrant answers this one without the usual envelope
        return json_response({"issues": await in_thread(svc.issues.report)})

    routes.append(Route("/", _plain(stats, "GET /", root), methods=["GET"]))
    for probe_path in ("/healthz", "/livez"):
        routes.append(Route(probe_path, _plain(stats, f"GET {probe_path}", healthz), methods=["GET"]))
    routes.append(Route("/readyz", _plain(stats, "GET /readyz", readyz), methods=["GET"]))
    routes.append(Route("/metrics", _plain(stats, "GET /metrics", metrics), methods=["GET"]))
    routes.append(Route("/issues", _plain(stats, "GET /issues", issues), methods=["GET"]))
    for route in snapshot_routes(svc, stats):
        routes.append(route)
    ops = operations() + service_operations(stats)
    # Starlette matches in order: literal segments must win over {id}-style parameters; the
    # data-plane calls go first (every route tried before a match costs a regex, ~2 us)
    ops.sort(key=lambda o: o.path.count("{") > 0 and o.path.endswith("}"))
    ops.sort(key=lambda o: _HOT.get(f"{o.method} {o.path}", len(_HOT)))
    by_path: dict[str, list[Operation]] = {}
    for op in ops:
        by_path.setdefault(op.path, []).append(op)
    hot: list[BaseRoute] = []
    for path, group in by_path.items():
        for op in group:
            route = Route(path, _endpoint(op, svc, stats), methods=[op.method], name=op.operation_id)
            (hot if f"{op.method} {path}" in _HOT else routes).append(route)
    return hot + routes
