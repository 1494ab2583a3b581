"""Where a query's time goes: each layer of the embedded query path timed on its own.

Usage: python bench/query_layers.py [--points 100000] [--dim 128] [--queries 200]
                                    [--out bench/results/query_layers.json]

Builds one graph over clustered points (bench/ann.py's generator, indexing off while loading,
then one index build: the best layout), then times, in one thread (CPU time, best of 15
rounds, all layers in turns):
- raw faiss ``index.search`` on vecbase's own graph (the harness's side in bench/ann.py);
- ``HnswIndex.search`` (vecbase's wrapper of the same call);
- ``nearest_hits`` (planning, the walk, merging segment results);
- ``universal.nearest`` (plus ids, versions and payload copies);
- ``Collection.nearest`` (plus the read lock);
- ``Client.query_points`` (plus the service's argument handling and the wire models).
Once with a different query each call (caches cold after each walk, as in bench/ann.py) and
once with one query repeated (warm caches: what each layer adds by its own code).
Issue 19 uses the figures: what any change inside the path could gain against raw faiss.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np
from ann import K, clustered
from report import write_report

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from vecbase import Client, models  # noqa: E402
from vecbase.api.qdrant.service.query import with_payload_from_wire, with_vectors_from_wire  # noqa: E402
from vecbase.query import search  # noqa: E402
from vecbase.query.model import NearestQuery, SearchParams  # noqa: E402
from vecbase.query.universal import nearest  # noqa: E402

EF = 24


def build(client: Client, base: np.ndarray) -> None:
    client.create_collection(
        "layers",
        vectors_config=models.VectorParams(size=base.shape[1], distance=models.Distance.EUCLID),
        hnsw_config=models.HnswConfigDiff(m=16, ef_construct=100),
        optimizers_config=models.OptimizersConfigDiff(indexing_threshold=0),
    )
    for lo in range(0, base.shape[0], 10_000):
        ids = list(range(lo, min(lo + 10_000, base.shape[0])))
        payloads = [{"i": i} for i in ids]
        client.upsert("layers", models.Batch(ids=ids, vectors=base[ids[0] : ids[-1] + 1], payloads=payloads))
    client.update_collection("layers", optimizers_config=models.OptimizersConfigDiff(indexing_threshold=1))
    time.sleep(0.05)
    while client.get_collection("layers").status != models.CollectionStatus.GREEN:
        time.sleep(0.05)


def layers(client: Client) -> dict[str, Callable[[np.ndarray], Any]]:
    import faiss

    faiss.omp_set_num_threads(1)
    col = client._toc.get("layers")
    seg = max(col.segments, key=lambda s: s.n)
    index = seg.dense_indexes[""]
    params, wire_params = SearchParams(hnsw_ef=EF), models.SearchParams(hnsw_ef=EF)
    wp, wv = with_payload_from_wire(True), with_vectors_from_wire(False, col.config)
    return {
        "raw faiss index.search": lambda q: index.index.search(
            q.reshape(1, -1), K, params=faiss.SearchParametersHNSW(efSearch=EF)
        ),
        "HnswIndex.search": lambda q: index.search(q, K, EF, None),
        "nearest_hits": lambda q: search.nearest_hits(
            col.segments, col.config, NearestQuery("", q), None, K, 0, None, params
        ),
        "universal.nearest": lambda q: nearest(
            col.segments, col.config, NearestQuery("", q), None, K, 0, None, params, wp, wv
        ),
        "Collection.nearest": lambda q: col.nearest(NearestQuery("", q), None, K, 0, None, params, wp, wv),
        "Client.query_points": lambda q: client.query_points("layers", query=q, limit=K, search_params=wire_params),
    }


def timed(fns: dict[str, Callable[[np.ndarray], Any]], queries: np.ndarray) -> dict[str, float]:
    """Microseconds per call of each layer, best of 15 rounds, the layers in turns."""
    best = {name: float("inf") for name in fns}
    for _ in range(15):
        for name, fn in fns.items():
            start = time.thread_time()
            for q in queries:
                fn(q)
            best[name] = min(best[name], (time.thread_time() - start) / len(queries) * 1e6)
    return {name: round(us, 1) for name, us in best.items()}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--points", type=int, default=100_000)
    ap.add_argument("--dim", type=int, default=128)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--out", default="bench/results/query_layers.json")
    args = ap.parse_args()
    data = clustered(args.points + args.queries, args.dim, 7)
    base, queries = data[: args.points], data[args.points :]
    with tempfile.TemporaryDirectory() as tmp:
        client = Client(path=tmp)
        build(client, base)
        fns = layers(client)
        cold = timed(fns, queries)
        warm = timed(fns, np.repeat(queries[:1], len(queries), axis=0))
        client.close()
    print(f"{args.points} x {args.dim}, ef {EF}, limit {K}; us per query (best of 15 rounds)")
    print(f"{'layer':26s} {'new query':>10s} {'repeated':>10s} {'adds (repeated)':>16s}")
    previous = None
    for name in fns:
        adds = "" if previous is None or name.startswith("raw") else f"+{warm[name] - warm[previous]:.1f}"
        print(f"{name:26s} {cold[name]:10.1f} {warm[name]:10.1f} {adds:>16s}")
        previous = None if name.startswith("raw") else name
    ratio = cold["raw faiss index.search"] / cold["Client.query_points"]
    print(f"raw faiss / Client.query_points, new queries: {ratio:.2f}x")
    write_report(args.out, "query_layers", {"new_query_us": cold, "repeated_query_us": warm, "ratio": round(ratio, 3)})


if __name__ == "__main__":
    main()
