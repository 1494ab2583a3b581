"""Snapshot descriptions on the wire (REST, gRPC and the embedded client answer with them)."""

from __future__ import annotations

from vecbase.api.qdrant import models as m
from vecbase.engine.snapshots import SnapshotInfo


def describe(info: SnapshotInfo) -> m.SnapshotDescription:
    return m.SnapshotDescription(
        name=info.name, creation_time=info.creation_time, size=info.size, checksum=info.checksum
    )
