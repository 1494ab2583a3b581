"""The same credentials against the vector-stores and AnalyticDB dialects: a store is a
collection (its id), an AnalyticDB collection the engine collection ``adb__<ns>__<name>``.
Each route / action has an access class (see ``tests/server/authz.py``); the answer to each
credential follows from it, in the dialect's own envelope."""

from __future__ import annotations

import json
from typing import Any, Iterator
from urllib.parse import urlencode

import httpx
import pytest

from tests.live_server import Server
from tests.server.authz import ENV, KEY, NAMES, credentials, expected, verdict

ANCHOR = "anchor"
ADB_THIS, ADB_OTHER = "adb__ns__this", "adb__ns__other"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, dict[str, str]]]:
    storage = tmp_path_factory.mktemp("rbac-dialects") / "storage"
    server = Server(storage)
    server.start(env=ENV)
    ids: dict[str, str] = {}
    full = {"api-key": KEY}
    with httpx.Client(base_url=server.url, headers=full, timeout=60) as http:
        http.put(f"/collections/{ANCHOR}", json={"vectors": {"size": 2, "distance": "Dot"}}).raise_for_status()
        http.put(
            f"/collections/{ANCHOR}/points?wait=true",
            json={"points": [{"id": 1, "vector": [1, 0], "payload": {"city": "x"}}]},
        ).raise_for_status()
        for name in ("this", "other"):
            ids[name] = http.post("/v1/vector_stores", json={"name": name}).json()["id"]
        ids["file"] = http.post(
            "/v1/files", files={"file": ("a.txt", b"cats sleep all day")}, data={"purpose": "assistants"}
        ).json()["id"]
        http.post(f"/v1/vector_stores/{ids['this']}/files", json={"file_id": ids["file"]}).raise_for_status()
        adb(http, "InitVectorDatabase", ManagerAccount="m", ManagerAccountPassword="p")
        adb(http, "CreateNamespace", Namespace="ns", NamespacePassword="pw")
        for name in ("this", "other"):
            adb(
                http,
                "CreateCollection",
                Collection=name,
                Dimension=2,
                Metrics="ip",
                Metadata=json.dumps({"city": "text"}),
            )
            adb(
                http,
                "UpsertCollectionData",
                Collection=name,
                Rows=json.dumps([{"Id": "a", "Vector": [1, 0], "Metadata": {"city": "x"}}]),
            )
    try:
        yield server, ids
    finally:
        server.stop()


def adb(http: httpx.Client, action: str, key: str | None = KEY, **params: Any) -> httpx.Response:
    values = {"Namespace": "ns", "NamespacePassword": "pw", **{k: str(v) for k, v in params.items()}}
    headers = {"x-acs-action": action, "content-type": "application/x-www-form-urlencoded"}
    if key is not None:
        headers["api-key"] = key
    r = http.post("/", content=urlencode(values), headers=headers)
    if key == KEY:
        assert r.status_code == 200, r.text
    return r


def openai_routes(ids: dict[str, str]) -> list[tuple[str, str, str, Any]]:
    s = f"/v1/vector_stores/{ids['this']}"
    f = ids["file"]
    return [
        ("M", "POST", "/v1/files", "upload"),  # global write: m
        ("G", "GET", "/v1/files", None),
        ("G", "GET", f"/v1/files/{f}", None),
        ("M", "DELETE", "/v1/files/file-nope", None),
        ("G", "GET", f"/v1/files/{f}/content", None),
        ("M", "POST", "/v1/vector_stores", {"name": "scratch"}),
        ("L", "GET", "/v1/vector_stores", None),
        ("R", "GET", s, None),
        ("WX", "POST", s, {"metadata": {"k": "v"}}),
        ("M", "DELETE", "/v1/vector_stores/vs_nope", None),
        ("W", "POST", s + "/files", {"file_id": f}),
        ("R", "GET", s + "/files", None),
        ("R", "GET", f"{s}/files/{f}", None),
        ("W", "POST", f"{s}/files/{f}", {"attributes": {"k": "v"}}),
        ("W", "DELETE", f"{s}/files/file-nope", None),
        ("R", "GET", f"{s}/files/{f}/content", None),
        ("W", "POST", s + "/file_batches", {"file_ids": [f]}),
        ("R", "GET", s + "/file_batches/vsfb_nope", None),
        ("W", "POST", s + "/file_batches/vsfb_nope/cancel", None),
        ("R", "GET", s + "/file_batches/vsfb_nope/files", None),
        ("R", "POST", s + "/search", {"query": "cats"}),
    ]


ADB_ACTIONS: list[tuple[str, str, dict[str, Any]]] = [
    ("M", "CreateNamespace", {"Namespace": "scratch", "ManagerAccount": "m", "ManagerAccountPassword": "p"}),
    ("G", "DescribeNamespace", {"ManagerAccount": "m", "ManagerAccountPassword": "p"}),
    ("G", "ListNamespaces", {"ManagerAccount": "m", "ManagerAccountPassword": "p"}),
    ("M", "DeleteNamespace", {"Namespace": "nope", "ManagerAccount": "m", "ManagerAccountPassword": "p"}),
    ("M", "CreateCollection", {"Collection": "scratch", "Dimension": 2, "ManagerAccount": "m"}),
    ("R", "DescribeCollection", {"Collection": "this"}),
    ("G", "ListCollections", {}),
    ("M", "DeleteCollection", {"Collection": "nope", "ManagerAccount": "m", "ManagerAccountPassword": "p"}),
    ("WX", "CreateIndex", {"Collection": "this", "IndexField": "city"}),
    ("W", "UpsertCollectionData", {"Collection": "this", "Rows": json.dumps([{"Id": "b", "Vector": [0, 1]}])}),
    ("W", "DeleteCollectionData", {"Collection": "this", "CollectionDataFilter": "city = 'nowhere'"}),
    ("W", "UpdateCollectionDataMetadata", {"Collection": "this", "Ids": '["b"]', "Metadata": '{"city": "y"}'}),
    ("R", "QueryCollectionData", {"Collection": "this", "Vector": "[1, 0]", "TopK": 1}),
    ("W", "UpsertCollectionDataAsync", {"Collection": "this", "FileUrl": "file:///nonexistent.jsonl"}),
    ("R", "GetUpsertCollectionDataJob", {"Collection": "this", "JobId": "nope"}),
    ("W", "CancelUpsertCollectionDataJob", {"Collection": "this", "JobId": "nope"}),
    ("M", "InitVectorDatabase", {"ManagerAccount": "m", "ManagerAccountPassword": "p"}),
    ("M", "ModifyCollection", {"Collection": "nope", "Metadata": '{"a": "text"}'}),
    ("WX", "CreateVectorIndex", {"Collection": "this", "Dimension": 2, "Type": "Dense"}),
    ("WX", "DeleteVectorIndex", {"Collection": "this", "Type": "Sparse"}),
    ("M", "ExecuteStatement", {"Database": "ns", "SecretArn": "pw", "Sql": "CREATE TABLE IF NOT EXISTS t (a int)"}),
    # any credential: these touch no data
    ("L", "TextEmbedding", {"Input": '["hello"]'}),
    ("L", "Rerank", {"Query": "q", "Documents": '["a"]'}),
    ("M", "CreateDocumentCollection", {"Collection": "docs_scratch", "ManagerAccount": "m"}),
    ("G", "ListDocumentCollections", {}),
    ("M", "DeleteDocumentCollection", {"Collection": "nope", "ManagerAccount": "m"}),
    ("W", "UpsertChunks", {"Collection": "this", "TextChunks": '[{"Content": "x"}]'}),
    ("W", "UploadDocumentAsync", {"Collection": "this", "FileUrl": "file:///nonexistent.txt", "FileName": "x.txt"}),
    ("R", "GetUploadDocumentJob", {"Collection": "this", "JobId": "nope"}),
    ("W", "CancelUploadDocumentJob", {"Collection": "this", "JobId": "nope"}),
    ("R", "ListDocuments", {"Collection": "this"}),
    ("R", "DescribeDocument", {"Collection": "this", "FileName": "x.txt"}),
    ("W", "DeleteDocument", {"Collection": "this", "FileName": "x.txt"}),
    ("R", "QueryContent", {"Collection": "this", "Content": "cats", "TopK": 1}),
]


def test_the_tables_cover_every_route_and_action() -> None:
    from vecbase.api.analyticdb.rbac import RULES as ADB_RULES
    from vecbase.api.openai.rbac import RULES as OPENAI_RULES

    assert {action for _, action, _ in ADB_ACTIONS} == set(ADB_RULES) and len(
        ADB_RULES
    ) == 34  # the 33 vector operations and ExecuteStatement
    assert len(openai_routes({"this": "vs", "other": "vs2", "file": "f"})) == len(OPENAI_RULES) == 21


@pytest.mark.parametrize("name", NAMES)
def test_vector_stores_by_credential(server: tuple[Server, dict[str, str]], name: str) -> None:
    live, ids = server
    key, grant = credentials(ids["this"], ids["other"], ANCHOR)[name]
    wrong = []
    with httpx.Client(base_url=live.url, timeout=60) as http:
        for kind, method, path, body in openai_routes(ids):
            headers = {"authorization": f"Bearer {key}"} if key is not None else {}
            if body == "upload":
                r = http.post(path, headers=headers, files={"file": ("b.txt", b"dogs")}, data={"purpose": "assistants"})
            else:
                r = http.request(method, path, headers=headers, json=body)
            want = expected(kind, grant, ids["this"])
            envelope_ok = r.status_code not in (401, 403) or "error" in r.json()
            if not verdict(r.status_code, want) or not envelope_ok:
                wrong.append(f"{method} {path}: {r.status_code} (want {want or 'allowed'}) {r.text[:120]}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("name", NAMES)
def test_analyticdb_by_credential(server: tuple[Server, dict[str, str]], name: str) -> None:
    live, _ = server
    key, grant = credentials(ADB_THIS, ADB_OTHER, ANCHOR)[name]
    wrong = []
    with httpx.Client(base_url=live.url, timeout=60) as http:
        for kind, action, params in ADB_ACTIONS:
            r = adb_any_with(http, action, key, **params)
            want = expected(kind, grant, ADB_THIS)
            envelope_ok = r.status_code not in (401, 403) or {"RequestId", "Code", "Message"} <= set(r.json())
            if not verdict(r.status_code, want) or not envelope_ok:
                wrong.append(f"{action}: {r.status_code} (want {want or 'allowed'}) {r.text[:120]}")
    assert not wrong, "\n".join(wrong)


def test_refusals_in_each_envelope(server: tuple[Server, dict[str, str]]) -> None:
    live, ids = server
    creds = credentials(ids["this"], ids["other"], ANCHOR)
    with httpx.Client(base_url=live.url) as http:
        scoped = {"authorization": f"Bearer {creds['jwt_this_r'][0]}"}
        listed = http.get("/v1/vector_stores", headers=scoped).json()
        assert [s["id"] for s in listed["data"]] == [ids["this"]]
        r = http.post(f"/v1/vector_stores/{ids['this']}/files", headers=scoped, json={"file_id": ids["file"]})
        assert r.status_code == 403 and r.json()["error"]["message"] == (
            f"Write access to collection {ids['this']} is required."
        )
        r = http.get("/v1/files", headers={"authorization": f"Bearer {creds['jwt_expired'][0]}"})
        assert r.status_code == 403 and r.json()["error"]["message"] == "ExpiredSignature."
        r = adb_any_with(
            http, "QueryCollectionData", creds["jwt_other_r"][0], Collection="this", Vector="[1,0]", TopK=1
        )
        assert r.status_code == 403 and r.json()["Code"] == "Forbidden"
        assert r.json()["Message"] == f"Access to collection {ADB_THIS} is required."


def adb_any_with(http: httpx.Client, action: str, key: str | None, **params: Any) -> httpx.Response:
    """An action as ``key`` sends it, whatever it answers."""
    values = {"Namespace": "ns", "NamespacePassword": "pw", **{k: str(v) for k, v in params.items()}}
    headers = {"x-acs-action": action, "content-type": "application/x-www-form-urlencoded"}
    if key is not None:
        headers["api-key"] = key
    return http.post("/", content=urlencode(values), headers=headers)
