"""Collection, shard and full snapshots: tar archives of flushed collection directories.

A collection snapshot holds the collection directory (config, segments and WAL) as of a
flush taken under the collection lock, so it is consistent; recovering it installs that
directory under the target name and loads it like a restart would (WAL replay included).
A single-node collection has one shard (id 0) whose snapshot has the same content; a
custom-sharded collection has one shard per shard key (``engine.keyed``), whose snapshot holds
that shard alone and recovers into that shard only.
"""

from __future__ import annotations

import builtins
import re
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from vecbase.core.errors import BadRequestError, NotFoundError
from vecbase.engine.collection import Collection
from vecbase.engine.keyed import KeyedCollection
from vecbase.engine.toc import MAX_DIR_NAME, TableOfContent, dir_name
from vecbase.storage.archive import (
    extract_tar,
    fetch_url,
    file_size,
    make_tar,
    remove_file,
    sha256_file,
)
from vecbase.storage.files import atomic_write, ensure_dir, read_bytes_if_exists

SUFFIX = ".snapshot"
# an archive's top directory: a whole collection, or one shard of a custom-sharded one
COLLECTION_MEMBER = "collection"
SHARD_MEMBER = "shard"
_SAFE = re.compile(r"^[A-Za-z0-9._\-]+$")


@dataclass(frozen=True, slots=True)
class SnapshotInfo:
    name: str
    creation_time: str
    size: int
    checksum: str | None


class SnapshotNotFoundError(NotFoundError):
    pass


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d-%H-%M-%S-%f")


def _check_plain_shard(shard: int) -> None:
    if shard != 0:
        raise SnapshotNotFoundError(f"Shard {shard} does not exist (single-node collections have shard 0)")


def check_snapshot_name(name: str) -> None:
    if not _SAFE.match(name) or name in (".", "..") or ".." in name:
        raise BadRequestError(f"Bad request: invalid snapshot name {name!r}")


class Snapshots:
    def __init__(self, toc: TableOfContent, root: Path | None) -> None:
        self.toc = toc
        self.root = root

    # -- locations ----------------------------------------------------------------------
    def _base(self) -> Path:
        if self.root is None:
            raise BadRequestError("Bad request: snapshots need on-disk storage (this instance runs in memory)")
        return self.root

    def _collection_dir(self, name: str, shard: int | None = None) -> Path:
        d = self._base() / dir_name(name)
        return d / "shards" / str(shard) if shard is not None else d

    def _full_dir(self) -> Path:
        return self._base() / "full"

    def _describe(self, path: Path) -> SnapshotInfo:
        checksum = read_bytes_if_exists(path.with_name(path.name + ".checksum"))
        created = datetime.fromtimestamp(path.stat().st_mtime, UTC).strftime("%Y-%m-%dT%H:%M:%S")
        return SnapshotInfo(path.name, created, file_size(path), checksum.decode() if checksum else None)

    def _list(self, d: Path) -> list[SnapshotInfo]:
        if not d.exists():
            return []
        found = []
        for p in sorted(d.iterdir()):
            if p.name.endswith(SUFFIX) and p.is_file():
                try:
                    found.append(self._describe(p))
                except FileNotFoundError:  # deleted while listed (a delete with wait=false)
                    continue
        return found

    def _file(self, d: Path, snapshot: str) -> Path:
        check_snapshot_name(snapshot)
        path = d / snapshot
        if not path.is_file():
            raise SnapshotNotFoundError(f"Snapshot {snapshot} not found")
        return path

    def _finish(self, path: Path) -> SnapshotInfo:
        atomic_write(path.with_name(path.name + ".checksum"), sha256_file(path).encode())
        return self._describe(path)

    def _existing(self, name: str) -> Collection | None:
        try:
            return self.toc.get(name)
        except NotFoundError:
            return None

    def _real(self, name: str) -> str:
        self.toc.get(name)
        return self.toc.resolve(name)

    # -- collection and shard snapshots ---------------------------------------------------
    def _unit(self, name: str, shard: int | None) -> tuple[Collection, str]:
        """What a snapshot of ``shard`` holds, and its archive member: the collection (shard 0
        of a plain one, or no shard named), or one key's shard of a custom-sharded one."""
        col = self.toc.get(name)
        if shard is None:
            return col, COLLECTION_MEMBER
        if isinstance(col, KeyedCollection):
            unit = col.shard_by_id(shard)
            if unit is None:
                raise SnapshotNotFoundError(f"Shard {shard} does not exist")
            return unit, SHARD_MEMBER
        _check_plain_shard(shard)
        return col, COLLECTION_MEMBER

    def create(self, name: str, shard: int | None = None) -> SnapshotInfo:
        name = self._real(name)
        unit, member = self._unit(name, shard)
        if unit.path is None:
            raise BadRequestError("Bad request: snapshots need on-disk storage (this instance runs in memory)")
        stem = name if _SAFE.match(name) and len(name) <= MAX_DIR_NAME else dir_name(name)
        dest = self._collection_dir(name, shard) / f"{stem}-{_stamp()}{SUFFIX}"
        with unit.frozen():
            make_tar(dest, {member: unit.path})
        return self._finish(dest)

    def list(self, name: str, shard: int | None = None) -> list[SnapshotInfo]:
        name = self._real(name)
        self._unit(name, shard)
        return self._list(self._collection_dir(name, shard))

    def path(self, name: str, snapshot: str, shard: int | None = None) -> Path:
        name = self._real(name)
        self._unit(name, shard)
        return self._file(self._collection_dir(name, shard), snapshot)

    def delete(self, name: str, snapshot: str, shard: int | None = None) -> bool:
        path = self.path(name, snapshot, shard)
        remove_file(path)
        remove_file(path.with_name(path.name + ".checksum"))
        return True

    # -- recovery -------------------------------------------------------------------------
    def recover(
        self,
        name: str,
        location: str,
        checksum: str | None = None,
        api_key: str | None = None,
        shard: int | None = None,
    ) -> bool:
        """Install the snapshot at ``location`` (http(s)://, file:// or a stored name) as ``name``
        (or as its shard ``shard``)."""
        with tempfile.TemporaryDirectory(dir=ensure_dir(self._base() / "tmp")) as tmp:
            archive = Path(tmp) / "download.snapshot"
            if location.startswith(("http://", "https://")):
                fetch_url(location, archive, api_key)
            else:
                archive = self._local(location)
            return self.recover_file(name, archive, checksum, tmp, shard)

    def _local(self, location: str) -> Path:
        raw = location[len("file://") :] if location.startswith("file://") else location
        path = Path(raw)
        if not path.is_absolute():
            raise BadRequestError(
                f"Bad request: snapshot location must be a URL or an absolute file:// path: {location}"
            )
        if not path.is_file():
            raise SnapshotNotFoundError(f"Snapshot file {raw} does not exist")
        return path

    def recover_file(
        self, name: str, archive: Path, checksum: str | None, tmp: str | None = None, shard: int | None = None
    ) -> bool:
        if checksum is not None and sha256_file(archive) != checksum.lower():
            raise BadRequestError("Bad request: Snapshot checksum mismatch")
        col = self._existing(name) if shard is not None else None
        keyed = isinstance(col, KeyedCollection)
        if keyed:
            self._unit(name, shard)  # the shard must exist before anything is unpacked
        elif shard is not None:
            _check_plain_shard(shard)  # a plain collection's only shard, new or not
        member = SHARD_MEMBER if keyed else COLLECTION_MEMBER
        with tempfile.TemporaryDirectory(dir=tmp or ensure_dir(self._base() / "tmp")) as work:
            extract_tar(archive, Path(work))
            src = Path(work) / member
            if not (src / "collection.json").is_file():
                raise BadRequestError(f"Bad request: the archive is not a vecbase {member} snapshot")
            if isinstance(col, KeyedCollection) and shard is not None:
                col.replace_shard(shard, src)
            else:
                self.toc.install(name, src)  # by name: an alias never redirects a replacement
        return True

    # -- full snapshots -------------------------------------------------------------------
    def create_full(self) -> SnapshotInfo:
        members: dict[str, Path] = {}
        made: list[Path] = []
        try:
            for name in self.toc.names():
                info = self.create(name)
                path = self._collection_dir(name) / info.name
                made.append(path)
                members[f"collections/{name.encode().hex()}{SUFFIX}"] = path
            aliases = ensure_dir(self._base() / "tmp") / f"aliases-{_stamp()}.json"
            atomic_write(aliases, self.toc.aliases_json())
            members["aliases.json"] = aliases
            dest = self._full_dir() / f"full-snapshot-{_stamp()}{SUFFIX}"
            make_tar(dest, members)
            remove_file(aliases)
            return self._finish(dest)
        finally:
            for p in made:
                remove_file(p)
                remove_file(p.with_name(p.name + ".checksum"))

    def list_full(self) -> builtins.list[SnapshotInfo]:
        return self._list(self._full_dir())

    def path_full(self, snapshot: str) -> Path:
        return self._file(self._full_dir(), snapshot)

    def delete_full(self, snapshot: str) -> bool:
        path = self.path_full(snapshot)
        remove_file(path)
        remove_file(path.with_name(path.name + ".checksum"))
        return True
