// Calls to the server this page came from, with the key the user typed (session storage).
const KEY = "vecbase.apiKey";

export class ApiError extends Error {
  constructor(status, message, body) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

export function getKey() { return sessionStorage.getItem(KEY) || ""; }
export function setKey(key) {
  if (key) sessionStorage.setItem(KEY, key); else sessionStorage.removeItem(KEY);
}

let onUnauthorized = () => {};
export function whenUnauthorized(callback) { onUnauthorized = callback; }

function headers(extra = {}) {
  const h = { ...extra };
  const key = getKey();
  if (key) h["api-key"] = key;
  return h;
}

// The message of an error answer in any dialect's envelope.
export function errorText(status, body) {
  if (body && typeof body === "object") {
    if (body.status && typeof body.status === "object" && body.status.error) return body.status.error;
    if (body.error && typeof body.error === "object" && body.error.message) return body.error.message;
    if (typeof body.error === "string") return body.error;
    if (body.Message) return body.Message;
  }
  if (typeof body === "string" && body.trim()) return body.trim();
  return `HTTP ${status}`;
}

async function parse(response) {
  const type = response.headers.get("content-type") || "";
  if (type.includes("json")) return response.json();
  return response.text();
}

// A JSON call: the parsed body on success, ApiError otherwise. `result` unwraps Qdrant's envelope.
export async function call(method, path, body, { result = true } = {}) {
  const init = { method, headers: headers() };
  if (body !== undefined) {
    init.headers["content-type"] = "application/json";
    init.body = typeof body === "string" ? body : JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const data = await parse(response);
  if (!response.ok) {
    if (response.status === 401) onUnauthorized();
    throw new ApiError(response.status, errorText(response.status, data), data);
  }
  return result && data && typeof data === "object" && "result" in data ? data.result : data;
}

// A raw request for the API console: status, time and body whatever the outcome.
export async function raw(method, path, bodyText) {
  const init = { method, headers: headers() };
  if (bodyText && bodyText.trim() && method !== "GET" && method !== "HEAD") {
    init.headers["content-type"] = "application/json";
    init.body = bodyText;
  }
  const started = performance.now();
  const response = await fetch(path, init);
  const text = await response.text();
  return { status: response.status, ms: performance.now() - started, text, type: response.headers.get("content-type") || "" };
}

export async function upload(path, form) {
  const response = await fetch(path, { method: "POST", headers: headers(), body: form });
  const data = await parse(response);
  if (!response.ok) {
    if (response.status === 401) onUnauthorized();
    throw new ApiError(response.status, errorText(response.status, data), data);
  }
  return data;
}

export async function download(path) {
  const response = await fetch(path, { headers: headers() });
  if (!response.ok) {
    const data = await parse(response);
    throw new ApiError(response.status, errorText(response.status, data), data);
  }
  return response.blob();
}

export const enc = encodeURIComponent;
