"""Generate the Qdrant wire models (pydantic) from the vendored OpenAPI specs.

Usage (from the repository root):

    python tools/gen_wire_models.py > src/vecbase/api/qdrant/models.py

Schemas come from ``../shared/spec/qdrant/openapi.json`` (1.19); schemas that only the
1.18 spec still describes (the legacy search/recommend/discover requests) are appended
from ``../shared/spec/qdrant/v1.18.x/openapi.json``.

Design choices, so the output is usable as a Python API and not only as a validator:
- ``anyOf``/``oneOf`` become plain ``Union`` aliases (no RootModel wrappers), so a point
  id stays an ``int`` or ``str`` after validation;
- objects become ``BaseModel`` subclasses (``extra="forbid"`` where the spec closes them);
- enums become ``str`` enums with UPPER_CASE member names;
- Python keywords get a trailing underscore and keep the wire name as alias;
- a model takes numpy input through ``NumpyWireModel`` only where pydantic's own coercion
  would get it wrong: a field whose type (aliases expanded) holds ``Any`` (numpy values
  would stay numpy) or two scalar types (``np.True_`` would become ``1`` in
  ``Union[str, int, bool]``); every other model validates numpy arrays and scalars natively
  and skips the Python-level wrap validator (2.2 -> 0.9 us for a small model);
- Qdrant's undocumented field aliases (``with_vectors``, ``top``, ``quantization``...) are
  accepted as validation aliases (``EXTRA_ALIASES``);
- a response property is serialized even when null, except where Qdrant skips it
  (``SKIP_NONE``, ``SKIP_EMPTY``); f32 fields (scores, vectors) carry ``F32_OUT``, which the
  REST layer uses to print them as f32 (``wire_base.F32_CONTEXT``).
"""

from __future__ import annotations

import json
import keyword
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from vecbase.api.qdrant.wire_rules import (  # noqa: E402
    EXTRA_ALIASES,
    F32_FIELDS,
    SKIP_ALL_NONE,
    SKIP_EMPTY,
    SKIP_NONE,
    STRICT_FIELDS,
    UNCONSTRAINED,
)

SPEC = ROOT.parent / "shared" / "spec" / "qdrant" / "openapi.json"
LEGACY_SPEC = ROOT.parent / "shared" / "spec" / "qdrant" / "v1.18.x" / "openapi.json"

PRIMITIVES = {"integer": "int", "number": "float", "boolean": "bool"}
SCALARS = {"int", "float", "bool", "str", "WireUuid"}
BASE = "<base>"  # a model's base class, chosen once every alias is known


CONSTRAINTS = {
    "minimum": "ge",
    "maximum": "le",
    "exclusiveMinimum": "gt",
    "exclusiveMaximum": "lt",
    "minItems": "min_length",
    "maxItems": "max_length",
    "minLength": "min_length",
    "maxLength": "max_length",
}


# the values of each integer format: Qdrant's serde refuses any other while parsing (a 400)
INTEGER_RANGES = {
    "uint": (0, 2**64 - 1),
    "uint64": (0, 2**64 - 1),
    "uint32": (0, 2**32 - 1),
    "uint16": (0, 2**16 - 1),
    "uint8": (0, 2**8 - 1),
    "int64": (-(2**63), 2**63 - 1),
    "int32": (-(2**31), 2**31 - 1),
}


def constraints(prop: dict[str, Any]) -> list[str]:
    """Pydantic Field constraints for a property's own bounds (the spec's validation rules),
    and the range of an integer property's format where the spec gives no bound."""
    out = []
    for key, arg in CONSTRAINTS.items():
        value = prop.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            out.append(f"{arg}={value!r}")
    low, high = INTEGER_RANGES.get(integer_format(prop) or "", (None, None))
    if high is not None and "maximum" not in prop and "exclusiveMaximum" not in prop:
        out.append(f"le={high}")
    if low is not None and low < 0 and "minimum" not in prop and "exclusiveMinimum" not in prop:
        out.append(f"ge={low}")
    return out


def integer_format(prop: dict[str, Any]) -> str | None:
    """The format of an integer property (alone or with null), None for any other."""
    if prop.get("type") == "integer":
        return prop.get("format")
    members = [m for m in prop.get("anyOf", prop.get("oneOf", [])) if m != {"nullable": True}]
    if len(members) == 1 and members[0].get("type") == "integer":
        return members[0].get("format")
    return None


def ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def member_name(value: Any) -> str:
    name = re.sub(r"[^0-9a-zA-Z]+", "_", str(value)).strip("_").upper()
    return name if name and not name[0].isdigit() else f"V_{name}"


class Generator:
    def __init__(self, schemas: dict[str, Any]) -> None:
        self.schemas = schemas
        self.enums: list[str] = []
        self.models: list[tuple[str, str]] = []
        self.aliases: dict[str, tuple[str, set[str]]] = {}
        self.annotations: dict[str, list[str]] = {}

    def type_of(self, schema: dict[str, Any], deps: set[str]) -> str:
        if "$ref" in schema:
            name = ref_name(schema["$ref"])
            deps.add(name)
            return name
        for key in ("anyOf", "oneOf"):
            if key in schema:
                members: list[str] = []
                nullable = False
                for option in schema[key]:
                    if set(option) <= {"nullable", "description"} and option.get("nullable"):
                        nullable = True
                        continue
                    member = self.type_of(option, deps)
                    bounds = constraints(option) if option.get("type") == "integer" else []
                    if bounds:  # a union's integer keeps its format's range (a 400 past it)
                        member = f"Annotated[{member}, Field({', '.join(bounds)})]"
                    if member not in members:
                        members.append(member)
                if nullable:
                    members.append("None")
                if len(members) == 1:
                    return members[0]
                return "Union[" + ", ".join(members) + "]"
        if "allOf" in schema:
            parts = [self.type_of(s, deps) for s in schema["allOf"]]
            return parts[0] if len(parts) == 1 else "Any"
        kind = schema.get("type")
        base: str
        if "enum" in schema and kind == "string" and len(schema["enum"]) == 1:
            base = f"Literal[{schema['enum'][0]!r}]"
        elif kind in PRIMITIVES:
            base = PRIMITIVES[kind]
        elif kind == "string":
            fmt = schema.get("format")
            if fmt in ("date-time", "partial-date-time"):
                base = "WireDatetime"
            else:
                base = "WireUuid" if fmt == "uuid" else "str"
        elif kind == "array":
            base = "List[" + self.type_of(schema.get("items", {}), deps) + "]"
        elif kind == "object" or "additionalProperties" in schema:
            extra = schema.get("additionalProperties")
            value = self.type_of(extra, deps) if isinstance(extra, dict) else "Any"
            base = f"Dict[str, {value}]"
        else:
            base = "Any"
        if schema.get("nullable"):
            return f"Optional[{base}]"
        return base

    def emit(self, name: str, schema: dict[str, Any]) -> None:
        kind = schema.get("type")
        if "enum" in schema and kind == "string":
            lines = [f"class {name}(str, Enum):"]
            if schema.get("description"):
                lines.append(f"    {json.dumps(schema['description'])}")
            lines += [f"    {member_name(v)} = {v!r}" for v in schema["enum"]]
            self.enums.append("\n".join(lines) + "\n")
            return
        if kind == "object" and "properties" in schema:
            self.emit_model(name, schema)
            return
        deps: set[str] = set()
        self.aliases[name] = (self.type_of(schema, deps), deps)

    def emit_model(self, name: str, schema: dict[str, Any]) -> None:
        closed = schema.get("additionalProperties") is False
        bases = f'{BASE}, extra="forbid"' if closed else BASE
        lines = [f"class {name}({bases}):"]
        if schema.get("description"):
            lines.append(f"    {json.dumps(schema['description'])}")
        required = set(schema.get("required", []))
        props: dict[str, Any] = schema["properties"]
        annotations = self.annotations[name] = []
        if not props:
            lines.append("    pass")
        for wire_name, prop in props.items():
            py_name = wire_name + "_" if keyword.iskeyword(wire_name) else wire_name
            annotation = self.type_of(prop, set())
            annotations.append(annotation)
            args = []
            nullable = "None" in annotation or annotation.startswith("Optional[")
            required_ = wire_name in required
            if wire_name not in required:
                if not nullable:
                    annotation = f"Optional[{annotation}]"
                args.append("default=None")
            else:
                args.append("...")
            if py_name != wire_name:
                args.append(f"alias={wire_name!r}")
            extra = EXTRA_ALIASES.get((name, wire_name))
            if extra:
                choices = ", ".join(repr(a) for a in (wire_name, *extra))
                args.append(f"validation_alias=AliasChoices({choices})")
            # null is no value of a property the schema does not make nullable: left out
            if wire_name in SKIP_EMPTY.get(name, ()):
                args.append("exclude_if=is_empty")
            elif wire_name in SKIP_NONE.get(name, ()) or name in SKIP_ALL_NONE or (not nullable and not required_):
                args.append("exclude_if=is_none")
            if (name, wire_name) in STRICT_FIELDS:
                args.append("strict=True")
            if (name, wire_name) in F32_FIELDS:
                annotation = f"Annotated[{annotation}, F32_OUT]"
            if (name, wire_name) not in UNCONSTRAINED:
                args.extend(constraints(prop))
            if prop.get("description"):
                args.append(f"description={prop['description']!r}")
            lines.append(f"    {py_name}: {annotation} = Field({', '.join(args)})")
        self.models.append((name, "\n".join(lines) + "\n"))

    def names_in(self, annotation: str, seen: frozenset[str] = frozenset()) -> set[str]:
        """The type names an annotation mentions, aliases expanded (models are not: they
        validate their own input)."""
        names: set[str] = set()
        for word in re.findall(r"[A-Za-z_]\w*", re.sub(r"'[^']*'", "", annotation)):
            if word in self.aliases and word not in seen:
                names |= self.names_in(self.aliases[word][0], seen | {word})
            else:
                names.add(word)
        return names

    def needs_numpy(self, model: str) -> bool:
        for annotation in self.annotations[model]:
            names = self.names_in(annotation)
            if "Any" in names or len(names & SCALARS) >= 2:
                return True
        return False

    def render(self) -> str:
        for name, schema in self.schemas.items():
            self.emit(name, schema)
        ordered: list[str] = []
        seen: set[str] = set()

        def visit(alias: str) -> None:
            if alias in seen:
                return
            seen.add(alias)
            for dep in sorted(self.aliases[alias][1]):
                if dep in self.aliases:
                    visit(dep)
            ordered.append(alias)

        for alias in self.aliases:
            visit(alias)
        out = [HEADER]
        out += self.enums
        out += [
            text.replace(BASE, "NumpyWireModel" if self.needs_numpy(name) else "WireModel", 1)
            for name, text in self.models
        ]
        out += [f"{a} = {self.aliases[a][0]}" for a in ordered]
        out.append("")
        out.append(FOOTER)
        return "\n\n".join(out[:-2]) + "\n\n" + "\n".join(out[-2:])


HEADER = '''# Generated by tools/gen_wire_models.py from the Qdrant OpenAPI specs; do not edit.
# Regenerate: python tools/gen_wire_models.py > src/vecbase/api/qdrant/models.py
"""Qdrant wire models (pydantic), one class or alias per schema of the Qdrant REST spec."""
# ruff: noqa
# mypy: ignore-errors
from __future__ import annotations

from enum import Enum
from typing import Annotated, Any, Dict, List, Literal, Optional, Union

from pydantic import AliasChoices, ConfigDict, Field

from vecbase.api.qdrant.wire_base import (
    F32_OUT,
    NumpyWireModel,
    WireDatetime,
    WireModel,
    WireUuid,
    is_empty,
    is_none,
)
'''

FOOTER = """for _model in list(globals().values()):
    if isinstance(_model, type) and issubclass(_model, WireModel) and _model is not WireModel:
        _model.model_rebuild()
"""


def main() -> None:
    schemas = dict(json.loads(SPEC.read_text())["components"]["schemas"])
    legacy = json.loads(LEGACY_SPEC.read_text())["components"]["schemas"]
    for name, schema in legacy.items():
        schemas.setdefault(name, schema)
    sys.stdout.write(Generator(schemas).render())


if __name__ == "__main__":
    main()
