"""Base class of the generated Qdrant wire models."""

from __future__ import annotations

from typing import Any, TypeVar

import numpy as np
from pydantic import BaseModel, ConfigDict, model_validator

M = TypeVar("M", bound=BaseModel)


def _plain(value: Any) -> Any:
    """numpy arrays and scalars as plain Python values, so vectors may be passed as numpy."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        if any(isinstance(v, (np.ndarray, np.generic, dict, list)) for v in value.values()):
            return {k: _plain(v) for k, v in value.items()}
        return value
    if isinstance(value, list) and value and isinstance(value[0], (np.ndarray, np.generic)):
        return [_plain(v) for v in value]
    return value


class WireModel(BaseModel):
    """Common configuration: wire names as aliases, Python names accepted, numpy accepted."""

    model_config = ConfigDict(populate_by_name=True, protected_namespaces=())

    @model_validator(mode="before")
    @classmethod
    def _accept_numpy(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {k: _plain(v) for k, v in data.items()}
        return data


_DEFAULTS: dict[type[BaseModel], dict[str, Any]] = {}


def construct(cls: type[M], values: dict[str, Any]) -> M:
    """A model from values that are valid by construction (engine results): no validation
    and no per-call default lookup, for the result hot path. ``values`` uses field names."""
    defaults = _DEFAULTS.get(cls)
    if defaults is None:
        defaults = {name: f.get_default(call_default_factory=True) for name, f in cls.model_fields.items()}
        _DEFAULTS[cls] = defaults
    obj = cls.__new__(cls)
    fields = defaults.copy()
    fields.update(values)
    object.__setattr__(obj, "__dict__", fields)
    object.__setattr__(obj, "__pydantic_fields_set__", set(values))
    object.__setattr__(obj, "__pydantic_extra__", None)
    object.__setattr__(obj, "__pydantic_private__", None)
    return obj
