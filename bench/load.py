"""Load test: many concurrent clients mixing reads and writes against one server with API
keys, JWT tokens and strict mode on; then checks that every acknowledged write is readable.

Usage: python bench/load.py [--clients 64] [--seconds 180] [--dim 64] [--write-share 0.3]
                            [--out bench/results/load.json]

Each client (an asyncio task with its own connection) loops: with probability
``--write-share`` it upserts a batch of 1-16 points under ids it owns (``wait=true``, so an
acknowledged write is durable), otherwise it runs a query (plain, filtered, or a hybrid of
two prefetches) or a scroll. Half the clients use the full API key, half a JWT token with
``rw`` access to the collection. The collection has strict mode enabled with limits the
workload stays within (``max_query_limit`` 100, ``upsert_max_batchsize`` 64,
``unindexed_filtering_retrieve: false`` with ``group`` indexed). Printed: operations per
second, p50 / p99 latency per kind, error counts by status, and the durability check (every
acknowledged point retrieved with its payload).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import httpx
import jwt
import numpy as np
from report import write_report

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.live_server import Server  # noqa: E402

KEY = "load-test-key-0123456789abcdef0123456789"
NAME = "load"


async def client_loop(
    index: int,
    url: str,
    headers: dict[str, str],
    deadline: float,
    dim: int,
    write_share: float,
    acked: dict[int, int],
    latencies: dict[str, list[float]],
    errors: Counter[str],
) -> None:
    rng = random.Random(index)
    next_id = index * 10_000_000
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as http:
        while time.monotonic() < deadline:
            kind: str
            started = time.perf_counter()
            if rng.random() < write_share:
                kind = "upsert"
                n = rng.randint(1, 16)
                ids = list(range(next_id, next_id + n))
                next_id += n
                points = [
                    {
                        "id": pid,
                        "vector": [rng.gauss(0, 1) for _ in range(dim)],
                        "payload": {"group": pid % 10, "owner": index},
                    }
                    for pid in ids
                ]
                r = await http.put(f"/collections/{NAME}/points?wait=true", json={"points": points})
                if r.status_code == 200:
                    for pid in ids:
                        acked[pid] = index
            else:
                vector = [rng.gauss(0, 1) for _ in range(dim)]
                choice = rng.random()
                if choice < 0.4:
                    kind, body, path = "query", {"query": vector, "limit": 10}, "/points/query"
                elif choice < 0.7:
                    kind = "query_filtered"
                    flt = {"must": [{"key": "group", "match": {"value": rng.randint(0, 9)}}]}
                    body, path = {"query": vector, "limit": 10, "filter": flt}, "/points/query"
                elif choice < 0.85:
                    kind = "query_fusion"
                    body = {
                        "prefetch": [{"query": vector, "limit": 50}, {"query": vector[::-1], "limit": 50}],
                        "query": {"fusion": "rrf"},
                        "limit": 10,
                    }
                    path = "/points/query"
                else:
                    kind, body, path = "scroll", {"limit": 20, "with_payload": True}, "/points/scroll"
                r = await http.post(f"/collections/{NAME}{path}", json=body)
            latencies[kind].append(time.perf_counter() - started)
            if r.status_code != 200:
                errors[f"{kind} {r.status_code}"] += 1


async def verify(url: str, acked: dict[int, int]) -> tuple[int, int]:
    """(acknowledged points, of which missing or wrong)."""
    ids = sorted(acked)
    missing = 0
    async with httpx.AsyncClient(base_url=url, headers={"api-key": KEY}, timeout=120) as http:
        for start in range(0, len(ids), 1000):
            chunk = ids[start : start + 1000]
            r = await http.post(f"/collections/{NAME}/points", json={"ids": chunk, "with_payload": True})
            found = {p["id"]: p["payload"] for p in r.json()["result"]}
            missing += sum(1 for pid in chunk if found.get(pid, {}).get("owner") != acked[pid])
    return len(ids), missing


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=180)
    parser.add_argument("--dim", type=int, default=64)
    parser.add_argument("--write-share", type=float, default=0.3)
    parser.add_argument("--out", default="bench/results/load.json")
    args = parser.parse_args()
    env = {"VECBASE__SERVICE__API_KEY": KEY, "VECBASE__SERVICE__JWT_RBAC": "true"}
    token = jwt.encode({"access": [{"collection": NAME, "access": "rw"}], "exp": int(time.time()) + 86400}, KEY)
    with tempfile.TemporaryDirectory() as tmp:
        server = Server(Path(tmp) / "storage")
        server.start(env=env)
        try:
            with httpx.Client(base_url=server.url, headers={"api-key": KEY}, timeout=60) as http:
                http.put(
                    f"/collections/{NAME}",
                    json={
                        "vectors": {"size": args.dim, "distance": "Cosine"},
                        "strict_mode_config": {
                            "enabled": True,
                            "max_query_limit": 100,
                            "upsert_max_batchsize": 64,
                            "unindexed_filtering_retrieve": False,
                        },
                    },
                ).raise_for_status()
                http.put(
                    f"/collections/{NAME}/index?wait=true", json={"field_name": "group", "field_schema": "integer"}
                ).raise_for_status()
            acked: dict[int, int] = {}
            latencies: dict[str, list[float]] = defaultdict(list)
            errors: Counter[str] = Counter()
            deadline = time.monotonic() + args.seconds
            headers = [{"api-key": KEY}, {"authorization": f"Bearer {token}"}]

            async def run() -> None:
                await asyncio.gather(
                    *(
                        client_loop(
                            i,
                            server.url,
                            headers[i % 2],
                            deadline,
                            args.dim,
                            args.write_share,
                            acked,
                            latencies,
                            errors,
                        )
                        for i in range(args.clients)
                    )
                )

            started = time.perf_counter()
            asyncio.run(run())
            elapsed = time.perf_counter() - started
            checked, missing = asyncio.run(verify(server.url, acked))
        finally:
            server.stop()
    total = sum(len(v) for v in latencies.values())
    out: dict[str, Any] = {
        "clients": args.clients,
        "seconds": round(elapsed, 1),
        "operations": total,
        "operations_per_s": round(total / elapsed, 1),
        "errors": dict(errors),
        "acknowledged_points": checked,
        "missing_after": missing,
        "latency_ms": {},
    }
    print(f"{args.clients} clients for {elapsed:.0f} s: {total} operations ({total / elapsed:.1f}/s)")
    for kind, values in sorted(latencies.items()):
        ms = np.array(values) * 1e3
        p50, p99 = float(np.percentile(ms, 50)), float(np.percentile(ms, 99))
        out["latency_ms"][kind] = {"count": len(values), "p50": round(p50, 2), "p99": round(p99, 2)}
        print(f"  {kind:15s} {len(values):7d}  p50 {p50:8.2f} ms  p99 {p99:8.2f} ms")
    print(f"errors: {dict(errors) or 'none'}")
    print(f"durability: {checked} acknowledged points, {missing} missing or wrong after the run")
    write_report(args.out, "load", out)


if __name__ == "__main__":
    main()
