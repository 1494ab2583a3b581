"""all-MiniLM-L6-v2 run in numpy equals the reference implementation: cosine >= 0.999 with
sentence-transformers' own embeddings of a fixed set of sentences (computed once, in a
throwaway environment with sentence-transformers and torch; see data/minilm_reference.json)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from vecbase.inference.dense import MINILM
from vecbase.inference.registry import REGISTRY

REFERENCE = json.loads((Path(__file__).parent / "data" / "minilm_reference.json").read_text())


def test_embeddings_equal_the_reference() -> None:
    model = REGISTRY.get(MINILM)
    ours = np.stack(model.embed(REFERENCE["sentences"], None, query=False))
    theirs = np.array(REFERENCE["embeddings"], dtype=np.float32)
    assert ours.shape == theirs.shape == (len(REFERENCE["sentences"]), 384)
    cosine = (ours * theirs).sum(axis=1) / (np.linalg.norm(ours, axis=1) * np.linalg.norm(theirs, axis=1))
    assert cosine.min() >= 0.999, cosine
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, rtol=1e-5)  # normalised, as the model's last module


def test_batches_do_not_change_embeddings() -> None:
    model = REGISTRY.get("all-minilm-l6-v2")
    sentences = REFERENCE["sentences"]
    alone = np.stack([model.embed([s], None, query=True)[0] for s in sentences])
    together = np.stack(model.embed(sentences, None, query=False))
    np.testing.assert_allclose(alone, together, atol=1e-5)
