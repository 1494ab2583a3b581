"""Server-wide bounds on the cost of one request, set once from the server's settings.

``max_filter_conditions`` bounds the conditions of one request's filters (every dialect
counts them before parsing them further), so that no request makes the server validate and
evaluate an arbitrarily large filter.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from vecbase.core.errors import BadRequestError

FILTER_KEYS = ("filter", "query_filter", "must", "should", "must_not", "min_should", "conditions", "prefetch")


@dataclass(frozen=True, slots=True)
class Limits:
    max_filter_conditions: int = 10_000


_current = Limits()


def current() -> Limits:
    return _current


def configure(**changes: Any) -> None:
    global _current
    _current = replace(_current, **changes)


def count_filter_conditions(body: Any) -> int:
    """Conditions inside the filter-shaped parts of a JSON request (``must`` / ``should`` /
    ``must_not`` / ``min_should`` lists under ``filter``-like keys, prefetches included); the
    rest of the body (points, vectors) is not walked."""
    total = 0
    stack = [body]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            for key in FILTER_KEYS:
                inner = value.get(key)
                if inner is None:
                    continue
                if key in ("must", "should", "must_not", "conditions") and isinstance(inner, list):
                    total += len(inner)
                    stack.extend(inner)
                elif key in ("must", "should", "must_not"):
                    total += 1
                    stack.append(inner)
                else:
                    stack.append(inner)
        elif isinstance(value, list):
            stack.extend(v for v in value if isinstance(v, (dict, list)))
    return total


def check_filter_conditions(count: int) -> None:
    limit = _current.max_filter_conditions
    if count > limit:
        raise BadRequestError(
            f"Filter condition limit reached ({count} > {limit}). Help: Reduce the amount of conditions of your filter."
        )
