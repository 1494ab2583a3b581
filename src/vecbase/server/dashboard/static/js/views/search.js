// Search console: nearest by point id or pasted vector, text with the local models (BM25,
// dense, hybrid with a fusion), with a filter; results with scores.
import { call, enc } from "../api.js";
import { go, pickCollection } from "../nav.js";
import { collectionPicker, errorSlot, field, guarded, h, json, parseJson, section } from "../ui.js";
import { vectorNames } from "./common.js";
import { filterEditor, typedValue } from "./filters.js";

const DENSE_MODEL = "sentence-transformers/all-MiniLM-L6-v2";

export async function searchView(root, params) {
  const { names, name } = await pickCollection(params, call);
  root.append(h("div", { class: "row" }, h("h1", {}, "Search"), collectionPicker(names, name, (c) => go("search", { c }))));
  if (!name) { root.append(h("p", { class: "muted" }, "Create a collection first.")); return; }
  const info = await call("GET", `/collections/${enc(name)}`);
  const { dense, sparse } = vectorNames(info);

  let mode = "id";
  const modes = { id: "Point id", vector: "Vector", text: "Text" };
  const tabs = h("div", { class: "tabs" });
  const idInput = h("input", { placeholder: "point id", testid: "search-point-id" });
  const vectorInput = h("textarea", { class: "code", placeholder: "[0.1, 0.2, ...]", testid: "search-vector" });
  const textInput = h("input", { placeholder: "text to search", testid: "search-text", style: "width:360px" });
  const method = h("select", { testid: "text-method" },
    h("option", { value: "bm25" }, "BM25 (sparse)"), h("option", { value: "dense" }, "dense model"), h("option", { value: "hybrid" }, "hybrid (BM25 + dense)"));
  const fusion = h("select", { testid: "fusion" }, h("option", { value: "rrf" }, "RRF"), h("option", { value: "dbsf" }, "DBSF"));
  const model = h("input", { value: DENSE_MODEL, testid: "dense-model", style: "width:320px" });
  const using = h("select", { testid: "search-using" }, dense.map((n) => h("option", { value: n }, n || "(default vector)")));
  const sparseUsing = h("select", { testid: "search-sparse-using" }, sparse.map((n) => h("option", { value: n }, n)));
  const panes = {
    id: h("div", { class: "row" }, field("Nearest to the point", idInput)),
    vector: h("div", {}, vectorInput),
    text: h("div", { class: "row" }, field("Text", textInput), field("Method", method), field("Fusion", fusion), field("Dense model", model),
      field("Sparse vector", sparseUsing)),
  };
  for (const [key, label] of Object.entries(modes)) {
    tabs.append(h("button", { type: "button", testid: `search-mode-${key}`, onclick: () => { mode = key; show(); } }, label));
  }
  const show = () => {
    for (const b of tabs.children) b.classList.toggle("active", b.dataset.testid === `search-mode-${mode}`);
    for (const [key, pane] of Object.entries(panes)) pane.hidden = key !== mode;
  };
  show();
  const filter = filterEditor("search");
  const limit = h("input", { type: "number", value: "10", min: 1, testid: "search-limit", style: "width:80px" });
  const run = h("button", { class: "primary", type: "submit", testid: "run-search" }, "Search");
  const slot = errorSlot("search-error");
  const results = h("div", { testid: "search-results" });
  const form = h("form", {}, tabs, ...Object.values(panes), h("h3", {}, "Filter"), filter,
    h("div", { class: "row", style: "margin-top:8px" }, field("Limit", limit), field("Dense vector", using), run), slot);
  root.append(section(null, form), results);

  function request() {
    const body = { limit: Number(limit.value) || 10, with_payload: true };
    const f = filter.value();
    if (f) body.filter = f;
    const named = (n) => (n ? { using: n } : {});
    if (mode === "id") {
      if (!idInput.value.trim()) throw new Error("Enter a point id.");
      return { ...body, query: typedValue(idInput.value), ...named(using.value) };
    }
    if (mode === "vector") {
      const vector = parseJson(vectorInput.value, "The vector");
      if (!Array.isArray(vector)) throw new Error("Paste the vector as a JSON array of numbers.");
      return { ...body, query: vector, ...named(using.value) };
    }
    const text = textInput.value.trim();
    if (!text) throw new Error("Enter a text to search.");
    const bm25 = () => {
      if (!sparseUsing.value) throw new Error("BM25 needs a sparse vector in the collection.");
      return { query: { text, model: "qdrant/bm25" }, using: sparseUsing.value };
    };
    const denseQuery = () => ({ query: { text, model: model.value.trim() }, ...named(using.value) });
    if (method.value === "bm25") return { ...body, ...bm25() };
    if (method.value === "dense") return { ...body, ...denseQuery() };
    const depth = Math.max(50, body.limit * 4);
    return { ...body, prefetch: [{ ...bm25(), limit: depth }, { ...denseQuery(), limit: depth }], query: { fusion: fusion.value } };
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    results.replaceChildren(h("p", { class: "muted small", testid: "search-pending" }, "Searching…"));
    guarded(run, slot, async () => {
      const started = performance.now();
      const { points } = await call("POST", `/collections/${enc(name)}/points/query`, request());
      const ms = performance.now() - started;
      results.replaceChildren(h("p", { class: "muted small" }, `${points.length} results in ${ms.toFixed(0)} ms`),
        h("table", {}, h("thead", {}, h("tr", {}, ["#", "id", "score", "payload"].map((t) => h("th", {}, t)))),
          h("tbody", {}, points.map((p, i) => h("tr", { testid: "search-hit", "data-id": String(p.id) },
            h("td", { class: "num" }, i + 1), h("td", { class: "mono", testid: "hit-id" }, String(p.id)),
            h("td", { class: "num mono" }, p.score === undefined ? "" : Number(p.score).toFixed(4)), h("td", {}, json(p.payload)))))));
    });
  });
}
