"""Custom sharding on the wire: shard key selectors in, each result's shard key out."""

from __future__ import annotations

from typing import Any, Sequence

from vecbase.core.ids import PointId
from vecbase.core.sharding import ShardSelector
from vecbase.engine.keyed import ShardView
from vecbase.engine.reads import CollectionReads


def selector_from_wire(raw: Any) -> ShardSelector | None:
    """A request's ``shard_key`` (a key, a list of keys, or a key with a fallback)."""
    if raw is None:
        return None
    if hasattr(raw, "fallback"):  # m.ShardKeyWithFallback, or an embedded caller's model of it
        return ShardSelector((raw.target,), raw.fallback)
    if isinstance(raw, list):
        return ShardSelector(tuple(raw))
    return ShardSelector((raw,))


def tag_shard_keys(reader: CollectionReads, ids: Sequence[PointId], points: Sequence[Any]) -> None:
    """Set each wire result's ``shard_key`` (results of a custom-sharded collection only; the
    field stays unset, so absent from the answer, elsewhere)."""
    if isinstance(reader, ShardView) and points:
        for point, key in zip(points, reader.shard_keys_of(ids)):
            if key is not None:
                point.shard_key = key
