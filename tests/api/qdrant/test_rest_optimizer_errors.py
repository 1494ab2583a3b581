"""A failed optimization, as Qdrant reports one: the collection turns red and its
``optimizer_status`` carries the error, until an optimization completes again."""

from __future__ import annotations

import errno
import os
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from starlette.testclient import TestClient

from vecbase.api.qdrant import models as m
from vecbase.api.qdrant.grpc.collections import info_out
from vecbase.engine import optimizer
from vecbase.server.app import create_app
from vecbase.server.settings import Settings

FAILURE = "Service internal error: File IO error: No space left on device (os error 28)"


def info_when(http: TestClient, done: Any) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while True:
        info: dict[str, Any] = http.get("/collections/t").json()["result"]
        if done(info):
            return info
        assert time.monotonic() < deadline, info["status"]
        time.sleep(0.05)


def test_a_failed_optimization_turns_the_collection_red_until_one_succeeds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_build = optimizer._build

    def disk_full(*args: Any) -> bool:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(optimizer, "_build", disk_full)
    rng = np.random.default_rng(3)
    with TestClient(create_app(Settings(storage_path=str(tmp_path / "s")))) as http:
        body = {"vectors": {"size": 8, "distance": "Dot"}, "optimizers_config": {"indexing_threshold": 64}}
        assert http.put("/collections/t", json=body).status_code == 200
        points = [{"id": i, "vector": rng.normal(size=8).tolist()} for i in range(2100)]
        assert http.put("/collections/t/points?wait=true", json={"points": points}).status_code == 200

        failed = info_when(http, lambda i: i["status"] == "red")
        assert failed["optimizer_status"] == {"error": FAILURE}
        assert failed["points_count"] == 2100  # reads and writes go on
        telemetry = http.get("/telemetry").json()["result"]["collections"]["collections"]
        assert telemetry[0]["optimizers_status"] == {"error": FAILURE}

        monkeypatch.setattr(optimizer, "_build", real_build)  # the disk has room again: the next pass
        recovered = info_when(http, lambda i: i["status"] == "green")
        assert recovered["optimizer_status"] == "ok"
        assert recovered["indexed_vectors_count"] == 2100


def test_grpc_reports_the_failure_in_its_optimizer_status(tmp_path: Path) -> None:
    with TestClient(create_app(Settings(storage_path=str(tmp_path / "s")))) as http:
        assert http.put("/collections/t", json={"vectors": {"size": 4, "distance": "Dot"}}).status_code == 200
        info = m.CollectionInfo.model_validate(http.get("/collections/t").json()["result"])
    assert info_out(info).optimizer_status.ok is True
    info.status, info.optimizer_status = m.CollectionStatus.RED, {"error": FAILURE}
    message = info_out(info)
    assert (message.optimizer_status.ok, message.optimizer_status.error) == (False, FAILURE)
    assert message.status == 3  # qdrant.CollectionStatus.Red
