"""The access a request was authenticated with, as the server's authentication records it in
the ASGI scope for the dialects' checks (``core.access``). Without keys every request has
full access."""

from __future__ import annotations

from typing import Any, MutableMapping

from vecbase.core.access import FULL, Access

_KEY = "vecbase_access"


def record(scope: MutableMapping[str, Any], access: Access) -> None:
    scope.setdefault("state", {})[_KEY] = access


def current(scope: Any) -> Access:
    state = scope.get("state") if isinstance(scope, dict) else None
    found = state.get(_KEY) if isinstance(state, dict) else None
    return found if isinstance(found, Access) else FULL
