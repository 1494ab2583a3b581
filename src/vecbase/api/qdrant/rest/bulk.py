"""Bulk upsert bodies read straight into matrices.

An upload sends batches of a few hundred dense vectors: a 256 x 128 batch is 33k JSON numbers.
Parsed into Python objects, each number becomes a float object that is then copied into an
array and freed again, and those three steps cost more than the rest of the upsert together.
Here simdjson parses the body into its own tape and copies each vector's numbers into one
array buffer, so no float object is made. Each payload goes from simdjson's tape straight to
the JSON document the engine stores (``Object.mini``), with no Python dict in between; ids
and flags become Python values as usual.

Only the plain shape takes this path: a ``batch`` whose vectors are rows of numbers, or a
``points`` list of ``{id, vector, payload}`` whose vectors are rows of numbers (or maps of
names to rows), each vector width the same. Anything else, including every malformed body,
answers ``None`` and the caller takes the general path, which parses the body again and words
the error exactly as before: this module never decides an error message.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
import simdjson

from vecbase.core.points import EMPTY_PAYLOAD_DOC, PayloadDocs

_POINT_KEYS = frozenset(["id", "vector", "payload"])
_BOM = b"\xef\xbb\xbf"  # simdjson skips it; the general parser refuses it (as serde does)
_local = threading.local()
# compared by identity on the hot path; typed loosely (the stubs type every element an Array)
_OBJECT: Any = simdjson.Object
_ARRAY: Any = simdjson.Array
_OPEN, _BACKSLASH = ord("["), ord("\\")
# each request thread keeps a parser, whose buffers grow to the largest body it read: a body
# past this size gets a parser of its own, freed with it
_KEEP_PARSER_BYTES = 4 << 20


@dataclass(frozen=True)
class DenseBulk:
    """A bulk upsert: ``body`` is the request as a ``PointsBatch`` body whose vectors are cut
    to their first row and whose payloads are left out (the wire model validates everything
    but the numbers and the payloads), ``rows`` the full vectors, one float64 matrix (or one
    per vector name), ``payloads`` the payloads as stored documents (None: the batch has
    none)."""

    body: dict[str, Any]
    rows: np.ndarray | dict[str, np.ndarray]
    payloads: PayloadDocs | None


def _parser() -> simdjson.Parser:
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = _local.parser = simdjson.Parser()
    return parser


def _parse(raw: bytes) -> Any:
    if len(raw) > _KEEP_PARSER_BYTES:
        return simdjson.Parser().parse(raw)
    try:
        return _parser().parse(raw)
    except RuntimeError:
        # a view of the thread's last document outlived it (the parser refuses to overwrite
        # it): parse with a fresh parser
        _local.parser = simdjson.Parser()
        return _local.parser.parse(raw)


def _value(v: Any) -> Any:
    if isinstance(v, simdjson.Object):
        return v.as_dict()
    if isinstance(v, simdjson.Array):
        return v.as_list()
    return v


def _payload_doc(v: Any) -> bytes:
    """A payload as the document the engine stores: an object's JSON (simdjson writes numbers
    in its own spelling, equal in value to what orjson writes), ``null`` as no payload. Any
    other value is no payload: TypeError, and the typed path words the error."""
    if type(v) is _OBJECT:
        doc: bytes = v.mini
        return doc
    if v is None:
        return EMPTY_PAYLOAD_DOC
    raise TypeError("not a payload")


def _plain_id(v: Any) -> bool:
    # 5.0 or true is no id: the typed path words that error
    return type(v) is int or type(v) is str


def _unique_keys(obj: Any) -> list[str] | None:
    """The object's keys, or None when one repeats (simdjson finds the first, JSON parsers
    here keep the last: the general path decides)."""
    keys = list(obj.keys())
    return keys if len(set(keys)) == len(keys) else None


def _brackets(value: Any) -> int:
    """Arrays in a parsed JSON value plus the ``[`` characters in its strings and keys: the
    ``[`` characters its JSON text holds (when no string escapes one)."""
    if isinstance(value, list):
        return 1 + sum(_brackets(v) for v in value)
    if isinstance(value, dict):
        return sum(k.count("[") + _brackets(v) for k, v in value.items())
    if isinstance(value, str):
        return value.count("[")
    return 0


def _rows(vectors: Any) -> list[Any] | None:
    """Each vector's numbers as a float64 buffer, when every one is a non-empty array of
    numbers and all have one width (arrays nested in a row are caught by ``_read``)."""
    rows = []
    width = -1
    for v in vectors:
        if type(v) is not _ARRAY:
            return None
        n = len(v)
        if n != width:
            if width != -1 or n == 0:
                return None
            width = n
        rows.append(v.as_buffer(of_type="d"))  # TypeError on a non-number
    return rows


def _matrix(rows: list[Any]) -> np.ndarray:
    return np.frombuffer(b"".join(rows), dtype=np.float64).reshape(len(rows), -1)


@dataclass(frozen=True)
class _Found:
    body: dict[str, Any]  # the batch body, each vector cut to its first row, payloads left out
    rows: np.ndarray | dict[str, np.ndarray]
    arrays: int  # the arrays that hold vectors: the list of them and each row, the payloads list
    values: list[Any]  # the other values read from JSON (each counted by _brackets)
    docs: list[bytes] | None  # the payload documents (their "[" count as the text's do)

    def payloads(self) -> PayloadDocs | None:
        return None if self.docs is None else PayloadDocs.join(self.docs)

    def brackets(self) -> int:
        """The ``[`` of the text outside the vector arrays, when no string escapes one."""
        docs = 0 if self.docs is None else sum(d.count(b"[") for d in self.docs)
        return docs + sum(_brackets(v) for v in self.values)


def _batch(batch: Any) -> _Found | None:
    keys = _unique_keys(batch)
    if keys is None or "vectors" not in keys or "ids" not in keys:
        return None
    vectors = batch["vectors"]
    if type(vectors) is not _ARRAY or len(vectors) == 0:
        return None
    rows = _rows(vectors)
    if rows is None:
        return None
    body = {k: _value(batch[k]) for k in keys if k not in ("vectors", "payloads")}
    if not isinstance(body["ids"], list) or not all(_plain_id(i) for i in body["ids"]):
        return None
    docs: list[bytes] | None = None
    arrays = 1 + len(rows)
    payloads: Any = batch["payloads"] if "payloads" in keys else None
    if type(payloads) is _ARRAY:
        docs = [_payload_doc(p) for p in payloads]
        arrays += 1
    elif payloads is not None:
        return None
    matrix = _matrix(rows)
    values: list[Any] = [dict(body)]  # its keys are the batch's keys (vectors, payloads aside)
    body["vectors"] = [matrix[0].tolist()]
    return _Found(body, matrix, arrays, values, docs)


def _points(points: Any) -> _Found | None:
    if type(points) is not _ARRAY or len(points) == 0:
        return None
    first = points[0]
    if type(first) is not _OBJECT:
        return None
    if type(first["vector"]) is _OBJECT:
        return _named_points(points)
    ids: list[Any] = []
    docs: list[bytes] = []
    rows: list[Any] = []
    width = len(first["vector"]) if type(first["vector"]) is _ARRAY else 0
    if width == 0:
        return None
    # one pass, _rows and _plain_id unrolled: this loop runs once per point of every upload
    for p in points:
        if type(p) is not _OBJECT:
            return None
        # an object of id and vector, or of id, vector and payload: any other key, or a
        # repeated one, leaves one of these out (KeyError)
        fields = len(p)
        if fields == 3:
            payload = p["payload"]
            docs.append(payload.mini if type(payload) is _OBJECT else _payload_doc(payload))
        elif fields == 2:
            docs.append(EMPTY_PAYLOAD_DOC)
        else:
            return None
        pid = p["id"]
        if type(pid) is not int and type(pid) is not str:
            return None
        ids.append(pid)
        vector = p["vector"]
        if type(vector) is not _ARRAY or len(vector) != width:
            return None
        rows.append(vector.as_buffer(of_type="d"))  # TypeError on a non-number
    matrix = _matrix(rows)
    body = {"ids": ids, "vectors": [matrix[0].tolist()]}
    return _Found(body, matrix, 1 + len(rows), ids, docs)


def _named_points(points: Any) -> _Found | None:
    """Points whose vectors are maps of names to rows, each point the same names."""
    ids: list[Any] = []
    docs: list[bytes] = []
    named: dict[str, list[Any]] | None = None
    for p in points:
        if type(p) is not _OBJECT:
            return None
        keys = _unique_keys(p)
        if keys is None or not _POINT_KEYS.issuperset(keys) or "vector" not in keys or "id" not in keys:
            return None
        pid, vector = p["id"], p["vector"]
        if not _plain_id(pid) or type(vector) is not _OBJECT:
            return None
        names = _unique_keys(vector)
        if not names:
            return None
        if named is None:
            named = {name: [] for name in names}
        elif names != list(named):
            return None
        for name in names:
            named[name].append(vector[name])
        ids.append(pid)
        docs.append(_payload_doc(p["payload"]) if "payload" in keys else EMPTY_PAYLOAD_DOC)
    assert named is not None
    rows: dict[str, np.ndarray] = {}
    for name, vectors in named.items():
        found = _rows(vectors)
        if found is None:
            return None
        rows[name] = _matrix(found)
    body = {"ids": ids, "vectors": {name: [m[0].tolist()] for name, m in rows.items()}}
    # the names, once per point, may hold "[" too
    return _Found(body, rows, 1 + len(ids) * len(rows), ids + list(named) * len(ids), docs)


def _read(doc: Any, raw: bytes) -> DenseBulk | None:
    if type(doc) is not _OBJECT:
        return None
    keys = _unique_keys(doc)
    if keys is None:
        return None
    rest = {k: _value(doc[k]) for k in keys if k not in ("batch", "points")}
    found: _Found | None
    if "batch" in keys and "points" not in keys:
        batch = doc["batch"]
        found = _batch(batch) if type(batch) is _OBJECT else None
    elif "points" in keys and "batch" not in keys:
        found = _points(doc["points"])
    else:
        return None
    if found is None:
        return None
    # as_buffer flattens nested arrays: [1, [2]] would read as a row of two numbers. So every
    # "[" of the text must be accounted for: the arrays holding vectors, then the arrays and
    # the "[" in strings of every other value. One more is an array inside a row, and the
    # general path refuses the body. A string may spell "[" as an escape, which the text
    # does not show: such bodies go the general path too.
    text = np.frombuffer(raw, dtype=np.uint8)
    brackets = int(np.count_nonzero(text == _OPEN))
    if brackets != found.arrays:
        if np.count_nonzero(text == _BACKSLASH) and (b"\\u005b" in raw or b"\\u005B" in raw):
            return None
        if brackets != found.arrays + _brackets(rest) + found.brackets():
            return None
    return DenseBulk({**rest, "batch": found.body}, found.rows, found.payloads())


def read_dense_bulk(raw: bytes) -> DenseBulk | None:
    """The body as a bulk upsert, or None: not that shape, or not valid (the general path then
    parses it and words the error)."""
    if raw[:3] == _BOM:
        return None
    try:
        doc = _parse(raw)
    except (ValueError, RuntimeError):
        return None  # not JSON (bad UTF-8 included), or numbers simdjson does not hold: the general path reads it
    try:
        return _read(doc, raw)
    except (TypeError, ValueError, RuntimeError, KeyError):
        return None  # a non-number in a vector, a number past 64 bits in a payload
    finally:
        # the parser is reused only once no view of its document is left
        del doc
