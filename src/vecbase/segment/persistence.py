"""A segment's on-disk form: one directory of numpy arrays and JSON, written atomically.

Format 2 stores ids as columns (``ids_lo.npy``, and for UUIDs ``ids_hi.npy`` and
``ids_uuid.npy``) and a frozen segment's payload indexes as their arrays (``pi<j>_*.npy``,
described in ``meta.json``), so opening a sealed segment reads arrays instead of parsing ids
and decoding every payload. Format 1 segments (``ids.json``, indexes rebuilt) still load.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import numpy.typing as npt
import orjson

from vecbase.core.config import CollectionConfig, PayloadIndexSpec, vectors_on_disk
from vecbase.core.errors import StorageError
from vecbase.core.points import SparseVector
from vecbase.index.field import FieldIndex, StoredIndex, spec_json
from vecbase.index.hnsw import HnswIndex
from vecbase.index.payload import make_field_index
from vecbase.segment.id_tracker import IdTracker
from vecbase.segment.payloads import PayloadStore
from vecbase.segment.segment import Segment
from vecbase.segment.vectors import DenseStore, ListStore, VectorStore
from vecbase.storage.files import (
    array_bytes,
    load_array,
    map_readonly,
    read_bytes,
    read_bytes_if_exists,
    write_dir,
)

FORMAT_VERSION = 2
_READS = (1, 2)


@dataclass(frozen=True)
class SealedState:
    """What of a sealed segment may still change (tombstones, graphs), copied under the
    collection lock so the segment can be written without holding it."""

    version: int
    versions: npt.NDArray[np.int64]
    deleted: npt.NDArray[np.bool_]
    indexes: dict[str, HnswIndex]
    payload_indexes: dict[str, StoredIndex]


def sealed_state(segment: Segment) -> SealedState:
    n = segment.n
    return SealedState(
        segment.version,
        segment.versions[:n].copy(),
        segment.deleted[:n].copy(),
        dict(segment.dense_indexes),
        _dumps(segment),
    )


def _dumps(segment: Segment) -> dict[str, StoredIndex]:
    """The stored form of the segment's frozen payload indexes (copies of what may change)."""
    out = {}
    for key, index in segment.field_indexes.items():
        stored = index.dump()
        if stored is not None:
            out[key] = stored
    return out


def save_segment(segment: Segment, path: Path, state: SealedState | None = None) -> dict[str, str]:
    """Write a segment; with ``state``, a sealed one whose mutable parts were captured earlier.
    Returns the graph file written for each indexed vector."""
    n = segment.n
    names = list(segment.vectors)
    version = state.version if state is not None else segment.version
    indexes = state.indexes if state is not None else segment.dense_indexes
    blob, ends = segment.payloads.pack()
    is_uuid, hi, lo = segment.ids.columns()
    files: dict[str, bytes] = {
        "ids_lo.npy": array_bytes(lo),
        "payloads.bin": blob,
        "payload_ends.npy": array_bytes(ends),
        "versions.npy": array_bytes(state.versions if state is not None else segment.versions[:n]),
        "deleted.npy": array_bytes(state.deleted if state is not None else segment.deleted[:n]),
    }
    for i, name in enumerate(names):
        store = segment.vectors[name]
        if isinstance(store, DenseStore):
            files[f"v{i}.npy"] = array_bytes(store.data[:n])
            files[f"v{i}_present.npy"] = array_bytes(store.present[:n])
            continue
        items = store.items[:n] + [None] * max(0, n - len(store.items))
        present = np.array([v is not None for v in items], dtype=bool)
        files[f"v{i}_present.npy"] = array_bytes(present)
        lengths = np.array([_length(v) for v in items], dtype=np.int64)
        files[f"v{i}_lengths.npy"] = array_bytes(lengths)
        live = [v for v in items if v is not None]
        if store.config is not None:  # multivector rows
            dim = store.config.size
            dense_rows = [v for v in live if isinstance(v, np.ndarray)]
            rows = np.concatenate(dense_rows).astype(np.float32) if dense_rows else np.zeros((0, dim), np.float32)
            files[f"v{i}_rows.npy"] = array_bytes(rows)
        else:
            sparse = [v for v in live if isinstance(v, SparseVector)]
            idx = np.concatenate([v.indices for v in sparse]) if sparse else np.zeros(0, np.uint32)
            val = np.concatenate([v.values for v in sparse]) if sparse else np.zeros(0, np.float32)
            files[f"v{i}_indices.npy"] = array_bytes(idx.astype(np.uint32))
            files[f"v{i}_values.npy"] = array_bytes(val.astype(np.float32))
    if is_uuid.any():
        files["ids_hi.npy"], files["ids_uuid.npy"] = array_bytes(hi), array_bytes(is_uuid)
    stored_indexes = []
    for j, (key, stored) in enumerate((state.payload_indexes if state is not None else _dumps(segment)).items()):
        for name, array in stored.arrays.items():
            files[f"pi{j}_{name}.npy"] = array_bytes(array)
        stored_indexes.append(
            {"key": key, "spec": stored.spec, "described": stored.described, "arrays": list(stored.arrays)}
        )
    graphs: dict[str, str] = {}
    for name, index in indexes.items():
        graphs[name] = _graph_file(names.index(name))
        files[graphs[name]] = index.to_bytes()
    meta = {
        "format": FORMAT_VERSION,
        "version": version,
        "points": n,
        "vectors": names,
        "hnsw": list(graphs),
        "payload_indexes": stored_indexes,
    }
    files["meta.json"] = orjson.dumps(meta)
    write_dir(path, files)
    return graphs


def map_graphs(
    segment: Segment, path: Path, written: Mapping[str, HnswIndex], graphs: Mapping[str, str], config: CollectionConfig
) -> None:
    """After a save that wrote the graphs ``written`` (as files ``graphs``): those of vectors
    kept on disk switch to their mapped file, so the vectors leave process memory. Called
    under the collection lock; a graph replaced since the save is left alone."""
    for name, index in written.items():
        if index.mapped or name not in config.vectors or not vectors_on_disk(config, name):
            continue
        if segment.dense_indexes.get(name) is not index or name not in graphs:
            continue
        mapped = _open_graph(path / graphs[name], config, name)
        if mapped.size == index.size:
            segment.attach_index(name, mapped)


def _graph_file(i: int) -> str:
    return f"hnsw{i}.faiss"


def _open_graph(file: Path, config: CollectionConfig, name: str) -> HnswIndex:
    """A saved graph: read in place from the mapped file for ``on_disk`` vectors, else copied
    into memory (from a mapping, so loading holds no second copy of the file)."""
    distance = config.vectors[name].distance
    if vectors_on_disk(config, name):
        return HnswIndex.from_mapped(map_readonly(file), distance)
    return HnswIndex.from_bytes(map_readonly(file), distance)


def _length(v: Any) -> int:
    if v is None:
        return 0
    if isinstance(v, SparseVector):
        return int(v.indices.shape[0])
    return int(v.shape[0])


def load_segment(
    path: Path, config: CollectionConfig, index_specs: Mapping[str, PayloadIndexSpec], sealed: bool
) -> Segment:
    """Read a segment; a ``sealed`` one comes back frozen (payloads stay packed, unparsed)."""
    meta = orjson.loads(read_bytes(path / "meta.json"))
    if meta.get("format") not in _READS:
        raise StorageError(f"Segment {path} has format {meta.get('format')}, this build reads {_READS}")
    segment = Segment(config, index_specs)
    ids = _load_ids(path, sealed)
    legacy = read_bytes_if_exists(path / "payloads.json")  # before packed payloads
    if legacy is not None:
        payloads = PayloadStore.from_docs(orjson.dumps(p) for p in orjson.loads(legacy))
    else:
        ends = np.asarray(load_array(path / "payload_ends.npy"), dtype=np.int64)
        # packed as on disk, also for the appendable segment: its first write unpacks it
        payloads = PayloadStore.packed(read_bytes(path / "payloads.bin"), ends)
    versions = np.array(load_array(path / "versions.npy"), dtype=np.int64)
    deleted = np.array(load_array(path / "deleted.npy"), dtype=bool)
    stores: dict[str, VectorStore] = {}
    for i, name in enumerate(meta["vectors"]):
        if name not in segment.vectors:
            continue  # the vector was removed from the collection since
        store = segment.vectors[name]
        present = np.array(load_array(path / f"v{i}_present.npy"), dtype=bool)
        if isinstance(store, DenseStore):
            if sealed and (vectors_on_disk(config, name) or name in meta.get("hnsw", [])):
                # mapped, read-only: a flat graph attached below serves its own copy instead,
                # so loading does not copy the vectors only to drop them (copied below if not)
                store.data = load_array(path / f"v{i}.npy", mapped=True)
            else:
                store.data = np.array(load_array(path / f"v{i}.npy"))
            store.present = present
        else:
            store.items = _load_list(path, i, store, present)
        stores[name] = store
    indexes = _load_indexes(path, meta, index_specs, ~deleted) if sealed else {}
    segment.restore(ids, versions, deleted, payloads, stores, int(meta["version"]), indexes)
    for name in meta.get("hnsw", []):
        if name in config.vectors:
            segment.attach_index(name, _open_graph(path / _graph_file(meta["vectors"].index(name)), config, name))
    for name, store in segment.vectors.items():
        if isinstance(store, DenseStore) and isinstance(store.data, np.memmap) and not vectors_on_disk(config, name):
            store.data = np.array(store.data)  # no graph took the rows over (quantized): in memory
    if sealed:
        segment.freeze()
    segment.changed = False
    segment.uid = path.name
    return segment


def _load_ids(path: Path, sealed: bool) -> list[Any] | IdTracker:
    legacy = read_bytes_if_exists(path / "ids.json")  # format 1
    if legacy is not None:
        ids: list[Any] = orjson.loads(legacy)
        return ids
    lo = np.asarray(load_array(path / "ids_lo.npy"), dtype=np.uint64)
    if (path / "ids_hi.npy").exists():
        hi = np.asarray(load_array(path / "ids_hi.npy"), dtype=np.uint64)
        is_uuid = np.asarray(load_array(path / "ids_uuid.npy"), dtype=bool)
    else:
        hi, is_uuid = np.zeros(lo.shape[0], dtype=np.uint64), np.zeros(lo.shape[0], dtype=bool)
    return IdTracker.of_columns(is_uuid, hi, lo, frozen=sealed)


def _load_indexes(
    path: Path, meta: Mapping[str, Any], specs: Mapping[str, PayloadIndexSpec], live: npt.NDArray[np.bool_]
) -> dict[str, FieldIndex]:
    """The stored payload indexes still built for the collection's spec of their key (one
    created again with other settings is rebuilt from the payloads)."""
    out: dict[str, FieldIndex] = {}
    for j, entry in enumerate(meta.get("payload_indexes", [])):
        key = entry["key"]
        spec = specs.get(key)
        if spec is None or orjson.dumps(spec_json(spec), option=orjson.OPT_SORT_KEYS) != orjson.dumps(
            entry["spec"], option=orjson.OPT_SORT_KEYS
        ):
            continue
        arrays = {name: load_array(path / f"pi{j}_{name}.npy") for name in entry["arrays"]}
        index = make_field_index(key, spec)
        index.adopt(StoredIndex(entry["spec"], entry["described"], arrays), live)
        out[key] = index
    return out


def _load_list(path: Path, i: int, store: ListStore, present: np.ndarray[Any, Any]) -> list[Any]:
    lengths = load_array(path / f"v{i}_lengths.npy")
    ends = np.cumsum(lengths)
    starts = ends - lengths
    items: list[Any] = []
    if store.config is not None:
        rows = load_array(path / f"v{i}_rows.npy")
        for ok, s, e in zip(present, starts, ends):
            items.append(np.array(rows[s:e], dtype=np.float32) if ok else None)
    else:
        idx = load_array(path / f"v{i}_indices.npy")
        val = load_array(path / f"v{i}_values.npy")
        for ok, s, e in zip(present, starts, ends):
            items.append(SparseVector(np.array(idx[s:e], np.uint32), np.array(val[s:e], np.float32)) if ok else None)
    return items
