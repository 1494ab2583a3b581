"""Embedded ingest throughput: 100k x 128 float32 points with payload, batch 1000, wait=true.

Usage: python bench/ingest.py [--points 100000] [--dim 128] [--batch 1000] [--out bench/results/ingest.json]
Prints points per second and writes the figures as JSON. Goal (issue 2): >= 50,000 points/s.
"""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
import time
from pathlib import Path

import numpy as np

from vecbase import Client, models


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--points", type=int, default=100_000)
    ap.add_argument("--dim", type=int, default=128)
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--out", default="bench/results/ingest.json")
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(args.points, args.dim)).astype(np.float32)
    payloads = [{"i": i, "group": f"g{i % 17}", "score": float(i % 101) / 7} for i in range(args.points)]
    with tempfile.TemporaryDirectory() as tmp:
        client = Client(path=tmp)
        params = models.VectorParams(size=args.dim, distance=models.Distance.COSINE)
        client.create_collection("bench", vectors_config=params)
        start = time.perf_counter()
        for lo in range(0, args.points, args.batch):
            hi = min(lo + args.batch, args.points)
            batch = models.Batch(ids=list(range(lo, hi)), vectors=vectors[lo:hi], payloads=payloads[lo:hi])
            client.upsert("bench", batch, wait=True)
        elapsed = time.perf_counter() - start
        assert client.count("bench").count == args.points
        client.close()
    result = {
        "benchmark": "embedded_upsert",
        "points": args.points,
        "dim": args.dim,
        "batch": args.batch,
        "wait": True,
        "seconds": round(elapsed, 3),
        "points_per_second": round(args.points / elapsed, 1),
        "goal_points_per_second": 50_000,
        "machine": f"{platform.machine()} {platform.processor() or ''} python {platform.python_version()}".strip(),
    }
    rate = result["points_per_second"]
    print(f"ingest: {args.points} x {args.dim}, batch {args.batch}, wait=true: {rate:,.0f} points/s ({elapsed:.2f}s)")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
