// Disagreements on the review page: every item (span or stance) not every annotator has,
// with who has it and whether gold has it (or has its place with other attributes), and what
// a gold build or "accept all agreed" could not take as the annotators had it: places left
// out (ties, minorities, overlaps), each offered for acceptance as one of its annotators has
// it, and attributes the annotators differ on (the place is in gold, the attribute listed
// with each value and who gave it), each value offered as its annotator's version.
// Mixed into Review (review.js), so `this` is the Review.

import { describeValues } from "./attributes.js";
import { attributeDifferences, placeKey, sameItem, spanItem, stanceItem, voteKey } from "./items.js";
import { el, shorten } from "./panels.js";
import { laneRelationNamed, relationCaption, relationEndsText } from "./relations.js";

const REASONS = {
  tie: "a tie",
  minority: "a minority",
  overlap: "overlaps a better-supported span of its kind",
  span_left_out: "its claimant, holder or evidence was left out",
  single_choice: "another label of its single-choice group was chosen as often or more",
};

// How a reviewer reads the attributes items.js names.
export const ATTRIBUTE_NAMES = {
  claimant: "claimant",
  checkworthy: "check-worthiness",
  label: "value",
  evidence: "evidence",
  attributes: "attributes",
};

export class Disagreements {
  /** Every item not every annotator has, with who has it and whether gold has it. */
  renderDisagreements() {
    const list = document.getElementById("disagreement-list");
    const summary = document.getElementById("disagreement-summary");
    const gold = this.goldKeys();
    const disputed = [...this.tally.entries()].filter(([key]) => this.disputed(key));
    const agreed = this.tally.size - disputed.length;
    if (this.lanes.length < 2) {
      summary.textContent =
        this.lanes.length === 1
          ? "One submitted annotation: nothing to compare yet."
          : "No submitted annotation yet.";
      list.replaceChildren();
      return;
    }
    const inGold = disputed.filter(([key]) => gold.has(key)).length;
    summary.textContent =
      `${disputed.length} item${disputed.length === 1 ? "" : "s"} not shared by every annotator ` +
      `(${inGold} in gold); ${agreed} shared by all.`;
    disputed.sort(([, a], [, b]) => {
      const first = (holders) => [...holders.values()][0];
      return (first(a).start ?? Infinity) - (first(b).start ?? Infinity);
    });
    // Gold's first item at each place, looked up once per disputed item.
    const goldPlaces = new Map();
    for (const item of this.goldItems()) {
      if (!goldPlaces.has(placeKey(item))) goldPlaces.set(placeKey(item), item);
    }
    const items = disputed.map(([key, holders]) => this.disagreementItem(key, holders, gold.has(key), goldPlaces));
    list.replaceChildren(...items);
  }

  disagreementItem(key, holders, inGold, goldPlaces) {
    const [laneId, item] = [...holders.entries()][0];
    const lane = this.lanes.find((l) => l.id === laneId);
    const isSpan = this.itemOf.get(key).kind === "span";
    const isRelation = this.itemOf.get(key).kind === "relation";
    const reviewed = this.goldStatus() === "submitted";
    let caption;
    if (isSpan) {
      const label = this.labels.get(item.label);
      const show = el("button", {
        type: "button",
        className: "link-button",
        text: `“${shorten(item.text, 50)}”`,
        title: `Show it in ${lane.author}’s lane`,
      });
      show.addEventListener("click", () => {
        this.showLane(lane.id);
        this.selectLaneSpan(item.key);
      });
      caption = el(
        "span",
        {},
        el("span", { className: `chip lbl-${item.label}`, text: label ? label.name : "?" }),
        " ",
        show,
        " ",
        el("span", { className: "muted small", text: `${item.start}–${item.end}` }),
      );
    } else if (isRelation) {
      caption = el("span", {}, ...relationCaption(this.labels, item, item.sourceSpan, item.targetSpan));
    } else {
      caption = this.stanceCaption(item);
    }
    const accept = el("button", {
      type: "button",
      className: "small",
      disabled: reviewed || inGold || null,
      text: inGold ? "✓ In gold" : "Accept",
      dataset: { accept: key },
    });
    accept.addEventListener("click", () => {
      if (isSpan) this.acceptSpan(item);
      else if (isRelation) this.acceptRelation(item);
      else this.acceptStance(item);
    });
    // Gold may have this place with other attributes (a build left a disputed one empty):
    // accepting this version sets them.
    const wanted = this.itemOf.get(key);
    const atPlace = inGold ? null : goldPlaces.get(placeKey(wanted));
    const goldNote = atPlace
      ? el("div", {
          className: "small gold-place",
          text: `Gold has it here with another ${attributeDifferences(wanted, atPlace)
            .map((name) => ATTRIBUTE_NAMES[name] || name)
            .join(" and ")}.`,
        })
      : null;
    return el(
      "li",
      { className: `disagreement${inGold ? " in-gold" : ""}`, dataset: { key } },
      el("span", { className: "marker", "aria-hidden": "true", text: "≠" }),
      el(
        "div",
        { className: "disagreement-body" },
        caption,
        el("div", { className: "small" }, ...this.whoHas(key)),
        goldNote,
      ),
      accept,
    );
  }

  renderConflicts(conflicts, heading) {
    const panel = document.getElementById("conflicts-panel");
    const list = document.getElementById("conflict-list");
    document.getElementById("conflicts-heading").textContent = heading;
    panel.hidden = false;
    if (!conflicts.length) {
      list.replaceChildren(el("li", { className: "muted small", text: "Nothing: every item went in." }));
      return;
    }
    list.replaceChildren(...conflicts.map((conflict) => this.conflictItem(conflict)));
  }

  conflictItem(conflict) {
    if (conflict.attribute) return this.attributeConflictItem(conflict);
    const authors = conflict.annotations.map((id) => this.lanes.find((l) => l.id === id)?.author || `#${id}`);
    const label = this.labelsByName.get(conflict.label);
    const parts = [el("span", { className: `chip${label ? ` lbl-${label.id}` : ""}`, text: conflict.label })];
    if (conflict.kind === "span") {
      parts.push(` “${shorten(this.index.slice(conflict.start, conflict.end), 50)}” `);
      parts.push(el("span", { className: "muted small", text: `${conflict.start}–${conflict.end}` }));
    } else if (conflict.kind === "document_label") {
      parts.push(` (document, ${conflict.group})`);
    } else if (conflict.kind === "relation") {
      parts.push(` ${relationEndsText(this.index, conflict)}`);
    } else {
      parts.push(` on “${conflict.target}”`);
    }
    const count = conflict.count !== undefined ? ` (${conflict.count} of ${conflict.of})` : "";
    parts.push(el("div", { className: "small", text: `${REASONS[conflict.reason] || conflict.reason}${count}: ${authors.join(", ")}` }));
    const item = el("li", { className: "conflict", dataset: { reason: conflict.reason } }, el("div", {}, ...parts));
    // Offer the item as one of its annotators has it, to accept with a click.
    for (const id of conflict.annotations) {
      const lane = this.lanes.find((l) => l.id === id);
      const relation = conflict.kind === "relation";
      const source = lane && (relation ? laneRelationNamed(lane, this.labels, conflict) : this.conflictSource(lane, conflict, label));
      if (!source) continue;
      const accept = el("button", { type: "button", className: "small", text: `Accept ${lane.author}’s` });
      accept.addEventListener("click", () => {
        if (relation) this.acceptRelation(source);
        else if (conflict.kind === "span") this.acceptSpan(source);
        else if (conflict.kind === "document_label") this.acceptDocumentLabel(source.id);
        else this.acceptStance(source);
      });
      item.append(accept);
      break;
    }
    return item;
  }

  /**
   * An attribute the annotators differ on, at a place gold has (a stance's value: gold could
   * not take the stance): each value with who gave it, what gold has, and each annotator's
   * version to accept.
   */
  attributeConflictItem(conflict) {
    const name = ATTRIBUTE_NAMES[conflict.attribute] || conflict.attribute;
    const parts = [this.placeCaption(conflict), " "];
    const noStance = conflict.kind === "stance" && conflict.attribute === "label" && conflict.gold === null;
    let verdict;
    if (conflict.reason === "span_left_out") {
      verdict = `${name}: the span chosen is not in gold, so gold has none`;
    } else if (noStance) {
      verdict = `${name} differs: the stance is not in gold`;
    } else {
      const value = this.valueText(conflict.attribute, conflict.gold);
      verdict = `${name} differs: gold has ${conflict.gold === null ? "none" : value}`;
    }
    parts.push(el("strong", { className: "differs", text: verdict }));
    const values = conflict.values.map((entry) => {
      const authors = entry.annotations.map((id) => this.lanes.find((l) => l.id === id)?.author || `#${id}`);
      return `${authors.join(", ")}: ${this.valueText(conflict.attribute, entry.value)}`;
    });
    parts.push(el("div", { className: "small", text: values.join("; ") }));
    const item = el(
      "li",
      { className: "conflict", dataset: { reason: conflict.reason, attribute: conflict.attribute } },
      el("div", {}, ...parts),
    );
    for (const entry of conflict.values) {
      const lane = this.lanes.find((l) => l.id === entry.annotations[0]);
      const source = lane && this.placeSource(lane, conflict);
      if (!source) continue;
      const accept = el("button", { type: "button", className: "small", text: `Accept ${lane.author}’s` });
      accept.addEventListener("click", () => {
        if (conflict.kind === "span") this.acceptSpan(source);
        else if (conflict.kind === "document_label") this.acceptDocumentLabel(source.id);
        else this.acceptStance(source);
      });
      item.append(accept);
    }
    return item;
  }

  /** A conflict's place: a span's label, text and offsets, or a stance's target and holder. */
  placeCaption(conflict) {
    if (conflict.kind === "span") {
      const label = this.labelsByName.get(conflict.label);
      return el(
        "span",
        {},
        el("span", { className: `chip${label ? ` lbl-${label.id}` : ""}`, text: conflict.label }),
        ` “${shorten(this.index.slice(conflict.start, conflict.end), 50)}” `,
        el("span", { className: "muted small", text: `${conflict.start}–${conflict.end}` }),
      );
    }
    const holder = conflict.holder ? `“${shorten(this.index.slice(conflict.holder.start, conflict.holder.end), 30)}”` : "the author";
    return el("span", {}, "Stance on ", el("strong", { text: conflict.target }), ` held by ${holder}`);
  }

  /** An attribute's value as the API gives it, as a reviewer reads it. */
  valueText(attribute, value) {
    if (value === null || value === undefined) return "none";
    if (attribute === "attributes") return describeValues(value) || "none";
    if (typeof value === "object") {
      if (value.start === undefined) return `${value.text} (not in the text)`;
      return `“${shorten(value.text, 40)}”`;
    }
    return String(value);
  }

  /** The lane's span or stance at a conflict's place, whatever its attributes. */
  placeSource(lane, conflict) {
    if (conflict.kind === "span") {
      return lane.spans.find(
        (span) =>
          span.start === conflict.start &&
          span.end === conflict.end &&
          this.labels.get(span.label)?.name === conflict.label,
      );
    }
    const holder = conflict.holder ? [conflict.holder.start, conflict.holder.end] : null;
    return lane.stances.find(
      (stance) =>
        this.targetName(stance.target) === conflict.target &&
        JSON.stringify(stance.item.place.holder) === JSON.stringify(holder),
    );
  }

  /** The lane's span or stance a conflict names: the item the gold build voted on. */
  conflictSource(lane, conflict, label) {
    const offsets = (ref) => (ref ? [ref.start, ref.end] : null);
    if (conflict.kind === "document_label") return label && lane.documentLabels.includes(label.id) ? label : null;
    if (conflict.kind === "span") {
      const wanted = spanItem({
        label: label?.id,
        start: conflict.start,
        end: conflict.end,
        claimant: offsets(conflict.claimant),
        claimant_text: conflict.claimant_text || "",
      });
      return lane.spans.find((span) => sameItem(voteKey(span.item), wanted));
    }
    const target = [...this.targets.values()].find((t) => t.name === conflict.target);
    const wanted = stanceItem({
      target: target?.id,
      label: label?.id,
      holder: offsets(conflict.holder),
      evidence: offsets(conflict.evidence),
    });
    return lane.stances.find((stance) => sameItem(stance.item, wanted));
  }
}
