"""A long fuzzing run: schemathesis against a live server, many generated requests per
operation of the Qdrant OpenAPI document and of the OpenAI vector-stores subset.

Usage: python bench/fuzz.py [--examples 200] [--seed 1] [--out bench/results/fuzz.json]

The CI test (``tests/fuzz``) runs the same checks with a few examples per operation: no 5xx,
every response inside its documented schema (OpenAI's document as its API answers: null for
unset optional properties), no request unanswered after 30 s. Printed: requests sent, the
status codes they got, the slowest answer, and each failing operation with its first failure.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from report import write_report

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fuzz.runner import OPENAI_SPEC, QDRANT_SPEC, Report, aim, fuzz  # noqa: E402
from tests.live_server import Server  # noqa: E402


def summary(name: str, report: Report, seconds: float) -> dict[str, Any]:
    print(
        f"{name}: {report.examples} requests in {seconds:.0f} s, statuses {dict(sorted(report.statuses.items()))},"
        f" slowest {report.slowest_s * 1e3:.0f} ms, {len(report.failures)} failing operations"
    )
    for line in report.lines():
        print("  " + line.replace("\n", "\n    ")[:1500])
    return {
        "requests": report.examples,
        "seconds": round(seconds, 1),
        "statuses": {str(k): v for k, v in sorted(report.statuses.items())},
        "slowest_ms": round(report.slowest_s * 1e3, 1),
        "failures": report.failures,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--examples", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", default="bench/results/fuzz.json")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    out: dict[str, Any] = {"examples_per_operation": args.examples}
    with tempfile.TemporaryDirectory() as tmp, Server(Path(tmp) / "storage") as server:
        with httpx.Client(base_url=server.url) as http:
            http.put("/collections/fuzz", json={"vectors": {"size": 4, "distance": "Dot"}}).raise_for_status()
            points = [{"id": i, "vector": [1, i, 0, 1], "payload": {"k": i}} for i in range(10)]
            http.put("/collections/fuzz/points?wait=true", json={"points": points}).raise_for_status()
            store = http.post("/v1/vector_stores", json={"name": "fuzz"}).json()["id"]

        started = time.perf_counter()
        qdrant = fuzz(QDRANT_SPEC, server.url, args.examples, aim("collection_name", "fuzz", rng), seed=args.seed)
        out["qdrant"] = summary("Qdrant dialect", qdrant, time.perf_counter() - started)
        started = time.perf_counter()
        prepare = aim("vector_store_id", store, rng)
        openai = fuzz(OPENAI_SPEC, server.url + "/v1", args.examples, prepare, seed=args.seed)
        out["openai"] = summary("vector-stores dialect", openai, time.perf_counter() - started)
        alive = httpx.get(server.url + "/readyz").status_code == 200
        print(f"server still answering after the run: {alive}")
        out["alive_after"] = alive
    write_report(args.out, "fuzz", out)


if __name__ == "__main__":
    main()
