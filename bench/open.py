"""Opening a stored collection: what a restart costs as the collection grows.

Usage: python bench/open.py [--points 500000] [--out bench/results/open.json]

Loads ``--points`` points (8-d, random UUID ids, payload indexes on a keyword, an integer
and a text field) into an on-disk embedded ``Client``, waits until the optimizer has sealed
them, closes it, then times ``Client(path=...)`` (seconds, best of 3, each in a fresh process) with one and with all
three payload indexes, and the resident memory the open adds. A sealed segment's ids and
frozen payload indexes are stored as arrays, so opening reads them instead of parsing every
id and indexing every payload again.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np
from report import write_report

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from vecbase import Client, models  # noqa: E402

WORDS = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"]


def resident_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def build(path: str, n: int, indexes: dict[str, models.PayloadSchemaType]) -> None:
    rng = np.random.default_rng(0)
    client = Client(path=path)
    client.create_collection("c", vectors_config=models.VectorParams(size=8, distance=models.Distance.COSINE))
    for key, schema in indexes.items():
        client.create_payload_index("c", key, schema)
    ids = [str(uuid.UUID(int=int(x))) for x in rng.integers(0, 2**63, n)]
    payloads = ({"k": f"g{i % 50}", "t": i, "txt": f"{WORDS[i % 8]} {WORDS[(i // 8) % 8]}"} for i in range(n))
    client.upload_collection(
        "c", vectors=rng.random((n, 8), dtype=np.float32), ids=ids, payload=payloads, batch_size=10_000
    )
    while client.get_collection("c").status != models.CollectionStatus.GREEN:
        time.sleep(0.1)
    client.close()


def open_once(path: str, n: int) -> tuple[float, float]:
    """(seconds to open, MB resident added), in this process."""
    before = resident_mb()
    start = time.perf_counter()
    client = Client(path=path)
    seconds = time.perf_counter() - start
    added = resident_mb() - before
    assert client.count("c").count == n
    client.close()
    return seconds, added


def time_open(path: str, n: int) -> tuple[float, float]:
    """Best of 3 opens, each in a fresh process (nothing cached in the allocator)."""
    runs = []
    for _ in range(3):
        out = subprocess.run(
            [sys.executable, __file__, "--open", path, "--points", str(n)], capture_output=True, text=True, check=True
        ).stdout.split()
        runs.append((float(out[0]), float(out[1])))
    seconds, mb = min(runs)
    return round(seconds, 3), round(mb, 1)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--points", type=int, default=500_000)
    ap.add_argument("--out", default="bench/results/open.json")
    ap.add_argument("--open", help=argparse.SUPPRESS)  # one timed open of a built storage
    args = ap.parse_args()
    if args.open:
        print(*open_once(args.open, args.points))
        return
    results: dict[str, Any] = {"points": args.points}
    layouts = {
        "1 payload index (keyword)": {"k": models.PayloadSchemaType.KEYWORD},
        "3 payload indexes (keyword, integer, text)": {
            "k": models.PayloadSchemaType.KEYWORD,
            "t": models.PayloadSchemaType.INTEGER,
            "txt": models.PayloadSchemaType.TEXT,
        },
    }
    print(f"{args.points:,} points, UUID ids; seconds to open (best of 3), MB resident added")
    for name, indexes in layouts.items():
        path = tempfile.mkdtemp()
        try:
            build(path, args.points, indexes)
            seconds, mb = time_open(path, args.points)
        finally:
            shutil.rmtree(path, ignore_errors=True)
        results[name] = {"seconds": seconds, "resident_mb": mb}
        print(f"  {name:45s} {seconds:7.3f} s {mb:8.1f} MB")
    write_report(args.out, "open", results)


if __name__ == "__main__":
    main()
