// The REST API as the browser calls it: session cookie plus the CSRF token, JSON in and out.
//
// The save queue's calls (`api` below) give up on a request after requestTimeoutMs() (10 s
// unless the page sets `window.workbenchSettings.requestTimeoutMs`): an ApiError with status
// 0 and `timedOut`, retried under the same Idempotency-Key. A 2xx whose body cannot be read
// (a worker dying mid-answer, a proxy cutting it) is an AnswerLost: the write may or may not
// have happened, so the caller finds out from the server rather than guess.

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

  /** No answer came within the timeout: the request was given up (and may be retried). */
  get timedOut() {
    return this.status === 0 && Boolean(this.body.timedOut);
  }

  /** Refused for its CSRF token: a log-in in another tab rotated it; the cookie has the new one. */
  get csrf() {
    return this.status === 403 && /CSRF/.test(String(this.body.detail || ""));
  }
}

/** A 2xx whose body could not be read: the server answered, but what it answered is lost. */
export class AnswerLost extends Error {
  constructor(status, cause) {
    super(`The server's answer (HTTP ${status}) was cut off: ${cause}`);
    this.status = status;
  }
}

const DEFAULT_TIMEOUT_MS = 10000;

/** How long the save queue waits for an answer: the page's setting, else 10 s. */
export function requestTimeoutMs() {
  const setting = Number(globalThis.workbenchSettings?.requestTimeoutMs);
  return setting > 0 ? setting : DEFAULT_TIMEOUT_MS;
}

function describe(status, body) {
  if (status === 0 && body && body.timedOut) return `No answer within ${body.timedOut / 1000} s.`;
  if (status === 0) return "The server could not be reached.";
  const errors = body && body.errors ? Object.entries(body.errors) : [];
  const details = errors.map(([field, messages]) => `${field}: ${[].concat(messages).join(" ")}`);
  const detail = body && body.detail ? String(body.detail) : `HTTP ${status}`;
  // One refusal given as the detail and as a field's message too: said once, with its field.
  if (errors.some(([, messages]) => [].concat(messages).includes(detail))) return details.join("; ");
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
 * {status, data} for 2xx, reject with ApiError otherwise, or AnswerLost for a 2xx whose JSON
 * body is cut off. A write carries an Idempotency-Key: `idempotencyKey` when the caller
 * retries a write it sent before, else a fresh one. `timeoutMs` gives up after that long. */
export async function request(method, url, body, { idempotencyKey, timeoutMs } = {}) {
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
  const controller = new AbortController();
  init.signal = controller.signal;
  const timer = timeoutMs ? setTimeout(() => controller.abort(), timeoutMs) : null;
  try {
    return await answer(await fetch(url, init));
  } catch (error) {
    if (error instanceof ApiError || error instanceof AnswerLost) throw error;
    const timedOut = controller.signal.aborted ? timeoutMs : 0;
    throw new ApiError(0, { detail: String(error && error.message ? error.message : error), timedOut });
  } finally {
    clearTimeout(timer);
  }
}

/** Read a response: its JSON body, if it says it has one. */
async function answer(response) {
  let data = null;
  const type = response.headers.get("Content-Type") || "";
  if (response.status !== 204 && type.includes("application/json")) {
    try {
      data = await response.json();
    } catch (error) {
      if (response.ok) throw new AnswerLost(response.status, error.message);
      data = null;
    }
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return { status: response.status, data };
}

// `options` ({idempotencyKey}) goes to request(): the save queue's retries reuse their key.
// Every call of the save queue gives up after requestTimeoutMs().
const timed = (options = {}) => ({ timeoutMs: requestTimeoutMs(), ...options });

export const api = {
  annotation: (id) => request("GET", `/api/annotations/${id}/`, undefined, timed()),
  setStatus: (id, status, version, options) =>
    request("PATCH", `/api/annotations/${id}/`, { status, version }, timed(options)),
  createSpan: (id, body, options) =>
    request("POST", `/api/annotations/${id}/spans/`, body, timed(options)),
  markOccurrences: (id, body, options) =>
    request("POST", `/api/annotations/${id}/spans/occurrences/`, body, timed(options)),
  updateSpan: (id, spanId, body, options) =>
    request("PATCH", `/api/annotations/${id}/spans/${spanId}/`, body, timed(options)),
  deleteSpan: (id, spanId, version, options) =>
    request(
      "DELETE",
      `/api/annotations/${id}/spans/${spanId}/?version=${version}`,
      undefined,
      timed(options),
    ),
  // The undo of an accepted suggestion: the span goes and the suggestion is undecided again.
  unacceptSpan: (id, spanId, version, options) =>
    request(
      "DELETE",
      `/api/annotations/${id}/spans/${spanId}/?version=${version}&unaccept=1`,
      undefined,
      timed(options),
    ),
  createStance: (id, body, options) =>
    request("POST", `/api/annotations/${id}/stances/`, body, timed(options)),
  updateStance: (id, stanceId, body, options) =>
    request("PATCH", `/api/annotations/${id}/stances/${stanceId}/`, body, timed(options)),
  deleteStance: (id, stanceId, version, options) =>
    request(
      "DELETE",
      `/api/annotations/${id}/stances/${stanceId}/?version=${version}`,
      undefined,
      timed(options),
    ),
  setDocumentLabels: (id, body, options) =>
    request("PUT", `/api/annotations/${id}/document-labels/`, body, timed(options)),
  createRelation: (id, body, options) =>
    request("POST", `/api/annotations/${id}/relations/`, body, timed(options)),
  updateRelation: (id, relationId, body, options) =>
    request("PATCH", `/api/annotations/${id}/relations/${relationId}/`, body, timed(options)),
  deleteRelation: (id, relationId, version, options) =>
    request(
      "DELETE",
      `/api/annotations/${id}/relations/${relationId}/?version=${version}`,
      undefined,
      timed(options),
    ),
  putClaimRecord: (spanId, body, options) =>
    request("PUT", `/api/spans/${spanId}/claim-record/`, body, timed(options)),
  deleteClaimRecord: (spanId, version, options) =>
    request("DELETE", `/api/spans/${spanId}/claim-record/?version=${version}`, undefined, timed(options)),
  next: (projectId) => request("POST", `/api/projects/${projectId}/next/`),
};
