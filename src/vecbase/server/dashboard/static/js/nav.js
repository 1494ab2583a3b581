// Where the page is: #/section?key=value.
export function route() {
  const [path, query] = (location.hash.replace(/^#\/?/, "") || "collections").split("?");
  return { path, params: new URLSearchParams(query || "") };
}

export function go(name, params = {}) {
  const q = new URLSearchParams(params).toString();
  location.hash = `#/${name}${q ? "?" + q : ""}`;
}

// The collection a view works on: the one in the URL, else the first there is.
export async function pickCollection(params, call) {
  const names = (await call("GET", "/collections")).collections.map((c) => c.name).sort();
  const wanted = params.get("c");
  return { names, name: names.includes(wanted) ? wanted : names[0] || "" };
}
