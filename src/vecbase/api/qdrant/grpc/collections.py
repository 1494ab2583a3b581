"""The ``Collections`` gRPC service, and collection configuration between protobuf and REST:
most config messages carry REST's field names, so they move through their JSON form with
the enum spellings and the vector-config oneofs reshaped."""

from __future__ import annotations

from typing import Any

from google.protobuf import json_format

from vecbase.api.qdrant import models as m
from vecbase.api.qdrant.grpc import values as v
from vecbase.api.qdrant.grpc.calls import GrpcCall, rest_twin, wire
from vecbase.api.qdrant.grpc.proto import collections_pb2 as pb
from vecbase.api.qdrant.grpc.proto import collections_service_pb2_grpc as rpc
from vecbase.api.qdrant.grpc.settings import (
    capitalised,
    index_params_out,
    memory_in,
    optimizers_in,
    optimizers_out,
    quantization_in,
    quantization_out,
)
from vecbase.api.qdrant.service import QdrantService

_C = "/collections/{collection_name}"


def _no_default_datatype(params: dict[str, Any]) -> dict[str, Any]:
    """Protobuf's ``Default`` datatype is REST's unset one."""
    for where in (params, params.get("index")):
        if isinstance(where, dict) and where.get("datatype") == "default":
            del where["datatype"]
    return params


def _vector_params_in(p: Any) -> dict[str, Any]:
    out: dict[str, Any] = _no_default_datatype(v.lower_enums(v.message_json(p), ("datatype", "comparator")))
    if "multivector_config" in out:
        out["multivector_config"] = {"comparator": out["multivector_config"].get("comparator", "max_sim")}
    if "quantization_config" in out:
        out["quantization_config"] = quantization_in(out["quantization_config"])
    return out


def sparse_vectors_in(config: Any) -> dict[str, Any]:
    return {
        name: _no_default_datatype(v.lower_enums(v.message_json(p), ("modifier", "datatype")))
        for name, p in config.map.items()
    }


def _vector_diffs_in(config: Any) -> dict[str, Any]:
    """A ``VectorsConfigDiff`` as REST's per-vector diffs (the unnamed vector is ``""``)."""

    def diff(p: Any) -> dict[str, Any]:
        out = v.message_json(p)
        if "quantization_config" in out:
            out["quantization_config"] = quantization_in(out["quantization_config"])
        return out

    kind = config.WhichOneof("config")
    if kind == "params":
        return {"": diff(config.params)}
    if kind == "params_map":
        return {name: diff(p) for name, p in config.params_map.map.items()}
    return {}


def vectors_config_in(config: Any) -> Any:
    kind = config.WhichOneof("config")
    if kind == "params":
        return _vector_params_in(config.params)
    if kind == "params_map":
        return {name: _vector_params_in(p) for name, p in config.params_map.map.items()}
    return {}


def _strict_in(config: dict[str, Any]) -> dict[str, Any]:
    """Protobuf wraps strict mode's per-vector maps in a message of the same field name."""
    for name in ("multivector_config", "sparse_config"):
        inner = config.get(name)
        if isinstance(inner, dict) and name in inner:
            config[name] = inner[name]
    return config


def create_body(r: Any) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if r.HasField("vectors_config"):
        body["vectors"] = vectors_config_in(r.vectors_config)
    for name in ("hnsw_config", "wal_config", "optimizers_config"):
        if r.HasField(name):
            body[name] = v.message_json(getattr(r, name))
    if "optimizers_config" in body:
        body["optimizers_config"] = optimizers_in(body["optimizers_config"])
    if r.HasField("strict_mode_config"):
        body["strict_mode_config"] = _strict_in(v.message_json(r.strict_mode_config))
    if r.HasField("quantization_config"):
        body["quantization_config"] = quantization_in(v.message_json(r.quantization_config))
    if r.HasField("sparse_vectors_config"):
        body["sparse_vectors"] = sparse_vectors_in(r.sparse_vectors_config)
    if r.HasField("payload"):
        body["payload"] = v.message_json(r.payload)
    body = memory_in(body)
    v.set_if(body, r, "shard_number", "replication_factor", "write_consistency_factor", "on_disk_payload")
    if r.HasField("sharding_method"):
        body["sharding_method"] = "custom" if r.sharding_method == pb.ShardingMethod.Custom else "auto"
    if r.metadata:
        body["metadata"] = v.struct(r.metadata)
    return body


# -- REST -> protobuf ---------------------------------------------------------------------
def _vector_params_out(p: dict[str, Any]) -> dict[str, Any]:
    p = {k: x for k, x in p.items() if x is not None}
    if "multivector_config" in p:
        p["multivector_config"] = {"comparator": "MaxSim"}
    if "quantization_config" in p:
        p["quantization_config"] = quantization_out(p["quantization_config"])
    out: dict[str, Any] = capitalised(p, ("datatype",))
    return out


def info_out(info: m.CollectionInfo) -> Any:
    data = info.model_dump(mode="json", exclude_none=True)
    config = data.get("config", {})
    params = config.get("params", {})
    vectors = params.pop("vectors", None)
    if isinstance(vectors, dict) and "size" in vectors:
        params["vectors_config"] = {"params": _vector_params_out(vectors)}
    elif isinstance(vectors, dict):
        params["vectors_config"] = {"params_map": {"map": {k: _vector_params_out(x) for k, x in vectors.items()}}}
    if "sharding_method" in params:
        params["sharding_method"] = str(params["sharding_method"]).capitalize()
    sparse = params.pop("sparse_vectors", None)
    if sparse:
        params["sparse_vectors_config"] = {"map": capitalised(sparse, ("modifier", "datatype"))}
    if "quantization_config" in config:
        config["quantization_config"] = quantization_out(config["quantization_config"])
    if isinstance(config.get("optimizer_config"), dict):
        config["optimizer_config"] = optimizers_out(config["optimizer_config"])
    metadata = config.pop("metadata", None)
    data["config"] = config = capitalised(config, ())  # memory placements
    status = data.get("optimizer_status")
    data["optimizer_status"] = {"ok": True} if not isinstance(status, dict) else {"ok": False, "error": status["error"]}
    data["status"] = str(data.get("status", "green")).capitalize()
    data["payload_schema"] = {
        key: {
            **capitalised({"data_type": s.get("data_type")}, ("data_type",)),
            "points": s.get("points", 0),
            **index_params_out(s.get("params")),
        }
        for key, s in data.get("payload_schema", {}).items()
    }
    strict = config.get("strict_mode_config")
    if isinstance(strict, dict):  # protobuf wraps the per-vector maps in a message
        for name in ("multivector_config", "sparse_config"):
            if name in strict:
                strict[name] = {name: strict[name]}
    out = pb.CollectionInfo()
    json_format.ParseDict(data, out, ignore_unknown_fields=True)
    for key, value in (metadata or {}).items():
        out.config.metadata[key].CopyFrom(v.value_out(value))
    return out


class CollectionsServicer(rpc.CollectionsServicer):  # type: ignore[misc]
    def __init__(self, svc: QdrantService, call: GrpcCall) -> None:
        self.svc = svc
        self.call = call

    def Get(self, request: Any, context: Any) -> Any:  # noqa: N802 (gRPC method names)
        def run() -> Any:
            return pb.GetCollectionInfoResponse(result=info_out(self.svc.collections.info(request.collection_name)))

        return self.call(context, f"GET {_C}", request.collection_name, run)

    def List(self, request: Any, context: Any) -> Any:  # noqa: N802
        def run() -> Any:
            access = self.call.access()
            names = [c.name for c in self.svc.collections.list().collections if access.may_see(c.name)]
            return pb.ListCollectionsResponse(collections=[pb.CollectionDescription(name=n) for n in names])

        return self.call(context, "GET /collections", None, run)

    def Create(self, request: Any, context: Any) -> Any:  # noqa: N802
        def run() -> Any:
            body: m.CreateCollection = wire(m.CreateCollection, create_body(request))
            return pb.CollectionOperationResponse(result=self.svc.collections.create(request.collection_name, body))

        return self.call(context, f"PUT {_C}", request.collection_name, run)

    def Delete(self, request: Any, context: Any) -> Any:  # noqa: N802
        def run() -> Any:
            return pb.CollectionOperationResponse(result=self.svc.collections.delete(request.collection_name))

        return self.call(context, f"DELETE {_C}", request.collection_name, run)

    def CollectionExists(self, request: Any, context: Any) -> Any:  # noqa: N802
        def run() -> Any:
            exists = self.svc.collections.exists(request.collection_name).exists
            return pb.CollectionExistsResponse(result=pb.CollectionExists(exists=exists))

        return self.call(context, f"GET {_C}/exists", request.collection_name, run)

    def Update(self, request: Any, context: Any) -> Any:  # noqa: N802
        def run() -> Any:
            body: dict[str, Any] = {}
            for name in ("optimizers_config", "hnsw_config", "params"):
                if request.HasField(name):
                    body[name] = v.message_json(getattr(request, name))
            if "optimizers_config" in body:
                body["optimizers_config"] = optimizers_in(body["optimizers_config"])
            if request.HasField("strict_mode_config"):
                body["strict_mode_config"] = _strict_in(v.message_json(request.strict_mode_config))
            if request.HasField("quantization_config"):
                body["quantization_config"] = quantization_in(v.message_json(request.quantization_config))
            if request.HasField("vectors_config"):
                body["vectors"] = _vector_diffs_in(request.vectors_config)
            if request.HasField("sparse_vectors_config"):
                body["sparse_vectors"] = sparse_vectors_in(request.sparse_vectors_config)
            body = memory_in(body)
            if request.metadata:
                body["metadata"] = v.struct(request.metadata)
            updated = self.svc.collections.update(request.collection_name, wire(m.UpdateCollection, body))
            return pb.CollectionOperationResponse(result=updated)

        return self.call(context, f"PATCH {_C}", request.collection_name, run)

    def UpdateAliases(self, request: Any, context: Any) -> Any:  # noqa: N802
        def run() -> Any:
            actions: list[dict[str, Any]] = []
            for action in request.actions:
                kind = action.WhichOneof("action")
                if kind is not None:
                    actions.append({kind: v.message_json(getattr(action, kind))})
            done = self.svc.collections.update_aliases(wire(m.ChangeAliasesOperation, {"actions": actions}))
            return pb.CollectionOperationResponse(result=done)

        return self.call(context, "POST /collections/aliases", None, run)

    def ListAliases(self, request: Any, context: Any) -> Any:  # noqa: N802
        def run() -> Any:
            access = self.call.access()
            aliases = [a for a in self.svc.collections.aliases().aliases if access.may_see(a.collection_name)]
            return _aliases_out(aliases)

        return self.call(context, "GET /aliases", None, run)

    def ListCollectionAliases(self, request: Any, context: Any) -> Any:  # noqa: N802
        def run() -> Any:
            return _aliases_out(self.svc.collections.aliases(request.collection_name).aliases)

        return self.call(context, f"GET {_C}/aliases", request.collection_name, run)

    def CollectionClusterInfo(self, request: Any, context: Any) -> Any:  # noqa: N802
        def run() -> Any:
            info = self.svc.collections.cluster_info(request.collection_name)
            shards = []
            for s in info.local_shards:
                shard = pb.LocalShardInfo(
                    shard_id=s.shard_id, points_count=s.points_count, state=pb.ReplicaState.Active
                )
                if s.shard_key is not None:
                    v.shard_key_out(shard.shard_key, s.shard_key)
                shards.append(shard)
            return pb.CollectionClusterInfoResponse(
                peer_id=info.peer_id, shard_count=info.shard_count, local_shards=shards
            )

        return self.call(context, f"GET {_C}/cluster", request.collection_name, run)

    def UpdateCollectionClusterSetup(self, request: Any, context: Any) -> Any:  # noqa: N802
        def run() -> Any:
            kind = request.WhichOneof("operation")
            body = {kind: v.message_json(getattr(request, kind))} if kind is not None else {}
            if kind in ("create_shard_key", "delete_shard_key"):  # REST names them *_sharding_key
                key = getattr(request, kind)
                rest_kind = kind.replace("shard_key", "sharding_key").replace("delete", "drop")
                body = {rest_kind: _shard_key_body(key)}
            path = {"collection_name": request.collection_name}
            done = rest_twin(self.svc, "update_collection_cluster", path, body)
            return pb.UpdateCollectionClusterSetupResponse(result=bool(done))

        return self.call(context, f"POST {_C}/cluster", request.collection_name, run)

    def CreateShardKey(self, request: Any, context: Any) -> Any:  # noqa: N802
        def run() -> Any:
            path = {"collection_name": request.collection_name}
            body = _shard_key_body(request.request)
            done = rest_twin(self.svc, "create_shard_key", path, body)
            return pb.CreateShardKeyResponse(result=bool(done))

        return self.call(context, f"PUT {_C}/shards", request.collection_name, run)

    def DeleteShardKey(self, request: Any, context: Any) -> Any:  # noqa: N802
        def run() -> Any:
            path = {"collection_name": request.collection_name}
            body = {"shard_key": v.shard_key(request.request.shard_key)}
            done = rest_twin(self.svc, "delete_shard_key", path, body)
            return pb.DeleteShardKeyResponse(result=bool(done))

        return self.call(context, f"POST {_C}/shards/delete", request.collection_name, run)

    def ListShardKeys(self, request: Any, context: Any) -> Any:  # noqa: N802
        def run() -> Any:
            found = rest_twin(self.svc, "list_shard_keys", {"collection_name": request.collection_name})
            out = pb.ListShardKeysResponse()
            for d in found.shard_keys or []:
                v.shard_key_out(out.shard_keys.add().key, d.key)
            return out

        return self.call(context, f"GET {_C}/shards", request.collection_name, run)


def _shard_key_body(r: Any) -> dict[str, Any]:
    """A ``CreateShardKey`` or ``DeleteShardKey`` message as REST's body."""
    body = v.set_if({"shard_key": v.shard_key(r.shard_key)}, r, "shards_number", "replication_factor")
    if "placement" in r.DESCRIPTOR.fields_by_name and r.placement:
        body["placement"] = list(r.placement)
    return body


def _aliases_out(aliases: list[m.AliasDescription]) -> Any:
    return pb.ListAliasesResponse(
        aliases=[pb.AliasDescription(alias_name=a.alias_name, collection_name=a.collection_name) for a in aliases]
    )
