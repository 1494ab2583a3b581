"""One REST call as the route handlers see it: path parameters, query flags and the parsed body."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any, TypeVar

import numpy as np
import orjson
from pydantic import TypeAdapter
from starlette.datastructures import QueryParams

from vecbase.api.qdrant.models import PointInsertOperations, PointsBatch
from vecbase.api.qdrant.rest.bulk import read_dense_bulk
from vecbase.api.qdrant.rest.envelope import HttpError
from vecbase.api.qdrant.service import QdrantService
from vecbase.api.qdrant.validation import validate_request
from vecbase.core.limits import check_filter_conditions, count_filter_conditions

T = TypeVar("T")


@cache
def _adapter(tp: Any) -> TypeAdapter[Any]:
    return TypeAdapter(tp)


# characters Qdrant refuses in a collection name (they are not portable file names)
_FORBIDDEN_NAME_CHARS = '<>:"/\\|?*\0'


def check_path_params(params: dict[str, str]) -> None:
    """Qdrant's path validation: 422 before the handler runs (an over-long name is not a 404)."""
    name = params.get("collection_name")
    if name is None:
        return
    problems = []
    if not 1 <= len(name) <= 255:
        problems.append("name: length must be between 1 and 255")
    bad = next((ch for ch in name if ch in _FORBIDDEN_NAME_CHARS), None)
    if bad is not None:
        problems.append(f'name: collection name cannot contain "{bad}" char')
    if problems:
        raise HttpError(422, "Validation error in path parameters: [" + "; ".join(problems) + "]")


def parse_bool(name: str, raw: str | None, default: bool) -> bool:
    if raw is None or raw == "":
        return default
    low = raw.lower()
    if low in ("true", "1"):
        return True
    if low in ("false", "0"):
        return False
    raise HttpError(400, f"Query deserialize error: {name}: provided string was not `true` or `false`")


_POINT_KEYS = {"id", "vector", "payload"}
_UNPARSED = object()


def _is_dense_row(v: Any) -> bool:
    return isinstance(v, list) and bool(v) and isinstance(v[0], (int, float)) and not isinstance(v[0], bool)


def _number_matrix(rows: list[Any]) -> Any:
    """Dense rows as one array when they hold only JSON numbers; None when a value is not a
    number (a string, a boolean, null); the rows unchanged when they are ragged (the
    dimension check words that)."""
    try:
        matrix = np.asarray(rows)
    except ValueError:
        return rows
    if matrix.dtype.kind not in "fiu":
        return None
    if matrix.ndim == 2:
        # numpy reads a boolean among numbers as 0 or 1: only rows holding a 0 or a 1 can
        # hide one (rare in embeddings), so only those are looked at value by value
        suspects = np.nonzero(((matrix == 0) | (matrix == 1)).any(axis=1))[0].tolist()
        if any(type(x) is bool for i in suspects for x in rows[i]):
            return None
    return matrix


def _plain_ids(ids: Any) -> bool:
    """Ids as JSON writes them (integers and strings): 5.0 or true is no id, and the typed
    path words that error."""
    return isinstance(ids, list) and all(type(i) is int or type(i) is str for i in ids)


def _named_rows(points: list[Any]) -> dict[str, list[Any]] | None:
    """Each name's rows when every point's vector is a map of the same names to plain dense
    lists (``{"": [...]}``, as LangChain writes it, or several named vectors); else None."""
    first = points[0].get("vector") if isinstance(points[0], dict) else None
    if not isinstance(first, dict) or not first:
        return None
    names = first.keys()
    for p in points:
        if not (isinstance(p, dict) and p.keys() <= _POINT_KEYS):
            return None
        v = p.get("vector")
        if not (isinstance(v, dict) and v.keys() == names and all(_is_dense_row(r) for r in v.values())):
            return None
    return {name: [p["vector"][name] for p in points] for name in names}


def _dense_batch(data: Any) -> tuple[dict[str, Any], Any] | None:
    """(batch body with each matrix cut to one row, the full rows: a list, or a map of names
    to lists), when every point's vectors are plain dense lists; None otherwise."""
    if not isinstance(data, dict):
        return None
    if isinstance(data.get("batch"), dict):
        rows = data["batch"].get("vectors")
        if not (isinstance(rows, list) and rows and _is_dense_row(rows[0])):
            return None
        if not all(isinstance(r, list) and r for r in rows):
            return None  # validated point by point: an empty vector is a 422
        if not _plain_ids(data["batch"].get("ids")):
            return None
        return {**data, "batch": {**data["batch"], "vectors": rows[:1]}}, rows
    points = data.get("points")
    if not isinstance(points, list) or not points:
        return None
    full: Any
    if all(isinstance(p, dict) and p.keys() <= _POINT_KEYS and _is_dense_row(p.get("vector")) for p in points):
        full = [p["vector"] for p in points]
        cut: Any = full[:1]
    else:
        full = _named_rows(points)
        if full is None:
            return None
        cut = {name: rows[:1] for name, rows in full.items()}
    ids = [p.get("id") for p in points]
    if not _plain_ids(ids):
        return None
    batch = {"ids": ids, "vectors": cut, "payloads": [p.get("payload") for p in points]}
    rest = {k: v for k, v in data.items() if k != "points"}
    return {**rest, "batch": batch}, full


@dataclass
class Call:
    svc: QdrantService
    path: dict[str, str]
    query: QueryParams
    raw_body: bytes
    _parsed: Any = field(default=_UNPARSED, init=False, repr=False)
    # the request models read from the body (the issue report looks at a slow read's filters)
    typed: list[Any] = field(default_factory=list, init=False, repr=False)

    @property
    def name(self) -> str:
        return self.path["collection_name"]

    @property
    def wait(self) -> bool:
        return parse_bool("wait", self.query.get("wait"), False)

    def json(self) -> Any:
        """The parsed body (parsed once: the access check may read it before the handler)."""
        if self._parsed is not _UNPARSED:
            return self._parsed
        self._parsed = self._json()
        return self._parsed

    def _json(self) -> Any:
        if not self.raw_body.strip():
            return None
        try:
            data = orjson.loads(self.raw_body)
        except orjson.JSONDecodeError as e:
            raise HttpError(400, f"Format error in JSON body: {e}") from None
        if isinstance(data, dict) and not ("points" in data or "batch" in data or "operations" in data):
            # bounded before validation: a huge filter costs most in parsing it
            check_filter_conditions(count_filter_conditions(data))
        return data

    def body(self, tp: type[T] | Any, *, required: bool = True) -> T:
        if self.json() is not None:
            return self._typed(tp)  # type: ignore[no-any-return]
        if required:
            raise HttpError(400, "Format error in JSON body: EOF while parsing a value at line 1 column 0")
        parsed = _adapter(tp).validate_python({})  # type: ignore[arg-type]
        validate_request(parsed)
        return parsed  # type: ignore[no-any-return]

    def _typed(self, tp: Any) -> Any:
        """The body as written, typed as Qdrant's serde types are: a string or a boolean where
        a number belongs (or a float for an integer) is a format error, never converted; enum
        names and RFC 3339 strings are read from their JSON strings. Then the validators: as
        Qdrant, 422 before the collection is even looked up."""
        parsed = _adapter(tp).validate_json(self.raw_body, strict=True)
        validate_request(parsed)
        self.typed.append(parsed)
        return parsed

    def upsert_body(self) -> Any:
        """The upsert body. Bulk uploads (a points list or a batch whose vectors are all plain
        dense lists, unnamed or named) skip per-float validation: their rows are read as one
        numpy array per name, which must hold numbers only, and the engine checks their
        widths; unparsed, such a body goes straight from JSON to the arrays (``bulk``).
        Everything else validates as usual."""
        if self._parsed is _UNPARSED:
            bulk = read_dense_bulk(self.raw_body)
            if bulk is not None:
                req = _adapter(PointsBatch).validate_python(bulk.body)
                req.batch.vectors = bulk.rows
                if bulk.payloads is not None:
                    # stored documents already: upsert_from_wire takes them as they are
                    req.batch.payloads = bulk.payloads
                return req
        data = self.json()
        if data is None:
            return self.body(PointInsertOperations)
        fast = _dense_batch(data)
        if fast is None:
            return self._typed(PointInsertOperations)
        batch, rows = fast
        if isinstance(rows, dict):
            matrices = {name: _number_matrix(named) for name, named in rows.items()}
            matrix: Any = None if any(v is None for v in matrices.values()) else matrices
        else:
            matrix = _number_matrix(rows)
        if matrix is None:  # a value that is not a number: the typed path words the error
            return self._typed(PointInsertOperations)
        req = _adapter(PointsBatch).validate_python(batch)
        req.batch.vectors = matrix
        return req

    def int_param(self, name: str, default: int | None = None) -> int | None:
        raw = self.query.get(name)
        if raw is None or raw == "":
            return default
        try:
            return int(raw)
        except ValueError:
            raise HttpError(400, f"Query deserialize error: {name}: invalid digit found in string") from None
