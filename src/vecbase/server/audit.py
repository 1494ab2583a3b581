"""The audit log (``audit.enabled``, off by default): one JSON line per request with when,
who (the credential kind that authorised it, and the remote address), what (dialect, method,
path, AnalyticDB action) and the outcome (status). Keys and bodies are never written."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vecbase.server.dialects import dialect_of
from vecbase.storage.lines import LineLog


class AuditMiddleware:
    def __init__(self, app: ASGIApp, path: Path) -> None:
        self.app = app
        self.log = LineLog(path)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def tracking_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        finally:
            headers = dict(scope.get("headers") or [])
            client = scope.get("client")
            entry = {
                "time": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                "dialect": dialect_of(scope["method"], scope["path"]),
                "method": scope["method"],
                "path": scope["path"],
                "action": headers.get(b"x-acs-action", b"").decode("latin-1") or None,
                "status": status,
                "credential": (scope.get("state") or {}).get("vecbase_credential", "none"),
                "subject": (scope.get("state") or {}).get("vecbase_subject"),
                "project": headers.get(b"openai-project", b"").decode("latin-1") or None,
                "remote": client[0] if client else None,
                "duration_ms": round((time.perf_counter() - started) * 1e3, 3),
            }
            self.log.write(orjson.dumps(entry).decode())
