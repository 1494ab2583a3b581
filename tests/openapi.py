"""The vendored Qdrant OpenAPI specs as JSON Schema validators for response bodies."""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator


def _spec_dir() -> Path:
    """The vendored specs live beside the repository (``../shared/spec/qdrant``); a clone
    elsewhere can point VECBASE_SPEC_DIR at them."""
    env = os.environ.get("VECBASE_SPEC_DIR")
    if env:
        return Path(env)
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "spec" / "qdrant"
        if (candidate / "openapi.json").is_file():
            return candidate
    raise FileNotFoundError("Qdrant OpenAPI spec not found: set VECBASE_SPEC_DIR to .../shared/spec/qdrant")


SPEC_DIR = _spec_dir()


def to_jsonschema(node: Any) -> Any:
    """OpenAPI 3.0 -> JSON Schema: ``nullable: true`` becomes an explicit null alternative."""
    if isinstance(node, list):
        return [to_jsonschema(x) for x in node]
    if not isinstance(node, dict):
        return node
    out = {k: to_jsonschema(v) for k, v in node.items() if k not in ("nullable", "example", "format")}
    if node.get("nullable"):
        rest = {k: v for k, v in out.items() if k not in ("description", "default")}
        return {"anyOf": [rest, {"type": "null"}]} if rest else {"type": "null"}
    return out


@lru_cache(maxsize=2)
def load(legacy: bool = False) -> dict[str, Any]:
    path = SPEC_DIR / ("v1.18.x/openapi.json" if legacy else "openapi.json")
    return json.loads(path.read_text())  # type: ignore[no-any-return]


@lru_cache(maxsize=2)
def components(legacy: bool = False) -> dict[str, Any]:
    return to_jsonschema(load(legacy)["components"])  # type: ignore[no-any-return]


def operations(legacy: bool = False) -> dict[str, tuple[str, str]]:
    """operationId -> (METHOD, path template)."""
    out = {}
    for path, ops in load(legacy)["paths"].items():
        for method, op in ops.items():
            out[op["operationId"]] = (method.upper(), path)
    return out


def response_schema(operation_id: str, status: int, legacy: bool = False) -> dict[str, Any] | None:
    for ops in load(legacy)["paths"].values():
        for op in ops.values():
            if op["operationId"] != operation_id:
                continue
            responses = op["responses"]
            for key in (str(status), f"{str(status)[0]}XX", "default"):
                if key in responses:
                    content = responses[key].get("content", {})
                    media = content.get("application/json")
                    return media["schema"] if media else None
            return None
    raise KeyError(operation_id)


def validate(operation_id: str, status: int, body: Any, legacy: bool = False) -> None:
    schema = response_schema(operation_id, status, legacy)
    assert schema is not None, f"{operation_id}: the spec has no JSON response for status {status}"
    validator = Draft7Validator({**to_jsonschema(schema), "components": components(legacy)})
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
    assert not errors, f"{operation_id} ({status}): " + "; ".join(
        f"{'/'.join(map(str, e.absolute_path))}: {e.message[:300]}" for e in errors[:5]
    )
