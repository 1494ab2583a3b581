// API console: a raw request (method, path, JSON body) and its answer; the last requests are
// kept in this browser (local storage; bodies only, never the key).
import { raw } from "../api.js";
import { errorSlot, guarded, h, section } from "../ui.js";

const HISTORY = "vecbase.console.history";
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"];

function history() {
  try { return JSON.parse(localStorage.getItem(HISTORY) || "[]"); } catch { return []; }
}

function remember(entry) {
  const kept = history().filter((e) => !(e.method === entry.method && e.path === entry.path && e.body === entry.body));
  localStorage.setItem(HISTORY, JSON.stringify([entry, ...kept].slice(0, 30)));
}

export async function consoleView(root) {
  const method = h("select", { testid: "console-method", "aria-label": "Method" }, METHODS.map((m) => h("option", {}, m)));
  const path = h("input", { value: "/collections", testid: "console-path", "aria-label": "Path", style: "flex:1;min-width:280px" });
  const body = h("textarea", { class: "code", testid: "console-body", placeholder: "JSON body (Ctrl+Enter sends)", style: "min-height:140px" });
  const send = h("button", { class: "primary", type: "submit", testid: "console-send" }, "Send");
  const slot = errorSlot("console-error");
  const status = h("div", { class: "row small", testid: "console-status" });
  const out = h("pre", { class: "json", testid: "console-response" });
  const list = h("ul", { class: "history", testid: "console-history" });
  const form = h("form", { class: "stack" }, h("div", { class: "row" }, method, path, send), body, slot);

  const showHistory = () => list.replaceChildren(...history().map((e) => h("li", {
    title: e.body || "", onclick: () => { method.value = e.method; path.value = e.path; body.value = e.body || ""; path.focus(); },
  }, `${e.method} ${e.path}`)));

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    guarded(send, slot, async () => {
      const p = path.value.trim().startsWith("/") ? path.value.trim() : `/${path.value.trim()}`;
      const answer = await raw(method.value, p, body.value);
      let text = answer.text;
      if (answer.type.includes("json")) { try { text = JSON.stringify(JSON.parse(text), null, 2); } catch { /* as sent */ } }
      status.replaceChildren(h("span", { class: answer.status < 400 ? "ok" : "error", testid: "console-code" }, String(answer.status)),
        h("span", { class: "muted" }, `${answer.ms.toFixed(0)} ms · ${answer.text.length.toLocaleString("en-US")} bytes`));
      out.textContent = text;
      remember({ method: method.value, path: p, body: body.value });
      showHistory();
    });
  });
  body.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); form.requestSubmit(); }
  });
  showHistory();
  root.append(h("h1", {}, "API console"), h("div", { class: "grid2" },
    h("div", {}, section(null, form), section("Response", status, out)),
    section("Recent requests", list)));
  path.focus();
}
