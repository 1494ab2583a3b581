// Small DOM helpers: an element builder, errors shown beside the action that failed, JSON.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else if (k === "testid") el.dataset.testid = v;
    else if (k === "value") el.value = v;
    else if (v === true) el.setAttribute(k, "");
    else el.setAttribute(k, v);
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function json(value, testid) {
  return h("pre", { class: "json", testid }, JSON.stringify(value, null, 2));
}

// An error slot placed next to a form or button: `slot.show(err)` / `slot.clear()`.
export function errorSlot(testid = "error") {
  const el = h("div", { class: "error", testid, role: "alert", hidden: true });
  el.show = (err) => { el.textContent = err && err.message ? err.message : String(err); el.hidden = false; };
  el.clear = () => { el.textContent = ""; el.hidden = true; };
  return el;
}

// Runs `action` with the button disabled; a failure lands in `slot`.
export async function guarded(button, slot, action) {
  if (slot) slot.clear();
  if (button) button.disabled = true;
  try {
    return await action();
  } catch (err) {
    if (slot) slot.show(err); else toast(err.message || String(err));
    return undefined;
  } finally {
    if (button) button.disabled = false;
  }
}

export function toast(text) {
  const el = h("div", { class: "toast", role: "status" }, text);
  document.body.append(el);
  setTimeout(() => el.remove(), 2600);
}

export function badge(text) {
  return h("span", { class: `badge ${String(text).toLowerCase()}` }, text);
}

export function parseJson(text, what) {
  if (!text || !text.trim()) return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${what} is not valid JSON: ${err.message}`);
  }
}

export function number(n) {
  return n === null || n === undefined ? "–" : Number(n).toLocaleString("en-US");
}

export function section(title, ...children) {
  return h("section", { class: "panel" }, title ? h("h2", {}, title) : null, ...children);
}

// A <select> of the server's collections; `onchange(name)`.
export function collectionPicker(names, selected, onchange, testid = "collection-select") {
  const select = h("select", { testid, "aria-label": "Collection", onchange: () => onchange(select.value) },
    names.length ? names.map((n) => h("option", { value: n, selected: n === selected }, n))
      : h("option", { value: "" }, "no collections"));
  return select;
}

export function field(label, input) {
  return h("label", {}, label, input);
}
