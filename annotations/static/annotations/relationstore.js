// Relations in the page's Store (store.js): directed, typed links from one span to another of
// the same annotation (docs/schema.md). Pure: plain objects and Maps, no DOM, no network.
//
// A relation is kept as {key, label, source, target, attributes}, `source` and `target`
// being span keys (store.js: a span's client_id, or "span-<id>"), resolved to server ids only
// when an operation is sent (saverequests.js). A relation's key is "relation-" and its client_id, or
// "relation-<id>" for one made elsewhere without one, so the key survives a reload like a
// span's, and is never taken for a span's (rebase.js' followKeys tells them apart by it). The
// operations are `relation.create` ({key, label, source, target, attributes?}),
// `relation.update` ({key, changes: {attributes}}: only its attribute values change in place;
// its label and ends are redrawn, delete and draw again) and `relation.delete` ({key}).
// The server deletes a span's relations with it; the page sends those deletes first itself
// (spans.js), so undo can bring them back.

export const RELATION_CREATE = "relation.create";
export const RELATION_UPDATE = "relation.update";
export const RELATION_DELETE = "relation.delete";

/** Whether `op` is one of the relation operations. */
export function isRelationOp(op) {
  return op.type === RELATION_CREATE || op.type === RELATION_UPDATE || op.type === RELATION_DELETE;
}

/** The store key of a relation read from the server. */
export function relationKey(relation) {
  return `relation-${relation.client_id ? String(relation.client_id) : relation.id}`;
}

/** A new relation's key, from a fresh client_id. */
export function newRelationKey(clientId) {
  return `relation-${clientId}`;
}

/** The client_id a relation's key carries, or null (one made elsewhere without one). */
export function relationClientId(key) {
  const rest = key.slice("relation-".length);
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(rest) ? rest : null;
}

/**
 * Fill `store.relations` from the annotation the server sent (`annotation.relations`, absent
 * from an answer that predates relations), given `keyOfSpan` (span id -> key).
 */
export function loadRelations(store, annotation, keyOfSpan) {
  store.relations = new Map();
  for (const relation of annotation.relations || []) {
    const source = keyOfSpan.get(relation.source);
    const target = keyOfSpan.get(relation.target);
    if (source === undefined || target === undefined) continue;
    const key = relationKey(relation);
    store.ids.set(key, relation.id);
    store.relations.set(key, { key, label: relation.label, source, target, attributes: relation.attributes || {} });
  }
}

/** Apply a relation operation to `store`; return the operation that undoes it. */
export function applyRelation(store, op) {
  if (op.type === RELATION_CREATE) {
    if (store.relations.has(op.key)) throw new Error(`relation ${op.key} exists`);
    for (const end of [op.source, op.target]) {
      if (!store.spans.has(end)) throw new Error(`span ${end} is gone`);
    }
    const attributes = { ...(op.attributes || {}) };
    store.relations.set(op.key, { key: op.key, label: op.label, source: op.source, target: op.target, attributes });
    return { type: RELATION_DELETE, key: op.key };
  }
  const relation = store.relations.get(op.key);
  if (!relation) throw new Error(`relation ${op.key} is gone`);
  if (op.type === RELATION_UPDATE) {
    const before = {};
    for (const field of Object.keys(op.changes)) before[field] = relation[field];
    op.base = { ...relation };
    Object.assign(relation, op.changes);
    return { type: RELATION_UPDATE, key: op.key, changes: before };
  }
  store.relations.delete(op.key);
  return { type: RELATION_CREATE, ...relation };
}

/** Whether the server state (`store`, freshly loaded) already shows the operation. */
export function showsRelation(store, op) {
  if (op.type === RELATION_DELETE) return !store.relations.has(op.key);
  if (op.type === RELATION_UPDATE) {
    const relation = store.relations.get(op.key);
    return Boolean(
      relation && Object.entries(op.changes).every(([f, v]) => JSON.stringify(relation[f] ?? {}) === JSON.stringify(v ?? {})),
    );
  }
  return sameRelation(store, op) !== null;
}

/** The relation of `store` with the label and ends of `wanted`, or null. */
export function sameRelation(store, wanted) {
  for (const relation of store.relations.values()) {
    if (relation.label === wanted.label && relation.source === wanted.source && relation.target === wanted.target) {
      return relation;
    }
  }
  return null;
}

/** The relations of `store` that start or end at span `spanKey`, oldest first. */
export function relationsOf(store, spanKey) {
  return [...store.relations.values()].filter((r) => r.source === spanKey || r.target === spanKey);
}

/** The rows the content print (undohistory.js) counts for the store's relations. */
export function relationPrintRows(store) {
  return [...store.relations.values()].map((r) => ["r", r.key, r.label, r.source, r.target].join("\u0001"));
}
