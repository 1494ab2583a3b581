"""Service endpoints: version, health probes, metrics, telemetry, issues, cluster, quotas."""

from __future__ import annotations

import os
import platform
from dataclasses import replace
from typing import Any

from vecbase.api.qdrant import models as m
from vecbase.api.qdrant.rest.call import Call
from vecbase.api.qdrant.rest.routes import Operation
from vecbase.api.qdrant.rest.stats import BUCKETS, Endpoint, RequestStats
from vecbase.api.qdrant.version import QDRANT_VERSION, build_commit
from vecbase.core.errors import BadRequestError


def metrics_text(c: Call, stats: RequestStats) -> str:
    lines = [
        "# HELP app_info information about the vecbase server",
        "# TYPE app_info gauge",
        f'app_info{{name="vecbase",version="{QDRANT_VERSION}"}} 1',
        "# HELP app_status_recovery_mode features enabled in the server",
        "# TYPE app_status_recovery_mode gauge",
        "app_status_recovery_mode 0",
        "# HELP collections_total number of collections",
        "# TYPE collections_total gauge",
    ]
    names = c.svc.toc.names()
    lines.append(f"collections_total {len(names)}")
    lines += ["# HELP collection_points approximate amount of points per collection", "# TYPE collection_points gauge"]
    total_points = 0
    for name in names:
        try:
            n = c.svc.toc.get(name).count(None)
        except Exception:  # a collection deleted meanwhile
            continue
        total_points += n
        lines.append(f'collection_points{{collection="{name}"}} {n}')
    lines += ["# HELP collections_vector_total total number of points", "# TYPE collections_vector_total gauge"]
    lines.append(f"collections_vector_total {total_points}")
    lines += ["# HELP cluster_enabled is cluster support enabled", "# TYPE cluster_enabled gauge", "cluster_enabled 0"]
    rest = []
    for (ep, status), e in sorted(stats.snapshot().items()):
        method, _, path = ep.partition(" ")
        # as Qdrant: durations of successful responses only
        rest.append((f'method="{method}",endpoint="{path}",status="{status}"', e, status == 200))
    lines += _duration_families("rest", rest)
    grpc: dict[str, list[tuple[int, Endpoint]]] = {}
    for (method, code), e in stats.snapshot(grpc=True).items():
        grpc.setdefault(method, []).append((code, e))
    lines += _duration_families("grpc", [(f'endpoint="{m}"', *_merged(grpc[m])) for m in sorted(grpc)])
    return "\n".join(lines) + "\n"


def _merged(by_code: list[tuple[int, Endpoint]]) -> tuple[Endpoint, bool]:
    """One gRPC method's statistics over its status codes: counts of all, durations of the
    successful calls (whether there were any)."""
    ok = next((e for code, e in by_code if code == 0), None)
    count, fails = sum(e.count for _, e in by_code), sum(e.fail_count for _, e in by_code)
    return replace(ok or Endpoint(), count=count, fail_count=fails), ok is not None


def _duration_families(kind: str, rows: list[tuple[str, Endpoint, bool]]) -> list[str]:
    """Qdrant's response metrics of one transport: counts for every row, durations (average,
    minimum, maximum, histogram) for the rows whose flag is set."""
    timed = [(labels, e) for labels, e, with_times in rows if with_times and e.count]
    lines = [
        f"# HELP {kind}_responses_total total number of {kind} responses",
        f"# TYPE {kind}_responses_total counter",
    ]
    lines += [f"{kind}_responses_total{{{labels}}} {e.count}" for labels, e, _ in rows]
    lines += [
        f"# HELP {kind}_responses_fail_total total number of failed {kind} responses",
        f"# TYPE {kind}_responses_fail_total counter",
    ]
    lines += [f"{kind}_responses_fail_total{{{labels}}} {e.fail_count}" for labels, e, _ in rows]
    for stat, what in (("avg", "average"), ("min", "minimum"), ("max", "maximum")):
        family = f"{kind}_responses_{stat}_duration_seconds"
        lines += [f"# HELP {family} {what} {kind} response duration", f"# TYPE {family} gauge"]
        for labels, e in timed:
            value = e.total_s / e.count if stat == "avg" else e.min_s if stat == "min" else e.max_s
            lines.append(f"{family}{{{labels}}} {value}")
    family = f"{kind}_responses_duration_seconds"
    lines += [f"# HELP {family} {kind} response duration histogram", f"# TYPE {family} histogram"]
    for labels, e in timed:
        for bound, n in zip(BUCKETS, e.buckets):
            lines.append(f'{family}_bucket{{{labels},le="{bound}"}} {n}')
        lines.append(f'{family}_bucket{{{labels},le="+Inf"}} {e.count}')
        lines.append(f"{family}_sum{{{labels}}} {e.total_s}")
        lines.append(f"{family}_count{{{labels}}} {e.count}")
    return lines


def _durations(table: dict[tuple[str, int], Endpoint]) -> dict[str, dict[str, m.OperationDurationStatistics]]:
    out: dict[str, dict[str, m.OperationDurationStatistics]] = {}
    for (ep, status), e in table.items():
        out.setdefault(ep, {})[str(status)] = m.OperationDurationStatistics(
            count=e.count,
            fail_count=e.fail_count,
            avg_duration_micros=e.total_s / e.count * 1e6 if e.count else 0.0,
            min_duration_micros=e.min_s * 1e6 if e.count else 0.0,
            max_duration_micros=e.max_s * 1e6,
            total_duration_micros=int(e.total_s * 1e6),
            last_responded=e.last,
        )
    return out


def telemetry(c: Call, stats: RequestStats) -> m.TelemetryData:
    details = c.int_param("details_level", 0) or 0
    collections: list[Any] = []
    for name in c.svc.toc.names():
        try:
            info = c.svc.collections.info(name)
        except Exception:
            continue
        if details >= 1:
            shards = [_shard_telemetry(c, name, info)] if details >= 2 else None
            collections.append(
                m.CollectionTelemetry(id=name, init_time_ms=0, config=None, shards=shards, transfers=[], resharding=[])
            )
        else:
            collections.append(
                m.CollectionsAggregatedTelemetry(
                    vectors=info.points_count or 0,
                    optimizers_status=info.optimizer_status,
                    params=info.config.params,
                )
            )
    responses, grpc_responses = _durations(stats.snapshot()), _durations(stats.snapshot(grpc=True))
    return m.TelemetryData(
        id=build_commit()[:36],
        app=m.AppBuildTelemetry(
            name="vecbase",
            version=QDRANT_VERSION,
            startup=stats.started,
            system=m.RunningEnvironmentTelemetry(
                distribution=platform.system(),
                distribution_version=platform.release(),
                is_docker=os.path.exists("/.dockerenv"),
                cores=os.cpu_count(),
                cpu_flags="",
            ),
        ),
        collections=m.CollectionsTelemetry(number_of_collections=len(c.svc.toc.names()), collections=collections),
        cluster=m.ClusterTelemetry(enabled=False),
        requests=m.RequestsTelemetry(
            rest=m.WebApiTelemetry(responses=responses, per_collection_responses={}),
            grpc=m.GrpcTelemetry(responses=grpc_responses, per_collection_responses={}),
        ),
    )


_PATHS = (
    "unfiltered_plain",
    "unfiltered_hnsw",
    "unfiltered_sparse",
    "filtered_plain",
    "filtered_small_cardinality",
    "filtered_large_cardinality",
    "filtered_exact",
    "filtered_sparse",
    "unfiltered_exact",
)


def _shard_telemetry(c: Call, name: str, info: m.CollectionInfo) -> m.ReplicaSetTelemetry:
    """The collection's one local shard with its segments, as Qdrant reports them: which rows
    a graph serves, and per vector how many searches took each path (the planner's choices:
    a graph, a scan for want of one, a scan because the filter leaves few rows, exact)."""
    segments = []
    col = c.svc.collections.col(name)
    for plan in col.segment_plans():
        vectors = plan["vectors"]
        indexed = sum(v["num_indexed_vectors"] for v in vectors.values())
        searches = [
            m.VectorIndexSearchesTelemetry(
                index_name=vector,
                **{
                    path: m.OperationDurationStatistics(count=plan["searches"].get((vector, path), 0))
                    for path in _PATHS
                },
            )
            for vector in sorted({v for v, _ in plan["searches"]} | set(vectors))
        ]
        segment_info = m.SegmentInfo(
            uuid=plan["uuid"],
            segment_type=m.SegmentType.INDEXED
            if any(v["graph"] == "hnsw" for v in vectors.values())
            else m.SegmentType.PLAIN,
            num_vectors=sum(v["num_vectors"] for v in vectors.values()),
            num_points=plan["points"],
            num_indexed_vectors=indexed,
            num_deleted_vectors=sum(v["num_deleted_vectors"] for v in vectors.values()),
            vectors_size_bytes=sum(v["num_vectors"] * v["size"] * 4 for v in vectors.values()),
            payloads_size_bytes=0,
            ram_usage_bytes=0,
            disk_usage_bytes=0,
            is_appendable=plan["appendable"],
            index_schema={},
            vector_data={
                vector: m.VectorDataInfo(
                    num_vectors=v["num_vectors"],
                    num_indexed_vectors=v["num_indexed_vectors"],
                    num_deleted_vectors=v["num_deleted_vectors"],
                )
                for vector, v in vectors.items()
            },
        )
        segments.append(
            m.SegmentTelemetry(
                info=segment_info,
                config=_segment_config(col.config, info, plan),
                vector_index_searches=searches,
                payload_field_indices=[],
            )
        )
    local = m.LocalShardTelemetry(
        variant_name="local_shard",
        status=m.ShardStatus(info.status.value),
        total_optimized_points=0,
        num_points=info.points_count,
        num_vectors=sum(s.info.num_vectors for s in segments),
        segments=segments,
    )
    return m.ReplicaSetTelemetry(id=0, key=None, local=local, remote=[], replicate_states={"0": m.ReplicaState.ACTIVE})


def _segment_config(config: Any, info: m.CollectionInfo, plan: dict[str, Any]) -> m.SegmentConfig:
    """A segment's storage and index settings, as Qdrant describes them."""
    vector_data = {}
    for vector, v in plan["vectors"].items():
        vc = config.vectors[vector]
        index: dict[str, Any] = {"type": "plain", "options": {}}
        if v["graph"] == "hnsw" or (v["graph"] == "growing" and v["num_indexed_vectors"]):
            index = {"type": "hnsw", "options": info.config.hnsw_config.model_dump(mode="json")}
        vector_data[vector] = m.VectorDataConfig(
            size=vc.size,
            distance=m.Distance(vc.distance.value),
            storage_type="InRamChunkedMmap" if plan["appendable"] else "Memory",
            index=index,
            quantization_config=None,
            multivector_config=None,
            datatype=None,
        )
    sparse = {
        vector: m.SparseVectorDataConfig(
            index=m.SparseIndexConfig(index_type="MutableRam" if plan["appendable"] else "ImmutableRam"),
            storage_type="mmap",
            modifier=m.Modifier(sc.modifier.value) if sc.modifier is not None else None,
        )
        for vector, sc in config.sparse_vectors.items()
    }
    return m.SegmentConfig(
        vector_data=vector_data, sparse_vector_data=sparse, payload_storage_type={"type": "in_ram_mmap"}
    )


def _cluster_refusal(c: Call) -> Any:
    raise BadRequestError("Bad request: Distributed mode disabled")


def _clear_issues(c: Call) -> bool:
    c.svc.issues.clear()
    return True


def service_operations(stats: RequestStats) -> list[Operation]:
    return [
        Operation("GET", "/telemetry", "telemetry", lambda c: telemetry(c, stats)),
        Operation("DELETE", "/issues", "clear_issues", _clear_issues),
        Operation("GET", "/cluster", "cluster_status", lambda c: {"status": "disabled"}),
        Operation("GET", "/cluster/telemetry", "cluster_telemetry", _cluster_refusal),
        Operation("POST", "/cluster/recover", "recover_current_peer", _cluster_refusal),
        Operation("DELETE", "/cluster/peer/{peer_id}", "remove_peer", _cluster_refusal),
        Operation("GET", "/quotas", "get_quotas", lambda c: c.svc.quotas.status()),
        Operation("PUT", "/quotas", "update_quotas", lambda c: c.svc.quotas.update(c.body(m.QuotaConfig))),
    ]
