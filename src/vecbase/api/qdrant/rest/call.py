"""One REST call as the route handlers see it: path parameters, query flags and the parsed body."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any, TypeVar

import orjson
from pydantic import TypeAdapter
from starlette.datastructures import QueryParams

from vecbase.api.qdrant.rest.envelope import HttpError
from vecbase.api.qdrant.service import QdrantService

T = TypeVar("T")


@cache
def _adapter(tp: Any) -> TypeAdapter[Any]:
    return TypeAdapter(tp)


def parse_bool(name: str, raw: str | None, default: bool) -> bool:
    if raw is None or raw == "":
        return default
    low = raw.lower()
    if low in ("true", "1"):
        return True
    if low in ("false", "0"):
        return False
    raise HttpError(400, f"Query deserialize error: {name}: provided string was not `true` or `false`")


@dataclass
class Call:
    svc: QdrantService
    path: dict[str, str]
    query: QueryParams
    raw_body: bytes

    @property
    def name(self) -> str:
        return self.path["collection_name"]

    @property
    def wait(self) -> bool:
        return parse_bool("wait", self.query.get("wait"), False)

    def json(self) -> Any:
        if not self.raw_body.strip():
            return None
        try:
            return orjson.loads(self.raw_body)
        except orjson.JSONDecodeError as e:
            raise HttpError(400, f"Format error in JSON body: {e}") from None

    def body(self, tp: type[T] | Any, *, required: bool = True) -> T:
        data = self.json()
        if data is None:
            if not required:
                data = {}
            else:
                raise HttpError(400, "Format error in JSON body: EOF while parsing a value at line 1 column 0")
        return _adapter(tp).validate_python(data)  # type: ignore[no-any-return,arg-type]

    def int_param(self, name: str, default: int | None = None) -> int | None:
        raw = self.query.get(name)
        if raw is None or raw == "":
            return default
        try:
            return int(raw)
        except ValueError:
            raise HttpError(400, f"Query deserialize error: {name}: invalid digit found in string") from None
