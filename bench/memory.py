"""Resident memory of an indexed collection, with vectors in memory and with ``on_disk``.

Usage: python bench/memory.py [--points 100000] [--dim 128] [--out bench/results/memory.json]

For each setting, in a fresh process: bulk load (indexing off), index, wait for green and the
next periodic flush, then measure; close, reopen the storage directory, run 50 queries,
measure again. Figures are
resident memory (VmRSS) and its anonymous part (heap and anonymous mappings, which is what
``on_disk`` moves into the page cache), both added over the process before the client.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from report import write_report


def memory_mb() -> tuple[float, float]:
    """(resident, anonymous resident) in MB, from /proc/self/smaps."""
    total = anon = 0
    name = ""
    for line in Path("/proc/self/smaps").read_text().splitlines():
        parts = line.split()
        if parts and "-" in parts[0] and not parts[0].endswith(":"):
            name = parts[5] if len(parts) > 5 else ""
        elif parts and parts[0] == "Rss:":
            total += int(parts[1])
            if name in ("", "[heap]"):
                anon += int(parts[1])
    return total / 1024, anon / 1024


def worker(points: int, dim: int, on_disk: bool) -> dict[str, Any]:
    from vecbase import Client, models

    vectors = np.random.default_rng(0).random((points, dim), dtype=np.float32)
    rss0, anon0 = memory_mb()
    out: dict[str, Any] = {"on_disk": on_disk}
    with tempfile.TemporaryDirectory() as tmp:
        client = Client(path=tmp)
        client.create_collection(
            "m",
            vectors_config=models.VectorParams(size=dim, distance=models.Distance.EUCLID, on_disk=on_disk),
            optimizers_config=models.OptimizersConfigDiff(indexing_threshold=0),
            hnsw_config=models.HnswConfigDiff(ef_construct=32),
        )
        for lo in range(0, points, 10_000):
            hi = min(lo + 10_000, points)
            client.upsert("m", models.Batch(ids=list(range(lo, hi)), vectors=vectors[lo:hi]))
        client.update_collection("m", optimizers_config=models.OptimizersConfigDiff(indexing_threshold=1))
        time.sleep(0.5)
        while client.get_collection("m").status != models.CollectionStatus.GREEN:
            time.sleep(0.2)
        time.sleep(6)  # the periodic flush (5 s) writes the new graphs; on_disk ones are then mapped
        rss, anon = memory_mb()
        out["indexed"] = {"rss_mb": round(rss - rss0, 1), "anon_mb": round(anon - anon0, 1)}
        client.close()
        client = Client(path=tmp)
        for q in vectors[:50]:
            client.query_points("m", query=q, limit=10)
        rss, anon = memory_mb()
        out["reopened"] = {"rss_mb": round(rss - rss0, 1), "anon_mb": round(anon - anon0, 1)}
        client.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--points", type=int, default=100_000)
    ap.add_argument("--dim", type=int, default=128)
    ap.add_argument("--out", default="bench/results/memory.json")
    ap.add_argument("--worker", choices=["memory", "on_disk"])
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker(args.points, args.dim, args.worker == "on_disk")))
        return
    results = []
    for mode in ("memory", "on_disk"):
        cmd = [sys.executable, __file__, "--worker", mode, "--points", str(args.points), "--dim", str(args.dim)]
        done = subprocess.run(cmd, check=True, capture_output=True, text=True)
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    size = args.points * args.dim * 4 / 2**20
    print(f"{args.points:,} x {args.dim} (vectors {size:.0f} MB), HNSW m=16: resident / anonymous MB added")
    for r in results:
        a, b = r["indexed"], r["reopened"]
        print(
            f"  on_disk={r['on_disk']!s:5}  indexed: {a['rss_mb']:7.1f} / {a['anon_mb']:7.1f}"
            f"   reopened + 50 queries: {b['rss_mb']:7.1f} / {b['anon_mb']:7.1f}"
        )
    write_report(args.out, "memory", results)


if __name__ == "__main__":
    main()
