// Side by side on the review page: the text cut into units (paragraphs, long ones into
// sentences: annotations/units.py is the one splitter, the payload carries its code-point
// ranges) and, for each unit, a block with the gold row and one row per submitted annotation.
// Each item is a chip: label, covered text, a claim's claimant and check-worthiness, an
// agreement mark (every annotator has this item, some do, or only one: the same item by
// items.js, counted in the Review's tally) and "✓ gold" when gold has it. An attribute the
// annotators differ on at the item's place is written on the item ("claimant: ana says …,
// ben says …"); for a stance, whose holder is part of its place, differing holders on one
// target are written too. Stances belong to the document, not to a place in it: they are one
// block of their own, above the first unit; so are the document labels (the "Document" block,
// first: each annotator's labels of the whole document, marked like items). A span sits in
// the unit where it starts.
//
// Clicking an annotator's item (or Enter on the focused one) puts it into gold through the
// Review's acceptSpan / acceptStance (gold.js: the API path the lanes use); a gold item opens
// in the Gold lane, where it is edited with the annotate page's keys. Blocks are filled only
// when they come near the window (IntersectionObserver), and after a gold change only those
// near the window are filled again (the others when they come back): with 4 annotators x 500
// spans a key press or a gold change touches a handful of blocks, not two thousand chips.
//
// Curation owns its blocks and the focused item; CurationView (mixed into Review) switches
// the page between this view and the lanes and takes this view's keys (keys.js, context
// "curation").

import { describeValues, shownValue } from "./attributes.js";
import { ATTRIBUTE_NAMES } from "./disagreements.js";
import { GOLD_REVIEWED } from "./gold.js";
import { openHelp } from "./help.js";
import { KEYMAP, keyAction, labelFor } from "./keys.js";
import { attributesOf, itemKey, placeKey, relationItem, spanItem, stanceItem } from "./items.js";
import { el, shorten } from "./panels.js";
import { placeOf, relationCaption } from "./relations.js";

const KEYS = KEYMAP.review;

export const SIDE_READ_ONLY =
  "Side by side puts annotators' items into gold (Enter); to edit gold itself, click a gold item or press , or . for the lanes.";
export const NOTHING_FOCUSED = "Move to an item first (→ or ]), then press Enter to put it into gold.";
export const NO_DISPUTED = "Every item here is one every annotator has.";

// Below this many items every block is filled at once; above it, as blocks come near.
const FILL_ALL_BELOW = 300;
// How far outside the window a block is filled before it scrolls into view.
const NEAR = "900px 0px";
const TEXT_LIMIT = 80;

const whenIdle = window.requestIdleCallback || ((callback) => setTimeout(callback, 0));

const offsetsOf = (span) => (span ? [span.start, span.end] : null);
const quoted = (span) => `“${shorten(span.text, 40)}”`;

/** The key a document label has in the view's counts (it is not an item of items.js). */
const documentItemKey = (labelId) => `document-label:${labelId}`;

const GOLD_TITLES = {
  span: "Open it in the Gold lane to edit it",
  stance: "Stances are edited in the Gold lane's Stances panel",
  relation: "Open it in the Gold lane to edit it",
  document: "Document labels are changed in the Gold lane, above the text",
};

/** Where the view's items are agreed on: all annotators, some of them, or only one. */
export function agreementOf(holders, annotators) {
  if (holders >= annotators) return "all";
  return holders <= 1 ? "one" : "some";
}

const AGREEMENT_TEXT = {
  all: () => "= all",
  some: (holders, annotators) => `≈ ${holders} of ${annotators}`,
  one: () => "≠ only one",
};

export class Curation {
  constructor(review, root) {
    this.review = review;
    this.root = root;
    this.list = root.querySelector(".curation-units");
    this.focusKey = null;
    this.near = new Set();
    this.entries = new Map(); // chip key -> {key, lane, source, kind, item, itemKey, block}
    this.order = []; // chip keys in reading order: block by block, row by row
    this.blocks = this.makeBlocks(review.payload.units || []);
    this.placeAndTarget();
    this.assignLaneItems();
    this.buildSkeleton();
    const items = this.order.length;
    this.lazy = items >= FILL_ALL_BELOW && "IntersectionObserver" in window;
    if (this.lazy) {
      this.observer = new IntersectionObserver((entries) => this.onNear(entries), { rootMargin: NEAR });
      for (const block of this.blocks) this.observer.observe(block.element);
    }
    root.addEventListener("click", (event) => this.onClick(event));
    root.addEventListener("focusin", (event) => {
      const chip = event.target.closest?.(".cur-item[data-key]");
      if (chip) this.setCurrent(chip.dataset.key);
    });
  }

  // ---- Units and what sits in them ---------------------------------------------------------

  makeBlocks(units) {
    const blocks = [];
    if (this.review.documentLabelBar?.groups.length) {
      blocks.push({ kind: "document", name: "Document", start: null, end: null });
    }
    if (this.review.payload.targets.length) {
      blocks.push({ kind: "stances", name: "Stances", start: null, end: null });
    }
    units.forEach(([start, end], index) => {
      blocks.push({ kind: "text", name: `${index + 1}`, start, end });
    });
    for (const [index, block] of blocks.entries()) {
      Object.assign(block, { index, rows: new Map(), element: null, stale: true });
    }
    this.textBlocks = blocks.filter((block) => block.kind === "text");
    return blocks;
  }

  /** The text block a span sits in: the unit it starts in (or, in the gap before one, that one). */
  blockAt(start) {
    const units = this.textBlocks;
    if (!units.length) return null;
    let low = 0;
    let high = units.length - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (units[middle].end > start) high = middle;
      else low = middle + 1;
    }
    return units[low];
  }

  stanceBlock() {
    return this.blocks.find((block) => block.kind === "stances") || null;
  }

  documentBlock() {
    return this.blocks[0]?.kind === "document" ? this.blocks[0] : null;
  }

  /** Who has what at each place, and each annotator's stances per target. */
  placeAndTarget() {
    this.atPlace = new Map();
    this.onTarget = new Map();
    const add = (map, key, lane, source) => {
      if (!map.has(key)) map.set(key, new Map());
      const lanes = map.get(key);
      if (!lanes.has(lane.id)) lanes.set(lane.id, []);
      lanes.get(lane.id).push(source);
    };
    for (const lane of this.review.lanes) {
      for (const span of lane.spans) add(this.atPlace, placeKey(span.item), lane, span);
      for (const stance of lane.stances) {
        add(this.atPlace, placeKey(stance.item), lane, stance);
        add(this.onTarget, stance.target, lane, stance);
      }
    }
  }

  assignLaneItems() {
    const stances = this.stanceBlock();
    const labelsBlock = this.documentBlock();
    // Who gave each document label (they are not items of items.js: counted here).
    this.documentTally = new Map();
    for (const lane of this.review.lanes) {
      for (const id of lane.documentLabels) {
        const key = documentItemKey(id);
        this.documentTally.set(key, (this.documentTally.get(key) || 0) + 1);
        if (labelsBlock) {
          const source = { id, label: id };
          this.addEntry(labelsBlock, lane, { key: `dl${lane.id}-${id}`, lane, source, kind: "document", item: null, itemKey: key });
        }
      }
    }
    for (const lane of this.review.lanes) {
      for (const span of lane.spans) {
        const block = this.blockAt(span.start);
        if (block) this.addEntry(block, lane, { key: span.key, lane, source: span, kind: "span" });
      }
      // A relation sits where its source span does.
      for (const relation of lane.relations) {
        const block = relation.sourceSpan && this.blockAt(relation.sourceSpan.start);
        if (block) this.addEntry(block, lane, { key: `rel${lane.id}-${relation.id}`, lane, source: relation, kind: "relation" });
      }
      if (!stances) continue;
      for (const stance of lane.stances) {
        const key = `st${lane.id}-${stance.id}`;
        this.addEntry(stances, lane, { key, lane, source: stance, kind: "stance" });
      }
    }
    for (const block of this.blocks) {
      for (const lane of this.review.lanes) {
        for (const entry of block.rows.get(lane.id) || []) this.order.push(entry.key);
      }
    }
    this.order.forEach((key, at) => {
      this.entries.get(key).at = at;
    });
  }

  addEntry(block, lane, entry) {
    if (entry.kind !== "document") Object.assign(entry, { item: entry.source.item, itemKey: entry.source.itemKey });
    entry.block = block;
    if (!block.rows.has(lane.id)) block.rows.set(lane.id, []);
    block.rows.get(lane.id).push(entry);
    this.entries.set(entry.key, entry);
  }

  // ---- Drawing -----------------------------------------------------------------------------

  /** Every block's heading and text at once (cheap); the rows come when a block is filled. */
  buildSkeleton() {
    const sections = this.blocks.map((block) => {
      const heading =
        block.kind !== "text"
          ? el("h3", { className: "cur-unit-name", text: block.kind === "stances" ? "Stances (whole document)" : "Document labels (whole document)" })
          : el(
              "h3",
              { className: "cur-unit-name" },
              `¶ ${block.name} `,
              el("span", { className: "muted small", text: `characters ${block.start}–${block.end}` }),
            );
      const text =
        block.kind === "text"
          ? el("p", { className: "cur-unit-text", text: this.review.index.slice(block.start, block.end) })
          : null;
      block.summary = el("span", { className: "cur-summary small" });
      block.body = el("div", { className: "cur-rows" });
      block.element = el(
        "section",
        {
          className: `cur-unit cur-${block.kind}`,
          dataset: { unit: String(block.index), ...(block.kind === "text" ? { start: block.start, end: block.end } : {}) },
          "aria-label": block.kind === "text" ? `Unit ${block.name}` : block.name,
        },
        el("header", { className: "cur-unit-head" }, heading, block.summary),
        text,
        block.body,
      );
      // Room for the rows before they are drawn, so that the scroll bar does not jump.
      block.element.style.setProperty("--rows", String(this.review.lanes.length + 1));
      return block.element;
    });
    this.list.replaceChildren(...sections);
  }

  onNear(entries) {
    for (const entry of entries) {
      const block = this.blocks[Number(entry.target.dataset.unit)];
      if (entry.isIntersecting) this.near.add(block);
      else this.near.delete(block);
    }
    // Hidden (the lanes shown): nothing to fill, and asking where the focused item is would lay
    // out the whole hidden view (content-visibility keeps it); refresh(true) fills on return.
    if (this.review.viewMode !== "side") return;
    // When the browser is idle after the scroll (a key press, say) is painted: blocks coming
    // near are filled before they are in view, and a key press never waits for them.
    if (!this.filling) {
      this.filling = true;
      whenIdle(() => this.fillNear(), { timeout: 150 });
    }
  }

  fillNear() {
    this.filling = false;
    // Blocks filled above the focused item change height: keep the item where it is on screen.
    const anchor = this.visibleChip();
    const before = anchor?.getBoundingClientRect().top;
    for (const block of this.near) {
      if (block.stale) this.fill(block);
    }
    if (anchor?.isConnected) {
      const moved = anchor.getBoundingClientRect().top - before;
      if (moved) window.scrollBy(0, moved);
    }
  }

  /** The focused item's element, when it is drawn and on screen. */
  visibleChip() {
    const entry = this.focusKey && this.entries.get(this.focusKey);
    if (!entry || entry.block.stale) return null;
    const chip = entry.block.element.querySelector(`[data-key="${CSS.escape(this.focusKey)}"]`);
    const box = chip?.getBoundingClientRect();
    return box && box.bottom > 0 && box.top < window.innerHeight ? chip : null;
  }

  /**
   * After any change to gold: fill again the blocks near the window, mark the others stale.
   * The page refreshes several times for one accept (busy, the gold loaded, done): unless
   * `force`d, nothing is redrawn while gold's content is the same.
   */
  refresh(force = false) {
    if (!this.review.busy) this.clearAccepting();
    const store = this.review.annotator?.store;
    const seen = store ? `${store.id}:${store.version}:${store.spans.size}:${store.stances.size}:${store.documentLabels}` : "none";
    if (!force && seen === this.seen) return;
    this.seen = seen;
    this.goldByBlock = this.groupGold();
    const gold = this.goldIndex;
    this.summary(gold);
    const hadFocus = this.root.contains(document.activeElement);
    // Only the blocks whose gold items changed (an accept changes one, or the few whose
    // spans it replaced) are drawn again; `force` redraws them all.
    for (const block of this.blocks) {
      if (force || this.goldSeenIn(block) !== block.goldSeen) block.stale = true;
    }
    const now = this.lazy ? [...this.near] : this.blocks;
    for (const block of now) {
      if (block.stale) this.fill(block);
    }
    if (hadFocus && !this.root.contains(document.activeElement)) this.chipOf(this.focusKey)?.focus({ preventScroll: true });
  }

  /** Gold's spans by block, each with its item key; gold's keys and places. */
  groupGold() {
    const byBlock = new Map();
    const keys = new Set();
    const places = new Map();
    this.goldIndex = { keys, places };
    const annotator = this.review.annotator;
    if (!annotator) return byBlock;
    const { spans, stances } = annotator.store;
    const at = (key) => offsetsOf(spans.get(key));
    const put = (block, entry) => {
      if (!byBlock.has(block)) byBlock.set(block, []);
      byBlock.get(block).push(entry);
      keys.add(entry.itemKey);
      places.set(placeKey(entry.item), entry.item);
    };
    for (const span of annotator.store.sortedSpans()) {
      const item = spanItem({ ...span, claimant: at(span.claimant) });
      const block = this.blockAt(span.start);
      if (block) put(block, { kind: "span", source: span, item, itemKey: itemKey(item) });
    }
    for (const relation of annotator.store.relations.values()) {
      const from = spans.get(relation.source);
      const item = relationItem({
        label: relation.label,
        source: placeOf(spans.get(relation.source)),
        target: placeOf(spans.get(relation.target)),
      });
      const block = from && this.blockAt(from.start);
      if (block) put(block, { kind: "relation", source: relation, item, itemKey: itemKey(item) });
    }
    const stanceBlock = this.stanceBlock();
    for (const stance of stances.values()) {
      const item = stanceItem({ ...stance, holder: at(stance.holder), evidence: at(stance.evidence) });
      const entry = { kind: "stance", source: stance, item, itemKey: itemKey(item) };
      if (stanceBlock) put(stanceBlock, entry);
      else keys.add(entry.itemKey);
    }
    const labelsBlock = this.documentBlock();
    for (const id of annotator.store.documentLabels) {
      const entry = { kind: "document", source: { id, label: id, key: `doclabel-${id}` }, item: null, itemKey: documentItemKey(id) };
      keys.add(entry.itemKey);
      if (!labelsBlock) continue;
      if (!byBlock.has(labelsBlock)) byBlock.set(labelsBlock, []);
      byBlock.get(labelsBlock).push(entry);
    }
    return byBlock;
  }

  summary(gold) {
    const note = this.root.querySelector(".curation-summary");
    const all = new Set([...this.entries.values()].map((entry) => entry.itemKey));
    const agreed = [...all].filter((key) => this.holders(key) >= this.review.lanes.length).length;
    const inGold = [...all].filter((key) => gold.keys.has(key)).length;
    note.textContent =
      `${all.size} item${all.size === 1 ? "" : "s"} in ${this.review.lanes.length} annotation` +
      `${this.review.lanes.length === 1 ? "" : "s"}: ${agreed} every annotator has, ` +
      `${all.size - agreed} not; ${inGold} in gold.`;
  }

  holders(key) {
    return this.documentTally?.get(key) ?? (this.review.tally.get(key)?.size || 0);
  }

  goldSeenIn(block) {
    return (this.goldByBlock?.get(block) || []).map((entry) => entry.itemKey).join("\n");
  }

  fill(block) {
    block.stale = false;
    block.goldSeen = this.goldSeenIn(block);
    const lanes = this.review.lanes;
    const gold = this.goldByBlock?.get(block) || [];
    const rows = [this.row("gold", "Gold", gold.map((entry) => this.goldChip(entry)))];
    let items = 0;
    let disputed = 0;
    for (const lane of lanes) {
      const entries = block.rows.get(lane.id) || [];
      items += entries.length;
      disputed += entries.filter((entry) => this.holders(entry.itemKey) < lanes.length).length;
      rows.push(this.row(String(lane.id), lane.author, entries.map((entry) => this.chip(entry))));
    }
    block.body.replaceChildren(...rows);
    block.element.classList.add("filled");
    block.summary.textContent = items
      ? `${gold.length} in gold · ${disputed} of ${items} not shared by all`
      : gold.length
        ? `${gold.length} in gold`
        : "";
  }

  row(lane, who, chips) {
    return el(
      "div",
      { className: `cur-row${lane === "gold" ? " cur-gold-row" : ""}`, dataset: { lane } },
      el("span", { className: "cur-who", text: who }),
      el("div", { className: "cur-items" }, ...(chips.length ? chips : [el("span", { className: "cur-none muted", text: "—" })])),
    );
  }

  chip(entry) {
    const review = this.review;
    const lanes = review.lanes.length;
    const holders = this.holders(entry.itemKey);
    const agreement = agreementOf(holders, lanes);
    const inGold = this.goldIndex?.keys.has(entry.itemKey) || false;
    const source = entry.source;
    // What does not change with gold is worked out once per item, on its first drawing.
    entry.who ??=
      entry.kind === "document"
        ? review.lanes.filter((lane) => lane.documentLabels.includes(source.label)).map((lane) => lane.author).join(", ")
        : [...(review.tally.get(entry.itemKey) || new Map()).keys()]
            .map((id) => review.lanes.find((lane) => lane.id === id)?.author)
            .join(", ");
    entry.differs ??= this.differences(entry);
    const who = entry.who;
    const attributes = { key: entry.key, lane: String(entry.lane.id), agreement, inGold: String(inGold) };
    if (entry.kind === "span") {
      Object.assign(attributes, {
        spanId: String(source.id),
        label: review.labels.get(source.label)?.name || "?",
        start: String(source.start),
        end: String(source.end),
      });
    } else if (entry.kind === "document") {
      Object.assign(attributes, { labelId: String(source.label), label: review.labels.get(source.label)?.name || "?" });
    } else if (entry.kind === "relation") {
      attributes.relationId = String(source.id);
      attributes.label = review.labels.get(source.label)?.name || "?";
    } else {
      attributes.stanceId = String(source.id);
    }
    const goldPlace = inGold || !entry.item ? null : this.goldIndex?.places.get(placeKey(entry.item));
    const chip = el(
      "button",
      {
        type: "button",
        className: `cur-item${entry.key === this.focusKey ? " current" : ""}`,
        tabindex: entry.key === this.focusKey || (!this.focusKey && entry.at === 0) ? "0" : "-1",
        dataset: attributes,
        title: `${who || entry.lane.author} ${holders === 1 ? "has" : "have"} it. ${inGold ? "In gold." : "Click or press Enter to put it into gold."}`,
      },
      ...this.caption(entry.kind, source, {
        claimant: entry.kind === "span" && source.claimant !== null ? entry.lane.byId.get(source.claimant) : null,
        holder: source.holderSpan,
        evidence: source.evidenceSpan,
        from: source.sourceSpan,
        to: source.targetSpan,
      }),
      lanes > 1 ? el("span", { className: `cur-mark agree-${agreement}`, text: AGREEMENT_TEXT[agreement](holders, lanes) }) : null,
      inGold ? el("span", { className: "cur-in-gold", text: "✓ gold" }) : null,
      ...entry.differs.map((text) => el("span", { className: "cur-diff", text })),
      goldPlace ? el("span", { className: "cur-gold-place small", text: this.goldPlaceNote(entry.item, goldPlace) }) : null,
    );
    return chip;
  }

  goldChip(entry) {
    const review = this.review;
    const holders = this.holders(entry.itemKey);
    const source = entry.source;
    const attributes = { goldKey: source.key };
    if (entry.kind === "document") attributes.label = review.labels.get(source.label)?.name || "?";
    if (entry.kind === "relation") attributes.label = review.labels.get(source.label)?.name || "?";
    if (entry.kind === "span") {
      Object.assign(attributes, {
        label: review.labels.get(source.label)?.name || "?",
        start: String(source.start),
        end: String(source.end),
      });
    }
    const spans = review.annotator.store.spans;
    return el(
      "button",
      {
        type: "button",
        className: "cur-item cur-gold-item",
        tabindex: "-1",
        dataset: attributes,
        title: GOLD_TITLES[entry.kind],
      },
      ...this.caption(entry.kind, source, {
        claimant: spans.get(source.claimant),
        holder: spans.get(source.holder),
        evidence: spans.get(source.evidence),
        from: spans.get(source.source),
        to: spans.get(source.target),
      }),
      el("span", {
        className: `cur-mark support`,
        text: review.lanes.length ? `${holders} of ${review.lanes.length}` : "",
      }),
    );
  }

  /** Label, text and attributes of a span or stance; `refs` are its claimant, holder, evidence spans. */
  caption(kind, source, refs) {
    const review = this.review;
    const label = review.labels.get(source.label);
    if (kind === "relation") return relationCaption(review.labels, source, refs.from, refs.to);
    const chip = el("span", { className: `chip lbl-${source.label}`, text: label ? label.name : "?" });
    if (kind === "document") {
      const group = review.documentLabelBar?.groupOf(source.label);
      return [chip, el("span", { className: "cur-attrs", text: group?.name || "" })];
    }
    // The label's attribute values, as the annotator gave them (attributes.js words them).
    const values = describeValues(source.attributes);
    if (kind === "stance") {
      return [
        el("span", { className: "cur-text" }, el("strong", { text: review.targetName(source.target) }), ": "),
        chip,
        el("span", {
          className: "cur-attrs",
          text: `held by ${refs.holder ? quoted(refs.holder) : "the author"}${refs.evidence ? `, evidence ${quoted(refs.evidence)}` : ""}`,
        }),
        values ? el("span", { className: "cur-attrs cur-values", text: values }) : null,
      ].filter(Boolean);
    }
    const text = shorten(source.text ?? review.index.slice(source.start, source.end), TEXT_LIMIT);
    const parts = [chip, el("span", { className: "cur-text", text })];
    const attributes = [];
    if (refs.claimant) attributes.push(`claimant ${quoted(refs.claimant)}`);
    else if (source.claimant_text) attributes.push(`claimant ${source.claimant_text} (not in the text)`);
    if (source.checkworthy) attributes.push(`check-worthy: ${source.checkworthy}`);
    if (values) attributes.push(values);
    if (attributes.length) parts.push(el("span", { className: "cur-attrs", text: attributes.join(" · ") }));
    return parts;
  }

  /**
   * What the annotators who have this item's place give differently: one line per attribute,
   * "claimant: ana says “X”, ben says AFP (not in the text)"; for a stance also its holder,
   * among the annotators with a stance on its target.
   */
  differences(entry) {
    const lines = [];
    if (entry.kind === "document") return lines;
    const lanes = this.review.lanes;
    const describe = (groups, name, value) => {
      const said = [];
      const seen = new Set();
      for (const lane of lanes) {
        const sources = groups.get(lane.id);
        if (!sources) continue;
        const values = [...new Set(sources.map((source) => value(lane, source)))];
        values.forEach((v) => seen.add(v));
        said.push(`${lane.author} says ${values.join(" / ")}`);
      }
      if (seen.size > 1 && said.length > 1) lines.push(`${name}: ${said.join(", ")}`);
    };
    if (entry.kind === "stance") {
      const onTarget = this.onTarget.get(entry.source.target);
      if (onTarget) describe(onTarget, "holder", (_lane, stance) => (stance.holderSpan ? quoted(stance.holderSpan) : "the author"));
    }
    const atPlace = this.atPlace.get(placeKey(entry.item));
    if (!atPlace || atPlace.size < 2) return lines;
    const names = attributesOf(entry.kind);
    for (const name of names) {
      if (name === "attributes") continue;
      describe(atPlace, ATTRIBUTE_NAMES[name] || name, (lane, source) => this.valueOf(name, lane, source));
    }
    // The label's attributes, one line each: "sentiment: ana says positive, ben says negative".
    const declared = new Set();
    for (const sources of atPlace.values()) {
      for (const source of sources) Object.keys(source.attributes || {}).forEach((n) => declared.add(n));
    }
    for (const name of [...declared].sort()) {
      describe(atPlace, name, (_lane, source) => shownValue((source.attributes || {})[name]));
    }
    // A claim's verdict (its claim record, claimrecord.js): "verdict: ana says REFUTES, ...".
    if (entry.kind === "span") {
      describe(atPlace, "verdict", (lane, source) => lane.verdicts?.get(source.id) || "no verdict");
    }
    return lines;
  }

  valueOf(name, lane, source) {
    switch (name) {
      case "claimant":
        if (source.claimant !== null) {
          const claimant = lane.byId.get(source.claimant);
          return claimant ? quoted(claimant) : "a span";
        }
        return source.claimant_text ? `${source.claimant_text} (not in the text)` : "none";
      case "checkworthy":
        return source.checkworthy || "not given";
      case "label":
        return this.review.labels.get(source.label)?.name || "?";
      case "evidence":
        return source.evidenceSpan ? quoted(source.evidenceSpan) : "none";
      default:
        return String(source.item[name]);
    }
  }

  goldPlaceNote(wanted, gold) {
    const names = attributesOf(wanted.kind).filter(
      (name) => JSON.stringify(wanted[name]) !== JSON.stringify(gold[name]),
    );
    return `gold has it with another ${names.map((name) => ATTRIBUTE_NAMES[name] || name).join(" and ")}`;
  }

  // ---- Moving and accepting ----------------------------------------------------------------

  chipOf(key) {
    if (!key) return null;
    const entry = this.entries.get(key);
    if (!entry) return null;
    if (entry.block.stale) this.fill(entry.block);
    return entry.block.element.querySelector(`[data-key="${CSS.escape(key)}"]`);
  }

  setCurrent(key) {
    if (key === this.focusKey) return;
    const old = this.focusKey && this.entries.get(this.focusKey);
    const before = old && !old.block.stale ? old.block.element.querySelector(`[data-key="${CSS.escape(this.focusKey)}"]`) : null;
    if (before) {
      before.classList.remove("current");
      before.tabIndex = -1;
    }
    this.focusKey = key;
    const chip = this.chipOf(key);
    if (chip) {
      chip.classList.add("current");
      chip.tabIndex = 0;
    }
  }

  focus(key) {
    this.setCurrent(key);
    const chip = this.chipOf(key);
    if (!chip) return;
    chip.focus({ preventScroll: true });
    chip.scrollIntoView({ block: "nearest" });
  }

  /** The next (or previous) item; with `disputedOnly`, one not every annotator has. */
  step(direction, disputedOnly = false) {
    const lanes = this.review.lanes.length;
    const fits = (key) => !disputedOnly || this.holders(this.entries.get(key).itemKey) < lanes;
    const count = this.order.length;
    if (!count) {
      this.review.say("No annotator has marked anything in this document.");
      return;
    }
    const at = this.focusKey ? this.entries.get(this.focusKey).at : direction > 0 ? -1 : count;
    for (let step = 1; step <= count; step++) {
      const next = (((at + direction * step) % count) + count) % count;
      if (fits(this.order[next])) {
        this.focus(this.order[next]);
        return;
      }
    }
    this.review.say(NO_DISPUTED);
  }

  /** The first item of the next (or previous) block that has any. */
  stepBlock(direction) {
    const count = this.blocks.length;
    const from = this.focusKey ? this.entries.get(this.focusKey).block.index : direction > 0 ? -1 : count;
    for (let at = from + direction; at >= 0 && at < count; at += direction) {
      const key = this.order.find((k) => this.entries.get(k).block.index === at);
      if (key) {
        this.focus(key);
        return;
      }
    }
  }

  accept(key = this.focusKey) {
    const entry = key && this.entries.get(key);
    if (!entry) {
      this.review.say(NOTHING_FOCUSED);
      return;
    }
    if (this.review.goldStatus() === "submitted") {
      this.review.say(GOLD_REVIEWED);
      return;
    }
    // The item shows at once that it is going into gold, and the accept is queued after any
    // under way (goldqueue.js: a key pressed meanwhile is never dropped). Queuing draws nothing;
    // the redraw once the queue is empty, after the server's answers or a refusal, takes the
    // marks away.
    const chip = this.chipOf(key);
    if (chip) {
      chip.dataset.accepting = "true";
      chip.setAttribute("aria-busy", "true");
    }
    if (entry.kind === "span") this.review.acceptSpan(entry.source);
    else if (entry.kind === "document") this.review.acceptDocumentLabel(entry.source.label);
    else if (entry.kind === "relation") this.review.acceptRelation(entry.source);
    else this.review.acceptStance(entry.source);
  }

  /** Take away the "going into gold" mark of an item whose accept is over. */
  clearAccepting() {
    for (const chip of this.root.querySelectorAll('.cur-item[data-accepting="true"]')) {
      delete chip.dataset.accepting;
      chip.removeAttribute("aria-busy");
    }
  }

  onClick(event) {
    const chip = event.target.closest(".cur-item");
    if (!chip) return;
    if (chip.dataset.key) {
      this.focus(chip.dataset.key);
      this.accept(chip.dataset.key);
    } else if (chip.dataset.goldKey) {
      this.review.openInGold(chip.dataset.goldKey);
    }
  }
}

/** Mixed into Review (review.js): the view switch, and the side-by-side view's keys. */
export class CurationView {
  /** Side by side with two annotators or more, unless the address asks (`?view=lanes|side`). */
  startView() {
    this.viewButtons = [...document.querySelectorAll("#view-switch [data-view]")];
    // What data-view (side or lanes) is set on: the page, and what curation.css styles by it.
    this.viewStyled = [
      this.root,
      ...this.root.querySelectorAll(".workspace, .workspace > .curation, .workspace > .text-column, .gold-panels, #lane-panel"),
    ];
    for (const button of this.viewButtons) {
      button.addEventListener("click", () => this.setView(button.dataset.view));
    }
    const asked = new URLSearchParams(window.location.search).get("view");
    this.setView(asked === "side" || asked === "lanes" ? asked : this.lanes.length > 1 ? "side" : "lanes", false);
  }

  setView(view, remember = true) {
    this.viewMode = view;
    for (const element of this.viewStyled) element.dataset.view = view;
    for (const button of this.viewButtons) button.setAttribute("aria-pressed", String(button.dataset.view === view));
    if (view === "side") {
      if (this.annotator) {
        this.annotator.enabled = false;
        this.annotator.selected = null;
      }
      window.getSelection()?.removeAllRanges();
      // The lanes' text is hidden meanwhile: it draws nothing, and on show only what is in view.
      this.view.hide();
      this.curation.refresh(true);
      // The side column lists the gold side by side, whichever lane was shown before.
      this.showLaneList();
    } else {
      // The side column is wider in the lanes: its list, redrawn after the frame for the lane
      // shown, is left out of this one rather than laid out again first at the new width.
      this.list.hold();
      this.view.show();
      this.showLane(this.lane);
    }
    if (remember) {
      // After the frame is painted: the browser's own bookkeeping of the address (a few
      // milliseconds, more on a busy machine) need not hold back the view the key asked for.
      requestAnimationFrame(() =>
        setTimeout(() => {
          if (this.viewMode !== view) return;
          const url = new URL(window.location.href);
          url.searchParams.set("view", view);
          window.history.replaceState(window.history.state, "", url);
        }, 0),
      );
    }
  }

  /** A gold item clicked side by side: the Gold lane, that span selected, to edit. */
  openInGold(key) {
    this.setView("lanes");
    this.showLane("gold");
    if (this.annotator?.store.spans.has(key)) this.annotator.selectSpan(key);
    else if (this.annotator?.store.relations.has(key)) this.annotator.selectRelation(key);
    this.textRoot.focus({ preventScroll: true });
  }

  /** The side-by-side view's keys; true when the key was taken. */
  onCurationKey(event, action) {
    const target = event.target;
    const onChip = target instanceof HTMLElement && target.closest(".cur-item");
    if (target instanceof HTMLButtonElement && !onChip && (event.key === "Enter" || event.key === " ")) return false;
    switch (keyAction(KEYS, event, "curation")) {
      case "nextItem":
        this.curation.step(1);
        return true;
      case "previousItem":
        this.curation.step(-1);
        return true;
      case "nextUnit":
        this.curation.stepBlock(1);
        return true;
      case "previousUnit":
        this.curation.stepBlock(-1);
        return true;
      case "acceptItem":
        this.curation.accept();
        return true;
      case "clearItem":
        this.curation.setCurrent(null);
        document.activeElement?.blur?.();
        return true;
    }
    if (action === "help") {
      openHelp();
      return true;
    }
    if (event.key.length === 1 && labelFor(this.payload.labels, event.key)) {
      this.say(SIDE_READ_ONLY);
      return true;
    }
    return false;
  }
}
