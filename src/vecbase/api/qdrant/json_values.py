"""JSON values from request bodies as Qdrant's JSON reader (serde_json) holds them.

The typed body parser keeps an integer of any size as a Python int, where serde_json keeps
only 64-bit integers (i64 and u64) and reads a longer one as a float; orjson, which writes
the stored documents, refuses those ints. Payloads and collection metadata pass through
here before they are stored."""

from __future__ import annotations

from typing import Any

import orjson

from vecbase.core.errors import BadRequestError

_OPTIONS = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS
_INT_MIN, _INT_END = -(1 << 63), 1 << 64  # the integers JSON numbers keep (i64 and u64)


def json_document(value: Any, what: str) -> bytes:
    """``value`` as a JSON document, integers past 64 bits as floats; a 400 naming ``what``
    when it is not JSON (a number past the float range, as serde_json refuses it)."""
    try:
        return orjson.dumps(value, option=_OPTIONS)
    except TypeError:
        pass  # an integer past 64 bits, or not JSON at all
    try:
        return orjson.dumps(_as_json_numbers(value), option=_OPTIONS)
    except (TypeError, OverflowError) as e:
        raise BadRequestError(f"Validation error: {what} is not JSON: {e}") from None


def json_copy(value: Any, what: str) -> Any:
    """A fresh copy of ``value`` as ``json_document`` stores it."""
    return orjson.loads(json_document(value, what))


def _as_json_numbers(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _as_json_numbers(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_as_json_numbers(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool) and not _INT_MIN <= value < _INT_END:
        return float(value)  # OverflowError past float's range
    return value
