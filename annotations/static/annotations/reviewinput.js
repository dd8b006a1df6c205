// Input on the review page: lane tabs, clicks on an annotator's highlights, and the keys. The
// keys are declared in keys.js (KEYMAP.review, from which the help overlay is drawn); this
// listener runs first (capture) and takes the review's own keys, and in the gold lane leaves
// the rest to the gold's Annotator (annotatorinput.js). Mixed into Review (review.js), so
// `this` is the Review.

import { NO_GOLD } from "./gold.js";
import { openHelp } from "./help.js";
import { KEYMAP, isTyping, keyAction, labelFor } from "./keys.js";

const KEYS = KEYMAP.review;
const READ_ONLY_LANE = "This lane is read-only: press Enter to accept a highlight, or , to edit the gold.";

export class ReviewInput {
  bind() {
    // Capture: the review's keys are decided before the gold's Annotator sees them.
    window.addEventListener("keydown", (event) => this.onKey(event), true);
    this.textRoot.addEventListener("click", (event) => this.onTextClick(event));
    // The tab list's own keys (WAI-ARIA tabs): arrows move between the lanes.
    document.getElementById("lanes").addEventListener("keydown", (event) => {
      const action = keyAction(KEYS, event, "tabs");
      if (!action) return;
      event.preventDefault();
      this.stepLane(action === "nextLane" ? 1 : -1, true);
    });
    for (const tab of this.tabs) {
      tab.addEventListener("click", () => {
        const lane = tab.dataset.lane;
        this.showLane(lane === "gold" ? "gold" : Number(lane));
      });
    }
    this.buttons.majority.addEventListener("click", () => this.buildMajority());
    this.buttons.agreed.addEventListener("click", () => this.acceptAgreed());
    this.buttons.reviewed.addEventListener("click", () => this.toggleReviewed());
    document.getElementById("help-button").addEventListener("click", () => {
      if (!this.annotator) openHelp();
    });
  }

  onTextClick(event) {
    if (this.lane === "gold") return;
    const selection = window.getSelection();
    if (selection && !selection.isCollapsed) return;
    const element = this.view.spanAt(event.target);
    if (element) this.selectLaneSpan(element.dataset.key);
    else if (this.selected) {
      this.selected = null;
      this.renderLane();
      this.renderLanePanel();
    }
  }

  onKey(event) {
    if (document.getElementById("help").open) return;
    const target = event.target;
    if (isTyping(target)) return;
    const handled = () => {
      event.preventDefault();
      event.stopImmediatePropagation();
    };
    // The review's own keys, in every lane.
    const action = keyAction(KEYS, event);
    switch (action) {
      case "toggleReviewed":
        handled();
        this.toggleReviewed();
        return;
      case "nextLane":
      case "previousLane":
        handled();
        if (this.viewMode === "side") {
          // Straight to the lane asked for: the lanes view draws its text once, not first
          // the lane it would leave at once.
          this.lane = this.laneAfter(action === "nextLane" ? 1 : -1);
          this.setView("lanes");
          this.textRoot.focus({ preventScroll: true });
        } else {
          this.stepLane(action === "nextLane" ? 1 : -1);
        }
        return;
      case "nextDisagreement":
      case "previousDisagreement":
        handled();
        if (this.viewMode === "side") this.curation.step(action === "nextDisagreement" ? 1 : -1, true);
        else this.stepSpan(action === "nextDisagreement" ? 1 : -1, true);
        return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (this.viewMode === "side") {
      if (this.onCurationKey(event, action)) handled();
      return;
    }
    if (this.lane === "gold" && this.annotator) return; // the gold's own keys
    // An annotator lane (or gold not started): the page's keys only.
    if (target instanceof HTMLButtonElement && (event.key === "Enter" || event.key === " ")) return;
    const laneAction = keyAction(KEYS, event, "lane");
    if (laneAction === "nextSpan" || laneAction === "previousSpan") {
      handled();
      this.stepSpan(laneAction === "nextSpan" ? 1 : -1, false);
    } else if (laneAction === "accept") {
      handled();
      this.acceptSelected();
    } else if (laneAction === "clear") {
      handled();
      this.selected = null;
      this.renderLane();
      this.renderLanePanel();
    } else if (action === "help") {
      handled();
      openHelp();
    } else if (event.key.length === 1 && labelFor(this.payload.labels, event.key)) {
      // A label's key here would change gold unseen: say where editing happens instead.
      handled();
      this.say(this.lane !== "gold" ? READ_ONLY_LANE : NO_GOLD);
    }
  }
}
