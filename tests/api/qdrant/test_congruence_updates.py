"""Congruence of writes: the differential state machine (every kind of update, then reads that
compare the whole state) with our server, through qdrant-client over REST, as the subject.

Server behaviour kept on purpose (local mode differs): facet needs a payload index, so the
facet keys get keyword/integer/bool indexes when the collection is created; restarts are
covered by test_server_restart.py instead of a `reopen` step.
"""

from __future__ import annotations

from typing import Any

from hypothesis import settings
from hypothesis.stateful import run_state_machine_as_test
from qdrant_client import QdrantClient
from qdrant_client import models as qm

from tests.client.test_differential import Differential
from tests.live_server import Server

FACET_INDEXES = {
    "kw": qm.PayloadSchemaType.KEYWORD,
    "tags": qm.PayloadSchemaType.KEYWORD,
    "num": qm.PayloadSchemaType.INTEGER,
    "flag": qm.PayloadSchemaType.BOOL,
}


class RestDifferential(Differential):
    URL = ""
    compared = 0
    FACET_KEYS = list(FACET_INDEXES)

    def open_subject(self) -> Any:
        return QdrantClient(url=self.URL, timeout=30)

    def subject_setup(self) -> None:
        self.vb.delete_collection("c")

    def convert(self, obj: Any) -> Any:
        return obj

    def can_reopen(self) -> bool:
        return False

    def after_create(self) -> None:
        for field, schema in FACET_INDEXES.items():
            self.vb.create_payload_index("c", field, schema, wait=True)

    def teardown(self) -> None:
        RestDifferential.compared += self.ops
        self.vb.close()
        self.qd.close()


def test_updates_through_rest_match_local_mode(server: Server) -> None:
    RestDifferential.URL = server.url
    run_state_machine_as_test(RestDifferential, settings=settings(max_examples=30, stateful_step_count=40))
    assert RestDifferential.compared > 500


class GrpcDifferential(RestDifferential):
    """The same state machine through qdrant-client's gRPC transport (``prefer_grpc``)."""

    HOST = ("127.0.0.1", 0, 0)
    EMPTY_PAYLOAD_IS_NONE = True

    def open_subject(self) -> Any:
        host, port, grpc_port = self.HOST
        return QdrantClient(host=host, port=port, grpc_port=grpc_port, prefer_grpc=True, timeout=30)

    def teardown(self) -> None:
        GrpcDifferential.compared += self.ops
        self.vb.close()
        self.qd.close()


def test_updates_through_grpc_match_local_mode(server: Server) -> None:
    GrpcDifferential.HOST = ("127.0.0.1", server.port, server.grpc_port)
    GrpcDifferential.compared = 0
    run_state_machine_as_test(GrpcDifferential, settings=settings(max_examples=20, stateful_step_count=40))
    assert GrpcDifferential.compared > 300
