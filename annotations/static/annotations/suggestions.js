// Suggestions on the annotate page: a model's predictions drawn beside the annotator's own
// spans (a dashed outline, no fill), selected with [ ] or a click like any highlight, and
// accepted (s), rejected (x), or accepted in bulk (= every suggestion of the selected one's
// label, + every suggestion of the document). See docs/suggestions.md.
//
// An accepted suggestion is a span create like any other (spans.js' spanCreateOp, so the
// overlap rule is checked at once), sent through the save queue with the suggestion's id: the
// server records the decision and the model version in the span's event, and undo/redo work
// as for any span: undoing an accept takes it back (the suggestion is shown again, and the
// server counts it undecided). A rejection, and the bulk accepts (one request, one
// transaction on the server), are sent at once beside the queue, once it is empty; a bulk
// accept's spans go into the store as the server made them, and one undo takes them all back.
// Mixed into the Annotator (annotator.js), so `this` is the Annotator.

import { request } from "./api.js";

export const SUGGESTION_KEY = "suggestion-";
export const NONE_SELECTED = "Select a suggestion first: [ and ] step through the highlights, or click one.";
export const NONE_LEFT = "No suggestions left on this document.";

const isSuggestionKey = (key) => typeof key === "string" && key.startsWith(SUGGESTION_KEY);
// The recommender the strings marked with * on other documents are suggested by (services.occurrences).
const OCCURRENCES = "Occurrences";

function plural(n, noun) {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

export class SuggestionEditing {
  /** Read the suggestions this annotation is shown (none for a read-only page). */
  async loadSuggestions() {
    this.suggestions = this.suggestions || new Map();
    this.bindSuggestionButtons();
    // The review page's gold (it shares its TextView) takes no suggestions.
    if (this.store.id === null || !this.editable || !this.enabled || this.options.view) return;
    let body;
    try {
      body = (await request("GET", `/api/annotations/${this.store.id}/suggestions/`)).data;
    } catch (error) {
      // Suggestions are optional help: their absence is said in their own panel, never over
      // the message bar (which tells of the annotator's own work: saves, conflicts).
      const count = document.getElementById("suggestion-count");
      if (count) count.textContent = `Suggestions could not be read: ${error.message}`;
      return;
    }
    this.suggestions = new Map(
      body.suggestions.map((item) => [`${SUGGESTION_KEY}${item.id}`, { ...item, key: `${SUGGESTION_KEY}${item.id}` }]),
    );
    this.suggestionSource = body.source;
    if (this.selectedSuggestion && !this.suggestions.has(this.selectedSuggestion)) this.selectedSuggestion = null;
    this.render();
  }

  bindSuggestionButtons() {
    if (this.suggestionButtonsBound) return;
    this.suggestionButtonsBound = true;
    for (const button of document.querySelectorAll("[data-suggestion-action]")) {
      button.addEventListener("click", () => this.suggestionAction(button.dataset.suggestionAction));
    }
  }

  /** The suggestions to draw: those the annotator has no identical span for, in text order. */
  shownSuggestions() {
    if (!this.suggestions?.size) return [];
    const own = new Set([...this.store.spans.values()].map((s) => `${s.label}|${s.start}|${s.end}`));
    return [...this.suggestions.values()].filter((s) => !own.has(`${s.label}|${s.start}|${s.end}`));
  }

  /** The TextView's entries for the suggestions (render() draws them with the spans). */
  suggestionViewSpans() {
    return this.shownSuggestions().map((item) => ({
      key: item.key,
      id: item.id,
      start: item.start,
      end: item.end,
      labelId: item.label,
      labelName: item.label_name,
      kind: this.labels.get(item.label)?.kind || "entity",
      pending: false,
      suggestion: true,
      title: suggestionTitle(item),
    }));
  }

  isSuggestion(key) {
    return isSuggestionKey(key);
  }

  selectSuggestion(key) {
    this.selected = null;
    this.selectedRelation = null;
    this.selectedSuggestion = key;
    this.redecorate();
    this.view.piecesOf(key)[0]?.scrollIntoView({ block: "nearest" });
  }

  /** Draw the suggestion panel: the selected suggestion, how many are left, the keys. */
  renderSuggestionPanel() {
    const panel = document.getElementById("suggestion-panel");
    if (!panel) return;
    const shown = this.shownSuggestions();
    panel.hidden = !this.editable || (!shown.length && !this.selectedSuggestion);
    document.getElementById("suggestion-count").textContent = shown.length
      ? `${plural(shown.length, "suggestion")} left${this.sourcesSaid(shown)}.`
      : NONE_LEFT;
    const item = this.selectedSuggestion && this.suggestions.get(this.selectedSuggestion);
    const details = document.getElementById("suggestion-details");
    details.hidden = !item;
    if (!item) return;
    document.getElementById("suggestion-label").textContent = item.label_name;
    document.getElementById("suggestion-text").textContent = item.text;
    document.getElementById("suggestion-source").textContent = sourceName(item);
    document.getElementById("suggestion-score").textContent = item.score === null ? "none" : item.score.toFixed(2);
  }

  /** " from A v2 and Occurrences": the sources of the shown suggestions, the chosen one first. */
  sourcesSaid(shown) {
    const chosen = this.suggestionSource?.recommender;
    const names = new Set(shown.map((item) => item.source).filter((name) => name && name !== chosen));
    const said = [...(chosen ? [`${chosen} v${this.suggestionSource.version}`] : []), ...names];
    return said.length ? ` from ${said.join(" and ")}` : "";
  }

  /** The page's suggestion keys and buttons: true when the key did something. */
  suggestionAction(action) {
    if (!this.guard()) return true;
    switch (action) {
      case "acceptSuggestion":
        this.acceptSuggestion();
        return true;
      case "rejectSuggestion":
        this.rejectSuggestion();
        return true;
      case "acceptLabelSuggestions": {
        const item = this.selectedSuggestion && this.suggestions.get(this.selectedSuggestion);
        if (!item) this.say(NONE_SELECTED);
        else this.acceptSuggestions({ label: item.label }, `${item.label_name} suggestions`);
        return true;
      }
      case "acceptAllSuggestions":
        if (!this.shownSuggestions().length) this.say(NONE_LEFT);
        else this.acceptSuggestions({ all: true }, "suggestions");
        return true;
      default:
        return false;
    }
  }

  /** s: the selected suggestion becomes the annotator's span (through the save queue). */
  acceptSuggestion() {
    const key = this.selectedSuggestion;
    const item = key && this.suggestions.get(key);
    if (!item) {
      this.say(NONE_SELECTED);
      return;
    }
    const label = this.labels.get(item.label);
    const op = label && this.spanCreateOp({ start: item.start, end: item.end }, label);
    if (!op) return; // identical or overlapping: spanCreateOp said why
    op.suggestion = item.id;
    const next = this.nextSuggestionKey(key);
    this.acceptedSuggestions.set(item.id, item);
    this.suggestions.delete(key);
    this.selectedSuggestion = null;
    this.selected = op.key;
    this.change([op]);
    this.say(`Accepted ${item.label_name} “${item.text}”.${next ? " ] for the next highlight." : ""}`);
  }

  /**
   * Undo and redo of an accept (annotator.js' travel): the accept taken back shows its
   * suggestion again at once; redone, it is hidden again. A suggestion accepted before a reload
   * is not known here: it is read again once the server has taken the accept back.
   */
  suggestionsFollow(op) {
    if (op.type === "span.delete" && op.unaccept) {
      const item = this.acceptedSuggestions.get(op.unaccept);
      if (item) this.suggestions.set(item.key, item);
    } else if (op.type === "span.create" && op.suggestion) {
      this.suggestions.delete(`${SUGGESTION_KEY}${op.suggestion}`);
      if (this.selectedSuggestion === `${SUGGESTION_KEY}${op.suggestion}`) this.selectedSuggestion = null;
    }
  }

  /** After the server took an accept back: read the suggestions when this one is not known. */
  suggestionUnacceptSaved(op) {
    if (!this.suggestions.has(`${SUGGESTION_KEY}${op.unaccept}`)) this.loadSuggestions();
  }

  /** x: the selected suggestion is hidden for this annotator, remembered by the server. */
  async rejectSuggestion() {
    const key = this.selectedSuggestion;
    const item = key && this.suggestions.get(key);
    if (!item) {
      this.say(NONE_SELECTED);
      return;
    }
    const next = this.nextSuggestionKey(key);
    this.suggestions.delete(key);
    this.selectedSuggestion = null;
    this.render();
    if (next) this.selectSuggestion(next);
    try {
      await request("POST", `/api/annotations/${this.store.id}/suggestions/reject/`, { ids: [item.id] });
    } catch (error) {
      this.suggestions.set(key, item);
      this.render();
      this.say(`Not rejected: ${error.message}`, { sticky: true });
      return;
    }
    this.say(`Rejected ${item.label_name} “${item.text}”.`);
  }

  /**
   * = and +: accept many in one request, once the queue is empty. The spans come back made and
   * saved and go into the store as the server answered them; one undo takes them all back.
   */
  async acceptSuggestions(which, what) {
    if (this.bulkAccepting) return;
    this.bulkAccepting = true;
    // No edit while the request is out: its answer moves the version the queue sends with.
    this.editable = false;
    try {
      await this.queue.drained();
      let body;
      try {
        body = (
          await request("POST", `/api/annotations/${this.store.id}/suggestions/accept/`, {
            ...which,
            version: this.store.version,
          })
        ).data;
      } catch (error) {
        this.say(`Not accepted: ${error.message}`, { sticky: true });
        return;
      }
      this.suggestionsAccepted(body);
      const refusals = body.refused.map(
        (item) => `${item.label_name} “${item.text}”: ${Object.values(item.errors).flat().join(" ")}`,
      );
      let message = `Accepted ${plural(body.accepted.length, "suggestion")} (${what}).`;
      if (refusals.length) message += ` Not accepted: ${refusals.join("; ")}`;
      this.say(message, { sticky: refusals.length > 0 });
    } finally {
      this.bulkAccepting = false;
      this.editable = this.store.status === "in_progress";
    }
  }

  /** Put the spans a bulk accept made into the store; one undo step takes every accept back. */
  suggestionsAccepted(body) {
    const undo = [];
    for (const { suggestion, span } of body.accepted) {
      const key = span.client_id ? String(span.client_id) : `span-${span.id}`;
      this.store.ids.set(key, span.id);
      // `suggestion` on the span: a redo after the undo accepts it again.
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
        suggestion,
      });
      const item = this.suggestions.get(`${SUGGESTION_KEY}${suggestion}`);
      if (item) this.acceptedSuggestions.set(suggestion, item);
      this.suggestions.delete(`${SUGGESTION_KEY}${suggestion}`);
      undo.unshift({ type: "span.delete", key, unaccept: suggestion });
    }
    this.store.version = body.version;
    this.selectedSuggestion = null;
    if (undo.length) {
      this.redoStack = [];
      this.undoStack.push(undo);
    }
    this.render();
  }

  /** The key of the suggestion after `key` in text order (else before it), or null. */
  nextSuggestionKey(key) {
    const shown = this.shownSuggestions();
    const index = shown.findIndex((item) => item.key === key);
    const next = shown[index + 1] || shown[index - 1];
    return next ? next.key : null;
  }
}

/** Where a suggestion comes from, as the panel and the hover say it. */
function sourceName(item) {
  if (item.source === OCCURRENCES) return "Occurrences (marked with * on another document)";
  return item.source || "imported predictions";
}

function suggestionTitle(item) {
  const score = item.score === null ? "" : `, score ${item.score.toFixed(2)}`;
  return `Suggestion: ${item.label_name} from ${sourceName(item)}${score}. s accept, x reject, = accept all ${item.label_name}, + accept all.`;
}
