"""Child process of the crash test: writes forever, announcing each operation before and after.

Protocol on stdout, one line per event: ``BEGIN <json op>`` before a write, ``ACK`` once the
client returned. The parent SIGKILLs this process at a random moment.
"""

from __future__ import annotations

import json
import random
import sys

from vecbase import Client, models


def vector(pid: int, version: int) -> list[float]:
    return [float(pid), float(version), 1.0, -1.0]


def main(path: str, seed: int) -> None:
    rng = random.Random(seed)
    client = Client(path=path)
    if not client.collection_exists("crash"):
        client.create_collection("crash", vectors_config=models.VectorParams(size=4, distance=models.Distance.DOT))
    version = seed * 1_000_000
    out = sys.stdout
    while True:
        version += 1
        wait = rng.random() < 0.5
        kind = rng.choice(["upsert", "upsert", "upsert", "delete", "set_payload"])
        ids = rng.sample(range(60), rng.randint(1, 20))
        out.write("BEGIN " + json.dumps({"kind": kind, "ids": ids, "version": version, "wait": wait}) + "\n")
        out.flush()
        if kind == "upsert":
            points = [models.PointStruct(id=i, vector=vector(i, version), payload={"v": version}) for i in ids]
            client.upsert("crash", points, wait=wait)
        elif kind == "delete":
            client.delete("crash", models.PointIdsList(points=ids), wait=wait)
        else:
            existing = [r.id for r in client.retrieve("crash", ids, with_payload=False)]
            if existing:
                client.set_payload("crash", {"s": version}, existing, wait=wait)
        out.write("ACK\n")
        out.flush()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
