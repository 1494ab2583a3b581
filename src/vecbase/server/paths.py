"""Request paths as Qdrant reads them: repeated slashes merged and a trailing slash trimmed
before routing, so ``/collections/`` and ``//collections`` answer as ``/collections`` does
(Qdrant's ``NormalizePath::trim``) instead of a redirect or a 404.

The dashboard keeps its paths: its static files are served under ``/dashboard/``.
"""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Receive, Scope, Send

from vecbase.server.dashboard import PREFIX as DASHBOARD

_SLASHES = re.compile(r"//+")


def normalized(path: str) -> str:
    if path.startswith(DASHBOARD):
        return path
    if "//" in path:
        path = _SLASHES.sub("/", path)
    if len(path) > 1 and path.endswith("/"):
        path = path.rstrip("/") or "/"
    return path


class NormalizePathMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = scope["path"]
            fixed = normalized(path)
            if fixed != path:
                scope = {**scope, "path": fixed}
                raw = scope.get("raw_path")
                if isinstance(raw, bytes):  # percent-escapes kept: "%2F" is no separator
                    scope["raw_path"] = normalized(raw.decode("latin-1")).encode("latin-1")
        await self.app(scope, receive, send)
