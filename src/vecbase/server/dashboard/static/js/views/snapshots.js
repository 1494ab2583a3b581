// Snapshots of a collection and of the whole node: list, create, download, delete.
import { call, download, enc } from "../api.js";
import { go, pickCollection } from "../nav.js";
import { collectionPicker, errorSlot, guarded, h, number, section, toast } from "../ui.js";
import { confirmButton } from "./common.js";

function table(base, list, slot, reload, testid) {
  return h("table", { testid },
    h("thead", {}, h("tr", {}, ["name", "size", "created", ""].map((t) => h("th", {}, t)))),
    h("tbody", {}, list.length ? list.map((s) => h("tr", { testid: "snapshot-row" },
      h("td", { class: "mono" }, s.name), h("td", { class: "num" }, number(s.size)), h("td", { class: "small" }, s.creation_time || ""),
      h("td", {}, h("div", { class: "row" },
        h("button", { type: "button", testid: "download-snapshot", onclick: (e) => guarded(e.target, slot, async () => {
          const blob = await download(`${base}/${enc(s.name)}`);
          const a = h("a", { href: URL.createObjectURL(blob), download: s.name });
          document.body.append(a);
          a.click();
          setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
        }) }, "Download"),
        confirmButton("Delete", (b) => guarded(b, slot, async () => {
          await call("DELETE", `${base}/${enc(s.name)}?wait=true`);
          reload();
        }), "delete-snapshot")))))
      : h("tr", {}, h("td", { colspan: 4, class: "muted" }, "No snapshots."))));
}

function panel(title, base, testid) {
  const slot = errorSlot(`${testid}-error`);
  const body = h("div", {});
  const create = h("button", { class: "primary", type: "button", testid: `create-${testid}` }, "Create snapshot");
  const reload = async () => {
    const list = await call("GET", base);
    body.replaceChildren(table(base, list, slot, reload, testid));
  };
  create.addEventListener("click", () => guarded(create, slot, async () => {
    const made = await call("POST", `${base}?wait=true`);
    toast(`Snapshot ${made.name} created`);
    await reload();
  }));
  return { el: section(title, h("div", { class: "row" }, create), body, slot), reload };
}

export async function snapshotsView(root, params) {
  const { names, name } = await pickCollection(params, call);
  root.append(h("div", { class: "row" }, h("h1", {}, "Snapshots"), collectionPicker(names, name, (c) => go("snapshots", { c }))));
  if (name) {
    const own = panel(`Collection ${name}`, `/collections/${enc(name)}/snapshots`, "collection-snapshots");
    root.append(own.el);
    await own.reload();
  }
  const full = panel("Full snapshots (every collection)", "/snapshots", "full-snapshots");
  root.append(full.el);
  await full.reload();
}
