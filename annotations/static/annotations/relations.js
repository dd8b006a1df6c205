// Relations on the annotate and review pages: drawing a directed, typed link from one
// highlight to another, showing it as an arc over the text, listing, selecting and deleting it.
//
// Drawing one: select a highlight (click it, or ] and [), press a relation label's key (or
// click its button in the label bar): the page waits for the other end. Click the highlight it
// goes to, or move to it with ] and [ and press Enter; Esc cancels. A label that names the kind
// of span it starts or ends at (`source_kind`, `target_kind`: rules.js' relationEndFits) is
// refused at once, with a message, on a span of another kind; the server checks again. The
// relation goes through the save queue like any change (relationstore.js keeps it in the
// Store), so it is never lost offline, and undo and redo cover it.
//
// Arcs: an SVG layer over the text column (RelationArcs), one arc per relation from the top of
// its source's first piece to the top of its target's, with an arrowhead on the target and the
// label's name at the top of the arc. Positions are read from the drawn pieces every time the
// text is drawn and whenever the text's box changes size (a narrower window reflows the lines),
// so an arc always joins its two highlights. The layer takes no clicks except on an arc's name,
// which selects the relation. Names are set with textContent: never markup.
//
// RelationEditing is mixed into the Annotator (annotator.js: `this` is the Annotator);
// RelationReview into the review page's Review (review.js): an annotator's
// relations drawn in their lane and listed in its panel, compared (items.js' relationItem) and
// accepted into gold like a span.

import { describeValues } from "./attributes.js";
import { itemKey, relationItem } from "./items.js";
import { KEYMAP, keyAction, labelFor } from "./keys.js";
import { el, shorten } from "./panels.js";
import { RELATION_CREATE, RELATION_DELETE, newRelationKey, relationsOf, sameRelation } from "./relationstore.js";
import { relationEndFits } from "./rules.js";
import { newUuid } from "./store.js";

const KEYS = KEYMAP.annotate;
const SVG = "http://www.w3.org/2000/svg";
const QUOTE = 30;

export const NO_SOURCE = "Select a highlight first (click it, or press ] ), then press {label}'s key to draw a relation from it.";
export const RELATING = "{label} from “{text}”: click the highlight it goes to, or move with ] and [ and press Enter (Esc: cancel).";
export const SOURCE_REFUSED = "{label} starts at {allowed} highlight; “{text}” is {kind}.";
export const TARGET_REFUSED = "{label} ends at {allowed} highlight; “{text}” is {kind}. Pick another (Esc: cancel).";
export const TO_ITSELF = "A relation cannot go from a highlight to itself: pick another (Esc: cancel).";
export const RELATION_EXISTS = "That relation is already drawn.";
export const NO_TARGET = "No highlight here can be the end of {label}.";
export const RELATION_CANCELLED = "No relation drawn.";
export const PICK_END = "Move to the highlight {label} goes to with ] or [ first (or click it); Esc cancels.";

function format(template, values) {
  return template.replace(/\{(\w+)\}/g, (_, name) => String(values[name]));
}

/** "an entity", "a claim": how a message names a kind. */
function aKind(kind) {
  return kind ? `${/^[aeiou]/.test(kind) ? "an" : "a"} ${kind}` : "unlabelled";
}

// ---- Arcs ------------------------------------------------------------------------------------

/** The arcs layer of a TextView: made once per view (the review page's lanes share it). */
export function arcsOf(view) {
  if (!view.relationArcs) view.relationArcs = new RelationArcs(view.root);
  return view.relationArcs;
}

export class RelationArcs {
  /** @param {HTMLElement} textRoot  #document-text; the layer goes over its parent. */
  constructor(textRoot) {
    this.textRoot = textRoot;
    this.host = textRoot.parentElement;
    this.host.classList.add("has-relation-arcs");
    this.svg = document.createElementNS(SVG, "svg");
    this.svg.setAttribute("class", "relation-arcs");
    this.svg.setAttribute("aria-hidden", "true");
    this.host.append(this.svg);
    this.arcs = []; // {key, id, label, labelName, source, target, selected}
    this.onChoose = () => {};
    this.queued = false;
    if (window.ResizeObserver) new ResizeObserver(() => this.schedule()).observe(textRoot);
    document.fonts?.ready.then(() => this.schedule());
  }

  /**
   * Show `arcs` ({key, id, label, labelName, source, target, selected}: source and target are
   * span keys, as the text's pieces carry them in data-key); `onChoose(key)` runs when an
   * arc's name is clicked.
   */
  show(arcs, onChoose) {
    this.arcs = arcs;
    this.onChoose = onChoose || (() => {});
    // At the next frame, when the browser lays the text out anyway: measuring the pieces now
    // would lay out a redrawn paragraph twice for every key press.
    this.schedule();
  }

  /** Draw again at the next frame (the text reflowed). */
  schedule() {
    if (this.queued) return;
    this.queued = true;
    requestAnimationFrame(() => {
      this.queued = false;
      this.draw();
    });
  }

  /** The box of a span's first piece (its first line), relative to the layer, or null. */
  boxOf(key, origin) {
    const piece = this.textRoot.querySelector(`[data-key="${CSS.escape(key)}"]`);
    const box = piece?.getClientRects()[0];
    if (!box || (!box.width && !box.height)) return null;
    return { left: box.left - origin.left, top: box.top - origin.top, width: box.width };
  }

  draw() {
    // Nothing to draw and nothing drawn: no layout is read (a page without relations pays nothing).
    if (!this.arcs.length && !this.svg.childElementCount) return;
    const origin = this.host.getBoundingClientRect();
    this.svg.setAttribute("width", String(this.host.scrollWidth));
    this.svg.setAttribute("height", String(this.host.scrollHeight));
    const groups = [];
    const lifts = new Map(); // how many arcs already leave from or arrive at a span
    const lift = (key) => {
      const n = lifts.get(key) || 0;
      lifts.set(key, n + 1);
      return n;
    };
    for (const arc of this.arcs) {
      const from = this.boxOf(arc.source, origin);
      const to = this.boxOf(arc.target, origin);
      if (!from || !to) continue;
      // Arcs at the same span rise to different heights, so their names do not cover each other.
      const height = 14 + 9 * (Math.max(lift(arc.source), lift(arc.target)) % 3);
      groups.push(this.arc(arc, from, to, height));
    }
    this.svg.replaceChildren(...groups);
    // The names' backgrounds fit the names, measured once they are in; a name is kept inside
    // the text's box (an arc near its edge would put half of it outside).
    const bounds = this.textRoot.getBoundingClientRect();
    const [low, high] = [bounds.left - origin.left + 2, bounds.right - origin.left - 2];
    for (const group of groups) {
      const name = group.querySelector("text");
      const back = group.querySelector("rect");
      let box = name.getBBox();
      const shift = Math.max(0, low - (box.x - 3)) - Math.max(0, box.x + box.width + 3 - high);
      if (shift) {
        name.setAttribute("x", String(Number(name.getAttribute("x")) + shift));
        box = name.getBBox();
      }
      back.setAttribute("x", String(box.x - 3));
      back.setAttribute("y", String(box.y - 1));
      back.setAttribute("width", String(box.width + 6));
      back.setAttribute("height", String(box.height + 2));
    }
  }

  arc(arc, from, to, height) {
    const x1 = from.left + Math.min(from.width / 2, 12);
    const x2 = to.left + Math.min(to.width / 2, 12);
    const y1 = from.top;
    const y2 = to.top;
    const top = Math.min(y1, y2) - height;
    const path = svg("path", {
      class: "relation-line",
      d: `M ${x1} ${y1} C ${x1} ${top} ${x2} ${top} ${x2} ${y2 - 6}`,
    });
    const arrow = svg("path", { class: "relation-arrow", d: `M ${x2 - 4} ${y2 - 7} L ${x2 + 4} ${y2 - 7} L ${x2} ${y2} Z` });
    const start = svg("circle", { class: "relation-start", cx: x1, cy: y1 - 1, r: 2.5 });
    // The top of the curve: where the name goes (a cubic with both control points at `top`).
    const middleY = (y1 + y2) / 8 + (3 * top) / 4;
    const name = svg("text", { x: (x1 + x2) / 2, y: middleY + 3, "text-anchor": "middle" });
    name.textContent = arc.labelName;
    const back = svg("rect", { class: "relation-name-back", rx: 3 });
    const label = svg("g", { class: "relation-name" }, back, name);
    label.addEventListener("mousedown", (event) => event.preventDefault());
    label.addEventListener("click", (event) => {
      event.stopPropagation();
      this.onChoose(arc.key);
    });
    return svg(
      "g",
      {
        class: `relation-arc lbl-${arc.label}${arc.selected ? " selected" : ""}${arc.pending ? " pending" : ""}`,
        "data-relation-key": arc.key,
        "data-relation-id": arc.id === null ? "" : String(arc.id),
        "data-label": arc.labelName,
        "data-source": arc.source,
        "data-target": arc.target,
      },
      path,
      arrow,
      start,
      label,
    );
  }
}

function svg(tag, attributes, ...children) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  element.append(...children);
  return element;
}

// ---- The list's words ------------------------------------------------------------------------

/** What a relation's entry in the annotation list shows: "“Keita” → “Bamako”". */
export function describeRelation(relation, label, source, target) {
  const end = (span) => (span ? `“${shorten(span.text, QUOTE)}”` : "?");
  return {
    caption: `${end(source)} → ${end(target)}`,
    detail: describeValues(relation.attributes),
    tip: `${label ? label.name : "?"} from ${end(source)} to ${end(target)}`,
  };
}

// ---- On the Annotator ------------------------------------------------------------------------

export class RelationEditing {
  /** The project's relation labels (the payload's labels of kind relation). */
  relationLabels() {
    return this.payload.labels.filter((label) => label.kind === "relation");
  }

  kindOfSpan(key) {
    return this.labels.get(this.store.spans.get(key)?.label)?.kind;
  }

  /** A letter key: a relation label's starts a relation from the selected highlight; true if so. */
  relationKeyPressed(key) {
    const label = labelFor(this.relationLabels(), key);
    if (!label) return false;
    this.startRelation(label);
    return true;
  }

  /** Start drawing a `label` relation from the selected highlight. */
  startRelation(label) {
    if (!this.guard()) return;
    const source = this.selected && this.store.spans.get(this.selected);
    if (!source) {
      this.say(format(NO_SOURCE, { label: label.name }));
      return;
    }
    const kind = this.kindOfSpan(source.key);
    if (!relationEndFits(label.source_kind || "", kind)) {
      const text = shorten(source.text, QUOTE);
      this.say(format(SOURCE_REFUSED, { label: label.name, allowed: aKind(label.source_kind), text, kind: aKind(kind) }));
      return;
    }
    window.getSelection()?.removeAllRanges();
    this.relating = { label: label.id, source: source.key, candidate: null };
    this.picking = null;
    this.say(format(RELATING, { label: label.name, text: shorten(source.text, QUOTE) }), { sticky: true });
    this.redecorate();
  }

  /** Esc: stop drawing the relation (a click beside the highlights leaves it waiting). */
  cancelRelation() {
    this.relating = null;
    this.say(RELATION_CANCELLED);
    this.redecorate();
  }

  /** The highlight `key` is the relation's end: save the relation if its kind fits. */
  relateTo(key) {
    const relating = this.relating;
    const label = this.labels.get(relating.label);
    const span = this.store.spans.get(key);
    if (!span || !label) return;
    if (key === relating.source) {
      this.say(TO_ITSELF, { sticky: true });
      return;
    }
    const kind = this.kindOfSpan(key);
    if (!relationEndFits(label.target_kind || "", kind)) {
      const text = shorten(span.text, QUOTE);
      this.say(format(TARGET_REFUSED, { label: label.name, allowed: aKind(label.target_kind), text, kind: aKind(kind) }), { sticky: true });
      return;
    }
    const wanted = { label: label.id, source: relating.source, target: key };
    const same = sameRelation(this.store, wanted);
    this.relating = null;
    if (same) {
      this.selectRelation(same.key);
      this.say(RELATION_EXISTS);
      return;
    }
    const op = { type: RELATION_CREATE, key: newRelationKey(newUuid()), ...wanted };
    this.selected = null;
    this.selectedRelation = op.key;
    this.say(`${label.name}: “${shorten(this.store.spans.get(relating.source).text, QUOTE)}” → “${shorten(span.text, QUOTE)}”.`);
    this.change([op]);
  }

  /** The highlights the relation being drawn may end at, in text order. */
  relationCandidates() {
    const label = this.labels.get(this.relating.label);
    return this.store
      .sortedSpans()
      .filter((span) => span.key !== this.relating.source && relationEndFits(label?.target_kind || "", this.kindOfSpan(span.key)));
  }

  /** Keys while a relation is being drawn: ] and [ move to a highlight, Enter takes it. */
  relatingKey(event) {
    const action = keyAction(KEYS, event, "relation");
    if (action === "cancelRelation") {
      this.cancelRelation();
      return true;
    }
    if (action === "confirmRelation") {
      if (this.relating.candidate) this.relateTo(this.relating.candidate);
      else this.say(format(PICK_END, { label: this.labels.get(this.relating.label)?.name || "?" }));
      return true;
    }
    if (action !== "nextRelationEnd" && action !== "previousRelationEnd") return false;
    const candidates = this.relationCandidates();
    if (!candidates.length) {
      this.say(format(NO_TARGET, { label: this.labels.get(this.relating.label)?.name || "?" }));
      return true;
    }
    const at = candidates.findIndex((span) => span.key === this.relating.candidate);
    const step = action === "nextRelationEnd" ? 1 : -1;
    const next = at < 0 ? (step > 0 ? 0 : candidates.length - 1) : (at + step + candidates.length) % candidates.length;
    this.relating.candidate = candidates[next].key;
    this.redecorate();
    this.view.piecesOf(this.relating.candidate)[0]?.scrollIntoView({ block: "nearest" });
    return true;
  }

  /** Classes for a span's pieces while a relation is drawn or selected. */
  relationClasses(key) {
    const names = [];
    if (this.relating) {
      if (key === this.relating.source) names.push("relation-source");
      if (key === this.relating.candidate) names.push("relation-candidate");
    }
    const relation = this.selectedRelation && this.store.relations.get(this.selectedRelation);
    if (relation && (key === relation.source || key === relation.target)) names.push("linked");
    return names;
  }

  /** The spans relationClasses marks: the relation's source and candidate, the selected one's ends. */
  relationMarkedKeys() {
    const keys = new Set();
    if (this.relating) keys.add(this.relating.source).add(this.relating.candidate);
    const relation = this.selectedRelation && this.store.relations.get(this.selectedRelation);
    if (relation) keys.add(relation.source).add(relation.target);
    return [...keys].filter((key) => key && this.store.spans.has(key));
  }

  selectRelation(key) {
    if (!this.store.relations.has(key)) return;
    this.selected = null;
    this.active = null;
    this.picking = null;
    this.selectedRelation = key;
    this.redecorate();
  }

  /** The operations deleting span `key`'s relations (sent before the span's own delete). */
  relationDeletesFor(key) {
    return relationsOf(this.store, key).map((relation) => ({ type: RELATION_DELETE, key: relation.key }));
  }

  deleteRelation(key) {
    if (!this.guard() || !this.store.relations.has(key)) return;
    if (this.selectedRelation === key) this.selectedRelation = null;
    this.change([{ type: RELATION_DELETE, key }]);
  }

  /** Draw the annotation's relations over the text (the gold's, on the review page's gold lane). */
  drawRelations() {
    if (!this.enabled) return;
    if (this.selectedRelation && !this.store.relations.has(this.selectedRelation)) this.selectedRelation = null;
    const arcs = [...this.store.relations.values()].map((relation) => ({
      ...relation,
      id: this.store.idOf(relation.key),
      pending: this.store.idOf(relation.key) === null,
      labelName: this.labels.get(relation.label)?.name || "?",
      selected: relation.key === this.selectedRelation,
    }));
    arcsOf(this.view).show(arcs, (key) => this.selectRelation(key));
    this.root.classList.toggle("relating", Boolean(this.relating));
    this.renderRelationPanel();
  }

  /** The side panel of the selected relation: what it links, and its Delete button. */
  renderRelationPanel() {
    const panel = document.getElementById("relation-panel");
    if (!panel) return;
    const relation = this.selectedRelation && this.store.relations.get(this.selectedRelation);
    panel.hidden = !relation;
    if (!relation) return;
    const label = this.labels.get(relation.label);
    const quote = (key) => `“${shorten(this.store.spans.get(key)?.text || "?", 40)}”`;
    const summary = document.getElementById("relation-summary");
    summary.replaceChildren(
      el("span", { className: `chip lbl-${relation.label}`, text: label ? label.name : "?" }),
      " ",
      el("span", { className: "relation-from", text: quote(relation.source) }),
      " → ",
      el("span", { className: "relation-to", text: quote(relation.target) }),
    );
    document.getElementById("relation-delete").disabled = !this.editable;
  }

  bindRelations() {
    document.getElementById("relation-delete")?.addEventListener("click", () => {
      if (this.selectedRelation) this.deleteRelation(this.selectedRelation);
    });
  }
}

// ---- Review: items, captions, accepting ------------------------------------------------------

/** A lane's relation as the review page keeps it: its end spans, its item (items.js). */
export function laneRelation(relation, byId) {
  const sourceSpan = byId.get(relation.source) || null;
  const targetSpan = byId.get(relation.target) || null;
  const item = relationItem({ label: relation.label, source: placeOf(sourceSpan), target: placeOf(targetSpan) });
  // `start`: where the disagreement list and the side-by-side view place it (at its source).
  return { ...relation, sourceSpan, targetSpan, start: sourceSpan?.start, item, itemKey: itemKey(item) };
}

/** The gold's relations (an Annotator's store) as items. */
export function storeRelationItems(store) {
  const at = (key) => placeOf(store.spans.get(key));
  return [...store.relations.values()].map((r) => relationItem({ label: r.label, source: at(r.source), target: at(r.target) }));
}

/**
 * "“Keita” → “Bamako”" for a relation the gold API names by its ends ({label, start, end}
 * each, as a conflict or a rebuild's question does), read from the document's text.
 */
export function relationEndsText(index, item) {
  const end = (place) => (place ? `“${shorten(index.slice(place.start, place.end), QUOTE)}”` : "?");
  return `${end(item.source)} → ${end(item.target)}`;
}

/** The lane's relation that a gold API answer names (label name, ends by label name and offsets). */
export function laneRelationNamed(lane, labels, named) {
  const fits = (span, place) =>
    span && place && labels.get(span.label)?.name === place.label && span.start === place.start && span.end === place.end;
  return lane.relations.find(
    (r) => labels.get(r.label)?.name === named.label && fits(r.sourceSpan, named.source) && fits(r.targetSpan, named.target),
  );
}

/**
 * A relation event's before or after (the server's snapshot: label_name, source and target
 * span ids) as the history says it, its ends read from `store` (the gold's) when still there.
 */
export function relationEventText(state, store) {
  if (!state) return "—";
  // Spans' ids only: a relation or a stance may have the same number.
  const byId = new Map([...(store?.ids || [])].filter(([key]) => store.spans.has(key)).map(([key, id]) => [id, key]));
  const end = (id) => {
    const span = store?.spans.get(byId.get(id));
    return span ? `“${shorten(span.text, QUOTE)}”` : "a span";
  };
  return `${state.label_name || "?"} ${end(state.source)} → ${end(state.target)}`;
}

/** Label chip and "“from” → “to”": a relation's caption in the review page's lists. */
export function relationCaption(labels, relation, from, to) {
  const label = labels.get(relation.label);
  const end = (span) => (span ? `“${shorten(span.text, QUOTE)}”` : "?");
  return [
    el("span", { className: `chip lbl-${relation.label}`, text: label ? label.name : "?" }),
    el("span", { className: "cur-text relation-ends", text: ` ${end(from)} → ${end(to)}` }),
  ];
}

/** A relation end as items.js names it: its span's label and offsets. */
export function placeOf(span) {
  return span ? [span.label, span.start, span.end] : null;
}

/** The review page's relation methods. Mixed into the Review (review.js). */
export class RelationReview {
  /** Draw an annotator lane's relations over its highlights. */
  drawLaneRelations(lane) {
    const arcs = (lane.relations || []).map((relation) => ({
      key: `${lane.id}-relation-${relation.id}`,
      id: relation.id,
      label: relation.label,
      labelName: this.labels.get(relation.label)?.name || "?",
      source: lane.byId.get(relation.source)?.key,
      target: lane.byId.get(relation.target)?.key,
      selected: false,
    }));
    arcsOf(this.view).show(arcs.filter((arc) => arc.source && arc.target));
  }

  /** The lane panel's list of the lane's relations, each with its Accept button. */
  laneRelationList(lane, gold, reviewed) {
    const heading = el("h3", { text: "Relations" });
    if (!lane.relations.length) return [heading, el("p", { className: "muted small", text: "No relation." })];
    const list = el("ul", { className: "plain relation-list" });
    for (const relation of lane.relations) {
      const accept = el("button", {
        type: "button",
        className: "small",
        id: `accept-relation-${relation.id}`,
        disabled: reviewed || null,
        text: gold.has(relation.itemKey) ? "✓ In gold" : "Accept",
      });
      accept.addEventListener("click", () => this.acceptRelation(relation));
      const disputed = this.disputed(relation.itemKey);
      list.append(
        el(
          "li",
          { className: disputed ? "disagree" : "agreed", dataset: { relationId: String(relation.id) } },
          disputed ? el("span", { className: "marker", title: "Not every annotator has it", text: "≠" }) : null,
          ...relationCaption(this.labels, relation, relation.sourceSpan, relation.targetSpan),
          " ",
          accept,
        ),
      );
    }
    return [heading, list];
  }

  /** Put an annotator's relation into gold (its ends come with it when gold lacks them). */
  acceptRelation(relation) {
    const label = this.labels.get(relation.label);
    const end = (span) => `“${shorten(span?.text || "?", QUOTE)}”`;
    const name = `the relation ${label ? label.name : "?"} ${end(relation.sourceSpan)} → ${end(relation.targetSpan)}`;
    this.goldAction(
      name,
      (send) => this.postGold(send, "accept/", { relation: relation.id, ...this.versionBody() }),
      () => this.say(`Accepted ${name} into gold.`),
    );
  }
}
