"""QueryCollectionData through Alibaba Cloud's SDK against the same queries through the Qdrant
dialect, on one server and one collection.

Usage: python bench/analyticdb.py [--rows 100000] [--queries 400] [--threads 8]
                                  [--out bench/results/analyticdb.json]

Rows: 64-d random vectors (cosine), metadata ``year`` (int, indexed) and ``title`` (text, a
full-text field with the english parser: six words from a 2,000-word vocabulary), upserted
through the SDK in batches of 1,000. Queries with ``--threads`` SDK clients, TopK 10:
- vector only;
- vector + ``Filter`` ``year BETWEEN 2005 AND 2009 AND NOT (year = 2007)``;
- hybrid RRF (``Content`` of two words, k = 60);
and the same three through the Qdrant dialect's Query API (``points/query`` on the engine
collection ``adb__public__bench``: the same vector, the equivalent Qdrant filter, and an RRF
fusion of a BM25 ``Document`` prefetch with a dense prefetch). Printed: queries/s and p99
latency of each, the ratio (goal, issue 15: at least 0.7x the Qdrant dialect's rate), and the
server process's CPU time per query (the clients share the machine's cores: the SDK, which
signs every request, costs the server's neighbour more than httpx does).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable

import httpx
import numpy as np
from report import write_report

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from alibabacloud_gpdb20160503 import models as m  # noqa: E402
from alibabacloud_gpdb20160503.client import Client  # noqa: E402
from alibabacloud_tea_openapi import models as om  # noqa: E402

from tests.live_server import Server  # noqa: E402

DIM = 64
BASE = {"dbinstance_id": "bench", "region_id": "local"}
MANAGER = {"manager_account": "admin", "manager_account_password": "pw"}
DATA = {**BASE, "namespace": "public", "namespace_password": "pw", "collection": "bench"}
FILTER_SQL = "year BETWEEN 2005 AND 2009 AND NOT (year = 2007)"


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(fn: Callable[[int], Any], n: int, threads: int, pid: int) -> dict[str, float]:
    latencies = [0.0] * n

    def one(i: int) -> None:
        started = time.perf_counter()
        fn(i)
        latencies[i] = time.perf_counter() - started

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(one, range(min(n, threads))))  # warm-up: connections, caches
        cpu = cpu_seconds(pid)
        started = time.perf_counter()
        list(pool.map(one, range(n)))
        elapsed = time.perf_counter() - started
        server_cpu = cpu_seconds(pid) - cpu
    return {
        "queries_per_s": n / elapsed,
        "p99_ms": float(np.percentile(np.array(latencies) * 1e3, 99)),
        "server_cpu_ms_per_query": server_cpu / n * 1e3,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--out", default="bench/results/analyticdb.json")
    args = parser.parse_args()
    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(args.rows, DIM)).astype(np.float32)
    vocabulary = [f"w{i}" for i in range(2000)]
    titles = [" ".join(rng.choice(vocabulary, size=6).tolist()) for _ in range(args.rows)]
    years = rng.integers(2000, 2020, size=args.rows)
    queries = rng.normal(size=(args.queries, DIM)).astype(np.float32).tolist()
    contents = [" ".join(rng.choice(vocabulary, size=2).tolist()) for _ in range(args.queries)]
    out: dict[str, Any] = {"rows": args.rows, "queries": args.queries, "threads": args.threads}

    with tempfile.TemporaryDirectory() as tmp, Server(Path(tmp) / "storage") as server:
        config = om.Config(
            access_key_id="ak", access_key_secret="sk", endpoint=f"127.0.0.1:{server.port}", protocol="http"
        )
        sdk = Client(config)
        sdk.init_vector_database(m.InitVectorDatabaseRequest(**BASE, **MANAGER))
        sdk.create_collection(
            m.CreateCollectionRequest(
                **BASE,
                **MANAGER,
                namespace="public",
                collection="bench",
                dimension=DIM,
                metrics="cosine",
                metadata=json.dumps({"year": "int", "title": "text"}),
                metadata_indices="year",
                full_text_retrieval_fields="title",
                parser="english",
            )
        )
        started = time.perf_counter()
        for start in range(0, args.rows, 1000):
            rows = [
                m.UpsertCollectionDataRequestRows(
                    id=str(i), vector=vectors[i].tolist(), metadata={"year": int(years[i]), "title": titles[i]}
                )
                for i in range(start, min(start + 1000, args.rows))
            ]
            sdk.upsert_collection_data(m.UpsertCollectionDataRequest(**DATA, rows=rows))
        out["upsert_rows_per_s"] = args.rows / (time.perf_counter() - started)
        http = httpx.Client(base_url=server.url, timeout=120, limits=httpx.Limits(max_connections=args.threads))
        while http.get("/collections/adb__public__bench").json()["result"]["status"] != "green":
            time.sleep(1)
        clients = [Client(config) for _ in range(args.threads)]

        def sdk_query(i: int, **extra: Any) -> Any:
            return clients[i % args.threads].query_collection_data(
                m.QueryCollectionDataRequest(**DATA, vector=queries[i], top_k=10, **extra)
            )

        qdrant_filter = {
            "must": [{"key": "year", "range": {"gte": 2005, "lte": 2009}}],
            "must_not": [{"key": "year", "match": {"value": 2007}}],
        }

        def qdrant(i: int, kind: str) -> Any:
            body: dict[str, Any] = {"query": queries[i], "using": "vector", "limit": 10, "with_payload": True}
            if kind == "filter":
                body["filter"] = qdrant_filter
            elif kind == "rrf":
                body = {
                    "prefetch": [
                        {"query": queries[i], "using": "vector", "limit": 100},
                        {
                            "query": {"text": contents[i], "model": "qdrant/bm25", "options": {"language": "english"}},
                            "using": "text",
                            "limit": 100,
                        },
                    ],
                    "query": {"rrf": {"k": 60}},
                    "limit": 10,
                    "with_payload": True,
                }
            return http.post("/collections/adb__public__bench/points/query", json=body).raise_for_status()

        runs = {
            "vector": (lambda i: sdk_query(i), lambda i: qdrant(i, "vector")),
            "vector_filter": (lambda i: sdk_query(i, filter=FILTER_SQL), lambda i: qdrant(i, "filter")),
            "hybrid_rrf": (
                lambda i: sdk_query(i, content=contents[i], hybrid_search="RRF", hybrid_search_args={"RRF": {"k": 60}}),
                lambda i: qdrant(i, "rrf"),
            ),
        }
        for label, (adb, qd) in runs.items():
            assert server.proc is not None
            a = measure(adb, args.queries, args.threads, server.proc.pid)
            q = measure(qd, args.queries, args.threads, server.proc.pid)
            out[label] = {"analyticdb": a, "qdrant": q, "ratio": a["queries_per_s"] / q["queries_per_s"]}
            print(
                f"{label:14s} AnalyticDB SDK {a['queries_per_s']:7.1f} q/s (p99 {a['p99_ms']:6.1f} ms)"
                f"   Qdrant REST {q['queries_per_s']:7.1f} q/s (p99 {q['p99_ms']:6.1f} ms)"
                f"   ratio {out[label]['ratio']:.2f}; server CPU per query {a['server_cpu_ms_per_query']:.2f} ms"
                f" vs {q['server_cpu_ms_per_query']:.2f} ms"
            )
        http.close()
    print(f"{args.rows:,} rows upserted at {out['upsert_rows_per_s']:.0f} rows/s through the SDK")
    write_report(args.out, "analyticdb", out)


if __name__ == "__main__":
    main()
