// The undo and redo history of an annotation, kept across a reload: beside the tab's slot of
// unsaved changes (tabslots.js), in localStorage under `workbench.history.annotation-<id>.<tab>`,
// the tab named as its slot is. So a reload (or leaving the document and coming back in the
// same tab) keeps Ctrl+Z and Ctrl+Y working; another tab starts with none.
//
// The history is a list of operations (store.js) that only make sense on top of the content
// they were recorded against. So the record carries the annotation's version and a print of
// that content (every span and stance, hashed), and is taken back only if the content read
// after the reload (with the unsaved changes put back) has the same print. Otherwise the
// annotation moved elsewhere in a way the history may no longer fit: it is dropped, and the
// page says so (HISTORY_DROPPED). The version alone would not do: a change whose answer was
// lost in the reload moves the version without changing what the history fits.
//
// Keys: a stance made on the page is keyed "stance-new-…" there but "stance-<id>" once read
// from the server, so the record names every saved stance "stance-<id>", as the next page will.

import { relationPrintRows } from "./relationstore.js";

const PREFIX = "workbench.history.annotation-";
// Enough to undo a long session; the record stays a few kilobytes.
export const HISTORY_LIMIT = 100;
// A tab's history older than this is removed when any page opens (tabs that closed leave theirs).
const KEEP_MS = 14 * 24 * 3600 * 1000;
const REFERENCES = ["key", "claimant", "holder", "evidence"];

export const HISTORY_DROPPED =
  "Undo history dropped: this annotation changed since it was kept (version {was}, now {now}), so undoing could no longer restore it exactly.";

export class UndoHistory {
  /** @param {import("./store.js").Store} store */
  constructor(store) {
    this.store = store;
  }

  keyFor(tab) {
    return `${PREFIX}${this.store.id}.${tab}`;
  }

  /** Keep `undo` and `redo` (stacks of operation lists) as tab `tab`'s history. */
  save(tab, undo, redo) {
    if (!tab || this.store.id === null) return;
    const key = this.keyFor(tab);
    try {
      if (!undo.length && !redo.length) {
        localStorage.removeItem(key);
        return;
      }
      const record = {
        version: this.store.version,
        print: contentPrint(this.store),
        undo: undo.slice(-HISTORY_LIMIT).map((entry) => this.portable(entry)),
        redo: redo.slice(-HISTORY_LIMIT).map((entry) => this.portable(entry)),
        at: Date.now(),
      };
      localStorage.setItem(key, JSON.stringify(record));
    } catch {
      // Storage full or disabled: the history lives as long as the page, as it did before.
    }
  }

  /**
   * Take tab `tab`'s history back: {undo, redo} if it fits the content now, {dropped: message}
   * if it does not (and it is removed), or null if there is none.
   */
  take(tab) {
    if (!tab || this.store.id === null) return null;
    forgetOld();
    let record;
    try {
      record = JSON.parse(localStorage.getItem(this.keyFor(tab)) || "null");
    } catch {
      return null;
    }
    if (!record || !Array.isArray(record.undo) || !Array.isArray(record.redo)) return null;
    if (record.print !== contentPrint(this.store)) {
      this.clear(tab);
      const message = HISTORY_DROPPED.replace("{was}", String(record.version)).replace("{now}", String(this.store.version));
      return { dropped: message };
    }
    return { undo: record.undo, redo: record.redo };
  }

  clear(tab) {
    try {
      localStorage.removeItem(this.keyFor(tab));
    } catch {
      // Nothing kept, nothing to remove.
    }
  }

  /** An entry as the next page will name its spans and stances, without what was sent. */
  portable(entry) {
    const rename = (key) => this.portableKey(key);
    return entry.map(({ idempotency, base, ...op }) => {
      const copy = { ...op };
      for (const field of REFERENCES) if (typeof copy[field] === "string") copy[field] = rename(copy[field]);
      if (copy.changes) {
        copy.changes = { ...copy.changes };
        for (const field of REFERENCES) {
          if (typeof copy.changes[field] === "string") copy.changes[field] = rename(copy.changes[field]);
        }
      }
      return copy;
    });
  }

  portableKey(key) {
    return portableKey(this.store, key);
  }
}

/** The key a reload gives the span or stance `key`: "stance-<id>" for a saved stance. */
function portableKey(store, key) {
  if (!key.startsWith("stance-")) return key;
  const id = store.idOf(key);
  return id === null ? key : `stance-${id}`;
}

/** A hash of the annotation's content: every span, stance and relation, by the keys a reload
 * gives them, and the document labels (left out when there are none, so older prints stay
 * valid). */
export function contentPrint(store) {
  const portable = (key) => portableKey(store, key);
  const rows = [];
  for (const s of store.spans.values()) {
    rows.push(["s", s.key, s.label, s.start, s.end, s.claimant, s.claimant_text, s.checkworthy].join("\u0001"));
  }
  for (const t of store.stances.values()) {
    rows.push(["t", portable(t.key), t.target, t.label, t.holder, t.evidence].join("\u0001"));
  }
  if (store.documentLabels?.length) {
    rows.push(["d", ...[...store.documentLabels].sort((a, b) => a - b)].join("\u0001"));
  }
  rows.push(...relationPrintRows(store));
  rows.sort();
  return hash(rows.join("\u0002"));
}

/** cyrb53: a fast 53-bit string hash (not cryptographic; it tells contents apart). */
function hash(text) {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36);
}

/** Remove every tab's history not written for KEEP_MS. */
function forgetOld() {
  try {
    const old = [];
    for (let i = 0; i < localStorage.length; i++) {
      const key = localStorage.key(i);
      if (!key || !key.startsWith(PREFIX)) continue;
      const at = Number(JSON.parse(localStorage.getItem(key) || "{}").at) || 0;
      if (Date.now() - at > KEEP_MS) old.push(key);
    }
    for (const key of old) localStorage.removeItem(key);
  } catch {
    // A record that cannot be read is left; it is never taken back either.
  }
}
