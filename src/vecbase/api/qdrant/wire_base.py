"""Base class of the generated Qdrant wire models."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, TypeGuard, TypeVar, Union

import numpy as np
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    ModelWrapValidatorHandler,
    SerializationInfo,
    SerializerFunctionWrapHandler,
    ValidationInfo,
    WrapSerializer,
    model_validator,
)
from pydantic_core import PydanticCustomError

from vecbase.core.datetimes import parse_datetime
from vecbase.core.ids import normalize_id

M = TypeVar("M", bound=BaseModel)


def _wire_datetime(value: Any) -> Any:
    """Datetimes as Qdrant parses them: RFC 3339 (a date alone, a space for the ``T``, no
    offset meaning UTC), never a Unix timestamp or a digit-only string."""
    if isinstance(value, (datetime, date)):
        return value
    if isinstance(value, str):
        parsed = parse_datetime(value, keep_naive=True)  # as written: naive stays naive
        if parsed is not None:
            return parsed
    raise ValueError(f"invalid datetime {value!r}: expected an RFC 3339 string such as 2024-01-31T12:00:00Z")


WireDatetime = Annotated[Union[datetime, date], BeforeValidator(_wire_datetime)]


UUID_ERROR = "uuid_parsing"  # the error type of a string that is no UUID (body_errors words it)


def _wire_uuid(value: str) -> str:
    """A UUID in one of the forms Qdrant's parser takes (hyphenated, simple, braced, URN): a
    point id that is neither a u64 nor a UUID fails the body's parse there, as here."""
    try:
        normalize_id(value)
    except ValueError:
        raise PydanticCustomError(UUID_ERROR, "Unable to parse UUID: {value}", {"value": value}) from None
    return value


WireUuid = Annotated[str, AfterValidator(_wire_uuid)]


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


def is_number_matrix(value: Any) -> TypeGuard[np.ndarray[Any, Any]]:
    """A non-empty 2-D numpy array of numbers (dense vectors as rows)."""
    return (
        isinstance(value, np.ndarray)
        and value.ndim == 2
        and value.size > 0
        and (np.issubdtype(value.dtype, np.floating) or np.issubdtype(value.dtype, np.integer))
    )


class WireModel(BaseModel):
    """Common configuration: wire names as aliases, Python names accepted. pydantic itself
    takes numpy arrays for list fields and numpy scalars for scalar fields."""

    model_config = ConfigDict(populate_by_name=True, protected_namespaces=())


class NumpyWireModel(WireModel):
    """A model with a field where pydantic's coercion of numpy input would be wrong: ``Any``
    (numpy values would be kept as they are) or a union of scalar types (``np.True_`` would
    match ``int`` before ``bool``). Input values are made plain Python first."""

    @model_validator(mode="wrap")
    @classmethod
    def _accept_numpy(cls, data: Any, handler: ModelWrapValidatorHandler[Any], info: ValidationInfo) -> Any:
        if info.mode == "json" or not isinstance(data, dict):
            return handler(data)  # a JSON body holds no numpy values
        bulk = _BULK_FIELDS.get(cls.__name__)
        if bulk is None:
            return handler({k: _plain(v) for k, v in data.items()})
        # a bulk batch: the vector matrix and the payload objects are validated through small
        # stand-ins and then put back as they are (checked, not copied per value or per point)
        matrix_field, objects_field = bulk
        kept: dict[str, Any] = {}
        stand_in = {k: _plain(v) for k, v in data.items() if k not in bulk}
        matrix = data.get(matrix_field)
        if is_number_matrix(matrix):
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


def _slot_setter(name: str) -> Any:
    """The setter of one of pydantic's instance slots, resolved once: calling it skips the
    attribute lookup ``object.__setattr__`` repeats on every call (the result hot path sets
    four slots per model)."""
    owner = next(k for k in BaseModel.__mro__ if name in k.__dict__)
    return owner.__dict__[name].__set__


# every wire model's instance state: its field values, which were set, extras, private attributes
set_fields = _slot_setter("__dict__")
set_fields_set = _slot_setter("__pydantic_fields_set__")
set_extra = _slot_setter("__pydantic_extra__")
set_private = _slot_setter("__pydantic_private__")


def construct(cls: type[M], values: dict[str, Any]) -> M:
    """A model from values that are valid by construction (engine results): no validation
    and no per-call default lookup, for the result hot path. ``values`` uses field names and
    is taken over by the model when it names every field (pass a fresh dict)."""
    defaults = _DEFAULTS.get(cls)
    if defaults is None:
        defaults = {name: f.get_default(call_default_factory=True) for name, f in cls.model_fields.items()}
        _DEFAULTS[cls] = defaults
    obj = cls.__new__(cls)
    if len(values) == len(defaults):
        fields = values
    else:
        fields = defaults.copy()
        fields.update(values)
    set_fields(obj, fields)
    set_fields_set(obj, set(values))
    set_extra(obj, None)
    set_private(obj, None)
    return obj


# -- serialization ------------------------------------------------------------------------


def is_none(value: Any) -> bool:
    return value is None


def is_empty(value: Any) -> bool:
    return not value


# the context a transport passes to ``model_dump`` to have f32 fields dumped as numpy f32
# values, which orjson prints in their shortest f32 form (0.15, not 0.15000000596046448)
F32_CONTEXT = {"f32": True}
_F32 = np.float32


def _f32_values(value: Any) -> Any:
    if isinstance(value, float):
        return _F32(value)
    if isinstance(value, np.ndarray):
        return value.astype(_F32, copy=False)
    if isinstance(value, list):
        if value and isinstance(value[0], list):
            if len({len(row) for row in value}) == 1:
                return np.asarray(value, dtype=_F32)
            return [np.asarray(row, dtype=_F32) for row in value]
        return np.asarray(value, dtype=_F32)
    if isinstance(value, dict):
        return {k: _f32_values(v) for k, v in value.items()}
    if isinstance(value, BaseModel):  # a sparse vector: integer indices, f32 values
        return {"indices": value.indices, "values": np.asarray(value.values, dtype=_F32)}  # type: ignore[attr-defined]
    return value


def _f32_out(value: Any, handler: SerializerFunctionWrapHandler, info: SerializationInfo) -> Any:
    context = info.context
    if context is not None and context.get("f32") and value is not None:
        return _f32_values(value)
    return handler(value)


F32_OUT = WrapSerializer(_f32_out)
