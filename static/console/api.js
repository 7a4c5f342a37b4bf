// The console's calls to /api/v1/: session cookie, CSRF header on unsafe methods, the error envelope
// ({"error", "code", "fields"}) turned into one exception type, and the page's JSON config.

export class ApiError extends Error {
  constructor(status, envelope) {
    super((envelope && envelope.error) || `request failed (HTTP ${status})`);
    this.status = status;
    this.code = envelope && envelope.code;
    this.fields = (envelope && envelope.fields) || {};
  }
}

export function pageConfig() {
  return JSON.parse(document.getElementById("page-config").textContent);
}

function cookie(name) {
  const match = document.cookie.split("; ").find((part) => part.startsWith(name + "="));
  return match ? decodeURIComponent(match.slice(name.length + 1)) : "";
}

async function failure(response) {
  let envelope = null;
  try {
    envelope = await response.json();
  } catch {
    // not JSON (a proxy's HTML page, say): the status alone has to do
  }
  return new ApiError(response.status, envelope);
}

export async function request(method, url, { body, accept = "application/json" } = {}) {
  const headers = { Accept: accept };
  if (method !== "GET" && method !== "HEAD") headers["X-CSRFToken"] = cookie("csrftoken");
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(url, {
    method, headers, credentials: "same-origin", body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw await failure(response);
  return response;
}

export async function getJson(url) {
  return (await request("GET", url)).json();
}

export async function postJson(url, body) {
  return (await request("POST", url, { body })).json();
}

export async function getBlob(url, accept = "image/jpeg") {
  return (await request("GET", url, { accept })).blob();
}

/** A websocket URL on this host for a path like "/ws/status". */
export function socketUrl(path) {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}${path}`;
}

/** RFC 3339 in UTC with milliseconds, as the API takes it. */
export function rfc3339(date) {
  return date.toISOString();
}

/** Every result of a paginated list (bounded by `max` rows). */
export async function getAll(url, max = 5000) {
  const rows = [];
  let next = url;
  while (next && rows.length < max) {
    const page = await getJson(next);
    rows.push(...(page.results || []));
    // Only the path and query of `next`: behind a TLS proxy the absolute URL may name the wrong scheme.
    next = page.next ? ((u) => u.pathname + u.search)(new URL(page.next, location.href)) : null;
  }
  return rows;
}
