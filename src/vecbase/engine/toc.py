"""The table of contents: every collection of one storage directory, and the aliases."""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from pathlib import Path
from typing import Iterable

import orjson

from vecbase.core.config import CollectionConfig
from vecbase.core.errors import BadRequestError, CollectionNotFoundError, ConflictError, StorageError
from vecbase.engine.collection import CONFIG_FILE, Collection
from vecbase.engine.keyed import new_collection, open_collection
from vecbase.engine.optimizer import Optimizer
from vecbase.storage import memory
from vecbase.storage.files import (
    DirectoryLock,
    atomic_write,
    ensure_dir,
    read_bytes_if_exists,
    remove_tree,
    replace_dir,
    stored_dirs,
)

log = logging.getLogger("vecbase.toc")
_BAD_NAME = re.compile(r"[/\\\x00]")
# file systems allow 255 bytes per path component; names past this are stored by digest
MAX_DIR_NAME = 200
# in a digest-named collection directory: the collection's name
NAME_FILE = "collection_name"


def dir_name(name: str) -> str:
    """The directory name of a collection (and of its snapshots): the name's UTF-8 bytes in
    hex, which keeps any name (unicode, dots) a valid, unambiguous file name; for a name too
    long for that, ``_`` and a digest of it, with the name kept in ``NAME_FILE`` inside."""
    hexed = name.encode().hex()
    return hexed if len(hexed) <= MAX_DIR_NAME else "_" + hashlib.sha256(name.encode()).hexdigest()


def check_name(name: str) -> None:
    if not name or len(name) > 255 or _BAD_NAME.search(name) or name in (".", ".."):
        raise BadRequestError(f"Validation error: collection name `{name}` is not valid")


class TableOfContent:
    """Owns a storage directory (or nothing, in memory) and the collections in it."""

    def __init__(
        self,
        path: str | Path | None,
        flush_interval: float | None = 5.0,
        compact_memory: bool = False,
        max_collections: int | None = None,
    ) -> None:
        """``compact_memory``: one malloc arena for the process (embedded use: a small footprint
        inside the host application); a server keeps per-thread arenas, which its concurrent
        request threads need for write throughput."""
        self.path = Path(path) if path is not None else None
        # storage.max_collections: creating one more is refused (every dialect creates here)
        self.max_collections = max_collections
        self.lock = threading.RLock()
        self.collections: dict[str, Collection] = {}
        self.aliases: dict[str, str] = {}
        self._dir_lock: DirectoryLock | None = None
        self._stop = threading.Event()
        self._flusher: threading.Thread | None = None
        if compact_memory:
            memory.single_arena()
        self.optimizer = Optimizer(lambda: [u for c in list(self.collections.values()) for u in c.units()])
        if self.path is not None:
            ensure_dir(self.path)
            self._dir_lock = DirectoryLock(self.path)
            self._dir_lock.acquire()
            try:
                self._load()
            except BaseException:
                self._dir_lock.release()
                raise
            if flush_interval:
                self._flusher = threading.Thread(
                    target=self._flush_loop, args=(flush_interval,), name="vecbase-flush", daemon=True
                )
                self._flusher.start()
        self.optimizer.start()

    # -- persistence ------------------------------------------------------------------
    def _adopt(self, col: Collection) -> Collection:
        col.on_change = self.optimizer.wake
        return col

    def _collections_dir(self) -> Path:
        assert self.path is not None
        return self.path / "collections"

    def _load(self) -> None:
        for cdir in stored_dirs(self._collections_dir()):
            if not (cdir / CONFIG_FILE).exists():
                log.warning("ignoring %s: no %s (an interrupted create or delete)", cdir, CONFIG_FILE)
                continue
            name = self._stored_name(cdir)
            if name is None:
                log.warning("ignoring %s: no %s (an interrupted create)", cdir, NAME_FILE)
                continue
            try:
                col = open_collection(name, cdir)
            except Exception as e:
                for loaded in self.collections.values():
                    loaded.close()
                self.collections.clear()
                # one message naming the collection and the way out, not a parser's traceback
                reason = str(e).rstrip(".") if isinstance(e, StorageError) else f"{type(e).__name__}: {e}".rstrip(".")
                raise StorageError(
                    f"Collection `{name}` cannot be loaded from {cdir} ({reason})."
                    " Restore it from a snapshot, or move its directory out of the storage to"
                    " start without it"
                ) from e
            self.collections[name] = self._adopt(col)
        raw = read_bytes_if_exists(self.path / "aliases.json")  # type: ignore[operator]
        if raw is not None:
            self.aliases = {k: v for k, v in orjson.loads(raw).items() if v in self.collections}
        # loading reads whole files and copies out of them (vectors, graphs): hand the freed
        # heap back, or the process keeps its load-time peak (100k x 128: ~40 MB)
        memory.release()

    @staticmethod
    def _stored_name(cdir: Path) -> str | None:
        if not cdir.name.startswith("_"):
            return bytes.fromhex(cdir.name).decode()
        raw = read_bytes_if_exists(cdir / NAME_FILE)
        return None if raw is None else raw.decode()

    @staticmethod
    def _keep_name(name: str, path: Path | None) -> None:
        """Record a digest-named directory's collection name (before the call that made the
        collection is answered: a directory without it is an interrupted create)."""
        if path is not None and path.name.startswith("_"):
            atomic_write(path / NAME_FILE, name.encode())

    def collection_dir(self, name: str) -> Path | None:
        """The directory of an existing collection's storage (None in memory)."""
        self.get(name)
        return self._collection_path(self.resolve(name))

    def _collection_path(self, name: str) -> Path | None:
        return None if self.path is None else self._collections_dir() / dir_name(name)

    def _save_aliases(self) -> None:
        if self.path is not None:
            atomic_write(self.path / "aliases.json", orjson.dumps(self.aliases))

    def _flush_loop(self, interval: float) -> None:
        while not self._stop.wait(interval):
            self.flush_all()

    def flush_all(self) -> None:
        for col in list(self.collections.values()):
            try:
                col.flush()
            except (OSError, StorageError):
                log.exception("flush of collection %s failed", col.name)

    def close(self) -> None:
        self.optimizer.stop()
        self._stop.set()
        if self._flusher is not None:
            self._flusher.join()
            self._flusher = None
        with self.lock:
            for col in self.collections.values():
                col.close()
            self.collections.clear()
            if self._dir_lock is not None:
                self._dir_lock.release()
                self._dir_lock = None

    # -- collections ------------------------------------------------------------------
    def resolve(self, name: str) -> str:
        return self.aliases.get(name, name)

    def get(self, name: str) -> Collection:
        col = self.collections.get(self.resolve(name))
        if col is None:
            raise CollectionNotFoundError(name)
        return col

    def exists(self, name: str) -> bool:
        return self.resolve(name) in self.collections

    def names(self) -> list[str]:
        return list(self.collections)

    def create(self, name: str, config: CollectionConfig) -> Collection:
        check_name(name)
        with self.lock:
            if name in self.collections:
                raise ConflictError(f"Wrong input: Collection `{name}` already exists!")
            if self.max_collections is not None and len(self.collections) >= self.max_collections:
                raise BadRequestError(
                    f"Bad request: Can't create collection with name {name}."
                    f" Max collections limit reached: {self.max_collections}"
                )
            self._check_collection_name(name)
            path = self._collection_path(name)
            if path is not None and path.exists():
                remove_tree(path)
            col = self._adopt(new_collection(name, config, path))
            self._keep_name(name, path)
            self.collections[name] = col
            return col

    def delete(self, name: str) -> bool:
        with self.lock:
            col = self.collections.pop(name, None)
            if col is None:
                return False
            col.drop()
            stale = [a for a, c in self.aliases.items() if c == name]
            for a in stale:
                del self.aliases[a]
            if stale:
                self._save_aliases()
            return True

    # -- aliases ----------------------------------------------------------------------
    def update_aliases(self, actions: Iterable[tuple[str, str, str | None]]) -> None:
        """Apply (action, alias, collection) triples atomically: create / delete / rename."""
        with self.lock:
            aliases = dict(self.aliases)
            for action, alias, target in actions:
                if action == "create":
                    assert target is not None
                    if target not in self.collections:
                        raise CollectionNotFoundError(target)
                    self._check_alias_name(alias)
                    aliases[alias] = target
                elif action == "delete":
                    if alias not in aliases:
                        raise CollectionNotFoundError(alias)
                    del aliases[alias]
                else:
                    assert target is not None
                    if alias not in aliases:
                        raise CollectionNotFoundError(alias)
                    self._check_alias_name(target)
                    aliases[target] = aliases.pop(alias)
            self.aliases = aliases
            self._save_aliases()

    def _check_collection_name(self, name: str) -> None:
        if name in self.aliases:
            # one namespace for both: an alias must never hide a collection
            raise BadRequestError(
                f"Wrong input: Can't create collection with name {name}. Alias with the same name already exists"
            )

    def _check_alias_name(self, alias: str) -> None:
        if alias in self.collections:
            raise ConflictError(f"Wrong input: Collection `{alias}` already exists!")

    # -- snapshots --------------------------------------------------------------------
    def aliases_json(self) -> bytes:
        with self.lock:
            return orjson.dumps(self.aliases)

    def install(self, name: str, src: Path) -> Collection:
        """Replace (or create) collection ``name`` with the collection directory ``src``."""
        check_name(name)
        if self.path is None:
            raise BadRequestError("Bad request: snapshot recovery needs on-disk storage")
        with self.lock:
            self._check_collection_name(name)
            old = self.collections.pop(name, None)
            if old is not None:
                old.close()
            path = self._collection_path(name)
            assert path is not None
            replace_dir(src, path)
            self._keep_name(name, path)  # the snapshot's may be another name's
            col = self._adopt(open_collection(name, path))
            self.collections[name] = col
            return col
