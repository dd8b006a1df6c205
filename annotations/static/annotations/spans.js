// Spans on the annotate page: the text selection as a code-point range, creating a span
// from it with a label's key, relabelling, deleting, and selecting or stepping through the
// highlights. The span rules (rules.js: the overlap policy, what a claimant or a holder may
// be, the claim-only fields) are checked here before a change is sent, so the user gets the
// message at once; the server checks them again. Mixed into the Annotator (annotator.js), so
// `this` is the Annotator.

import { snapToWords } from "./offsets.js";
import { Rule, firstClash, firstIdentical, mayBeClaimant, mayHoldStance, spanFieldsBroken } from "./rules.js";
import { newUuid } from "./store.js";

export const OVERLAP = "That overlaps the {kind} “{text}”; this project does not allow {kind} spans to overlap.";
export const ALREADY = "That text is already labelled {label}.";
export const IN_USE = "This span is used by {uses}; unlink it first.";

function format(template, values) {
  return template.replace(/\{(\w+)\}/g, (_, name) => String(values[name]));
}

export class SpanEditing {

  /** The text selection as a code-point range (snapped to words unless turned off), or null. */
  selectedRange() {
    const utf16 = this.view.selectionRange();
    if (!utf16) return null;
    const snapped = this.snap.checked
      ? snapToWords(this.index.text, utf16.start, utf16.end)
      : utf16;
    if (!snapped) return null;
    try {
      return this.index.rangeToCodePoints(snapped.start, snapped.end);
    } catch (error) {
      this.say(`That selection cannot be used: ${error.message}`);
      return null;
    }
  }

  labelChosen(labelId) {
    if (!this.guard()) return;
    const label = this.labels.get(labelId);
    if (label?.kind === "relation") {
      this.startRelation(label);
      return;
    }
    const range = this.selectedRange();
    if (range) {
      const op = this.spanCreateOp(range, label);
      if (!op) return;
      window.getSelection().removeAllRanges();
      this.selected = op.key;
      this.change([op]);
      return;
    }
    if (this.selected) this.relabel(this.selected, label);
    else this.say("Select some text first, then press a label's key.");
  }

  /** The operation creating a span over `range`, or null (and a message) if it cannot be. */
  spanCreateOp(range, label) {
    const same = this.identicalTo(range, label, null);
    if (same) {
      this.selected = same.key;
      this.redecorate();
      this.say(format(ALREADY, { label: label.name }));
      return null;
    }
    const clash = this.overlapping(range, label.kind, null);
    if (clash) {
      this.say(format(OVERLAP, { kind: label.kind, text: clash.text }));
      return null;
    }
    return {
      type: "span.create",
      key: newUuid(),
      label: label.id,
      start: range.start,
      end: range.end,
      text: this.index.slice(range.start, range.end),
      claimant: null,
      claimant_text: "",
      checkworthy: "",
    };
  }

  /** The span (other than `exceptKey`) with `label` over exactly `range`, or null. */
  identicalTo(range, label, exceptKey) {
    const others = [...this.store.spans.values()].filter((span) => span.key !== exceptKey);
    return firstIdentical({ label: label.id, start: range.start, end: range.end }, others);
  }

  /** The span (other than `exceptKey`) that a `kind` span over `range` may not overlap, or null. */
  overlapping(range, kind, exceptKey) {
    const labels = this.labels;
    function* others(spans) {
      for (const span of spans) {
        const label = labels.get(span.label);
        if (span.key === exceptKey || !label) continue;
        yield { kind: label.kind, start: span.start, end: span.end, span };
      }
    }
    const placed = { kind, start: range.start, end: range.end };
    const clash = firstClash(placed, others(this.store.spans.values()), { allowOverlap: this.allowOverlap });
    return clash ? clash.span : null;
  }

  relabel(key, label) {
    const span = this.store.spans.get(key);
    if (!span || span.label === label.id) return;
    const oldKind = this.labels.get(span.label)?.kind;
    // A claimant or a holder must stay a kind that may be one (evidence may be any kind).
    const uses = this.describeUses(key, {
      claims: mayBeClaimant(oldKind) && !mayBeClaimant(label.kind),
      held: mayHoldStance(oldKind) && !mayHoldStance(label.kind),
      evidence: false,
    });
    if (uses) {
      this.say(format(IN_USE, { uses }));
      return;
    }
    if (this.identicalTo(span, label, key)) {
      this.say(format(ALREADY, { label: label.name }));
      return;
    }
    const clash = this.overlapping(span, label.kind, key);
    if (clash) {
      this.say(format(OVERLAP, { kind: label.kind, text: clash.text }));
      return;
    }
    const changes = { label: label.id };
    // Claim-only fields the new kind may not carry are cleared; the server refuses them.
    const broken = spanFieldsBroken({
      kind: label.kind,
      hasClaimant: Boolean(span.claimant),
      claimantText: span.claimant_text || "",
      checkworthy: span.checkworthy || "",
    });
    for (const { rule, field } of broken) {
      if (rule === Rule.CLAIM_ONLY) changes[field] = field === "claimant" ? null : "";
    }
    // The server keeps only the values the new label accepts (attributes.js mirrors it).
    const kept = this.attributesAfterRelabel(span, label);
    if (kept) changes.attributes = kept;
    this.change([{ type: "span.update", key, changes }]);
  }

  /** The uses of span `key` that `which` asks about (all by default), in words, or "". */
  describeUses(key, which = { claims: true, held: true, evidence: true }) {
    const { claims, held, evidence } = this.store.usesOf(key);
    const parts = [];
    const uses = (n, noun, as) => `${n} ${noun}${n > 1 ? "s" : ""} as ${as}`;
    if (which.claims && claims.length) parts.push(uses(claims.length, "claim", "claimant"));
    if (which.held && held.length) parts.push(uses(held.length, "stance", "holder"));
    if (which.evidence && evidence.length) parts.push(uses(evidence.length, "stance", "evidence"));
    return parts.join(" and ");
  }

  deleteSelected() {
    if (!this.guard()) return;
    const key = this.selected;
    if (!key && this.selectedRelation) {
      this.deleteRelation(this.selectedRelation);
      return;
    }
    if (!key || !this.store.spans.has(key)) {
      if (this.active && this.store.stances.has(this.active.row)) {
        this.setStanceValue(this.active.target, this.active.row, null);
      }
      return;
    }
    const uses = this.describeUses(key);
    if (uses) {
      this.say(format(IN_USE, { uses }));
      return;
    }
    const ordered = this.store.sortedSpans();
    const index = ordered.findIndex((span) => span.key === key);
    const next = ordered[index + 1] || ordered[index - 1];
    this.selected = next ? next.key : null;
    // Its relations go with it, in the same change: undo brings them back too.
    this.change([...this.relationDeletesFor(key), { type: "span.delete", key }]);
  }

  selectSpan(key) {
    if (this.isSuggestion(key)) {
      this.selectSuggestion(key);
      return;
    }
    this.selectedSuggestion = null;
    this.selected = key;
    this.selectedRelation = null;
    this.picking = null;
    this.redecorate();
    const first = this.view.piecesOf(key)[0];
    first?.scrollIntoView({ block: "nearest" });
  }

  stepSpan(direction) {
    // The annotator's spans and the suggestions (suggestions.js), in text order.
    const ordered = [...this.store.sortedSpans(), ...this.shownSuggestions()].sort(
      (a, b) => a.start - b.start || a.end - b.end,
    );
    if (!ordered.length) return;
    const current = this.selectedSuggestion || this.selected;
    const index = ordered.findIndex((span) => span.key === current);
    let next;
    if (index < 0) next = direction > 0 ? 0 : ordered.length - 1;
    else next = (index + direction + ordered.length) % ordered.length;
    this.selectSpan(ordered[next].key);
  }
}
