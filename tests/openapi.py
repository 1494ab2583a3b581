"""The vendored Qdrant OpenAPI specs as JSON Schema validators for response bodies."""

from __future__ import annotations

import json
import os
import subprocess
from functools import lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator

from vecbase.api.qdrant.wire_rules import ENVELOPE_SKIP, SKIP_ALL_NONE, SKIP_EMPTY, SKIP_NONE


def _spec_dir() -> Path:
    """The vendored specs live beside the repository (``../shared/spec/qdrant``), or beside
    the local checkout this one was cloned from (``git clone . /tmp/fresh``); a clone
    elsewhere can point VECBASE_SPEC_DIR at them."""
    env = os.environ.get("VECBASE_SPEC_DIR")
    if env:
        return Path(env)
    here = Path(__file__).resolve()
    for parent in [*here.parents, *_origin_parents(here.parent.parent)]:
        candidate = parent / "shared" / "spec" / "qdrant"
        if (candidate / "openapi.json").is_file():
            return candidate
    raise FileNotFoundError("Qdrant OpenAPI spec not found: set VECBASE_SPEC_DIR to .../shared/spec/qdrant")


def _origin_parents(repo: Path) -> list[Path]:
    """The directories above the checkout ``repo`` was cloned from, when that is a local path."""
    try:
        url = subprocess.run(
            ["git", "-C", str(repo), "config", "--get", "remote.origin.url"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return []
    origin = Path(url.removeprefix("file://"))
    return list(origin.resolve().parents) if url and origin.is_absolute() and origin.is_dir() else []


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


def _may_be_absent(schema_name: str | None, prop: str) -> bool:
    """Properties Qdrant leaves out when they have no value (its ``skip_serializing_if``)."""
    if schema_name is None:
        return False
    if schema_name == "<envelope>":
        return prop in ENVELOPE_SKIP
    return (
        schema_name in SKIP_ALL_NONE
        or prop in SKIP_NONE.get(schema_name, ())
        or prop in SKIP_EMPTY.get(schema_name, ())
    )


def missing_properties(operation_id: str, status: int, body: Any, legacy: bool = False) -> list[str]:
    """Paths of properties the response schema lists that ``body`` leaves out, except where
    Qdrant itself leaves them out when empty. Unions are checked in the alternative that the
    body validates against."""
    schema = response_schema(operation_id, status, legacy)
    assert schema is not None
    comps = components(legacy)
    raw = load(legacy)["components"]["schemas"]
    out: list[str] = []

    def valid(node: Any, value: Any) -> bool:
        return Draft7Validator({**to_jsonschema(node), "components": comps}).is_valid(value)

    def walk(node: Any, value: Any, path: str, name: str | None) -> None:
        if "$ref" in node:
            ref = node["$ref"].rsplit("/", 1)[-1]
            walk(raw[ref], value, path, ref)
            return
        for key in ("anyOf", "oneOf"):
            if key in node:
                for option in node[key]:
                    if set(option) <= {"nullable", "description"}:
                        continue
                    if valid(option, value):
                        walk(option, value, path, name)
                        return
                return
        for part in node.get("allOf", []):
            walk(part, value, path, name)
        if isinstance(value, dict):
            props = node.get("properties", {})
            for prop, sub in props.items():
                if prop not in value:
                    if not _may_be_absent(name, prop):
                        out.append(f"{path}/{prop} ({name})")
                    continue
                if value[prop] is not None:
                    walk(sub, value[prop], f"{path}/{prop}", None)
            extra = node.get("additionalProperties")
            if isinstance(extra, dict):
                for k, v in value.items():
                    if k not in props and v is not None:
                        walk(extra, v, f"{path}/{k}", None)
        elif isinstance(value, list) and isinstance(node.get("items"), dict):
            for i, item in enumerate(value):
                walk(node["items"], item, f"{path}/{i}", None)

    walk(schema, body, "", "<envelope>")
    return out
