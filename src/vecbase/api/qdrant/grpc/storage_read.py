"""The ``StorageRead`` gRPC service (Qdrant 1.19, marked internal there): raw reads of a
collection's storage files, for tooling that copies or inspects them. vecbase keeps one
shard per collection (shard 0) and its own file layout, not Qdrant's."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

from vecbase.api.qdrant.grpc.calls import GrpcCall
from vecbase.api.qdrant.grpc.proto import storage_read_service_pb2 as pb
from vecbase.api.qdrant.grpc.proto import storage_read_service_pb2_grpc as rpc
from vecbase.api.qdrant.service import QdrantService
from vecbase.core.errors import BadRequestError, NotFoundError
from vecbase.storage import shard_files

# reading a collection's files is like downloading its snapshot
_LABEL = "GET /collections/{collection_name}/snapshots/{snapshot_name}"
STREAM_CHUNK = 1 << 20


class StorageReadServicer(rpc.StorageReadServicer):  # type: ignore[misc]
    def __init__(self, svc: QdrantService, call: GrpcCall) -> None:
        self.svc = svc
        self.call = call

    def _root(self, request: Any) -> Path:
        if request.shard_id != 0:
            raise NotFoundError(f"Shard {request.shard_id} does not exist: vecbase collections have one shard, 0")
        root = self.svc.toc.collection_dir(request.collection_name)
        if root is None:
            raise BadRequestError("Bad request: an in-memory collection has no files")
        return root

    def _run(self, context: Any, request: Any, work: Any) -> Any:
        def run() -> Any:
            try:
                return work(self._root(request))
            except shard_files.OutsideRoot as exc:
                raise BadRequestError(f"Bad request: {exc}") from None
            except (FileNotFoundError, IsADirectoryError):
                raise NotFoundError(f"No file {request.path!r} in the shard") from None

        return self.call(context, _LABEL, request.collection_name, run)

    def ListFiles(self, request: Any, context: Any) -> Any:  # noqa: N802 (gRPC method names)
        def work(root: Path) -> Any:
            out = pb.ListFilesResponse()
            for entry in shard_files.list_files(root, request.prefix_path):
                item = out.files.add(path=entry.path, size=entry.size)
                item.last_modified.FromNanoseconds(int(entry.modified * 1e9))
            return out

        return self._run(context, request, work)

    def FileExists(self, request: Any, context: Any) -> Any:  # noqa: N802
        return self._run(
            context, request, lambda root: pb.FileExistsResponse(exists=shard_files.file_exists(root, request.path))
        )

    def FileLength(self, request: Any, context: Any) -> Any:  # noqa: N802
        return self._run(
            context, request, lambda root: pb.FileLengthResponse(length=shard_files.file_length(root, request.path))
        )

    def ReadBytes(self, request: Any, context: Any) -> Any:  # noqa: N802
        return self._run(
            context,
            request,
            lambda root: pb.ReadBytesResponse(
                data=shard_files.read_range(root, request.path, request.byte_offset, request.length)
            ),
        )

    def ReadWhole(self, request: Any, context: Any) -> Any:  # noqa: N802
        return self._run(
            context, request, lambda root: pb.ReadWholeResponse(data=shard_files.read_range(root, request.path, 0))
        )

    def ReadBatch(self, request: Any, context: Any) -> Any:  # noqa: N802
        def work(root: Path) -> Any:
            data = [shard_files.read_range(root, request.path, r.byte_offset, r.length) for r in request.ranges]
            return pb.ReadBatchResponse(data=data)

        return self._run(context, request, work)

    def ReadBytesStream(self, request: Any, context: Any) -> Iterator[Any]:  # noqa: N802
        data = self._run(
            context,
            request,
            lambda root: shard_files.read_range(root, request.path, request.byte_offset, request.length),
        )
        for start in range(0, len(data), STREAM_CHUNK):
            yield pb.ReadBytesStreamResponse(data=data[start : start + STREAM_CHUNK])
