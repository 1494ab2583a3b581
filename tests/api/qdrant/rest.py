"""Helpers of the Qdrant dialect's REST tests: Qdrant's envelope, unwrapped."""

from __future__ import annotations

from typing import Any

import httpx


def ok(r: httpx.Response) -> Any:
    """The ``result`` of a 200 response."""
    assert r.status_code == 200, r.text
    return r.json()["result"]


def error(r: httpx.Response, status: int) -> str:
    """The error text of a response that must have ``status``."""
    assert r.status_code == status, r.text
    return str(r.json()["status"]["error"])
