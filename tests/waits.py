"""Waiting on an embedded client's background work."""

from __future__ import annotations

import time

from vecbase import Client, models


def wait_green(client: Client, name: str, timeout: float = 180) -> models.CollectionInfo:
    """The collection's info once the optimizer has nothing left to do; fails after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        info = client.get_collection(name)
        if info.status == models.CollectionStatus.GREEN:
            return info
        time.sleep(0.05)
    raise AssertionError(f"collection {name} still {client.get_collection(name).status}")
