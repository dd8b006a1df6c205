// When two annotators' spans or stances are the same item: the one place in JS (mirrors
// annotations/items.py; tests/browser/test_items_js.py holds the two equal).
//
// An item is a place and attributes:
// - a span: place (label, start, end); attributes claimant (the claimant span's offsets
//   [start, end], or its free text, or null), checkworthy ("" when not given) and attributes
//   (the label's attribute values: [name, value] pairs sorted by name, none empty);
// - a stance: place (target, holder), the holder being the holder span's offsets or null (the
//   document's author); attributes label (the stance value), evidence (offsets or null) and
//   attributes;
// - a relation: place (label, source, target), each end being its span's place
//   [label, start, end]; no attributes, so its place is the whole item (another label or
//   another end is another relation).
// Two items are the same item when place and attributes are all equal; items at the same
// place with different attributes are an attribute disagreement, what a reviewer must see.
// Referenced spans (claimant, holder, evidence) are matched by offsets, never by id: ids
// differ per annotator. Labels and targets are whatever the caller names them by (ids on the
// review page), as long as it is consistent. Items are frozen plain objects; itemKey() gives
// the string to use as a Map or Set key (equal keys <=> the same item).

export const SPAN_ATTRIBUTES = Object.freeze(["claimant", "checkworthy", "attributes"]);
export const STANCE_ATTRIBUTES = Object.freeze(["label", "evidence", "attributes"]);
export const RELATION_ATTRIBUTES = Object.freeze([]);

/** The attributes an item of `kind` is compared on besides its place. */
export function attributesOf(kind) {
  if (kind === "span") return SPAN_ATTRIBUTES;
  return kind === "relation" ? RELATION_ATTRIBUTES : STANCE_ATTRIBUTES;
}

export const DIFFERENT_PLACES = "Only items at the same place have attribute differences.";
export const CLAIMANT_TWICE = "Give the claimant as offsets or as free text, not both.";

function offsets(range) {
  return range === null || range === undefined ? null : Object.freeze([range[0], range[1]]);
}

/** A label's attribute values as items hold them: [name, value] pairs sorted by name. */
export function valuesOf(attributes) {
  const pairs = [];
  for (const name of Object.keys(attributes || {}).sort()) {
    const value = attributes[name];
    if (value === null || value === undefined || value === "" || (Array.isArray(value) && !value.length)) continue;
    pairs.push(Object.freeze([name, Array.isArray(value) ? Object.freeze([...value]) : value]));
  }
  return Object.freeze(pairs);
}

/**
 * The item a span is. `claimant` is the claimant span's offsets [start, end] (or null),
 * `claimant_text` a free-text source; an empty text is no claimant, an empty checkworthy is
 * not given.
 */
export function spanItem({ label, start, end, claimant = null, claimant_text = "", checkworthy = "", attributes = null }) {
  if (claimant !== null && claimant !== undefined && claimant_text) throw new Error(CLAIMANT_TWICE);
  return Object.freeze({
    kind: "span",
    place: Object.freeze({ label, start, end }),
    claimant: offsets(claimant) ?? (claimant_text || null),
    checkworthy: checkworthy || "",
    attributes: valuesOf(attributes),
  });
}

/** The item a stance is: target and holder's offsets (its place), value, evidence's offsets. */
export function stanceItem({ target, label, holder = null, evidence = null, attributes = null }) {
  return Object.freeze({
    kind: "stance",
    place: Object.freeze({ target, holder: offsets(holder) }),
    label,
    evidence: offsets(evidence),
    attributes: valuesOf(attributes),
  });
}

/** The item a relation is: its label and its ends' places [label, start, end] (or null). */
export function relationItem({ label, source, target }) {
  const end = (place) => (place ? Object.freeze([place[0], place[1], place[2]]) : null);
  return Object.freeze({
    kind: "relation",
    place: Object.freeze({ label, source: end(source), target: end(target) }),
  });
}

/** A string naming the item's place: equal for items at the same place. */
export function placeKey(item) {
  const { place } = item;
  let parts;
  if (item.kind === "span") parts = [place.label, place.start, place.end];
  else if (item.kind === "relation") parts = [place.label, place.source, place.target];
  else parts = [place.target, place.holder];
  return JSON.stringify([item.kind, ...parts]);
}

/** A string naming the item: equal exactly when the items are the same item. */
export function itemKey(item) {
  const names = attributesOf(item.kind);
  return JSON.stringify([placeKey(item), ...names.map((name) => item[name])]);
}

/** Whether two annotators' items are the same item: same place, same attributes. */
export function sameItem(a, b) {
  return itemKey(a) === itemKey(b);
}

/** Whether two items sit at the same place (same kind, place equal). */
export function samePlace(a, b) {
  return placeKey(a) === placeKey(b);
}

/** What gold voting counts: the item without a span's check-worthiness and attribute values
 * (each voted separately). */
export function voteKey(item) {
  const without = { ...item, attributes: Object.freeze([]) };
  if (item.kind === "span") without.checkworthy = "";
  return Object.freeze(without);
}

/** The attributes in which two items at the same place differ; throws for different places. */
export function attributeDifferences(a, b) {
  if (!samePlace(a, b)) throw new Error(DIFFERENT_PLACES);
  const names = attributesOf(a.kind);
  return names.filter((name) => JSON.stringify(a[name]) !== JSON.stringify(b[name]));
}
