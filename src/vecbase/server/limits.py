"""Request size limits, checked before a body is read, answered in each dialect's envelope.

``service.max_request_size_mb`` (Qdrant's setting, default 32) bounds every request but file
uploads of the vector-stores dialect (``POST /v1/files``), which ``openai.max_upload_size_mb``
bounds (default 512, OpenAI's per-file limit). A request announcing a larger body gets 413
without its body being read; a body that grows past the limit while streaming ends with 413
too.
"""

from __future__ import annotations

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vecbase.server.dialects import TrackedSend, refusal


def too_large(path: str, method: str, size: int | None, limit: int) -> Response:
    seen = f"{size} bytes" if size is not None else "the body"
    message = f"Payload too large: {seen} is larger than allowed (limit: {limit} bytes)"
    return refusal(method, path, 413, message, "RequestTooLarge")


class _TooLarge(BaseException):
    """Raised from ``receive``: a BaseException, so that the dialects' handlers, which turn
    every Exception into their error envelope, let it reach this middleware."""


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, max_request_bytes: int, max_upload_bytes: int) -> None:
        self.app = app
        self.max_request = max_request_bytes
        self.max_upload = max_upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path, method = scope["path"], scope["method"]
        limit = self.max_upload if (path == "/v1/files" and method == "POST") else self.max_request
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            await too_large(path, method, int(length), limit)(scope, receive, send)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooLarge
            return message

        tracked = TrackedSend(send)
        try:
            await self.app(scope, counting_receive, tracked)
        except _TooLarge:
            if not tracked.started:
                await too_large(path, method, None, limit)(scope, receive, send)
