"""Snapshot archives: tar files of storage directories, their checksums, and safe extraction."""

from __future__ import annotations

import hashlib
import http.client
import os
import tarfile
import urllib.request
from pathlib import Path
from typing import IO

from vecbase.core.errors import BadRequestError, StorageError
from vecbase.storage.files import discard, ensure_dir, fsync_dir

CHUNK = 1 << 20


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


def make_tar(dest: Path, members: dict[str, Path]) -> None:
    """Write ``members`` (archive name -> file or directory) to ``dest`` atomically."""
    ensure_dir(dest.parent)
    tmp = dest.with_name(dest.name + ".tmp")
    try:
        with tarfile.open(tmp, "w") as tar:
            for arcname, src in members.items():
                tar.add(src, arcname=arcname)
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
    except BaseException:
        discard(tmp)  # a disk that filled up gets its space back
        raise
    os.replace(tmp, dest)
    fsync_dir(dest.parent)


def extract_tar(archive: Path, dest: Path) -> None:
    """Extract into ``dest``, refusing links, devices and paths that escape it."""
    ensure_dir(dest)
    try:
        with tarfile.open(archive, "r") as tar:
            root = dest.resolve()
            for member in tar.getmembers():
                target = (dest / member.name).resolve()
                if not (member.isfile() or member.isdir()) or not target.is_relative_to(root):
                    raise BadRequestError(f"Bad request: snapshot contains an unsafe entry {member.name!r}")
            tar.extractall(dest, filter="data")
    except tarfile.TarError as e:
        raise BadRequestError(f"Bad request: not a valid snapshot archive: {e}") from None


def save_stream(dest: Path, stream: IO[bytes]) -> None:
    ensure_dir(dest.parent)
    try:
        with open(dest, "wb") as f:
            while chunk := stream.read(CHUNK):
                f.write(chunk)
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        discard(dest)  # no partial archive stays behind
        raise


def fetch_url(url: str, dest: Path, api_key: str | None = None) -> None:
    """Download an http(s) URL to ``dest`` (snapshot recovery from another server)."""
    req = urllib.request.Request(url, headers={"api-key": api_key} if api_key else {})
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:  # noqa: S310 - scheme checked by the caller
            save_stream(dest, resp)
    except (OSError, ValueError, http.client.HTTPException) as e:
        raise BadRequestError(f"Bad request: cannot download snapshot from {url}: {e}") from None


def file_size(path: Path) -> int:
    return path.stat().st_size


def remove_file(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass
    except OSError as e:
        raise StorageError(f"cannot remove {path}: {e}") from None


def move_tree(src: Path, dest: Path) -> None:
    os.replace(src, dest)
    fsync_dir(dest.parent)
