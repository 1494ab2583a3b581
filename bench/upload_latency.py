"""The server's share of an upload batch: the same upsert bodies replayed against vecbase and
against the canned app, the difference being what vecbase's request path costs.

Usage: python bench/upload_latency.py [--points 30000] [--rounds 3] [--gap-ms 8]
                                      [--src DIR ...] [--out bench/results/upload_latency.json]

qdrant-client's upload spends most of a batch building its JSON; bench/rest.py's ratio to the
canned ceiling therefore moves by a few percent for each millisecond the server saves, less
than this VM's drift between runs. Here the bodies (256 points of 128 floats with a small
payload, as ``upload_collection`` writes them) are serialized once, then sent one after the
other over one keep-alive connection, ``wait=false``, with ``--gap-ms`` between them (the
client's build time, in which the server's background apply runs, as in a real upload). Each
round runs every server in turn: vecbase from each ``--src`` tree (default: this checkout's
``src``) and the canned app. Reported: the median latency of a batch per round and server,
and each vecbase's latency minus the canned app's.
"""

from __future__ import annotations

import argparse
import http.client
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np
import orjson
from report import write_report
from rest import canned_app

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.live_server import Server  # noqa: E402

JSON = {"content-type": "application/json"}
CANNED_ANSWER = b'{"result":{"operation_id":0,"status":"acknowledged"},"status":"ok","time":0.0001}'


def bodies(points: int, dim: int) -> list[bytes]:
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(points, dim)).astype(np.float32)
    out = []
    for lo in range(0, points, 256):
        batch = [
            {"id": i, "vector": vectors[i].tolist(), "payload": {"i": i, "group": f"g{i % 17}"}}
            for i in range(lo, min(lo + 256, points))
        ]
        out.append(orjson.dumps({"points": batch}))
    return out


def replay(port: int, batches: list[bytes], gap_s: float) -> float:
    """Median milliseconds from sending a batch to reading its answer."""
    conn = http.client.HTTPConnection("127.0.0.1", port)
    latencies = []
    try:
        for body in batches:
            start = time.perf_counter()
            conn.request("PUT", "/collections/bench/points?wait=false", body=body, headers=JSON)
            response = conn.getresponse()
            response.read()
            latencies.append(time.perf_counter() - start)
            if response.status != 200:
                raise RuntimeError(f"upsert answered {response.status}")
            time.sleep(gap_s)
    finally:
        conn.close()
    return float(np.median(latencies) * 1e3)


def vecbase_round(tmp: Path, src: str, batches: list[bytes], dim: int, gap_s: float) -> float:
    server = Server(tmp / f"storage-{time.monotonic_ns()}")
    server.start(env={"PYTHONPATH": src})
    try:
        httpx.put(f"{server.url}/collections/bench", json={"vectors": {"size": dim, "distance": "Cosine"}})
        return replay(server.port, batches, gap_s)
    finally:
        server.stop()


def canned_round(tmp: Path, batches: list[bytes], gap_s: float) -> float:
    with canned_app(str(tmp), CANNED_ANSWER) as port:
        return replay(port, batches, gap_s)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--points", type=int, default=30_000)
    ap.add_argument("--dim", type=int, default=128)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--gap-ms", type=float, default=8.0)
    ap.add_argument("--src", action="append", help="a source tree to run vecbase from (repeatable)")
    ap.add_argument("--out", default="bench/results/upload_latency.json")
    args = ap.parse_args()
    sources = args.src or [str(ROOT / "src")]
    batches = bodies(args.points, args.dim)
    gap_s = args.gap_ms / 1e3
    runs: dict[str, list[float]] = {src: [] for src in [*sources, "canned"]}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.rounds):
            for src in sources:
                runs[src].append(vecbase_round(Path(tmp), src, batches, args.dim, gap_s))
            runs["canned"].append(canned_round(Path(tmp), batches, gap_s))
            print(f"round {r + 1}: " + ", ".join(f"{k} {v[-1]:.2f} ms" for k, v in runs.items()), flush=True)
    canned = float(np.median(runs["canned"]))
    results = {"points": args.points, "dim": args.dim, "batch": 256, "gap_ms": args.gap_ms, "canned_ms": canned}
    results["vecbase"] = {}
    print(f"median latency of a 256-point batch, median of {args.rounds} rounds; canned app {canned:.2f} ms")
    for src in sources:
        ms = float(np.median(runs[src]))
        results["vecbase"][src] = {"ms": round(ms, 3), "over_canned_ms": round(ms - canned, 3), "rounds": runs[src]}
        print(f"  vecbase ({src}): {ms:.2f} ms, {ms - canned:+.2f} ms over the canned app")
    write_report(args.out, "upload_latency", results)


if __name__ == "__main__":
    main()
