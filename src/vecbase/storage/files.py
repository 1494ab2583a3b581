"""Atomic files and directories, numpy arrays on disk, and the storage owner lock."""

from __future__ import annotations

import fcntl
import io
import os
import shutil
from pathlib import Path
from typing import IO

import numpy as np
import numpy.typing as npt

from vecbase.core.errors import StorageLockedError

# beside a directory: its old copy while a new one replaces it, and a directory being removed
_OLD = ".old"
DELETED = ".deleted"


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def ensure_dir(path: Path) -> Path:
    if not path.is_dir():
        path.mkdir(parents=True, exist_ok=True)
        fsync_dir(path.parent)
    return path


def atomic_write(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` so that a crash leaves either the old or the new file."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        discard(tmp)  # a disk that filled up gets its space back
        raise
    os.replace(tmp, path)
    fsync_dir(path.parent)


def discard(path: Path) -> None:
    """Remove what a failed write left (a file or a directory), ignoring errors: the write's
    own error is the one to report."""
    try:
        if path.is_dir():
            shutil.rmtree(path)
        else:
            os.remove(path)
    except OSError:
        pass


def read_bytes(path: Path) -> bytes:
    return path.read_bytes()


def map_readonly(path: Path) -> npt.NDArray[np.uint8]:
    """The file's bytes mapped read-only: pages come from the page cache on demand and count
    as evictable file memory, not process heap. Valid while the array (or a view of it)
    lives, also after the file is replaced or removed (the mapping keeps the old inode)."""
    return np.memmap(path, dtype=np.uint8, mode="r")


def read_bytes_if_exists(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def array_bytes(array: npt.NDArray[np.generic]) -> bytes:
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=False)
    return buf.getvalue()


def write_dir(path: Path, files: dict[str, bytes]) -> None:
    """Create or replace directory ``path`` holding ``files``, atomically: a crash leaves the
    old directory or the new one whole (``settle_dir`` picks it up at the next open)."""
    tmp, old = _tmp_of(path), _old_of(path)
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    try:
        for name, data in files.items():
            with open(tmp / name, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
        fsync_dir(tmp)
    except BaseException:
        discard(tmp)  # a disk that filled up gets its space back
        raise
    if not path.exists():
        os.replace(tmp, path)
        fsync_dir(path.parent)
        return
    # the old directory is set aside whole, not removed in place: a crash part way through a
    # removal would leave it with some of its files
    if old.exists():
        shutil.rmtree(old)
    os.replace(path, old)
    os.replace(tmp, path)
    fsync_dir(path.parent)
    shutil.rmtree(old)


def settle_dir(path: Path) -> None:
    """``path`` whole again after a crash inside ``write_dir``, and its leftovers removed.

    Missing with both the new (``.tmp``) and the old (``.old``) directory beside it: the
    crash came between the two renames, after the new one was complete, so it takes the
    place. A ``.tmp`` beside an existing directory is an unfinished write, an ``.old`` one a
    removal that did not finish: both go."""
    tmp, old = _tmp_of(path), _old_of(path)
    if not path.exists() and old.exists():
        os.replace(tmp if tmp.exists() else old, path)
        fsync_dir(path.parent)
    if path.exists():
        for leftover in (tmp, old):
            if leftover.exists():
                shutil.rmtree(leftover)


def replace_dir(src: Path, path: Path) -> None:
    """Put the complete directory ``src`` (on the same file system) in the place of ``path``,
    which may not exist: a crash leaves the old directory or the new one, never neither
    (``settle_dir`` restores the old one when the new one never arrived)."""
    old = _old_of(path)
    if old.exists():
        shutil.rmtree(old)
    if path.exists():
        os.replace(path, old)
    else:
        ensure_dir(path.parent)
    os.replace(src, path)
    fsync_dir(path.parent)
    if old.exists():
        shutil.rmtree(old)


def _tmp_of(path: Path) -> Path:
    return path.with_name(path.name + ".tmp")


def _old_of(path: Path) -> Path:
    return path.with_name(path.name + _OLD)


def load_array(path: Path, mapped: bool = False) -> npt.NDArray[np.generic]:
    """An array file's contents; ``mapped``: a read-only mapping of it instead of a copy."""
    return np.load(path, allow_pickle=False, mmap_mode="r" if mapped else None)  # type: ignore[no-any-return]


def remove_tree(path: Path) -> None:
    """Remove a directory durably, all or nothing: renamed aside first (a crash part way
    through the removal of its files must not leave a collection or segment with some of
    them), then removed; ``stored_dirs`` finishes a removal a crash interrupted."""
    if not path.exists():
        return
    if path.name.endswith(DELETED):
        shutil.rmtree(path)
        return
    aside = path.with_name(path.name + DELETED)
    if aside.exists():
        shutil.rmtree(aside)
    os.replace(path, aside)
    fsync_dir(path.parent)
    shutil.rmtree(aside)


def remove_file(path: Path) -> None:
    """Remove one file, durably; nothing when it is already gone."""
    try:
        os.remove(path)
    except FileNotFoundError:
        return
    fsync_dir(path.parent)


def list_dirs(path: Path) -> list[Path]:
    if not path.is_dir():
        return []
    return sorted(p for p in path.iterdir() if p.is_dir())


def stored_dirs(path: Path) -> list[Path]:
    """The directories of a storage folder (collections, segments, shards), sorted, once
    what a crash interrupted is settled: a removal by ``remove_tree`` is finished, and a
    replacement by ``write_dir`` or ``replace_dir`` leaves the old or the new directory."""
    for p in list_dirs(path):
        if p.name.endswith(DELETED):
            shutil.rmtree(p, ignore_errors=True)
        elif p.name.endswith(_OLD):
            settle_dir(p.with_name(p.name[: -len(_OLD)]))
    return list_dirs(path)


class DirectoryLock:
    """An exclusive advisory lock that makes one process the owner of a storage directory."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[bytes] | None = None

    def acquire(self) -> None:
        ensure_dir(self.path)
        f = open(self.path / ".lock", "ab")
        try:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.close()
            raise StorageLockedError(str(self.path)) from None
        self._file = f

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None


def read_zip_members(path: Path, names: list[str]) -> dict[str, bytes]:
    """The named members of a zip archive (a model packaged as one file), those present."""
    import zipfile

    with zipfile.ZipFile(path) as archive:
        present = set(archive.namelist())
        return {name: archive.read(name) for name in names if name in present}
