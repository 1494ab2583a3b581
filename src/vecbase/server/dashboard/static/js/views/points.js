// Points browser: paginated scroll, filters, one point's payload to edit, deletes.
import { call, enc } from "../api.js";
import { go, pickCollection } from "../nav.js";
import { collectionPicker, errorSlot, field, guarded, h, json, number, parseJson, section, toast } from "../ui.js";
import { confirmButton } from "./common.js";
import { filterEditor } from "./filters.js";

export async function pointsView(root, params) {
  const { names, name } = await pickCollection(params, call);
  root.append(h("div", { class: "row" }, h("h1", {}, "Points"),
    collectionPicker(names, name, (c) => go("points", { c }))));
  if (!name) { root.append(h("p", { class: "muted" }, "Create a collection first.")); return; }

  const filter = filterEditor("points");
  const limit = h("select", { testid: "page-size" }, [20, 50, 100].map((n) => h("option", {}, n)));
  const apply = h("button", { class: "primary", type: "button", testid: "apply-filter" }, "Apply");
  const slot = errorSlot("points-error");
  const table = h("div", { testid: "points-list" });
  const pager = h("div", { class: "row" });
  const pointPanel = h("div", { testid: "point-panel" });
  root.append(section("Filter", filter, h("div", { class: "row", style: "margin-top:8px" }, apply, field("Page size", limit)), slot));
  root.append(table, pager, pointPanel);

  const offsets = [null]; // offsets of the pages seen, for "previous"
  let page = 0;
  let selected = new Set();

  async function load() {
    await guarded(apply, slot, async () => {
      const body = { limit: Number(limit.value), with_payload: true, with_vector: false };
      const f = filter.value();
      if (f) body.filter = f;
      if (offsets[page] !== null) body.offset = offsets[page];
      const [result, count] = await Promise.all([
        call("POST", `/collections/${enc(name)}/points/scroll`, body),
        call("POST", `/collections/${enc(name)}/points/count`, { filter: f, exact: true }),
      ]);
      offsets[page + 1] = result.next_page_offset ?? undefined;
      selected = new Set();
      renderPage(result.points, count.count);
    });
  }

  function renderPage(points, total) {
    const delSelected = confirmButton("Delete selected", (b) => guarded(b, slot, async () => {
      await call("POST", `/collections/${enc(name)}/points/delete?wait=true`, { points: [...selected] });
      toast(`${selected.size} points deleted`);
      load();
    }), "delete-selected");
    table.replaceChildren(
      h("div", { class: "row muted small", style: "margin:6px 0" }, h("span", { testid: "points-total" }, `${number(total)} points match`), h("span", { class: "spacer" }), delSelected),
      h("table", {}, h("thead", {}, h("tr", {}, h("th", {}, ""), h("th", {}, "id"), h("th", {}, "payload"))),
        h("tbody", {}, points.length ? points.map((p) => h("tr", { class: "clickable", testid: `point-row-${p.id}`, onclick: () => openPoint(p.id) },
          h("td", { onclick: (e) => e.stopPropagation() }, h("input", { type: "checkbox", "aria-label": `select ${p.id}`, testid: `select-${p.id}`,
            onchange: (e) => (e.target.checked ? selected.add(p.id) : selected.delete(p.id)) })),
          h("td", { class: "mono" }, String(p.id)),
          h("td", {}, json(p.payload)))) : h("tr", {}, h("td", { colspan: 3, class: "muted" }, "No points.")))));
    pager.replaceChildren(
      h("button", { type: "button", testid: "prev-page", disabled: page === 0, onclick: () => { page -= 1; load(); } }, "← Previous"),
      h("span", { class: "muted", testid: "page-number" }, `page ${page + 1}`),
      h("button", { type: "button", testid: "next-page", disabled: offsets[page + 1] === undefined, onclick: () => { page += 1; load(); } }, "Next →"));
  }

  async function openPoint(id) {
    const local = errorSlot("point-error");
    pointPanel.replaceChildren(local);
    const point = await guarded(null, local, () => call("GET", `/collections/${enc(name)}/points/${enc(String(id))}`));
    if (!point) return;
    const editor = h("textarea", { class: "code", testid: "payload-editor", style: "min-height:160px" }, JSON.stringify(point.payload || {}, null, 2));
    const save = h("button", { class: "primary", testid: "save-payload", type: "button" }, "Save payload");
    save.addEventListener("click", () => guarded(save, local, async () => {
      const payload = parseJson(editor.value, "The payload") || {};
      await call("PUT", `/collections/${enc(name)}/points/payload?wait=true`, { payload, points: [id] });
      toast("Payload saved");
      load();
    }));
    const clear = confirmButton("Clear payload", (b) => guarded(b, local, async () => {
      await call("POST", `/collections/${enc(name)}/points/payload/clear?wait=true`, { points: [id] });
      load();
      openPoint(id);
    }), "clear-payload");
    const del = confirmButton("Delete point", (b) => guarded(b, local, async () => {
      await call("POST", `/collections/${enc(name)}/points/delete?wait=true`, { points: [id] });
      pointPanel.replaceChildren();
      load();
    }), "delete-point");
    pointPanel.replaceChildren(section(`Point ${id}`,
      h("div", { class: "grid2" }, h("div", {}, h("h3", {}, "Payload"), editor, h("div", { class: "row", style: "margin-top:8px" }, save, clear, del)),
        h("div", {}, h("h3", {}, "Vectors"), json(point.vector, "point-vector"))), local));
    editor.focus();
  }

  apply.addEventListener("click", () => { offsets.length = 1; page = 0; load(); });
  limit.addEventListener("change", () => { offsets.length = 1; page = 0; load(); });
  await load();
}
