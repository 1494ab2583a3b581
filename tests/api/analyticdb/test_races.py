"""Calls racing a DeleteCollection of the same collection answer the dialect's own errors
(found by a concurrent stress run, where both answered 500 InternalError)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vecbase.api.analyticdb.service import AnalyticDBService, run_action
from vecbase.api.analyticdb.wire import AdbError, Params
from vecbase.engine.toc import TableOfContent
from vecbase.inference.registry import REGISTRY

NS = {"Namespace": "ns", "NamespacePassword": "pw"}


@pytest.fixture
def svc(tmp_path: Path) -> AnalyticDBService:
    toc = TableOfContent(tmp_path / "storage", flush_interval=None)
    service = AnalyticDBService(toc, tmp_path / "adb", REGISTRY)
    run_action(service, "InitVectorDatabase", Params({}))
    run_action(service, "CreateNamespace", Params(NS))
    create = {**NS, "Collection": "c", "Dimension": "2", "Metadata": json.dumps({"y": "int"})}
    run_action(service, "CreateCollection", Params(create))
    return service


def _refused(svc: AnalyticDBService, action: str, values: dict[str, str]) -> AdbError:
    with pytest.raises(AdbError) as caught:
        run_action(svc, action, Params(values))
    return caught.value


def test_a_write_to_a_collection_dropped_after_its_lookup_is_not_found(
    svc: AnalyticDBService, monkeypatch: pytest.MonkeyPatch
) -> None:
    looked_up = svc.collection_of

    def dropped_meanwhile(p: Params) -> object:
        found = looked_up(p)
        svc.toc.delete(found[0].engine_name)
        return found

    monkeypatch.setattr(svc, "collection_of", dropped_meanwhile)
    rows = json.dumps([{"Id": "r1", "Vector": [1.0, 0.0], "Metadata": {"y": 1}}])
    refused = _refused(svc, "UpsertCollectionData", {**NS, "Collection": "c", "Rows": rows})
    assert (refused.code, refused.status) == ("Collection.NotFound", 404)
    assert refused.message == "Collection c does not exist."


def test_a_create_while_a_delete_still_removes_the_collection_conflicts(svc: AnalyticDBService) -> None:
    schema, _ = svc.collection_of(Params({**NS, "Collection": "c"}))
    svc.tenancy.remove_schema(schema)  # a DeleteCollection between its two steps
    create = {**NS, "Collection": "c", "Dimension": "2", "Metadata": json.dumps({"y": "int"})}
    refused = _refused(svc, "CreateCollection", create)
    assert (refused.code, refused.status) == ("Collection.AlreadyExists", 409)
    # the refused create left no schema behind: once the delete finishes, the name is free
    svc.toc.delete(schema.engine_name)
    run_action(svc, "CreateCollection", Params(create))
