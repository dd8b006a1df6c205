// The claim record panel (#claim-record-panel): the selected claim's normalised text, date,
// type, verdict (on the project's scale), justification and evidence. `r` opens it for the
// selected claim; it stays on that claim until closed (Esc or its Close button) or another
// claim is opened, so text can be selected in the document and added as a passage. Every edit
// is one change through the Annotator ("claimrecord.put": the whole record), saved by the save
// queue, undone and redone like the others. Mixed into the Annotator (annotator.js), so `this`
// is the Annotator; `renderClaimRecord` draws the panel.
//
// Evidence: a passage of this document (the text selection, in code points), a passage of
// another document of the project (a result of the Matches panel, matches.js: "Use as
// evidence" sends the matched claim's document and offsets as a `claimrecord:evidence` event
// on `document`, so neither module imports the other), or an external source (an http(s) address, a title, a date), stored as given and never fetched. Links are
// drawn with textContent and rel="noopener noreferrer": text, never HTML. The server checks
// every field again (annotations/services/claims.py) and names the one at fault.

import { el, shorten } from "./panels.js";
import { recordOf } from "./store.js";

export const NOT_A_CLAIM = "Select a claim first (then press r for its record).";
export const SELECT_PASSAGE = "Select the passage in the text first, then add it.";
export const NOT_A_WEB_ADDRESS = "Give an http or https address (like https://example.org/page).";
export const PASSAGE_TWICE = "That passage is already evidence.";
export const OPEN_A_RECORD = "Open a claim's record first (select the claim, press r), then use a match as its evidence.";
/** The event matches.js sends with a passage of another document (detail: the passage). */
export const EVIDENCE_EVENT = "claimrecord:evidence";

/** An empty record: what a claim without one shows. */
export function emptyRecord() {
  return recordOf({});
}

/** Whether `value` is an http(s) address (the server's rule, so the user hears it at once). */
export function isWebAddress(value) {
  try {
    const url = new URL(value);
    return (url.protocol === "http:" || url.protocol === "https:") && Boolean(url.hostname) && !/\s/.test(value);
  } catch {
    return false;
  }
}

export class ClaimRecordEditing {
  /** Open the record of the selected claim (key r). */
  openClaimRecord() {
    const claim = this.selectedClaim();
    if (!claim) {
      this.say(NOT_A_CLAIM);
      return;
    }
    this.recordKey = claim.key;
    this.renderPanels();
    document.getElementById("record-normalized")?.focus();
  }

  closeClaimRecord() {
    if (!this.recordKey) return false;
    this.recordKey = null;
    this.renderPanels();
    return true;
  }

  /** The open record's claim and record (an empty one if it has none), or null. */
  openRecord() {
    const span = this.recordKey && this.store.spans.get(this.recordKey);
    if (!span) return null;
    return { span, record: this.store.records.get(span.key) ?? emptyRecord() };
  }

  /** Save the open record with `changes` (its fields; evidence as a whole list). */
  changeRecord(changes) {
    if (!this.guard()) return;
    const open = this.openRecord();
    if (!open) return;
    const next = recordOf({ ...open.record, ...changes });
    const stored = this.store.records.get(open.span.key) ?? null;
    if (stored && JSON.stringify(stored) === JSON.stringify(next)) return;
    this.change([{ type: "claimrecord.put", key: open.span.key, record: next }]);
  }

  /** Add the document's text selection as a passage. */
  addPassage() {
    const open = this.openRecord();
    if (!open) return;
    const range = this.selectedRange();
    if (!range) {
      this.say(SELECT_PASSAGE);
      return;
    }
    const passage = {
      document: this.payload.document.id,
      start: range.start,
      end: range.end,
      text: this.index.slice(range.start, range.end),
    };
    if (this.addPassageOf(passage)) window.getSelection().removeAllRanges();
  }

  /**
   * Add `passage` ({document, start, end, text}: any document of the project) to the open
   * record; false (and a message) when no record is open or it is already there.
   */
  addPassageOf(passage) {
    const open = this.openRecord();
    if (!open) {
      this.say(OPEN_A_RECORD);
      return false;
    }
    if (open.record.evidence.some((item) => item.document === passage.document && item.start === passage.start && item.end === passage.end)) {
      this.say(PASSAGE_TWICE);
      return false;
    }
    this.changeRecord({ evidence: [...open.record.evidence, passage] });
    return true;
  }

  /** Add an external source; false (and a message) when its address is not one. */
  addSource(url, title, published) {
    const open = this.openRecord();
    if (!open) return false;
    if (!isWebAddress(url)) {
      this.say(NOT_A_WEB_ADDRESS);
      return false;
    }
    this.changeRecord({ evidence: [...open.record.evidence, { url, title, published: published || null }] });
    return true;
  }

  removeEvidence(index) {
    const open = this.openRecord();
    if (!open) return;
    this.changeRecord({ evidence: open.record.evidence.filter((_, at) => at !== index) });
  }
}

/**
 * Draw the panel for `open` (openRecord's answer; null hides it). Fields being typed in keep
 * what is typed: only the others take the record's values.
 */
export function renderClaimRecord(view, { open, verdicts, editable, documentId, actions }) {
  if (!view.panel) return;
  view.panel.hidden = !open;
  if (!open) {
    view.shown = null;
    return;
  }
  const { span, record } = open;
  view.caption.textContent = shorten(span.text, 60);
  if (view.shown !== span.key) {
    view.shown = span.key;
    const options = [el("option", { value: "", text: "(no verdict yet)" })];
    for (const verdict of verdicts) options.push(el("option", { value: verdict, text: verdict }));
    // A verdict no longer on the scale (the project changed it) still shows.
    if (record.verdict && !verdicts.includes(record.verdict)) {
      options.push(el("option", { value: record.verdict, text: `${record.verdict} (not on the scale)` }));
    }
    view.verdict.replaceChildren(...options);
  }
  show(view.normalized, record.normalized_text);
  show(view.date, record.claim_date || "");
  show(view.type, record.claim_type);
  show(view.verdict, record.verdict);
  show(view.justification, record.justification);
  for (const control of [view.normalized, view.date, view.type, view.verdict, view.justification, view.addPassage, view.sourceUrl, view.sourceTitle, view.sourceDate, view.addSource]) {
    control.disabled = !editable;
  }
  view.evidence.replaceChildren(
    ...record.evidence.map((item, index) => evidenceItem(item, index, editable, documentId, actions)),
  );
  view.noEvidence.hidden = record.evidence.length > 0;
}

function show(control, value) {
  if (control !== document.activeElement) control.value = value ?? "";
}

function evidenceItem(item, index, editable, documentId, actions) {
  const remove = el("button", { type: "button", className: "small", disabled: !editable, "aria-label": `Remove evidence ${index + 1}`, text: "Remove" });
  remove.addEventListener("click", () => actions.removeEvidence(index));
  if (item.url) {
    const link = el("a", { href: item.url, rel: "noopener noreferrer", target: "_blank", text: item.title || item.url });
    const when = item.published ? el("span", { className: "muted small", text: ` (${item.published})` }) : null;
    return el("li", { className: "evidence-source", dataset: { evidence: "source" } }, link, when, " ", remove);
  }
  const quote = el("q", { text: shorten(item.text, 80) });
  // A passage of another document says which (its id: the record holds no more of it).
  const elsewhere = item.document !== documentId ? `document ${item.document} ` : "";
  const where = el("span", { className: "muted small", text: ` ${elsewhere}[${item.start}, ${item.end})` });
  return el("li", { className: "evidence-passage", dataset: { evidence: "passage" } }, quote, where, " ", remove);
}

/** Wire the panel's controls to the Annotator (once, at start). */
export function wireClaimRecord(view, annotator) {
  if (!view.panel) return;
  const field = (control, name, read = (c) => c.value) =>
    control.addEventListener("change", () => annotator.changeRecord({ [name]: read(control) }));
  field(view.normalized, "normalized_text", (c) => c.value.trim());
  field(view.date, "claim_date", (c) => c.value || null);
  field(view.type, "claim_type", (c) => c.value.trim());
  field(view.verdict, "verdict");
  field(view.justification, "justification", (c) => c.value.trim());
  // Pressed without taking the focus, so the document's text selection survives the click.
  view.addPassage.addEventListener("mousedown", (event) => event.preventDefault());
  view.addPassage.addEventListener("click", () => annotator.addPassage());
  view.addSource.addEventListener("click", () => {
    const added = annotator.addSource(view.sourceUrl.value.trim(), view.sourceTitle.value.trim(), view.sourceDate.value);
    if (added) for (const control of [view.sourceUrl, view.sourceTitle, view.sourceDate]) control.value = "";
  });
  view.close.addEventListener("click", () => annotator.closeClaimRecord());
  document.addEventListener(EVIDENCE_EVENT, (event) => annotator.addPassageOf(event.detail));
}

/** The panel's elements, by id. */
export function claimRecordView() {
  const byId = (id) => document.getElementById(id);
  return {
    panel: byId("claim-record-panel"),
    caption: byId("claim-record-of"),
    normalized: byId("record-normalized"),
    date: byId("record-date"),
    type: byId("record-type"),
    verdict: byId("record-verdict"),
    justification: byId("record-justification"),
    evidence: byId("record-evidence"),
    noEvidence: byId("record-no-evidence"),
    addPassage: byId("record-add-passage"),
    sourceUrl: byId("record-source-url"),
    sourceTitle: byId("record-source-title"),
    sourceDate: byId("record-source-date"),
    addSource: byId("record-add-source"),
    close: byId("record-close"),
    shown: null,
  };
}
