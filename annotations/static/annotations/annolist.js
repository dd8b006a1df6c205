// The annotation list: every span, claim and stance of what the text shows, grouped by label
// (Label Studio's regions panel), beside the text on the annotate and review pages.
//
// AnnotationList draws the list; the page says what is in it. Each group is a label (its
// colour, its name, how many it holds) and can be collapsed; each entry shows its covered text
// shortened and, for claims and stances, their attributes in brief. Clicking an entry, or Enter
// on it, chooses it: the page selects it and scrolls the text to it. The arrow keys move
// through the list (Left and Right close and open a group), and only one entry is in the Tab
// order (a roving tabindex), so a list of thousands is one Tab stop.
//
// It is redrawn after every change, so a redraw reuses what did not change: entries are keyed,
// an entry's element is rebuilt only when its text does, and a group shows its first
// GROUP_LIMIT entries ("Show all" for the rest; the selected entry is always shown). A collapsed
// group draws no entries at all. Built with createElement and textContent only.
//
// Two mixins feed it: AnnotatorListing (the Annotator: its store, on both pages) and
// LaneListing (the review page's annotator lanes).

import { el, shorten } from "./panels.js";
import { describeRelation } from "./relations.js";

export const GROUP_LIMIT = 200;
// The list starts closed to one line ("a drawer") where the side column is narrow.
const NARROW = "(max-width: 900px)";
const CAPTION_LIMIT = 60;
const REFERENCE_LIMIT = 28;

const CHECKWORTHY = { yes: "check-worthy", no: "not check-worthy", unsure: "check-worthy: unsure" };

export class AnnotationList {
  /** @param {HTMLElement} panel  the #annotation-list-panel section (annotation_list.html) */
  constructor(panel, labels) {
    this.panel = panel;
    this.labels = labels; // Map id -> label, in the project's order
    this.title = panel.querySelector("#annotation-list-title");
    this.total = panel.querySelector("#annotation-list-count");
    this.toggle = panel.querySelector("#annotation-list-toggle");
    this.body = panel.querySelector("#annotation-list-body");
    this.empty = panel.querySelector("#annotation-list-empty");
    this.groupsRoot = panel.querySelector("#annotation-list");
    this.groups = new Map(); // label id -> {section, toggle, count, items, rows: Map key -> row, limit}
    this.collapsed = new Set(); // label ids
    this.selected = new Set();
    this.choose = () => {};
    this.current = null; // the key in the Tab order
    this.setOpen(!window.matchMedia?.(NARROW).matches);
    this.toggle.addEventListener("click", () => this.setOpen(this.body.hidden));
    this.groupsRoot.addEventListener("keydown", (event) => this.onKey(event));
  }

  setOpen(open) {
    this.body.hidden = !open;
    this.toggle.setAttribute("aria-expanded", String(open));
    this.panel.classList.toggle("closed", !open);
  }

  /**
   * Show `entries` ({key, kind: "span"|"stance", label, source}), grouped by label in the
   * project's order and in the given order within a group. `describe(entry)` gives an entry's
   * {caption, detail, tip}; it is called for the entries drawn only. `choose(entry)` runs when
   * one is clicked. `selected`: the keys to mark.
   */
  show({ title, empty, entries, describe, choose, selected }) {
    this.groupsRoot.classList.remove("held");
    const hadFocus = this.hasFocus();
    this.choose = choose;
    this.describe = describe;
    this.selected = new Set(selected);
    this.title.textContent = title;
    this.total.textContent = String(entries.length);
    this.empty.textContent = empty;
    this.empty.hidden = entries.length > 0;
    const grouped = new Map();
    for (const entry of entries) {
      const label = this.labels.has(entry.label) ? entry.label : null;
      if (!grouped.has(label)) grouped.set(label, []);
      grouped.get(label).push(entry);
    }
    const order = [...this.labels.keys(), null].filter((id) => grouped.has(id));
    for (const [id, group] of this.groups) {
      if (!grouped.has(id)) {
        group.section.remove();
        this.groups.delete(id);
      }
    }
    let previous = null;
    for (const id of order) {
      const group = this.groups.get(id) || this.makeGroup(id);
      this.fillGroup(group, grouped.get(id));
      const expected = previous ? previous.nextSibling : this.groupsRoot.firstChild;
      if (expected !== group.section) this.groupsRoot.insertBefore(group.section, expected);
      previous = group.section;
    }
    // The entry that had the focus went (deleted, relabelled): the focus goes to the selected one.
    this.rove(hadFocus && !this.hasFocus());
  }

  /**
   * Leave the entries out of the frames until the next show() (at the latest, until the next
   * frame is painted): for a list about to be replaced, which the page would otherwise lay out
   * once more first (the review page's side column widens when the lanes come back).
   */
  hold() {
    // Skipped (content-visibility), not display: none: its boxes are kept, not torn down in the
    // key press's task (500 entries, ~2,000 boxes, a few milliseconds) only to be built again.
    this.groupsRoot.classList.add("held");
    requestAnimationFrame(() =>
      setTimeout(() => {
        this.groupsRoot.classList.remove("held");
      }, 0),
    );
  }

  /** Mark `keys` selected (a selection change only: nothing else is redrawn). */
  select(keys) {
    this.selected = new Set(keys);
    const hadFocus = this.hasFocus();
    for (const group of this.groups.values()) {
      for (const [key, row] of group.rows) mark(row.button, this.selected.has(key));
      // A selected entry past the group's limit is drawn (a closed group stays closed).
      const hidden = (key) => !group.rows.has(key) && group.entries.some((entry) => entry.key === key);
      if (!this.collapsed.has(group.id) && [...this.selected].some(hidden)) this.fillGroup(group, group.entries);
    }
    // With the focus in the list, the focus follows the selection (] and [ step through it).
    this.rove(hadFocus);
  }

  hasFocus() {
    return this.groupsRoot.contains(document.activeElement);
  }

  makeGroup(id) {
    const label = id === null ? null : this.labels.get(id);
    const name = label ? label.name : "?";
    const items = el("ul", { className: "annolist-items", id: `annotation-list-${id ?? "other"}` });
    const count = el("span", { className: "count" });
    const toggle = el(
      "button",
      {
        type: "button",
        className: `annolist-group-toggle${label ? ` lbl-${label.id}` : ""}`,
        "aria-controls": items.id,
        tabindex: "-1",
        dataset: { nav: "group" },
      },
      el("span", { className: "swatch", "aria-hidden": "true" }),
      el("span", { className: "name", text: name }),
      count,
    );
    const section = el(
      "section",
      { className: "annolist-group", dataset: { label: name, kind: label ? label.kind : "" } },
      el("h3", {}, toggle),
      items,
    );
    const group = { id, section, toggle, count, items, rows: new Map(), limit: GROUP_LIMIT, entries: [] };
    toggle.addEventListener("click", () => this.collapse(group, !this.collapsed.has(id)));
    this.groups.set(id, group);
    return group;
  }

  collapse(group, closed) {
    if (closed) this.collapsed.add(group.id);
    else this.collapsed.delete(group.id);
    this.fillGroup(group, group.entries);
    this.rove();
  }

  /** Draw a group's entries (its first `limit`, and any selected one), reusing its rows. */
  fillGroup(group, entries) {
    group.entries = entries;
    group.count.textContent = String(entries.length);
    const closed = this.collapsed.has(group.id);
    group.toggle.setAttribute("aria-expanded", String(!closed));
    group.section.classList.toggle("collapsed", closed);
    group.items.hidden = closed;
    const limit = closed ? 0 : group.limit;
    const shown = entries.slice(0, limit);
    if (!closed && entries.length > limit && this.selected.size) {
      shown.push(...entries.slice(limit).filter((entry) => this.selected.has(entry.key)));
    }
    const wanted = new Set(shown.map((entry) => entry.key));
    for (const [key, row] of group.rows) {
      if (!wanted.has(key)) {
        row.item.remove();
        group.rows.delete(key);
      }
    }
    let cursor = group.items.firstChild;
    for (const entry of shown) {
      const row = this.row(group, entry);
      if (row.old) {
        // Its text changed: the new element takes the old one's place.
        if (cursor === row.old) cursor = cursor.nextSibling;
        row.old.remove();
        row.old = null;
      }
      if (cursor === row.item) cursor = cursor.nextSibling;
      else group.items.insertBefore(row.item, cursor);
    }
    while (cursor) {
      const next = cursor.nextSibling;
      cursor.remove();
      cursor = next;
    }
    if (shown.length < entries.length && !closed) group.items.append(this.moreRow(group, entries.length));
  }

  /** The row of `entry`, made again only when what it shows changed. */
  row(group, entry) {
    const { caption, detail, tip } = this.describe(entry);
    const signature = `${caption}\u0001${detail}\u0001${tip}`;
    let row = group.rows.get(entry.key);
    if (!row || row.signature !== signature) {
      const button = el(
        "button",
        {
          type: "button",
          className: `annolist-item lbl-${entry.label}`,
          title: tip,
          tabindex: "-1",
          dataset: { key: entry.key, kind: entry.kind, nav: "item" },
        },
        el("span", { className: "caption", text: caption }),
        detail ? el("span", { className: "detail", text: detail }) : null,
      );
      button.addEventListener("click", () => this.chosen(entry.key));
      const item = el("li", {}, button);
      row = { item, button, signature, entry, old: row ? row.item : null };
      group.rows.set(entry.key, row);
    }
    row.entry = entry;
    mark(row.button, this.selected.has(entry.key));
    return row;
  }

  moreRow(group, total) {
    const button = el("button", {
      type: "button",
      className: "link-button small annolist-more",
      tabindex: "-1",
      dataset: { nav: "more" },
      text: `Show all ${total}`,
    });
    button.addEventListener("click", () => {
      group.limit = Infinity;
      this.fillGroup(group, group.entries);
      this.rove();
    });
    return el("li", {}, button);
  }

  chosen(key) {
    for (const group of this.groups.values()) {
      const row = group.rows.get(key);
      if (row) {
        this.current = key;
        this.choose(row.entry);
        return;
      }
    }
  }

  /**
   * Keep one button in the Tab order: the selected entry, else the last one used, else the
   * first; `focus` moves the focus to it. A newly selected entry is scrolled into the list's view.
   */
  rove(focus = false) {
    const byKey = (key) => {
      for (const group of this.groups.values()) {
        const row = group.rows.get(key);
        if (row) return row.button;
      }
      return null;
    };
    const selected = [...this.selected].map(byKey).find(Boolean);
    const first = this.groupsRoot.querySelector("[data-nav]");
    const target = selected || (this.current && byKey(this.current)) || first;
    this.tabStop(target);
    if (target?.dataset.key) this.current = target.dataset.key;
    if (target && focus) target.focus({ preventScroll: true });
    const key = selected ? selected.dataset.key : null;
    // At the next frame, when the page lays out anyway: measuring now would lay it out twice.
    if (selected && key !== this.revealed) requestAnimationFrame(() => this.reveal(selected));
    this.revealed = key;
  }

  /** Make `button` the list's one Tab stop. */
  tabStop(button) {
    if (this.stop === button) return;
    if (this.stop) this.stop.tabIndex = -1;
    this.stop = button;
    if (button) button.tabIndex = 0;
  }

  /** Scroll the list (not the page) so that `button` is in view. */
  reveal(button) {
    if (this.body.hidden || !button.isConnected) return;
    const box = this.body.getBoundingClientRect();
    const at = button.getBoundingClientRect();
    if (at.top < box.top) this.body.scrollTop -= box.top - at.top;
    else if (at.bottom > box.bottom) this.body.scrollTop += at.bottom - box.bottom;
  }

  navigable() {
    return [...this.groupsRoot.querySelectorAll("[data-nav]")].filter((button) => !button.closest("[hidden]"));
  }

  onKey(event) {
    const button = event.target.closest?.("[data-nav]");
    if (!button || event.ctrlKey || event.metaKey || event.altKey) return;
    const buttons = this.navigable();
    const at = buttons.indexOf(button);
    const groupOf = () => [...this.groups.values()].find((g) => g.section.contains(button));
    let next = null;
    switch (event.key) {
      case "ArrowDown":
        next = buttons[Math.min(at + 1, buttons.length - 1)];
        break;
      case "ArrowUp":
        next = buttons[Math.max(at - 1, 0)];
        break;
      case "Home":
        next = buttons[0];
        break;
      case "End":
        next = buttons[buttons.length - 1];
        break;
      case "ArrowLeft": {
        const group = groupOf();
        if (!group) return;
        if (button.dataset.nav === "group") this.collapse(group, true);
        next = group.toggle;
        break;
      }
      case "ArrowRight": {
        const group = groupOf();
        if (!group || button.dataset.nav !== "group") return;
        if (this.collapsed.has(group.id)) this.collapse(group, false);
        else next = group.items.querySelector("[data-nav]");
        next = next || group.toggle;
        break;
      }
      default:
        return;
    }
    event.preventDefault();
    event.stopPropagation();
    if (!next) return;
    this.tabStop(next);
    next.focus();
    this.reveal(next);
  }
}

function mark(button, on) {
  button.classList.toggle("selected", on);
  if (on) button.setAttribute("aria-current", "true");
  else button.removeAttribute("aria-current");
}

// Each text shortened once: a redraw after every change compares the entries' captions.
const captions = new Map();

function caption(text) {
  let short = captions.get(text);
  if (short === undefined) {
    if (captions.size > 20000) captions.clear();
    short = shorten(text, CAPTION_LIMIT);
    captions.set(text, short);
  }
  return short;
}

/** The words for a claim's claimant and check-worthiness, or for a stance's holder and evidence. */
function claimDetail(claimant, claimantText, checkworthy) {
  const parts = [];
  if (claimant) parts.push(`by ${shorten(claimant.text, REFERENCE_LIMIT)}`);
  else if (claimantText) parts.push(`by ${shorten(claimantText, REFERENCE_LIMIT)} (not in the text)`);
  else parts.push("no claimant");
  parts.push(CHECKWORTHY[checkworthy] || "check-worthiness not set");
  return parts.join(" · ");
}

function stanceDetail(holder, evidence) {
  const parts = [`held by ${holder ? shorten(holder.text, REFERENCE_LIMIT) : "the author"}`];
  if (evidence) parts.push(`evidence “${shorten(evidence.text, REFERENCE_LIMIT)}”`);
  return parts.join(" · ");
}

/** What a span entry shows: its text, a claim's attributes, its range in a tooltip. */
function describeSpan(span, label, claimant) {
  const claim = label?.kind === "claim";
  return {
    caption: caption(span.text),
    detail: claim ? claimDetail(claimant, span.claimant_text, span.checkworthy) : "",
    tip: `${label ? label.name : "?"}, characters ${span.start}–${span.end}`,
  };
}

/** A document label as a list entry ("document" kind: keyed by the label, one per label). */
export function documentLabelEntry(id, labels) {
  return { key: `doclabel-${id}`, kind: "document", label: labels.has(id) ? id : null, source: { label: id } };
}

function describeDocumentLabel(label, bar) {
  const group = label && bar?.groups.find((g) => g.id === label.group);
  return {
    caption: "Whole document",
    detail: group ? group.name : "",
    tip: `${label ? label.name : "?"}: a label of the whole document`,
  };
}

function describeStance(stance, label, target, holder, evidence) {
  return {
    caption: target ? target.name : "?",
    detail: stanceDetail(holder, evidence),
    tip: `${label ? label.name : "?"} on “${target ? target.name : "?"}”`,
  };
}

// Frames to keep the piece in view after a jump (about half a second).
const SETTLE_FRAMES = 30;

/**
 * Scroll the text to the first piece of span `key` (drawn at once if it was not yet), to the
 * middle of the window unless it is in view already; false if it has no piece.
 */
function scrollTextTo(view, key) {
  const piece = view.piecesOf(key)[0];
  settling += 1; // a jump still settling is called off
  if (!piece) return false;
  if (!inView(piece)) {
    piece.scrollIntoView({ block: "center" });
    settle(view, key, SETTLE_FRAMES, settling);
  }
  return true;
}

let settling = 0;

// The reader's own move (a wheel, a touch, a click, a key) calls off a jump still settling: the
// text must not pull them back to the span they jumped to while they are going elsewhere.
for (const type of ["wheel", "touchstart", "pointerdown", "keydown"]) {
  window.addEventListener(type, () => (settling += 1), { capture: true, passive: true });
}

/**
 * Keep span `key` in view for a few frames after a jump: the paragraphs around it were sized by
 * estimate (content-visibility) until they came near the window, and laid out, a few frames
 * later, they push it away again. Another jump calls it off.
 */
function settle(view, key, frames, jump) {
  if (frames <= 0) return;
  requestAnimationFrame(() => {
    if (jump !== settling) return;
    const piece = view.piecesOf(key)[0];
    if (!piece) return;
    if (!inView(piece)) piece.scrollIntoView({ block: "center" });
    settle(view, key, frames - 1, jump);
  });
}

function inView(element) {
  const box = element.getBoundingClientRect();
  return box.top >= 0 && box.bottom <= window.innerHeight;
}

/**
 * The list for the Annotator (annotator.js): its spans in text order, then its stances in the
 * targets' order. Mixed into the Annotator, so `this` is the Annotator.
 */
export class AnnotatorListing {
  listEntries() {
    const entries = this.store.sortedSpans().map((span) => ({ key: span.key, kind: "span", label: span.label, source: span }));
    const order = new Map(this.targets.map((target, at) => [target.id, at]));
    const stances = [...this.store.stances.values()].sort(
      (a, b) => (order.get(a.target) ?? Infinity) - (order.get(b.target) ?? Infinity),
    );
    for (const stance of stances) entries.push({ key: stance.key, kind: "stance", label: stance.label, source: stance });
    for (const id of this.store.documentLabels) entries.push(documentLabelEntry(id, this.labels));
    for (const relation of this.store.relations.values()) {
      entries.push({ key: relation.key, kind: "relation", label: relation.label, source: relation });
    }
    return entries;
  }

  listSelection() {
    const keys = [];
    if (this.selected) keys.push(this.selected);
    if (this.active && this.store.stances.has(this.active.row)) keys.push(this.active.row);
    if (this.selectedRelation) keys.push(this.selectedRelation);
    return keys;
  }

  /**
   * Redraw the list (after a change). On the review page the gold's Annotator draws it in the
   * gold's lane, and side by side (``showsList``), where it is disabled but the list is gold's.
   */
  showList() {
    if (!this.list || !(this.enabled || this.options.showsList?.())) return;
    const spans = this.store.spans;
    const targets = new Map(this.targets.map((target) => [target.id, target]));
    this.list.show({
      title: this.options.listTitle || "Annotations",
      empty: this.options.listEmpty || "Nothing annotated yet: select text and press a label's key.",
      entries: this.listEntries(),
      selected: this.listSelection(),
      describe: (entry) => {
        const label = this.labels.get(entry.label);
        const item = entry.source;
        if (entry.kind === "span") return describeSpan(item, label, item.claimant ? spans.get(item.claimant) : null);
        if (entry.kind === "document") return describeDocumentLabel(label, this.documentLabelBar);
        if (entry.kind === "relation") return describeRelation(item, label, spans.get(item.source), spans.get(item.target));
        return describeStance(item, label, targets.get(item.target), spans.get(item.holder), spans.get(item.evidence));
      },
      choose: (entry) => this.chooseListed(entry),
    });
  }

  /** Mark the selected span and the active stance in the list. */
  markListed() {
    if (this.list && this.enabled) this.list.select(this.listSelection());
  }

  /** An entry of the list chosen: select it (or pick it as claimant or holder), show it in the text. */
  chooseListed(entry) {
    if (entry.kind === "document") {
      this.documentLabelBar.buttons.get(entry.label)?.focus();
      return;
    }
    if (entry.kind === "relation") {
      scrollTextTo(this.view, entry.source.source);
      this.selectRelation(entry.key);
      return;
    }
    if (entry.kind === "span") {
      if (this.picking) {
        this.picked(entry.key);
        return;
      }
      scrollTextTo(this.view, entry.key);
      this.selectSpan(entry.key);
      return;
    }
    const stance = this.store.stances.get(entry.key);
    if (!stance) return;
    this.selected = null;
    this.picking = null;
    this.activate(stance.target, stance.key);
    const anchor = stance.evidence || stance.holder;
    if (!(anchor && scrollTextTo(this.view, anchor))) {
      this.stanceContainer?.querySelector(`[data-row-key="${CSS.escape(stance.key)}"]`)?.scrollIntoView({ block: "nearest" });
    }
  }
}

/**
 * The list for an annotator's lane on the review page (the gold's is the Annotator's). Mixed
 * into Review (review.js), so `this` is the Review.
 */
export class LaneListing {
  /**
   * Show the lane's list after the next frame is painted, once however often it is asked
   * before then: a lane's 500 entries cost a lane switch about as much as its text, and the
   * text is what the key press should show first. It draws the lane shown when it runs.
   */
  showLaneList() {
    if (this.laneListDue) return;
    this.laneListDue = true;
    requestAnimationFrame(() =>
      setTimeout(() => {
        this.laneListDue = false;
        this.drawLaneList();
      }, 0),
    );
  }

  /**
   * Show the lane's spans and stances; with no lane, or side by side, the gold's (drawn by its
   * Annotator), or with no gold an empty gold list.
   */
  drawLaneList() {
    const lane = this.viewMode === "side" ? null : this.currentLane();
    if (!lane && this.annotator) {
      this.annotator.showList();
      return;
    }
    const entries = [];
    if (lane) {
      for (const span of lane.spans) entries.push({ key: span.key, kind: "span", label: span.label, source: span });
      lane.stances.forEach((stance) =>
        entries.push({ key: `${lane.id}-stance-${stance.id}`, kind: "stance", label: stance.label, source: stance }),
      );
      for (const id of lane.documentLabels) entries.push(documentLabelEntry(id, this.labels));
      for (const relation of lane.relations) {
        entries.push({ key: `${lane.id}-relation-${relation.id}`, kind: "relation", label: relation.label, source: relation });
      }
    }
    this.list.show({
      title: lane ? `${lane.author}'s annotations` : "Gold annotations",
      empty: lane ? "This annotator marked nothing." : "No gold yet.",
      entries,
      selected: this.selected ? [this.selected] : [],
      describe: (entry) => {
        const label = this.labels.get(entry.label);
        const item = entry.source;
        if (entry.kind === "span") return describeSpan(item, label, lane.byId.get(item.claimant));
        if (entry.kind === "document") return describeDocumentLabel(label, this.documentLabelBar);
        if (entry.kind === "relation") return describeRelation(item, label, item.sourceSpan, item.targetSpan);
        return describeStance(item, label, this.targets.get(item.target), item.holderSpan, item.evidenceSpan);
      },
      choose: (entry) => {
        if (entry.kind === "document") {
          this.documentLabelBar.buttons.get(entry.label)?.focus();
          return;
        }
        const key =
          entry.kind === "span"
            ? entry.key
            : entry.kind === "relation"
              ? entry.source.sourceSpan?.key
              : (entry.source.evidenceSpan || entry.source.holderSpan)?.key;
        if (!key) {
          document.getElementById(`accept-stance-${entry.source.id}`)?.scrollIntoView({ block: "nearest" });
          return;
        }
        scrollTextTo(this.view, key);
        this.selectLaneSpan(key);
      },
    });
  }
}
