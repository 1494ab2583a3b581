// Vector stores (the OpenAI dialect): stores, their files with status and attributes, upload
// by drag and drop (watched until it completes), search.
import { call, enc, upload } from "../api.js";
import { go } from "../nav.js";
import { badge, errorSlot, field, guarded, h, json, number, section, toast } from "../ui.js";
import { confirmButton } from "./common.js";

export async function storesView(root, params) {
  const stores = (await call("GET", "/v1/vector_stores?limit=100")).data;
  const current = stores.find((s) => s.id === params.get("s")) || stores[0];

  const name = h("input", { placeholder: "store name", testid: "new-store-name" });
  const create = h("button", { class: "primary", type: "submit", testid: "create-store" }, "Create store");
  const slot = errorSlot("stores-error");
  const form = h("form", { class: "row" }, name, create);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    guarded(create, slot, async () => {
      const store = await call("POST", "/v1/vector_stores", { name: name.value.trim() || undefined });
      go("stores", { s: store.id });
    });
  });
  root.append(h("h1", {}, "Vector stores"), section(null, form, slot));
  const table = h("div", {});
  const showTable = async () => {
    const list = (await call("GET", "/v1/vector_stores?limit=100")).data;
    table.replaceChildren(storeTable(list));
  };
  table.append(storeTable(stores));
  root.append(table);
  if (!current) return undefined;
  const panel = await storePanel(current, () => showTable().catch(() => {}));
  root.append(panel);
  return panel.cleanup;
}

function storeTable(stores) {
  return h("table", { testid: "stores-table" },
    h("thead", {}, h("tr", {}, ["id", "name", "status", "files", "bytes", "created"].map((t) => h("th", {}, t)))),
    h("tbody", {}, stores.length ? stores.map((s) => h("tr", { class: "clickable", testid: `store-row-${s.id}`, onclick: () => go("stores", { s: s.id }) },
      h("td", { class: "mono" }, s.id), h("td", {}, s.name || ""), h("td", {}, badge(s.status)),
      h("td", { class: "num", testid: "store-file-counts" }, `${number(s.file_counts.completed)} / ${number(s.file_counts.total)}`),
      h("td", { class: "num" }, number(s.usage_bytes)), h("td", { class: "small" }, new Date(s.created_at * 1000).toLocaleString())))
      : h("tr", {}, h("td", { colspan: 6, class: "muted" }, "No vector stores."))));
}

// `changed` runs when the store's files settle (uploads done, a file removed).
async function storePanel(store, changed) {
  const panel = h("div", { testid: "store-panel" });
  const slot = errorSlot("store-error");
  const files = h("div", { testid: "store-files" });
  const timers = [];

  async function showFiles() {
    const list = (await call("GET", `/v1/vector_stores/${enc(store.id)}/files?limit=100`)).data;
    files.replaceChildren(h("table", {},
      h("thead", {}, h("tr", {}, ["file", "status", "bytes", "attributes", "error", ""].map((t) => h("th", {}, t)))),
      h("tbody", {}, list.length ? list.map((f) => h("tr", { testid: `store-file-${f.id}` },
        h("td", { class: "mono" }, f.id), h("td", { testid: "file-status" }, badge(f.status)), h("td", { class: "num" }, number(f.usage_bytes)),
        h("td", {}, f.attributes ? json(f.attributes) : ""), h("td", { class: "small" }, f.last_error ? f.last_error.message : ""),
        h("td", {}, h("button", { class: "ghost danger", onclick: (e) => guarded(e.target, slot, async () => {
          await call("DELETE", `/v1/vector_stores/${enc(store.id)}/files/${enc(f.id)}`);
          await showFiles();
          changed();
        }) }, "remove"))))
        : h("tr", {}, h("td", { colspan: 6, class: "muted" }, "No files yet.")))));
    return list;
  }

  // Uploads each file (POST /v1/files), attaches it, and polls until no file is in progress.
  async function send(fileList) {
    await guarded(null, slot, async () => {
      for (const file of fileList) {
        const form = new FormData();
        form.append("purpose", "assistants");
        form.append("file", file, file.name);
        const uploaded = await upload("/v1/files", form);
        await call("POST", `/v1/vector_stores/${enc(store.id)}/files`, { file_id: uploaded.id });
        toast(`${file.name} uploaded`);
      }
      await poll();
    });
  }

  async function poll() {
    const list = await showFiles();
    if (list.some((f) => f.status === "in_progress")) timers.push(setTimeout(() => poll().catch((e) => slot.show(e)), 700));
    else changed();
  }

  const input = h("input", { type: "file", multiple: true, testid: "store-file-input", onchange: (e) => send(e.target.files) });
  const drop = h("div", { class: "drop", testid: "drop-zone", tabindex: 0 }, "Drop files here or ", h("label", { style: "display:inline" }, h("u", {}, "choose files"), input));
  input.style.display = "none";
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => { e.preventDefault(); drop.classList.remove("over"); send(e.dataTransfer.files); });
  drop.addEventListener("keydown", (e) => { if (e.key === "Enter") input.click(); });

  const query = h("input", { placeholder: "search this store", testid: "store-query", style: "width:320px" });
  const maxResults = h("input", { type: "number", value: "5", min: 1, max: 50, style: "width:70px" });
  const searchButton = h("button", { class: "primary", type: "submit", testid: "store-search" }, "Search");
  const results = h("div", { testid: "store-results" });
  const searchForm = h("form", { class: "row" }, query, field("Results", maxResults), searchButton);
  searchForm.addEventListener("submit", (event) => {
    event.preventDefault();
    guarded(searchButton, slot, async () => {
      const found = await call("POST", `/v1/vector_stores/${enc(store.id)}/search`, { query: query.value, max_num_results: Number(maxResults.value) });
      results.replaceChildren(...found.data.map((r) => h("div", { class: "card", testid: "store-hit" },
        h("div", { class: "row small" }, h("b", {}, r.filename), h("span", { class: "muted" }, Number(r.score).toFixed(4))),
        h("div", { class: "small" }, r.content.map((c) => c.text).join(" ").slice(0, 400)))));
      if (!found.data.length) results.replaceChildren(h("p", { class: "muted" }, "No results."));
    });
  });
  const del = confirmButton("Delete store", (b) => guarded(b, slot, async () => {
    await call("DELETE", `/v1/vector_stores/${enc(store.id)}`);
    go("stores");
  }), "delete-store");
  panel.append(section(`Store ${store.name || store.id}`, h("div", { class: "row" }, h("span", { class: "mono muted" }, store.id), h("span", { class: "spacer" }), del),
    h("h3", {}, "Upload"), drop, h("h3", {}, "Files"), files, h("h3", {}, "Search"), searchForm, results, slot));
  await poll();
  panel.cleanup = () => timers.forEach(clearTimeout);
  return panel;
}
