"""Vector stores survive restarts with identical answers, and a server killed mid-ingestion
resumes: no file stays ``in_progress``."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import openai

from tests.live_server import Server

WORDS = "river mountain forest ocean desert valley island canyon glacier meadow".split()


def client(server: Server) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.url + "/v1", api_key="unused", max_retries=0, timeout=60)


def test_restart_gives_identical_answers(tmp_path: Path) -> None:
    storage = tmp_path / "storage"
    server = Server(storage).start()
    try:
        c = client(server)
        batch = c.vector_stores.file_batches
        store = c.vector_stores.create(name="kept", metadata={"a": "b"})
        files = [(f"d{i}.txt", f"{WORDS[i]} and {WORDS[(i + 3) % 10]} in document {i}".encode()) for i in range(10)]
        done = batch.upload_and_poll(vector_store_id=store.id, files=files)
        assert done.file_counts.completed == 10
        before = c.vector_stores.search(vector_store_id=store.id, query="mountain valley").model_dump()
        stores_before = c.vector_stores.list().model_dump()
        files_before = c.files.list().model_dump()
    finally:
        server.stop()
    server.start()
    try:
        c = client(server)
        assert c.vector_stores.search(vector_store_id=store.id, query="mountain valley").model_dump() == before
        assert c.files.list().model_dump() == files_before
        after = c.vector_stores.list().model_dump()
        for s in after["data"] + stores_before["data"]:
            s.pop("last_active_at"), s.pop("expires_at")  # the search touched the store
        assert after == stores_before
    finally:
        server.stop()


def test_kill_during_ingestion_leaves_nothing_stuck(tmp_path: Path) -> None:
    storage = tmp_path / "storage"
    server = Server(storage).start()
    c = client(server)
    store = c.vector_stores.create(name="crash")
    text = " ".join(WORDS * 60)
    ids = [c.files.create(file=(f"big{i}.txt", f"{i} {text}".encode()), purpose="assistants").id for i in range(24)]
    batch = c.vector_stores.file_batches.create(vector_store_id=store.id, file_ids=ids)
    assert batch.status == "in_progress"
    server.stop(signal.SIGKILL)
    server.start()
    try:
        c = client(server)
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            current = c.vector_stores.file_batches.retrieve(batch.id, vector_store_id=store.id)
            if current.status != "in_progress":
                break
            time.sleep(0.2)
        assert current.status == "completed"
        states = {f.status for f in c.vector_stores.files.list(vector_store_id=store.id, limit=100)}
        assert states == {"completed"}
        hits = c.vector_stores.search(vector_store_id=store.id, query="glacier meadow", max_num_results=50)
        assert {h.file_id for h in hits.data} == set(ids)
    finally:
        server.stop()
