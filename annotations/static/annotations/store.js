// The annotation as the page knows it: spans and stances keyed locally, changed by operations.
//
// Every change is an operation (a plain object, so it can wait in localStorage): applied
// here at once (the optimistic UI), then sent by the save queue. A span's key is its
// client_id (or "span-<id>" for one made elsewhere without one), so the key survives a
// reload; a stance's key is "stance-<id>", or a fresh "stance-new-..." until it is saved.
// References between them (claimant, holder, evidence) are keys too, resolved to server ids
// only when an operation is sent. Relations (span -> span) are relationstore.js'.

import { applyRelation, isRelationOp, loadRelations, showsRelation } from "./relationstore.js";

export const SPAN_FIELDS = ["label", "claimant", "claimant_text", "checkworthy"];
export const STANCE_FIELDS = ["label", "holder", "evidence"];

/** A random UUID v4, also outside secure contexts (where crypto.randomUUID is missing). */
export function newUuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isClientId(key) {
  return UUID.test(key);
}

/**
 * Whether two field values are the same: by value for objects (an item's attributes, which a
 * reload makes afresh), by identity for the rest.
 */
export function sameValue(a, b) {
  if (a === b) return true;
  if (a && b && typeof a === "object" && typeof b === "object") return JSON.stringify(a) === JSON.stringify(b);
  return false;
}

/**
 * A claim record in one shape (its fields in one order, evidence as the API reads it), so two
 * records compare by value: normalized_text, claim_date (YYYY-MM-DD or null), claim_type,
 * verdict, justification, evidence ([{document, start, end, text}] or [{url, title, published}]).
 */
export function recordOf(record) {
  return {
    normalized_text: record.normalized_text || "",
    claim_date: record.claim_date || null,
    claim_type: record.claim_type || "",
    verdict: record.verdict || "",
    justification: record.justification || "",
    evidence: (record.evidence || []).map((item) =>
      item.url
        ? { url: item.url, title: item.title || "", published: item.published || null }
        : { document: item.document, start: item.start, end: item.end, text: item.text },
    ),
  };
}

export class Store {
  constructor(annotation) {
    this.ids = new Map(); // key -> server id, kept after a local delete until it is saved
    this.load(annotation);
  }

  /** Replace everything with the server's state of the annotation. */
  load(annotation) {
    // How often the server's state replaced the page's: what was undoable before may not fit.
    this.loads = (this.loads || 0) + 1;
    this.id = annotation.id;
    this.version = annotation.version;
    this.status = annotation.status;
    // The labels the annotation gives the whole document (ids): one set, written whole.
    this.documentLabels = [...(annotation.document_labels || [])];
    this.spans = new Map();
    this.stances = new Map();
    this.ids = new Map();
    const keyOfSpan = new Map();
    for (const span of annotation.spans) {
      const key = span.client_id ? String(span.client_id) : `span-${span.id}`;
      keyOfSpan.set(span.id, key);
      this.ids.set(key, span.id);
    }
    for (const span of annotation.spans) {
      const key = keyOfSpan.get(span.id);
      this.spans.set(key, {
        key,
        label: span.label,
        start: span.start,
        end: span.end,
        text: span.text,
        claimant: span.claimant === null ? null : keyOfSpan.get(span.claimant) ?? null,
        claimant_text: span.claimant_text || "",
        checkworthy: span.checkworthy || "",
        attributes: span.attributes || {},
      });
    }
    for (const stance of annotation.stances) {
      const key = `stance-${stance.id}`;
      this.ids.set(key, stance.id);
      this.stances.set(key, {
        key,
        target: stance.target,
        label: stance.label,
        holder: stance.holder === null ? null : keyOfSpan.get(stance.holder) ?? null,
        evidence: stance.evidence === null ? null : keyOfSpan.get(stance.evidence) ?? null,
        attributes: stance.attributes || {},
      });
    }
    loadRelations(this, annotation, keyOfSpan);
    // Claim records (claimrecord.js), by their claim's key, in recordOf's shape.
    this.records = new Map();
    for (const record of annotation.claim_records || []) {
      const key = keyOfSpan.get(record.span);
      if (key) this.records.set(key, recordOf(record));
    }
  }

  idOf(key) {
    return this.ids.has(key) ? this.ids.get(key) : null;
  }

  /** Spans sorted by start, longest first. */
  sortedSpans() {
    return [...this.spans.values()].sort((a, b) => a.start - b.start || b.end - a.end);
  }

  /** Stances of one target, oldest first. */
  stancesOf(targetId) {
    return [...this.stances.values()].filter((stance) => stance.target === targetId);
  }

  /** Which claims, stances (as holder or evidence) refer to the span. */
  usesOf(key) {
    const claims = [...this.spans.values()].filter((span) => span.claimant === key);
    const held = [...this.stances.values()].filter((stance) => stance.holder === key);
    const evidence = [...this.stances.values()].filter((stance) => stance.evidence === key);
    return { claims, held, evidence };
  }

  /**
   * Apply an operation to the local state; return the operation that undoes it.
   * Throws when the operation no longer fits (its span or stance is gone). An update records
   * on itself (`op.base`) the span or stance as it found it.
   */
  apply(op) {
    if (isRelationOp(op)) return applyRelation(this, op);
    switch (op.type) {
      case "span.create": {
        if (this.spans.has(op.key)) throw new Error(`span ${op.key} exists`);
        const { type, ...span } = op;
        this.spans.set(op.key, { ...span });
        // Undoing an accepted suggestion takes the accept back (suggestions.js).
        if (op.suggestion) return { type: "span.delete", key: op.key, unaccept: op.suggestion };
        return { type: "span.delete", key: op.key };
      }
      case "span.update": {
        const span = this._span(op.key);
        const before = {};
        for (const field of Object.keys(op.changes)) before[field] = span[field];
        op.base = { ...span };
        Object.assign(span, op.changes);
        return { type: "span.update", key: op.key, changes: before };
      }
      case "span.delete": {
        const span = this._span(op.key);
        this.spans.delete(op.key);
        // The server deletes a claim's record with it (its history keeps it).
        this.records.delete(op.key);
        return { type: "span.create", ...span };
      }
      case "stance.create": {
        if (this.stances.has(op.key)) throw new Error(`stance ${op.key} exists`);
        const { type, ...stance } = op;
        this.stances.set(op.key, { ...stance });
        return { type: "stance.delete", key: op.key };
      }
      case "stance.update": {
        const stance = this._stance(op.key);
        const before = {};
        for (const field of Object.keys(op.changes)) before[field] = stance[field];
        op.base = { ...stance };
        Object.assign(stance, op.changes);
        return { type: "stance.update", key: op.key, changes: before };
      }
      case "stance.delete": {
        const stance = this._stance(op.key);
        this.stances.delete(op.key);
        return { type: "stance.create", ...stance };
      }
      case "claimrecord.put": {
        this._span(op.key);
        const before = this.records.get(op.key) ?? null;
        if (op.record === null) this.records.delete(op.key);
        else this.records.set(op.key, recordOf(op.record));
        return { type: "claimrecord.put", key: op.key, record: before };
      }
      case "doclabels.set": {
        const before = this.documentLabels;
        this.documentLabels = [...op.labels];
        return { type: "doclabels.set", labels: before };
      }
      case "status":
        this.status = op.status;
        return null;
      default:
        throw new Error(`unknown operation ${op.type}`);
    }
  }

  /** Whether the server state (this store, freshly loaded) already shows the operation. */
  shows(op) {
    if (isRelationOp(op)) return showsRelation(this, op);
    switch (op.type) {
      case "span.create": {
        const span = this.spans.get(op.key);
        return Boolean(span && span.start === op.start && span.end === op.end && span.label === op.label);
      }
      case "span.update": {
        const span = this.spans.get(op.key);
        return Boolean(span && Object.entries(op.changes).every(([f, v]) => sameValue(span[f], v)));
      }
      case "span.delete":
        return !this.spans.has(op.key);
      case "stance.create":
        return this._sameStance(op) !== null;
      case "stance.update": {
        const stance = this.stances.get(op.key);
        return Boolean(stance && Object.entries(op.changes).every(([f, v]) => sameValue(stance[f], v)));
      }
      case "stance.delete":
        return !this.stances.has(op.key) && this.idOf(op.key) === null;
      case "claimrecord.put":
        return sameValue(this.records.get(op.key) ?? null, op.record === null ? null : recordOf(op.record));
      case "doclabels.set":
        return op.labels.length === this.documentLabels.length && op.labels.every((id) => this.documentLabels.includes(id));
      case "status":
        return this.status === op.status;
      default:
        return false;
    }
  }

  /**
   * After a reload, give a saved stance the key a waiting create uses for it (the create's
   * answer was lost): one stance per target and holder, so the pair identifies it.
   */
  adopt(op) {
    const found = this._sameStance(op);
    if (found === null || found.key === op.key) return found !== null;
    const id = this.ids.get(found.key);
    this.stances.delete(found.key);
    this.ids.delete(found.key);
    found.key = op.key;
    this.stances.set(op.key, found);
    this.ids.set(op.key, id);
    return true;
  }

  _sameStance(op) {
    for (const stance of this.stances.values()) {
      if (stance.target === op.target && stance.holder === op.holder) return stance;
    }
    return null;
  }

  _span(key) {
    const span = this.spans.get(key);
    if (!span) throw new Error(`span ${key} is gone`);
    return span;
  }

  _stance(key) {
    const stance = this.stances.get(key);
    if (!stance) throw new Error(`stance ${key} is gone`);
    return stance;
  }
}
