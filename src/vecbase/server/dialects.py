"""Which dialect a request speaks, and a refusal in that dialect's error envelope: for the
server's own checks (access, limits), which run before any dialect's routes."""

from __future__ import annotations

import time

from starlette.responses import Response
from starlette.types import Message, Send

from vecbase.api.analyticdb.wire import AdbError, failure
from vecbase.api.openai.errors import error_response as openai_error
from vecbase.api.qdrant.rest.envelope import error as qdrant_error


def dialect_of(method: str, path: str) -> str:
    if path.startswith("/v1/"):
        return "openai"
    if path == "/" and method == "POST":
        return "analyticdb"
    return "qdrant"


def refusal(method: str, path: str, status: int, message: str, adb_code: str, qdrant_prefix: str = "") -> Response:
    """``message`` as the request's dialect sends errors (a sentence for OpenAI and
    AnalyticDB, Qdrant's text after ``qdrant_prefix``)."""
    dialect = dialect_of(method, path)
    if dialect == "openai":
        return openai_error(status, message + ".")
    if dialect == "analyticdb":
        return failure(AdbError(adb_code, message + ".", status))
    return qdrant_error(status, qdrant_prefix + message, time.perf_counter())


class TrackedSend:
    """``send`` that remembers whether the response has started: a middleware that refuses
    a request part way (its body too large or corrupt) can answer only while it has not."""

    def __init__(self, send: Send) -> None:
        self._send = send
        self.started = False

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.started = True
        await self._send(message)
