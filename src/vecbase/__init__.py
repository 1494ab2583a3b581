"""vecbase: a vector database that speaks Qdrant's API, embedded or as a server.

Layers, imports pointing downward only:
cli -> {server, client} -> api -> engine -> query -> segment -> index -> storage -> core.

``Client``, ``AsyncClient`` and ``models`` load on first use, so the server entry point can configure the
process (BLAS threads) before numpy is imported.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vecbase import models
    from vecbase.client import AsyncClient, Client

__all__ = ["AsyncClient", "Client", "models"]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    if name in ("Client", "AsyncClient"):
        return getattr(importlib.import_module("vecbase.client"), name)
    if name == "models":
        return importlib.import_module("vecbase.models")
    raise AttributeError(f"module 'vecbase' has no attribute {name!r}")
