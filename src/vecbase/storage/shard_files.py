"""Raw, read-only access to the files under one directory (a collection's storage), for
tooling that copies or inspects it: list, stat and read byte ranges. Paths are relative to
the directory and may not leave it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class FileEntry:
    path: str  # relative, "/"-separated
    size: int
    modified: float  # seconds since the epoch


class OutsideRoot(ValueError):
    """A path that resolves outside the directory."""


def resolve(root: Path, relative: str) -> Path:
    base = root.resolve()
    target = (base / relative).resolve()
    if target != base and base not in target.parents:
        raise OutsideRoot(f"path {relative!r} is outside the shard directory")
    return target


def list_files(root: Path, prefix: str = "") -> list[FileEntry]:
    base = root.resolve()
    out: list[FileEntry] = []
    if not base.is_dir():
        return out
    for folder, _, names in os.walk(base):
        for name in names:
            full = Path(folder) / name
            relative = full.relative_to(base).as_posix()
            if not relative.startswith(prefix):
                continue
            try:
                stat = full.stat()
            except FileNotFoundError:  # removed while listing (segments come and go)
                continue
            out.append(FileEntry(relative, stat.st_size, stat.st_mtime))
    return sorted(out, key=lambda e: e.path)


def file_exists(root: Path, relative: str) -> bool:
    return resolve(root, relative).is_file()


def file_length(root: Path, relative: str) -> int:
    return resolve(root, relative).stat().st_size


def read_range(root: Path, relative: str, offset: int, length: int | None = None) -> bytes:
    with open(resolve(root, relative), "rb") as f:
        f.seek(offset)
        return f.read() if length is None else f.read(length)
