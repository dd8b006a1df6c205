// Putting waiting changes back on top of the server's state after the annotation changed
// elsewhere (a 409), or after an answer was lost: what each waiting operation becomes.
//
// Pure: `state` is anything with `spans` and `stances` Maps of the store's plain objects (the
// server's state with the operations judged so far applied); `context` holds `labels` and
// `targets` (Maps by id), `allowOverlap` (the project's policy) and `newKey()` (a fresh
// client_id). Nothing here touches the DOM, the network or the store. The verdicts:
// - APPLY: nothing elsewhere stands in its way (a new span that overlaps nothing, a delete of
//   a span that still exists, a relabel of a span unchanged elsewhere): it is sent as it is.
// - SAME: the state already holds what it makes (a stance made with the same value elsewhere,
//   a span with the same label and offsets made elsewhere, or its own create whose answer was
//   lost): nothing to send; `adopt` says to take its key (a stance), `rename` ({from, to})
//   gives the operations after it the key of the span already there.
// - CONFLICT: a change made elsewhere and this one cannot both stand. `message` says which
//   change and why; `mine` are the operations that keep it (over theirs), `theirs` the ones
//   that keep the other (none: this change is dropped); `rename` ({from, to}), when keeping
//   mine gives the span or stance another key, applies to the operations after it.
// - STALE: it depended on something removed elsewhere that nothing can bring back (a claimant
//   or holder span deleted): dropped, `message` says which.
// The caller has already set aside operations the state shows (Store.shows).

import { firstClash, firstIdentical } from "./rules.js";
import { isClientId, sameValue } from "./store.js";

export const APPLY = "apply";
export const SAME = "same";
export const CONFLICT = "conflict";
export const STALE = "stale";

const REFERENCES = ["claimant", "holder", "evidence"];

/** What `op` becomes on top of `state` (see the verdicts above). */
export function judge(state, op, context) {
  if (op.type === "relation.create") return judgeRelationCreate(state, op, context);
  // A claim record (claimrecord.js) goes on its claim while the claim is there.
  if (op.type === "claimrecord.put") {
    return state.spans.has(op.key) ? { verdict: APPLY } : stale("Your claim record: its claim was deleted elsewhere.");
  }
  if (op.type === "relation.update") return judgeRelationUpdate(state, op, context);
  const missing = missingReference(state, op);
  if (missing) return stale(`${describe(state, op, context)}: ${missing} was deleted elsewhere.`);
  switch (op.type) {
    case "span.create":
      return judgeSpanCreate(state, op, context);
    case "span.update":
      return judgeUpdate(state, state.spans, op, context);
    case "stance.create":
      return judgeStanceCreate(state, op, context);
    case "stance.update":
      return judgeUpdate(state, state.stances, op, context);
    default:
      // Deletes of what still exists, and status changes, apply as they are.
      return { verdict: APPLY };
  }
}

/** The operations with every reference to key `from` made to `to` (a key renamed). */
export function renameKey(ops, from, to) {
  const swap = (value) => (value === from ? to : value);
  return ops.map((op) => {
    const renamed = { ...op };
    for (const field of ["key", ...REFERENCES]) if (field in op) renamed[field] = swap(op[field]);
    if (op.type === "relation.create") {
      renamed.source = swap(op.source);
      renamed.target = swap(op.target);
    }
    if (op.changes) {
      renamed.changes = { ...op.changes };
      for (const field of REFERENCES) {
        if (field in op.changes) renamed.changes[field] = swap(op.changes[field]);
      }
    }
    return renamed;
  });
}

/** The operations with keys the reload renamed (a stance saved as "stance-new-…" comes back
 * as "stance-<id>") set to the keys that now name the same server ids (`oldIds`, `newIds`:
 * Maps of key to server id, before and after the reload). */
export function followKeys(ops, oldIds, newIds) {
  const kind = (key) => (key.startsWith("stance-") ? "stance" : key.startsWith("relation-") ? "relation" : "span");
  const named = (key, id) => `${kind(key)}:${id}`;
  const keyOf = new Map([...newIds].map(([key, id]) => [named(key, id), key]));
  let followed = ops;
  for (const [key, id] of oldIds) {
    const now = keyOf.get(named(key, id));
    if (now !== undefined && now !== key) followed = renameKey(followed, key, now);
  }
  return followed;
}

/** A relation whose span went elsewhere is stale; the same relation made elsewhere is SAME. */
function judgeRelationCreate(state, op, context) {
  const name = labelName(op.label, context);
  for (const end of ["source", "target"]) {
    if (!state.spans.has(op[end])) return stale(`Your relation ${name}: its ${end} span was deleted elsewhere.`);
  }
  const same = [...(state.relations?.values() || [])].find(
    (r) => r.label === op.label && r.source === op.source && r.target === op.target,
  );
  return same ? { verdict: SAME, rename: { from: op.key, to: same.key } } : { verdict: APPLY };
}

/** A relation's values changed: stale when it was deleted elsewhere, else as any update. */
function judgeRelationUpdate(state, op, context) {
  if (!state.relations?.has(op.key)) {
    return stale(`Your change to relation ${labelName(op.base?.label, context)}: it was deleted elsewhere.`);
  }
  return judgeUpdate(state, state.relations, op, context);
}

function judgeSpanCreate(state, op, context) {
  const kindOf = (span) => context.labels.get(span.label)?.kind;
  const others = [...state.spans.values()].map((span) => ({ ...span, kind: kindOf(span) }));
  // The same item made elsewhere: the server would refuse a second copy, under either rule.
  const same = firstIdentical(op, others);
  if (same) return { verdict: SAME, rename: { from: op.key, to: same.key } };
  const clash = firstClash({ ...op, kind: kindOf(op) }, others, context);
  if (!clash) return { verdict: APPLY };
  return {
    verdict: CONFLICT,
    message:
      `Your span “${op.text}” (${labelName(op.label, context)}) overlaps ` +
      `“${clash.text}” (${labelName(clash.label, context)}) added elsewhere.`,
    mine: [{ type: "span.delete", key: clash.key }, op],
    theirs: [],
  };
}

function judgeStanceCreate(state, op, context) {
  const other = [...state.stances.values()].find(
    (stance) => stance.target === op.target && stance.holder === op.holder,
  );
  if (!other) return { verdict: APPLY };
  if (other.label === op.label && other.evidence === op.evidence) return { verdict: SAME, adopt: true };
  return {
    verdict: CONFLICT,
    message:
      `Your stance ${labelName(op.label, context)} on “${targetName(op.target, context)}”` +
      `${heldBy(state, op)} differs from ${labelName(other.label, context)} set elsewhere.`,
    mine: [{ type: "stance.update", key: other.key, changes: { label: op.label, evidence: op.evidence } }],
    theirs: [],
    rename: { from: op.key, to: other.key },
  };
}

/** A span or stance update: a conflict when it is gone, or a field it changes changed too. */
function judgeUpdate(state, items, op, context) {
  const current = items.get(op.key);
  const what = describe(state, { ...op, ...(op.base || {}), type: op.type }, context);
  if (!current) return judgeUpdateOfDeleted(state, op, context, what);
  const base = op.base || current;
  const clashing = Object.keys(op.changes).filter(
    (field) => !sameValue(current[field], base[field]) && !sameValue(current[field], op.changes[field]),
  );
  if (!clashing.length) return { verdict: APPLY };
  const field = clashing[0];
  const value = (v) => (field === "label" ? labelName(v, context) : JSON.stringify(v ?? ""));
  return {
    verdict: CONFLICT,
    message:
      `${what}: you set ${field} to ${value(op.changes[field])}, ` +
      `but it was changed elsewhere to ${value(current[field])}.`,
    mine: [op],
    theirs: [],
  };
}

/** Keeping an update of something deleted elsewhere makes it again, with the change. */
function judgeUpdateOfDeleted(state, op, context, what) {
  const gone = `${what}: it was deleted elsewhere.`;
  if (!op.base) return stale(gone);
  const made = { ...op.base, ...op.changes };
  if (missingReference(state, made)) return stale(gone);
  if (op.type === "stance.update") {
    return { verdict: CONFLICT, message: gone, mine: [{ ...made, type: "stance.create" }], theirs: [] };
  }
  // A span made again needs a client_id: a new one when its key was not one.
  const key = isClientId(op.key) ? op.key : context.newKey();
  return {
    verdict: CONFLICT,
    message: gone,
    mine: [{ ...made, type: "span.create", key }],
    theirs: [],
    rename: key === op.key ? null : { from: op.key, to: key },
  };
}

/** The name of a reference of `op` to a span the state no longer has, or null. */
function missingReference(state, op) {
  const refs = { ...op, ...(op.changes || {}) };
  for (const field of REFERENCES) {
    const key = refs[field];
    if (key && !state.spans.has(key)) return `its ${field === "claimant" ? "claimant" : field} span`;
  }
  return null;
}

/** "Your span “Bamako” (LOC)", "Your stance FAVOR on “the talks”": the change, for a person. */
function describe(state, op, context) {
  if (op.type.startsWith("relation")) return `Your change to relation ${labelName(op.label, context)}`;
  if (op.type.startsWith("span")) {
    const verb = op.type === "span.create" ? "span" : "change to";
    return `Your ${verb} “${op.text}” (${labelName(op.label, context)})`;
  }
  const holder = state ? heldBy(state, op) : "";
  return `Your stance ${labelName(op.label, context)} on “${targetName(op.target, context)}”${holder}`;
}

function heldBy(state, op) {
  const holder = op.holder && state.spans.get(op.holder);
  return holder ? ` held by “${holder.text}”` : "";
}

function labelName(id, context) {
  return context.labels.get(id)?.name ?? "?";
}

function targetName(id, context) {
  return context.targets.get(id)?.name ?? "?";
}

function stale(message) {
  return { verdict: STALE, message };
}
