// The save queue: every change goes to the server in order, once, whatever happens.
//
// Operations wait in localStorage until the server acknowledges them, so a reload, a crash
// or a lost connection replays them (a span create carries its client_id, so a replay of a
// create that did reach the server answers the existing span). Each operation also carries an
// Idempotency-Key, kept with it in localStorage: a retry sends the same key, so a write whose
// answer was lost is applied once and answered again; when what is sent changes (a newer
// version after a reload), so does the key, since the server refuses a key reused for another
// body. A failure of the network or the server is retried with backoff and shown; a refusal
// (400) or a conflict (409: the annotation changed elsewhere) reloads the annotation and says
// so. Nothing is dropped silently.

import { api, ApiError, newIdempotencyKey } from "./api.js";

const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 15000;

export class SaveQueue {
  /**
   * @param {import("./store.js").Store} store
   * @param {object} hooks  onState(state, detail), onAck(op, data), onReload(message)
   */
  constructor(store, hooks) {
    this.store = store;
    this.hooks = hooks;
    this.ops = [];
    this.running = false;
    this.failures = 0;
    this.wake = null;
    this.storageKey = `workbench.pending.annotation-${store.id}`;
    window.addEventListener("online", () => this._wakeUp());
  }

  get idle() {
    return this.ops.length === 0 && !this.running;
  }

  /** Queue an operation already applied to the store, and start sending. */
  push(op) {
    this.ops.push(op);
    this._persist();
    this._pump();
  }

  /** Operations left over by an earlier visit of this page, removed from storage. */
  takeStored() {
    let stored = null;
    try {
      stored = JSON.parse(localStorage.getItem(this.storageKey) || "null");
      // Whatever is replayed is stored again as it is queued; the rest is done with.
      localStorage.removeItem(this.storageKey);
    } catch {
      stored = null;
    }
    if (!stored || !Array.isArray(stored.ops)) return [];
    for (const [key, id] of Object.entries(stored.ids || {})) {
      if (!this.store.ids.has(key)) this.store.ids.set(key, id);
    }
    return stored.ops;
  }

  /** Resolves once every queued operation is acknowledged (or given up with a message). */
  drained() {
    if (this.idle) return Promise.resolve();
    return new Promise((resolve) => {
      this._drainWaiters = (this._drainWaiters || []).concat(resolve);
    });
  }

  _persist() {
    try {
      if (this.ops.length === 0) {
        localStorage.removeItem(this.storageKey);
        return;
      }
      const ids = {};
      for (const op of this.ops) {
        for (const key of referencedKeys(op)) {
          const id = this.store.idOf(key);
          if (id !== null) ids[key] = id;
        }
      }
      localStorage.setItem(this.storageKey, JSON.stringify({ ops: this.ops, ids }));
    } catch {
      // Storage full or disabled: the queue still saves; only a reload would lose its tail.
    }
  }

  _wakeUp() {
    if (this.wake) this.wake();
  }

  _sleep(ms) {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  async _pump() {
    if (this.running) return;
    this.running = true;
    this.hooks.onState("saving");
    while (this.ops.length) {
      const op = this.ops[0];
      try {
        const data = await this._send(op);
        this._acknowledge(op, data);
        this.failures = 0;
        this.hooks.onState("saving");
      } catch (error) {
        if (!(error instanceof ApiError)) {
          this.ops.shift();
          this._persist();
          this.hooks.onReload(`A change could not be sent (${error.message}); it was dropped.`);
          continue;
        }
        if (error.retryable) {
          this.failures++;
          this.hooks.onState("failed", error);
          const delay = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** (this.failures - 1));
          await this._sleep(delay * (0.8 + Math.random() * 0.4));
          this.hooks.onState("saving");
          continue;
        }
        await this._refused(op, error);
      }
    }
    this.running = false;
    this.hooks.onState("saved");
    const waiters = this._drainWaiters || [];
    this._drainWaiters = [];
    for (const resolve of waiters) resolve();
  }

  _acknowledge(op, data) {
    this.ops.shift();
    if (data && typeof data.version === "number") this.store.version = data.version;
    if (op.type === "span.create" || op.type === "stance.create") this.store.ids.set(op.key, data.id);
    if (op.type === "span.delete" || op.type === "stance.delete") this.store.ids.delete(op.key);
    if (op.type === "status" && data) this.store.status = data.status;
    this._persist();
    this.hooks.onAck(op, data);
  }

  /** The server said no: 404 on a delete means done; otherwise reload and say so. */
  async _refused(op, error) {
    const gone = error.status === 404 && (op.type === "span.delete" || op.type === "stance.delete");
    if (gone) {
      this._acknowledge(op, null);
      return;
    }
    let fresh;
    try {
      fresh = (await api.annotation(this.store.id)).data;
    } catch (reloadError) {
      // Cannot even reload: keep the operation and try the whole thing again later.
      this.failures++;
      this.hooks.onState("failed", reloadError);
      await this._sleep(Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** this.failures));
      return;
    }
    const pending = this.ops.slice(1);
    this.store.load(fresh);
    if (this.store.shows(op) || (op.type === "stance.create" && this.store.adopt(op))) {
      // It did reach the server; only the answer was lost (a retry after a timeout).
      this.ops.shift();
      this._replayOnto(pending);
      this.hooks.onReload(null);
      return;
    }
    if (error.status === 409) {
      this.ops = [];
      this._persist();
      const lost = pending.length + 1;
      this.hooks.onReload(
        `This annotation was changed elsewhere (in another tab or by a reviewer). ` +
          `The saved version is shown; ${lost} unsaved change${lost === 1 ? " was" : "s were"} not applied.`,
      );
      return;
    }
    this.ops.shift();
    this._replayOnto(pending);
    this.hooks.onReload(`Not saved: ${error.message}`);
  }

  /** Put the still-waiting operations back on top of freshly loaded state. */
  _replayOnto(pending) {
    this.ops = [];
    for (const op of pending) {
      try {
        this.store.apply(op);
        this.ops.push(op);
      } catch {
        // It depended on something that is gone: nothing to send.
      }
    }
    this._persist();
  }

  /** Send one operation with the current version; resolve to the answer's body. */
  async _send(op) {
    const store = this.store;
    const id = store.id;
    const version = store.version;
    const ref = (key) => (key === null || key === undefined ? null : store.idOf(key));
    switch (op.type) {
      case "span.create": {
        const body = {
          label: op.label,
          start: op.start,
          end: op.end,
          text: op.text,
          client_id: op.key,
          version,
        };
        if (op.claimant) body.claimant = ref(op.claimant);
        if (op.claimant_text) body.claimant_text = op.claimant_text;
        if (op.checkworthy) body.checkworthy = op.checkworthy;
        return this._call(op, api.createSpan, id, body);
      }
      case "span.update": {
        const spanId = this._required(op.key);
        const body = { version };
        for (const [field, value] of Object.entries(op.changes)) {
          body[field] = field === "claimant" ? ref(value) : value;
        }
        return this._call(op, api.updateSpan, id, spanId, body);
      }
      case "span.delete":
        return this._call(op, api.deleteSpan, id, this._required(op.key), version);
      case "stance.create":
        return this._call(op, api.createStance, id, {
          target: op.target,
          label: op.label,
          holder: ref(op.holder),
          evidence: ref(op.evidence),
          version,
        });
      case "stance.update": {
        const body = { version };
        for (const [field, value] of Object.entries(op.changes)) {
          body[field] = field === "label" ? value : ref(value);
        }
        return this._call(op, api.updateStance, id, this._required(op.key), body);
      }
      case "stance.delete":
        return this._call(op, api.deleteStance, id, this._required(op.key), version);
      case "status":
        return this._call(op, api.setStatus, id, op.status, version);
      default:
        throw new Error(`unknown operation ${op.type}`);
    }
  }

  /** Call `method(...args)` under the operation's Idempotency-Key: the same key while the
   * same request is retried, a fresh one as soon as what is sent differs. */
  async _call(op, method, ...args) {
    const sent = JSON.stringify(args);
    if (!op.idempotency || op.idempotency.sent !== sent) {
      op.idempotency = { key: newIdempotencyKey(), sent };
      this._persist();
    }
    return (await method(...args, { idempotencyKey: op.idempotency.key })).data;
  }

  _required(key) {
    const id = this.store.idOf(key);
    // Its create was refused: a 404 makes the usual "gone" handling apply.
    if (id === null) throw new ApiError(404, { detail: "Not saved, so nothing to change." });
    return id;
  }
}

/** The keys an operation refers to (its own and its references). */
function referencedKeys(op) {
  const keys = [];
  if (op.key) keys.push(op.key);
  for (const field of ["claimant", "holder", "evidence"]) {
    if (op[field]) keys.push(op[field]);
    if (op.changes && op.changes[field]) keys.push(op.changes[field]);
  }
  return keys;
}
