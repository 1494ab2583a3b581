// Collections: list with status and sizes, create, delete, aliases, payload indexes, optimizer.
import { call, enc } from "../api.js";
import { go } from "../nav.js";
import { badge, errorSlot, field, guarded, h, json, number, section, toast } from "../ui.js";
import { confirmButton, dialectOf, vectorSummary } from "./common.js";

const DISTANCES = ["Cosine", "Euclid", "Dot", "Manhattan"];
const INDEX_TYPES = ["keyword", "integer", "float", "bool", "geo", "datetime", "text", "uuid"];

const PAGE = 25;

export async function collectionsView(root, params) {
  const refresh = () => collectionsView(root.replaceChildren() || root, params);
  const names = (await call("GET", "/collections")).collections.map((c) => c.name).sort();
  const aliases = (await call("GET", "/aliases")).aliases;

  root.append(h("div", { class: "row" }, h("h1", {}, "Collections"), h("span", { class: "spacer" }),
    h("button", { onclick: refresh, testid: "refresh-collections" }, "Refresh")));
  root.append(createForm(refresh));

  // a page of collections at a time (each row is one info call), narrowed by a name filter
  const filter = h("input", { placeholder: "filter by name (/)", testid: "collections-filter", style: "width:260px", "aria-label": "Filter collections" });
  const table = h("div", {});
  const pager = h("div", { class: "row", style: "margin-top:6px" });
  let page = 0;
  let shown = 0;
  root.append(h("div", { class: "row", style: "margin-bottom:8px" }, filter, h("span", { class: "muted small", testid: "collections-count" })), table, pager);

  async function show() {
    const wanted = filter.value.trim().toLowerCase();
    const matching = wanted ? names.filter((n) => n.toLowerCase().includes(wanted)) : names;
    const pages = Math.max(1, Math.ceil(matching.length / PAGE));
    page = Math.min(page, pages - 1);
    const visible = matching.slice(page * PAGE, (page + 1) * PAGE);
    const ticket = ++shown;
    const infos = await Promise.all(visible.map((n) => call("GET", `/collections/${enc(n)}`).catch((e) => ({ error: e.message }))));
    if (ticket !== shown) return; // typed on meanwhile: a newer page is coming
    root.querySelector("[data-testid=collections-count]").textContent =
      `${matching.length} of ${names.length} collection${names.length === 1 ? "" : "s"}`;
    table.replaceChildren(collectionTable(visible, infos));
    pager.replaceChildren(
      h("button", { type: "button", testid: "collections-prev", disabled: page === 0, onclick: () => { page -= 1; show(); } }, "← Previous"),
      h("span", { class: "muted" }, `page ${page + 1} of ${pages}`),
      h("button", { type: "button", testid: "collections-next", disabled: page >= pages - 1, onclick: () => { page += 1; show(); } }, "Next →"));
  }
  filter.addEventListener("input", () => { page = 0; show(); });
  filter.addEventListener("keydown", (e) => { if (e.key === "Escape") { filter.value = ""; page = 0; show(); } });
  const focusFilter = (e) => {
    if (e.key === "/" && !(e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement)) { e.preventDefault(); filter.focus(); }
  };
  document.addEventListener("keydown", focusFilter);
  await show();

  const selected = params.get("c");
  if (selected && names.includes(selected)) {
    const info = await call("GET", `/collections/${enc(selected)}`);
    root.append(await detail(selected, info, aliases, refresh));
  }
  return () => document.removeEventListener("keydown", focusFilter);
}

function collectionTable(names, infos) {
  const rows = names.map((name, i) => {
    const info = infos[i];
    if (info.error) return h("tr", {}, h("td", {}, name), h("td", { colspan: 8, class: "error" }, info.error));
    const open = () => go("collections", { c: name });
    return h("tr", { class: "clickable", testid: `collection-row-${name}`, onclick: open },
      h("td", {}, h("a", { href: `#/collections?c=${enc(name)}` }, name)),
      h("td", { class: "muted" }, dialectOf(name)),
      h("td", {}, badge(info.status)),
      h("td", { class: "num", testid: `points-count-${name}` }, number(info.points_count)),
      h("td", { class: "num" }, number(info.segments_count)),
      h("td", { class: "num" }, number(info.indexed_vectors_count)),
      h("td", { class: "small" }, vectorSummary(info).join(", ")),
      h("td", {}, info.optimizer_status === "ok" ? "ok" : h("span", { class: "error" }, JSON.stringify(info.optimizer_status))),
      h("td", {}, h("div", { class: "row" },
        h("a", { href: `#/points?c=${enc(name)}`, onclick: (e) => e.stopPropagation() }, "points"),
        h("a", { href: `#/search?c=${enc(name)}`, onclick: (e) => e.stopPropagation() }, "search"))));
  });
  return h("table", { testid: "collections-table" },
    h("thead", {}, h("tr", {}, ["name", "dialect", "status", "points", "segments", "indexed vectors", "vectors", "optimizer", ""].map((t) => h("th", {}, t)))),
    h("tbody", {}, rows.length ? rows : h("tr", {}, h("td", { colspan: 9, class: "muted" }, "No collections yet."))));
}

function createForm(refresh) {
  const name = h("input", { placeholder: "name", testid: "new-collection-name", required: true });
  const size = h("input", { type: "number", min: 1, value: "4", testid: "new-collection-size", style: "width:90px" });
  const distance = h("select", { testid: "new-collection-distance" }, DISTANCES.map((d) => h("option", {}, d)));
  const vectorName = h("input", { placeholder: "(unnamed)", testid: "new-collection-vector-name", style: "width:120px" });
  const sparse = h("input", { type: "checkbox", testid: "new-collection-sparse" });
  const slot = errorSlot("create-collection-error");
  const button = h("button", { class: "primary", type: "submit", testid: "create-collection" }, "Create");
  const form = h("form", { class: "row" },
    field("Name", name), field("Vector size", size), field("Distance", distance), field("Vector name", vectorName),
    h("label", { class: "row", style: "flex-direction:row" }, sparse, "sparse vector \"text\" (BM25, IDF)"), button);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    guarded(button, slot, async () => {
      const params = { size: Number(size.value), distance: distance.value };
      const body = { vectors: vectorName.value.trim() ? { [vectorName.value.trim()]: params } : params };
      if (sparse.checked) body.sparse_vectors = { text: { modifier: "idf" } };
      await call("PUT", `/collections/${enc(name.value.trim())}`, body);
      toast(`Collection ${name.value.trim()} created`);
      refresh();
    });
  });
  return section("New collection", form, slot);
}

async function detail(name, info, aliases, refresh) {
  const panel = h("div", { testid: "collection-detail" });
  const slot = errorSlot("collection-detail-error");
  const del = confirmButton("Delete", (b) => guarded(b, slot, async () => {
    await call("DELETE", `/collections/${enc(name)}`);
    toast(`Collection ${name} deleted`);
    go("collections");
  }), "delete-collection");
  const progress = info.points_count ? Math.round((100 * info.indexed_vectors_count) / Math.max(1, info.points_count * Math.max(1, vectorSummary(info).length))) : 0;
  panel.append(section(`Collection ${name}`,
    h("div", { class: "row" }, badge(info.status), h("span", { class: "muted" }, `${number(info.points_count)} points · ${number(info.segments_count)} segments · optimizer ${typeof info.optimizer_status === "string" ? info.optimizer_status : "error"}`),
      h("span", { class: "spacer" }), del),
    h("div", { class: "small muted", testid: "optimizer-progress" }, `indexed vectors ${number(info.indexed_vectors_count)} (${Math.min(100, progress)}% of points in indexed segments)`),
    slot));
  panel.append(h("div", { class: "grid2" }, payloadIndexes(name, info, refresh), aliasPanel(name, aliases, refresh)));
  panel.append(section("Configuration", json(info.config, "collection-config")));
  return panel;
}

function payloadIndexes(name, info, refresh) {
  const schema = info.payload_schema || {};
  const key = h("input", { placeholder: "field", testid: "index-field" });
  const type = h("select", { testid: "index-type" }, INDEX_TYPES.map((t) => h("option", {}, t)));
  const slot = errorSlot("index-error");
  const button = h("button", { type: "submit", testid: "create-index" }, "Create index");
  const form = h("form", { class: "row" }, key, type, button);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    guarded(button, slot, async () => {
      await call("PUT", `/collections/${enc(name)}/index?wait=true`, { field_name: key.value.trim(), field_schema: type.value });
      refresh();
    });
  });
  const rows = Object.entries(schema).map(([field, s]) => h("tr", {}, h("td", { class: "mono" }, field), h("td", {}, s.data_type), h("td", { class: "num" }, number(s.points)),
    h("td", {}, h("button", { class: "danger", onclick: (e) => guarded(e.target, slot, async () => {
      await call("DELETE", `/collections/${enc(name)}/index/${enc(field)}?wait=true`);
      refresh();
    }) }, "Drop"))));
  return section("Payload indexes",
    h("table", { testid: "payload-schema" }, h("thead", {}, h("tr", {}, h("th", {}, "field"), h("th", {}, "type"), h("th", {}, "points"), h("th", {}, ""))),
      h("tbody", {}, rows.length ? rows : h("tr", {}, h("td", { colspan: 4, class: "muted" }, "No payload indexes.")))),
    h("div", { style: "margin-top:8px" }, form), slot);
}

function aliasPanel(name, aliases, refresh) {
  const mine = aliases.filter((a) => a.collection_name === name);
  const alias = h("input", { placeholder: "alias", testid: "alias-name" });
  const slot = errorSlot("alias-error");
  const button = h("button", { type: "submit", testid: "create-alias" }, "Add alias");
  const change = (action) => call("POST", "/collections/aliases", { actions: [action] });
  const form = h("form", { class: "row" }, alias, button);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    guarded(button, slot, async () => {
      await change({ create_alias: { collection_name: name, alias_name: alias.value.trim() } });
      refresh();
    });
  });
  return section("Aliases",
    h("ul", { testid: "aliases" }, mine.length ? mine.map((a) => h("li", { class: "row" }, h("span", { class: "mono" }, a.alias_name),
      h("button", { class: "ghost danger", onclick: (e) => guarded(e.target, slot, async () => {
        await change({ delete_alias: { alias_name: a.alias_name } });
        refresh();
      }) }, "remove"))) : h("li", { class: "muted" }, "No aliases.")),
    form, slot);
}
