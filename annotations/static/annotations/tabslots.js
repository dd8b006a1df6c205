// Where a tab keeps the changes the server has not acknowledged yet: one localStorage slot per
// tab and annotation, `workbench.pending.annotation-<id>.<tab>`, the tab's name kept in its
// sessionStorage (so it survives a reload of the tab and dies with it).
//
// Two tabs on one annotation never write the same slot, so closing one loses nothing of the
// other's. A living tab holds a Web Lock named after it (`workbench.tab.<tab>`); the browser
// releases it when the tab closes or crashes. A slot whose tab holds no lock is an orphan:
// any page of the annotation takes it over (removes it and queues its changes), at once when
// it opens, or the moment that tab closes (it waits on the lock). A duplicated tab arrives with
// its opener's name; finding that name's lock taken, it names itself afresh.
//
// Without Web Locks (a plain-http page that is not localhost) a slot carries a heartbeat
// instead: refreshed every beat (5 s, or `window.workbenchSettings.tabHeartbeatMs`) while the
// tab lives, it makes an orphan once six beats old.

import { newUuid } from "./store.js";

const PREFIX = "workbench.pending.annotation-";
const TAB_KEY = "workbench.tab";
const LOCK_PREFIX = "workbench.tab.";
const BEAT_MS = 5000;
const BEATS_TO_ORPHAN = 6;

function beatMs() {
  const setting = Number(globalThis.workbenchSettings?.tabHeartbeatMs);
  return setting > 0 ? setting : BEAT_MS;
}

export class PendingSlots {
  /** @param {number} annotationId */
  constructor(annotationId) {
    this.base = `${PREFIX}${annotationId}`; // also the slot of pages from before slots per tab
    this.tab = null;
    this.record = null; // what this tab keeps: {ops, ids}
    this.watched = new Set();
    this.locks = globalThis.navigator?.locks || null;
  }

  get key() {
    return `${this.base}.${this.tab}`;
  }

  /** Name this tab and hold its lock; resolve to what its earlier page left (a reload). */
  async open() {
    let tab = sessionGet(TAB_KEY);
    if (this.locks && !(tab && (await this._hold(tab)))) {
      tab = newUuid();
      await this._hold(tab);
    }
    this.tab = tab || newUuid();
    sessionSet(TAB_KEY, this.tab);
    const left = [this._take(this.key), this._take(this.base)].filter(Boolean);
    if (this.record) this.save(this.record); // changes made while the tab was being named
    return left;
  }

  /** Keep `record` ({ops, ids}) as this tab's pending changes; none: the slot goes. */
  save(record) {
    this.record = record.ops.length ? record : null;
    if (this.tab === null) return; // open() writes it once the tab has its name
    try {
      if (!this.record) localStorage.removeItem(this.key);
      else localStorage.setItem(this.key, JSON.stringify({ ...record, beat: Date.now() }));
    } catch {
      // Storage full or disabled: the queue still saves; only a closed tab would lose its tail.
    }
  }

  /** Call `adopt(record)` with every orphan slot of the annotation, now and as tabs close. */
  watch(adopt) {
    this.adopt = adopt;
    this._scan();
    window.addEventListener("storage", (event) => {
      if (event.key && event.key.startsWith(`${this.base}.`)) this._scan();
    });
    if (!this.locks) {
      setInterval(() => {
        if (this.record) this.save(this.record);
        this._scan();
      }, beatMs());
    }
  }

  _scan() {
    for (const key of slotKeys(this.base)) {
      const tab = key.slice(this.base.length + 1);
      if (tab === this.tab || this.watched.has(tab)) continue;
      if (this.locks) {
        // Granted at once when that tab is gone, else the moment it closes.
        this.watched.add(tab);
        this.locks.request(LOCK_PREFIX + tab, () => {
          this.watched.delete(tab);
          this._adopt(key);
        });
      } else if (Date.now() - (readSlot(key)?.beat || 0) > beatMs() * BEATS_TO_ORPHAN) {
        this._adopt(key);
      }
    }
  }

  _adopt(key) {
    const record = this._take(key);
    if (record) this.adopt(record);
  }

  /** Resolve whether this page now holds the tab's lock (held until the page goes). */
  _hold(tab) {
    return new Promise((resolve) => {
      this.locks
        .request(LOCK_PREFIX + tab, { ifAvailable: true }, (lock) => {
          resolve(lock !== null);
          return lock === null ? undefined : new Promise(() => {});
        })
        .catch(() => resolve(false));
    });
  }

  /** Remove a slot and return what it held, or null. */
  _take(key) {
    const record = readSlot(key);
    try {
      localStorage.removeItem(key);
    } catch {
      return null;
    }
    return record && Array.isArray(record.ops) && record.ops.length ? record : null;
  }
}

function readSlot(key) {
  try {
    return JSON.parse(localStorage.getItem(key) || "null");
  } catch {
    return null;
  }
}

function slotKeys(base) {
  const keys = [];
  try {
    for (let i = 0; i < localStorage.length; i++) {
      const key = localStorage.key(i);
      if (key && key.startsWith(`${base}.`)) keys.push(key);
    }
  } catch {
    // No storage: nothing can have been left in it.
  }
  return keys;
}

function sessionGet(key) {
  try {
    return sessionStorage.getItem(key);
  } catch {
    return null;
  }
}

function sessionSet(key, value) {
  try {
    sessionStorage.setItem(key, value);
  } catch {
    // No session storage: the tab gets a new name on every page, and its slot is adopted.
  }
}
