// Stances on the annotate page: a target's rows (its stances, then drafts not yet given a
// value), the active row, and setting a row's value, holder and evidence. A draft lives only
// here until it gets a value; then it becomes a stance.create. Mixed into the Annotator
// (annotator.js), so `this` is the Annotator. What may hold a stance or be its evidence, and
// one stance per target and holder, are rules.js'.

import { StanceSlots, mayBeEvidence, mayHoldStance } from "./rules.js";
import { newUuid } from "./store.js";

export const NO_EVIDENCE_LABEL = "No entity or claim label to mark the evidence with.";
export const EVIDENCE_WHICH_LABEL = "Which label marks the evidence? Press its key or click it (Esc: cancel).";
export const HOLDER_NOT_ENTITY = "The holder must be an entity.";
export const STANCE_TAKEN = "This target already has a stance by that holder; change that one instead.";
export const HOLDER_TAKEN = "This target already has a stance by that holder.";

export class StanceEditing {
  /** A target's rows: its stances, then drafts; always at least one. */
  rowsOf(targetId) {
    const rows = this.store.stancesOf(targetId).map((stance) => ({ ...stance }));
    let drafts = this.drafts.get(targetId) || [];
    drafts = drafts.filter((draft) => !this.store.stances.has(draft.key));
    for (const draft of drafts) {
      if (draft.holder && !this.store.spans.has(draft.holder)) draft.holder = null;
      if (draft.evidence && !this.store.spans.has(draft.evidence)) draft.evidence = null;
    }
    if (!rows.length && !drafts.length) drafts = [this.newDraft()];
    this.drafts.set(targetId, drafts);
    return rows.concat(drafts.map((draft) => ({ ...draft, label: null, target: targetId })));
  }

  newDraft(holder = null, evidence = null) {
    return { key: `stance-new-${newUuid()}`, holder, evidence };
  }

  addDraft(targetId) {
    const draft = this.newDraft();
    this.drafts.set(targetId, (this.drafts.get(targetId) || []).concat(draft));
    this.active = { target: targetId, row: draft.key };
    this.renderPanels();
  }

  activeRow() {
    if (!this.active) return null;
    const stance = this.store.stances.get(this.active.row);
    if (stance) return stance;
    return (this.drafts.get(this.active.target) || []).find((d) => d.key === this.active.row) || null;
  }

  activate(targetId, rowKey, redraw = true) {
    this.active = { target: targetId, row: rowKey };
    // The evidence picker belongs to its row: another row active, it closes.
    if (this.evidencePick && this.evidencePick.row !== rowKey) {
      this.evidencePick = null;
      redraw = true;
    }
    if (redraw) {
      this.redecorate();
      return;
    }
    // Focus moved into a row: mark it without rebuilding what is being clicked.
    for (const row of this.stanceContainer.querySelectorAll(".stance-row")) {
      row.classList.toggle("active", row.dataset.rowKey === rowKey);
    }
    for (const block of this.stanceContainer.querySelectorAll(".target")) {
      const on = Number(block.dataset.targetId) === targetId;
      block.classList.toggle("active", on);
      block.querySelector(".target-name")?.setAttribute("aria-pressed", String(on));
    }
  }

  activateTarget(number) {
    const target = this.targets[number - 1];
    if (!target) return;
    const rows = this.rowsOf(target.id);
    this.activate(target.id, rows[0].key);
    document.getElementById(`target-${target.id}`)?.scrollIntoView({ block: "nearest" });
  }

  setStanceValue(targetId, rowKey, labelId) {
    if (!this.guard()) return;
    const stance = this.store.stances.get(rowKey);
    if (stance) {
      if (labelId === null) {
        const draft = { key: rowKey, holder: stance.holder, evidence: stance.evidence };
        this.drafts.set(targetId, (this.drafts.get(targetId) || []).concat(draft));
        this.change([{ type: "stance.delete", key: rowKey }]);
      } else if (stance.label !== labelId) {
        const changes = { label: labelId };
        // The server keeps only the values the new label accepts (attributes.js mirrors it).
        const kept = this.attributesAfterRelabel(stance, this.labels.get(labelId));
        if (kept) changes.attributes = kept;
        this.change([{ type: "stance.update", key: rowKey, changes }]);
      }
      return;
    }
    if (labelId === null) return;
    const draft = (this.drafts.get(targetId) || []).find((d) => d.key === rowKey);
    const holder = draft ? draft.holder : null;
    if (this.stanceSlots(targetId, null).takenBy(targetId, holder)) {
      this.say(STANCE_TAKEN);
      return;
    }
    this.change([
      {
        type: "stance.create",
        key: rowKey,
        target: targetId,
        label: labelId,
        holder,
        evidence: draft ? draft.evidence : null,
      },
    ]);
  }

  setStanceRef(targetId, rowKey, field, key) {
    if (!this.guard()) return;
    const stance = this.store.stances.get(rowKey);
    const kind = key ? this.labels.get(this.store.spans.get(key)?.label)?.kind : null;
    if (field === "holder" && key && !mayHoldStance(kind)) {
      this.say(HOLDER_NOT_ENTITY);
      return;
    }
    if (field === "holder") {
      if (this.stanceSlots(targetId, rowKey).takenBy(targetId, key)) {
        this.say(HOLDER_TAKEN);
        this.renderPanels();
        return;
      }
    }
    if (stance) {
      if (stance[field] !== key) this.change([{ type: "stance.update", key: rowKey, changes: { [field]: key } }]);
      return;
    }
    const draft = (this.drafts.get(targetId) || []).find((d) => d.key === rowKey);
    if (draft) {
      draft[field] = key;
      this.redecorate();
    }
  }

  /** The (target, holder) slots the target's stances take, leaving out `exceptKey`'s. */
  stanceSlots(targetId, exceptKey) {
    const slots = new StanceSlots();
    for (const stance of this.store.stancesOf(targetId)) {
      if (stance.key !== exceptKey) slots.take(targetId, stance.holder, stance);
    }
    return slots;
  }

  pickHolder() {
    if (!this.guard() || !this.active) return;
    this.picking = this.picking?.kind === "holder" ? null : { kind: "holder", row: this.active.row };
    this.renderPanels();
  }

  /** The labels a span made to be evidence may take (any kind rules.js allows as evidence). */
  evidenceLabels() {
    return this.spanLabels.filter((label) => mayBeEvidence(label.kind));
  }

  /**
   * Evidence for the active stance: the selected span, or the selected text. Text that is not
   * yet a span becomes one with the label the annotator picks (the row's picker, or a label's
   * key): evidence may be a span of any kind, so which one is theirs to say, never guessed.
   */
  useEvidence() {
    if (!this.guard() || !this.active) return;
    const { target, row } = this.active;
    const range = this.selectedRange();
    if (range) {
      const same = [...this.store.spans.values()].find((s) => s.start === range.start && s.end === range.end);
      if (same) {
        window.getSelection().removeAllRanges();
        this.setStanceRef(target, row, "evidence", same.key);
        return;
      }
      if (!this.evidenceLabels().length) {
        this.say(NO_EVIDENCE_LABEL);
        return;
      }
      this.evidencePick = { target, row, range, text: this.index.slice(range.start, range.end) };
      this.say(EVIDENCE_WHICH_LABEL);
      this.renderPanels();
      return;
    }
    if (this.selected) {
      this.setStanceRef(target, row, "evidence", this.selected);
      return;
    }
    this.say("Select the evidence in the text first (or select a highlight), then press e.");
  }

  /** Mark the text waiting in the evidence picker with `labelId`; it becomes the row's evidence. */
  evidenceAs(labelId) {
    const pick = this.evidencePick;
    this.evidencePick = null;
    const label = this.labels.get(labelId);
    const create = pick && label && this.guard() ? this.spanCreateOp(pick.range, label) : null;
    if (!create) {
      this.renderPanels();
      return;
    }
    window.getSelection().removeAllRanges();
    const stance = this.store.stances.get(pick.row);
    if (stance) {
      this.change([create, { type: "stance.update", key: pick.row, changes: { evidence: create.key } }]);
    } else {
      const draft = (this.drafts.get(pick.target) || []).find((d) => d.key === pick.row);
      this.change([create]);
      if (draft) draft.evidence = create.key;
      this.redecorate();
    }
  }

  /** Close the evidence picker: nothing is marked. */
  cancelEvidence() {
    this.evidencePick = null;
    this.renderPanels();
  }
}
