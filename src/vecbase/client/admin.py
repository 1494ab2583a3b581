"""The embedded client's service and administration methods, with QdrantClient's names:
version, optimizations, vector names, snapshots, shard keys and cluster state.

Each answers what the server answers for the same call, through the same service (snapshots
need on-disk storage, as on a server; shard keys exist in custom-sharded collections only;
cluster changes other than shard keys are refused, as by a single node)."""

from __future__ import annotations

from typing import Any, Sequence

from vecbase.api.qdrant import models as m
from vecbase.api.qdrant.service import QdrantService
from vecbase.api.qdrant.service.snapshots import describe
from vecbase.api.qdrant.version import version_info
from vecbase.core.errors import BadRequestError

_NOT_DISTRIBUTED = "Bad request: Distributed mode disabled"


class AdminMethods:
    _svc: QdrantService

    def info(self) -> m.VersionInfo:
        return m.VersionInfo(**version_info())

    def get_optimizations(
        self,
        collection_name: str,
        completed_limit: int | None = None,
        with_: str | Sequence[str] | None = None,
        **kwargs: Any,
    ) -> m.OptimizationsResponse:
        wanted = [with_] if isinstance(with_, str) else list(with_ or [])
        if completed_limit is not None and "completed" not in wanted:  # as qdrant-client asks
            wanted.append("completed")
        return self._svc.collections.optimizations(collection_name, ",".join(wanted), completed_limit)

    # -- vector names -----------------------------------------------------------------
    def create_vector_name(
        self, collection_name: str, vector_name: str, vector_name_config: Any, **kwargs: Any
    ) -> m.UpdateResult:
        return self._svc.collections.create_vector_name(collection_name, vector_name, vector_name_config)

    def delete_vector_name(self, collection_name: str, vector_name: str, **kwargs: Any) -> m.UpdateResult:
        return self._svc.collections.delete_vector_name(collection_name, vector_name)

    # -- snapshots --------------------------------------------------------------------
    def create_snapshot(self, collection_name: str, **kwargs: Any) -> m.SnapshotDescription:
        return describe(self._svc.snapshots.create(collection_name))

    def list_snapshots(self, collection_name: str, **kwargs: Any) -> list[m.SnapshotDescription]:
        return [describe(i) for i in self._svc.snapshots.list(collection_name)]

    def delete_snapshot(self, collection_name: str, snapshot_name: str, **kwargs: Any) -> bool:
        return self._svc.snapshots.delete(collection_name, snapshot_name)

    def recover_snapshot(
        self,
        collection_name: str,
        location: str,
        api_key: str | None = None,
        checksum: str | None = None,
        **kwargs: Any,
    ) -> bool:
        return self._svc.snapshots.recover(collection_name, location, checksum, api_key)

    def create_shard_snapshot(self, collection_name: str, shard_id: int, **kwargs: Any) -> m.SnapshotDescription:
        return describe(self._svc.snapshots.create(collection_name, shard_id))

    def list_shard_snapshots(self, collection_name: str, shard_id: int, **kwargs: Any) -> list[m.SnapshotDescription]:
        return [describe(i) for i in self._svc.snapshots.list(collection_name, shard_id)]

    def delete_shard_snapshot(self, collection_name: str, shard_id: int, snapshot_name: str, **kwargs: Any) -> bool:
        return self._svc.snapshots.delete(collection_name, snapshot_name, shard_id)

    def recover_shard_snapshot(
        self,
        collection_name: str,
        shard_id: int,
        location: str,
        api_key: str | None = None,
        checksum: str | None = None,
        **kwargs: Any,
    ) -> bool:
        return self._svc.snapshots.recover(collection_name, location, checksum, api_key, shard_id)

    def create_full_snapshot(self, **kwargs: Any) -> m.SnapshotDescription:
        return describe(self._svc.snapshots.create_full())

    def list_full_snapshots(self, **kwargs: Any) -> list[m.SnapshotDescription]:
        return [describe(i) for i in self._svc.snapshots.list_full()]

    def delete_full_snapshot(self, snapshot_name: str, **kwargs: Any) -> bool:
        return self._svc.snapshots.delete_full(snapshot_name)

    # -- shard keys and cluster -------------------------------------------------------
    def list_shard_keys(self, collection_name: str, **kwargs: Any) -> m.ShardKeysResponse:
        return self._svc.collections.shard_keys(collection_name)

    def create_shard_key(
        self,
        collection_name: str,
        shard_key: Any,
        shards_number: int | None = None,
        replication_factor: int | None = None,
        placement: list[int] | None = None,
        **kwargs: Any,
    ) -> bool:
        req = m.CreateShardingKey(
            shard_key=shard_key, shards_number=shards_number, replication_factor=replication_factor, placement=placement
        )
        return self._svc.collections.create_shard_key(collection_name, req)

    def delete_shard_key(self, collection_name: str, shard_key: Any, **kwargs: Any) -> bool:
        return self._svc.collections.delete_shard_key(collection_name, m.DropShardingKey(shard_key=shard_key))

    def cluster_status(self) -> Any:
        return {"status": "disabled"}  # a single node: what `GET /cluster` answers

    def collection_cluster_info(self, collection_name: str) -> m.CollectionClusterInfo:
        return self._svc.collections.cluster_info(collection_name)

    def cluster_collection_update(self, collection_name: str, cluster_operation: Any, **kwargs: Any) -> bool:
        return self._svc.collections.cluster_update(collection_name, cluster_operation)

    # Qdrant's answer on a node without distributed mode, as the server gives it
    def cluster_telemetry(self, details_level: int | None = None, timeout: int | None = None, **kwargs: Any) -> Any:
        raise BadRequestError(_NOT_DISTRIBUTED)

    def recover_current_peer(self, **kwargs: Any) -> bool:
        raise BadRequestError(_NOT_DISTRIBUTED)

    def remove_peer(self, peer_id: int, force: bool | None = None, timeout: int | None = None, **kwargs: Any) -> bool:
        raise BadRequestError(_NOT_DISTRIBUTED)
