// The annotate page: select text and press a label's key; every change saves at once.
//
// Reads the page's JSON payload (#annotator-data), keeps the annotation in a Store, draws it
// with a TextView and the side panels, and sends every change through the SaveQueue. All
// code-point arithmetic is in offsets.js. The review page (review.js) drives one Annotator
// over the gold, with the same keys; its options are described on the constructor.
//
// This module owns the Annotator's state, drawing, and changes (apply, undo, save, submit).
// Its other methods are in modules of their own, mixed in below: spans.js (creating,
// relabelling, deleting, selecting spans), claims.js (claimant, check-worthiness),
// stances.js (stance rows), relations.js (drawing, showing and deleting relations),
// doclabels.js (the document's labels above the text), attributes.js (the attributes panel),
// occurrences.js (* marks every occurrence of a highlight's text), annotatorinput.js (clicks
// and keys, by the map in keys.js).

import { AnnotationList, AnnotatorListing } from "./annolist.js";
import { api } from "./api.js";
import { AnnotatorInput } from "./annotatorinput.js";
import { AttributeEditing, renderAttributes } from "./attributes.js";
import { ClaimRecordEditing, claimRecordView, renderClaimRecord, wireClaimRecord } from "./claimrecord.js";
import { ClaimEditing } from "./claims.js";
import { DocumentLabelBar, DocumentLabelEditing } from "./doclabels.js";
import { openHelp, renderHelp } from "./help.js";
import { mixMethods } from "./mixin.js";
import { MessageBar, ask, askConflict, showSaveState } from "./notices.js";
import { OccurrenceMarking, bindMatchCase } from "./occurrences.js";
import { OffsetIndex } from "./offsets.js";
import { loadPageData } from "./pagedata.js";
import { renderClaim, renderSelection, renderStances } from "./panels.js";
import {
  carriesClaimFields,
  mayBeClaimant,
  mayBeEvidence,
  mayHoldStance,
  takesSpanLabel,
  takesStanceLabel,
} from "./rules.js";
import { RelationEditing } from "./relations.js";
import { SaveQueue } from "./savequeue.js";
import { SpanEditing } from "./spans.js";
import { StanceEditing } from "./stances.js";
import { SuggestionEditing } from "./suggestions.js";
import { Store, isClientId, newUuid } from "./store.js";
import { TextView } from "./textview.js";
import { UndoHistory } from "./undohistory.js";
import { SentenceUnits } from "./units.js";
// The guidelines drawer, the comments panel and the claim matches panel wire themselves (keys,
// buttons) when imported.
import "./comments.js";
import "./guidelines.js";
import "./matches.js";

export const NOT_EDITABLE = "This annotation is read-only.";
export const NOT_STARTED = "Press “Start annotating this document” first.";
export const TAKEN_BACK = "Skip taken back: the document is yours to annotate again.";

// What a page leaves in sessionStorage for the next one: the document just skipped (so the
// next page can offer to take the skip back), and that a skip was taken back (after a reload).
const SKIPPED_KEY = "workbench.skipped";
const TAKEN_BACK_KEY = "workbench.takenBack";
export const NOTHING_TO_UNDO = "Nothing to undo.";
export const NOTHING_TO_REDO = "Nothing to redo.";

export class Annotator {
  /**
   * @param {HTMLElement} root  the page's root element
   * @param {object} payload  project, document, annotation, labels, targets
   * @param {object} options  for the review page: `view` (a TextView to share), `messages`
   *   (a MessageBar to share), `enabled`
   *   (false: keys, clicks and drawing the text are left to the page), `classesOf(key)`
   *   (extra classes for a span), `onRender()` and `onSaved()` (after a redraw, after the
   *   save queue empties), `list` (the page's AnnotationList, annolist.js, drawn while
   *   enabled; by default one in #annotation-list-panel), `documentLabelBar` (a
   *   DocumentLabelBar to share, doclabels.js)
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
    this.spanLabels = payload.labels.filter((label) => takesSpanLabel(label.kind));
    this.stanceLabels = payload.labels.filter((label) => takesStanceLabel(label.kind));
    this.targets = payload.targets;
    this.store = new Store(payload.annotation);
    this.editable = this.store.status === "in_progress";
    this.selected = null; // key of the selected span
    this.suggestions = new Map(); // key -> a suggestion shown (suggestions.js)
    this.selectedSuggestion = null; // key of the selected suggestion
    this.acceptedSuggestions = new Map(); // suggestion id -> the suggestion accepted here (undo shows it again)
    this.active = null; // {target, row}: the active stance row
    this.picking = null; // {kind: "claimant"|"holder"}
    this.relating = null; // {label, source, candidate}: a relation waiting for its end (relations.js)
    this.selectedRelation = null; // key of the selected relation
    this.evidencePick = null; // {target, row, range, text}: selected text waiting for its label
    this.drafts = new Map(); // target id -> [{key, holder, evidence}]: rows without a stance
    this.undoStack = []; // newest last: each a list of operations that undoes one change
    this.redoStack = []; // what undoing undid, newest last; emptied by any new change
    this.history = new UndoHistory(this.store);
    this.loads = this.store.loads;
    this.words = null;
    this.wordCursor = null;

    this.textRoot = document.getElementById("document-text");
    this.view = options.view || new TextView(this.textRoot, this.index);
    this.statusOutput = document.getElementById("save-status");
    this.messages = options.messages || new MessageBar(document.getElementById("message"));
    this.snap = document.getElementById("snap-toggle");
    this.undoButton = document.getElementById("undo-button");
    this.redoButton = document.getElementById("redo-button");
    const listPanel = document.getElementById("annotation-list-panel");
    this.list = "list" in options ? options.list : listPanel && new AnnotationList(listPanel, this.labels);
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
    this.documentLabelBar =
      options.documentLabelBar ||
      new DocumentLabelBar(
        document.getElementById("document-labels"),
        payload.label_groups || [],
        payload.labels,
        (labelId) => this.toggleDocumentLabel(labelId),
      );
    this.recordKey = null; // the claim whose record panel is open (claimrecord.js)
    this.recordView = claimRecordView();
    wireClaimRecord(this.recordView, this);
    this.attributeView = {
      panel: document.getElementById("attributes-panel"),
      caption: document.getElementById("attributes-of"),
      fields: document.getElementById("attributes-fields"),
      shown: null,
    };

    this.queue = new SaveQueue(
      this.store,
      {
        onState: (state, error) => this.showSaveState(state, error),
        onAck: (op, data) => this.acknowledged(op, data),
        onReload: (message) => this.reloaded(message),
        onConflict: (message) => askConflict(document.getElementById("conflict-dialog"), message),
      },
      { labels: this.labels, targets: new Map(this.targets.map((t) => [t.id, t])), allowOverlap: this.allowOverlap },
    );
    // Projects that label every sentence: the list of sentences and their keys (units.js).
    this.units = payload.sentence_units && this.enabled ? new SentenceUnits(this, payload.sentence_units) : null;
    this.bind();
    this.render();
    this.restored = this.restoreStored()
      .then(() => this.loadSuggestions())
      .then(() => this.root.classList.add("ready"));
  }

  // ---- Startup ---------------------------------------------------------------------------

  /** Send what earlier pages of this tab, or closed tabs, left unsaved (the queue says so). */
  async restoreStored() {
    if (this.store.id === null) return; // not started: nothing of it can be waiting
    try {
      await this.queue.restore();
    } catch (error) {
      this.say(`Unsaved changes from earlier could not be read: ${error.message}`, { sticky: true });
    }
    this.restoreHistory();
  }

  /** Take back the undo history this tab kept for the annotation (undohistory.js), if it fits. */
  restoreHistory() {
    const tab = this.queue.slots.tab;
    if (!this.editable || this.undoStack.length || this.redoStack.length) return;
    const kept = this.history.take(tab);
    if (!kept) return;
    if (kept.dropped) {
      this.say(kept.dropped, { sticky: true });
      return;
    }
    this.undoStack = kept.undo;
    this.redoStack = kept.redo;
    this.renderPanels();
  }

  /**
   * Keep the undo history for a reload of this tab: when the page is hidden or left (the
   * content's print costs milliseconds on a large annotation, so not after every change).
   */
  keepHistory() {
    this.history.save(this.queue.slots.tab, this.undoStack, this.redoStack);
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
    this.redoButton?.addEventListener("click", () => this.redo());
    window.addEventListener("pagehide", () => this.keepHistory());
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "hidden") this.keepHistory();
    });
    document.getElementById("help-button").addEventListener("click", () => this.openHelp());
    document.getElementById("submit-button")?.addEventListener("click", () => this.finish("submitted"));
    document.getElementById("skip-button")?.addEventListener("click", () => this.skip());
    document.getElementById("take-back-button")?.addEventListener("click", () => this.takeBack());
    document.getElementById("delete-button").addEventListener("click", () => this.deleteSelected());
    this.bindRelations();
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
    // Suggestions (suggestions.js) are drawn among the spans, in text order.
    const suggested = this.suggestionViewSpans();
    if (suggested.length) {
      spans.push(...suggested);
      spans.sort((a, b) => a.start - b.start || b.end - a.end);
    }
    if (this.enabled) this.view.render(spans, (key) => this.classesOf(key));
    this.renderDocumentLabels();
    this.units?.render();
    this.drawRelations();
    this.renderPanels();
    this.showList();
    this.options.onRender?.();
  }

  classesOf(key) {
    const names = [];
    if (this.isSuggestion(key)) {
      const kind = this.labels.get(this.suggestions.get(key)?.label)?.kind;
      return [`kind-${kind || "entity"}`, "suggestion", ...(key === this.selectedSuggestion ? ["selected"] : [])];
    }
    const span = this.store.spans.get(key);
    const label = span && this.labels.get(span.label);
    if (label) names.push(`kind-${label.kind}`);
    if (key === this.selected) names.push("selected");
    if (this.linkedKeys().has(key)) names.push("linked");
    names.push(...this.relationClasses(key));
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
    const claim = span && label && carriesClaimFields(label.kind) ? span : null;
    renderClaim(this.claimView, {
      span: claim,
      entities: () => this.spansWhere(mayBeClaimant),
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
      evidencePick: this.evidencePick,
      evidenceLabels: this.evidenceLabels(),
      rowsOf: (targetId) => this.rowsOf(targetId),
      entities: () => this.spansWhere(mayHoldStance),
      spans: () => this.spansWhere(mayBeEvidence),
      actions: {
        activate: (target, row, redraw = true) => this.activate(target, row, redraw),
        setStanceValue: (target, row, label) => this.setStanceValue(target, row, label),
        setHolder: (target, row, key) => this.setStanceRef(target, row, "holder", key),
        setEvidence: (target, row, key) => this.setStanceRef(target, row, "evidence", key),
        pickHolder: () => this.pickHolder(),
        useEvidence: () => this.useEvidence(),
        evidenceAs: (label) => this.evidenceAs(label),
        cancelEvidence: () => this.cancelEvidence(),
        addDraft: (target) => this.addDraft(target),
      },
    });
    renderClaimRecord(this.recordView, {
      open: this.openRecord(),
      verdicts: this.payload.project.verdicts || [],
      editable: this.editable,
      documentId: this.payload.document.id,
      actions: { removeEvidence: (index) => this.removeEvidence(index) },
    });
    renderAttributes(this.attributeView, {
      target: this.attributeTarget(),
      editable: this.editable,
      actions: {
        setAttribute: (kind, key, name, value) => this.setAttribute(kind, key, name, value),
        say: (text) => this.say(text),
      },
    });
    this.renderSuggestionPanel();
    this.root.classList.toggle("picking", this.picking !== null);
    this.undoButton.disabled = !this.editable || this.undoStack.length === 0;
    if (this.redoButton) this.redoButton.disabled = !this.editable || this.redoStack.length === 0;
  }

  /** Redraw the selection marks only (cheaper than a full render). */
  redecorate() {
    if (this.enabled) {
      this.view.undecorate(["selected", "linked", "relation-source", "relation-candidate"]);
      if (this.selected) this.view.decorate(this.selected, ["selected"], true);
      if (this.selectedSuggestion) this.view.decorate(this.selectedSuggestion, ["selected"], true);
      for (const key of this.linkedKeys()) this.view.decorate(key, ["linked"], true);
      for (const key of this.relationMarkedKeys()) this.view.decorate(key, this.relationClasses(key), true);
    }
    this.drawRelations();
    this.renderPanels();
    this.markListed();
  }

  /** The spans, in order, whose label's kind passes `test` (one of rules.js' may... rules). */
  spansWhere(test) {
    return this.store.sortedSpans().filter((span) => test(this.labels.get(span.label)?.kind));
  }

  // ---- Changes, undo, redo and saving ----------------------------------------------------

  guard() {
    if (this.editable) return true;
    this.say(this.store.id === null ? NOT_STARTED : NOT_EDITABLE);
    return false;
  }

  /** Apply operations at once, queue them for the server, and remember how to undo them. */
  change(ops) {
    this.redoStack = [];
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
    this.travel(this.undoStack, this.redoStack, { nothing: NOTHING_TO_UNDO, verb: "undo", done: "Undone." });
  }

  redo() {
    this.travel(this.redoStack, this.undoStack, { nothing: NOTHING_TO_REDO, verb: "redo", done: "Redone." });
  }

  /**
   * Undo or redo: apply the newest entry of `from` as changes of their own (queued, saved), and
   * push what reverses them onto `to`. The span it touches is selected and brought into view.
   */
  travel(from, to, words) {
    if (!this.guard()) return;
    const entry = from.pop();
    if (!entry) {
      this.say(words.nothing);
      return;
    }
    const reverse = [];
    let touched = null;
    for (const original of entry) {
      // What an earlier send recorded on it (its Idempotency-Key, the state it found) is not this one's.
      const { idempotency, base, ...op } = original;
      if (op.type === "span.create" && !isClientId(op.key)) {
        // A span made without a client_id comes back as a new span with one.
        const fresh = newUuid();
        // The entry's later operations (a relation to the span, its claim) follow it too.
        this.renameKey(op.key, fresh, [entry]);
        op.key = fresh;
      }
      try {
        reverse.unshift(this.store.apply(op));
      } catch (error) {
        this.say(`Cannot ${words.verb}: ${error.message}`);
        continue;
      }
      this.queue.push(op);
      this.suggestionsFollow(op);
      if (op.type === "span.create" || op.type === "span.update") touched = op.key;
    }
    if (reverse.length) to.push(reverse);
    if (touched) this.selected = touched;
    this.say(words.done);
    this.render();
    if (touched && this.enabled) this.view.piecesOf(touched)[0]?.scrollIntoView({ block: "nearest" });
  }

  renameKey(from, to, also = []) {
    const swap = (value) => (value === from ? to : value);
    for (const entry of [...this.undoStack, ...this.redoStack, ...also]) {
      for (const op of entry) {
        for (const field of ["key", "claimant", "holder", "evidence"]) {
          if (field in op) op[field] = swap(op[field]);
        }
        if (op.type === "relation.create") renameRelationEnds(op, swap);
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
    if (op.type === "span.delete" && op.unaccept) this.suggestionUnacceptSaved(op);
    if (op.type === "relation.create" && data) this.drawRelations(); // saved: drawn solid, with its id
  }

  reloaded(message) {
    if (this.store.loads !== this.loads) {
      // The server's state replaced the page's (a change elsewhere): the history may not fit it.
      this.loads = this.store.loads;
      this.undoStack = [];
      this.redoStack = [];
    }
    this.setEditable(this.store.status === "in_progress");
    this.render();
    if (message) this.say(message, { sticky: true });
    // What the server holds now decides which suggestions are left.
    this.loadSuggestions();
  }

  /** Allow or refuse changes, and show it on the controls (the server may have changed it). */
  setEditable(editable) {
    this.editable = editable;
    this.root.classList.toggle("read-only", !editable);
    const controls = this.root.querySelectorAll(
      ".label-button, #delete-button, #relation-delete, #claimant-select, #claimant-pick, #claimant-text, [data-checkworthy]",
    );
    for (const control of controls) control.disabled = !editable;
    this.renderDocumentLabels();
    // The attribute controls are drawn again with the new state.
    this.attributeView.shown = null;
  }

  showSaveState(state, error) {
    showSaveState(this.statusOutput, state, error);
    if (state === "saved") this.options.onSaved?.();
  }

  say(text, options) {
    this.messages.say(text, options);
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
    // The next page offers the way back (sayLeftOver); the document's own page has it too.
    if (status === "skipped") leaveForNextPage(SKIPPED_KEY, String(this.payload.document.id));
    await this.openNext();
  }

  /**
   * Skip, asking first (the #skip-confirm dialog) when the annotation holds highlights: a
   * skip keeps them, and can be taken back, but should not happen by a slip of the mouse.
   */
  async skip() {
    if (!this.guard()) return;
    const spans = this.store.spans.size;
    if (spans) {
      const stances = this.store.stances.size;
      const count = [`${spans} highlight${spans === 1 ? "" : "s"}`];
      if (stances) count.push(`${stances} stance${stances === 1 ? "" : "s"}`);
      document.getElementById("skip-confirm-count").textContent = count.join(" and ");
      if ((await ask(document.getElementById("skip-confirm"))) !== "skip") return;
    }
    await this.finish("skipped");
  }

  /** Take back the author's skip: the annotation is in progress again, every span kept. */
  async takeBack() {
    const button = document.getElementById("take-back-button");
    button.disabled = true;
    try {
      await api.setStatus(this.store.id, "in_progress", this.store.version);
    } catch (error) {
      button.disabled = false;
      this.say(`Not taken back: ${error.message}`, { sticky: true });
      return;
    }
    // The server draws the page for in-progress work (Skip and Submit, the controls enabled).
    leaveForNextPage(TAKEN_BACK_KEY, "1");
    window.location.reload();
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
    openHelp();
  }

}

mixMethods(
  Annotator,
  SpanEditing,
  ClaimEditing,
  ClaimRecordEditing,
  StanceEditing,
  SuggestionEditing,
  RelationEditing,
  DocumentLabelEditing,
  AttributeEditing,
  AnnotatorInput,
  AnnotatorListing,
  OccurrenceMarking,
);

/** A relation create's ends renamed by `swap` (a span brought back under another key). */
function renameRelationEnds(op, swap) {
  op.source = swap(op.source);
  op.target = swap(op.target);
}

/** Leave `value` for the next page this tab opens (sayLeftOver reads it). */
function leaveForNextPage(key, value) {
  try {
    sessionStorage.setItem(key, value);
  } catch {
    // No storage: only the message is lost; the skipped document's page offers "Take back".
  }
}

/** What the previous page left to say: a skip that can be taken back, or one taken back. */
function sayLeftOver(annotator) {
  let skipped = null;
  let takenBack = null;
  try {
    skipped = sessionStorage.getItem(SKIPPED_KEY);
    takenBack = sessionStorage.getItem(TAKEN_BACK_KEY);
    sessionStorage.removeItem(SKIPPED_KEY);
    sessionStorage.removeItem(TAKEN_BACK_KEY);
  } catch {
    return;
  }
  if (takenBack) annotator.say(TAKEN_BACK);
  else if (skipped && /^\d+$/.test(skipped) && Number(skipped) !== annotator.payload.document.id) {
    annotator.say(`Skipped document #${skipped}.`, {
      sticky: true,
      link: { text: "Open it to take the skip back", href: `/documents/${skipped}/annotate/` },
    });
  }
}

async function start() {
  const root = document.getElementById("annotator");
  const data = document.getElementById("annotator-data");
  if (!root || !data) return;
  let payload;
  try {
    payload = await loadPageData(data);
  } catch (error) {
    new MessageBar(document.getElementById("message")).say(error.message, { sticky: true });
    return;
  }
  renderHelp(document.getElementById("help"), "annotate", payload);
  bindMatchCase(document.getElementById("occurrences-case"));
  const annotator = new Annotator(root, payload);
  sayLeftOver(annotator);
  // For tests and users' own scripts: read-only access to the page's state.
  window.workbenchAnnotator = annotator;
}

start();