"""What a text model is, and the registry that finds one by name."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Mapping, Protocol, Sequence

import numpy as np
import numpy.typing as npt

from vecbase.core.errors import BadRequestError
from vecbase.core.points import SparseVector

Embedding = SparseVector | npt.NDArray[np.float32]


class TextModel(Protocol):
    """A model that embeds texts; ``options`` are the request's model options."""

    name: str

    def embed(self, texts: Sequence[str], options: Mapping[str, Any] | None, query: bool) -> list[Embedding]: ...


class UnknownModelError(BadRequestError):
    pass


@dataclass
class Registry:
    models: dict[str, TextModel]
    lock: threading.Lock

    def register(self, model: TextModel, *aliases: str) -> None:
        with self.lock:
            for name in (model.name, *aliases):
                self.models[name.lower()] = model

    def get(self, name: str) -> TextModel:
        model = self.models.get(name.lower())
        if model is None:
            known = ", ".join(sorted({m.name for m in self.models.values()}))
            raise UnknownModelError(f"Bad request: unknown model `{name}`; the models known here are: {known}")
        return model

    def names(self) -> list[str]:
        return sorted({m.name for m in self.models.values()})
