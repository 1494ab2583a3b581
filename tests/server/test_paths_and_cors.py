"""Qdrant's HTTP edge: paths normalized before routing (``/collections/`` and ``//collections``
answer as ``/collections``) and permissive CORS for browser clients, preflights answered
before the API key is checked; ``service.enable_cors: false`` turns CORS off."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.live_server import Server

ORIGIN = "http://app.example"


def test_paths_and_cors(tmp_path: Path) -> None:
    server = Server(tmp_path / "storage")
    server.start(env={"QDRANT__SERVICE__API_KEY": "secret"})
    try:
        with httpx.Client(base_url=server.url, headers={"api-key": "secret"}) as http:
            http.put("/collections/c/", json={"vectors": {"size": 2, "distance": "Dot"}}).raise_for_status()
            for path in ("/collections", "/collections/", "//collections", "/collections//"):
                response = http.get(server.url + path)  # absolute: the client keeps "//" then
                assert response.status_code == 200, path
                assert [c["name"] for c in response.json()["result"]["collections"]] == ["c"]
            assert http.get("/v1/vector_stores/").status_code == 200
            assert http.get("/dashboard/").status_code == 200  # the dashboard keeps its paths
            answered = http.get("/collections", headers={"Origin": ORIGIN})
            assert answered.headers["access-control-allow-origin"] == ORIGIN
            assert answered.headers["access-control-allow-credentials"] == "true"
        # a browser's preflight carries no key
        preflight = httpx.options(
            server.url + "/collections/c/points/query",
            headers={
                "Origin": ORIGIN,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "api-key,content-type",
            },
        )
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == ORIGIN
        assert "POST" in preflight.headers["access-control-allow-methods"]
        assert preflight.headers["access-control-allow-headers"] == "api-key,content-type"
        # the key is still required for the call itself, and the refusal carries CORS headers
        refused = httpx.get(server.url + "/collections", headers={"Origin": ORIGIN})
        assert refused.status_code == 401 and refused.headers["access-control-allow-origin"] == ORIGIN
    finally:
        server.stop()


def test_cors_can_be_turned_off(tmp_path: Path) -> None:
    server = Server(tmp_path / "storage")
    server.start(env={"VECBASE__SERVICE__ENABLE_CORS": "false"})
    try:
        response = httpx.get(server.url + "/collections", headers={"Origin": ORIGIN})
        assert response.status_code == 200 and "access-control-allow-origin" not in response.headers
    finally:
        server.stop()
