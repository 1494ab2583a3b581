"""A minimal ASGI app answering every request with one canned body: the ceiling of the HTTP
path (uvicorn + qdrant-client) that bench/rest.py compares vecbase's throughput with.

Usage: python bench/canned_app.py PORT BODY_FILE [--parse]

With --parse it first parses each request body with orjson, as any server that must validate a
body before it answers does: the floor of such a server, beside the ceiling.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import orjson
import uvicorn


def make_app(body: bytes, parse: bool = False) -> Any:
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        more = True
        chunks = []
        while more:  # drain the request body
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        if parse and any(chunks):
            orjson.loads(b"".join(chunks))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app


if __name__ == "__main__":
    port, body_file = int(sys.argv[1]), Path(sys.argv[2])
    app = make_app(body_file.read_bytes(), parse="--parse" in sys.argv[3:])
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
