"""The process's model registry: ``qdrant/bm25`` (alias ``bm25``) built in, MiniLM when its
package is installed; a server's model directory adds more."""

from __future__ import annotations

import threading

from vecbase.inference.base import Embedding, Registry, TextModel, UnknownModelError
from vecbase.inference.bm25 import Bm25Model
from vecbase.inference.dense import register_packaged


def _default() -> Registry:
    registry = Registry({}, threading.Lock())
    registry.register(Bm25Model(), "bm25")
    register_packaged(registry)
    return registry


REGISTRY = _default()

__all__ = ["REGISTRY", "Embedding", "Registry", "TextModel", "UnknownModelError"]
