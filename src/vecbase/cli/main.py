"""`vecbase serve`: run vecbase on a storage directory until SIGTERM / Ctrl-C."""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from types import FrameType

from vecbase.engine.toc import TableOfContent

log = logging.getLogger("vecbase")


def serve(host: str, port: int, path: str) -> None:
    # The REST dialect (issue: the Qdrant REST server) mounts here; until it lands the
    # command opens and owns the storage, recovers it, and flushes it on shutdown.
    toc = TableOfContent(path)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    log.info(
        "vecbase started on storage %s with %d collections (address %s:%d; the REST API is not served yet)",
        path,
        len(toc.names()),
        host,
        port,
    )
    stop.wait()
    toc.close()
    log.info("vecbase stopped; storage flushed")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="vecbase")
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("serve", help="run vecbase on a storage directory")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=6333)
    s.add_argument("--path", default="./storage")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.command == "serve":
        serve(args.host, args.port, args.path)
