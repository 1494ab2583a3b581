"""Fixtures of the vector-stores dialect's tests: the official ``openai`` client (a test
dependency only) on the module's server, and helpers to wait for ingestion."""

from __future__ import annotations

from typing import Iterator

import httpx
import openai
import pytest

from tests.live_server import Server


@pytest.fixture(scope="module")
def client(server: Server) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=server.url + "/v1", api_key="unused", max_retries=0, timeout=60) as c:
        yield c


@pytest.fixture(scope="module")
def http(server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url + "/v1", timeout=60) as c:
        yield c
