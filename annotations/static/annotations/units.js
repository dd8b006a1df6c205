// Sentence units on the annotate page: every sentence gets a label, one key per sentence.
//
// In a project with sentence units the server sends each sentence's code-point range
// (payload.sentence_units; unit n is the n-th, annotations/sentences.py splits them). They are listed
// in #unit-list, one focused at a time. A sentence label's key labels the focused sentence and
// focuses the next one without a label (ClaimBuster style); j / ↓ and k / ↑ move the focus, a
// click focuses a sentence. The label of a unit is a span of a sentence label covering the
// sentence exactly, so it is made with the Annotator's own operations (span.create, or
// span.update to relabel): saved by the save queue (never lost), undone and redone like any
// change, and drawn in the text like any highlight. The server works out the unit from the
// offsets and refuses any span of a sentence label that is not a whole sentence.
//
// Sentence text is set with textContent only: it is the document's text, never HTML.

import { KEYMAP, keyAction, labelFor } from "./keys.js";
import { goesOnUnit } from "./rules.js";
import { newUuid } from "./store.js";

export const PROGRESS = "{done} of {count} sentences";
export const ALL_LABELLED = "Every sentence has a label: submit when you are done (Ctrl+Enter).";
export const NO_SENTENCE_LABELS = "This project has no sentence labels yet.";

const KEYS = KEYMAP.annotate;

function format(template, values) {
  return template.replace(/\{(\w+)\}/g, (_, name) => String(values[name]));
}

export class SentenceUnits {
  /**
   * @param {import("./annotator.js").Annotator} annotator  the page's Annotator
   * @param {number[][]} ranges  each sentence's [start, end) in code points, in text order
   */
  constructor(annotator, ranges) {
    this.annotator = annotator;
    this.units = ranges.map(([start, end], n) => ({ n, start, end }));
    this.unitOf = new Map(this.units.map((unit) => [`${unit.start}:${unit.end}`, unit.n]));
    this.labels = [...annotator.labels.values()].filter((label) => goesOnUnit(label.kind));
    this.list = document.getElementById("unit-list");
    this.progress = document.getElementById("units-progress");
    this.buttons = [...document.querySelectorAll(".unit-label-button")];
    this.items = this.units.map((unit) => this.item(unit));
    this.list.replaceChildren(...this.items);
    this.list.addEventListener("click", (event) => {
      const item = event.target.closest("[data-unit]");
      if (item) this.focus(Number(item.dataset.unit));
    });
    for (const button of this.buttons) {
      button.addEventListener("click", () => this.label(Number(button.dataset.labelId)));
    }
    this.focused = this.nextUnlabelled(-1);
    this.render();
  }

  /** One sentence of the list: its number, its text and (once labelled) its label. */
  item(unit) {
    const item = document.createElement("li");
    item.className = "unit";
    item.dataset.unit = String(unit.n);
    item.dataset.start = String(unit.start);
    item.dataset.end = String(unit.end);
    const number = document.createElement("span");
    number.className = "unit-number";
    number.textContent = String(unit.n + 1);
    const text = document.createElement("span");
    text.className = "unit-text";
    text.textContent = this.annotator.index.slice(unit.start, unit.end);
    const chip = document.createElement("span");
    chip.className = "unit-label chip";
    item.append(number, text, chip);
    return item;
  }

  /** The span labelling each unit, by unit number (spans of a sentence label on a sentence). */
  spansByUnit() {
    const found = new Map();
    for (const span of this.annotator.store.spans.values()) {
      if (!goesOnUnit(this.annotator.labels.get(span.label)?.kind)) continue;
      const n = this.unitOf.get(`${span.start}:${span.end}`);
      if (n !== undefined) found.set(n, span);
    }
    return found;
  }

  /** Draw each unit's label, the focus and the progress ("12 of 40 sentences"). */
  render() {
    const spans = this.spansByUnit();
    for (const unit of this.units) {
      const item = this.items[unit.n];
      const span = spans.get(unit.n);
      const label = span ? this.annotator.labels.get(span.label) : null;
      const chip = item.lastElementChild;
      chip.className = label ? `unit-label chip lbl-${label.id}` : "unit-label chip";
      chip.textContent = label ? label.name : "";
      if (label) item.dataset.label = label.name;
      else delete item.dataset.label;
      item.classList.toggle("labelled", Boolean(label));
      item.classList.toggle("focused", unit.n === this.focused);
      if (unit.n === this.focused) item.setAttribute("aria-current", "true");
      else item.removeAttribute("aria-current");
    }
    const done = spans.size;
    const count = this.units.length;
    this.progress.textContent = format(PROGRESS, { done, count });
    this.progress.classList.toggle("complete", count > 0 && done === count);
    for (const button of this.buttons) button.disabled = !this.annotator.editable;
  }

  /** Focus unit `n` (kept within the list) and bring it into view. */
  focus(n) {
    if (!this.units.length) return;
    this.focused = Math.min(Math.max(n, 0), this.units.length - 1);
    this.render();
    this.items[this.focused].scrollIntoView({ block: "nearest" });
  }

  /** The first unit after `after` without a label, wrapping round; `after + 1` when all have one. */
  nextUnlabelled(after) {
    const spans = this.spansByUnit();
    const count = this.units.length;
    for (let step = 1; step <= count; step++) {
      const n = (after + step) % count;
      if (!spans.has(n)) return n;
    }
    return Math.min(after + 1, Math.max(count - 1, 0));
  }

  /** Label the focused unit (create its span, or relabel it), then focus the next without one. */
  label(labelId) {
    if (!this.annotator.guard()) return;
    const unit = this.units[this.focused];
    const label = this.annotator.labels.get(labelId);
    if (!unit || !label) return;
    const span = this.spansByUnit().get(unit.n);
    if (!span) {
      this.annotator.change([
        {
          type: "span.create",
          key: newUuid(),
          label: label.id,
          start: unit.start,
          end: unit.end,
          text: this.annotator.index.slice(unit.start, unit.end),
          claimant: null,
          claimant_text: "",
          checkworthy: "",
        },
      ]);
    } else if (span.label !== label.id) {
      this.annotator.change([{ type: "span.update", key: span.key, changes: { label: label.id } }]);
    }
    const spans = this.spansByUnit();
    if (spans.size === this.units.length) this.annotator.say(ALL_LABELLED);
    this.focus(spans.size === this.units.length ? unit.n : this.nextUnlabelled(unit.n));
  }

  /** A key of the units: a sentence label's, or a move; true when it did something. */
  onKey(event) {
    const action = keyAction(KEYS, event, "units");
    // With a claim selected, k picks its claimant (keys.js: one key, one meaning per context).
    if (action === "previousSentence" && event.key.length === 1 && this.annotator.selectedClaim()) return false;
    if (action === "nextSentence" || action === "previousSentence") {
      this.focus(this.focused + (action === "nextSentence" ? 1 : -1));
      return true;
    }
    const label = event.key.length === 1 ? labelFor(this.labels, event.key) : undefined;
    if (!label) return false;
    this.label(label.id);
    return true;
  }
}
