"""qdrant-client's own models accepted by the embedded client.

Code written for qdrant-client builds its requests with ``qdrant_client.models`` (LangChain's
and LlamaIndex's Qdrant stores do), and ``vecbase.Client`` is meant as a drop-in. Those models
have the same names and fields as ``vecbase.models`` (both follow Qdrant's OpenAPI schema), so
every argument is translated by class name into ours before a method runs: the service below
then sees one family of models, and its ``isinstance`` dispatch holds.
"""

from __future__ import annotations

import functools
import inspect
from enum import Enum
from typing import Any, Callable, TypeVar

import numpy as np
from pydantic import BaseModel

from vecbase.api.qdrant import models as m
from vecbase.api.qdrant.wire_base import WireModel

F = TypeVar("F", bound=Callable[..., Any])
C = TypeVar("C", bound=type)

# argument types passed on without a look inside: scalars, arrays, and each of our own
# models once seen (the set only grows, so the common call checks types and nothing else)
_SAFE: set[type] = {int, float, str, bool, bytes, type(None), np.ndarray}


def ours(value: Any) -> Any:
    """``value`` with every foreign model (or enum member) replaced by the same-named
    ``vecbase.models`` one; the same object when nothing needed replacing."""
    kind = type(value)
    if kind in _SAFE:
        return value
    if isinstance(value, WireModel):
        _SAFE.add(kind)
        return value
    if isinstance(value, BaseModel):
        cls = getattr(m, kind.__name__, None)
        if not (isinstance(cls, type) and issubclass(cls, WireModel)):
            return value  # not a Qdrant model: validation below says what is wrong with it
        return cls.model_validate({name: ours(getattr(value, name)) for name in value.model_fields_set})
    if isinstance(value, Enum):
        cls = getattr(m, kind.__name__, None)
        if isinstance(cls, type) and issubclass(cls, Enum) and not isinstance(value, cls):
            return cls(value.value)
        return value
    if isinstance(value, (list, tuple)):
        # a vector or a list of ids: numbers never sit beside models, so one look suffices
        if not value or type(value[0]) in (int, float):
            return value
        items = [ours(v) for v in value]
        if all(a is b for a, b in zip(items, value)):
            return value
        return items if isinstance(value, list) else tuple(items)
    if isinstance(value, dict):
        converted = {k: ours(v) for k, v in value.items()}
        return value if all(converted[k] is v for k, v in value.items()) else converted
    return value


def accepting_foreign_models(method: F) -> F:
    """``method`` with its arguments passed through :func:`ours` first."""

    @functools.wraps(method)
    def call(self: Any, *args: Any, **kwargs: Any) -> Any:
        # the hot path: only types already known to need nothing (a loop, not all(): cheaper)
        for value in (*args, *kwargs.values()):
            if type(value) not in _SAFE:
                break
        else:
            return method(self, *args, **kwargs)
        args = tuple(ours(a) for a in args)
        kwargs = {k: ours(v) for k, v in kwargs.items()}
        return method(self, *args, **kwargs)

    return call  # type: ignore[return-value]


def accepts_foreign_models(cls: C) -> C:
    """Class decorator: every public method of ``cls`` (inherited ones included) takes
    qdrant-client's models as well as ours."""
    for name, method in inspect.getmembers(cls, inspect.isfunction):
        if not name.startswith("_"):
            setattr(cls, name, accepting_foreign_models(method))
    return cls
