"""What the Qdrant dialect says it is: the Qdrant version it speaks, its title and a build id
(the root endpoint, gRPC's health check and the embedded client's ``info``)."""

from __future__ import annotations

import hashlib
from typing import Any

QDRANT_VERSION = "1.19.0"
TITLE = "vecbase - vector search engine (qdrant-compatible)"


def build_commit() -> str:
    """A stable 40-hex build id derived from the package version (there is no git at run time)."""
    from vecbase import __version__

    return hashlib.sha1(f"vecbase-{__version__}".encode()).hexdigest()


def version_info() -> dict[str, Any]:
    return {"title": TITLE, "version": QDRANT_VERSION, "commit": build_commit()}
