"""The ``Snapshots`` gRPC service: collection and full snapshots, created, listed and deleted
as over REST (downloads and recovery stay on REST, as in Qdrant)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from vecbase.api.qdrant.grpc.calls import GrpcCall
from vecbase.api.qdrant.grpc.proto import snapshots_service_pb2 as pb
from vecbase.api.qdrant.grpc.proto import snapshots_service_pb2_grpc as rpc
from vecbase.api.qdrant.service import QdrantService
from vecbase.engine.snapshots import SnapshotInfo

_C = "/collections/{collection_name}/snapshots"


def description(info: SnapshotInfo) -> Any:
    out = pb.SnapshotDescription(name=info.name, size=info.size)
    created = info.creation_time
    if created:
        out.creation_time.FromDatetime(datetime.fromisoformat(str(created)))
    if info.checksum is not None:
        out.checksum = info.checksum
    return out


class SnapshotsServicer(rpc.SnapshotsServicer):  # type: ignore[misc]
    def __init__(self, svc: QdrantService, call: GrpcCall) -> None:
        self.svc = svc
        self.call = call

    def Create(self, request: Any, context: Any) -> Any:  # noqa: N802 (gRPC method names)
        def run() -> Any:
            info = self.svc.snapshots.create(request.collection_name)
            return pb.CreateSnapshotResponse(snapshot_description=description(info))

        return self.call(context, f"POST {_C}", request.collection_name, run)

    def List(self, request: Any, context: Any) -> Any:  # noqa: N802
        def run() -> Any:
            found = self.svc.snapshots.list(request.collection_name)
            return pb.ListSnapshotsResponse(snapshot_descriptions=[description(i) for i in found])

        return self.call(context, f"GET {_C}", request.collection_name, run)

    def Delete(self, request: Any, context: Any) -> Any:  # noqa: N802
        def run() -> Any:
            self.svc.snapshots.delete(request.collection_name, request.snapshot_name)
            return pb.DeleteSnapshotResponse()

        return self.call(context, f"DELETE {_C}/{{snapshot_name}}", request.collection_name, run)

    def CreateFull(self, request: Any, context: Any) -> Any:  # noqa: N802
        def run() -> Any:
            return pb.CreateSnapshotResponse(snapshot_description=description(self.svc.snapshots.create_full()))

        return self.call(context, "POST /snapshots", None, run)

    def ListFull(self, request: Any, context: Any) -> Any:  # noqa: N802
        def run() -> Any:
            found = self.svc.snapshots.list_full()
            return pb.ListSnapshotsResponse(snapshot_descriptions=[description(i) for i in found])

        return self.call(context, "GET /snapshots", None, run)

    def DeleteFull(self, request: Any, context: Any) -> Any:  # noqa: N802
        def run() -> Any:
            self.svc.snapshots.delete_full(request.snapshot_name)
            return pb.DeleteSnapshotResponse()

        return self.call(context, "DELETE /snapshots/{snapshot_name}", None, run)
