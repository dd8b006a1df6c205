// Lanes on the review page: the gold, then each submitted annotation, shown one at a time
// over the same text; in an annotator's lane, selecting and stepping through its highlights
// (all, or only the disputed ones), accepting one into gold, and the lane's tabs and side
// panel. Mixed into Review (review.js), so `this` is the Review.

import { GOLD_REVIEWED } from "./gold.js";
import { el } from "./panels.js";

export const SELECT_FIRST = "Select a highlight of this lane first (click it, or press ] ).";

export class Lanes {
  showLane(lane) {
    this.lane = lane;
    this.selected = null;
    window.getSelection()?.removeAllRanges();
    // On #reviewer (what the page shows) and on each element styled by it (review.css says why).
    const kind = lane === "gold" ? "gold" : "annotator";
    for (const element of this.laneStyled) element.dataset.lane = kind;
    for (const tab of this.tabs) {
      const on = tab.dataset.lane === String(lane);
      tab.setAttribute("aria-selected", String(on));
      tab.tabIndex = on ? 0 : -1;
    }
    if (lane === "gold") {
      if (this.annotator) {
        this.annotator.enabled = true;
        this.annotator.render();
      } else {
        this.view.render([], () => []);
        this.renderLaneDocumentLabels();
        this.drawLaneRelations({ relations: [] });
        this.showLaneList();
      }
    } else {
      if (this.annotator) {
        this.annotator.enabled = false;
        this.annotator.selected = null;
        this.annotator.active = null;
        this.annotator.picking = null;
        this.annotator.evidencePick = null;
      }
      this.renderLane();
    }
    this.refresh();
  }

  /** The lane `direction` (1 or -1) steps from the one shown: gold, then each annotator. */
  laneAfter(direction) {
    const order = ["gold", ...this.lanes.map((lane) => lane.id)];
    const at = order.indexOf(this.lane);
    return order[(at + direction + order.length) % order.length];
  }

  stepLane(direction, focusTab = false) {
    this.showLane(this.laneAfter(direction));
    if (focusTab) {
      this.tabs.find((tab) => tab.dataset.lane === String(this.lane))?.focus();
    } else {
      // The text keeps the focus, so that Enter accepts rather than presses a tab.
      this.textRoot.focus({ preventScroll: true });
    }
  }

  renderLane() {
    const lane = this.currentLane();
    if (!lane) return;
    const gold = this.goldKeys();
    const spans = lane.spans.map((span) => {
      const label = this.labels.get(span.label);
      return {
        key: span.key,
        id: span.id,
        start: span.start,
        end: span.end,
        labelId: span.label,
        labelName: label ? label.name : "?",
        pending: false,
      };
    });
    this.view.render(spans, (key) => {
      const span = lane.byKey.get(key);
      const item = span.itemKey;
      const names = [`kind-${this.labels.get(span.label)?.kind || "entity"}`];
      names.push(this.disputed(item) ? "disagree" : "agreed");
      if (gold.has(item)) names.push("in-gold");
      if (key === this.selected) names.push("selected");
      return names;
    });
    this.renderLaneDocumentLabels();
    this.drawLaneRelations(lane);
    this.showLaneList();
  }

  selectLaneSpan(key) {
    this.selected = key;
    this.renderLane();
    this.renderLanePanel();
    this.view.piecesOf(key)[0]?.scrollIntoView({ block: "nearest" });
  }

  /** The next highlight of the lane (only disputed ones with `disputedOnly`). */
  stepSpan(direction, disputedOnly) {
    const lane = this.currentLane();
    if (!lane) {
      this.stepGoldDisagreement(direction);
      return;
    }
    const spans = lane.spans.filter((s) => !disputedOnly || this.disputed(s.itemKey));
    if (!spans.length) {
      this.say(disputedOnly ? "No disagreement in this lane." : "This lane has no highlight.");
      return;
    }
    const at = spans.findIndex((span) => span.key === this.selected);
    let next;
    if (at < 0) next = direction > 0 ? 0 : spans.length - 1;
    else next = (at + direction + spans.length) % spans.length;
    this.selectLaneSpan(spans[next].key);
  }

  stepGoldDisagreement(direction) {
    if (!this.annotator) return;
    const spans = this.annotator.store
      .sortedSpans()
      .filter((span) => this.disputed(this.goldSpanKey(span)));
    if (!spans.length) {
      this.say("No gold highlight is disputed.");
      return;
    }
    const at = spans.findIndex((span) => span.key === this.annotator.selected);
    const next = at < 0 ? (direction > 0 ? 0 : spans.length - 1) : (at + direction + spans.length) % spans.length;
    this.annotator.selectSpan(spans[next].key);
  }

  acceptSelected() {
    const span = this.currentLane()?.byKey.get(this.selected);
    if (!span) {
      this.say(SELECT_FIRST);
      return;
    }
    if (this.goldStatus() === "submitted") {
      this.say(GOLD_REVIEWED);
      return;
    }
    this.acceptSpan(span);
  }

  renderTabs() {
    const gold = this.annotator ? this.annotator.store.spans.size : 0;
    for (const tab of this.tabs) {
      const count = tab.querySelector(".count");
      if (tab.dataset.lane === "gold") {
        count.textContent = this.annotator ? String(gold) : "—";
        continue;
      }
      const lane = this.lanes.find((l) => String(l.id) === tab.dataset.lane);
      const disputed = lane.spans.filter((span) => this.disputed(span.itemKey)).length;
      count.textContent = disputed ? `${lane.spans.length} · ${disputed} ≠` : String(lane.spans.length);
      tab.title = `${lane.spans.length} highlight(s), ${disputed} not shared by every annotator`;
    }
  }

  renderLanePanel() {
    const panel = document.getElementById("lane-panel");
    const lane = this.currentLane();
    panel.hidden = !lane;
    if (!lane) return;
    const gold = this.goldKeys();
    const reviewed = this.goldStatus() === "submitted";
    const body = [el("h2", { id: "lane-heading", text: `${lane.author}’s annotation` })];
    const span = lane.byKey.get(this.selected);
    if (span) {
      const label = this.labels.get(span.label);
      const item = span.itemKey;
      const accept = el(
        "button",
        { type: "button", id: "accept-selected", className: "primary", disabled: reviewed || null },
        gold.has(item) ? "Accept again" : "Accept into gold",
        " ",
        el("kbd", { text: "Enter" }),
      );
      accept.addEventListener("click", () => this.acceptSelected());
      body.push(
        el(
          "p",
          {},
          el("span", { className: `chip lbl-${span.label}`, text: label ? label.name : "?" }),
          " ",
          el("span", { className: "muted small", text: `characters ${span.start}–${span.end}` }),
        ),
        el("blockquote", { className: "quote", text: span.text }),
        span.claimant !== null || span.claimant_text
          ? el("p", { className: "small", text: `Claimant: ${this.claimantText(lane, span)}` })
          : null,
        span.checkworthy ? el("p", { className: "small", text: `Check-worthy: ${span.checkworthy}` }) : null,
        el("p", { className: "small" }, ...this.whoHas(item)),
        el("p", { className: "small" }, gold.has(item) ? el("strong", { text: "✓ In gold" }) : "Not in gold"),
        accept,
      );
    } else {
      body.push(
        el("p", {
          className: "muted small",
          text: "Click a highlight (or press ] ) to see it; Enter accepts it into gold. ≠ marks what not every annotator has; ✓ what gold has.",
        }),
      );
    }
    body.push(el("h3", { text: "Stances" }));
    if (!lane.stances.length) body.push(el("p", { className: "muted small", text: "No stance." }));
    const list = el("ul", { className: "plain stance-list" });
    for (const stance of lane.stances) {
      const item = stance.itemKey;
      const accept = el("button", {
        type: "button",
        className: "small",
        id: `accept-stance-${stance.id}`,
        disabled: reviewed || null,
        text: gold.has(item) ? "✓ In gold" : "Accept",
      });
      accept.addEventListener("click", () => this.acceptStance(stance));
      list.append(
        el(
          "li",
          { className: this.disputed(item) ? "disagree" : "agreed", dataset: { stanceId: String(stance.id) } },
          this.disputed(item) ? el("span", { className: "marker", title: "Not every annotator has it", text: "≠" }) : null,
          this.stanceCaption(stance),
          " ",
          accept,
        ),
      );
    }
    body.push(list, ...this.laneRelationList(lane, gold, reviewed));
    panel.replaceChildren(...body.filter(Boolean));
  }
}
