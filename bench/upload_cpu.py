"""Where an upload's CPU goes: qdrant-client's ``upload_collection`` against one server, with
the client's CPU time and each server thread's.

Usage: python bench/upload_cpu.py [--points 100000] [--dim 128] [--grpc]
                                  [--out bench/results/upload_cpu.json]

The client uploads batches of 256 one after the other, so its CPU time plus the server's
time on the request path is the upload's wall time: the server threads' figures say which
part of the server to look at (the request thread parses and writes, the event loop
receives and answers, the settler applies acknowledged writes after the answer). Used for
issue 19's upload goal beside bench/rest.py, which measures the ratio to the canned ceiling.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from qdrant_client import QdrantClient
from qdrant_client import models as qm
from report import write_report

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.live_server import Server  # noqa: E402


def thread_cpu(pid: int) -> dict[str, float]:
    """CPU seconds of each thread of process ``pid`` (``tid name`` -> seconds)."""
    out = {}
    tick = os.sysconf("SC_CLK_TCK")
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            stat = (task / "stat").read_text()
        except FileNotFoundError:
            continue  # a thread that ended meanwhile
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        out[f"{task.name} {name}"] = (int(fields[11]) + int(fields[12])) / tick
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--points", type=int, default=100_000)
    ap.add_argument("--dim", type=int, default=128)
    ap.add_argument("--grpc", action="store_true")
    ap.add_argument("--out", default="bench/results/upload_cpu.json")
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(args.points, args.dim)).astype(np.float32)
    payloads = [{"i": i, "group": f"g{i % 17}"} for i in range(args.points)]
    with tempfile.TemporaryDirectory() as tmp, Server(Path(tmp) / "storage") as server:
        assert server.proc is not None
        if args.grpc:
            client = QdrantClient(
                host="127.0.0.1", grpc_port=server.grpc_port, prefer_grpc=True, timeout=120, check_compatibility=False
            )
        else:
            client = QdrantClient(url=server.url, timeout=120)
        client.create_collection("bench", vectors_config=qm.VectorParams(size=args.dim, distance=qm.Distance.COSINE))
        before, client_before = thread_cpu(server.proc.pid), os.times()
        start = time.perf_counter()
        client.upload_collection("bench", vectors, payload=payloads, ids=range(args.points), batch_size=256)
        elapsed = time.perf_counter() - start
        after, client_after = thread_cpu(server.proc.pid), os.times()
        client.close()
    batches = -(-args.points // 256)
    used = {k: round(v - before.get(k, 0.0), 2) for k, v in after.items()}
    busy = {k: v for k, v in sorted(used.items(), key=lambda kv: -kv[1]) if v >= 0.01}
    client_cpu = client_after.user + client_after.system - client_before.user - client_before.system
    print(f"{'gRPC' if args.grpc else 'REST'} upload: {args.points / elapsed:,.0f} points/s ({elapsed:.2f} s)")
    print(f"client CPU {client_cpu:.2f} s ({client_cpu / batches * 1e3:.2f} ms a batch of 256)")
    for name, seconds in busy.items():
        print(f"  server thread {name:32s} {seconds:6.2f} s ({seconds / batches * 1e3:.2f} ms a batch)")
    write_report(
        args.out,
        "upload_cpu",
        {
            "transport": "grpc" if args.grpc else "rest",
            "points": args.points,
            "dim": args.dim,
            "points_per_second": round(args.points / elapsed, 1),
            "client_cpu_seconds": round(client_cpu, 2),
            "server_thread_cpu_seconds": busy,
        },
    )


if __name__ == "__main__":
    main()
