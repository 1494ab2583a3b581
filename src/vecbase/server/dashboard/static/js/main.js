// The page: hash routes (#/section?c=collection) to views, the API key dialog, shortcuts.
import { call, getKey, setKey, whenUnauthorized } from "./api.js";
import { go, route } from "./nav.js";
import { h } from "./ui.js";
import { collectionsView } from "./views/collections.js";
import { pointsView } from "./views/points.js";
import { searchView } from "./views/search.js";
import { consoleView } from "./views/console.js";
import { storesView } from "./views/stores.js";
import { analyticdbView } from "./views/analyticdb.js";
import { snapshotsView } from "./views/snapshots.js";
import { serverView } from "./views/server.js";

const VIEWS = {
  collections: collectionsView, points: pointsView, search: searchView, console: consoleView,
  stores: storesView, analyticdb: analyticdbView, snapshots: snapshotsView, server: serverView,
};
const ORDER = Object.keys(VIEWS);
let cleanup = null;


async function render() {
  if (cleanup) { cleanup(); cleanup = null; }
  const { path, params } = route();
  const name = VIEWS[path] ? path : "collections";
  document.querySelectorAll("nav.side a").forEach((a) => a.classList.toggle("active", a.dataset.nav === name));
  const view = document.getElementById("view");
  view.replaceChildren();
  const container = h("div", { testid: `view-${name}` });
  view.append(container);
  try {
    cleanup = (await VIEWS[name](container, params)) || null;
  } catch (err) {
    container.append(h("div", { class: "error", role: "alert", testid: "error" }, err.message || String(err)));
  }
}

function showKeyState() {
  document.getElementById("key-state").textContent = getKey() ? "key set for this tab" : "";
}

function askKey() {
  const dialog = document.getElementById("key-dialog");
  if (!dialog.open) {
    document.getElementById("key-input").value = getKey();
    dialog.showModal();
  }
}

async function loadVersion() {
  try {
    const root = await call("GET", "/", undefined, { result: false });
    document.getElementById("server-version").textContent = `${root.title || "vecbase"} ${root.version || ""}`;
  } catch { /* the version is decoration */ }
}

function init() {
  whenUnauthorized(askKey);
  document.getElementById("key-button").addEventListener("click", askKey);
  document.getElementById("key-form").addEventListener("submit", () => {
    setKey(document.getElementById("key-input").value.trim());
    showKeyState();
    render();
  });
  document.getElementById("key-clear").addEventListener("click", () => {
    setKey("");
    document.getElementById("key-dialog").close();
    showKeyState();
    render();
  });
  document.addEventListener("keydown", (event) => {
    const t = event.target;
    const typing = t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement;
    if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
    const n = Number(event.key);
    if (n >= 1 && n <= ORDER.length) { go(ORDER[n - 1]); event.preventDefault(); }
    else if (event.key === "k") { askKey(); event.preventDefault(); }
  });
  window.addEventListener("hashchange", render);
  showKeyState();
  loadVersion();
  render();
}

init();
