"""With an access key pair configured the SDK's ACS3-HMAC-SHA256 signature is verified; with
a manager account configured, management calls must name it."""

from __future__ import annotations

import json
from typing import Iterator

import pytest
from alibabacloud_gpdb20160503 import models as m
from alibabacloud_gpdb20160503.client import Client
from alibabacloud_tea_openapi import models as om
from Tea.exceptions import TeaException

from tests.live_server import Server

BASE = {"dbinstance_id": "gp", "region_id": "local"}
ENV = {
    "VECBASE__ANALYTICDB__ACCESS_KEY_ID": "LTAI-test",
    "VECBASE__ANALYTICDB__ACCESS_KEY_SECRET": "the-secret",
    "VECBASE__ANALYTICDB__MANAGER_ACCOUNT": "admin",
    "VECBASE__ANALYTICDB__MANAGER_ACCOUNT_PASSWORD": "admin-pw",
    "VECBASE__SERVICE__API_KEY": "qdrant-key",
}


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = Server(tmp_path_factory.mktemp("signed") / "storage")
    server.start(env=ENV)
    try:
        yield server
    finally:
        server.stop()


def sdk(server: Server, key: str = "LTAI-test", secret: str = "the-secret") -> Client:
    config = om.Config(
        access_key_id=key, access_key_secret=secret, endpoint=f"127.0.0.1:{server.port}", protocol="http"
    )
    return Client(config)


def test_signature_and_manager_account(signed: Server) -> None:
    good = sdk(signed)
    good.init_vector_database(
        m.InitVectorDatabaseRequest(**BASE, manager_account="admin", manager_account_password="admin-pw")
    )
    good.create_namespace(
        m.CreateNamespaceRequest(
            **BASE,
            manager_account="admin",
            manager_account_password="admin-pw",
            namespace="n1",
            namespace_password="p1",
        )
    )
    good.create_collection(
        m.CreateCollectionRequest(
            **BASE,
            manager_account="admin",
            manager_account_password="admin-pw",
            namespace="n1",
            collection="c",
            dimension=2,
            metadata=json.dumps({"title": "text", "note": "varchar(20)"}),
        )
    )
    rows = [
        m.UpsertCollectionDataRequestRows(id="a b+c/d", vector=[1.0, 0.0], metadata={"title": "x y", "note": "a+b"})
    ]
    good.upsert_collection_data(
        m.UpsertCollectionDataRequest(**BASE, namespace="n1", namespace_password="p1", collection="c", rows=rows)
    )
    hits = good.query_collection_data(
        m.QueryCollectionDataRequest(
            **BASE,
            namespace="n1",
            namespace_password="p1",
            collection="c",
            vector=[1.0, 0.0],
            top_k=1,
            filter="note = 'a+b'",
        )
    ).body.matches.match
    assert [h.id for h in hits] == ["a b+c/d"]
    for client in (sdk(signed, secret="wrong"), sdk(signed, key="other")):
        with pytest.raises(TeaException) as info:
            client.list_namespaces(
                m.ListNamespacesRequest(**BASE, manager_account="admin", manager_account_password="admin-pw")
            )
        assert info.value.statusCode == 403
    with pytest.raises(TeaException) as info:
        good.list_namespaces(m.ListNamespacesRequest(**BASE, manager_account="admin", manager_account_password="nope"))
    assert info.value.statusCode == 403 and info.value.code == "InvalidManagerAccount"
