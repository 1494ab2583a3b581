"""Point ids: unsigned 64-bit integers or UUIDs, normalised the way Qdrant does."""

from __future__ import annotations

import re
import uuid
from typing import Union

PointId = Union[int, str]

MAX_INT_ID = 2**64 - 1
_HYPHENATED = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_ACCEPTED = re.compile(rf"[0-9a-fA-F]{{32}}|{_HYPHENATED}|\{{{_HYPHENATED}\}}|urn:uuid:{_HYPHENATED}")
_CANONICAL = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def normalize_id(point_id: object) -> PointId:
    """Canonical form of a point id, or ValueError when it is neither a u64 nor a UUID."""
    if isinstance(point_id, bool):
        raise ValueError(f"Invalid point id {point_id!r}: must be an unsigned integer or UUID")
    if isinstance(point_id, int):
        if 0 <= point_id <= MAX_INT_ID:
            return point_id
        raise ValueError(f"Invalid point id {point_id}: must be an unsigned 64-bit integer")
    if isinstance(point_id, uuid.UUID):
        return str(point_id)
    if isinstance(point_id, str):
        if _CANONICAL.fullmatch(point_id):
            return point_id
        if _ACCEPTED.fullmatch(point_id):
            return str(uuid.UUID(point_id))
        raise ValueError(f"Unable to parse UUID: {point_id}")
    raise ValueError(f"Invalid point id {point_id!r}: must be an unsigned integer or UUID")


def try_normalize_id(point_id: object) -> PointId | None:
    """Like normalize_id, but None for an id that cannot exist (lookups treat it as missing)."""
    try:
        return normalize_id(point_id)
    except ValueError:
        return None


def id_sort_key(point_id: PointId) -> tuple[int, int]:
    """Qdrant's id order: every integer id before every UUID, UUIDs by their 128-bit value."""
    if isinstance(point_id, int):
        return (0, point_id)
    return (1, uuid.UUID(point_id).int)


def id_bytes(point_id: PointId) -> bytes:
    """Canonical bytes of an id: 8 little-endian bytes, or the 16 RFC 4122 bytes of a UUID."""
    if isinstance(point_id, int):
        return point_id.to_bytes(8, "little")
    return uuid.UUID(point_id).bytes
