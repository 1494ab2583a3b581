"""The write-ahead log when the disk fills up: a failed append leaves no part of its record
behind, so the records acknowledged after it survive the next open."""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Any, Callable

import pytest

from vecbase.core.errors import StorageIOError
from vecbase.storage import wal as wal_module
from vecbase.storage.wal import Wal

REAL_WRITE = os.write
REAL_FTRUNCATE = os.ftruncate


def bodies(path: Path) -> list[tuple[int, bytes]]:
    return [(r.seq, r.body) for r in Wal(path).take_records()]


def disk_full_after(allowed: int) -> Callable[[int, Any], int]:
    """An ``os.write`` that writes ``allowed`` more bytes, then fails as a full disk does: a
    short count first, ENOSPC on the next call."""
    left = [allowed]

    def write(fd: int, data: Any) -> int:
        if left[0] <= 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        n = REAL_WRITE(fd, bytes(data)[: left[0]])
        left[0] -= n
        return n

    return write


def test_a_torn_append_is_cut_and_later_records_survive(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = Wal(tmp_path)
    assert log.append(b"first") == 1
    monkeypatch.setattr(wal_module.os, "write", disk_full_after(10))
    with pytest.raises(StorageIOError, match=r"^File IO error: No space left on device \(os error 28\)$"):
        log.append(b"x" * 1000)
    monkeypatch.setattr(wal_module.os, "write", REAL_WRITE)
    assert log.append(b"second") == 2  # space freed: the next write goes on from the last whole record
    log.sync()
    log.close()
    assert bodies(tmp_path) == [(1, b"first"), (2, b"second")]


def test_a_tail_that_cannot_be_cut_at_once_is_cut_on_the_next_append(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = Wal(tmp_path)
    log.append(b"first")

    def no_truncate(fd: int, length: int) -> None:
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(wal_module.os, "write", disk_full_after(5))
    monkeypatch.setattr(wal_module.os, "ftruncate", no_truncate)
    with pytest.raises(StorageIOError):
        log.append(b"y" * 100)
    monkeypatch.setattr(wal_module.os, "write", REAL_WRITE)
    with pytest.raises(StorageIOError, match=r"Input/output error \(os error 5\)"):
        log.append(b"refused")  # the torn bytes are still there: nothing may follow them
    monkeypatch.setattr(wal_module.os, "ftruncate", REAL_FTRUNCATE)
    assert log.append(b"second") == 2
    log.close()
    assert bodies(tmp_path) == [(1, b"first"), (2, b"second")]


def test_a_new_file_that_cannot_take_its_header_is_not_left_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = Wal(tmp_path, capacity_bytes=64)
    log.append(b"a" * 40)
    monkeypatch.setattr(wal_module.os, "write", disk_full_after(3))
    with pytest.raises(StorageIOError):
        log.append(b"b" * 40)  # past the capacity: a new file, whose header does not fit
    assert sorted(p.name for p in tmp_path.iterdir()) == ["00000000000000000001.wal"]
    monkeypatch.setattr(wal_module.os, "write", REAL_WRITE)
    assert log.append(b"c" * 40) == 2
    log.append(b"d")
    log.close()
    assert bodies(tmp_path) == [(1, b"a" * 40), (2, b"c" * 40), (3, b"d")]


def test_without_a_failure_the_log_reads_back_whole(tmp_path: Path) -> None:
    log = Wal(tmp_path, capacity_bytes=100)
    for i in range(20):
        assert log.append(bytes([i]) * (i + 1)) == i + 1
    log.close()
    assert bodies(tmp_path) == [(i + 1, bytes([i]) * (i + 1)) for i in range(20)]
