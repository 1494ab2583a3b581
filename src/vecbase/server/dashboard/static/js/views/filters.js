// A Qdrant filter from simple field = value rows or from JSON, shared by points and search.
import { h, parseJson } from "../ui.js";

// "12" -> 12, "true" -> true, anything else stays text; quotes force text ("\"12\"").
export function typedValue(text) {
  const t = text.trim();
  if (/^-?\d+$/.test(t)) return Number(t);
  if (t === "true" || t === "false") return t === "true";
  if (/^".*"$/.test(t)) return t.slice(1, -1);
  return t;
}

export function filterEditor(prefix, initial) {
  let mode = initial && initial.json ? "json" : "fields";
  const rows = h("div", { class: "stack" });
  const addRow = (key = "", value = "") => {
    const k = h("input", { placeholder: "field", value: key, testid: `${prefix}-filter-key`, style: "width:160px" });
    const v = h("input", { placeholder: "value (12, true, text)", value, testid: `${prefix}-filter-value`, style: "width:200px" });
    const row = h("div", { class: "row" }, k, h("span", { class: "muted" }, "="), v,
      h("button", { type: "button", class: "ghost", title: "remove", onclick: () => row.remove() }, "×"));
    rows.append(row);
  };
  addRow();
  const text = h("textarea", { class: "code", testid: `${prefix}-filter-json`, placeholder: '{"must": [{"key": "city", "match": {"value": "Berlin"}}]}' });
  const fieldsTab = h("button", { type: "button", testid: `${prefix}-filter-mode-fields` }, "Field = value");
  const jsonTab = h("button", { type: "button", testid: `${prefix}-filter-mode-json` }, "Filter JSON");
  const fieldsBox = h("div", {}, rows, h("button", { type: "button", class: "ghost", onclick: () => addRow() }, "+ condition"));
  const show = () => {
    fieldsTab.classList.toggle("active", mode === "fields");
    jsonTab.classList.toggle("active", mode === "json");
    fieldsBox.hidden = mode !== "fields";
    text.hidden = mode !== "json";
  };
  fieldsTab.addEventListener("click", () => { mode = "fields"; show(); });
  jsonTab.addEventListener("click", () => { mode = "json"; show(); });
  show();
  const el = h("div", {}, h("div", { class: "tabs" }, fieldsTab, jsonTab), fieldsBox, text);
  // The filter as Qdrant reads it, or undefined for none; throws on invalid JSON.
  el.value = () => {
    if (mode === "json") return parseJson(text.value, "The filter");
    const must = [];
    for (const row of rows.children) {
      const [k, , v] = row.querySelectorAll("input, span");
      if (k.value.trim()) must.push({ key: k.value.trim(), match: { value: typedValue(v.value) } });
    }
    return must.length ? { must } : undefined;
  };
  return el;
}
