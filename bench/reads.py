"""Reads that page or sample a large collection: what one call costs as the collection grows.

Usage: python bench/reads.py [--points 200000] [--out bench/results/reads.json]

Loads ``--points`` points (32-d, integer ids in shuffled order, an integer and a keyword
payload index) into an embedded in-memory ``Client``, waits for the optimizer, then times
(milliseconds a call, best of 5 after one warm-up call) in one thread:
- scroll: a 100-point page deep in the collection, a filtered one, and one filtered on a
  field without a payload index (half the points pass);
- count with a filter on that field (2% pass), and with it and an indexed condition;
- facet of a keyword field with one value per two points (a document id), and filtered;
- order_by: a 100-row page by an indexed integer, from scroll and from the query API;
- a random sample of 10;
- grouped query: 10 groups of 3 by a keyword with 50 values;
- distance matrix: 100 samples, 5 neighbours each;
- ``Client.migrate`` of a 50,000-point collection (64-d, with payloads) into a new on-disk
  ``Client``, in seconds.
Each of these once listed or ranked every point per call; their cost should now follow the
page, not the collection.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np
from report import write_report

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from vecbase import Client, models  # noqa: E402


def wait_green(client: Client, name: str) -> None:
    while client.get_collection(name).status != models.CollectionStatus.GREEN:
        time.sleep(0.05)


def timed(fn: Callable[[], Any]) -> float:
    fn()
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return round(best * 1000, 2)


def loaded(n: int) -> Client:
    rng = np.random.default_rng(1)
    client = Client(":memory:")
    client.create_collection("r", vectors_config=models.VectorParams(size=32, distance=models.Distance.COSINE))
    client.create_payload_index("r", "t", models.PayloadSchemaType.INTEGER)
    client.create_payload_index("r", "k", models.PayloadSchemaType.KEYWORD)
    client.create_payload_index("r", "d", models.PayloadSchemaType.KEYWORD)
    vectors = rng.random((n, 32), dtype=np.float32)
    ids = rng.permutation(n).tolist()
    values = rng.integers(0, 10**9, n).tolist()
    payloads = ({"t": t, "k": f"g{i % 50}", "u": i % 1000, "d": f"doc{i // 2}"} for i, t in enumerate(values))
    client.upload_collection("r", vectors=vectors, ids=ids, payload=payloads, batch_size=10_000)
    wait_green(client, "r")
    return client


def migrate_seconds(n: int = 50_000) -> float:
    source = Client(":memory:")
    source.create_collection("m", vectors_config=models.VectorParams(size=64, distance=models.Distance.COSINE))
    vectors = np.random.default_rng(0).random((n, 64), dtype=np.float32)
    source.upload_collection("m", vectors=vectors, payload=({"i": i} for i in range(n)), batch_size=1000)
    with tempfile.TemporaryDirectory() as tmp:
        dest = Client(path=tmp)
        start = time.perf_counter()
        source.migrate(dest, batch_size=1000)
        seconds = time.perf_counter() - start
        assert dest.count("m").count == n
        dest.close()
    return round(seconds, 2)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--points", type=int, default=200_000)
    ap.add_argument("--out", default="bench/results/reads.json")
    args = ap.parse_args()
    client = loaded(args.points)
    q = np.random.default_rng(2).random(32, dtype=np.float32)
    g7 = models.Filter(must=[models.FieldCondition(key="k", match=models.MatchValue(value="g7"))])
    by_t = models.OrderBy(key="t", start_from=5 * 10**8)
    # "u" has no payload index: these decode payloads
    u_few = models.Filter(must=[models.FieldCondition(key="u", range=models.Range(lt=20))])
    u_half = models.Filter(must=[models.FieldCondition(key="u", range=models.Range(lt=500))])
    g7_u = models.Filter(must=[*u_half.must, *g7.must])
    calls: dict[str, Callable[[], Any]] = {
        "scroll page": lambda: client.scroll("r", limit=100, offset=args.points // 2),
        "scroll page, filtered": lambda: client.scroll("r", limit=100, offset=args.points // 2, scroll_filter=g7),
        "scroll page, unindexed filter": lambda: client.scroll("r", limit=100, scroll_filter=u_half),
        "count, unindexed filter": lambda: client.count("r", count_filter=u_few),
        "count, indexed + unindexed": lambda: client.count("r", count_filter=g7_u),
        "facet, keyword of n/2 values": lambda: client.facet("r", "d", limit=10),
        "facet, same, filtered": lambda: client.facet("r", "d", limit=10, facet_filter=g7),
        "scroll page by order_by": lambda: client.scroll("r", limit=100, order_by=by_t),
        "query page by order_by": lambda: client.query_points("r", query=models.OrderByQuery(order_by=by_t), limit=100),
        "random sample of 10": lambda: client.query_points("r", query=models.SampleQuery(sample=models.Sample.RANDOM)),
        "10 groups of 3": lambda: client.query_points_groups("r", group_by="k", query=q, limit=10, group_size=3),
        "distance matrix, 100 samples": lambda: client.search_matrix_pairs("r", sample=100, limit=5),
    }
    results: dict[str, Any] = {"points": args.points, "segments": client.get_collection("r").segments_count}
    print(f"{args.points:,} points in {results['segments']} segments; ms a call (best of 5)")
    for name, fn in calls.items():
        results[name] = timed(fn)
        print(f"  {name:30s} {results[name]:9.2f}")
    client.close()
    if hasattr(Client, "migrate"):  # (an older checkout, measured for comparison, has none)
        results["migrate 50,000 x 64 (s)"] = migrate_seconds()
        print(f"  {'migrate 50,000 x 64 (s)':30s} {results['migrate 50,000 x 64 (s)']:9.2f}")
    write_report(args.out, "reads", results)


if __name__ == "__main__":
    main()
