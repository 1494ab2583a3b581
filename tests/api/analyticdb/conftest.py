"""The AnalyticDB dialect through Alibaba Cloud's SDK (``alibabacloud-gpdb20160503``, a test
dependency only) against the module's server."""

from __future__ import annotations

from typing import Any

import pytest
from alibabacloud_gpdb20160503 import models as m
from alibabacloud_gpdb20160503.client import Client
from alibabacloud_tea_openapi import models as om

from tests.live_server import Server

BASE = {"dbinstance_id": "gp-local", "region_id": "cn-hangzhou"}
MANAGER = {"manager_account": "admin", "manager_account_password": "admin-pw"}
NS = "tests"
PASSWORD = "ns-secret"


def sdk(server: Server) -> Client:
    config = om.Config(
        access_key_id="ak",
        access_key_secret="sk",
        endpoint=f"127.0.0.1:{server.port}",
        protocol="http",
        region_id="cn-hangzhou",
        # the SDK's default 10 s read timeout fails a document upload on a busy CI machine
        # (local embedding runs inside the call); the server's own limits still apply
        read_timeout=60_000,
    )
    return Client(config)


@pytest.fixture(scope="module")
def client(server: Server) -> Client:
    c = sdk(server)
    c.init_vector_database(m.InitVectorDatabaseRequest(**BASE, **MANAGER))
    c.create_namespace(m.CreateNamespaceRequest(**BASE, **MANAGER, namespace=NS, namespace_password=PASSWORD))
    return c


def data(**kwargs: Any) -> dict[str, Any]:
    """The common arguments of a data call in the test namespace."""
    return {**BASE, "namespace": NS, "namespace_password": PASSWORD, **kwargs}
