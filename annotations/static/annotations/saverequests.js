// The request each save-queue operation makes: its body, its ids, its Idempotency-Key.
//
// An operation refers to spans and stances by their local keys; they become server ids only
// here, as it is sent. The operation keeps its Idempotency-Key (`op.idempotency`, stored with it
// in localStorage): a retry of the same request sends the same key, so a write whose answer was
// lost applies once; when what is sent changes (a newer version after a reload), so does the
// key, since the server refuses a key reused for another body.

import { AnswerLost, ApiError, api, newIdempotencyKey } from "./api.js";
import { relationClientId } from "./relationstore.js";

/**
 * Send `op` with the store's current version; resolve to the answer's body (it always carries
 * the annotation's version). `keyChanged()` is told when the operation took a new key, so the
 * caller can store it.
 */
export async function sendOperation(store, op, keyChanged) {
  const id = store.id;
  const version = store.version;
  const ref = (key) => (key === null || key === undefined ? null : store.idOf(key));
  const required = (key) => {
    const found = store.idOf(key);
    // Its create was refused: a 404 makes the usual "gone" handling apply.
    if (found === null) throw new ApiError(404, { detail: "Not saved, so nothing to change." });
    return found;
  };
  const call = (method, ...args) => callOnce(op, keyChanged, method, ...args);
  switch (op.type) {
    case "span.create": {
      const body = { label: op.label, start: op.start, end: op.end, text: op.text, client_id: op.key, version };
      if (op.claimant) body.claimant = ref(op.claimant);
      if (op.claimant_text) body.claimant_text = op.claimant_text;
      if (op.checkworthy) body.checkworthy = op.checkworthy;
      // A span made again (undoing its delete) comes back with its attribute values.
      if (op.attributes && Object.keys(op.attributes).length) body.attributes = op.attributes;
      // An accepted suggestion (suggestions.js): the server records the decision.
      if (op.suggestion) body.suggestion = op.suggestion;
      return call(api.createSpan, id, body);
    }
    case "span.update":
      return call(api.updateSpan, id, required(op.key), changesBody(op, version, ref, ["claimant"]));
    case "span.delete":
      // Undoing an accepted suggestion (op.unaccept, its id): the server shows it again.
      return call(op.unaccept ? api.unacceptSpan : api.deleteSpan, id, required(op.key), version);
    case "stance.create":
      return call(api.createStance, id, {
        target: op.target,
        label: op.label,
        holder: ref(op.holder),
        evidence: ref(op.evidence),
        ...(op.attributes && Object.keys(op.attributes).length ? { attributes: op.attributes } : {}),
        version,
      });
    case "stance.update":
      return call(api.updateStance, id, required(op.key), changesBody(op, version, ref, ["holder", "evidence"]));
    case "stance.delete":
      return call(api.deleteStance, id, required(op.key), version);
    case "claimrecord.put":
      // null: the record goes (an undo of its first save).
      if (op.record === null) return call(api.deleteClaimRecord, required(op.key), version);
      return call(api.putClaimRecord, required(op.key), { ...op.record, version });
    case "doclabels.set":
      return call(api.setDocumentLabels, id, { labels: op.labels, version });
    case "relation.create": {
      const body = { label: op.label, source: required(op.source), target: required(op.target), version };
      // A relation made elsewhere without a client_id and brought back by undo gets none.
      const clientId = relationClientId(op.key);
      if (clientId) body.client_id = clientId;
      // A relation made again (undoing its delete) comes back with its attribute values.
      if (op.attributes && Object.keys(op.attributes).length) body.attributes = op.attributes;
      return call(api.createRelation, id, body);
    }
    case "relation.update":
      return call(api.updateRelation, id, required(op.key), changesBody(op, version, ref, []));
    case "relation.delete":
      return call(api.deleteRelation, id, required(op.key), version);
    case "status":
      return call(api.setStatus, id, op.status, version);
    default:
      throw new Error(`unknown operation ${op.type}`);
  }
}

/** An update's body: its changes, with the fields that name a span sent as ids. */
function changesBody(op, version, ref, references) {
  const body = { version };
  for (const [field, value] of Object.entries(op.changes)) {
    body[field] = references.includes(field) ? ref(value) : value;
  }
  return body;
}

/** Call `method(...args)` under the operation's Idempotency-Key: the same key while the same
 * request is retried, a fresh one as soon as what is sent differs. */
async function callOnce(op, keyChanged, method, ...args) {
  const sent = JSON.stringify(args);
  if (!op.idempotency || op.idempotency.sent !== sent) {
    op.idempotency = { key: newIdempotencyKey(), sent };
    keyChanged();
  }
  const { status, data } = await method(...args, { idempotencyKey: op.idempotency.key });
  // Every write answers the annotation's version: without it, what happened is not known.
  if (!data || typeof data.version !== "number") throw new AnswerLost(status, "no version in it");
  return data;
}
