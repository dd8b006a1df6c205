// The review page: each submitted annotator's work in its own lane over the one text, the
// disagreements marked, and the gold edited with the annotate page's keys (an Annotator over
// the gold, sharing the text view). Accepting, building and reverting go through the REST
// API; before each, the gold's save queue is drained so nothing is sent out of order.

import { ApiError, api, request } from "./api.js";
import { Annotator } from "./annotator.js";
import { OffsetIndex } from "./offsets.js";
import { el, shorten } from "./panels.js";
import { TextView } from "./textview.js";

export const NO_GOLD = "No gold yet: build it by majority, accept all agreed, or accept a highlight.";
export const SELECT_FIRST = "Select a highlight of this lane first (click it, or press ] ).";
export const GOLD_REVIEWED = "The gold is marked reviewed; reopen it to change it.";
export const CHANGED_MEANWHILE = "The gold changed meanwhile (another tab or reviewer); it is reloaded. Try again.";

const STATUS_TEXT = { saving: "Saving…", saved: "Saved", failed: "Save failed" };
const GOLD_STATE_TEXT = { none: "No gold yet", in_progress: "Gold in review", submitted: "Gold reviewed ✓" };
const REASONS = {
  tie: "a tie",
  minority: "a minority",
  overlap: "overlaps a better-supported span of its kind",
  same_target_and_holder: "a second stance on the target by the same holder",
  span_left_out: "its claimant, holder or evidence was left out",
  checkworthy_tie: "check-worthiness differs",
};
const ACTIONS = {
  annotation_created: "created the annotation",
  status_changed: "changed the status",
  span_created: "added a span",
  span_changed: "changed a span",
  span_deleted: "removed a span",
  stance_created: "added a stance",
  stance_changed: "changed a stance",
  stance_deleted: "removed a stance",
  content_replaced: "replaced the content",
  gold_built: "built the gold",
  reverted: "reverted a change",
};
const REVERTIBLE = new Set([
  "span_created",
  "span_changed",
  "span_deleted",
  "stance_created",
  "stance_changed",
  "stance_deleted",
  "content_replaced",
]);
const STATUS_NAMES = { in_progress: "in review", submitted: "reviewed", skipped: "skipped" };

const byPosition = (a, b) => a.start - b.start || b.end - a.end;

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
    this.busy = false;
    this.historyTimer = null;

    this.textRoot = document.getElementById("document-text");
    this.view = new TextView(this.textRoot, this.index);
    this.statusOutput = document.getElementById("save-status");
    this.goldState = document.getElementById("gold-status");
    this.message = document.getElementById("message");
    this.tabs = [...document.querySelectorAll("#lanes [data-lane]")];
    this.buttons = {
      majority: document.getElementById("build-majority"),
      agreed: document.getElementById("accept-agreed"),
      reviewed: document.getElementById("reviewed-button"),
    };

    this.bind();
    if (payload.gold) this.startGold(payload.gold);
    this.showLane("gold");
    this.loadHistory();
    this.root.classList.add("ready");
  }

  // ---- The annotators' work --------------------------------------------------------------

  makeLane(annotation) {
    const spans = annotation.spans.map((span) => ({ ...span, key: `a${annotation.id}-${span.id}` }));
    const byId = new Map(spans.map((span) => [span.id, span]));
    const stances = annotation.stances.map((stance) => ({
      ...stance,
      holderSpan: stance.holder === null ? null : byId.get(stance.holder) || null,
      evidenceSpan: stance.evidence === null ? null : byId.get(stance.evidence) || null,
    }));
    return {
      id: annotation.id,
      author: annotation.author,
      spans: spans.sort(byPosition),
      byKey: new Map(spans.map((span) => [span.key, span])),
      byId,
      stances,
    };
  }

  spanKey(span) {
    return `span|${span.label}|${span.start}|${span.end}`;
  }

  stanceKey(target, label, holder) {
    const holderKey = holder ? `${holder.label}|${holder.start}|${holder.end}` : "author";
    return `stance|${target}|${holderKey}|${label}`;
  }

  /** Which annotators have each item (span by label and offsets; stance by target, holder, value). */
  countItems() {
    const tally = new Map();
    const add = (key, lane, item) => {
      if (!tally.has(key)) tally.set(key, new Map());
      if (!tally.get(key).has(lane.id)) tally.get(key).set(lane.id, item);
    };
    for (const lane of this.lanes) {
      for (const span of lane.spans) add(this.spanKey(span), lane, span);
      for (const stance of lane.stances) {
        add(this.stanceKey(stance.target, stance.label, stance.holderSpan), lane, stance);
      }
    }
    return tally;
  }

  /** Not every annotator has it (only meaningful with two or more). */
  disputed(key) {
    const holders = this.tally.get(key);
    return this.lanes.length > 1 && (!holders || holders.size < this.lanes.length);
  }

  goldKeys() {
    const keys = new Set();
    if (!this.annotator) return keys;
    const store = this.annotator.store;
    for (const span of store.spans.values()) keys.add(this.spanKey(span));
    for (const stance of store.stances.values()) {
      const holder = stance.holder ? store.spans.get(stance.holder) : null;
      keys.add(this.stanceKey(stance.target, stance.label, holder));
    }
    return keys;
  }

  currentLane() {
    return this.lanes.find((lane) => lane.id === this.lane) || null;
  }

  // ---- Gold ------------------------------------------------------------------------------

  startGold(gold) {
    this.annotator = new Annotator(
      this.root,
      { ...this.payload, annotation: gold },
      {
        view: this.view,
        enabled: this.lane === "gold",
        classesOf: (key) => this.goldClasses(key),
        onRender: () => this.refresh(),
        onSaved: () => this.scheduleHistory(),
      },
    );
    // For tests and users' own scripts: read-only access to the gold's state.
    window.workbenchAnnotator = this.annotator;
  }

  goldClasses(key) {
    const span = this.annotator?.store.spans.get(key);
    return span && this.disputed(this.spanKey(span)) ? ["disagree"] : [];
  }

  /** Show the gold as the server now has it. */
  goldLoaded(gold) {
    if (!this.annotator) {
      this.startGold(gold);
      if (this.lane !== "gold") this.renderLane();
    } else {
      this.annotator.store.load(gold);
      this.annotator.reloaded(null);
    }
    this.refresh();
  }

  goldStatus() {
    return this.annotator ? this.annotator.store.status : "none";
  }

  /** Run a write to gold after the queued edits, then show the gold it leaves. */
  async goldAction(call, done) {
    if (this.busy) return;
    this.busy = true;
    this.refresh();
    try {
      if (this.annotator) await this.annotator.queue.drained();
      this.setSaveState("saving");
      const result = await call();
      this.goldLoaded(result.gold);
      if (done) done(result);
    } catch (error) {
      if (error instanceof ApiError && error.status === 409 && this.annotator) {
        await this.reloadGold();
        this.say(CHANGED_MEANWHILE, { sticky: true });
      } else {
        this.say(`Not done: ${error.message}`, { sticky: true });
      }
    } finally {
      this.busy = false;
      this.setSaveState("saved");
      this.refresh();
      this.loadHistory();
    }
  }

  async reloadGold() {
    try {
      this.goldLoaded((await api.annotation(this.annotator.store.id)).data);
    } catch {
      // The next action reloads again; the message already says what happened.
    }
  }

  versionBody() {
    return this.annotator ? { version: this.annotator.store.version } : {};
  }

  acceptSpan(span) {
    const lane = this.lanes.find((l) => l.byId.get(span.id) === span);
    this.goldAction(
      async () => {
        const body = { span: span.id, ...this.versionBody() };
        return (await request("POST", `/api/documents/${this.documentId}/gold/accept/`, body)).data;
      },
      (data) => {
        const label = this.labels.get(span.label);
        let text = `Accepted ${lane ? `${lane.author}'s ` : ""}${label ? label.name : "span"} “${shorten(span.text, 40)}” into gold.`;
        if (data.replaced.length) {
          const names = data.replaced.map((r) => `${r.label} ${r.start}–${r.end}`).join(", ");
          text += ` It replaced ${names}.`;
        }
        this.say(text);
      },
    );
  }

  acceptStance(stance) {
    this.goldAction(
      async () => {
        const body = { stance: stance.id, ...this.versionBody() };
        return (await request("POST", `/api/documents/${this.documentId}/gold/accept/`, body)).data;
      },
      () => this.say(`Accepted the stance on “${this.targetName(stance.target)}” into gold.`),
    );
  }

  buildMajority() {
    this.goldAction(
      async () =>
        (await request("POST", `/api/documents/${this.documentId}/gold/`, { strategy: "majority" })).data,
      (data) => {
        this.renderConflicts(data.conflicts, "Left out of the majority");
        const spans = data.gold.spans.length;
        this.say(
          `Gold built by majority: ${spans} span${spans === 1 ? "" : "s"}, ` +
            `${data.conflicts.length} item${data.conflicts.length === 1 ? "" : "s"} left out (listed below). ` +
            "The history can revert it.",
        );
      },
    );
  }

  acceptAgreed() {
    this.goldAction(
      async () =>
        (await request("POST", `/api/documents/${this.documentId}/gold/agreed/`, this.versionBody())).data,
      (data) => {
        this.renderConflicts(data.conflicts, "Agreed, but not added");
        const { spans, stances } = data.added;
        this.say(
          spans || stances
            ? `Added ${spans} agreed span${spans === 1 ? "" : "s"} and ${stances} stance${stances === 1 ? "" : "s"} to gold.`
            : "Gold already has everything all annotators agree on.",
        );
      },
    );
  }

  toggleReviewed() {
    if (!this.annotator) {
      this.say(NO_GOLD);
      return;
    }
    const store = this.annotator.store;
    const next = store.status === "submitted" ? "in_progress" : "submitted";
    this.goldAction(
      async () => {
        const { data } = await api.setStatus(store.id, next, store.version);
        return { gold: (await api.annotation(store.id)).data, status: data.status };
      },
      (data) => this.say(data.status === "submitted" ? "Gold marked reviewed." : "Gold reopened for editing."),
    );
  }

  revert(event) {
    const goldId = this.annotator.store.id;
    this.goldAction(
      async () => {
        await request("POST", `/api/events/${event.id}/revert/`);
        return { gold: (await api.annotation(goldId)).data };
      },
      () => this.say(`Reverted: ${ACTIONS[event.action] || event.action} (change #${event.id}).`),
    );
  }

  // ---- Lanes -----------------------------------------------------------------------------

  showLane(lane) {
    this.lane = lane;
    this.selected = null;
    window.getSelection()?.removeAllRanges();
    this.root.dataset.lane = lane === "gold" ? "gold" : "annotator";
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
      }
    } else {
      if (this.annotator) {
        this.annotator.enabled = false;
        this.annotator.selected = null;
        this.annotator.active = null;
        this.annotator.picking = null;
      }
      this.renderLane();
    }
    this.refresh();
  }

  stepLane(direction, focusTab = false) {
    const order = ["gold", ...this.lanes.map((lane) => lane.id)];
    const at = order.indexOf(this.lane);
    this.showLane(order[(at + direction + order.length) % order.length]);
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
      const item = this.spanKey(span);
      const names = [`kind-${this.labels.get(span.label)?.kind || "entity"}`];
      names.push(this.disputed(item) ? "disagree" : "agreed");
      if (gold.has(item)) names.push("in-gold");
      if (key === this.selected) names.push("selected");
      return names;
    });
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
    const spans = lane.spans.filter((s) => !disputedOnly || this.disputed(this.spanKey(s)));
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
      .filter((span) => this.disputed(this.spanKey(span)));
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

  // ---- Drawing ---------------------------------------------------------------------------

  /** Everything but the text: tabs, buttons, the lane panel, the disagreements. */
  refresh() {
    const status = this.goldStatus();
    this.goldState.dataset.state = status;
    this.goldState.textContent = GOLD_STATE_TEXT[status] || status;
    const reviewed = status === "submitted";
    this.buttons.majority.disabled = this.busy || reviewed || !this.lanes.length;
    this.buttons.agreed.disabled = this.busy || reviewed;
    this.buttons.agreed.textContent = this.annotator || this.lanes.length ? "Accept all agreed" : "Start gold";
    this.buttons.reviewed.disabled = this.busy || !this.annotator;
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
    this.renderDisagreements();
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
      const disputed = lane.spans.filter((span) => this.disputed(this.spanKey(span))).length;
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
      const item = this.spanKey(span);
      const accept = el(
        "button",
        { type: "button", id: "accept-selected", className: "primary", disabled: this.busy || reviewed || null },
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
      const item = this.stanceKey(stance.target, stance.label, stance.holderSpan);
      const accept = el("button", {
        type: "button",
        className: "small",
        id: `accept-stance-${stance.id}`,
        disabled: this.busy || reviewed || null,
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
    body.push(list);
    panel.replaceChildren(...body.filter(Boolean));
  }

  whoHas(item) {
    const holders = this.tally.get(item) || new Map();
    const parts = [];
    for (const lane of this.lanes) {
      const has = holders.has(lane.id);
      parts.push(el("span", { className: has ? "has" : "lacks", text: `${has ? "✓" : "✗"} ${lane.author}` }), " ");
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
    const isSpan = key.startsWith("span|");
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

  /** The lane's span or stance a conflict names (by label and offsets; by target and holder). */
  conflictSource(lane, conflict, label) {
    if (conflict.kind === "span") {
      return lane.spans.find(
        (s) => s.start === conflict.start && s.end === conflict.end && s.label === label?.id,
      );
    }
    const holder = conflict.holder;
    return lane.stances.find(
      (stance) =>
        this.targetName(stance.target) === conflict.target &&
        stance.label === label?.id &&
        (holder === null
          ? stance.holderSpan === null
          : stance.holderSpan !== null &&
            stance.holderSpan.start === holder.start &&
            stance.holderSpan.end === holder.end),
    );
  }

  // ---- History ---------------------------------------------------------------------------

  scheduleHistory() {
    clearTimeout(this.historyTimer);
    this.historyTimer = setTimeout(() => this.loadHistory(), 300);
  }

  async loadHistory() {
    const list = document.getElementById("history-list");
    const note = document.getElementById("history-note");
    if (!this.annotator) {
      note.textContent = "No gold yet, so no history.";
      list.replaceChildren();
      return;
    }
    let data;
    try {
      data = (await request("GET", `/api/annotations/${this.annotator.store.id}/events/`)).data;
    } catch (error) {
      note.textContent = `The history could not be loaded: ${error.message}`;
      return;
    }
    const more = data.count - data.results.length;
    note.textContent = `${data.count} change${data.count === 1 ? "" : "s"}, newest first${more > 0 ? ` (the ${more} oldest not shown)` : ""}.`;
    list.replaceChildren(...data.results.map((event) => this.eventItem(event)));
  }

  eventItem(event) {
    const when = new Date(event.created_at);
    const [before, after] = this.describe(event);
    const item = el(
      "li",
      { className: "event", dataset: { eventId: String(event.id), action: event.action } },
      el(
        "div",
        { className: "event-head" },
        el("time", { datetime: event.created_at, text: when.toLocaleString() }),
        " ",
        el("strong", { text: event.actor || "system" }),
        ` ${ACTIONS[event.action] || event.action}`,
      ),
      el(
        "div",
        { className: "change" },
        el("span", { className: "before", text: before }),
        el("span", { className: "arrow", "aria-label": "became", text: " → " }),
        el("span", { className: "after", text: after }),
      ),
    );
    if (event.reverted_by) {
      item.append(el("span", { className: "tag", text: `reverted (#${event.reverted_by})` }));
    } else if (REVERTIBLE.has(event.action)) {
      const button = el("button", {
        type: "button",
        className: "small revert",
        disabled: this.busy || this.goldStatus() !== "in_progress" || null,
        text: "Revert",
        title: this.goldStatus() === "in_progress" ? "Undo this change" : GOLD_REVIEWED,
      });
      button.addEventListener("click", () => this.revert(event));
      item.append(button);
    }
    return item;
  }

  /** An event's before and after as short text. */
  describe(event) {
    const span = (state) => {
      if (!state) return "—";
      const name = state.label_name || this.labels.get(state.label)?.name || "?";
      const extra = [state.checkworthy ? `check-worthy ${state.checkworthy}` : "", state.claimant_text ? `claimant “${state.claimant_text}”` : ""]
        .filter(Boolean)
        .join(", ");
      return `${name} “${shorten(state.text || "", 40)}” ${state.start}–${state.end}${extra ? ` (${extra})` : ""}`;
    };
    const stance = (state) => {
      if (!state) return "—";
      return `${state.target_name || this.targetName(state.target)}: ${state.label_name || "?"}${state.holder ? " (held by an entity)" : ""}`;
    };
    const content = (state) =>
      state ? `${state.spans.length} span${state.spans.length === 1 ? "" : "s"}, ${state.stances.length} stance${state.stances.length === 1 ? "" : "s"}` : "—";
    switch (event.action) {
      case "span_created":
      case "span_changed":
      case "span_deleted":
        return [span(event.before), span(event.after)];
      case "stance_created":
      case "stance_changed":
      case "stance_deleted":
        return [stance(event.before), stance(event.after)];
      case "content_replaced":
        return [content(event.before), content(event.after)];
      case "status_changed":
        return [STATUS_NAMES[event.before?.status] || "—", STATUS_NAMES[event.after?.status] || "—"];
      case "reverted":
        return [`change #${event.before?.event}`, "undone"];
      default:
        return ["—", "—"];
    }
  }

  // ---- Input and messages ----------------------------------------------------------------

  bind() {
    // Capture: the review's keys are decided before the gold's Annotator sees them.
    window.addEventListener("keydown", (event) => this.onKey(event), true);
    this.textRoot.addEventListener("click", (event) => this.onTextClick(event));
    // The tab list's own keys (WAI-ARIA tabs): arrows move between the lanes.
    document.getElementById("lanes").addEventListener("keydown", (event) => {
      if (event.key !== "ArrowRight" && event.key !== "ArrowLeft") return;
      event.preventDefault();
      this.stepLane(event.key === "ArrowRight" ? 1 : -1, true);
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
      if (!this.annotator) this.openHelp();
    });
  }

  openHelp() {
    const help = document.getElementById("help");
    if (!help.open) help.showModal();
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
    const typing =
      (target instanceof HTMLInputElement && !["checkbox", "radio", "button"].includes(target.type)) ||
      target instanceof HTMLTextAreaElement ||
      target instanceof HTMLSelectElement ||
      (target instanceof HTMLElement && target.isContentEditable);
    if (typing) return;
    const key = event.key;
    const ctrl = event.ctrlKey || event.metaKey;
    const handled = () => {
      event.preventDefault();
      event.stopImmediatePropagation();
    };
    if (ctrl && key === "Enter") {
      handled();
      this.toggleReviewed();
      return;
    }
    if (ctrl || event.altKey) return;
    if (key === "." || key === ",") {
      handled();
      this.stepLane(key === "." ? 1 : -1);
      return;
    }
    if (key === "}" || key === "{") {
      handled();
      this.stepSpan(key === "}" ? 1 : -1, true);
      return;
    }
    if (this.lane === "gold" && this.annotator) return; // the gold's own keys
    // An annotator lane (or gold not started): the page's keys only.
    if (target instanceof HTMLButtonElement && (key === "Enter" || key === " ")) return;
    if (key === "]" || key === "[") {
      handled();
      this.stepSpan(key === "]" ? 1 : -1, false);
    } else if (key === "Enter") {
      handled();
      this.acceptSelected();
    } else if (key === "Escape") {
      handled();
      this.selected = null;
      this.renderLane();
      this.renderLanePanel();
    } else if (key === "?") {
      handled();
      this.openHelp();
    } else if (key.length === 1 && this.lane !== "gold") {
      // A label's key here would change gold unseen: say where editing happens instead.
      const label = this.payload.labels.find((l) => l.shortcut && l.shortcut.toLowerCase() === key.toLowerCase());
      if (label) {
        handled();
        this.say("This lane is read-only: press Enter to accept a highlight, or , to edit the gold.");
      }
    } else if (key.length === 1 && !this.annotator) {
      const label = this.payload.labels.find((l) => l.shortcut && l.shortcut.toLowerCase() === key.toLowerCase());
      if (label) {
        handled();
        this.say(NO_GOLD);
      }
    }
  }

  setSaveState(state) {
    if (this.annotator) {
      this.annotator.showSaveState(state);
      return;
    }
    this.statusOutput.dataset.state = state;
    this.statusOutput.textContent = STATUS_TEXT[state];
  }

  say(text, { sticky = false } = {}) {
    clearTimeout(this.messageTimer);
    const close = el("button", { type: "button", className: "link-button", text: "Dismiss" });
    close.addEventListener("click", () => {
      this.message.hidden = true;
    });
    this.message.replaceChildren(el("span", { text }), close);
    this.message.hidden = false;
    if (!sticky) {
      this.messageTimer = setTimeout(() => {
        this.message.hidden = true;
      }, 8000);
    }
  }
}

function start() {
  const root = document.getElementById("reviewer");
  const data = document.getElementById("review-data");
  if (!root || !data) return;
  // For tests and users' own scripts: read-only access to the page's state.
  window.workbenchReview = new Review(root, JSON.parse(data.textContent));
}

start();
