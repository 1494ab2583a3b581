"""Base class of the generated Qdrant wire models."""

from __future__ import annotations

from typing import Any, TypeVar

import numpy as np
from pydantic import BaseModel, ConfigDict, ModelWrapValidatorHandler, model_validator

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


# bulk fields of a batch, (vectors, payloads): a 2-D numpy matrix of dense vectors is read
# with numpy downstream, and turning it into lists of Python floats first costs time and
# memory; payload objects are copied once by the engine, not first by validation
_BULK_FIELDS = {"Batch": ("vectors", "payloads")}


def _is_matrix(value: Any) -> bool:
    return (
        isinstance(value, np.ndarray)
        and value.ndim == 2
        and value.size > 0
        and (np.issubdtype(value.dtype, np.floating) or np.issubdtype(value.dtype, np.integer))
    )


class WireModel(BaseModel):
    """Common configuration: wire names as aliases, Python names accepted, numpy accepted."""

    model_config = ConfigDict(populate_by_name=True, protected_namespaces=())

    @model_validator(mode="wrap")
    @classmethod
    def _accept_numpy(cls, data: Any, handler: ModelWrapValidatorHandler[Any]) -> Any:
        if not isinstance(data, dict):
            return handler(data)
        bulk = _BULK_FIELDS.get(cls.__name__)
        if bulk is None:
            return handler({k: _plain(v) for k, v in data.items()})
        # a bulk batch: the vector matrix and the payload objects are validated through small
        # stand-ins and then put back as they are (checked, not copied per value or per point)
        matrix_field, objects_field = bulk
        kept: dict[str, Any] = {}
        stand_in = {k: _plain(v) for k, v in data.items() if k not in bulk}
        matrix = data.get(matrix_field)
        if isinstance(matrix, np.ndarray) and _is_matrix(matrix):
            kept[matrix_field] = matrix
            stand_in[matrix_field] = [[0.0] * matrix.shape[1]]
        elif matrix_field in data:
            stand_in[matrix_field] = _plain(matrix)
        objects = data.get(objects_field)
        if isinstance(objects, list) and all(o is None or type(o) is dict for o in objects):
            # JSON objects: the engine checks and copies them once on the way in
            kept[objects_field] = objects
            stand_in[objects_field] = None
        elif objects_field in data:
            stand_in[objects_field] = _plain(objects)
        model = handler(stand_in)
        model.__dict__.update(kept)
        if objects_field in kept:
            model.__pydantic_fields_set__.add(objects_field)
        return model


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
