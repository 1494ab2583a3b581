"""Payload paths (`a.b`, `a[].b`, `a[0]`, `"quoted.key"`) and the payload operations on them."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Union

from vecbase.core.errors import PayloadPathError

_TOKEN = re.compile(r'"((?:[^"\\]|\\.)*)"|([^.\[\]"]+)|\[(\d*)\]|(\.)')


@dataclass(frozen=True, slots=True)
class Key:
    name: str


@dataclass(frozen=True, slots=True)
class Index:
    index: int


@dataclass(frozen=True, slots=True)
class Every:
    """`[]`: every element of an array."""


PathItem = Union[Key, Index, Every]


@lru_cache(maxsize=4096)
def parse_path(path: str) -> tuple[PathItem, ...]:
    """Parse a payload path; ``PayloadPathError`` (a ValueError) on a malformed one."""
    if not path:
        raise PayloadPathError("Empty payload path")
    items: list[PathItem] = []
    pos = 0
    expect_key = True
    while pos < len(path):
        m = _TOKEN.match(path, pos)
        if m is None:
            raise PayloadPathError(f"Invalid payload path {path!r}")
        quoted, bare, idx, dot = m.groups()
        if dot is not None:
            if expect_key:
                raise PayloadPathError(f"Invalid payload path {path!r}")
            expect_key = True
        elif idx is not None:
            if not items:
                raise PayloadPathError(f"Invalid payload path {path!r}")
            items.append(Every() if idx == "" else Index(int(idx)))
        else:
            if not expect_key:
                raise PayloadPathError(f"Invalid payload path {path!r}")
            name = quoted.replace('\\"', '"') if quoted is not None else bare
            items.append(Key(name))
            expect_key = False
        pos = m.end()
    if expect_key:
        raise PayloadPathError(f"Invalid payload path {path!r}")
    return tuple(items)


def check_path(path: str) -> str:
    """``path`` when it is a well-formed payload path (checked before a request applies
    anything), else ``PayloadPathError``."""
    parse_path(path)
    return path


def path_head(path: str) -> str:
    """The top-level payload key a path starts with."""
    first = parse_path(path)[0]
    assert isinstance(first, Key)
    return first.name


def values_at(payload: dict[str, Any], path: str, *, flat: bool = True) -> list[Any]:
    """Every value a path selects; with ``flat`` a selected array contributes its elements."""
    items = parse_path(path)
    if len(items) == 1 and isinstance(items[0], Key):  # a top-level key: no walk (filter scans)
        if items[0].name not in payload:
            return []
        value = payload[items[0].name]
        return list(value) if flat and isinstance(value, list) else [value]
    out: list[Any] = []
    _collect(payload, items, flat, out)
    return out


def _collect(data: Any, items: tuple[PathItem, ...], flat: bool, out: list[Any]) -> None:
    if not items:
        if flat and isinstance(data, list):
            out.extend(data)
        else:
            out.append(data)
        return
    head, rest = items[0], items[1:]
    if isinstance(head, Key):
        if isinstance(data, dict) and head.name in data:
            _collect(data[head.name], rest, flat, out)
    elif isinstance(head, Index):
        if isinstance(data, list) and head.index < len(data):
            _collect(data[head.index], rest, flat, out)
    elif isinstance(data, list):
        for element in data:
            _collect(element, rest, flat, out)


def merge_payload(dest: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """Merge ``values`` into ``dest`` in place; a null value removes the key, as in Qdrant."""
    for k, v in values.items():
        if v is None:
            dest.pop(k, None)
        else:
            dest[k] = copy.deepcopy(v)
    return dest


def set_at(payload: dict[str, Any], key: str | None, values: dict[str, Any]) -> dict[str, Any]:
    """A copy of payload with ``values`` merged at ``key`` (top level when key is None).

    Objects missing on the path are created and a non-object where an object is needed is
    replaced by one; where an array is needed and something else stands, it becomes an empty
    array. ``a[]`` merges into every element.
    """
    result = copy.deepcopy(payload)
    if key is None:
        return merge_payload(result, values)
    merged = _merge_into(result, parse_path(key), values)
    assert isinstance(merged, dict)
    return merged


def _merge_into(data: Any, items: tuple[PathItem, ...], values: dict[str, Any]) -> Any:
    if not items:
        return merge_payload(data if isinstance(data, dict) else {}, values)
    head, rest = items[0], items[1:]
    if isinstance(head, Key):
        if not isinstance(data, dict):
            data = {}
        data[head.name] = _merge_into(data.get(head.name, {}), rest, values)
        return data
    if not isinstance(data, list):
        return []
    if isinstance(head, Index):
        if head.index < len(data):
            data[head.index] = _merge_into(data[head.index], rest, values)
        return data
    for i, element in enumerate(data):
        data[i] = _merge_into(element, rest, values)
    return data


def delete_at(payload: dict[str, Any], paths: list[str]) -> dict[str, Any]:
    """A copy of payload without the values the paths select.

    A path ending in an array index deletes nothing (it would not be idempotent); one
    ending in ``[]`` empties the array.
    """
    result = copy.deepcopy(payload)
    for path in paths:
        _delete(result, parse_path(path))
    return result


def _delete(data: Any, items: tuple[PathItem, ...]) -> None:
    head, rest = items[0], items[1:]
    if not rest:
        if isinstance(head, Key) and isinstance(data, dict):
            data.pop(head.name, None)
        elif isinstance(head, Every) and isinstance(data, list):
            data.clear()
        return
    if isinstance(head, Key):
        if isinstance(data, dict) and head.name in data:
            _delete(data[head.name], rest)
    elif isinstance(data, list):
        if isinstance(head, Index):
            if head.index < len(data):
                _delete(data[head.index], rest)
        else:
            for element in data:
                _delete(element, rest)


def select_payload(payload: dict[str, Any], include: list[str] | None, exclude: list[str] | None) -> dict[str, Any]:
    """Apply a payload selector: keep only ``include`` paths, then drop ``exclude`` paths."""
    if include is not None:
        payload = _include(payload, _tree(tuple(include)))
    if exclude is not None:
        payload = _exclude(payload, _tree(tuple(exclude)))
    return payload


_ALL = True


@lru_cache(maxsize=256)
def _tree(paths: tuple[str, ...]) -> dict[Any, Any]:
    tree: dict[Any, Any] = {}
    for path in paths:
        parts = [
            p.name if isinstance(p, Key) else (p.index if isinstance(p, Index) else None) for p in parse_path(path)
        ]
        node: Any = tree
        for part in parts[:-1]:
            if node is _ALL:
                break
            node = node.setdefault(part, {})
        else:
            if node is not _ALL:
                node[parts[-1]] = _ALL
    return tree


def _include(value: Any, tree: Any) -> Any:
    if isinstance(value, dict):
        return {k: (v if tree[k] is _ALL else _include(v, tree[k])) for k, v in value.items() if k in tree}
    if isinstance(value, list):
        if None not in tree:
            return []
        sub = tree[None]
        return value if sub is _ALL else [_include(v, sub) for v in value]
    return value


def _exclude(value: Any, tree: Any) -> Any:
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if k not in tree:
                out[k] = v
            elif tree[k] is not _ALL:
                out[k] = _exclude(v, tree[k])
        return out
    if isinstance(value, list):
        if None not in tree:
            return value
        sub = tree[None]
        return [] if sub is _ALL else [_exclude(v, sub) for v in value]
    return value
