"""Write-ahead log: numbered files of length-framed, CRC-checked records.

File layout: an 8-byte magic carrying the format version, then records
``[u32 body length][u32 crc32(seq || body)][u64 seq][body]``. Sequence numbers increase
by one across files; a file is named after the first sequence number it may hold.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

from vecbase.core.errors import StorageError, StorageIOError
from vecbase.storage.files import ensure_dir, fsync_dir

log = logging.getLogger("vecbase.wal")

MAGIC = b"VBWAL\x00\x00\x01"
_FRAME = struct.Struct("<IIQ")
_SEQ = struct.Struct("<Q")
MAX_RECORD = 1 << 31


@dataclass(frozen=True, slots=True)
class WalRecord:
    seq: int
    body: bytes


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        if n <= 0:  # a regular file accepts at least one byte or raises
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        view = view[n:]


def _file_name(first_seq: int) -> str:
    return f"{first_seq:020d}.wal"


class Wal:
    """Append-only log in ``path``; ``open`` validates it and cuts a damaged tail."""

    def __init__(self, path: Path, capacity_bytes: int = 32 << 20) -> None:
        self.path = ensure_dir(path)
        self.capacity = capacity_bytes
        self._fd: int | None = None
        self._size = 0  # bytes of whole records (and the header) in the tail file
        self._torn = False  # the tail file may hold part of a failed append past _size
        self._files: list[int] = []  # first seq of each file, ascending
        self.last_seq = 0
        self._records: list[WalRecord] = []
        self._scan()

    # -- opening --------------------------------------------------------------
    def _scan(self) -> None:
        names = sorted(p.name for p in self.path.iterdir() if p.suffix == ".wal")
        self._files = [int(n.split(".")[0]) for n in names]
        records: list[WalRecord] = []
        for i, first in enumerate(self._files):
            file_path = self.path / _file_name(first)
            good, file_records, reason = self._read_file(file_path)
            records.extend(file_records)
            if reason is not None:
                log.warning(
                    "WAL %s: %s at byte %d; the log is cut there (%d complete records kept)",
                    file_path,
                    reason,
                    good,
                    len(records),
                )
                with open(file_path, "r+b") as f:
                    f.truncate(max(good, len(MAGIC)))
                    if good < len(MAGIC):
                        f.seek(0)
                        f.write(MAGIC)
                    os.fsync(f.fileno())
                for later in self._files[i + 1 :]:
                    os.remove(self.path / _file_name(later))
                fsync_dir(self.path)
                self._files = self._files[: i + 1]
                break
        self._records = records
        if records:
            self.last_seq = records[-1].seq
        elif self._files:
            self.last_seq = self._files[-1] - 1

    def _read_file(self, path: Path) -> tuple[int, list[WalRecord], str | None]:
        data = path.read_bytes()
        if len(data) < len(MAGIC) or data[: len(MAGIC)] != MAGIC:
            if data[:5] == MAGIC[:5] and len(data) >= len(MAGIC):
                raise StorageError(f"WAL file {path} has an unsupported format version")
            return 0, [], "missing or torn file header"
        pos = len(MAGIC)
        records: list[WalRecord] = []
        expected = self.last_seq + 1 if self.last_seq else None
        while pos < len(data):
            if pos + _FRAME.size > len(data):
                return pos, records, "torn record header"
            length, crc, seq = _FRAME.unpack_from(data, pos)
            end = pos + _FRAME.size + length
            if end > len(data):
                return pos, records, "torn record body"
            body = data[pos + _FRAME.size : end]
            if zlib.crc32(body, zlib.crc32(_SEQ.pack(seq))) != crc:
                return pos, records, "checksum mismatch"
            if expected is not None and seq != expected:
                return pos, records, f"sequence gap (expected {expected}, found {seq})"
            records.append(WalRecord(seq, body))
            self.last_seq = seq
            expected = seq + 1
            pos = end
        return pos, records, None

    def take_records(self) -> list[WalRecord]:
        """The complete records found at open (once; frees them afterwards)."""
        records, self._records = self._records, []
        return records

    # -- writing --------------------------------------------------------------
    def _open_tail(self) -> int:
        if self._fd is None:
            if not self._files:
                self._start_file(self.last_seq + 1)
            else:
                path = self.path / _file_name(self._files[-1])
                try:
                    fd = os.open(path, os.O_WRONLY | os.O_APPEND)
                except OSError as e:
                    raise StorageIOError.of(e) from e
                try:
                    if self._torn:
                        os.ftruncate(fd, self._size)
                    else:
                        self._size = os.fstat(fd).st_size
                except OSError as e:
                    os.close(fd)
                    raise StorageIOError.of(e) from e
                self._fd, self._torn = fd, False
        assert self._fd is not None
        return self._fd

    def _start_file(self, first_seq: int) -> None:
        if self._fd is not None:
            try:
                os.fsync(self._fd)
            except OSError as e:
                raise StorageIOError.of(e) from e
            os.close(self._fd)
            self._fd = None
        path = self.path / _file_name(first_seq)
        try:
            # truncated: a file left by a start that failed holds no record yet
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND, 0o644)
        except OSError as e:
            raise StorageIOError.of(e) from e
        try:
            _write_all(fd, MAGIC)
            os.fsync(fd)
            fsync_dir(self.path)
        except OSError as e:
            os.close(fd)
            # a file without its whole header would cut the log at the next open: leave none
            with contextlib.suppress(OSError):
                os.remove(path)
            raise StorageIOError.of(e) from e
        self._fd = fd
        self._files.append(first_seq)
        self._size = len(MAGIC)

    def append(self, body: bytes) -> int:
        """Write one record (to the OS, not yet fsynced) and return its sequence number.

        A write that fails part way (the disk is full) leaves no part of its frame behind:
        the next record must follow the last whole one, or the next open would cut the log
        at the torn frame and lose every record written after it."""
        if len(body) >= MAX_RECORD:
            raise StorageError("WAL record too large")
        fd = self._open_tail()
        if self._size > len(MAGIC) and self._size + len(body) > self.capacity:
            self._start_file(self.last_seq + 1)
            fd = self._open_tail()
        seq = self.last_seq + 1
        crc = zlib.crc32(body, zlib.crc32(_SEQ.pack(seq)))
        frame = _FRAME.pack(len(body), crc, seq) + body
        try:
            _write_all(fd, frame)
        except OSError as e:
            self._cut_tail()
            raise StorageIOError.of(e) from e
        self._size += len(frame)
        self.last_seq = seq
        return seq

    def _cut_tail(self) -> None:
        """After a failed append: the file back to its last whole record. Where even that
        fails, the file is closed and the next append cuts it when it reopens it."""
        assert self._fd is not None
        try:
            os.ftruncate(self._fd, self._size)
        except OSError:
            log.exception("WAL %s: could not cut a failed append", self.path)
            os.close(self._fd)
            self._fd, self._torn = None, True

    def sync(self) -> None:
        """fsync everything appended so far."""
        if self._fd is not None:
            try:
                os.fsync(self._fd)
            except OSError as e:
                raise StorageIOError.of(e) from e

    def truncate_before(self, seq: int) -> None:
        """Drop whole files whose records all precede ``seq`` (they are persisted elsewhere)."""
        while len(self._files) > 1 and self._files[1] <= seq:
            os.remove(self.path / _file_name(self._files.pop(0)))
        fsync_dir(self.path)

    def close(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            try:
                os.fsync(fd)
            except OSError as e:
                raise StorageIOError.of(e) from e
            finally:
                os.close(fd)
