"""Qdrant's inference inputs (``Document``, ``Image``, ``InferenceObject``) to vectors.

A ``Document`` wherever a vector goes is embedded by the named local model (documents when
stored, queries when searched with); inputs for the same model and options are embedded in
one batch. ``Image`` and ``InferenceObject`` need a remote inference service, which vecbase
does not use: 400.
"""

from __future__ import annotations

from typing import Any, Sequence

from vecbase.api.qdrant import models as m
from vecbase.core.errors import BadRequestError
from vecbase.inference.registry import REGISTRY, Embedding

INFERENCE_INPUTS = (m.Document, m.Image, m.InferenceObject)


def _options(doc: m.Document) -> dict[str, Any] | None:
    options = doc.options
    if options is None:
        return None
    if isinstance(options, m.Bm25Config):
        return options.model_dump(mode="json", exclude_none=True)
    return dict(options)


def _refuse(value: Any) -> None:
    kind = type(value).__name__
    raise BadRequestError(
        f"Bad request: {kind} inputs need an inference service; vecbase embeds text documents"
        f" with its local models only ({', '.join(REGISTRY.names())})"
    )


def embed_values(values: Sequence[Any], query: bool) -> list[Any]:
    """``values`` with every ``Document`` replaced by its embedding (other values as they
    are); documents of the same model and options are embedded together."""
    groups: dict[tuple[str, str], tuple[dict[str, Any] | None, list[int]]] = {}
    for i, v in enumerate(values):
        if isinstance(v, m.Document):
            options = _options(v)
            key = (v.model.lower(), repr(sorted((options or {}).items())))
            groups.setdefault(key, (options, []))[1].append(i)
        elif isinstance(v, (m.Image, m.InferenceObject)):
            _refuse(v)
    if not groups:
        return list(values)
    out = list(values)
    for options, positions in groups.values():
        model = REGISTRY.get(values[positions[0]].model)
        embedded = model.embed([values[i].text for i in positions], options, query)
        for i, e in zip(positions, embedded):
            out[i] = e
    return out


def embed_query(value: Any) -> Embedding:
    """A query input that is a ``Document``, embedded as a query."""
    embedded: Embedding = embed_values([value], query=True)[0]
    return embedded


def has_inference(values: Sequence[Any]) -> bool:
    return any(isinstance(v, INFERENCE_INPUTS) for v in values)
