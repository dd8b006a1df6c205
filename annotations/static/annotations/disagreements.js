// Disagreements on the review page: every item (span or stance) not every annotator has,
// with who has it and whether gold has it, and the items a gold build left out (ties,
// minorities, overlaps), each offered for acceptance as one of its annotators has it.
// Mixed into Review (review.js), so `this` is the Review.

import { sameItem, spanItem, stanceItem, voteKey } from "./items.js";
import { el, shorten } from "./panels.js";

const REASONS = {
  tie: "a tie",
  minority: "a minority",
  overlap: "overlaps a better-supported span of its kind",
  same_target_and_holder: "a second stance on the target by the same holder",
  span_left_out: "its claimant, holder or evidence was left out",
  checkworthy_tie: "check-worthiness differs",
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
    const items = disputed.map(([key, holders]) => this.disagreementItem(key, holders, gold.has(key)));
    list.replaceChildren(...items);
  }

  disagreementItem(key, holders, inGold) {
    const [laneId, item] = [...holders.entries()][0];
    const lane = this.lanes.find((l) => l.id === laneId);
    const isSpan = this.itemOf.get(key).kind === "span";
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
    } else {
      caption = this.stanceCaption(item);
    }
    const accept = el("button", {
      type: "button",
      className: "small",
      disabled: this.busy || reviewed || inGold || null,
      text: inGold ? "✓ In gold" : "Accept",
      dataset: { accept: key },
    });
    accept.addEventListener("click", () => (isSpan ? this.acceptSpan(item) : this.acceptStance(item)));
    return el(
      "li",
      { className: `disagreement${inGold ? " in-gold" : ""}`, dataset: { key } },
      el("span", { className: "marker", "aria-hidden": "true", text: "≠" }),
      el("div", { className: "disagreement-body" }, caption, el("div", { className: "small" }, ...this.whoHas(key))),
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
    const authors = conflict.annotations.map((id) => this.lanes.find((l) => l.id === id)?.author || `#${id}`);
    const label = this.labelsByName.get(conflict.label);
    const parts = [el("span", { className: `chip${label ? ` lbl-${label.id}` : ""}`, text: conflict.label })];
    if (conflict.kind === "span") {
      parts.push(` “${shorten(this.index.slice(conflict.start, conflict.end), 50)}” `);
      parts.push(el("span", { className: "muted small", text: `${conflict.start}–${conflict.end}` }));
    } else {
      parts.push(` on “${conflict.target}”`);
    }
    const count = conflict.count !== undefined ? ` (${conflict.count} of ${conflict.of})` : "";
    parts.push(el("div", { className: "small", text: `${REASONS[conflict.reason] || conflict.reason}${count}: ${authors.join(", ")}` }));
    const item = el("li", { className: "conflict", dataset: { reason: conflict.reason } }, el("div", {}, ...parts));
    // Offer the item as one of its annotators has it, to accept with a click.
    for (const id of conflict.annotations) {
      const lane = this.lanes.find((l) => l.id === id);
      const source = lane && this.conflictSource(lane, conflict, label);
      if (!source) continue;
      const accept = el("button", { type: "button", className: "small", text: `Accept ${lane.author}’s` });
      accept.addEventListener("click", () =>
        conflict.kind === "span" ? this.acceptSpan(source) : this.acceptStance(source),
      );
      item.append(accept);
      break;
    }
    return item;
  }

  /** The lane's span or stance a conflict names: the item the gold build voted on. */
  conflictSource(lane, conflict, label) {
    const offsets = (ref) => (ref ? [ref.start, ref.end] : null);
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
