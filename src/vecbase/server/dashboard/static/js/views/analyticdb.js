// AnalyticDB namespaces and collections, read-only: each is the engine collection
// adb__<namespace>__<name>, so the same points are also reachable from the Qdrant views.
import { call, enc } from "../api.js";
import { badge, h, number, section } from "../ui.js";
import { vectorSummary } from "./common.js";

export async function analyticdbView(root) {
  const names = (await call("GET", "/collections")).collections.map((c) => c.name).filter((n) => n.startsWith("adb__")).sort();
  const byNamespace = new Map();
  for (const full of names) {
    const [, namespace, ...rest] = full.split("__");
    if (!byNamespace.has(namespace)) byNamespace.set(namespace, []);
    byNamespace.get(namespace).push({ full, name: rest.join("__") });
  }
  root.append(h("h1", {}, "AnalyticDB"),
    h("p", { class: "muted" }, "Namespaces and collections made through the AnalyticDB API (read-only here; manage them with Alibaba's SDK). Each links to its points in the Qdrant views."));
  if (!byNamespace.size) { root.append(h("p", { class: "muted", testid: "adb-empty" }, "No AnalyticDB collections.")); return; }
  for (const [namespace, collections] of byNamespace) {
    const infos = await Promise.all(collections.map((c) => call("GET", `/collections/${enc(c.full)}`)));
    root.append(section(`Namespace ${namespace}`, h("table", { testid: `adb-namespace-${namespace}` },
      h("thead", {}, h("tr", {}, ["collection", "status", "rows", "vectors", "indexed fields", ""].map((t) => h("th", {}, t)))),
      h("tbody", {}, collections.map((c, i) => h("tr", {},
        h("td", { class: "mono" }, c.name), h("td", {}, badge(infos[i].status)), h("td", { class: "num" }, number(infos[i].points_count)),
        h("td", { class: "small" }, vectorSummary(infos[i]).join(", ")),
        h("td", { class: "small mono" }, Object.keys(infos[i].payload_schema || {}).join(", ")),
        h("td", {}, h("a", { href: `#/points?c=${enc(c.full)}` }, "points"))))))));
  }
}
