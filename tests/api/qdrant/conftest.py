"""Fixtures of the Qdrant dialect's REST tests: one HTTP client per module, on the module's
server (``tests/conftest.py``)."""

from __future__ import annotations

from typing import Iterator

import httpx
import pytest

from tests.live_server import Server


@pytest.fixture(scope="module")
def http(server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=60) as client:
        yield client
