"""Run the server process: uvicorn on the settings' address, graceful on SIGTERM / Ctrl-C."""

from __future__ import annotations

import contextlib
import logging
import resource
from typing import Iterator

import uvicorn

from vecbase.server.app import create_app
from vecbase.server.grpc import start_grpc
from vecbase.server.settings import Settings
from vecbase.server.tls import start_reloader, tls_options

log = logging.getLogger("vecbase")


def log_level(setting: str) -> int | None:
    """The level of ``log.level``, read as Qdrant reads it too: a tracing filter
    (``INFO,actix_web=warn``) gives its default level, ``trace`` is DEBUG. None: unknown."""
    name = setting.split(",")[0].strip().upper()
    level = logging.getLevelName("DEBUG" if name == "TRACE" else name)
    return level if isinstance(level, int) else None


def serve(settings: Settings) -> None:
    level = log_level(settings.log_level)
    logging.basicConfig(
        level=level or logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True
    )
    if level is None:
        log.warning("log level %r is not one vecbase knows; logging at INFO", settings.log_level)
    raise_open_files_limit()
    app = create_app(settings)
    if settings.grpc_port is not None:
        grpc_server = start_grpc(settings, app.state.service, app.state.authenticator, stats=app.state.stats)
        # before the storage closes: in-flight calls finish first
        app.state.before_close.append(lambda: grpc_server.stop(grace=30).wait())
    log.info(
        "vecbase listening on %s://%s:%d, storage %s (%d collections)",
        "https" if settings.enable_tls else "http",
        settings.host,
        settings.port,
        settings.storage_path,
        len(app.state.toc.names()),
    )
    # uvicorn handles SIGTERM/SIGINT: it stops accepting, lets in-flight requests finish,
    # then runs the lifespan shutdown, which flushes and releases the storage
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=30,
        **tls_options(settings),
    )
    server = _Server(config)
    if settings.enable_tls:
        config.load()  # builds the SSL context, which the reloader refreshes in place
        assert config.ssl is not None
        start_reloader(config.ssl, settings)
    server.run()
    log.info("vecbase stopped")


def raise_open_files_limit(cap: int = 1 << 20) -> int:
    """Raises this process's soft limit of open files to its hard limit (at most ``cap``);
    the limit now in force. Each collection written to holds its WAL open, and each client
    a socket: under a shell's usual soft limit of 1,024 the server would refuse writes to
    the thousandth busy collection ("Too many open files") while the hard limit, which a
    process may take without privilege, is far higher."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = cap if hard == resource.RLIM_INFINITY else min(hard, cap)
    if soft == resource.RLIM_INFINITY or soft >= wanted:
        return soft
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    except (ValueError, OSError) as err:
        log.warning("open files limit stays at %d (could not raise it to %d: %s)", soft, wanted, err)
        return soft
    log.debug("open files limit raised from %d to %d", soft, wanted)
    return wanted


class _Server(uvicorn.Server):
    """uvicorn re-raises the stop signal after a graceful shutdown (exit status -15); a
    completed graceful shutdown is a clean exit for vecbase."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        with super().capture_signals():
            yield
            self._captured_signals.clear()
