"""The web dashboard at ``/dashboard``: static files only, every figure it shows comes from
the public APIs with the user's own credentials.

Invariants: the page loads no asset from another host (no CDN; it works offline); the files
are public, as Qdrant's web UI is, and every API call the page makes carries the key the user
typed, so the dashboard can do nothing the key cannot.
"""

from __future__ import annotations

from pathlib import Path

from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

BUNDLED = Path(__file__).resolve().parent / "static"
PREFIX = "/dashboard"


def dashboard_directory(enabled: bool, static_content_dir: str | None) -> Path | None:
    """The directory served at /dashboard: an operator's build (Qdrant's web UI) when
    ``static_content_dir`` exists, else the bundled dashboard; None when disabled."""
    if not enabled:
        return None
    if static_content_dir:
        own = Path(static_content_dir)
        if (own / "index.html").is_file():
            return own
    return BUNDLED


def dashboard_routes(directory: Path | None) -> list[BaseRoute]:
    if directory is None:
        return []
    # html=True: /dashboard/ answers index.html (the page routes by URL fragment)
    return [Mount(PREFIX, app=StaticFiles(directory=directory, html=True), name="dashboard")]
