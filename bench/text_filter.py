"""Text-filtered search (``match.text``) on many short documents, through the embedded Client,
against a scan of the same postings with numpy.

Usage: python bench/text_filter.py [--documents 1000000] [--queries 200]
                                   [--out bench/results/text_filter.json]

Documents: 6 to 12 words drawn (Zipf, s=1.1, fixed seed) from the SciFact corpus's vocabulary,
a payload field ``text`` with a word-tokenizer text index (lowercase), and a 16-d random vector.
Queries: 1, 2 or 3 words of a random document (so none is empty), as ``match.text``.
Measured per query, after the collection is optimized:
- ``count`` with the filter (exact): the filter alone;
- ``query_points`` for the 10 nearest vectors among the matching points;
- the reference: the posting arrays of the query's tokens (built beforehand with numpy from the
  same analyzer's tokens, sorted int32 offsets) intersected with ``np.intersect1d`` and counted.
Goal (issue 13): the filtered count within 2x of the reference.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
from report import write_report

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from vecbase import Client, models  # noqa: E402
from vecbase.analysis.analyzer import analyzer, config_from_params  # noqa: E402

SCIFACT = ROOT.parent / "shared" / "datasets" / "ir" / "scifact" / "corpus.jsonl"
DIM = 16


def vocabulary() -> list[str]:
    counts: Counter[str] = Counter()
    for line in SCIFACT.read_text(encoding="utf-8").splitlines():
        doc = json.loads(line)
        counts.update(re.findall(r"[a-z]{3,}", (doc["title"] + " " + doc["text"]).lower()))
    return [w for w, _ in counts.most_common(20000)]


def documents(n: int, words: list[str], rng: np.random.Generator) -> list[str]:
    ranks = np.arange(1, len(words) + 1, dtype=np.float64)
    p = ranks**-1.1
    p /= p.sum()
    lengths = rng.integers(6, 13, size=n)
    picks = rng.choice(len(words), size=int(lengths.sum()), p=p)
    out, at = [], 0
    for length in lengths.tolist():
        out.append(" ".join(words[i] for i in picks[at : at + length]))
        at += length
    return out


def numpy_postings(token_lists: list[list[str]]) -> dict[str, np.ndarray]:
    """token -> sorted distinct offsets, built with numpy from the documents' tokens."""
    vocab: dict[str, int] = {}
    ids, offsets = [], []
    for offset, tokens in enumerate(token_lists):
        for t in set(tokens):
            ids.append(vocab.setdefault(t, len(vocab)))
            offsets.append(offset)
    id_array = np.array(ids, dtype=np.int64)
    off_array = np.array(offsets, dtype=np.int32)
    order = np.lexsort((off_array, id_array))
    id_sorted, off_sorted = id_array[order], off_array[order]
    bounds = np.searchsorted(id_sorted, np.arange(len(vocab) + 1))
    return {t: off_sorted[bounds[i] : bounds[i + 1]] for t, i in vocab.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--documents", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--out", default="bench/results/text_filter.json")
    args = parser.parse_args()
    rng = np.random.default_rng(7)
    texts = documents(args.documents, vocabulary(), rng)
    vectors = rng.standard_normal((args.documents, DIM)).astype(np.float32)
    index_params = models.TextIndexParams(type=models.TextIndexType.TEXT, tokenizer=models.TokenizerType.WORD)
    out: dict[str, Any] = {"documents": args.documents, "queries": args.queries}

    with tempfile.TemporaryDirectory() as tmp:
        client = Client(path=tmp)
        client.create_collection("docs", vectors_config=models.VectorParams(size=DIM, distance=models.Distance.DOT))
        client.create_payload_index("docs", "text", field_schema=index_params)
        started = time.perf_counter()
        client.upload_collection(
            "docs", vectors=vectors, payload=({"text": t} for t in texts), ids=range(args.documents), batch_size=4096
        )
        out["upload_s"] = time.perf_counter() - started
        started = time.perf_counter()
        while client.get_collection("docs").status != models.CollectionStatus.GREEN:
            time.sleep(0.5)
        out["optimize_s"] = time.perf_counter() - started

        a = analyzer(config_from_params(index_params.model_dump(exclude_none=True)))
        started = time.perf_counter()
        postings = numpy_postings([a.tokenize_doc(t) for t in texts])
        out["reference_build_s"] = time.perf_counter() - started

        queries = []
        for doc in rng.integers(0, args.documents, size=args.queries).tolist():
            tokens = list(dict.fromkeys(a.tokenize_doc(texts[doc])))
            k = int(rng.integers(1, 4))
            queries.append(" ".join(rng.choice(tokens, size=min(k, len(tokens)), replace=False).tolist()))

        def reference(q: str) -> int:
            arrays = sorted((postings[t] for t in dict.fromkeys(a.tokenize_query(q))), key=len)
            hits = arrays[0]
            for other in arrays[1:]:
                hits = np.intersect1d(hits, other, assume_unique=True)
            return int(hits.shape[0])

        def flt(q: str) -> models.Filter:
            return models.Filter(must=[models.FieldCondition(key="text", match=models.MatchText(text=q))])

        def timed(fn: Any) -> tuple[list[Any], float]:
            fn(queries[0])
            best = float("inf")
            for _ in range(3):
                started = time.perf_counter()
                results = [fn(q) for q in queries]
                best = min(best, time.perf_counter() - started)
            return results, best / len(queries) * 1e3

        expected, out["reference_ms"] = timed(reference)
        counts, out["count_ms"] = timed(lambda q: client.count("docs", count_filter=flt(q), exact=True).count)
        query_vector = rng.standard_normal(DIM).astype(np.float32).tolist()
        _, out["search_ms"] = timed(
            lambda q: client.query_points("docs", query=query_vector, query_filter=flt(q), limit=10).points
        )
        client.close()
    if counts != expected:
        raise SystemExit("the filtered counts differ from the reference scan")
    out["mean_matches"] = float(np.mean(expected))
    out["count_vs_reference"] = out["count_ms"] / out["reference_ms"]
    print(
        f"{args.documents:,} documents, {args.queries} match.text queries (1-3 words, {out['mean_matches']:,.0f}"
        f" matches on average); upload {out['upload_s']:.0f} s"
    )
    print(f"  numpy postings scan   {out['reference_ms']:.3f} ms/query")
    print(f"  vecbase count         {out['count_ms']:.3f} ms/query ({out['count_vs_reference']:.2f}x the scan)")
    print(f"  vecbase search top-10 {out['search_ms']:.3f} ms/query")
    write_report(args.out, "text_filter", out)


if __name__ == "__main__":
    main()
