// The REST API as the browser calls it: session cookie plus the CSRF token, JSON in and out.

/** An answer other than 2xx: `status` is the HTTP status, 0 when the server was not reached. */
export class ApiError extends Error {
  constructor(status, body) {
    super(describe(status, body));
    this.status = status;
    this.body = body || {};
  }

  /** Worth trying again later: the network, the server, a throttle or a lapsed session. */
  get retryable() {
    return (
      this.status === 0 ||
      this.status >= 500 ||
      this.status === 429 ||
      this.status === 401 ||
      this.csrf
    );
  }

  /** Refused for its CSRF token: a log-in in another tab rotated it; the cookie has the new one. */
  get csrf() {
    return this.status === 403 && /CSRF/.test(String(this.body.detail || ""));
  }
}

function describe(status, body) {
  if (status === 0) return "The server could not be reached.";
  const errors = body && body.errors ? Object.entries(body.errors) : [];
  const details = errors.map(([field, messages]) => `${field}: ${[].concat(messages).join(" ")}`);
  const detail = body && body.detail ? String(body.detail) : `HTTP ${status}`;
  return details.length ? `${detail} ${details.join("; ")}` : detail;
}

function csrfToken() {
  // The cookie first: it follows a log-in in another tab, the page's copy does not.
  const cookie = document.cookie.split("; ").find((item) => item.startsWith("csrftoken="));
  if (cookie) return decodeURIComponent(cookie.slice("csrftoken=".length));
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

const WRITES = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** A fresh Idempotency-Key: one per write; only a retry of that same write sends it again. */
export function newIdempotencyKey() {
  if (globalThis.crypto && typeof crypto.randomUUID === "function") return crypto.randomUUID();
  // randomUUID needs a secure context (https or localhost); getRandomValues does not.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** Call the API (a FormData body goes as multipart, anything else as JSON); resolve to
 * {status, data} for 2xx, reject with ApiError otherwise. A write carries an Idempotency-Key:
 * `idempotencyKey` when the caller retries a write it sent before, else a fresh one. */
export async function request(method, url, body, { idempotencyKey } = {}) {
  const init = {
    method,
    credentials: "same-origin",
    headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
  };
  if (WRITES.has(method)) init.headers["Idempotency-Key"] = idempotencyKey || newIdempotencyKey();
  if (body instanceof FormData) {
    // Multipart: the browser writes the Content-Type with its boundary.
    init.body = body;
  } else if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    throw new ApiError(0, { detail: String(error && error.message ? error.message : error) });
  }
  let data = null;
  const type = response.headers.get("Content-Type") || "";
  if (response.status !== 204 && type.includes("application/json")) {
    try {
      data = await response.json();
    } catch {
      data = null;
    }
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return { status: response.status, data };
}

// `options` ({idempotencyKey}) goes to request(): the save queue's retries reuse their key.
export const api = {
  annotation: (id) => request("GET", `/api/annotations/${id}/`),
  setStatus: (id, status, version, options) =>
    request("PATCH", `/api/annotations/${id}/`, { status, version }, options),
  createSpan: (id, body, options) =>
    request("POST", `/api/annotations/${id}/spans/`, body, options),
  updateSpan: (id, spanId, body, options) =>
    request("PATCH", `/api/annotations/${id}/spans/${spanId}/`, body, options),
  deleteSpan: (id, spanId, version, options) =>
    request(
      "DELETE",
      `/api/annotations/${id}/spans/${spanId}/?version=${version}`,
      undefined,
      options,
    ),
  createStance: (id, body, options) =>
    request("POST", `/api/annotations/${id}/stances/`, body, options),
  updateStance: (id, stanceId, body, options) =>
    request("PATCH", `/api/annotations/${id}/stances/${stanceId}/`, body, options),
  deleteStance: (id, stanceId, version, options) =>
    request(
      "DELETE",
      `/api/annotations/${id}/stances/${stanceId}/?version=${version}`,
      undefined,
      options,
    ),
  next: (projectId) => request("POST", `/api/projects/${projectId}/next/`),
};
