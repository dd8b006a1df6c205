// The review page: each submitted annotator's work in its own lane over the one text, the
// disagreements marked, and the gold edited with the annotate page's keys (an Annotator over
// the gold, sharing the text view). Accepting, building and reverting go through the REST
// API; before each, the gold's save queue is drained so nothing is sent out of order.
//
// This module owns the Review's state, the tally of who has which item (items.js says when
// two annotators' spans or stances are the same item), the redraw of everything but the text,
// and the captions the panels share. Its other methods are in
// modules of their own, mixed in below: gold.js (the gold's Annotator and the writes to
// gold), lanes.js (lanes, tabs, the lane panel), disagreements.js, history.js,
// reviewinput.js (clicks and keys, by the map in keys.js), curation.js (the side-by-side
// view and the switch between it and the lanes) and doclabels.js (the document's labels).

import { AnnotationList, LaneListing } from "./annolist.js";
import { Curation, CurationView } from "./curation.js";
import { ATTRIBUTE_NAMES, Disagreements } from "./disagreements.js";
import { ReviewDocumentLabels } from "./doclabels.js";
import { GoldEditing } from "./gold.js";
import { renderHelp } from "./help.js";
import { bindMatchCase } from "./occurrences.js";
import { History } from "./history.js";
import { attributeDifferences, itemKey, placeKey, spanItem, stanceItem } from "./items.js";
import { Lanes } from "./lanes.js";
import { mixMethods } from "./mixin.js";
import { MessageBar, showSaveState } from "./notices.js";
import { OffsetIndex } from "./offsets.js";
import { el, shorten } from "./panels.js";
import { RelationReview, laneRelation, storeRelationItems } from "./relations.js";
import { ReviewInput } from "./reviewinput.js";
import { TextView } from "./textview.js";
// The guidelines drawer and the comments panel wire themselves (keys, buttons) when imported.
import "./comments.js";
import "./guidelines.js";

const GOLD_STATE_TEXT = { none: "No gold yet", in_progress: "Gold in review", submitted: "Gold reviewed ✓" };

const byPosition = (a, b) => a.start - b.start || b.end - a.end;

const offsetsOf = (span) => (span ? [span.start, span.end] : null);

class Review {
  constructor(root, payload) {
    this.root = root;
    this.payload = payload;
    this.documentId = payload.document.id;
    this.index = new OffsetIndex(payload.document.text);
    this.labels = new Map(payload.labels.map((label) => [label.id, label]));
    this.labelsByName = new Map(payload.labels.map((label) => [label.name, label]));
    this.targets = new Map(payload.targets.map((target) => [target.id, target]));
    this.lanes = payload.annotators.map((annotation) => this.makeLane(annotation));
    this.tally = this.countItems();
    this.lane = "gold";
    this.selected = null; // key of the selected span in an annotator lane
    this.annotator = null; // the gold's Annotator, once there is gold
    this.busy = false; // gold actions queued or under way (goldqueue.js)
    this.pendingGold = null; // gold an action made, drawn when the queue is empty
    this.goldQueue = this.makeGoldQueue();
    // Queued gold actions live in this page only: leaving it asks first while any is unsent.
    window.addEventListener("beforeunload", (event) => {
      if (!this.goldQueue.idle) event.preventDefault();
    });
    this.historyTimer = null;

    this.textRoot = document.getElementById("document-text");
    this.view = new TextView(this.textRoot, this.index);
    this.statusOutput = document.getElementById("save-status");
    this.goldState = document.getElementById("gold-status");
    this.messages = new MessageBar(document.getElementById("message"));
    this.list = new AnnotationList(document.getElementById("annotation-list-panel"), this.labels);
    this.tabs = [...document.querySelectorAll("#lanes [data-lane]")];
    // What data-lane (gold or an annotator's) is set on: the page, and what review.css styles by it.
    this.laneStyled = [
      root,
      ...root.querySelectorAll(".text-column .label-bar, #selection-panel, #claim-panel, #document-text"),
    ];
    this.buttons = {
      majority: document.getElementById("build-majority"),
      agreed: document.getElementById("accept-agreed"),
      reviewed: document.getElementById("reviewed-button"),
    };

    this.makeDocumentLabelBar();
    this.curation = new Curation(this, document.getElementById("curation"));

    this.bind();
    if (payload.gold) this.startGold(payload.gold);
    this.showLane("gold");
    this.startView();
    this.loadHistory();
    this.root.classList.add("ready");
  }

  // ---- The annotators' work --------------------------------------------------------------

  makeLane(annotation) {
    const spans = annotation.spans.map((span) => ({ ...span, key: `a${annotation.id}-${span.id}` }));
    const byId = new Map(spans.map((span) => [span.id, span]));
    for (const span of spans) {
      span.item = spanItem({ ...span, claimant: offsetsOf(byId.get(span.claimant)) });
      span.itemKey = itemKey(span.item);
    }
    const stances = annotation.stances.map((stance) => {
      const holderSpan = stance.holder === null ? null : byId.get(stance.holder) || null;
      const evidenceSpan = stance.evidence === null ? null : byId.get(stance.evidence) || null;
      const item = stanceItem({ ...stance, holder: offsetsOf(holderSpan), evidence: offsetsOf(evidenceSpan) });
      return { ...stance, holderSpan, evidenceSpan, item, itemKey: itemKey(item) };
    });
    return {
      id: annotation.id,
      author: annotation.author,
      spans: spans.sort(byPosition),
      byKey: new Map(spans.map((span) => [span.key, span])),
      byId,
      stances,
      documentLabels: annotation.document_labels || [],
      relations: (annotation.relations || []).map((relation) => laneRelation(relation, byId)),
      // Claim records' verdicts by span id: the side-by-side view shows where they differ.
      verdicts: new Map((annotation.claim_records || []).map((record) => [record.span, record.verdict])),
    };
  }

  /** The item key of a gold span (its claimant found in the gold's store). */
  goldSpanKey(span) {
    const spans = this.annotator.store.spans;
    return itemKey(spanItem({ ...span, claimant: offsetsOf(spans.get(span.claimant)) }));
  }

  /**
   * Which annotators have each item (the same item by items.js), each key's item, and each
   * place's first item per annotator (`places`: what whoHas looks up, once per item).
   */
  countItems() {
    const tally = new Map();
    this.itemOf = new Map();
    this.places = new Map();
    const add = (lane, source) => {
      const key = source.itemKey;
      if (!tally.has(key)) tally.set(key, new Map());
      if (!tally.get(key).has(lane.id)) tally.get(key).set(lane.id, source);
      this.itemOf.set(key, source.item);
      const place = placeKey(source.item);
      if (!this.places.has(place)) this.places.set(place, new Map());
      if (!this.places.get(place).has(lane.id)) this.places.get(place).set(lane.id, source.item);
    };
    for (const lane of this.lanes) {
      for (const span of lane.spans) add(lane, span);
      for (const stance of lane.stances) add(lane, stance);
      for (const relation of lane.relations) add(lane, relation);
    }
    return tally;
  }

  /** Not every annotator has it (only meaningful with two or more). */
  disputed(key) {
    const holders = this.tally.get(key);
    return this.lanes.length > 1 && (!holders || holders.size < this.lanes.length);
  }

  goldKeys() {
    return new Set(this.goldItems().map((item) => itemKey(item)));
  }

  /** The gold's spans and stances as items (items.js), referenced spans by offsets. */
  goldItems() {
    if (!this.annotator) return [];
    const { spans, stances } = this.annotator.store;
    const at = (id) => offsetsOf(spans.get(id));
    return [
      ...[...spans.values()].map((span) => spanItem({ ...span, claimant: at(span.claimant) })),
      ...[...stances.values()].map((stance) =>
        stanceItem({ ...stance, holder: at(stance.holder), evidence: at(stance.evidence) }),
      ),
      ...storeRelationItems(this.annotator.store),
    ];
  }

  currentLane() {
    return this.lanes.find((lane) => lane.id === this.lane) || null;
  }

  // ---- Drawing ---------------------------------------------------------------------------

  /** Everything but the text: tabs, buttons, the lane panel, the disagreements. */
  refresh() {
    const status = this.goldStatus();
    this.goldState.dataset.state = status;
    this.goldState.textContent = GOLD_STATE_TEXT[status] || status;
    const reviewed = status === "submitted";
    // Not disabled while gold actions are under way: a click meanwhile is queued after them.
    this.buttons.majority.disabled = reviewed || !this.lanes.length;
    this.buttons.agreed.disabled = reviewed;
    this.buttons.agreed.textContent = this.annotator || this.lanes.length ? "Accept all agreed" : "Start gold";
    this.buttons.reviewed.disabled = !this.annotator;
    this.buttons.reviewed.replaceChildren(
      reviewed ? "Reopen gold" : "Mark reviewed",
      " ",
      el("kbd", { text: "Ctrl+Enter" }),
    );
    this.buttons.reviewed.classList.toggle("primary", !reviewed);
    document.getElementById("no-gold").hidden = Boolean(this.annotator) || this.lane !== "gold";
    this.renderTabs();
    if (this.lane !== "gold") {
      // The lane's "in gold" marks follow gold edits made from the side panels.
      this.renderLane();
    }
    this.renderLanePanel();
    if (this.viewMode === "side") this.curation.refresh();
    this.scheduleDisagreements();
  }

  /**
   * The disagreement list, redrawn when the browser is idle after a change, and only when gold
   * changed: it can hold a thousand items (4 annotators x 500 spans), and an accept refreshes
   * once for a burst of queued gold actions (goldqueue.js), when the queue is empty; while
   * writes are under way its Accept buttons stay as they are, and a click on one is queued.
   */
  scheduleDisagreements() {
    const store = this.annotator?.store;
    const seen = store ? `${store.status}:${store.version}:${store.spans.size}:${store.stances.size}` : "none";
    if (this.disagreementsDue || seen === this.disagreementsSeen) return;
    this.disagreementsDue = true;
    const render = () => {
      this.disagreementsDue = false;
      const now = this.annotator?.store;
      this.disagreementsSeen = now ? `${now.status}:${now.version}:${now.spans.size}:${now.stances.size}` : "none";
      this.renderDisagreements();
    };
    // When the browser is idle after the change is painted (within half a second).
    if (window.requestIdleCallback) requestIdleCallback(render, { timeout: 500 });
    else requestAnimationFrame(() => setTimeout(render, 0));
  }

  // ---- Captions shared by the panels ---------------------------------------------------

  /**
   * Who has the item (✓), who has another at its place (≠, naming the attributes that
   * differ: claimant, check-worthiness, value, evidence), and who has nothing there (✗).
   */
  whoHas(key) {
    const holders = this.tally.get(key) || new Map();
    const item = this.itemOf.get(key);
    const parts = [];
    for (const lane of this.lanes) {
      let part;
      const other = !holders.has(lane.id) && item && this.places.get(placeKey(item))?.get(lane.id);
      if (holders.has(lane.id)) {
        part = el("span", { className: "has", text: `✓ ${lane.author}` });
      } else if (other) {
        const names = attributeDifferences(item, other).map((name) => ATTRIBUTE_NAMES[name] || name);
        part = el("span", {
          className: "differs",
          title: `${lane.author} has one here with another ${names.join(" and ")}`,
          text: `≠ ${lane.author} (${names.join(", ")})`,
        });
      } else {
        part = el("span", { className: "lacks", text: `✗ ${lane.author}` });
      }
      parts.push(part, " ");
    }
    return parts;
  }

  claimantText(lane, span) {
    if (span.claimant !== null) {
      const claimant = lane.byId.get(span.claimant);
      return claimant ? claimant.text : "a span";
    }
    return `${span.claimant_text} (not in the text)`;
  }

  targetName(id) {
    return this.targets.get(id)?.name || "?";
  }

  stanceCaption(stance) {
    const label = this.labels.get(stance.label);
    const holder = stance.holderSpan ? shorten(stance.holderSpan.text, 30) : "the author";
    return el(
      "span",
      {},
      el("strong", { text: this.targetName(stance.target) }),
      ": ",
      el("span", { className: `chip lbl-${stance.label}`, text: label ? label.name : "?" }),
      ` held by ${holder}`,
      stance.evidenceSpan ? `, evidence “${shorten(stance.evidenceSpan.text, 30)}”` : "",
    );
  }

  // ---- Messages --------------------------------------------------------------------------

  setSaveState(state, error = null) {
    if (this.annotator) this.annotator.showSaveState(state, error);
    else showSaveState(this.statusOutput, state, error);
  }

  say(text, options) {
    this.messages.say(text, options);
  }
}

mixMethods(
  Review,
  GoldEditing,
  Lanes,
  Disagreements,
  History,
  ReviewInput,
  CurationView,
  LaneListing,
  ReviewDocumentLabels,
  RelationReview,
);

function start() {
  const root = document.getElementById("reviewer");
  const data = document.getElementById("review-data");
  if (!root || !data) return;
  // For tests and users' own scripts: read-only access to the page's state.
  const payload = JSON.parse(data.textContent);
  // No target is listed before there is gold (gold.js draws the help again with them).
  renderHelp(document.getElementById("help"), "review", { ...payload, targets: [] });
  bindMatchCase(document.getElementById("occurrences-case"));
  window.workbenchReview = new Review(root, payload);
}

start();