// Document labels: the chips above the text that label the whole document (topic, genre,
// verdict), chosen in groups.
//
// `chooseLabel` is the rule a key press or a click follows, mirrored from the server's
// annotations/doclabels.py (`choose`; tests/browser/test_doclabels_js.py holds the two
// equal): a label toggles, and in a single-choice group it replaces the group's other label.
// The server refuses two labels of a single-choice group; the page never sends them.
//
// DocumentLabelBar draws the groups (in the project's order) into #document-labels, each
// label a toggle button showing its name and key; DocumentLabelEditing is mixed into the
// Annotator (annotator.js): the whole set is one save-queue operation ("doclabels.set"),
// so undo, redo, retries and reloads work as for spans. Built with createElement and
// textContent only.

import { el } from "./panels.js";

/**
 * The labels chosen after `labelId` is pressed: toggled; in a single-choice group it
 * replaces the group's other label. `groupOf(id)` gives a label's group ({id, multiple}).
 * The order is kept, a label added goes last.
 */
export function chooseLabel(chosen, labelId, groupOf) {
  if (chosen.includes(labelId)) return chosen.filter((other) => other !== labelId);
  const group = groupOf(labelId);
  const kept = group.multiple ? chosen : chosen.filter((other) => groupOf(other).id !== group.id);
  return [...kept, labelId];
}

/** The required groups none of `chosen` belongs to (what submit would be refused for). */
export function missingGroups(chosen, groups, labels) {
  const filled = new Set(chosen.map((id) => labels.get(id)?.group));
  const used = new Set([...labels.values()].map((label) => label.group));
  return groups.filter((group) => group.required && used.has(group.id) && !filled.has(group.id));
}

/** Two sets of label ids are the same set. */
export function sameLabels(a, b) {
  return a.length === b.length && a.every((id) => b.includes(id));
}

export class DocumentLabelBar {
  /**
   * @param {HTMLElement} root  the #document-labels element (hidden when the project has none)
   * @param {object[]} groups  the project's label groups ({id, name, multiple, required, position})
   * @param {object[]} labels  the project's labels (only those of kind "document" are drawn)
   * @param {(labelId: number) => void} onPress  a chip pressed
   */
  constructor(root, groups, labels, onPress) {
    this.root = root;
    this.labels = new Map(labels.filter((label) => label.kind === "document").map((label) => [label.id, label]));
    this.groups = [...groups]
      .sort((a, b) => a.position - b.position || a.id - b.id)
      .filter((group) => [...this.labels.values()].some((label) => label.group === group.id));
    this.buttons = new Map(); // label id -> button
    this.rows = new Map(); // group id -> row
    if (!root) return;
    root.hidden = this.groups.length === 0;
    root.replaceChildren(...this.groups.map((group) => this.makeRow(group, onPress)));
  }

  groupOf(labelId) {
    const label = this.labels.get(labelId);
    return this.groups.find((group) => group.id === label?.group) || { id: null, multiple: true };
  }

  makeRow(group, onPress) {
    const how = `${group.multiple ? "any number" : "one"}${group.required ? " · required" : ""}`;
    const row = el(
      "div",
      { className: "doclabel-group", role: "group", dataset: { group: group.name } },
      el("span", { className: "doclabel-group-name", text: group.name }),
      el("span", { className: "doclabel-group-how muted small", text: how }),
    );
    row.setAttribute("aria-label", `${group.name} (${how})`);
    for (const label of this.labels.values()) {
      if (label.group !== group.id) continue;
      const button = el(
        "button",
        {
          type: "button",
          className: `doc-label lbl-${label.id}`,
          title: label.description || null,
          dataset: { label: label.name, labelId: String(label.id) },
        },
        el("span", { className: "swatch", "aria-hidden": "true" }),
        el("span", { className: "label-name", text: label.name }),
        label.shortcut ? el("kbd", { text: label.shortcut }) : null,
      );
      button.setAttribute("aria-pressed", "false");
      if (label.shortcut) button.setAttribute("aria-keyshortcuts", label.shortcut);
      button.addEventListener("click", () => onPress(label.id));
      this.buttons.set(label.id, button);
      row.append(button);
    }
    this.rows.set(group.id, row);
    return row;
  }

  /** Show `chosen` (label ids) pressed; `editable` false disables the chips. `marks(id)`: extra classes. */
  render(chosen, { editable, marks } = {}) {
    if (!this.root) return;
    for (const [id, button] of this.buttons) {
      button.setAttribute("aria-pressed", String(chosen.includes(id)));
      button.disabled = !editable;
      button.classList.remove("agreed", "disagree", "in-gold");
      if (marks) button.classList.add(...marks(id));
    }
    const missing = new Set(missingGroups(chosen, this.groups, this.labels).map((group) => group.id));
    for (const [id, row] of this.rows) row.classList.toggle("missing", missing.has(id));
  }
}

/** Mixed into the Annotator (annotator.js): `this` is the Annotator. */
export class DocumentLabelEditing {
  /** Toggle a document label (its key, or a click), as one change of the whole set. */
  toggleDocumentLabel(labelId) {
    if (!this.guard()) return;
    const next = chooseLabel(this.store.documentLabels, labelId, (id) => this.documentLabelBar.groupOf(id));
    this.change([{ type: "doclabels.set", labels: next }]);
  }

  /** The document label whose key is `key` (either case), or null. */
  documentLabelFor(key) {
    const lower = key.toLowerCase();
    for (const label of this.documentLabelBar.labels.values()) {
      if (label.shortcut && label.shortcut.toLowerCase() === lower) return label;
    }
    return null;
  }

  renderDocumentLabels() {
    if (this.enabled) this.documentLabelBar.render(this.store.documentLabels, { editable: this.editable });
  }
}

export const NOT_IN_LANE = "This annotator did not give that label; open their lane's labels to accept one.";
export const NO_GOLD_LABELS = "No gold yet: accept an annotator's label (in their lane), or build gold first.";
export const GOLD_REVIEWED_LABELS = "The gold is marked reviewed; reopen it to change it.";

/**
 * Mixed into Review (review.js): the chips above the text show the lane's labels. In gold
 * they toggle gold's (the gold's Annotator); in an annotator's lane each chip the annotator
 * gave is marked (every annotator gave it, or not; gold has it) and a click accepts it into
 * gold, as Enter accepts a highlight.
 */
export class ReviewDocumentLabels {
  makeDocumentLabelBar() {
    this.documentLabelBar = new DocumentLabelBar(
      document.getElementById("document-labels"),
      this.payload.label_groups || [],
      this.payload.labels,
      (labelId) => this.documentLabelPressed(labelId),
    );
  }

  documentLabelPressed(labelId) {
    if (this.lane === "gold") {
      if (this.annotator) this.annotator.toggleDocumentLabel(labelId);
      else this.say(NO_GOLD_LABELS);
      return;
    }
    if (!this.currentLane()?.documentLabels.includes(labelId)) {
      this.say(NOT_IN_LANE);
      return;
    }
    if (this.goldStatus() === "submitted") {
      this.say(GOLD_REVIEWED_LABELS);
      return;
    }
    this.acceptDocumentLabel(labelId);
  }

  /** The labels of the lane shown (an annotator's), marked; gold's are the Annotator's to draw. */
  renderLaneDocumentLabels() {
    const lane = this.currentLane();
    if (!lane) {
      if (!this.annotator) this.documentLabelBar.render([], { editable: false });
      return;
    }
    const gold = this.annotator ? this.annotator.store.documentLabels : [];
    const total = this.lanes.length;
    this.documentLabelBar.render(lane.documentLabels, {
      editable: true,
      marks: (id) => {
        if (!lane.documentLabels.includes(id)) return [];
        const holders = this.lanes.filter((other) => other.documentLabels.includes(id)).length;
        const names = [total > 1 && holders < total ? "disagree" : "agreed"];
        if (gold.includes(id)) names.push("in-gold");
        return names;
      },
    });
  }
}
