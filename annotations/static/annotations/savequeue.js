// The save queue: every change goes to the server in order, once, whatever happens.
//
// Operations wait in this tab's localStorage slot (tabslots.js) until the server acknowledges
// them, so a reload, a crash, a closed tab or a lost connection replays them: a page of the
// annotation takes over the slot of a tab that closed. Retries are safe: a span create carries
// its client_id and every write its Idempotency-Key (saverequests.js), so a write whose answer
// was lost applies once.
//
// What happens when a request does not simply succeed:
// - The network or the server failed (5xx, 429, a lapsed session), or no answer came within the
//   timeout: the same request is retried with backoff (retries.js, shared with the review
//   page's gold actions), and the status says so.
// - The server answered 2xx but the answer is lost (cut off mid-body): the outcome is unknown,
//   so the queue reads the annotation again and goes on from what the server holds: an
//   operation it shows is done, the rest are sent on top of the fresh version.
// - 409 (the annotation changed elsewhere): the same, then each waiting change is judged
//   against the fresh state (rebase.js): one that still fits is sent again by itself; a real
//   conflict is put to the user (hooks.onConflict), who keeps theirs or takes the other.
// - Another refusal (400): that change is dropped and its message shown; the rest go on.
// Nothing is dropped without a message.

import { AnswerLost, ApiError, api } from "./api.js";
import { APPLY, CONFLICT, SAME, followKeys, judge, renameKey } from "./rebase.js";
import { MAX_RETRY_MS, RetryWait, isTransient, retryDelay } from "./retries.js";
import { sendOperation } from "./saverequests.js";
import { newUuid } from "./store.js";
import { PendingSlots } from "./tabslots.js";

export const CHANGED_ELSEWHERE = "This annotation was changed elsewhere (in another tab or by a reviewer).";

export class SaveQueue {
  /**
   * @param {import("./store.js").Store} store
   * @param {object} hooks  onState(state, error), onAck(op, data), onReload(message),
   *   onConflict(message) resolving to "mine" or "theirs"
   * @param {object} context  labels and targets (Maps by id) and allowOverlap, for rebase.js
   */
  constructor(store, hooks, context) {
    this.store = store;
    this.hooks = hooks;
    this.context = { ...context, newKey: newUuid };
    this.ops = [];
    this.incoming = []; // [{ops, from}]: taken from storage, not yet judged
    this.rebasing = []; // to judge against a fresh state (kept in storage meanwhile)
    this.judging = null; // the one being judged
    this.running = false;
    this.failures = 0;
    this.waits = new RetryWait();
    this.slots = new PendingSlots(store.id);
  }

  get idle() {
    return this.ops.length === 0 && this.incoming.length === 0 && !this.running;
  }

  /** Queue an operation already applied to the store, and start sending. */
  push(op) {
    this.ops.push(op);
    this._persist();
    this._pump();
  }

  /** Take this tab's slot and, now and later, those of closed tabs; send what they hold. */
  async restore() {
    for (const record of await this.slots.open()) this._takeIn(record, "page");
    this.slots.watch((record) => this._takeIn(record, "tab"));
  }

  /** Resolves once every queued operation is acknowledged (or given up with a message). */
  drained() {
    if (this.idle) return Promise.resolve();
    return new Promise((resolve) => {
      this._drainWaiters = (this._drainWaiters || []).concat(resolve);
    });
  }

  _takeIn(record, from) {
    for (const [key, id] of Object.entries(record.ids || {})) {
      if (!this.store.ids.has(key)) this.store.ids.set(key, id);
    }
    // A submit or skip is not replayed: the page it was meant to leave is open again.
    const ops = record.ops.filter((op) => op.type !== "status");
    if (!ops.length) return;
    this.incoming.push({ ops, from });
    this._persist();
    this._pump();
  }

  _persist() {
    const judged = this.judging ? [this.judging] : [];
    const ops = this.ops.concat(judged, this.rebasing, ...this.incoming.map((record) => record.ops));
    const ids = {};
    for (const op of ops) {
      for (const key of referencedKeys(op)) {
        const id = this.store.idOf(key);
        if (id !== null) ids[key] = id;
      }
    }
    this.slots.save({ ops, ids });
  }

  async _pump() {
    if (this.running) return;
    this.running = true;
    this.hooks.onState("saving");
    while (this.incoming.length || this.ops.length) {
      if (this.incoming.length) {
        await this._judgeIncoming(this.incoming.shift()).catch((bug) => this._stalled(bug));
        continue;
      }
      const op = this.ops[0];
      let data;
      try {
        data = await sendOperation(this.store, op, () => this._persist());
      } catch (error) {
        await this._failed(op, error).catch((bug) => this._stalled(bug));
        continue;
      }
      this._acknowledge(op, data);
      this.failures = 0;
      this.hooks.onState("saving");
    }
    this.running = false;
    this.hooks.onState("saved");
    const waiters = this._drainWaiters || [];
    this._drainWaiters = [];
    for (const resolve of waiters) resolve();
  }

  async _failed(op, error) {
    const refused = error instanceof ApiError && !error.retryable;
    if (isTransient(error)) {
      this.failures++;
      this.hooks.onState(error.timedOut ? "slow" : "failed", error);
      await this.waits.sleep(retryDelay(this.failures));
      // "Slow, retrying" stays up while the retry waits for its answer.
      if (!error.timedOut) this.hooks.onState("saving");
    } else if (refused && error.status === 404 && op.type.endsWith(".delete")) {
      this._acknowledge(op, null); // already gone: what the delete wanted
    } else if (refused && error.status !== 409 && !(error.status === 404 && op.type.endsWith(".update"))) {
      await this._resync(`Not saved: ${error.message}`, op);
    } else {
      // A 409 (or a 404 for an update: the span or stance was deleted elsewhere), or an answer
      // lost (AnswerLost, or anything else thrown while sending).
      if (!(error instanceof AnswerLost || refused)) console.warn("save queue:", error);
      await this._resync(refused ? CHANGED_ELSEWHERE : null, null);
    }
  }

  /** Something broke while judging or handling a failure: keep every change, try again later. */
  async _stalled(bug) {
    console.warn("save queue:", bug);
    this.ops = this.ops.concat(this.judging ? [this.judging] : [], this.rebasing);
    this.rebasing = [];
    this.judging = null;
    this._persist();
    this.failures++;
    this.hooks.onState("failed", bug);
    await this.waits.sleep(MAX_RETRY_MS);
  }

  _acknowledge(op, data) {
    this.ops.shift();
    if (data && typeof data.version === "number") this.store.version = data.version;
    if (op.type.endsWith(".create")) this.store.ids.set(op.key, data.id);
    if (op.type.endsWith(".delete")) this.store.ids.delete(op.key);
    if (op.type === "status" && data) this.store.status = data.status;
    this._persist();
    this.hooks.onAck(op, data);
  }

  /** Read the annotation again once the queue is empty (a write made beside it), then say `message`. */
  async refresh(message) {
    await this.drained();
    await this._resync(message, null);
  }

  /**
   * Read the annotation again and put the waiting operations on top of it; `dropped`, a
   * refused operation, is not. `message` is said afterwards (with what was not applied).
   */
  async _resync(message, dropped) {
    let fresh;
    try {
      fresh = (await api.annotation(this.store.id)).data;
      if (!fresh || !Array.isArray(fresh.spans)) throw new AnswerLost(200, "no annotation in it");
    } catch (reloadError) {
      // Cannot even read it: keep everything and try the whole thing again later.
      this.failures++;
      this.hooks.onState("failed", reloadError);
      await this.waits.sleep(retryDelay(this.failures + 1));
      return;
    }
    // A refused create takes the changes of what it would have made with it.
    const madeBy = (op) => dropped?.type.endsWith(".create") && op !== dropped && op.key === dropped.key;
    const waiting = this.ops.filter((op) => op !== dropped && !madeBy(op));
    const followers = this.ops.filter(madeBy).length;
    if (followers) message += ` (and ${plural(followers, "later change")} to it)`;
    const oldIds = new Map(this.store.ids);
    this.store.load(fresh);
    this.ops = [];
    const notes = await this._rebase(followKeys(waiting, oldIds, this.store.ids));
    this._persist();
    const said = [message, ...notes].filter(Boolean);
    if (message === CHANGED_ELSEWHERE && this.ops.length && !notes.length) {
      said.push(`Your ${plural(this.ops.length, "change")} went on top of it.`);
    }
    this.hooks.onReload(said.join(" ") || null);
  }

  /** Judge operations from storage against the page's state, and queue what fits. */
  async _judgeIncoming(record) {
    const before = this.ops.length;
    const notes = await this._rebase(record.ops);
    this._persist();
    const count = this.ops.length - before;
    const whence = record.from === "tab" ? " left by a tab that was closed" : "";
    const restored = count ? `Restored ${plural(count, "unsaved change")}${whence}; saving now.` : null;
    this.hooks.onReload([restored, ...notes].filter(Boolean).join(" ") || null);
  }

  /** Apply `ops` in order on top of the store, asking the user about conflicts; queue them. */
  async _rebase(ops) {
    const notes = [];
    this.rebasing = ops;
    while (this.rebasing.length) {
      const op = this.rebasing[0];
      this.judging = op;
      this.rebasing = this.rebasing.slice(1);
      // A stance create is judged even when its place is taken: by another value, it conflicts.
      if (op.type !== "stance.create" && this.store.shows(op)) continue;
      const verdict = op.type === "status" ? { verdict: APPLY } : judge(this.store, op, this.context);
      if (verdict.verdict === SAME) {
        if (verdict.rename) this.rebasing = renameKey(this.rebasing, verdict.rename.from, verdict.rename.to);
        else this.store.adopt(op);
        continue;
      }
      let chosen = [op];
      if (verdict.verdict === CONFLICT) {
        this.hooks.onReload(null); // show the fresh state before asking about it
        const choice = await this.hooks.onConflict(verdict.message);
        chosen = choice === "mine" ? verdict.mine : verdict.theirs;
        if (choice === "mine" && verdict.rename) {
          this.rebasing = renameKey(this.rebasing, verdict.rename.from, verdict.rename.to);
        }
      } else if (verdict.verdict !== APPLY) {
        notes.push(`Not applied: ${verdict.message}`);
        chosen = [];
      }
      for (const next of chosen) {
        try {
          this.store.apply(next);
          this.ops.push(next);
        } catch (error) {
          notes.push(`Not applied: ${error.message}.`);
        }
      }
    }
    this.judging = null;
    return notes;
  }
}

function plural(count, noun) {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

/** The keys an operation refers to (its own and its references). */
function referencedKeys(op) {
  const keys = [];
  if (op.key) keys.push(op.key);
  // A relation's source and target are span keys; a stance's target is a target id.
  if (op.type === "relation.create") keys.push(op.source, op.target);
  for (const field of ["claimant", "holder", "evidence"]) {
    if (op[field]) keys.push(op[field]);
    if (op.changes && op.changes[field]) keys.push(op.changes[field]);
  }
  return keys;
}
