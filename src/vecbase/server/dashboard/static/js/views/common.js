// Pieces shared by the views.
import { h } from "../ui.js";

// Which dialect made a collection: vector stores are named by their id, AnalyticDB's
// collections adb__<namespace>__<name>.
export function dialectOf(name) {
  if (name.startsWith("adb__")) return "AnalyticDB";
  if (name.startsWith("vs_")) return "vector store";
  return "Qdrant";
}

// Vector params of a collection info, as one line per vector.
export function vectorSummary(info) {
  const params = info.config && info.config.params ? info.config.params : {};
  const out = [];
  const vectors = params.vectors;
  if (vectors && typeof vectors === "object" && "size" in vectors) out.push(`${vectors.size} ${vectors.distance}`);
  else if (vectors) for (const [n, v] of Object.entries(vectors)) out.push(`${n}: ${v.size} ${v.distance}`);
  for (const n of Object.keys(params.sparse_vectors || {})) out.push(`${n}: sparse`);
  return out;
}

// Vector names: "" for the unnamed one, then named dense, then sparse.
export function vectorNames(info) {
  const params = info.config && info.config.params ? info.config.params : {};
  const vectors = params.vectors;
  const dense = vectors && typeof vectors === "object" && "size" in vectors ? [""] : Object.keys(vectors || {});
  return { dense, sparse: Object.keys(params.sparse_vectors || {}), params };
}

// A button that asks once more before a destructive action.
export function confirmButton(label, action, testid) {
  const button = h("button", { class: "danger", testid, type: "button" }, label);
  let armed = false;
  button.addEventListener("click", async () => {
    if (!armed) {
      armed = true;
      button.textContent = `Confirm ${label.toLowerCase()}`;
      setTimeout(() => { armed = false; button.textContent = label; }, 4000);
      return;
    }
    armed = false;
    button.textContent = label;
    await action(button);
  });
  return button;
}
