"""REST and gRPC throughput through qdrant-client: upload and concurrent queries, against the
HTTP and gRPC ceilings.

Usage: python bench/rest.py [--points 100000] [--dim 128] [--clients 8] [--seconds 10]
                            [--upload-rounds 3] [--out bench/results/rest.json]

1. Starts `vecbase serve` on a temporary storage directory and uploads points x dim float32
   vectors with `QdrantClient.upload_collection(batch_size=256)`: points per second.
2. Runs `--clients` threads, each with its own QdrantClient, issuing `query_points` (limit 10,
   with payload) for `--seconds`: queries per second.
3. Starts bench/canned_app.py, a minimal ASGI app returning a canned body of the same size as
   a real query response, and runs the same client load against it: the ceiling of the HTTP
   path. Reports vecbase / ceiling. The same upload against the app answering vecbase's
   upsert response is the upload ceiling; against the app parsing each body first, the floor
   of any server that validates a body before it answers. The upload runs `--upload-rounds`
   times (each later one into a fresh collection), each between two ceiling runs; each
   round's ratio is against the mean of its two, and the median round is reported (this
   VM's speed drifts by a third over minutes).
4. The same upload (into a second collection) and query load with `prefer_grpc=True`, and
   against bench/canned_grpc.py (a minimal gRPC server answering a canned QueryResponse of the
   real size): the gRPC column.
Goals (issue 3): ingest >= 20,000 points/s; query throughput >= 0.5x the ceiling.
Goal (issue 19): upload >= 0.8x the upload ceiling measured in the same run.
Goals (issue 17): gRPC upload >= 1.5x REST's points/s; gRPC queries >= REST's rate and >= 0.5x
the gRPC ceiling.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import httpx
import numpy as np
from qdrant_client import QdrantClient
from qdrant_client import models as qm

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.live_server import Server, free_port  # noqa: E402


def wait_ready(url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.05)
    raise RuntimeError(f"{url} did not start")


def wait_grpc_ready(port: int) -> None:
    """Until a gRPC server listens on ``port`` (the canned one imports vecbase's protobuf
    modules first, which takes seconds on a loaded machine)."""
    import grpc

    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    try:
        grpc.channel_ready_future(channel).result(timeout=60)
    finally:
        channel.close()


def connect(url: str, grpc_port: int | None) -> QdrantClient:
    if grpc_port is None:
        return QdrantClient(url=url, timeout=60)
    return QdrantClient(host="127.0.0.1", grpc_port=grpc_port, prefer_grpc=True, timeout=60, check_compatibility=False)


def query_load(
    url: str, collection: str, queries: np.ndarray, clients: int, seconds: float, grpc_port: int | None = None
) -> dict[str, Any]:
    counts = [0] * clients
    latencies: list[list[float]] = [[] for _ in range(clients)]
    stop = threading.Event()

    def worker(k: int) -> None:
        client = connect(url, grpc_port)
        i = k
        while not stop.is_set():
            t = time.perf_counter()
            client.query_points(collection, query=queries[i % len(queries)].tolist(), limit=10, with_payload=True)
            latencies[k].append(time.perf_counter() - t)
            counts[k] += 1
            i += clients
        client.close()

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    lat = np.array([x for ls in latencies for x in ls]) * 1000
    return {
        "queries": int(sum(counts)),
        "seconds": round(elapsed, 2),
        "qps": round(sum(counts) / elapsed, 1),
        "p50_ms": round(float(np.percentile(lat, 50)), 2),
        "p99_ms": round(float(np.percentile(lat, 99)), 2),
    }


@contextmanager
def canned_app(tmp: str, answer: bytes, parse: bool = False) -> Iterator[int]:
    """bench/canned_app.py answering ``answer`` to every request (parsing each body first
    with ``parse``), listening on the port it yields until the block ends."""
    body = Path(tmp) / "canned_answer.json"
    body.write_bytes(answer)
    port = free_port()
    cmd = [sys.executable, str(ROOT / "bench" / "canned_app.py"), str(port), str(body)] + (["--parse"] if parse else [])
    canned = subprocess.Popen(cmd)
    try:
        wait_ready(f"http://127.0.0.1:{port}/")
        yield port
    finally:
        canned.terminate()
        canned.wait()


def canned_upload(
    tmp: str, answer: bytes, vectors: np.ndarray, payloads: list[dict[str, Any]], parse: bool
) -> dict[str, Any]:
    """qdrant-client's upload against bench/canned_app.py answering ``answer`` to every batch."""
    with canned_app(tmp, answer, parse) as port:
        client = QdrantClient(url=f"http://127.0.0.1:{port}", timeout=120, check_compatibility=False)
        start = time.perf_counter()
        client.upload_collection("bench", vectors, payload=payloads, ids=range(len(vectors)), batch_size=256)
        elapsed = time.perf_counter() - start
        client.close()
    return {"seconds": round(elapsed, 2), "points_per_second": round(len(vectors) / elapsed, 1)}


def grpc_query(vector: list[float]) -> Any:
    """The gRPC request qdrant-client sends for ``query_points(query=vector, limit=10, with_payload=True)``."""
    from qdrant_client import grpc as qg

    return qg.QueryPoints(
        collection_name="bench",
        query=qg.Query(nearest=qg.VectorInput(dense=qg.DenseVector(data=vector))),
        limit=10,
        with_payload=qg.WithPayloadSelector(enable=True),
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--points", type=int, default=100_000)
    ap.add_argument("--dim", type=int, default=128)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--upload-rounds", type=int, default=3, help="vecbase uploads, each between two ceiling runs")
    ap.add_argument("--out", default="bench/results/rest.json")
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(args.points, args.dim)).astype(np.float32)
    payloads = [{"i": i, "group": f"g{i % 17}"} for i in range(args.points)]
    queries = rng.normal(size=(256, args.dim)).astype(np.float32)
    result: dict[str, Any] = {"benchmark": "rest", "points": args.points, "dim": args.dim, "clients": args.clients}
    with tempfile.TemporaryDirectory() as tmp:
        with Server(Path(tmp) / "storage") as server:
            client = QdrantClient(url=server.url, timeout=120)
            client.create_collection(
                "bench", vectors_config=qm.VectorParams(size=args.dim, distance=qm.Distance.COSINE)
            )
            # vecbase's answer to a batch (the upload rewrites the point), for the canned app
            answer = httpx.put(
                f"{server.url}/collections/bench/points?wait=false",
                json={"points": [{"id": 0, "vector": vectors[0].tolist(), "payload": payloads[0]}]},
            ).content
            # the canned uploads run before vecbase's and again once it is green (the machine's
            # speed drifts over minutes; its indexing would compete with them in between)
            canned_runs: dict[str, list[dict[str, Any]]] = {"upload_ceiling": [], "upload_parse_floor": []}
            for key, parse in (("upload_ceiling", False), ("upload_parse_floor", True)):
                canned_runs[key].append(canned_upload(tmp, answer, vectors, payloads, parse))
            start = time.perf_counter()
            client.upload_collection("bench", vectors, payload=payloads, ids=range(args.points), batch_size=256)
            elapsed = time.perf_counter() - start
            assert client.count("bench").count == args.points
            result["upload"] = {
                "batch_size": 256,
                "seconds": round(elapsed, 2),
                "points_per_second": round(args.points / elapsed, 1),
                "goal_points_per_second": 20_000,
            }
            print(f"upload: {args.points} x {args.dim} in {elapsed:.1f}s = {args.points / elapsed:,.0f} points/s")
            start = time.perf_counter()
            while client.get_collection("bench").status != qm.CollectionStatus.GREEN:
                time.sleep(0.2)
            info = client.get_collection("bench")
            result["indexing"] = {
                "seconds_after_upload": round(time.perf_counter() - start, 2),
                "segments": info.segments_count,
                "indexed_vectors": info.indexed_vectors_count,
            }
            print(f"indexing: {result['indexing']}")
            for key, parse in (("upload_ceiling", False), ("upload_parse_floor", True)):
                canned_runs[key].append(canned_upload(tmp, answer, vectors, payloads, parse))
            # more rounds, each vecbase upload (into a fresh collection, dropped after it)
            # followed by a ceiling run: a round's ratio is its upload over the mean of the
            # ceiling runs either side of it, so the machine's drift between runs weighs less
            uploads = [result["upload"]["points_per_second"]]
            for k in range(1, args.upload_rounds):
                name = f"bench_round_{k}"
                params = qm.VectorParams(size=args.dim, distance=qm.Distance.COSINE)
                client.create_collection(name, vectors_config=params)
                start = time.perf_counter()
                client.upload_collection(name, vectors, payload=payloads, ids=range(args.points), batch_size=256)
                uploads.append(round(args.points / (time.perf_counter() - start), 1))
                assert client.count(name).count == args.points
                client.delete_collection(name)
                canned_runs["upload_ceiling"].append(canned_upload(tmp, answer, vectors, payloads, False))
            for key in canned_runs:
                runs = canned_runs[key]
                result[key] = {
                    "points_per_second": round(float(np.mean([r["points_per_second"] for r in runs])), 1),
                    "runs": runs,
                }
            ceilings = [r["points_per_second"] for r in canned_runs["upload_ceiling"]]
            ratios = [round(up / ((ceilings[k] + ceilings[k + 1]) / 2), 3) for k, up in enumerate(uploads)]
            floor = result["upload_parse_floor"]["points_per_second"]
            result["upload_rounds"] = {"points_per_second": uploads, "vs_ceiling": ratios}
            result["upload_vs_ceiling"] = float(np.median(ratios))
            result["upload_parse_floor_vs_ceiling"] = round(floor / float(np.mean(ceilings[:2])), 3)
            result["goal_upload_vs_ceiling"] = 0.8
            print(
                f"upload rounds {', '.join(f'{u:,.0f}' for u in uploads)} points/s against ceiling runs "
                f"{', '.join(f'{c:,.0f}' for c in ceilings)}: {', '.join(f'{r:.2f}x' for r in ratios)}"
            )
            print(
                f"parsing each body only: {floor:,.0f} ({result['upload_parse_floor_vs_ceiling']:.2f}x the first "
                f"round's ceiling); vecbase {result['upload_vs_ceiling']:.2f}x the ceiling, median of "
                f"{len(ratios)} rounds (goal >= 0.8)"
            )
            sample = httpx.post(
                f"{server.url}/collections/bench/points/query",
                json={"query": queries[0].tolist(), "limit": 10, "with_payload": True},
            ).content
            result["query"] = query_load(server.url, "bench", queries, args.clients, args.seconds)
            print(f"vecbase query: {result['query']}")
            # the gRPC column: the same upload into a second collection, the same queries
            over_grpc = connect(server.url, server.grpc_port)
            over_grpc.create_collection(
                "bench_grpc", vectors_config=qm.VectorParams(size=args.dim, distance=qm.Distance.COSINE)
            )
            start = time.perf_counter()
            over_grpc.upload_collection("bench_grpc", vectors, payload=payloads, ids=range(args.points), batch_size=256)
            elapsed = time.perf_counter() - start
            assert client.count("bench_grpc").count == args.points
            result["grpc_upload"] = {
                "seconds": round(elapsed, 2),
                "points_per_second": round(args.points / elapsed, 1),
                "vs_rest": round(result["upload"]["seconds"] / elapsed, 2),
            }
            print(f"gRPC upload: {args.points / elapsed:,.0f} points/s ({result['grpc_upload']['vs_rest']}x REST)")
            while client.get_collection("bench_grpc").status != qm.CollectionStatus.GREEN:
                time.sleep(0.2)  # its indexing would compete with the query load (and delay shutdown)
            grpc_sample = over_grpc.grpc_points.Query(grpc_query(queries[0].tolist()), timeout=60).SerializeToString()
            result["grpc_query"] = query_load(
                server.url, "bench", queries, args.clients, args.seconds, server.grpc_port
            )
            print(f"vecbase gRPC query: {result['grpc_query']}")
        with canned_app(tmp, sample) as port:
            result["ceiling"] = query_load(f"http://127.0.0.1:{port}", "bench", queries, args.clients, args.seconds)
        print(f"canned ASGI ceiling: {result['ceiling']} (response body {len(sample)} bytes)")
        canned_body = Path(tmp) / "canned.pb"
        canned_body.write_bytes(grpc_sample)
        port = free_port()
        canned = subprocess.Popen([sys.executable, str(ROOT / "bench" / "canned_grpc.py"), str(port), str(canned_body)])
        try:
            wait_grpc_ready(port)
            result["grpc_ceiling"] = query_load("", "bench", queries, args.clients, args.seconds, port)
        finally:
            canned.terminate()
            canned.wait()
        print(f"canned gRPC ceiling: {result['grpc_ceiling']} (response {len(grpc_sample)} bytes)")
        g = result["grpc_query"]["qps"]
        print(
            f"gRPC queries: {g / result['query']['qps']:.2f}x REST (goal >= 1), "
            f"{g / result['grpc_ceiling']['qps']:.2f}x the gRPC ceiling (goal >= 0.5); "
            f"gRPC upload {result['grpc_upload']['vs_rest']}x REST (goal >= 1.5)"
        )
        result["grpc_query_vs_rest"] = round(g / result["query"]["qps"], 3)
        result["grpc_query_vs_ceiling"] = round(g / result["grpc_ceiling"]["qps"], 3)
    ratio = result["query"]["qps"] / result["ceiling"]["qps"]
    result["response_bytes"] = len(sample)
    result["query_vs_ceiling"] = round(ratio, 3)
    result["goal_query_vs_ceiling"] = 0.5
    result["machine"] = f"{platform.machine()} {os.cpu_count()} cpus python {platform.python_version()}"
    print(f"query throughput / ceiling = {ratio:.2f} (goal >= 0.5)")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
