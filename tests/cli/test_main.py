"""``vecbase serve`` on a storage it cannot open: one line on stderr and exit code 1, not a
traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from vecbase import Client, models
from vecbase.engine.toc import dir_name

ROOT = Path(__file__).resolve().parents[2]


def _serve(storage: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    cmd = [sys.executable, "-m", "vecbase", "serve", "--port", "0", "--grpc-port", "null", "--path", str(storage)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env)


def test_a_damaged_collection_stops_the_start_with_one_line(tmp_path: Path) -> None:
    with Client(path=str(tmp_path)) as client:
        client.create_collection("bad", vectors_config=models.VectorParams(size=2, distance=models.Distance.DOT))
        client.upsert("bad", [models.PointStruct(id=1, vector=[1.0, 2.0])])
    next((tmp_path / "collections" / dir_name("bad") / "segments").glob("*/v0.npy")).write_bytes(b"damaged")
    done = _serve(tmp_path)
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("vecbase: cannot open the storage: Collection `bad` cannot be loaded from ")
    assert last.endswith("Restore it from a snapshot, or move its directory out of the storage to start without it")
    assert "Traceback" not in done.stderr


def test_a_locked_storage_stops_the_start_with_one_line(tmp_path: Path) -> None:
    with Client(path=str(tmp_path)):  # holds the storage's lock
        done = _serve(tmp_path)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1].startswith("vecbase: cannot open the storage: Storage folder ")
    assert "Traceback" not in done.stderr
