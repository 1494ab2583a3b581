"""The OpenAI vector-stores dialect end to end: a BEIR corpus uploaded as files through the
official ``openai`` client to a vecbase server, then searched.

Usage: python bench/vector_stores.py [--datasets scifact,xquad-ru,xquad-zh] [--threads 8]
                                     [--limit-docs N] [--out bench/results/vector_stores.json]

Per dataset (``../shared/datasets/ir/<name>``; each document is one file ``<doc id>.txt``
holding ``title + " " + text``):
- ingestion: files uploaded (``files.create``, 8 threads), file batches (2,000 files each) created
  and polled until done; files/s and chunks/s of the batch, next to the dense model's own throughput on
  the same texts in this process before the server starts (goal: within 1.5x);
- quality: nDCG@10 / Recall@10 (a document counts once, at its best chunk's rank; 20 chunks
  are fetched) of ``vector_stores.search`` (default ranker, and ``none``)
  on the test queries, next to BM25-only and dense-only rankings of the same store through
  the Qdrant dialect (goal: the default ranker not below the better single path, and on
  SciFact at least the hybrid figure of bench/retrieval.py);
- speed: search latency p50 / p99 and queries/s with ``--threads`` client threads, and the
  same hybrid query (BM25 + dense prefetch, DBSF) through the Qdrant dialect's Query API on
  the store's collection (goal: at least half its queries/s).
"""

from __future__ import annotations

import argparse
import json
import math
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
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

import openai  # noqa: E402

from tests.live_server import Server  # noqa: E402
from vecbase.documents.ingest import bm25_options  # noqa: E402
from vecbase.inference.registry import REGISTRY  # noqa: E402

IR = ROOT.parent / "shared" / "datasets" / "ir"
MINILM = "sentence-transformers/all-MiniLM-L6-v2"
HYBRID_GOAL = {"scifact": 0.7169}


def load(name: str, limit: int | None) -> tuple[dict[str, str], dict[str, str], dict[str, set[str]]]:
    base = IR / name
    docs: dict[str, str] = {}
    for line in (base / "corpus.jsonl").read_text(encoding="utf-8").splitlines():
        doc = json.loads(line)
        docs[doc["_id"]] = (doc.get("title") or "") + " " + doc["text"]
    qrels: dict[str, set[str]] = {}
    for row in (base / "qrels" / "test.tsv").read_text().splitlines()[1:]:
        qid, did, score = row.strip().split("\t")
        if int(score) > 0:
            qrels.setdefault(qid, set()).add(did)
    if limit is not None:
        keep = set(list(docs)[:limit])
        docs = {d: t for d, t in docs.items() if d in keep}
        qrels = {q: rel & keep for q, rel in qrels.items() if rel & keep}
    queries = {}
    for line in (base / "queries.jsonl").read_text(encoding="utf-8").splitlines():
        q = json.loads(line)
        if q["_id"] in qrels:
            queries[q["_id"]] = q["text"]
    return docs, queries, qrels


def ndcg_recall(runs: dict[str, list[str]], qrels: dict[str, set[str]]) -> tuple[float, float]:
    ndcgs, recalls = [], []
    for q, relevant in qrels.items():
        # a document split into several chunks counts once, at its best rank
        ranked = list(dict.fromkeys(runs.get(q, [])))[:10]
        dcg = sum(1.0 / math.log2(i + 2) for i, d in enumerate(ranked) if d in relevant)
        ideal = sum(1.0 / math.log2(i + 2) for i in range(min(len(relevant), 10)))
        ndcgs.append(dcg / ideal if ideal else 0.0)
        recalls.append(len(set(ranked) & relevant) / len(relevant))
    return float(np.mean(ndcgs)), float(np.mean(recalls))


def timed_queries(fn: Callable[[str], list[str]], queries: dict[str, str], threads: int) -> dict[str, Any]:
    latencies: dict[str, float] = {}
    runs: dict[str, list[str]] = {}

    def one(qid: str) -> None:
        started = time.perf_counter()
        runs[qid] = fn(queries[qid])
        latencies[qid] = time.perf_counter() - started

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(one, list(queries)))
    elapsed = time.perf_counter() - started
    lat = np.array(list(latencies.values())) * 1e3
    return {
        "runs": runs,
        "p50_ms": float(np.percentile(lat, 50)),
        "p99_ms": float(np.percentile(lat, 99)),
        "queries_per_s": len(queries) / elapsed,
    }


def run(name: str, threads: int, limit: int | None) -> dict[str, Any]:
    docs, queries, qrels = load(name, limit)
    out: dict[str, Any] = {"documents": len(docs), "queries": len(queries)}
    model = REGISTRY.get(MINILM)
    sample = list(docs.values())[:128]
    model.embed(sample[:4], None, query=False)
    started = time.perf_counter()
    model.embed(sample, None, query=False)
    out["model_docs_per_s"] = len(sample) / (time.perf_counter() - started)

    with tempfile.TemporaryDirectory() as tmp, Server(Path(tmp) / "storage") as server:
        client = openai.OpenAI(base_url=server.url + "/v1", api_key="unused", max_retries=2, timeout=120)
        started = time.perf_counter()
        with ThreadPoolExecutor(8) as pool:
            file_ids = list(
                pool.map(
                    lambda item: (
                        client.files.create(file=(f"{item[0]}.txt", item[1].encode()), purpose="assistants").id
                    ),
                    docs.items(),
                )
            )
        out["upload_files_per_s"] = len(docs) / (time.perf_counter() - started)
        doc_of = {fid: did for fid, did in zip(file_ids, docs)}
        store = client.vector_stores.create(name=name)
        started = time.perf_counter()
        # at most 2,000 files per batch (the API's bound)
        batches = [
            client.vector_stores.file_batches.create(vector_store_id=store.id, file_ids=file_ids[i : i + 2000])
            for i in range(0, len(file_ids), 2000)
        ]
        completed = 0
        for batch in batches:
            done = client.vector_stores.file_batches.poll(batch.id, vector_store_id=store.id, poll_interval_ms=200)
            completed += done.file_counts.completed
        ingest_s = time.perf_counter() - started
        if completed != len(docs):
            raise SystemExit(f"ingestion incomplete: {completed} of {len(docs)} files")
        with httpx.Client(base_url=server.url, timeout=120) as http:
            chunks = http.post(f"/collections/{store.id}/points/count", json={"exact": True}).json()["result"]["count"]
        out["ingest_files_per_s"] = len(docs) / ingest_s
        out["ingest_chunks_per_s"] = chunks / ingest_s
        out["chunks"] = chunks

        def search(ranker: str) -> Callable[[str], list[str]]:
            def go(q: str) -> list[str]:
                page = client.vector_stores.search(
                    vector_store_id=store.id, query=q, max_num_results=20, ranking_options={"ranker": ranker}
                )
                return [doc_of[h.file_id] for h in page.data]

            return go

        http = httpx.Client(base_url=server.url, timeout=120, limits=httpx.Limits(max_connections=threads))

        def qdrant(q: str, kind: str) -> list[str]:
            bm25 = {"text": q, "model": "qdrant/bm25", "options": bm25_options(q)}
            dense = {"text": q, "model": MINILM}
            if kind == "bm25":
                body: dict[str, Any] = {"query": bm25, "using": "bm25", "limit": 20}
            elif kind == "dense":
                body = {"query": dense, "using": "dense", "limit": 20}
            else:
                body = {
                    "prefetch": [
                        {"query": bm25, "using": "bm25", "limit": 100},
                        {"query": dense, "using": "dense", "limit": 100},
                    ],
                    "query": {"fusion": "dbsf"},
                    "limit": 20,
                }
            body["with_payload"] = ["file_id"]
            points = http.post(f"/collections/{store.id}/points/query", json=body).json()["result"]["points"]
            return [doc_of[p["payload"]["file_id"]] for p in points]

        for label, fn in (
            ("search_auto", search("auto")),
            ("search_none", search("none")),
            ("qdrant_bm25", lambda q: qdrant(q, "bm25")),
            ("qdrant_dense", lambda q: qdrant(q, "dense")),
            ("qdrant_hybrid", lambda q: qdrant(q, "hybrid")),
        ):
            measured = timed_queries(fn, queries, threads)
            out[label] = {
                "ndcg@10_recall@10": ndcg_recall(measured.pop("runs"), qrels),
                **measured,
            }
        http.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--datasets", default="scifact,xquad-ru,xquad-zh")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--limit-docs", type=int, default=None)
    parser.add_argument("--out", default="bench/results/vector_stores.json")
    args = parser.parse_args()
    results = {}
    for name in args.datasets.split(","):
        r = run(name, args.threads, args.limit_docs)
        results[name] = r
        print(f"== {name}: {r['documents']} files ({r['chunks']} chunks), {r['queries']} queries")
        print(
            f"  ingestion {r['ingest_files_per_s']:.1f} files/s, {r['ingest_chunks_per_s']:.1f} chunks/s"
            f" (dense model alone {r['model_docs_per_s']:.1f} docs/s; upload {r['upload_files_per_s']:.0f} files/s)"
        )
        for label in ("search_auto", "search_none", "qdrant_bm25", "qdrant_dense", "qdrant_hybrid"):
            m = r[label]
            ndcg, recall = m["ndcg@10_recall@10"]
            print(
                f"  {label:14s} nDCG@10 {ndcg:.4f} Recall@10 {recall:.4f}  p50 {m['p50_ms']:.1f} ms"
                f"  p99 {m['p99_ms']:.1f} ms  {m['queries_per_s']:.1f} q/s ({args.threads} threads)"
            )
        best_single = max(r["qdrant_bm25"]["ndcg@10_recall@10"][0], r["qdrant_dense"]["ndcg@10_recall@10"][0])
        auto = r["search_auto"]["ndcg@10_recall@10"][0]
        print(f"  default ranker vs better single path: {auto:.4f} / {best_single:.4f}")
    write_report(args.out, "vector_stores", results)


if __name__ == "__main__":
    main()
