"""Resolved write operations: what the write-ahead log records and segments apply.

Every operation names the exact point ids it touches (a write by filter is resolved to
ids before it is logged), so replaying it can never reach other points.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Union

from vecbase.core.config import PayloadIndexSpec
from vecbase.core.ids import PointId
from vecbase.core.points import Payload, VectorColumn


@dataclass(frozen=True, slots=True)
class UpsertPoints:
    ids: tuple[PointId, ...]
    vectors: Mapping[str, VectorColumn]
    payloads: tuple[Payload | None, ...]


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
Operation = Union[PointOperation, CreateFieldIndex, DeleteFieldIndex]
