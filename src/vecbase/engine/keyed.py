"""Custom sharding: a collection whose points live in shards named by the user's shard keys.

As in Qdrant, each shard key owns a shard of its own, and a shard is a whole collection
under the hood (its own write-ahead log, segments and optimizer passes), stored under
``shard_keys/`` inside the collection's directory. Writes name the shard keys they go to;
reads without a selector see every shard. The collection itself (``KeyedCollection``) keeps
the settings and the payload schema every shard shares, and holds no points.

Invariants:
- a shard's directory counts only once its ``shard_key.json`` is written, so a crash in the
  middle of creating one leaves nothing a restart loads;
- a read over several shards holds each one's shared lock, taken in creation order, for the
  whole read, so it sees one consistent state of every shard; writes take one shard's lock.
"""

from __future__ import annotations

import hashlib
import logging
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

import orjson

from vecbase.core.config import CollectionConfig, PayloadIndexSpec
from vecbase.core.errors import BadRequestError, NotFoundError
from vecbase.core.ids import PointId
from vecbase.core.operations import PointOperation
from vecbase.core.points import Record, ScoredColumns
from vecbase.core.sharding import ALL_SHARDS, CUSTOM, ShardKey, ShardSelector, key_text, shard_key_not_found
from vecbase.engine.collection import Collection, stored_config
from vecbase.engine.reads import CollectionReads
from vecbase.query.model import QueryNode, ScrollRequest, WithPayload, WithVectors
from vecbase.segment.segment import Segment
from vecbase.storage.archive import move_tree
from vecbase.storage.files import (
    atomic_write,
    ensure_dir,
    read_bytes_if_exists,
    remove_file,
    remove_tree,
    stored_dirs,
)

log = logging.getLogger("vecbase.keyed")

SHARDS_DIR = "shard_keys"
KEY_FILE = "shard_key.json"


def _shard_dir_name(key: ShardKey) -> str:
    # the JSON form tells 42 from "42"; a digest keeps any key a short, valid file name
    return hashlib.sha256(orjson.dumps(key)).hexdigest()[:32]


class _SharedAll:
    """The shared side of several shards' locks, as one (``CollectionReads`` reads under
    it); entering it also fixes the view's segments to those of that moment."""

    def __init__(self, view: ShardView) -> None:
        self._view = view
        self._held: list[ExitStack] = []  # one per (nested) section

    def acquire_shared(self) -> bool:
        stack = ExitStack()
        try:
            for col in self._view.shards.values():
                stack.enter_context(col.lock.shared())
        except BaseException:
            stack.close()
            raise
        self._held.append(stack)
        # a shard whose key was deleted since the view was made holds no points any more
        self._view.segments = [seg for col in self._view.shards.values() if not col.closed for seg in col.segments]
        return True

    def release_shared(self) -> None:
        self._held.pop().close()

    def shared(self) -> _SharedAll:
        return self

    def __enter__(self) -> None:
        self.acquire_shared()

    def __exit__(self, *exc: object) -> None:
        self.release_shared()


class ShardView(CollectionReads):
    """Reads over some shards of a keyed collection, as if their segments were one
    collection's (a point id found in two shards counts once, its newest version)."""

    def __init__(self, root: Collection, shards: Mapping[ShardKey, Collection]) -> None:
        self.config = root.config
        self.payload_schema = root.payload_schema
        self.optimizing = False
        self.optimizer_error: str | None = None
        self.shards = dict(shards)
        self.segments: list[Segment] = []
        self.lock = _SharedAll(self)

    # a point id in several shards is one result, the first found (the best scored), as
    # Qdrant merges shards' answers; counts add the shards' counts up
    def retrieve(self, ids: Sequence[object], wp: WithPayload, wv: WithVectors) -> list[Record]:
        return _first_of_each(super().retrieve(ids, wp, wv))

    def scroll(self, req: ScrollRequest) -> tuple[list[Record], PointId | None]:
        records, next_id = super().scroll(req)
        return _first_of_each(records), next_id

    def query(self, node: QueryNode) -> ScoredColumns:
        return _unique_columns(super().query(node))

    def nearest(self, *args: Any, **kwargs: Any) -> ScoredColumns:
        return _unique_columns(super().nearest(*args, **kwargs))

    def nearest_batch(self, *args: Any, **kwargs: Any) -> list[ScoredColumns]:
        return [_unique_columns(c) for c in super().nearest_batch(*args, **kwargs)]

    def shard_keys_of(self, ids: Sequence[PointId]) -> list[ShardKey | None]:
        """The shard key of each point (the first shard holding it)."""
        if len(self.shards) == 1:
            return [next(iter(self.shards))] * len(ids)
        out: list[ShardKey | None] = []
        with self.lock.shared():
            for pid in ids:
                out.append(
                    next(
                        (key for key, col in self.shards.items() if any(s.has_point(pid) for s in col.segments)),
                        None,
                    )
                )
        return out


def _first_of_each(records: list[Record]) -> list[Record]:
    seen: set[PointId] = set()
    out = []
    for r in records:
        if r.id not in seen:
            seen.add(r.id)
            out.append(r)
    return out


def _unique_columns(cols: ScoredColumns) -> ScoredColumns:
    if len(set(cols.ids)) == len(cols.ids):
        return cols
    seen: set[PointId] = set()
    keep = []
    for i, pid in enumerate(cols.ids):
        if pid not in seen:
            seen.add(pid)
            keep.append(i)

    def pick(column: list[Any] | None) -> list[Any] | None:
        return None if column is None else [column[i] for i in keep]

    return ScoredColumns(
        [cols.ids[i] for i in keep],
        [cols.scores[i] for i in keep],
        [cols.versions[i] for i in keep],
        pick(cols.payloads),
        pick(cols.vectors),
        pick(cols.order_values),
    )


class KeyedCollection(Collection):
    """A collection with ``sharding_method: custom``: no points of its own, one shard (a
    ``Collection``) per shard key."""

    def __init__(
        self,
        name: str,
        config: CollectionConfig,
        path: Path | None,
        payload_schema: Mapping[str, PayloadIndexSpec] | None = None,
    ) -> None:
        super().__init__(name, config, path, payload_schema)
        self.shards: dict[ShardKey, Collection] = {}
        self._last_seq = 0  # the creation order of the newest shard key (kept in its key file)
        # each key's shard id, as Qdrant numbers them: in creation order from 0, and a key's
        # id stays its own when other keys are dropped
        self._shard_ids: dict[ShardKey, int] = {}

    # -- lifecycle ------------------------------------------------------------------------
    @classmethod
    def load(cls, name: str, path: Path) -> Collection:
        col = super().load(name, path)
        assert isinstance(col, KeyedCollection)
        _finish_recoveries(path / SHARDS_DIR)
        found: list[tuple[int, ShardKey, Collection]] = []
        for sdir in stored_dirs(path / SHARDS_DIR):
            raw = read_bytes_if_exists(sdir / KEY_FILE)
            if raw is None:
                log.warning("ignoring %s: no %s (an interrupted shard key create or delete)", sdir, KEY_FILE)
                continue
            meta = orjson.loads(raw)
            found.append((meta["seq"], meta["key"], Collection.load(name, sdir)))
        for seq, key, shard in sorted(found, key=lambda f: f[0]):
            col._adopt_shard(key, shard, seq)
            col._last_seq = seq
        return col

    def _adopt_shard(self, key: ShardKey, shard: Collection, seq: int) -> None:
        shard.on_change = lambda: self.on_change()
        self.shards[key] = shard
        self._shard_ids[key] = seq - 1

    def units(self) -> list[Collection]:
        """The collections that hold points: what the optimizer and the flusher work on."""
        return list(self.shards.values())

    def flush(self) -> None:
        for shard in list(self.shards.values()):
            shard.flush()
        super().flush()

    def close(self) -> None:
        with self.lock:
            for shard in self.shards.values():
                shard.close()
            super().close()

    def drop(self) -> None:
        with self.lock:
            for shard in self.shards.values():
                shard.drop()
            super().drop()

    @contextmanager
    def frozen(self) -> Iterator[None]:
        """Every shard flushed and held still, and no key created or dropped (a snapshot's
        moment; the collection itself logs nothing, so it has nothing to flush)."""
        with self.lock, ExitStack() as stack:
            self.check_open()
            for shard in list(self.shards.values()):
                stack.enter_context(shard.frozen())
            yield

    # -- shard keys ---------------------------------------------------------------------
    def shard_key_list(self) -> list[ShardKey]:
        with self.lock:
            return list(self.shards)

    def create_shard_key(self, key: ShardKey) -> bool:
        with self.lock:
            self.check_open()
            if key in self.shards:
                raise BadRequestError(f"Bad request: Shard key {key_text(key)} already exists")
            path = None
            if self.path is not None:
                path = self.path / SHARDS_DIR / _shard_dir_name(key)
                if path.exists():  # left by an interrupted create
                    remove_tree(path)
                ensure_dir(path.parent)
            shard = Collection.create(self.name, self.config, path, self.payload_schema)
            self._last_seq += 1
            if path is not None:
                atomic_write(path / KEY_FILE, orjson.dumps({"key": key, "seq": self._last_seq}))
            self._adopt_shard(key, shard, self._last_seq)
        self.on_change()
        return True

    def delete_shard_key(self, key: ShardKey) -> bool:
        with self.lock:
            self.check_open()
            shard = self.shards.pop(key, None)
            if shard is None:
                raise shard_key_not_found(key)
            del self._shard_ids[key]
            if shard.path is not None:  # first: a crash while removing the rest leaves no key
                remove_file(shard.path / KEY_FILE)
            shard.drop()
        return True

    def _key_of(self, shard_id: int) -> ShardKey | None:
        return next((k for k, sid in self._shard_ids.items() if sid == shard_id), None)

    def shard_by_id(self, shard_id: int) -> Collection | None:
        with self.lock.shared():
            key = self._key_of(shard_id)
            return self.shards[key] if key is not None else None

    def replace_shard(self, shard_id: int, src: Path) -> None:
        """Install ``src`` (a shard snapshot's directory) as the content of shard ``shard_id``,
        keeping its key and id. The new directory counts (its key file written) before the
        old one stops counting; a restart in between keeps the old one (``_finish_recoveries``)."""
        with self.lock:
            self.check_open()
            key = self._key_of(shard_id)
            if key is None:
                raise NotFoundError(f"Not found: Shard {shard_id} does not exist")
            old = self.shards[key]
            if old.path is None:
                raise BadRequestError("Bad request: snapshot recovery needs on-disk storage")
            try:
                config = stored_config(src)
            except Exception as e:
                raise BadRequestError(f"Bad request: the shard snapshot cannot be loaded: {e}") from None
            if set(config.vectors) != set(self.config.vectors) or set(config.sparse_vectors) != set(
                self.config.sparse_vectors
            ):
                raise BadRequestError("Bad request: the shard snapshot's vectors differ from the collection's")
            final = old.path
            staging = final.with_name(final.name + RECOVERING)
            if staging.exists():
                remove_tree(staging)
            move_tree(src, staging)
            remove_file(staging / KEY_FILE)  # the snapshot's own, written again below
            try:  # loaded once before it counts: a broken archive leaves the shard as it was
                Collection.load(self.name, staging).close()
            except Exception as e:
                remove_tree(staging)
                raise BadRequestError(f"Bad request: the shard snapshot cannot be loaded: {e}") from None
            atomic_write(staging / KEY_FILE, orjson.dumps({"key": key, "seq": shard_id + 1}))
            remove_file(final / KEY_FILE)  # from here on the new directory is the shard
            old.drop()
            move_tree(staging, final)
            shard = Collection.load(self.name, final)
            if shard.config != self.config:
                shard.update_config(self.config)
            self._adopt_shard(key, shard, shard_id + 1)
        self.on_change()

    # -- selection ----------------------------------------------------------------------
    def _resolve_keys(self, sel: ShardSelector, write: bool = False) -> list[ShardKey]:
        if sel.keys is None:
            return list(self.shards)
        out: list[ShardKey] = []
        for key in sel.keys:
            if key not in self.shards:
                if sel.fallback is not None and sel.fallback in self.shards:
                    key = sel.fallback
                else:
                    raise shard_key_not_found(key, write)
            if key not in out:
                out.append(key)
        return out

    def select(self, sel: ShardSelector | None) -> ShardView:
        with self.lock.shared():
            keys = self._resolve_keys(sel or ALL_SHARDS)
            return ShardView(self, {k: self.shards[k] for k in keys})

    def write_targets(self, sel: ShardSelector | None) -> list[Collection]:
        if sel is None or sel.keys is None:
            raise BadRequestError("Wrong input: Shard key not specified")
        with self.lock.shared():
            return [self.shards[k] for k in self._resolve_keys(sel, write=True)]

    # -- what every shard shares --------------------------------------------------------
    def create_field_index(self, key: str, spec: PayloadIndexSpec) -> int:
        with self.lock:
            for shard in self.shards.values():
                shard.create_field_index(key, spec)
            return super().create_field_index(key, spec)

    def delete_field_index(self, key: str) -> int:
        with self.lock:
            for shard in self.shards.values():
                shard.delete_field_index(key)
            return super().delete_field_index(key)

    def update_config(self, config: CollectionConfig) -> None:
        with self.lock:
            super().update_config(config)
            for shard in self.shards.values():
                shard.update_config(config)

    def change_vector_names(self, config: CollectionConfig) -> int:
        with self.lock:
            for shard in self.shards.values():
                shard.change_vector_names(config)
            return super().change_vector_names(config)

    # -- reads and writes without a selector -------------------------------------------
    def _write(self, op: PointOperation, wait: bool) -> int:
        raise BadRequestError("Wrong input: Shard key not specified")

    def retrieve(self, *args: Any, **kwargs: Any) -> Any:
        return self.select(None).retrieve(*args, **kwargs)

    def scroll(self, *args: Any, **kwargs: Any) -> Any:
        return self.select(None).scroll(*args, **kwargs)

    def count(self, *args: Any, **kwargs: Any) -> Any:
        return self.select(None).count(*args, **kwargs)

    def facet(self, *args: Any, **kwargs: Any) -> Any:
        return self.select(None).facet(*args, **kwargs)

    def query(self, *args: Any, **kwargs: Any) -> Any:
        return self.select(None).query(*args, **kwargs)

    def nearest(self, *args: Any, **kwargs: Any) -> Any:
        return self.select(None).nearest(*args, **kwargs)

    def nearest_batch(self, *args: Any, **kwargs: Any) -> Any:
        return self.select(None).nearest_batch(*args, **kwargs)

    def query_groups(self, *args: Any, **kwargs: Any) -> Any:
        return self.select(None).query_groups(*args, **kwargs)

    def distance_matrix(self, *args: Any, **kwargs: Any) -> Any:
        return self.select(None).distance_matrix(*args, **kwargs)

    # -- telemetry ----------------------------------------------------------------------
    def info(self) -> dict[str, Any]:
        parts = [shard.info() for shard in list(self.shards.values())]
        return {
            "points_count": sum(p["points_count"] for p in parts),
            "segments_count": sum(p["segments_count"] for p in parts),
            "indexed_vectors_count": sum(p["indexed_vectors_count"] for p in parts),
            "optimizing": any(p["optimizing"] for p in parts),
            "optimizer_error": next((p["optimizer_error"] for p in parts if p["optimizer_error"]), None),
            "payload_points": {k: sum(p["payload_points"].get(k, 0) for p in parts) for k in self.payload_schema},
        }

    def segment_plans(self) -> list[dict[str, Any]]:
        return [plan for shard in list(self.shards.values()) for plan in shard.segment_plans()]

    def shard_infos(self) -> list[tuple[int, ShardKey, int]]:
        """(shard id, shard key, points) per shard, in creation order."""
        with self.lock.shared():
            shards = [(self._shard_ids[key], key, shard) for key, shard in self.shards.items()]
        return [(sid, key, shard.info()["points_count"]) for sid, key, shard in shards]


RECOVERING = ".recovering"


def _finish_recoveries(shards_dir: Path) -> None:
    """Settle shard recoveries a crash interrupted (``KeyedCollection.replace_shard``): a
    recovered directory whose key file was written replaces the old one unless the old one
    still has its key file (then the recovery never took effect and is discarded)."""
    for staging in stored_dirs(shards_dir):
        if not staging.name.endswith(RECOVERING):
            continue
        final = staging.with_name(staging.name[: -len(RECOVERING)])
        if (final / KEY_FILE).exists() or not (staging / KEY_FILE).exists():
            remove_tree(staging)
            continue
        if final.exists():
            remove_tree(final)
        move_tree(staging, final)


def new_collection(name: str, config: CollectionConfig, path: Path | None) -> Collection:
    if config.sharding_method == CUSTOM:
        return KeyedCollection.create(name, config, path)
    return Collection.create(name, config, path)


def open_collection(name: str, path: Path) -> Collection:
    if stored_config(path).sharding_method == CUSTOM:
        return KeyedCollection.load(name, path)
    return Collection.load(name, path)
