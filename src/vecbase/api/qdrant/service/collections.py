"""Collection, alias and payload-index operations: Qdrant wire requests in, wire results out."""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

from vecbase.api.qdrant import models as m
from vecbase.api.qdrant.collections import (
    config_from_wire,
    config_to_wire,
    config_warnings,
    dense_from_wire,
    dump_wire,
    index_info_to_wire,
    index_spec_from_wire,
    optimizers_diff,
    payload_memory_from_wire,
)
from vecbase.api.qdrant.json_values import json_copy
from vecbase.api.qdrant.points import op_num_to_wire
from vecbase.api.qdrant.service.strict import StrictGate
from vecbase.core.config import Modifier, SparseVectorConfig, apply_diff
from vecbase.core.errors import BadRequestError
from vecbase.core.paths import check_path
from vecbase.core.strict import StrictMode
from vecbase.engine.collection import Collection
from vecbase.engine.keyed import KeyedCollection
from vecbase.engine.optimizer import optimization_state
from vecbase.engine.toc import TableOfContent
from vecbase.engine.tracker import Tracked

PEER_ID = 1


def done(op_num: int) -> m.UpdateResult:
    return m.UpdateResult(operation_id=op_num_to_wire(op_num), status=m.UpdateStatus.COMPLETED)


class CollectionsService:
    def __init__(self, toc: TableOfContent, strict: StrictGate) -> None:
        self.toc = toc
        self.strict = strict

    def col(self, name: str) -> Collection:
        return self.toc.get(name)

    def list(self) -> m.CollectionsResponse:
        return m.CollectionsResponse(collections=[m.CollectionDescription(name=n) for n in self.toc.names()])

    def exists(self, name: str) -> m.CollectionExistence:
        return m.CollectionExistence(exists=self.toc.exists(name))

    def info(self, name: str) -> m.CollectionInfo:
        col = self.col(name)
        info = col.info()
        schema = {k: index_info_to_wire(spec, info["payload_points"][k]) for k, spec in col.payload_schema.items()}
        error = info["optimizer_error"]
        if error is not None:  # an optimization failed and no pass has succeeded since
            status = m.CollectionStatus.RED
        else:
            status = m.CollectionStatus.YELLOW if info["optimizing"] else m.CollectionStatus.GREEN
        return m.CollectionInfo(
            status=status,
            optimizer_status="ok" if error is None else {"error": error},
            indexed_vectors_count=info["indexed_vectors_count"],
            points_count=info["points_count"],
            segments_count=info["segments_count"],
            config=config_to_wire(col.config),
            payload_schema=schema,
            warnings=[m.CollectionWarning(message=text) for text in config_warnings(col.config)],
            # writes apply before they are acknowledged: nothing ever waits in a queue
            update_queue=m.UpdateQueueInfo(length=0),
        )

    def create(self, name: str, req: m.CreateCollection) -> bool:
        config = config_from_wire(
            req.vectors,
            req.sparse_vectors,
            req.hnsw_config,
            req.optimizers_config,
            req.wal_config,
            req.quantization_config,
            req.on_disk_payload,
            req.shard_number,
            req.replication_factor,
            req.write_consistency_factor,
            req.metadata,
            req.strict_mode_config,
            req.sharding_method,
            req.payload,
        )
        self.toc.create(name, config)
        return True

    def delete(self, name: str) -> bool:
        # by the collection's own name only: an alias never widens a destructive operation
        return self.toc.delete(name)

    def update(self, name: str, req: m.UpdateCollection) -> bool:
        col = self.col(name)
        c = col.config
        changes: dict[str, Any] = {}
        if req.optimizers_config is not None:
            optimizers = apply_diff(c.optimizers, optimizers_diff(req.optimizers_config))
            if req.optimizers_config.max_optimization_threads == "auto":  # back to no limit
                optimizers = replace(optimizers, max_optimization_threads=None)
            changes["optimizers"] = optimizers
        if req.hnsw_config is not None:
            changes["hnsw"] = apply_diff(c.hnsw, dump_wire(req.hnsw_config))
        if req.quantization_config is not None:
            q = req.quantization_config
            changes["quantization"] = None if q in ("Disabled", m.Disabled.DISABLED) else dump_wire(q)
        if req.params is not None:
            given = req.params
            if given.on_disk_payload is not None:
                changes["on_disk_payload"] = given.on_disk_payload
            if given.payload is not None and given.payload.memory is not None:
                changes["payload_memory"] = payload_memory_from_wire(given.payload)
            for field in ("read_fan_out_factor", "read_fan_out_delay_ms"):
                if getattr(given, field) is not None:
                    changes[field] = getattr(given, field)
        if req.strict_mode_config is not None:
            changes["strict_mode"] = (c.strict_mode or StrictMode()).merged(dump_wire(req.strict_mode_config) or {})
        if req.metadata is not None:
            merged = {**(c.metadata or {}), **json_copy(req.metadata, "metadata")}
            changes["metadata"] = {k: v for k, v in merged.items() if v is not None} or None
        if req.vectors is not None:
            vectors = dict(c.vectors)
            for vname, diff in req.vectors.items():
                if vname not in vectors:
                    raise BadRequestError(f"Wrong input: Not existing vector name error: {vname}")
                update: dict[str, Any] = {}
                if diff.hnsw_config is not None:
                    update["hnsw"] = {**(vectors[vname].hnsw or {}), **(dump_wire(diff.hnsw_config) or {})}
                if diff.on_disk is not None:
                    update["on_disk"] = diff.on_disk
                if diff.memory is not None:
                    update["memory"] = diff.memory.value
                if diff.quantization_config is not None:
                    q = diff.quantization_config
                    update["quantization"] = None if q in ("Disabled", m.Disabled.DISABLED) else dump_wire(q)
                vectors[vname] = replace(vectors[vname], **update)
            changes["vectors"] = vectors
        if req.sparse_vectors is not None:
            sparse = dict(c.sparse_vectors)
            for vname, params in req.sparse_vectors.items():
                if vname not in sparse:
                    raise BadRequestError(f"Wrong input: Not existing vector name error: {vname}")
                update = {}
                if params.index is not None:
                    update["index"] = {**(sparse[vname].index or {}), **(dump_wire(params.index) or {})}
                if params.modifier is not None:
                    update["modifier"] = Modifier(params.modifier.value)
                sparse[vname] = replace(sparse[vname], **update)
            changes["sparse_vectors"] = sparse
        col.update_config(replace(c, **changes))
        return True

    # -- aliases ----------------------------------------------------------------------
    def update_aliases(self, req: m.ChangeAliasesOperation) -> bool:
        actions: list[tuple[str, str, str | None]] = []
        for op in req.actions:
            if isinstance(op, m.CreateAliasOperation):
                actions.append(("create", op.create_alias.alias_name, op.create_alias.collection_name))
            elif isinstance(op, m.DeleteAliasOperation):
                actions.append(("delete", op.delete_alias.alias_name, None))
            elif isinstance(op, m.RenameAliasOperation):
                actions.append(("rename", op.rename_alias.old_alias_name, op.rename_alias.new_alias_name))
            else:
                raise BadRequestError(f"Validation error: unknown alias operation {op!r}")
        self.toc.update_aliases(actions)
        return True

    def aliases(self, name: str | None = None) -> m.CollectionsAliasesResponse:
        if name is not None:
            self.col(name)
        return m.CollectionsAliasesResponse(
            aliases=[
                m.AliasDescription(alias_name=a, collection_name=c)
                for a, c in self.toc.aliases.items()
                if name is None or c == name
            ]
        )

    # -- payload indexes --------------------------------------------------------------
    def create_index(self, name: str, req: m.CreateFieldIndex) -> m.UpdateResult:
        spec = index_spec_from_wire(req.field_schema)
        col = self.col(name)
        self.strict.payload_index(col, req.field_name)
        return done(col.create_field_index(check_path(req.field_name), spec))

    def delete_index(self, name: str, field: str) -> m.UpdateResult:
        return done(self.col(name).delete_field_index(check_path(field)))

    # -- single-node cluster answers --------------------------------------------------
    def cluster_info(self, name: str) -> m.CollectionClusterInfo:
        col = self.col(name)
        if isinstance(col, KeyedCollection):
            local = [
                m.LocalShardInfo(shard_id=sid, shard_key=key, points_count=points, state=m.ReplicaState.ACTIVE)
                for sid, key, points in col.shard_infos()
            ]
        else:
            local = [m.LocalShardInfo(shard_id=0, points_count=col.count(None), state=m.ReplicaState.ACTIVE)]
        return m.CollectionClusterInfo(
            peer_id=PEER_ID, shard_count=len(local), local_shards=local, remote_shards=[], shard_transfers=[]
        )

    def shard_keys(self, name: str) -> m.ShardKeysResponse:
        col = self.col(name)
        if not isinstance(col, KeyedCollection):
            return m.ShardKeysResponse(shard_keys=None)  # the collection shards automatically
        return m.ShardKeysResponse(shard_keys=[m.ShardKeyDescription(key=k) for k in col.shard_key_list()])

    def create_shard_key(self, name: str, req: m.CreateShardingKey) -> bool:
        return self._keyed(name).create_shard_key(req.shard_key)

    def delete_shard_key(self, name: str, req: m.DropShardingKey) -> bool:
        return self._keyed(name).delete_shard_key(req.shard_key)

    def _keyed(self, name: str) -> KeyedCollection:
        col = self.col(name)
        if not isinstance(col, KeyedCollection):
            raise BadRequestError(
                f"Bad request: Shard keys are only supported for collections with custom sharding;"
                f" `{name}` uses auto sharding"
            )
        return col

    def cluster_update(self, name: str, op: Any) -> bool:
        """A cluster operation: shard keys are created and dropped as through ``/shards``
        (Qdrant runs those through this operation); moving or replicating shards needs
        peers that a single node does not have."""
        if isinstance(op, m.CreateShardingKeyOperation):
            return self.create_shard_key(name, op.create_sharding_key)
        if isinstance(op, m.DropShardingKeyOperation):
            return self.delete_shard_key(name, op.drop_sharding_key)
        self.col(name)
        raise BadRequestError("Bad request: Distributed mode is disabled: cluster operations are not available")

    def optimizations(
        self, name: str, with_: str | None = None, completed_limit: int | None = None
    ) -> m.OptimizationsResponse:
        """The optimizer's running, planned and completed work on every shard of ``name``;
        ``with_``: Qdrant's comma-separated ``queued``, ``completed``, ``idle_segments``."""
        col = self.col(name)
        wanted = {w.strip() for w in (with_ or "").split(",") if w.strip()}
        limit = DEFAULT_COMPLETED_LIMIT if completed_limit is None else completed_limit
        states = [optimization_state(unit, limit) for unit in col.units()]
        queued = [q for st in states for q in st.queued]
        idle = [seg for st in states for seg in st.idle]
        completed = sorted((t for st in states for t in st.completed), key=lambda t: t.started_at, reverse=True)
        return m.OptimizationsResponse(
            summary=m.OptimizationsSummary(
                queued_optimizations=len(queued),
                queued_segments=sum(len(members) for _, members in queued),
                queued_points=sum(points for _, members in queued for _, points in members),
                idle_segments=len(idle),
            ),
            running=[_optimization(t) for st in states for t in st.running],
            queued=[
                m.PendingOptimization(optimizer=optimizer, segments=_segments(members)) for optimizer, members in queued
            ]
            if "queued" in wanted
            else None,
            completed=[_optimization(t) for t in completed[:limit]] if "completed" in wanted else None,
            idle_segments=_segments(idle) if "idle_segments" in wanted else None,
        )

    # -- named vectors ------------------------------------------------------------------
    def create_vector_name(self, name: str, vector: str, req: Any) -> m.UpdateResult:
        col = self.col(name)
        c = col.config
        if vector in c.vectors or vector in c.sparse_vectors:
            raise BadRequestError(f"Wrong input: Vector `{vector}` already exists in collection `{name}`")
        if isinstance(req, m.DenseVectorNameConfig):
            d = req.dense
            params = m.VectorParams(size=d.size, distance=d.distance, multivector_config=d.multivector_config)
            if d.datatype is not None and d.datatype.value in ("float32", "float16", "uint8"):
                params.datatype = m.Datatype(d.datatype.value)
            # a single vector config becomes a map of names, as in Qdrant
            new = replace(c, vectors={**c.vectors, vector: dense_from_wire(params)}, vectors_map=True)
        else:
            modifier = Modifier(req.sparse.modifier.value) if req.sparse.modifier is not None else Modifier.NONE
            new = replace(c, sparse_vectors={**c.sparse_vectors, vector: SparseVectorConfig(modifier=modifier)})
        return done(col.change_vector_names(new))

    def delete_vector_name(self, name: str, vector: str) -> m.UpdateResult:
        col = self.col(name)
        c = col.config
        if vector not in c.vectors and vector not in c.sparse_vectors:
            raise BadRequestError(f"Wrong input: Not existing vector name error: {vector}")
        vectors = {k: v for k, v in c.vectors.items() if k != vector}
        sparse = {k: v for k, v in c.sparse_vectors.items() if k != vector}
        return done(col.change_vector_names(replace(c, vectors=vectors, sparse_vectors=sparse)))


DEFAULT_COMPLETED_LIMIT = 16


def _segment_uuid(uid: str) -> str:
    """A segment's uid (a uuid's hex digits) in the UUID form the API shows; a name that is
    none gets a stable one derived from it."""
    try:
        return str(uuid.UUID(uid))
    except ValueError:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, uid))


def _segments(members: list[tuple[str, int]]) -> list[m.OptimizationSegmentInfo]:
    return [m.OptimizationSegmentInfo(uuid=_segment_uuid(uid), points_count=n) for uid, n in members]


def _optimization(t: Tracked) -> m.Optimization:
    if t.cancelled is not None:
        status: Any = {"cancelled": t.cancelled}
    else:
        status = t.status
    duration = (t.finished_at - t.started_at).total_seconds() if t.finished_at is not None else None
    return m.Optimization(
        uuid=t.uuid,
        optimizer=t.optimizer,
        status=status,
        segments=_segments(t.segments),
        progress=m.ProgressTree(
            name=t.optimizer, started_at=t.started_at, finished_at=t.finished_at, duration_sec=duration
        ),
    )
