// Claims on the annotate page: the selected claim's check-worthiness and its claimant (an
// entity highlight, picked with a click, or a free-text source not in the text). Mixed into
// the Annotator (annotator.js), so `this` is the Annotator. What a claim may carry, and what
// may be its claimant, is rules.js'.

import { codePointLength } from "./offsets.js";
import {
  CLAIMANT_TEXT_LIMIT,
  carriesClaimFields,
  claimantTextFits,
  isCheckworthy,
  mayBeClaimant,
} from "./rules.js";

export const CLAIMANT_NOT_ENTITY = "The claimant must be an entity.";
export const CLAIMANT_TEXT_TOO_LONG = "That source has {length} characters; the limit is {limit}.";

function format(template, values) {
  return template.replace(/\{(\w+)\}/g, (_, name) => String(values[name]));
}

export class ClaimEditing {
  /** The selected span if it may carry claim fields, or null. */
  selectedClaim() {
    const span = this.selected && this.store.spans.get(this.selected);
    return span && carriesClaimFields(this.labels.get(span.label)?.kind) ? span : null;
  }

  setCheckworthy(value) {
    if (!this.guard()) return;
    const claim = this.selectedClaim();
    if (!claim || !isCheckworthy(value)) return;
    const next = claim.checkworthy === value ? "" : value;
    this.change([{ type: "span.update", key: claim.key, changes: { checkworthy: next } }]);
  }

  setClaimant(key) {
    if (!this.guard()) return;
    const claim = this.selectedClaim();
    if (!claim) return;
    if (key && !mayBeClaimant(this.labels.get(this.store.spans.get(key)?.label)?.kind)) {
      this.say(CLAIMANT_NOT_ENTITY);
      return;
    }
    if (claim.claimant === key && !(key && claim.claimant_text)) return;
    const changes = { claimant: key };
    if (key && claim.claimant_text) changes.claimant_text = "";
    this.change([{ type: "span.update", key: claim.key, changes }]);
  }

  setClaimantText(value) {
    if (!this.guard()) return;
    const claim = this.selectedClaim();
    const text = value.trim();
    if (!claim || claim.claimant_text === text) return;
    if (!claimantTextFits(text)) {
      const length = codePointLength(text);
      this.say(format(CLAIMANT_TEXT_TOO_LONG, { length, limit: CLAIMANT_TEXT_LIMIT }));
      return;
    }
    const changes = { claimant_text: text };
    if (text && claim.claimant) changes.claimant = null;
    this.change([{ type: "span.update", key: claim.key, changes }]);
  }

  pickClaimant() {
    if (!this.guard() || !this.selectedClaim()) return;
    this.picking = this.picking?.kind === "claimant" ? null : { kind: "claimant" };
    this.renderPanels();
  }
}
