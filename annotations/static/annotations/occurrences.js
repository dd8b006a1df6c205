// Annotate all occurrences (the * key): the selected highlight's text marked everywhere else in
// the document with its label, by one request (POST /api/annotations/{a}/spans/occurrences/).
// The server finds the occurrences and holds every rule (whole words, the overlap rule, spans
// already there: services/annotating/occurrences.py), so nothing here computes offsets: the
// spans come back made and saved, and are put into the store as the server answered them.
// Undo deletes them all in one step (one entry of the undo stack); the server's message says
// how many were marked and why any were not.
//
// Matching the case is a per-user choice, kept in localStorage (MATCH_CASE_KEY) and shown as
// the #occurrences-case checkbox of the help overlay; on unless turned off.

import { api } from "./api.js";

export const MATCH_CASE_KEY = "workbench.occurrences.matchCase";
export const SELECT_FIRST = "Select a highlight first: * marks every other occurrence of its text.";
export const MARKING = "Marking every occurrence…";
export const NOT_MARKED = "Occurrences not marked: {message}";

/** Whether * matches the case (the user's choice; on by default). */
export function matchCase() {
  try {
    return localStorage.getItem(MATCH_CASE_KEY) !== "0";
  } catch {
    return true;
  }
}

/** Keep the user's choice for the next pages. */
export function setMatchCase(on) {
  try {
    localStorage.setItem(MATCH_CASE_KEY, on ? "1" : "0");
  } catch {
    // No storage: the choice lasts as long as the page (the checkbox keeps it).
  }
}

/** Wire the help overlay's checkbox to the stored choice. */
export function bindMatchCase(checkbox) {
  if (!checkbox) return;
  checkbox.checked = matchCase();
  checkbox.addEventListener("change", () => setMatchCase(checkbox.checked));
}

/** Methods mixed into the Annotator (annotator.js). */
export class OccurrenceMarking {
  /** Mark every other whole-word occurrence of the selected highlight's text. */
  async markOccurrences() {
    if (!this.guard() || this.marking) return;
    const key = this.selected;
    if (!key || !this.store.spans.has(key)) {
      this.say(SELECT_FIRST);
      return;
    }
    this.marking = true;
    // No edit while the request is out: its answer moves the version the queue sends with.
    this.editable = false;
    this.say(MARKING);
    try {
      await this.queue.drained();
      const id = this.store.idOf(key);
      if (id === null) throw new Error("the highlight was not saved");
      const body = { span: id, case_sensitive: matchCase(), version: this.store.version };
      const { data } = await api.markOccurrences(this.store.id, body);
      this.editable = this.store.status === "in_progress";
      this.occurrencesMarked(data);
    } catch (error) {
      this.editable = this.store.status === "in_progress";
      this.say(NOT_MARKED.replace("{message}", error.message), { sticky: true });
    } finally {
      this.marking = false;
      this.editable = this.store.status === "in_progress";
    }
  }

  /** Put the spans the server made into the store; one undo step deletes them all. */
  occurrencesMarked(data) {
    const keys = [];
    for (const span of data.created) {
      const key = span.client_id ? String(span.client_id) : `span-${span.id}`;
      this.store.ids.set(key, span.id);
      this.store.spans.set(key, {
        key,
        label: span.label,
        start: span.start,
        end: span.end,
        text: span.text,
        claimant: null,
        claimant_text: "",
        checkworthy: "",
        attributes: span.attributes || {},
      });
      keys.push(key);
    }
    this.store.version = data.version;
    if (keys.length) {
      this.redoStack = [];
      this.undoStack.push(keys.map((key) => ({ type: "span.delete", key })));
    }
    this.render();
    this.say(data.message, { sticky: data.overlapping > 0 });
  }
}
