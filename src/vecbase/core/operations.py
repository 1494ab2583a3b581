"""Resolved write operations: what the write-ahead log records and segments apply.

Every operation names the exact point ids it touches (a write by filter is resolved to
ids before it is logged), so replaying it can never reach other points.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Mapping, TypeVar, Union

import numpy as np

from vecbase.core.config import PayloadIndexSpec
from vecbase.core.ids import PointId
from vecbase.core.points import DenseColumn, ListColumn, Payload, PayloadDocs, VectorColumn


@dataclass(frozen=True, slots=True)
class UpsertPoints:
    ids: tuple[PointId, ...]
    vectors: Mapping[str, VectorColumn]
    payloads: PayloadDocs


@dataclass(frozen=True, slots=True)
class DeletePoints:
    ids: tuple[PointId, ...]


@dataclass(frozen=True, slots=True)
class SetPayload:
    ids: tuple[PointId, ...]
    payload: Payload
    key: str | None = None


@dataclass(frozen=True, slots=True)
class OverwritePayload:
    ids: tuple[PointId, ...]
    payload: Payload


@dataclass(frozen=True, slots=True)
class DeletePayload:
    ids: tuple[PointId, ...]
    keys: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ClearPayload:
    ids: tuple[PointId, ...]


@dataclass(frozen=True, slots=True)
class UpdateVectors:
    """Replace the named vectors of existing points; other vectors stay."""

    ids: tuple[PointId, ...]
    vectors: Mapping[str, VectorColumn]


@dataclass(frozen=True, slots=True)
class DeleteVectors:
    ids: tuple[PointId, ...]
    names: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CreateFieldIndex:
    field: str
    spec: PayloadIndexSpec


@dataclass(frozen=True, slots=True)
class DeleteFieldIndex:
    field: str


@dataclass(frozen=True, slots=True)
class ConfigChange:
    """A collection-level change (named vectors added or removed). Its effect lives in the
    collection's config; the log records it for its operation number alone."""

    what: str


PointOperation = Union[
    UpsertPoints,
    DeletePoints,
    SetPayload,
    OverwritePayload,
    DeletePayload,
    ClearPayload,
    UpdateVectors,
    DeleteVectors,
]
# logged for their operation numbers; their effects live in the collection's config
CollectionOperation = Union[CreateFieldIndex, DeleteFieldIndex, ConfigChange]
COLLECTION_OPERATIONS = (CreateFieldIndex, DeleteFieldIndex, ConfigChange)
Operation = Union[PointOperation, CollectionOperation]


OpT = TypeVar("OpT", bound="PointOperation")


def _take_columns(columns: Mapping[str, VectorColumn], keep: list[int]) -> dict[str, VectorColumn]:
    idx = np.array(keep, dtype=np.int64)
    out: dict[str, VectorColumn] = {}
    for name, col in columns.items():
        if isinstance(col, DenseColumn):
            out[name] = DenseColumn(col.data[idx], None if col.present is None else col.present[idx])
        else:
            out[name] = ListColumn(tuple(col.values[i] for i in keep))
    return out


def take(op: OpT, keep: list[int]) -> OpT:
    """The same operation restricted to the ids at positions ``keep``."""
    ids = tuple(op.ids[i] for i in keep)
    if isinstance(op, UpsertPoints):
        return replace(op, ids=ids, vectors=_take_columns(op.vectors, keep), payloads=op.payloads.take(keep))
    if isinstance(op, UpdateVectors):
        return replace(op, ids=ids, vectors=_take_columns(op.vectors, keep))
    return replace(op, ids=ids)
