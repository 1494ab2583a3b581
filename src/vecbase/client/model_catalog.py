"""The embedded client's listing of text models, with QdrantClient's names.

qdrant-client lists fastembed's models there; vecbase lists the models its own inference
registry runs (``models.Document(model=...)`` takes any of them): dense models with their
size and the distance their vectors are made for, sparse ones with a description. Image and
late-interaction models are not run here, so those lists are empty.
"""

from __future__ import annotations

from typing import Any

from vecbase.api.qdrant import models as m
from vecbase.inference.base import TextModel, UnknownModelError
from vecbase.inference.dense import DenseTextModel
from vecbase.inference.registry import REGISTRY

_SPARSE_DESCRIPTION = "BM25 term weights as Qdrant computes them (IDF applied by the collection's modifier)"


def _models() -> list[TextModel]:
    # aliases map several names to one model
    return list({id(x): x for x in REGISTRY.models.values()}.values())


class ModelCatalogMethods:
    @classmethod
    def list_text_models(cls) -> dict[str, tuple[int, m.Distance]]:
        """Dense text models: name to (vector size, distance). Their vectors are normalized,
        so cosine and dot rank alike; cosine is what a collection for them should use."""
        return {
            model.name: (model.dimension(), m.Distance.COSINE)
            for model in _models()
            if isinstance(model, DenseTextModel)
        }

    @classmethod
    def list_sparse_models(cls) -> dict[str, dict[str, Any]]:
        """Sparse text models: name to a description (``requires_idf``: the collection's
        sparse vector needs ``modifier=idf``)."""
        return {
            model.name: {"model": model.name, "description": _SPARSE_DESCRIPTION, "requires_idf": True}
            for model in _models()
            if not isinstance(model, DenseTextModel)
        }

    @classmethod
    def list_image_models(cls) -> dict[str, tuple[int, m.Distance]]:
        return {}

    @classmethod
    def list_late_interaction_text_models(cls) -> dict[str, tuple[int, m.Distance]]:
        return {}

    @classmethod
    def list_late_interaction_multimodal_models(cls) -> dict[str, tuple[int, m.Distance]]:
        return {}

    def get_embedding_size(self, model_name: str) -> int:
        """The size of ``model_name``'s vectors; ``ValueError`` for a sparse or unknown model."""
        try:
            model = REGISTRY.get(model_name)
        except UnknownModelError:
            raise ValueError(f"Unsupported embedding model: {model_name}") from None
        if not isinstance(model, DenseTextModel):
            raise ValueError("Sparse embeddings do not return fixed embedding size and distance type")
        return model.dimension()
