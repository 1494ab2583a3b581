"""The catalog: the records of the document layer (files, vector stores, their files and
batches) as tables of JSON objects, durable through a write-ahead log.

Every change is one WAL record (``{"t": table, "k": key, "v": value}``, ``v`` null for a
removal), fsynced before ``put`` / ``remove`` return, so an acknowledged change survives power
loss. Past ``compact_every`` records the whole state is written as a snapshot (atomic rename)
and the WAL files it covers are dropped; opening reads the snapshot, then replays the newer
records. Without a path the catalog lives in memory.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Iterator

import orjson

from vecbase.storage.files import atomic_write, ensure_dir, read_bytes_if_exists
from vecbase.storage.wal import Wal

_SNAPSHOT = "catalog.json"


class Catalog:
    def __init__(self, path: Path | None, compact_every: int = 4096) -> None:
        self.path = path
        self.lock = threading.RLock()
        self._tables: dict[str, dict[str, dict[str, Any]]] = {}
        self._wal: Wal | None = None
        self._compact_every = compact_every
        self._since_snapshot = 0
        if path is None:
            return
        ensure_dir(path)
        raw = read_bytes_if_exists(path / _SNAPSHOT)
        snapshot_seq = 0
        if raw is not None:
            state = orjson.loads(raw)
            self._tables = state["tables"]
            snapshot_seq = int(state["seq"])
        self._wal = Wal(path / "wal", capacity_bytes=8 << 20)
        for record in self._wal.take_records():
            if record.seq > snapshot_seq:
                self._apply(orjson.loads(record.body))
                self._since_snapshot += 1

    def _apply(self, change: dict[str, Any]) -> None:
        table = self._tables.setdefault(change["t"], {})
        if change["v"] is None:
            table.pop(change["k"], None)
        else:
            table[change["k"]] = change["v"]

    def _log(self, changes: list[dict[str, Any]]) -> None:
        if not changes:
            return
        for change in changes:
            self._apply(change)
        if self._wal is None:
            return
        for change in changes:
            self._wal.append(orjson.dumps(change))
        self._wal.sync()
        self._since_snapshot += len(changes)
        if self._since_snapshot >= self._compact_every:
            self._snapshot()

    def _snapshot(self) -> None:
        assert self._wal is not None and self.path is not None
        seq = self._wal.last_seq
        atomic_write(self.path / _SNAPSHOT, orjson.dumps({"seq": seq, "tables": self._tables}))
        self._wal.truncate_before(seq + 1)
        self._since_snapshot = 0

    def put(self, table: str, key: str, value: dict[str, Any]) -> None:
        with self.lock:
            self._log([{"t": table, "k": key, "v": value}])

    def put_many(self, table: str, items: dict[str, dict[str, Any]]) -> None:
        """Several records of one table in one fsync."""
        with self.lock:
            self._log([{"t": table, "k": k, "v": v} for k, v in items.items()])

    def remove(self, table: str, key: str) -> None:
        with self.lock:
            if key in self._tables.get(table, {}):
                self._log([{"t": table, "k": key, "v": None}])

    def remove_many(self, table: str, keys: list[str]) -> None:
        """Several removals from one table in one fsync."""
        with self.lock:
            present = self._tables.get(table, {})
            self._log([{"t": table, "k": k, "v": None} for k in keys if k in present])

    def get(self, table: str, key: str) -> dict[str, Any] | None:
        with self.lock:
            return self._tables.get(table, {}).get(key)

    def values(self, table: str) -> Iterator[dict[str, Any]]:
        """A snapshot of the table's records (safe to iterate while others write)."""
        with self.lock:
            return iter(list(self._tables.get(table, {}).values()))

    def close(self) -> None:
        with self.lock:
            if self._wal is not None:
                self._snapshot()
                self._wal.close()
                self._wal = None
