// Span and stance rules: the one place in JS (mirrors annotations/rules.py;
// tests/browser/test_rules_js.py holds the two equal, case for case).
//
// The page checks these before it sends a change, so the user gets a message at once; the
// server checks them again and is the judge. Pure: plain strings, numbers and objects, no DOM.
// Names are rules.py's in camelCase; keyword arguments are an options object.
//
// The rules:
// - Label kinds: spans take entity or claim labels; stances take stance labels.
// - Overlap: two spans of the same kind may not share a code point unless the project allows
//   overlap; spans of different kinds always may (a claim and the entities inside it).
// - Identical: a span with the label and offsets of one already in the annotation is refused,
//   whatever the overlap rule.
// - Claim-only fields: only claim spans carry claimant, claimant_text and checkworthy. A
//   claimant is a span or a free text, never both; claimant_text is at most
//   CLAIMANT_TEXT_LIMIT characters (code points, as Python counts them, not UTF-16 units);
//   checkworthy is yes, no, unsure, or "" (not given).
// - A claimant and a stance holder are entity spans; evidence may be a span of any kind.
// - One stance per (target, holder) in an annotation; a null holder is the document's author.
// - Sentence units: a sentence label goes on a span that is exactly one sentence (a unit), in
//   a project with sentence units only (units.js makes only such spans; the server checks).
// - A relation links two spans of a kind it may link, as its label's source_kind and
//   target_kind allow ("" any).
//
// Not mirrored, because no page needs them: rules.py's Layout, sweep_clashes and
// sweep_identical (choosing among candidates and checking a whole body, done on the server).

import { codePointLength, overlaps } from "./offsets.js";

// Label kinds, as the payload's labels carry them.
export const ENTITY = "entity";
export const CLAIM = "claim";
export const STANCE = "stance";
export const SENTENCE = "sentence";

export const SPAN_LABEL_KINDS = Object.freeze([ENTITY, CLAIM]);
export const STANCE_LABEL_KINDS = Object.freeze([STANCE]);
export const SENTENCE_LABEL_KINDS = Object.freeze([SENTENCE]);
export const CLAIMANT_KINDS = Object.freeze([ENTITY]);
export const HOLDER_KINDS = Object.freeze([ENTITY]);
export const EVIDENCE_KINDS = SPAN_LABEL_KINDS;
// The kinds of span a relation may start or end at (a relation label's source_kind or
// target_kind names one of them, or "" for any).
export const RELATION_ENDPOINT_KINDS = Object.freeze([ENTITY, CLAIM, "sentence"]);
export const RELATION_LABEL_KINDS = Object.freeze(["relation"]);

// The values of a span's checkworthy besides "" (not given).
export const CHECKWORTHY_VALUES = Object.freeze(["yes", "no", "unsure"]);
export const CLAIMANT_TEXT_LIMIT = 500;
export const CLAIM_ONLY_FIELDS = Object.freeze(["claimant", "claimant_text", "checkworthy"]);

/** Which rule a span or stance breaks (rules.py's Rule values); the caller words it. */
export const Rule = Object.freeze({
  SPAN_LABEL_KIND: "span_label_kind",
  STANCE_LABEL_KIND: "stance_label_kind",
  CLAIM_ONLY: "claim_only",
  CHECKWORTHY_VALUE: "checkworthy_value",
  CLAIMANT_TEXT_LENGTH: "claimant_text_length",
  ONE_CLAIMANT: "one_claimant",
  CLAIMANT_KIND: "claimant_kind",
  HOLDER_KIND: "holder_kind",
  OVERLAP: "overlap",
  IDENTICAL: "identical",
  ONE_STANCE_PER_TARGET_AND_HOLDER: "one_stance_per_target_and_holder",
  SENTENCE_UNITS_OFF: "sentence_units_off",
  WHOLE_SENTENCE: "whole_sentence",
  UNIT_UNKNOWN: "unit_unknown",
  UNIT_COVERS_SENTENCE: "unit_covers_sentence",
  UNIT_LABEL_KIND: "unit_label_kind",
  RELATION_LABEL_KIND: "relation_label_kind",
  RELATION_END_KIND: "relation_end_kind",
  RELATION_TO_ITSELF: "relation_to_itself",
  ONE_RELATION_PER_LABEL_AND_ENDS: "one_relation_per_label_and_ends",
});

// ---- Label kinds ---------------------------------------------------------------------------

/** Whether a span may have a label of this kind. */
export function takesSpanLabel(kind) {
  return SPAN_LABEL_KINDS.includes(kind);
}

/** Whether a label of this kind goes on a sentence unit's span (and on no other span). */
export function goesOnUnit(kind) {
  return SENTENCE_LABEL_KINDS.includes(kind);
}

/** Whether a span may have a label of this kind: one an annotator draws, or a unit's. */
export function goesOnSpan(kind) {
  return takesSpanLabel(kind) || goesOnUnit(kind);
}

/** Whether a stance's value may be a label of this kind. */
export function takesStanceLabel(kind) {
  return STANCE_LABEL_KINDS.includes(kind);
}

/** Whether a span of this kind may be a claim's claimant. */
export function mayBeClaimant(kind) {
  return CLAIMANT_KINDS.includes(kind);
}

/** Whether a span of this kind may hold a stance. */
export function mayHoldStance(kind) {
  return HOLDER_KINDS.includes(kind);
}

/** Whether a relation may have a label of this kind. */
export function takesRelationLabel(kind) {
  return RELATION_LABEL_KINDS.includes(kind);
}

/**
 * Whether a span of `kind` may be the end a relation label wants (`wanted`: the label's
 * source_kind or target_kind; "" means any kind a relation may link).
 */
export function relationEndFits(wanted, kind) {
  return RELATION_ENDPOINT_KINDS.includes(kind) && (wanted === "" || wanted === kind);
}

/** Whether a span of this kind may be a stance's evidence. */
export function mayBeEvidence(kind) {
  return EVIDENCE_KINDS.includes(kind);
}

// ---- Claim-only fields ---------------------------------------------------------------------

/** Whether a span of this kind may carry claimant, claimant_text and checkworthy. */
export function carriesClaimFields(kind) {
  return kind === CLAIM;
}

/** Whether `value` is a check-worthiness (not counting "", which means not given). */
export function isCheckworthy(value) {
  return CHECKWORTHY_VALUES.includes(value);
}

/** Whether a free-text claimant is short enough to store (counted in code points). */
export function claimantTextFits(text, limit = CLAIMANT_TEXT_LIMIT) {
  return codePointLength(text) <= limit;
}

/**
 * Check a span's label kind and claim fields on their own; `kind` null: no label yet.
 * Returns [{rule, field}], in rules.py's order.
 */
export function spanFieldsBroken({
  kind,
  hasClaimant,
  claimantText,
  checkworthy,
  claimantTextLimit = CLAIMANT_TEXT_LIMIT,
}) {
  const broken = [];
  const add = (rule, field) => broken.push(Object.freeze({ rule, field }));
  if (!claimantTextFits(claimantText, claimantTextLimit)) {
    add(Rule.CLAIMANT_TEXT_LENGTH, "claimant_text");
  }
  if (checkworthy !== "" && !isCheckworthy(checkworthy)) add(Rule.CHECKWORTHY_VALUE, "checkworthy");
  if (hasClaimant && claimantText) add(Rule.ONE_CLAIMANT, "claimant");
  if (kind === null || kind === undefined) return broken;
  if (!goesOnSpan(kind)) {
    add(Rule.SPAN_LABEL_KIND, "label");
  } else if (!carriesClaimFields(kind)) {
    const present = {
      claimant: hasClaimant,
      claimant_text: Boolean(claimantText),
      checkworthy: checkworthy !== "" && checkworthy !== null && checkworthy !== undefined,
    };
    for (const field of CLAIM_ONLY_FIELDS) if (present[field]) add(Rule.CLAIM_ONLY, field);
  }
  return broken;
}

// ---- Overlap -------------------------------------------------------------------------------
// A span, as the overlap policy sees it, is any object with kind, start and end.

/** Whether spans of these kinds may share code points in a project. */
export function mayOverlap(kind, otherKind, { allowOverlap }) {
  return Boolean(allowOverlap) || kind !== otherKind;
}

/** Whether two spans ({kind, start, end}) overlap where the project does not let them. */
export function clashes(span, other, { allowOverlap }) {
  return (
    !mayOverlap(span.kind, other.kind, { allowOverlap }) &&
    overlaps(span.start, span.end, other.start, other.end)
  );
}

/** The first of `others` that `span` may not overlap, or null. */
export function firstClash(span, others, { allowOverlap }) {
  for (const other of others) {
    if (clashes(span, other, { allowOverlap })) return other;
  }
  return null;
}

// ---- Identical spans ----------------------------------------------------------------------
// A span here is any object with label (an id or a name; null: not known), start and end.

/** Whether two spans are one item twice: the same label and the same offsets. */
export function identical(span, other) {
  return (
    span.label !== null &&
    span.label !== undefined &&
    span.label === other.label &&
    span.start === other.start &&
    span.end === other.end
  );
}

/** The first of `others` identical to `span`, or null. */
export function firstIdentical(span, others) {
  for (const other of others) {
    if (identical(span, other)) return other;
  }
  return null;
}

// ---- Stances -------------------------------------------------------------------------------

/**
 * One stance per (target, holder): the slots taken so far, and by what. A null holder is the
 * document's author, a holder like any other. Targets and holders are ids or keys (strings or
 * numbers; 1 and "1" are different, as in Python).
 */
export class StanceSlots {
  constructor() {
    this._taken = new Map();
  }

  static _slot(target, holder) {
    return JSON.stringify([target ?? null, holder ?? null]);
  }

  /** What holds the slot (target, holder), or null when it is free. */
  takenBy(target, holder) {
    return this._taken.get(StanceSlots._slot(target, holder)) ?? null;
  }

  /** Give the slot to `taker` unless taken; return the earlier taker, or null. */
  take(target, holder, taker) {
    const slot = StanceSlots._slot(target, holder);
    const earlier = this._taken.get(slot) ?? null;
    if (earlier === null) this._taken.set(slot, taker);
    return earlier;
  }
}
