"""Snapshot endpoints: collection, shard and full snapshots; download, upload and recovery."""

from __future__ import annotations

import asyncio
import logging
import tempfile
import time
from pathlib import Path
from typing import Any, Awaitable, Callable

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Route

from vecbase.api.credentials import current
from vecbase.api.qdrant import models as m
from vecbase.api.qdrant.rest.call import Call, check_path_params, parse_bool
from vecbase.api.qdrant.rest.envelope import HttpError, error_response, json_response, ok
from vecbase.api.qdrant.rest.rbac import authorize
from vecbase.api.qdrant.rest.stats import RequestStats
from vecbase.api.qdrant.service import QdrantService
from vecbase.api.qdrant.service.snapshots import describe
from vecbase.api.threads import in_thread
from vecbase.engine.snapshots import Snapshots
from vecbase.storage.archive import save_stream
from vecbase.storage.files import remove_tree

Endpoint = Callable[[Request], Awaitable[Response]]
log = logging.getLogger("vecbase.api.qdrant")
# snapshot work answered with 202 (``?wait=false``) and still running: held so it is not
# collected before it finishes
_running: set[asyncio.Task[Any]] = set()


def _in_background(work: Callable[[], Any], label: str) -> None:
    async def run() -> None:
        try:
            await in_thread(work)
        except Exception:  # nobody waits for the answer: the log is where it goes
            log.exception("%s (wait=false) failed", label)

    task = asyncio.get_running_loop().create_task(run())
    _running.add(task)
    task.add_done_callback(_running.discard)


def _accepted(started: float) -> Response:
    """Qdrant's answer to snapshot work with ``wait=false``: 202, no result."""
    return json_response({"status": "accepted", "time": time.perf_counter() - started}, status=202)


def _shard(request: Request) -> int | None:
    raw = request.path_params.get("shard_id")
    if raw is None:
        return None
    if not str(raw).isdigit():
        raise HttpError(400, f"Path deserialize error: invalid shard id {raw!r}")
    return int(raw)


def snapshot_routes(svc: QdrantService, stats: RequestStats) -> list[BaseRoute]:
    snaps: Snapshots = svc.snapshots

    def route(method: str, path: str, fn: Callable[[Request], Awaitable[Any]], job: bool = False) -> Route:
        """``job``: ``fn`` reads the request and returns the work as a blocking call, which
        runs in a worker thread; with ``?wait=false`` (Qdrant's default is to wait) the
        answer is 202 at once and the work runs on."""
        label = f"{method} {path}"

        async def handle(request: Request) -> Response:
            started = time.perf_counter()
            try:
                check_path_params(request.path_params)
                authorize(label, current(request.scope), request.path_params)
                background = job and not parse_bool("wait", request.query_params.get("wait"), True)
                result = await fn(request)
                if background:
                    _in_background(result, label)
                    response = _accepted(started)
                else:
                    if job:
                        result = await in_thread(result)
                    response = result if isinstance(result, Response) else ok(result, started)
            except Exception as exc:
                response = error_response(exc, started)
            stats.observe(label, response.status_code, time.perf_counter() - started)
            return response

        return Route(path, handle, methods=[method])

    def name(r: Request) -> str:
        return str(r.path_params["collection_name"])

    async def create(r: Request) -> Callable[[], Any]:
        collection, shard = name(r), _shard(r)
        return lambda: describe(snaps.create(collection, shard))

    async def listing(r: Request) -> Any:
        return [describe(i) for i in await in_thread(snaps.list, name(r), _shard(r))]

    async def download(r: Request) -> Any:
        path: Path = await in_thread(snaps.path, name(r), r.path_params["snapshot_name"], _shard(r))
        return FileResponse(path, media_type="application/octet-stream", filename=path.name)

    async def stream_shard(r: Request) -> Any:
        info = await in_thread(snaps.create, name(r), _shard(r))
        path = snaps.path(name(r), info.name, _shard(r))
        return FileResponse(path, media_type="application/octet-stream", filename=path.name)

    async def delete(r: Request) -> Callable[[], Any]:
        collection, snapshot, shard = name(r), r.path_params["snapshot_name"], _shard(r)
        return lambda: snaps.delete(collection, snapshot, shard)

    async def recover(r: Request) -> Callable[[], Any]:
        call = Call(svc, dict(r.path_params), r.query_params, await r.body())
        req: Any = call.body(m.ShardSnapshotRecover if "shard_id" in r.path_params else m.SnapshotRecover)
        collection, shard = name(r), _shard(r)
        location = req.location if isinstance(req.location, str) else str(req.location)
        return lambda: snaps.recover(collection, location, req.checksum, req.api_key, shard)

    async def upload(r: Request) -> Callable[[], Any]:
        """The upload is saved before the answer (a 202 comes after the body is read);
        recovering from it is the work."""
        collection, shard = name(r), _shard(r)
        form = await r.form()
        received = form.get("snapshot")
        if not isinstance(received, UploadFile):
            raise HttpError(400, "Bad request: multipart field `snapshot` with the snapshot file is required")
        checksum = r.query_params.get("checksum")
        tmp = Path(tempfile.mkdtemp(prefix="vecbase-upload-"))
        path = tmp / "upload.snapshot"
        try:
            await in_thread(save_stream, path, received.file)
        except BaseException:
            remove_tree(tmp)
            raise
        finally:
            await received.close()

        def work() -> bool:
            try:
                return snaps.recover_file(collection, path, checksum, shard=shard)
            finally:
                remove_tree(tmp)

        return work

    async def create_full(r: Request) -> Callable[[], Any]:
        return lambda: describe(snaps.create_full())

    async def list_full(r: Request) -> Any:
        return [describe(i) for i in await in_thread(snaps.list_full)]

    async def download_full(r: Request) -> Any:
        path: Path = await in_thread(snaps.path_full, r.path_params["snapshot_name"])
        return FileResponse(path, media_type="application/octet-stream", filename=path.name)

    async def delete_full(r: Request) -> Callable[[], Any]:
        snapshot = r.path_params["snapshot_name"]
        return lambda: snaps.delete_full(snapshot)

    c = "/collections/{collection_name}"
    sh = c + "/shards/{shard_id}"
    return [
        route("POST", c + "/snapshots/upload", upload, job=True),
        route("PUT", c + "/snapshots/recover", recover, job=True),
        route("GET", c + "/snapshots", listing),
        route("POST", c + "/snapshots", create, job=True),
        route("DELETE", c + "/snapshots/{snapshot_name}", delete, job=True),
        route("GET", c + "/snapshots/{snapshot_name}", download),
        route("GET", sh + "/snapshot", stream_shard),
        route("POST", sh + "/snapshots/upload", upload, job=True),
        route("PUT", sh + "/snapshots/recover", recover, job=True),
        route("GET", sh + "/snapshots", listing),
        route("POST", sh + "/snapshots", create, job=True),
        route("DELETE", sh + "/snapshots/{snapshot_name}", delete, job=True),
        route("GET", sh + "/snapshots/{snapshot_name}", download),
        route("GET", "/snapshots", list_full),
        route("POST", "/snapshots", create_full, job=True),
        route("DELETE", "/snapshots/{snapshot_name}", delete_full, job=True),
        route("GET", "/snapshots/{snapshot_name}", download_full),
    ]
