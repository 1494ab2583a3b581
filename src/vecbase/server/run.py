"""Run the server process: uvicorn on the settings' address, graceful on SIGTERM / Ctrl-C."""

from __future__ import annotations

import logging

import uvicorn

from vecbase.server.app import create_app
from vecbase.server.settings import Settings

log = logging.getLogger("vecbase")


def serve(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True
    )
    app = create_app(settings)
    log.info(
        "vecbase listening on http://%s:%d, storage %s (%d collections)",
        settings.host,
        settings.port,
        settings.storage_path,
        len(app.state.toc.names()),
    )
    # uvicorn handles SIGTERM/SIGINT: it stops accepting, lets in-flight requests finish,
    # then runs the lifespan shutdown, which flushes and releases the storage
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=30,
    )
