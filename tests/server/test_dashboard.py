"""The dashboard in a real headless Chromium (Debian's, driven by Playwright) against a server
started here with an API key: the key prompt, collections, points seen, filtered and edited,
searches with the expected ids, a file uploaded into a vector store by drag and drop until it
completes, the API console, snapshots, the server page, deletes; every request the page makes
goes to the server. Screenshots land in ``artifacts/dashboard/`` (``VECBASE_ARTIFACTS``)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import urlsplit

import httpx
import numpy as np
import pytest

from tests.live_server import Server

KEY = "dashboard-key-0123456789abcdef0123456789"
ROOT = Path(__file__).resolve().parents[2]
SHOTS = Path(os.environ.get("VECBASE_ARTIFACTS", ROOT / "artifacts")) / "dashboard"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# the flags that keep Chromium from calling Google's services on its own
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
]
CITIES = ["Berlin", "Paris", "Rome"]
WORDS = ["apple pie recipe", "river boat trip", "mountain hiking boots", "apple orchard tour", "city night bus"]

if CHROMIUM is None and os.environ.get("CI"):
    pytest.fail("CI needs Debian's chromium (./dev test installs it)", pytrace=False)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no chromium executable (./dev test installs it)")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    env = {
        "VECBASE__SERVICE__API_KEY": KEY,
        # AnalyticDB's SDK signs its requests instead of sending the API key
        "VECBASE__ANALYTICDB__ACCESS_KEY_ID": "ak",
        "VECBASE__ANALYTICDB__ACCESS_KEY_SECRET": "sk",
    }
    live = Server(tmp_path_factory.mktemp("dashboard") / "storage").start(env=env)
    try:
        yield live
    finally:
        live.stop()


@pytest.fixture(scope="module")
def api(server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, headers={"api-key": KEY}, timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield launched
        launched.close()


class Page:
    """A tab that records every request it makes and every script error it hits."""

    def __init__(self, browser: Any, base: str) -> None:
        self.base = base
        self.context = browser.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True)
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.context.on("request", lambda r: self.requests.append(r.url))
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.set_default_timeout(15_000)

    def open(self, fragment: str) -> Any:
        url = f"{self.base}/dashboard/#/{fragment}"
        if self.page.url == url:  # the same fragment would not render again
            self.page.reload()
        else:
            self.page.goto(url)
        return self.page

    def shot(self, name: str) -> None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.fixture(scope="module")
def tab(browser: Any, server: Server) -> Iterator[Page]:
    page = Page(browser, server.url)
    yield page
    page.shot("last")  # where the page stood when the module ended (or a test failed)
    page.context.close()


def ids_in(page: Any, selector: str) -> list[str]:
    return [t.strip() for t in page.locator(selector).all_inner_texts()]


def test_01_key_prompt_then_collections(server: Server, tab: Page) -> None:
    page = tab.open("collections")
    dialog = page.get_by_test_id("key-dialog")
    dialog.wait_for(state="visible")  # the API answered 401: the page asks for a key
    tab.shot("01-key-prompt")
    page.get_by_test_id("key-input").fill(KEY)
    page.get_by_test_id("key-save").click()
    page.get_by_test_id("collections-table").wait_for()
    assert page.get_by_test_id("key-state").inner_text() == "key set for this tab"
    # kept for the session only: session storage, nothing in local storage
    assert page.evaluate("sessionStorage.getItem('vecbase.apiKey')") == KEY
    assert KEY not in page.evaluate("JSON.stringify(localStorage)")


def test_02_create_collection_and_see_points(tab: Page, api: httpx.Client) -> None:
    page = tab.open("collections")
    page.get_by_test_id("new-collection-name").fill("shop")
    page.get_by_test_id("new-collection-size").fill("4")
    page.get_by_test_id("new-collection-distance").select_option("Dot")
    page.get_by_test_id("new-collection-sparse").check()
    page.get_by_test_id("create-collection").click()
    page.get_by_test_id("collection-row-shop").wait_for()
    config = api.get("/collections/shop").json()["result"]["config"]["params"]
    assert config["vectors"] == {"size": 4, "distance": "Dot"} and "text" in config["sparse_vectors"]
    # the same form shows the API's error next to it
    page.get_by_test_id("new-collection-name").fill("shop")
    page.get_by_test_id("create-collection").click()
    error = page.get_by_test_id("create-collection-error")
    error.wait_for(state="visible")
    assert "already exists" in error.inner_text()

    points = [
        {
            "id": i,
            "vector": {"": vector(i), "text": {"text": WORDS[i % len(WORDS)], "model": "qdrant/bm25"}},
            "payload": {"city": CITIES[i % 3], "n": i, "title": WORDS[i % len(WORDS)]},
        }
        for i in range(30)
    ]
    api.put("/collections/shop/points?wait=true", json={"points": points}).raise_for_status()
    page.get_by_test_id("refresh-collections").click()
    page.wait_for_function(
        "document.querySelector('[data-testid=points-count-shop]')?.textContent === '30'", timeout=15_000
    )
    page.get_by_test_id("collection-row-shop").click()
    page.get_by_test_id("collection-detail").wait_for()
    page.get_by_test_id("index-field").fill("city")
    page.get_by_test_id("index-type").select_option("keyword")
    page.get_by_test_id("create-index").click()
    page.get_by_test_id("payload-schema").get_by_text("keyword").wait_for()
    assert api.get("/collections/shop").json()["result"]["payload_schema"]["city"]["data_type"] == "keyword"
    page.get_by_test_id("alias-name").fill("store")
    page.get_by_test_id("create-alias").click()
    page.get_by_test_id("aliases").get_by_text("store").wait_for()
    tab.shot("02-collections")


def test_02b_many_collections_are_paged_and_filtered(tab: Page, api: httpx.Client) -> None:
    names = [f"bulk-{i:02d}" for i in range(30)]
    for name in names:
        api.put(f"/collections/{name}", json={"vectors": {"size": 2, "distance": "Dot"}}).raise_for_status()
    page = tab.open("collections")
    page.get_by_test_id("collection-row-bulk-00").wait_for()
    assert page.get_by_test_id("collections-count").inner_text() == "31 of 31 collections"
    assert len(page.locator("[data-testid^=collection-row-]").all()) == 25  # one page
    page.get_by_test_id("collections-next").click()
    page.get_by_test_id("collection-row-shop").wait_for()
    assert len(page.locator("[data-testid^=collection-row-]").all()) == 6
    page.keyboard.press("/")  # focuses the filter
    page.keyboard.type("bulk-1")
    page.wait_for_function(
        "document.querySelector('[data-testid=collections-count]').textContent === '10 of 31 collections'"
    )
    rows = page.locator("[data-testid^=collection-row-]").evaluate_all("rs => rs.map(r => r.dataset.testid.slice(15))")
    assert rows == [f"bulk-1{i}" for i in range(10)]
    tab.shot("02b-collections-filtered")
    for name in names:
        api.delete(f"/collections/{name}").raise_for_status()


def vector(i: int) -> list[float]:
    return np.round(np.random.default_rng(i).normal(size=4), 4).tolist()


def test_03_points_browser_filter_and_edit(tab: Page, api: httpx.Client) -> None:
    page = tab.open("points?c=shop")
    page.get_by_test_id("point-row-0").wait_for()
    assert page.get_by_test_id("points-total").inner_text() == "30 points match"
    assert len(ids_in(page, "[data-testid^=point-row-]")) == 20
    page.get_by_test_id("next-page").click()
    page.get_by_test_id("point-row-25").wait_for()
    assert page.get_by_test_id("page-number").inner_text() == "page 2"
    assert len(ids_in(page, "[data-testid^=point-row-]")) == 10

    page.get_by_test_id("points-filter-key").fill("city")
    page.get_by_test_id("points-filter-value").fill("Paris")
    page.get_by_test_id("apply-filter").click()
    page.wait_for_function("document.querySelector('[data-testid=points-total]').textContent === '10 points match'")
    rows = page.locator("[data-testid^=point-row-]").evaluate_all("rs => rs.map(r => r.dataset.testid.slice(10))")
    assert sorted(int(r) for r in rows) == [i for i in range(30) if i % 3 == 1]
    tab.shot("03-points-filtered")

    page.get_by_test_id("points-filter-mode-json").click()
    page.get_by_test_id("points-filter-json").fill('{"must": [{"key": "n", "range": {"gte": 27}}]}')
    page.get_by_test_id("apply-filter").click()
    page.wait_for_function("document.querySelector('[data-testid=points-total]').textContent === '3 points match'")
    page.get_by_test_id("points-filter-json").fill('{"must": [')
    page.get_by_test_id("apply-filter").click()
    assert "not valid JSON" in page.get_by_test_id("points-error").inner_text()

    page.get_by_test_id("points-filter-json").fill("")
    page.get_by_test_id("apply-filter").click()
    page.get_by_test_id("point-row-4").click()
    editor = page.get_by_test_id("payload-editor")
    editor.wait_for()
    editor.fill('{"city": "Oslo", "n": 4, "edited": true}')
    page.get_by_test_id("save-payload").click()
    page.wait_for_function("document.querySelector('[data-testid=point-row-4]')?.textContent.includes('Oslo')")
    assert api.get("/collections/shop/points/4").json()["result"]["payload"] == {"city": "Oslo", "n": 4, "edited": True}
    tab.shot("04-point-edited")


def shown(page: Any, ids: list[str]) -> None:
    """Wait until the search results on the page are exactly ``ids`` (earlier results may
    still be on screen right after a click), then check them."""
    script = (
        "want => JSON.stringify([...document.querySelectorAll('[data-testid=hit-id]')]"
        ".map(e => e.textContent)) === JSON.stringify(want)"
    )
    try:
        page.wait_for_function(script, arg=ids, timeout=15_000)
    finally:
        assert ids_in(page, "[data-testid=hit-id]") == ids


def test_04_search_console(tab: Page, api: httpx.Client) -> None:
    page = tab.open("search?c=shop")
    query = [0.5, -0.2, 0.1, 0.9]
    vectors = np.array([vector(i) for i in range(30)], dtype=np.float32)
    expected = [str(i) for i in np.argsort(-(vectors @ np.array(query, dtype=np.float32)), kind="stable")[:5]]
    page.get_by_test_id("search-mode-vector").click()
    page.get_by_test_id("search-vector").fill(str(query))
    page.get_by_test_id("search-limit").fill("5")
    page.get_by_test_id("run-search").click()
    shown(page, expected)
    tab.shot("05-search-vector")

    page.get_by_test_id("search-mode-id").click()
    page.get_by_test_id("search-point-id").fill("7")
    page.get_by_test_id("search-filter-key").fill("city")
    page.get_by_test_id("search-filter-value").fill("Rome")
    page.get_by_test_id("run-search").click()
    rome = [i for i in range(30) if i % 3 == 2 and i != 7]
    want = sorted(rome, key=lambda i: -float(vectors[i] @ vectors[7]))[:5]
    shown(page, [str(i) for i in want])

    page.get_by_test_id("search-filter-key").fill("")
    page.get_by_test_id("search-mode-text").click()
    page.get_by_test_id("search-text").fill("apple")
    page.get_by_test_id("text-method").select_option("bm25")
    reply = api.post(
        "/collections/shop/points/query",
        json={"query": {"text": "apple", "model": "qdrant/bm25"}, "using": "text", "limit": 5},
    ).json()["result"]["points"]
    expected = [str(p["id"]) for p in reply]
    assert len(expected) == 5 and all("apple" in WORDS[int(i) % 5] for i in expected)
    page.get_by_test_id("run-search").click()
    shown(page, expected)
    tab.shot("06-search-text")

    page.get_by_test_id("search-mode-vector").click()
    page.get_by_test_id("search-vector").fill("[1, 2]")
    page.get_by_test_id("run-search").click()
    error = page.get_by_test_id("search-error")
    error.wait_for(state="visible")
    assert "dimension" in error.inner_text().lower()


def test_05_vector_store_upload(tab: Page, api: httpx.Client, tmp_path: Path) -> None:
    page = tab.open("stores")
    page.get_by_test_id("new-store-name").fill("handbook")
    page.get_by_test_id("create-store").click()
    page.get_by_test_id("store-panel").wait_for()
    store = next(s for s in api.get("/v1/vector_stores").json()["data"] if s["name"] == "handbook")
    text = "Holidays: every employee has thirty days of paid leave per year.\n\nParking is behind the building."
    # a drop onto the drop zone, as a person drags a file from the desktop
    page.get_by_test_id("drop-zone").evaluate(
        """(zone, text) => {
            const data = new DataTransfer();
            data.items.add(new File([text], "handbook.txt", { type: "text/plain" }));
            zone.dispatchEvent(new DragEvent("drop", { dataTransfer: data, bubbles: true, cancelable: true }));
        }""",
        text,
    )
    page.wait_for_function(
        "document.querySelector('[data-testid=store-files] [data-testid=file-status]')?.textContent === 'completed'",
        timeout=60_000,
    )
    files = api.get(f"/v1/vector_stores/{store['id']}/files").json()["data"]
    assert [f["status"] for f in files] == ["completed"]
    page.wait_for_function("document.querySelector('[data-testid=store-file-counts]')?.textContent === '1 / 1'")
    page.get_by_test_id("store-query").fill("how many days of leave")
    page.get_by_test_id("store-search").click()
    page.get_by_test_id("store-hit").first.wait_for()
    assert "thirty days" in page.get_by_test_id("store-results").inner_text()
    tab.shot("07-vector-store")


def test_06_console_snapshots_server(tab: Page, api: httpx.Client) -> None:
    page = tab.open("console")
    page.get_by_test_id("console-method").select_option("POST")
    page.get_by_test_id("console-path").fill("/collections/shop/points/count")
    page.get_by_test_id("console-body").fill('{"exact": true}')
    page.get_by_test_id("console-body").press("Control+Enter")
    page.wait_for_function("document.querySelector('[data-testid=console-code]')?.textContent === '200'")
    assert '"count": 30' in page.get_by_test_id("console-response").inner_text()
    page.get_by_test_id("console-path").fill("/collections/missing")
    page.get_by_test_id("console-method").select_option("GET")
    page.get_by_test_id("console-send").click()
    page.wait_for_function("document.querySelector('[data-testid=console-code]')?.textContent === '404'")
    history = page.get_by_test_id("console-history").inner_text()
    assert "POST /collections/shop/points/count" in history and "GET /collections/missing" in history
    tab.shot("08-console")

    page = tab.open("snapshots?c=shop")
    page.get_by_test_id("create-collection-snapshots").click()
    page.get_by_test_id("collection-snapshots").get_by_test_id("snapshot-row").wait_for()
    name = api.get("/collections/shop/snapshots").json()["result"][0]["name"]
    with page.expect_download() as download:
        page.get_by_test_id("collection-snapshots").get_by_test_id("download-snapshot").click()
    assert download.value.suggested_filename == name
    delete = page.get_by_test_id("collection-snapshots").get_by_test_id("delete-snapshot")
    delete.click()
    delete.click()
    page.get_by_test_id("collection-snapshots").get_by_text("No snapshots.").wait_for()
    assert api.get("/collections/shop/snapshots").json()["result"] == []

    page = tab.open("server")
    # a request rate once two samples of /metrics are in
    page.wait_for_function("/^[0-9.]+$/.test(document.querySelector('[data-testid=rps]')?.textContent)", timeout=15_000)
    assert page.get_by_test_id("rps-chart").locator("polyline").get_attribute("points")
    assert page.get_by_test_id("version").inner_text() == api.get("/").json()["version"]
    tab.shot("09-server")

    page = tab.open("analyticdb")
    page.get_by_test_id("adb-empty").wait_for()


def test_07_analyticdb_listed(tab: Page, server: Server) -> None:
    from alibabacloud_gpdb20160503 import models as m
    from alibabacloud_gpdb20160503.client import Client
    from alibabacloud_tea_openapi import models as om

    config = om.Config(access_key_id="ak", access_key_secret="sk", endpoint=f"127.0.0.1:{server.port}", protocol="http")
    adb = Client(config)
    base = {"dbinstance_id": "gp-local", "region_id": "cn-hangzhou", "manager_account": "admin"}
    base["manager_account_password"] = "pw"
    adb.init_vector_database(m.InitVectorDatabaseRequest(**base))
    adb.create_namespace(m.CreateNamespaceRequest(**base, namespace="sales", namespace_password="ns-pw"))
    adb.create_collection(
        m.CreateCollectionRequest(
            **base, namespace="sales", collection="deals", dimension=3, metadata='{"region": "text"}'
        )
    )
    row = m.UpsertCollectionDataRequestRows(id="1", vector=[0.1, 0.2, 0.3], metadata={"region": "north"})
    adb.upsert_collection_data(
        m.UpsertCollectionDataRequest(
            dbinstance_id="gp-local",
            region_id="cn-hangzhou",
            namespace="sales",
            namespace_password="ns-pw",
            collection="deals",
            rows=[row],
        )
    )
    page = tab.open("analyticdb")
    table = page.get_by_test_id("adb-namespace-sales")
    table.wait_for()
    text = table.inner_text()
    assert "deals" in text and "3 Cosine" in text
    assert table.locator("td.num").inner_text() == "1"
    tab.shot("10-analyticdb")


def test_08_delete_points_and_collection(tab: Page, api: httpx.Client) -> None:
    page = tab.open("points?c=shop")
    page.get_by_test_id("select-1").check()
    page.get_by_test_id("select-2").check()
    page.get_by_test_id("delete-selected").click()
    page.get_by_test_id("delete-selected").click()  # confirm
    page.wait_for_function("document.querySelector('[data-testid=points-total]')?.textContent === '28 points match'")
    assert api.post("/collections/shop/points/count", json={"exact": True}).json()["result"]["count"] == 28
    page = tab.open("collections?c=shop")
    page.get_by_test_id("delete-collection").click()
    page.get_by_test_id("delete-collection").click()
    page.wait_for_function("!document.querySelector('[data-testid=collection-row-shop]')")
    assert api.get("/collections/shop").status_code == 404
    tab.shot("11-deleted")


def test_09_only_the_server_is_contacted(tab: Page, server: Server) -> None:
    """Last: every request of the whole session went to the server, and no script failed."""
    own = urlsplit(server.url).netloc
    hosts = {urlsplit(u).netloc for u in tab.requests if not u.startswith(("data:", "blob:"))}
    assert hosts == {own}, sorted(u for u in tab.requests if urlsplit(u).netloc != own)
    assert any(u.endswith("/dashboard/js/main.js") for u in tab.requests)
    assert tab.errors == []
