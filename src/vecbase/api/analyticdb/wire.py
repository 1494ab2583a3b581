"""AnalyticDB's RPC wire: ``POST /`` with the action in ``x-acs-action`` (or ``Action``),
parameters merged from the query string and a form body, complex values as JSON strings,
booleans in any case; responses ``{"RequestId", "Status": "success", ...}`` and errors
``{"RequestId", "Code", "Message"}`` with a 4xx status (the SDK raises them with that code)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Mapping

import orjson
from starlette.responses import Response


class AdbError(Exception):
    """A refused request: ``code`` is AnalyticDB's error code, ``status`` the HTTP status."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def now_text() -> str:
    """A time as AnalyticDB's job and document records show it (UTC)."""
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")


def request_id() -> str:
    return str(uuid.uuid4()).upper()


def ok(body: Mapping[str, Any]) -> Response:
    out = {"RequestId": request_id(), "Status": "success", **body}
    return Response(orjson.dumps(out), media_type="application/json")


def failure(exc: AdbError) -> Response:
    out = {"RequestId": request_id(), "Code": exc.code, "Message": exc.message, "Status": "fail"}
    return Response(orjson.dumps(out), status_code=exc.status, media_type="application/json")


class Params:
    """The request's parameters, read with the type each one has on the wire."""

    def __init__(self, values: Mapping[str, str]) -> None:
        self.values = dict(values)

    def text(self, name: str, default: str | None = None, required: bool = False) -> str | None:
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise AdbError(
                    "MissingParameter",
                    f"The input parameter {name} that is mandatory for processing this request is not supplied.",
                )
            return default
        return value

    def required(self, name: str) -> str:
        value = self.text(name, required=True)
        assert value is not None
        return value

    def integer(
        self, name: str, default: int | None = None, low: int | None = None, high: int | None = None
    ) -> int | None:
        raw = self.text(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise AdbError("InvalidParameter", f"The parameter {name} must be an integer, got {raw!r}.") from None
        if (low is not None and value < low) or (high is not None and value > high):
            bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
            raise AdbError("InvalidParameter", f"The parameter {name} must be {bounds}, got {value}.")
        return value

    def number(self, name: str) -> float | None:
        raw = self.text(name)
        if raw is None:
            return None
        try:
            return float(raw)
        except ValueError:
            raise AdbError("InvalidParameter", f"The parameter {name} must be a number, got {raw!r}.") from None

    def boolean(self, name: str, default: bool = False) -> bool:
        raw = self.text(name)
        if raw is None:
            return default
        lowered = raw.strip().lower()
        if lowered in ("true", "1"):
            return True
        if lowered in ("false", "0"):
            return False
        raise AdbError("InvalidParameter", f"The parameter {name} must be true or false, got {raw!r}.")

    def json(self, name: str) -> Any:
        raw = self.text(name)
        if raw is None:
            return None
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise AdbError("InvalidParameter", f"The parameter {name} must be valid JSON.") from None

    def names(self, name: str) -> list[str]:
        """A comma-separated list."""
        raw = self.text(name)
        return [part.strip() for part in raw.split(",") if part.strip()] if raw else []
