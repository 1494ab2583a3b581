"""Embedded SQL databases (SQLite files, or in memory): the one place that opens them."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from vecbase.storage.files import ensure_dir


def open_database(path: Path | None) -> sqlite3.Connection:
    """A connection usable from any thread (callers serialise their use), in WAL mode with
    full fsync, LIKE case-sensitive as PostgreSQL's."""
    if path is not None:
        ensure_dir(path.parent)
    db = sqlite3.connect(str(path) if path is not None else ":memory:", check_same_thread=False)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = FULL")
    db.execute("PRAGMA case_sensitive_like = ON")
    return db
