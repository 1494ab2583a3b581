"""Shard keys and the selectors that name them (custom sharding)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

from vecbase.core.errors import BadRequestError

ShardKey = Union[int, str]
CUSTOM = "custom"


@dataclass(frozen=True, slots=True)
class ShardSelector:
    """The shards a request names: ``keys`` (None: every shard, as a read without a selector
    sees them); ``fallback`` stands in for a key that does not exist."""

    keys: tuple[ShardKey, ...] | None = None
    fallback: ShardKey | None = None


ALL_SHARDS = ShardSelector()


def key_text(key: ShardKey) -> str:
    """A shard key as Qdrant writes it in messages: the number, or the bare string."""
    return str(key)


def shard_key_not_found(key: ShardKey, write: bool = False) -> BadRequestError:
    """Qdrant words a missing key as a bad request on reads and as wrong input on writes."""
    return BadRequestError(f"{'Wrong input' if write else 'Bad request'}: Shard key {key_text(key)} not found")
