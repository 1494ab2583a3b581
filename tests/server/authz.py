"""Credentials of every kind for the authorisation matrices, and Qdrant's answer to each for
an operation of a given access class (its RBAC documentation and ``lib/storage/src/rbac``).

Classes: ``open``; ``G`` global read; ``M`` global manage; ``L`` listing (any credential,
filtered); ``R`` read the collection; ``X`` the collection's snapshots (read, not ``prw``);
``W`` write points; ``WX`` write the collection's indexes, vectors and snapshots (``rw``, not
``prw``)."""

from __future__ import annotations

import time
from typing import Any

import jwt

KEY, READ_KEY = "full-key-0123456789abcdef0123456789", "read-key-0123456789abcdef0123456789"
ENV = {
    "VECBASE__SERVICE__API_KEY": KEY,
    "VECBASE__SERVICE__READ_ONLY_API_KEY": READ_KEY,
    "VECBASE__SERVICE__JWT_RBAC": "true",
}


def token(access: Any = None, exp: float | None = None, secret: str = KEY, **extra: Any) -> str:
    claims: dict[str, Any] = {**extra}
    if access is not None:
        claims["access"] = access
    if exp is not None:
        claims["exp"] = int(exp)
    return jwt.encode(claims, secret, algorithm="HS256")


def credentials(this: str, other: str, anchor: str) -> dict[str, tuple[str | None, Any]]:
    """Credential name -> (the key or token, or None; what it grants: ``deny401`` /
    ``deny403``, ``r`` / ``m``, or ``(collection, mode)``). ``anchor``: a collection holding
    a point with ``city = "x"`` (for ``value_exists``)."""
    hour = time.time() + 3600
    exists = {"collection": anchor, "matches": [{"key": "city", "value": "x"}]}
    missing = {"collection": anchor, "matches": [{"key": "city", "value": "nowhere"}]}
    return {
        "none": (None, "deny401"),
        "wrong": ("not-a-key", "deny401"),
        "read_only_key": (READ_KEY, "r"),
        "full_key": (KEY, "m"),
        "jwt_global_r": (token("r", hour), "r"),
        "jwt_global_m": (token("m", hour), "m"),
        "jwt_no_access_claim": (token(exp=hour), "m"),
        "jwt_this_r": (token([{"collection": this, "access": "r"}], hour), (this, "r")),
        "jwt_this_rw": (token([{"collection": this, "access": "rw"}], hour), (this, "rw")),
        "jwt_this_prw": (token([{"collection": this, "access": "prw"}], hour), (this, "prw")),
        "jwt_other_r": (token([{"collection": other, "access": "r"}], hour), (other, "r")),
        "jwt_other_rw": (token([{"collection": other, "access": "rw"}], hour), (other, "rw")),
        "jwt_expired": (token("m", time.time() - 600), "deny403"),
        "jwt_bad_signature": (token("m", hour, secret="another-secret-0123456789abcdef0123"), "deny403"),
        "jwt_value_exists_true": (token("r", hour, value_exists=exists), "r"),
        "jwt_value_exists_false": (token("r", hour, value_exists=missing), "deny401"),
    }


NAMES = list(credentials("a", "b", "c"))


def expected(kind: str, grant: Any, this: str) -> int | None:
    """The status Qdrant answers (401 / 403), or None when the call is allowed."""
    if kind == "open":
        return None
    if grant in ("deny401", "deny403"):
        return 401 if grant == "deny401" else 403
    if grant == "m":
        return None
    if grant == "r":
        return None if kind in ("G", "L", "R", "X") else 403
    collection, mode = grant
    if kind == "L":
        return None
    if collection != this or kind in ("G", "M"):
        return 403
    allowed = {"r": {"R", "X"}, "rw": {"R", "X", "W", "WX"}, "prw": {"R", "W"}}[mode]
    return None if kind in allowed else 403


def verdict(status: int, want: int | None) -> bool:
    """Whether ``status`` is the expected answer (allowed: anything but 401 / 403 / 5xx)."""
    if status >= 500:
        return False
    return status not in (401, 403) if want is None else status == want
