"""Random protobuf messages for the gRPC dialect, built from the message descriptors: every
field may be set or left out, one member of each oneof at most, numbers at the ends of their
types (NaN, 2**64 - 1), strings from a small pool, enums including an unknown number.
Shared by the CI test (a fixed seed) and ad hoc longer runs."""

from __future__ import annotations

import random
from typing import Any

from google.protobuf import descriptor as d

_FLOATS = [0.0, 1.5, -3.0, 1e30, float("nan"), float("inf")]
_INTS = {
    "signed64": [0, 1, -1, 2**63 - 1, -(2**63)],
    "unsigned64": [0, 1, 2**64 - 1],
    "signed32": [0, 1, -1, 2**31 - 1, -(2**31)],
    "unsigned32": [0, 1, 2**32 - 1],
}
_KINDS = {
    d.FieldDescriptor.TYPE_INT64: "signed64",
    d.FieldDescriptor.TYPE_SINT64: "signed64",
    d.FieldDescriptor.TYPE_SFIXED64: "signed64",
    d.FieldDescriptor.TYPE_UINT64: "unsigned64",
    d.FieldDescriptor.TYPE_FIXED64: "unsigned64",
    d.FieldDescriptor.TYPE_INT32: "signed32",
    d.FieldDescriptor.TYPE_SINT32: "signed32",
    d.FieldDescriptor.TYPE_SFIXED32: "signed32",
    d.FieldDescriptor.TYPE_UINT32: "unsigned32",
    d.FieldDescriptor.TYPE_FIXED32: "unsigned32",
}
_STRINGS = ["", "fuzz", "a.b", "x" * 300, "é", "not-a-uuid", "550e8400-e29b-41d4-a716-446655440000", "keyword"]
MAX_DEPTH = 4


class MessageFuzzer:
    def __init__(self, rng: random.Random, collection: str) -> None:
        self.rng = rng
        self.collection = collection  # most messages name it, so they get past the lookup

    def scalar(self, field: Any) -> Any:
        t, rng = field.type, self.rng
        if t in (d.FieldDescriptor.TYPE_DOUBLE, d.FieldDescriptor.TYPE_FLOAT):
            return rng.choice(_FLOATS + [rng.random()])
        if t in _KINDS:
            return rng.choice(_INTS[_KINDS[t]] + [rng.randrange(10)])
        if t == d.FieldDescriptor.TYPE_BOOL:
            return rng.random() < 0.5
        if t == d.FieldDescriptor.TYPE_STRING:
            return rng.choice(_STRINGS)
        if t == d.FieldDescriptor.TYPE_BYTES:
            return b"\x00\x01"
        if t == d.FieldDescriptor.TYPE_ENUM:
            return rng.choice([v.number for v in field.enum_type.values] + [999])
        raise ValueError(f"no value for field type {t}")

    def fill(self, msg: Any, depth: int = 0) -> Any:
        rng = self.rng
        oneofs: set[str] = set()
        for field in msg.DESCRIPTOR.fields:
            if field.name == "collection_name":
                setattr(msg, field.name, self.collection if rng.random() < 0.8 else rng.choice(_STRINGS))
                continue
            if field.containing_oneof is not None:
                if field.containing_oneof.name in oneofs or rng.random() < 0.5:
                    continue
                oneofs.add(field.containing_oneof.name)
            elif rng.random() < 0.4:
                continue
            if field.message_type is not None:
                if depth < MAX_DEPTH:
                    self._message_field(msg, field, depth)
            elif field.is_repeated:
                getattr(msg, field.name).extend(self.scalar(field) for _ in range(rng.randrange(4)))
            else:
                setattr(msg, field.name, self.scalar(field))
        return msg

    def _message_field(self, msg: Any, field: Any, depth: int) -> None:
        rng, target = self.rng, getattr(msg, field.name)
        if field.message_type.GetOptions().map_entry:
            key, value = field.message_type.fields_by_name["key"], field.message_type.fields_by_name["value"]
            for _ in range(rng.randrange(3)):
                k = self.scalar(key)
                if value.message_type is not None:
                    self.fill(target[k], depth + 1)
                else:
                    target[k] = self.scalar(value)
        elif field.is_repeated:
            for _ in range(rng.randrange(3)):
                self.fill(target.add(), depth + 1)
        else:
            self.fill(target, depth + 1)
