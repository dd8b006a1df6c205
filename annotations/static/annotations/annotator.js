// The annotate page: select text and press a label's key; every change saves at once.
//
// Reads the page's JSON payload (#annotator-data), keeps the annotation in a Store, draws it
// with a TextView and the side panels, and sends every change through the SaveQueue. All
// code-point arithmetic is in offsets.js. The review page (review.js) drives one Annotator
// over the gold, with the same keys; its options are described on the constructor.

import { api } from "./api.js";
import { OffsetIndex, firstOverlap, snapToWords, wordRanges } from "./offsets.js";
import { el, renderClaim, renderSelection, renderStances } from "./panels.js";
import { SaveQueue } from "./savequeue.js";
import { Store, isClientId, newUuid } from "./store.js";
import { TextView } from "./textview.js";

const STATUS_TEXT = {
  saving: "Saving…",
  saved: "Saved",
  failed: "Save failed — retrying",
  signedOut: "Signed out — log in again in another tab; retrying",
};
const MESSAGE_MS = 8000;

export const OVERLAP = "That overlaps the {kind} “{text}”; this project does not allow {kind} spans to overlap.";
export const ALREADY = "That text is already labelled {label}.";
export const IN_USE = "This span is used by {uses}; unlink it first.";
export const NOT_EDITABLE = "This annotation is read-only.";
export const NO_EVIDENCE_LABEL = "No entity or claim label to mark the evidence with.";
export const NOTHING_TO_UNDO = "Nothing to undo.";

function format(template, values) {
  return template.replace(/\{(\w+)\}/g, (_, name) => String(values[name]));
}

export class Annotator {
  /**
   * @param {HTMLElement} root  the page's root element
   * @param {object} payload  project, document, annotation, labels, targets
   * @param {object} options  for the review page: `view` (a TextView to share), `enabled`
   *   (false: keys, clicks and drawing the text are left to the page), `classesOf(key)`
   *   (extra classes for a span), `onRender()` and `onSaved()` (after a redraw, after the
   *   save queue empties)
   */
  constructor(root, payload, options = {}) {
    this.root = root;
    this.payload = payload;
    this.options = options;
    this.enabled = options.enabled ?? true;
    this.projectId = payload.project.id;
    this.allowOverlap = payload.project.allow_overlap;
    this.index = new OffsetIndex(payload.document.text);
    this.labels = new Map(payload.labels.map((label) => [label.id, label]));
    this.spanLabels = payload.labels.filter((label) => label.kind !== "stance");
    this.stanceLabels = payload.labels.filter((label) => label.kind === "stance");
    this.targets = payload.targets;
    this.store = new Store(payload.annotation);
    this.editable = this.store.status === "in_progress";
    this.selected = null; // key of the selected span
    this.active = null; // {target, row}: the active stance row
    this.picking = null; // {kind: "claimant"|"holder"}
    this.drafts = new Map(); // target id -> [{key, holder, evidence}]: rows without a stance
    this.undoStack = [];
    this.words = null;
    this.wordCursor = null;
    this.messageTimer = null;

    this.textRoot = document.getElementById("document-text");
    this.view = options.view || new TextView(this.textRoot, this.index);
    this.statusOutput = document.getElementById("save-status");
    this.message = document.getElementById("message");
    this.snap = document.getElementById("snap-toggle");
    this.undoButton = document.getElementById("undo-button");
    this.selectionView = {
      empty: document.getElementById("selection-empty"),
      details: document.getElementById("selection-details"),
      chip: document.getElementById("selection-label"),
      range: document.getElementById("selection-range"),
      quote: document.getElementById("selection-text"),
    };
    this.claimView = {
      panel: document.getElementById("claim-panel"),
      select: document.getElementById("claimant-select"),
      pick: document.getElementById("claimant-pick"),
      text: document.getElementById("claimant-text"),
      checkworthy: [...document.querySelectorAll("[data-checkworthy]")],
    };
    this.stanceContainer = document.getElementById("stance-targets");

    this.queue = new SaveQueue(this.store, {
      onState: (state, error) => this.showSaveState(state, error),
      onAck: (op, data) => this.acknowledged(op, data),
      onReload: (message) => this.reloaded(message),
    });
    this.replayStored();
    this.bind();
    this.render();
    this.root.classList.add("ready");
  }

  // ---- Startup ---------------------------------------------------------------------------

  /** Apply the changes an earlier visit left unsaved, then send them. */
  replayStored() {
    const stored = this.queue.takeStored();
    if (!stored.length) return;
    let replayed = 0;
    for (const op of stored) {
      // A submit or skip is not replayed: the page it was meant to leave is open again.
      if (op.type === "status" || this.store.shows(op)) continue;
      if (op.type === "stance.create" && this.store.adopt(op)) continue;
      try {
        this.store.apply(op);
      } catch {
        continue;
      }
      this.queue.push(op);
      replayed++;
    }
    if (replayed) this.say(`Restored ${replayed} unsaved change${replayed === 1 ? "" : "s"}; saving now.`);
  }

  bind() {
    document.addEventListener("keydown", (event) => {
      if (this.enabled) this.onKey(event);
    });
    this.textRoot.addEventListener("click", (event) => {
      if (this.enabled) this.onTextClick(event);
    });
    this.textRoot.addEventListener("mouseup", () => {
      this.wordCursor = null;
    });
    // Buttons that act on the text selection must not take it away when pressed.
    this.root.addEventListener("mousedown", (event) => {
      if (event.target.closest(".label-button, .keeps-selection")) event.preventDefault();
    });
    for (const button of document.querySelectorAll(".label-button")) {
      button.addEventListener("click", () => this.labelChosen(Number(button.dataset.labelId)));
    }
    this.undoButton.addEventListener("click", () => this.undo());
    document.getElementById("help-button").addEventListener("click", () => this.openHelp());
    document.getElementById("submit-button")?.addEventListener("click", () => this.finish("submitted"));
    document.getElementById("skip-button")?.addEventListener("click", () => this.finish("skipped"));
    document.getElementById("delete-button").addEventListener("click", () => this.deleteSelected());
    this.claimView.pick.addEventListener("click", () => this.pickClaimant());
    this.claimView.text.addEventListener("change", () => this.setClaimantText(this.claimView.text.value));
    this.claimView.text.addEventListener("keydown", (event) => {
      if (event.key === "Enter") this.setClaimantText(this.claimView.text.value);
    });
    for (const button of this.claimView.checkworthy) {
      button.addEventListener("click", () => this.setCheckworthy(button.dataset.checkworthy));
    }
    window.addEventListener("beforeunload", (event) => {
      if (!this.queue.idle) event.preventDefault();
    });
  }

  // ---- Drawing ---------------------------------------------------------------------------

  render() {
    const spans = this.store.sortedSpans().map((span) => {
      const label = this.labels.get(span.label);
      return {
        key: span.key,
        id: this.store.idOf(span.key),
        start: span.start,
        end: span.end,
        labelId: span.label,
        labelName: label ? label.name : "?",
        kind: label ? label.kind : "entity",
        pending: this.store.idOf(span.key) === null,
      };
    });
    if (this.enabled) this.view.render(spans, (key) => this.classesOf(key));
    this.renderPanels();
    this.options.onRender?.();
  }

  classesOf(key) {
    const names = [];
    const span = this.store.spans.get(key);
    const label = span && this.labels.get(span.label);
    if (label) names.push(`kind-${label.kind}`);
    if (key === this.selected) names.push("selected");
    if (this.linkedKeys().has(key)) names.push("linked");
    if (this.options.classesOf) names.push(...this.options.classesOf(key));
    return names;
  }

  /** Spans to point out: the selected claim's claimant, the active stance's holder/evidence. */
  linkedKeys() {
    const keys = new Set();
    const selected = this.selected && this.store.spans.get(this.selected);
    if (selected && selected.claimant) keys.add(selected.claimant);
    const row = this.activeRow();
    if (row) {
      if (row.holder) keys.add(row.holder);
      if (row.evidence) keys.add(row.evidence);
    }
    return keys;
  }

  renderPanels() {
    const span = this.selected ? this.store.spans.get(this.selected) : null;
    if (this.selected && !span) this.selected = null;
    const label = span ? this.labels.get(span.label) : null;
    renderSelection(this.selectionView, span, label);
    const claim = span && label && label.kind === "claim" ? span : null;
    renderClaim(this.claimView, {
      span: claim,
      entities: () => this.spansOfKind("entity"),
      labels: this.labels,
      picking: this.picking?.kind === "claimant",
      editable: this.editable,
      actions: { setClaimant: (key) => this.setClaimant(key) },
    });
    renderStances(this.stanceContainer, {
      targets: this.targets,
      stanceLabels: this.stanceLabels,
      labels: this.labels,
      editable: this.editable,
      active: this.active,
      picking: this.picking,
      rowsOf: (targetId) => this.rowsOf(targetId),
      entities: () => this.spansOfKind("entity"),
      spans: () => this.store.sortedSpans(),
      actions: {
        activate: (target, row, redraw = true) => this.activate(target, row, redraw),
        setStanceValue: (target, row, label) => this.setStanceValue(target, row, label),
        setHolder: (target, row, key) => this.setStanceRef(target, row, "holder", key),
        setEvidence: (target, row, key) => this.setStanceRef(target, row, "evidence", key),
        pickHolder: () => this.pickHolder(),
        useEvidence: () => this.useEvidence(),
        addDraft: (target) => this.addDraft(target),
      },
    });
    this.root.classList.toggle("picking", this.picking !== null);
    this.undoButton.disabled = !this.editable || this.undoStack.length === 0;
  }

  /** Redraw the selection marks only (cheaper than a full render). */
  redecorate() {
    if (this.enabled) {
      this.view.undecorate(["selected", "linked"]);
      if (this.selected) this.view.decorate(this.selected, ["selected"], true);
      for (const key of this.linkedKeys()) this.view.decorate(key, ["linked"], true);
    }
    this.renderPanels();
  }

  spansOfKind(kind) {
    return this.store.sortedSpans().filter((span) => this.labels.get(span.label)?.kind === kind);
  }

  // ---- Stance rows -----------------------------------------------------------------------

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
        this.change([{ type: "stance.update", key: rowKey, changes: { label: labelId } }]);
      }
      return;
    }
    if (labelId === null) return;
    const draft = (this.drafts.get(targetId) || []).find((d) => d.key === rowKey);
    const holder = draft ? draft.holder : null;
    if (this.store.stancesOf(targetId).some((other) => other.holder === holder)) {
      this.say("This target already has a stance by that holder; change that one instead.");
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
    if (field === "holder" && key && this.labels.get(this.store.spans.get(key)?.label)?.kind !== "entity") {
      this.say("The holder must be an entity.");
      return;
    }
    if (field === "holder") {
      const clash = this.store
        .stancesOf(targetId)
        .some((other) => other.key !== rowKey && other.holder === key);
      if (clash) {
        this.say("This target already has a stance by that holder.");
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

  pickHolder() {
    if (!this.guard() || !this.active) return;
    this.picking = this.picking?.kind === "holder" ? null : { kind: "holder", row: this.active.row };
    this.renderPanels();
  }

  /** Evidence for the active stance: the selected text (made a span if need be), or the selected span. */
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
      const label = this.spanLabels.find((l) => l.kind === "claim") || this.spanLabels[0];
      if (!label) {
        this.say(NO_EVIDENCE_LABEL);
        return;
      }
      const create = this.spanCreateOp(range, label);
      if (!create) return;
      window.getSelection().removeAllRanges();
      const stance = this.store.stances.get(row);
      if (stance) {
        this.change([create, { type: "stance.update", key: row, changes: { evidence: create.key } }]);
      } else {
        const draft = (this.drafts.get(target) || []).find((d) => d.key === row);
        this.change([create]);
        if (draft) draft.evidence = create.key;
        this.redecorate();
      }
      return;
    }
    if (this.selected) {
      this.setStanceRef(target, row, "evidence", this.selected);
      return;
    }
    this.say("Select the evidence in the text first (or select a highlight), then press e.");
  }

  // ---- Spans -----------------------------------------------------------------------------

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
    const same = [...this.store.spans.values()].find(
      (s) => s.start === range.start && s.end === range.end && s.label === label.id,
    );
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

  overlapping(range, kind, exceptKey) {
    if (this.allowOverlap) return null;
    const same = [...this.store.spans.values()].filter(
      (s) => s.key !== exceptKey && this.labels.get(s.label)?.kind === kind,
    );
    return firstOverlap(range.start, range.end, same);
  }

  relabel(key, label) {
    const span = this.store.spans.get(key);
    if (!span || span.label === label.id) return;
    const oldKind = this.labels.get(span.label)?.kind;
    if (oldKind === "entity" && label.kind !== "entity") {
      const uses = this.describeUses(key, false);
      if (uses) {
        this.say(format(IN_USE, { uses }));
        return;
      }
    }
    const clash = this.overlapping(span, label.kind, key);
    if (clash) {
      this.say(format(OVERLAP, { kind: label.kind, text: clash.text }));
      return;
    }
    const changes = { label: label.id };
    if (label.kind !== "claim") {
      // Only claims carry these; the server refuses them on any other kind.
      if (span.claimant) changes.claimant = null;
      if (span.claimant_text) changes.claimant_text = "";
      if (span.checkworthy) changes.checkworthy = "";
    }
    this.change([{ type: "span.update", key, changes }]);
  }

  describeUses(key, withEvidence = true) {
    const { claims, held, evidence } = this.store.usesOf(key);
    const parts = [];
    if (claims.length) parts.push(`${claims.length} claim${claims.length > 1 ? "s" : ""} as claimant`);
    if (held.length) parts.push(`${held.length} stance${held.length > 1 ? "s" : ""} as holder`);
    if (withEvidence && evidence.length) {
      parts.push(`${evidence.length} stance${evidence.length > 1 ? "s" : ""} as evidence`);
    }
    return parts.join(" and ");
  }

  deleteSelected() {
    if (!this.guard()) return;
    const key = this.selected;
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
    this.change([{ type: "span.delete", key }]);
  }

  selectSpan(key) {
    this.selected = key;
    this.picking = null;
    this.redecorate();
    const first = this.view.piecesOf(key)[0];
    first?.scrollIntoView({ block: "nearest" });
  }

  stepSpan(direction) {
    const ordered = this.store.sortedSpans();
    if (!ordered.length) return;
    const index = ordered.findIndex((span) => span.key === this.selected);
    let next;
    if (index < 0) next = direction > 0 ? 0 : ordered.length - 1;
    else next = (index + direction + ordered.length) % ordered.length;
    this.selectSpan(ordered[next].key);
  }

  // ---- Claims ----------------------------------------------------------------------------

  selectedClaim() {
    const span = this.selected && this.store.spans.get(this.selected);
    return span && this.labels.get(span.label)?.kind === "claim" ? span : null;
  }

  setCheckworthy(value) {
    if (!this.guard()) return;
    const claim = this.selectedClaim();
    if (!claim) return;
    const next = claim.checkworthy === value ? "" : value;
    this.change([{ type: "span.update", key: claim.key, changes: { checkworthy: next } }]);
  }

  setClaimant(key) {
    if (!this.guard()) return;
    const claim = this.selectedClaim();
    if (!claim) return;
    if (key && this.labels.get(this.store.spans.get(key)?.label)?.kind !== "entity") {
      this.say("The claimant must be an entity.");
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
    const changes = { claimant_text: text };
    if (text && claim.claimant) changes.claimant = null;
    this.change([{ type: "span.update", key: claim.key, changes }]);
  }

  pickClaimant() {
    if (!this.guard() || !this.selectedClaim()) return;
    this.picking = this.picking?.kind === "claimant" ? null : { kind: "claimant" };
    this.renderPanels();
  }

  // ---- Changes, undo and saving ----------------------------------------------------------

  guard() {
    if (this.editable) return true;
    this.say(NOT_EDITABLE);
    return false;
  }

  /** Apply operations at once, queue them for the server, and remember how to undo them. */
  change(ops) {
    const inverse = [];
    for (const op of ops) {
      try {
        inverse.unshift(this.store.apply(op));
      } catch (error) {
        this.say(`That change no longer applies: ${error.message}`);
        break;
      }
      this.queue.push(op);
    }
    if (inverse.length) this.undoStack.push(inverse);
    this.render();
  }

  undo() {
    if (!this.guard()) return;
    const inverse = this.undoStack.pop();
    if (!inverse) {
      this.say(NOTHING_TO_UNDO);
      return;
    }
    for (const original of inverse) {
      const op = { ...original };
      if (op.type === "span.create" && !isClientId(op.key)) {
        // A span made without a client_id comes back as a new span with one.
        const fresh = newUuid();
        this.renameKey(op.key, fresh);
        op.key = fresh;
      }
      try {
        this.store.apply(op);
      } catch (error) {
        this.say(`Cannot undo: ${error.message}`);
        continue;
      }
      this.queue.push(op);
      if (op.type === "span.create") this.selected = op.key;
    }
    this.say("Undone.");
    this.render();
  }

  renameKey(from, to) {
    const swap = (value) => (value === from ? to : value);
    for (const entry of this.undoStack) {
      for (const op of entry) {
        for (const field of ["key", "claimant", "holder", "evidence"]) {
          if (field in op) op[field] = swap(op[field]);
        }
        if (op.changes) {
          for (const field of ["claimant", "holder", "evidence"]) {
            if (field in op.changes) op.changes[field] = swap(op.changes[field]);
          }
        }
      }
    }
  }

  acknowledged(op, data) {
    if (op.type === "span.create" && data) this.view.setSpanId(op.key, data.id);
  }

  reloaded(message) {
    this.undoStack = [];
    this.setEditable(this.store.status === "in_progress");
    this.render();
    if (message) this.say(message, { sticky: true });
  }

  /** Allow or refuse changes, and show it on the controls (the server may have changed it). */
  setEditable(editable) {
    this.editable = editable;
    this.root.classList.toggle("read-only", !editable);
    const controls = this.root.querySelectorAll(
      ".label-button, #delete-button, #claimant-select, #claimant-pick, #claimant-text, [data-checkworthy]",
    );
    for (const control of controls) control.disabled = !editable;
  }

  showSaveState(state, error) {
    let name = state;
    if (state === "failed" && error && (error.status === 401 || error.csrf)) name = "signedOut";
    this.statusOutput.dataset.state = state;
    this.statusOutput.textContent = STATUS_TEXT[name];
    this.statusOutput.title = state === "failed" && error ? error.message : "";
    if (state === "saved") this.options.onSaved?.();
  }

  say(text, { sticky = false } = {}) {
    clearTimeout(this.messageTimer);
    const close = el("button", { type: "button", className: "link-button", text: "Dismiss" });
    close.addEventListener("click", () => {
      this.message.hidden = true;
    });
    this.message.replaceChildren(el("span", { text }), close);
    this.message.hidden = false;
    if (!sticky) {
      this.messageTimer = setTimeout(() => {
        this.message.hidden = true;
      }, MESSAGE_MS);
    }
  }

  /** Submit or skip once everything is saved, then open the next document. */
  async finish(status) {
    if (!this.guard()) return;
    const buttons = [document.getElementById("submit-button"), document.getElementById("skip-button")];
    for (const button of buttons) if (button) button.disabled = true;
    // No edits while the status change waits behind the rest of the queue.
    this.editable = false;
    this.store.apply({ type: "status", status });
    this.queue.push({ type: "status", status });
    await this.queue.drained();
    if (this.store.status !== status) {
      this.editable = this.store.status === "in_progress";
      for (const button of buttons) if (button) button.disabled = false;
      return;
    }
    await this.openNext();
  }

  async openNext() {
    try {
      const answer = await api.next(this.projectId);
      if (answer.status === 200 && answer.data && answer.data.id) {
        window.location.assign(`/documents/${answer.data.id}/annotate/`);
        return;
      }
    } catch {
      // The project page's queue link assigns too, and says "All done" when nothing is left.
    }
    window.location.assign(`/projects/${this.projectId}/annotate/`);
  }

  openHelp() {
    document.getElementById("help").showModal();
  }

  // ---- Input -----------------------------------------------------------------------------

  onTextClick(event) {
    const selection = window.getSelection();
    if (selection && !selection.isCollapsed) return; // a drag or double-click: a selection
    const element = this.view.spanAt(event.target);
    if (this.picking) {
      if (element) this.picked(element.dataset.key);
      return;
    }
    if (element) this.selectSpan(element.dataset.key);
    else if (this.selected) {
      this.selected = null;
      this.redecorate();
    }
  }

  picked(key) {
    const picking = this.picking;
    const kind = this.labels.get(this.store.spans.get(key)?.label)?.kind;
    if (kind !== "entity") {
      this.say(`Pick an entity${picking.kind === "claimant" ? " as the claimant" : " as the holder"}.`);
      return;
    }
    this.picking = null;
    if (picking.kind === "claimant") this.setClaimant(key);
    else if (this.active) this.setStanceRef(this.active.target, this.active.row, "holder", key);
    this.renderPanels();
  }

  /** Arrow keys on the text: select the next word, Shift extends (keyboard-only labelling). */
  moveWord(direction, extend) {
    if (!this.words) this.words = wordRanges(this.index.text);
    const words = this.words;
    if (!words.length) return;
    const last = words.length - 1;
    const clamp = (i) => Math.min(Math.max(i, 0), last);
    const single = (at) => ({ anchor: clamp(at), focus: clamp(at) });
    let cursor = this.wordCursor;
    if (!cursor) {
      // Start from the mouse's selection if there is one, else from either end.
      const current = this.view.selectionRange();
      if (!current) {
        cursor = single(direction > 0 ? 0 : last);
      } else {
        let first = words.findIndex((w) => w.end > current.start);
        if (first < 0) first = last;
        let final = first;
        while (final < last && words[final + 1].start < current.end) final++;
        if (extend) cursor = { anchor: first, focus: clamp(final + direction) };
        else cursor = single(direction > 0 ? final + 1 : first - 1);
      }
    } else if (extend) {
      cursor = { anchor: cursor.anchor, focus: clamp(cursor.focus + direction) };
    } else {
      cursor = single(cursor.focus + direction);
    }
    this.wordCursor = cursor;
    const from = words[Math.min(cursor.anchor, cursor.focus)];
    const to = words[Math.max(cursor.anchor, cursor.focus)];
    this.view.select(from.start, to.end);
  }

  onKey(event) {
    if (document.getElementById("help").open) return;
    const target = event.target;
    const typing =
      (target instanceof HTMLInputElement && !["checkbox", "radio", "button"].includes(target.type)) ||
      target instanceof HTMLTextAreaElement ||
      target instanceof HTMLSelectElement ||
      (target instanceof HTMLElement && target.isContentEditable);
    const ctrl = event.ctrlKey || event.metaKey;
    if (ctrl && event.key === "Enter") {
      event.preventDefault();
      if (this.editable) this.finish("submitted");
      return;
    }
    if (ctrl && !event.shiftKey && event.key.toLowerCase() === "z" && !typing) {
      event.preventDefault();
      this.undo();
      return;
    }
    if (typing || ctrl || event.altKey) {
      if (typing && event.key === "Escape") target.blur();
      return;
    }
    const key = event.key;
    if (key === "?") {
      event.preventDefault();
      this.openHelp();
      return;
    }
    if (key === "Escape") {
      if (this.picking) this.picking = null;
      else if (this.view.selectionRange()) window.getSelection().removeAllRanges();
      else if (this.selected) this.selected = null;
      else this.active = null;
      this.wordCursor = null;
      this.redecorate();
      return;
    }
    const onText = target === this.textRoot || target === document.body || this.textRoot.contains(target);
    if ((key === "ArrowRight" || key === "ArrowLeft") && onText) {
      event.preventDefault();
      this.moveWord(key === "ArrowRight" ? 1 : -1, event.shiftKey);
      return;
    }
    if (key === "]" || key === "[") {
      event.preventDefault();
      this.stepSpan(key === "]" ? 1 : -1);
      return;
    }
    if (key === "Delete" || key === "Backspace") {
      event.preventDefault();
      this.deleteSelected();
      return;
    }
    if (this.handleLetter(key.length === 1 ? key : "", event)) event.preventDefault();
  }

  /** Letter and digit keys, by context; true when the key did something. */
  handleLetter(key, event) {
    if (!key) return false;
    const lower = key.toLowerCase();
    const hasText = this.view.selectionRange() !== null;
    const spanLabel = this.spanLabels.find((l) => l.shortcut && l.shortcut.toLowerCase() === lower);
    if (hasText) {
      if (spanLabel) {
        this.labelChosen(spanLabel.id);
        return true;
      }
      if (lower === "e" && this.active) {
        this.useEvidence();
        return true;
      }
    }
    const claim = this.selectedClaim();
    if (claim && !hasText) {
      const value = { y: "yes", n: "no", u: "unsure" }[lower];
      if (value) {
        this.setCheckworthy(value);
        return true;
      }
      if (lower === "k") {
        this.pickClaimant();
        return true;
      }
    }
    if (spanLabel && this.selected && !hasText) {
      this.labelChosen(spanLabel.id);
      return true;
    }
    if (/^[1-9]$/.test(key)) {
      this.activateTarget(Number(key));
      return true;
    }
    if (this.active) {
      const stanceLabel = this.stanceLabels.find((l) => l.shortcut && l.shortcut.toLowerCase() === lower);
      if (stanceLabel) {
        this.setStanceValue(this.active.target, this.active.row, stanceLabel.id);
        return true;
      }
      if (key === "0") {
        this.setStanceValue(this.active.target, this.active.row, null);
        return true;
      }
      if (lower === "h") {
        this.pickHolder();
        return true;
      }
      if (lower === "e") {
        this.useEvidence();
        return true;
      }
    }
    if (spanLabel) {
      this.labelChosen(spanLabel.id);
      return true;
    }
    return false;
  }
}

function start() {
  const root = document.getElementById("annotator");
  const data = document.getElementById("annotator-data");
  if (!root || !data) return;
  const annotator = new Annotator(root, JSON.parse(data.textContent));
  // For tests and users' own scripts: read-only access to the page's state.
  window.workbenchAnnotator = annotator;
}

start();
