"""Snapshot endpoints: collection, shard and full snapshots; download, upload and recovery."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any, Awaitable, Callable

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Route

from vecbase.api.credentials import current
from vecbase.api.qdrant import models as m
from vecbase.api.qdrant.rest.call import Call, check_path_params
from vecbase.api.qdrant.rest.envelope import HttpError, error_response, ok
from vecbase.api.qdrant.rest.rbac import authorize
from vecbase.api.qdrant.rest.stats import RequestStats
from vecbase.api.qdrant.service import QdrantService
from vecbase.api.qdrant.service.snapshots import describe
from vecbase.engine.snapshots import Snapshots
from vecbase.storage.archive import save_stream

Endpoint = Callable[[Request], Awaitable[Response]]


def _shard(request: Request) -> int | None:
    raw = request.path_params.get("shard_id")
    if raw is None:
        return None
    if not str(raw).isdigit():
        raise HttpError(400, f"Path deserialize error: invalid shard id {raw!r}")
    return int(raw)


def snapshot_routes(svc: QdrantService, stats: RequestStats) -> list[BaseRoute]:
    snaps: Snapshots = svc.snapshots

    def route(method: str, path: str, fn: Callable[[Request], Awaitable[Any]]) -> Route:
        label = f"{method} {path}"

        async def handle(request: Request) -> Response:
            started = time.perf_counter()
            try:
                check_path_params(request.path_params)
                authorize(label, current(request.scope), request.path_params)
                result = await fn(request)
                response = result if isinstance(result, Response) else ok(result, started)
            except Exception as exc:
                response = error_response(exc, started)
            stats.observe(label, response.status_code, time.perf_counter() - started)
            return response

        return Route(path, handle, methods=[method])

    def name(r: Request) -> str:
        return str(r.path_params["collection_name"])

    async def create(r: Request) -> Any:
        return describe(await run_in_threadpool(snaps.create, name(r), _shard(r)))

    async def listing(r: Request) -> Any:
        return [describe(i) for i in await run_in_threadpool(snaps.list, name(r), _shard(r))]

    async def download(r: Request) -> Any:
        path: Path = await run_in_threadpool(snaps.path, name(r), r.path_params["snapshot_name"], _shard(r))
        return FileResponse(path, media_type="application/octet-stream", filename=path.name)

    async def stream_shard(r: Request) -> Any:
        info = await run_in_threadpool(snaps.create, name(r), _shard(r))
        path = snaps.path(name(r), info.name, _shard(r))
        return FileResponse(path, media_type="application/octet-stream", filename=path.name)

    async def delete(r: Request) -> Any:
        return await run_in_threadpool(snaps.delete, name(r), r.path_params["snapshot_name"], _shard(r))

    async def recover(r: Request) -> Any:
        call = Call(svc, dict(r.path_params), r.query_params, await r.body())
        req: Any = call.body(m.ShardSnapshotRecover if "shard_id" in r.path_params else m.SnapshotRecover)
        shard = _shard(r)
        location = req.location if isinstance(req.location, str) else str(req.location)
        return await run_in_threadpool(snaps.recover, name(r), location, req.checksum, req.api_key, shard)

    async def upload(r: Request) -> Any:
        shard = _shard(r)
        form = await r.form()
        upload = form.get("snapshot")
        if not isinstance(upload, UploadFile):
            raise HttpError(400, "Bad request: multipart field `snapshot` with the snapshot file is required")
        checksum = r.query_params.get("checksum")

        def work() -> bool:
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / "upload.snapshot"
                save_stream(path, upload.file)
                return snaps.recover_file(name(r), path, checksum, shard=shard)

        try:
            return await run_in_threadpool(work)
        finally:
            await upload.close()

    async def create_full(r: Request) -> Any:
        return describe(await run_in_threadpool(snaps.create_full))

    async def list_full(r: Request) -> Any:
        return [describe(i) for i in await run_in_threadpool(snaps.list_full)]

    async def download_full(r: Request) -> Any:
        path: Path = await run_in_threadpool(snaps.path_full, r.path_params["snapshot_name"])
        return FileResponse(path, media_type="application/octet-stream", filename=path.name)

    async def delete_full(r: Request) -> Any:
        return await run_in_threadpool(snaps.delete_full, r.path_params["snapshot_name"])

    c = "/collections/{collection_name}"
    sh = c + "/shards/{shard_id}"
    return [
        route("POST", c + "/snapshots/upload", upload),
        route("PUT", c + "/snapshots/recover", recover),
        route("GET", c + "/snapshots", listing),
        route("POST", c + "/snapshots", create),
        route("DELETE", c + "/snapshots/{snapshot_name}", delete),
        route("GET", c + "/snapshots/{snapshot_name}", download),
        route("GET", sh + "/snapshot", stream_shard),
        route("POST", sh + "/snapshots/upload", upload),
        route("PUT", sh + "/snapshots/recover", recover),
        route("GET", sh + "/snapshots", listing),
        route("POST", sh + "/snapshots", create),
        route("DELETE", sh + "/snapshots/{snapshot_name}", delete),
        route("GET", sh + "/snapshots/{snapshot_name}", download),
        route("GET", "/snapshots", list_full),
        route("POST", "/snapshots", create_full),
        route("DELETE", "/snapshots/{snapshot_name}", delete_full),
        route("GET", "/snapshots/{snapshot_name}", download_full),
    ]
