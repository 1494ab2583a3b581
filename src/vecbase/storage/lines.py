"""Append-only text logs: one line per record, flushed per line (not fsynced: a log of what
happened, not data)."""

from __future__ import annotations

import threading
from pathlib import Path

from vecbase.storage.files import ensure_dir


class LineLog:
    def __init__(self, path: Path) -> None:
        ensure_dir(path.parent)
        self._file = open(path, "a", encoding="utf-8")  # noqa: SIM115 (held open for the process)
        self._lock = threading.Lock()

    def write(self, line: str) -> None:
        with self._lock:
            self._file.write(line + "\n")
            self._file.flush()

    def close(self) -> None:
        with self._lock:
            self._file.close()
