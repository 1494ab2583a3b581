"""Compressed request bodies: ``Content-Encoding: gzip`` or ``deflate``, as Qdrant's HTTP
server takes them, inflated before any dialect reads the body.

Inflating happens in bounded steps (at most ``STEP`` bytes out per read), under the body
size limit, which counts the inflated bytes: a small compressed body that inflates past
``service.max_request_size_mb`` ends with 413 after that many bytes, not after all of them.
A body that is not what its encoding says is a 400; an encoding not supported here, a 415;
both in the request's dialect's envelope.
"""

from __future__ import annotations

import zlib

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vecbase.server.dialects import TrackedSend, refusal

STEP = 1 << 20
_INFLATED = frozenset({b"gzip", b"x-gzip", b"deflate"})


class _Corrupt(BaseException):
    """Raised from ``receive``: a BaseException, so that the dialects' handlers, which turn
    every Exception into their error envelope, let it reach this middleware."""


class DecompressMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        coding = None
        if scope["type"] == "http":
            coding = next((v for k, v in scope["headers"] if k == b"content-encoding"), None)
        name = coding.strip().lower() if coding is not None else b"identity"
        if name == b"identity":
            await self.app(scope, receive, send)
            return
        path, method = scope["path"], scope["method"]
        if name not in _INFLATED:
            text = name.decode("latin-1")
            message = f"Unsupported Content-Encoding `{text}`: send the body as is, gzip or deflate"
            await refusal(method, path, 415, message, "UnsupportedMediaType")(scope, receive, send)
            return
        # the length announced is the compressed one: the body limit counts what is read here
        headers = [(k, v) for k, v in scope["headers"] if k not in (b"content-encoding", b"content-length")]
        inflater = zlib.decompressobj(wbits=zlib.MAX_WBITS | 32)  # gzip or zlib framing
        pending = b""
        last = done = False
        seen = 0

        async def inflating_receive() -> Message:
            nonlocal pending, last, done, seen
            if done:  # the body is over: what follows (a disconnect) comes from the server
                return await receive()
            while True:
                if pending:
                    try:
                        out = inflater.decompress(pending, STEP)
                    except zlib.error:
                        raise _Corrupt from None
                    pending = inflater.unconsumed_tail
                    if out:
                        return {"type": "http.request", "body": out, "more_body": True}
                if last:
                    if not inflater.eof and seen:  # an empty body is empty in any encoding
                        raise _Corrupt
                    done = True
                    return {"type": "http.request", "body": b"", "more_body": False}
                message = await receive()
                if message["type"] != "http.request":
                    return message
                pending = message.get("body", b"")
                seen += len(pending)
                last = not message.get("more_body", False)

        tracked = TrackedSend(send)
        try:
            await self.app({**scope, "headers": headers}, inflating_receive, tracked)
        except _Corrupt:
            if not tracked.started:
                text = f"the body is not valid {name.decode('latin-1')} data"
                response = refusal(method, path, 400, text, "InvalidParameter", "Format error in JSON body: ")
                await response(scope, receive, send)
