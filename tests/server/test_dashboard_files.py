"""What /dashboard serves: the bundled page by default, an operator's build (Qdrant's web UI)
from ``service.static_content_dir``, nothing with ``enable_static_content: false``; the files
are public under an API key, the API behind them is not; no asset names another host."""

from __future__ import annotations

import re
from pathlib import Path

from starlette.testclient import TestClient

from vecbase.server.app import create_app
from vecbase.server.dashboard import BUNDLED
from vecbase.server.settings import Settings


def test_bundled_dashboard_is_the_default(tmp_path: Path) -> None:
    settings = Settings(storage_path=str(tmp_path / "s"), static_content_dir=str(tmp_path / "absent"), api_key="k" * 32)
    with TestClient(create_app(settings)) as http:
        page = http.get("/dashboard/")
        assert page.status_code == 200 and 'src="js/main.js"' in page.text
        assert http.get("/dashboard", follow_redirects=False).status_code in (307, 308)
        assert http.get("/dashboard/js/main.js").headers["content-type"].startswith("text/javascript")
        assert http.get("/dashboard/app.css").status_code == 200
        assert http.get("/dashboard/missing.js").status_code == 404
        # the page is public, the API it calls is not
        assert http.get("/collections").status_code == 401
        assert http.post("/dashboard/", content=b"x").status_code in (401, 405)


def test_static_content_dir_serves_an_operators_build(tmp_path: Path) -> None:
    ui = tmp_path / "static"
    (ui / "assets").mkdir(parents=True)
    (ui / "index.html").write_text("<title>Qdrant web UI</title>")
    (ui / "assets" / "app.js").write_text("console.log(1)")
    settings = Settings(storage_path=str(tmp_path / "s"), static_content_dir=str(ui))
    with TestClient(create_app(settings)) as http:
        assert http.get("/dashboard/").text == "<title>Qdrant web UI</title>"
        assert http.get("/dashboard/assets/app.js").text == "console.log(1)"


def test_static_content_can_be_turned_off(tmp_path: Path) -> None:
    settings = Settings(storage_path=str(tmp_path / "s"), enable_static_content=False)
    with TestClient(create_app(settings)) as http:
        reply = http.get("/dashboard/")
        assert reply.status_code == 404 and reply.json()["status"]["error"].startswith("Not found")


def test_no_asset_names_another_host() -> None:
    files = [p for p in BUNDLED.rglob("*") if p.is_file()]
    assert {p.suffix for p in files} == {".html", ".css", ".js"}
    for path in files:
        text = path.read_text()
        # the only absolute URL allowed is the SVG namespace, an identifier never fetched
        urls = set(re.findall(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}[^\s\"'`)]*", text)) - {
            "http://www.w3.org/2000/svg"
        }
        assert not urls, (path.name, urls)
        assert "@import" not in text and "cdn" not in text.lower()
