"""Base class of the generated Qdrant wire models."""

from __future__ import annotations

from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, model_validator


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
