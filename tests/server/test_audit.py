"""The audit log: one JSON line per request, with the credential kind and never a key."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from tests.live_server import Server


def test_audit_lines(tmp_path: Path) -> None:
    log = tmp_path / "audit.log"
    env = {
        "VECBASE__AUDIT__ENABLED": "true",
        "VECBASE__AUDIT__PATH": str(log),
        "VECBASE__SERVICE__API_KEY": "secret-full",
        "VECBASE__SERVICE__READ_ONLY_API_KEY": "secret-read",
    }
    server = Server(tmp_path / "storage")
    server.start(env=env)
    try:
        with httpx.Client(base_url=server.url) as http:
            http.put(
                "/collections/c", json={"vectors": {"size": 2, "distance": "Dot"}}, headers={"api-key": "secret-full"}
            )
            http.get("/collections", headers={"api-key": "secret-read"})
            http.delete("/collections/c", headers={"api-key": "secret-read"})
            http.get("/collections", headers={"api-key": "wrong"})
            http.get("/v1/vector_stores", headers={"Authorization": "Bearer secret-full", "OpenAI-Project": "p1"})
    finally:
        server.stop()
    text = log.read_text()
    assert "secret" not in text
    entries = [json.loads(line) for line in text.splitlines() if '"/readyz"' not in line]
    got = [(e["dialect"], e["method"], e["path"], e["status"], e["credential"]) for e in entries]
    assert got == [
        ("qdrant", "PUT", "/collections/c", 200, "api_key"),
        ("qdrant", "GET", "/collections", 200, "read_only_api_key"),
        ("qdrant", "DELETE", "/collections/c", 403, "read_only_api_key"),
        ("qdrant", "GET", "/collections", 401, "none"),
        ("openai", "GET", "/v1/vector_stores", 200, "api_key"),
    ]
    assert entries[-1]["project"] == "p1" and entries[0]["remote"] == "127.0.0.1" and entries[0]["time"].endswith("Z")
