"""Durability: SIGKILL at random moments loses no acknowledged write; damaged WAL tails are cut."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from vecbase import Client, models
from vecbase.core.errors import StorageLockedError

ROOT = Path(__file__).resolve().parents[2]


def _apply(state: dict[int, dict[str, Any] | None], op: dict[str, Any]) -> None:
    for i in op["ids"]:
        if op["kind"] == "upsert":
            state[i] = {"v": op["version"]}
        elif op["kind"] == "delete":
            state[i] = None
        elif state.get(i) is not None:
            state[i] = {**state[i], "s": op["version"]}  # type: ignore[dict-item]


def _observed(path: Path) -> dict[int, dict[str, Any] | None]:
    with Client(path=str(path)) as client:
        records, _ = client.scroll("crash", limit=1000, with_vectors=True)
    out: dict[int, dict[str, Any] | None] = {}
    for r in records:
        assert isinstance(r.id, int)
        assert r.vector == [float(r.id), float(r.payload["v"]), 1.0, -1.0], "vector and payload out of step"
        out[r.id] = r.payload
    return out


def test_sigkill_keeps_every_acknowledged_write(tmp_path: Path) -> None:
    rng = random.Random(1234)
    state: dict[int, dict[str, Any] | None] = {}
    rounds = 12
    for round_no in range(1, rounds + 1):
        child = subprocess.Popen(
            [sys.executable, str(ROOT / "tests" / "crash_writer.py"), str(tmp_path), str(round_no)],
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + str(ROOT)},
        )
        # start-up (imports, log replay) takes a variable time: the random stretch of writes
        # starts at the first acknowledged one
        assert child.stdout is not None
        head = []
        for line in child.stdout:
            head.append(line.rstrip("\n"))
            if line == "ACK\n":
                break
        time.sleep(rng.uniform(0.0, 1.0))
        child.send_signal(signal.SIGKILL)
        out, _ = child.communicate()
        lines = head + out.splitlines()
        pending: dict[str, Any] | None = None
        acked = 0
        for line in lines:
            if line.startswith("BEGIN "):
                pending = json.loads(line[6:])
            elif line == "ACK" and pending is not None:
                _apply(state, pending)
                pending = None
                acked += 1
        assert acked > 0, "the writer made no progress before it was killed"
        observed = _observed(tmp_path)
        maybe = dict(state)
        if pending is not None:
            _apply(maybe, pending)  # the write in flight may or may not have landed
        for pid in set(state) | set(observed) | set(maybe):
            got = observed.get(pid)
            allowed = [state.get(pid), maybe.get(pid)]
            assert got in allowed, f"round {round_no}: point {pid} is {got}, expected one of {allowed}"
        # from here on, the state on disk is the truth (the in-flight write resolved one way)
        state = {pid: observed.get(pid) for pid in set(state) | set(observed)}


def _write_some(path: Path, n: int) -> None:
    with Client(path=str(path)) as client:
        client.create_collection("w", vectors_config=models.VectorParams(size=2, distance=models.Distance.EUCLID))
        for i in range(n):
            client.upsert("w", [models.PointStruct(id=i, vector=[i, i], payload={"i": i})], wait=True)
    # as after a crash before the first flush: everything lives in the WAL only
    for seg_dir in path.rglob("segments"):
        shutil.rmtree(seg_dir)


def _wal_file(path: Path) -> Path:
    files = sorted(path.rglob("*.wal"))
    assert len(files) == 1
    return files[0]


def _damaged_copy(src: Path, dst: Path, data: bytes) -> Path:
    """A fresh copy of the pristine storage ``src`` whose WAL holds ``data``."""
    if dst.exists():
        shutil.rmtree(dst)
    shutil.copytree(src, dst)
    _wal_file(dst).write_bytes(data)
    return dst


def test_truncated_wal_tail_opens_with_every_complete_record(tmp_path: Path) -> None:
    src = tmp_path / "src"
    _write_some(src, 20)
    wal = _wal_file(src).read_bytes()
    counts = set()
    for cut in range(len(wal) - 1, 7, -max(1, len(wal) // 60)):
        work = _damaged_copy(src, tmp_path / "work", wal[:cut])
        with Client(path=str(work)) as client:
            ids = [r.id for r in client.scroll("w", limit=100)[0]]
        assert ids == list(range(len(ids))), "a gap: records after a damaged one were kept"
        assert len(ids) < 20, "a torn record was taken as complete"
        counts.add(len(ids))
    assert len(counts) > 10, "truncation points should keep different numbers of records"
    with Client(path=str(src)) as client:
        assert client.count("w").count == 20


def test_corrupted_wal_bytes_are_detected_and_cut(tmp_path: Path) -> None:
    src = tmp_path / "src"
    _write_some(src, 10)
    wal = _wal_file(src).read_bytes()
    rng = random.Random(5)
    for _ in range(30):
        pos = rng.randrange(8, len(wal))
        damaged = bytearray(wal)
        damaged[pos] ^= 0xFF
        work = _damaged_copy(src, tmp_path / "work", bytes(damaged))
        with Client(path=str(work)) as client:
            records = client.scroll("w", limit=100)[0]
        ids = [r.id for r in records]
        assert ids == list(range(len(ids))), "records after the damaged one must be cut, not kept"
        assert all(r.payload == {"i": r.id} for r in records)
        assert len(ids) < 10, "a flipped byte went unnoticed"


def test_second_process_gets_a_clear_error(tmp_path: Path) -> None:
    with Client(path=str(tmp_path)):
        with pytest.raises(StorageLockedError, match=str(tmp_path)):
            Client(path=str(tmp_path))
        with pytest.raises(RuntimeError):  # what qdrant-client's local mode raises there
            Client(path=str(tmp_path))
        code = (
            "import sys; from vecbase import Client\n"
            "try:\n    Client(path=sys.argv[1])\nexcept Exception as e:\n    print(type(e).__name__, e)\n"
        )
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
        res = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, env=env)
        assert "StorageLockedError" in res.stdout and str(tmp_path) in res.stdout


def test_flushed_segments_and_wal_tail_restore_the_same_state(tmp_path: Path) -> None:
    with Client(path=str(tmp_path)) as client:
        client.create_collection("f", vectors_config=models.VectorParams(size=3, distance=models.Distance.COSINE))
        client.upsert("f", [models.PointStruct(id=i, vector=[1, i, 2], payload={"i": i}) for i in range(50)])
        client._toc.flush_all()  # segments on disk, the WAL truncated behind them
        client.delete("f", models.PointIdsList(points=[3, 4]))
        client.set_payload("f", {"x": 1}, [5])
        before = client.scroll("f", limit=100, with_vectors=True)[0]
    with Client(path=str(tmp_path)) as client:
        after = client.scroll("f", limit=100, with_vectors=True)[0]
    assert [(r.id, r.payload, r.vector) for r in before] == [(r.id, r.payload, r.vector) for r in after]
    assert len(after) == 48
