// The server: version, uptime, request rate and latency from /metrics as small charts,
// telemetry and issues.
import { call, raw } from "../api.js";
import { h, json, number, section } from "../ui.js";

const POINTS = 60; // samples kept per chart (2 s apart: two minutes)

// Sums of the request counters and of the duration histogram in Prometheus text.
export function readMetrics(text) {
  const out = { requests: 0, seconds: 0, timed: 0, points: 0, collections: 0 };
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const value = Number(line.slice(line.lastIndexOf(" ") + 1));
    if (line.startsWith("rest_responses_total{")) out.requests += value;
    else if (line.startsWith("rest_responses_duration_seconds_sum{")) out.seconds += value;
    else if (line.startsWith("rest_responses_duration_seconds_count{")) out.timed += value;
    else if (line.startsWith("collections_vector_total ")) out.points = value;
    else if (line.startsWith("collections_total ")) out.collections = value;
  }
  return out;
}

function chart(values, testid) {
  const max = Math.max(1e-9, ...values);
  const step = 100 / Math.max(1, POINTS - 1);
  const start = POINTS - values.length;
  const points = values.map((v, i) => `${((start + i) * step).toFixed(2)},${(38 - (36 * v) / max).toFixed(2)}`).join(" ");
  return h("div", { testid }, svg(points));
}

function svg(points) {
  const ns = "http://www.w3.org/2000/svg";
  const el = document.createElementNS(ns, "svg");
  el.setAttribute("viewBox", "0 0 100 40");
  el.setAttribute("preserveAspectRatio", "none");
  el.setAttribute("class", "chart");
  const line = document.createElementNS(ns, "polyline");
  line.setAttribute("points", points);
  line.setAttribute("vector-effect", "non-scaling-stroke");
  el.append(line);
  return el;
}

function uptime(startup) {
  const s = Math.max(0, (Date.now() - Date.parse(startup)) / 1000);
  const d = Math.floor(s / 86400), hh = Math.floor((s % 86400) / 3600), mm = Math.floor((s % 3600) / 60);
  return d ? `${d}d ${hh}h ${mm}m` : hh ? `${hh}h ${mm}m` : `${mm}m ${Math.floor(s % 60)}s`;
}

export async function serverView(root) {
  const [about, telemetry, issues] = await Promise.all([
    call("GET", "/", undefined, { result: false }), call("GET", "/telemetry"), call("GET", "/issues"),
  ]);
  const rate = [], latency = [];
  const cards = h("div", { class: "cards" });
  let last = null;
  let timer = null;

  async function sample() {
    const answer = await raw("GET", "/metrics");
    if (answer.status !== 200) return;
    const m = readMetrics(answer.text);
    const now = performance.now();
    if (last) {
      const dt = (now - last.at) / 1000;
      rate.push(Math.max(0, (m.requests - last.m.requests) / dt));
      const dn = m.timed - last.m.timed;
      latency.push(dn > 0 ? ((m.seconds - last.m.seconds) / dn) * 1000 : 0);
      if (rate.length > POINTS) { rate.shift(); latency.shift(); }
    }
    last = { at: now, m };
    cards.replaceChildren(
      h("div", { class: "card" }, h("div", { class: "muted small" }, "version"), h("div", { class: "big", testid: "version" }, about.version), h("div", { class: "small muted mono" }, about.commit || "")),
      h("div", { class: "card" }, h("div", { class: "muted small" }, "uptime"), h("div", { class: "big", testid: "uptime" }, uptime(telemetry.app.startup))),
      h("div", { class: "card" }, h("div", { class: "muted small" }, "collections · points"), h("div", { class: "big", testid: "totals" }, `${number(m.collections)} · ${number(m.points)}`)),
      h("div", { class: "card" }, h("div", { class: "muted small" }, "requests / s"), h("div", { class: "big", testid: "rps" }, rate.length ? rate[rate.length - 1].toFixed(1) : "…"), chart(rate, "rps-chart")),
      h("div", { class: "card" }, h("div", { class: "muted small" }, "mean latency (ms)"), h("div", { class: "big", testid: "latency" }, latency.length ? latency[latency.length - 1].toFixed(1) : "…"), chart(latency, "latency-chart")));
    // the first rate needs two samples: take the second soon
    timer = setTimeout(() => sample().catch(() => {}), rate.length ? 2000 : 500);
  }
  root.append(h("h1", {}, "Server"), cards,
    section("Issues", issues.issues && issues.issues.length ? json(issues.issues) : h("p", { class: "muted" }, "No issues reported.")),
    section("Telemetry", h("details", {}, h("summary", {}, `${telemetry.app.name} ${telemetry.app.version} · ${telemetry.app.system ? telemetry.app.system.cores : "?"} cores`), json(telemetry, "telemetry"))));
  await sample();
  return () => clearTimeout(timer);
}
