// The document text with its highlights, built from text nodes and elements only.
//
// Each span is drawn as one element per piece (a span crossing another is cut in pieces that
// share data-span-id); each piece carries the hooks data-span-id, data-label, data-start and
// data-end (code points, the span's whole range). DOM selections come back as UTF-16 offsets
// into the text; offsets.js turns them into code points.
//
// A large document is drawn in two steps. The whole text goes in at once, one text node per
// paragraph; the highlights of the paragraphs near the window (and of the first screens) are
// drawn with it, the others when the browser is idle, a few milliseconds at a time, or at once
// when they come near the window or something asks for their pieces. So a 2 MB document with
// 5,000 highlights is ready to read and annotate after drawing a few hundred elements, not
// tens of thousands, and a key press never waits for paragraphs nobody sees.

import { layoutPieces } from "./offsets.js";

const MAX_HEIGHT = 4;
// Paragraphs drawn with the first render whatever the scroll position: a few screens of text.
const FIRST_DRAW_UNITS = 20000;
// How near the window (above or below) a paragraph is drawn before it shows.
const NEAR_MARGIN = "150% 0px";
// The longest stretch of idle drawing before giving the main thread back (ms).
const IDLE_SLICE_MS = 8;
const whenIdle = window.requestIdleCallback || ((callback) => setTimeout(() => callback(null), 20));

export class TextView {
  /**
   * @param {HTMLElement} root  the #document-text element
   * @param {import("./offsets.js").OffsetIndex} index  the document text's offset index
   */
  constructor(root, index) {
    this.root = root;
    this.index = index;
    this.text = index.text;
    this.nodeStart = new Map(); // text node -> its UTF-16 offset in the text
    this._ordered = null; // text nodes in text order, rebuilt when needed
    this.blocks = null;
    this.latest = null; // the last render's {perBlock, byKey, decorate}: what stale blocks draw
    this.stale = new Set(); // blocks whose highlights are not drawn yet
    this.idleQueued = false;
    this.near = null; // IntersectionObserver: draws a stale paragraph as it nears the window
  }

  /**
   * Cut the text into paragraphs, each ending after its run of line breaks. Each is drawn
   * (and redrawn) on its own, so a change costs one paragraph's layout, not the document's.
   */
  _makeBlocks() {
    const ends = [];
    for (const match of this.text.matchAll(/\n+/g)) ends.push(match.index + match[0].length);
    if (!ends.length || ends[ends.length - 1] !== this.text.length) ends.push(this.text.length);
    let start = 0;
    this.blocks = ends.map((end, number) => {
      const block = {
        number,
        start: this.index.toCodePoint(start),
        end: this.index.toCodePoint(end),
        from: start, // UTF-16
        element: document.createElement("div"),
        nodes: [],
        signature: "", // no highlight: the plain text below is the drawing
        first: end <= FIRST_DRAW_UNITS,
      };
      block.element.className = "para";
      const text = document.createTextNode(this.text.slice(start, end));
      this.nodeStart.set(text, start);
      block.nodes.push(text);
      block.element.append(text);
      start = end;
      return block;
    });
    this.root.replaceChildren(...this.blocks.map((block) => block.element));
    if (window.IntersectionObserver) {
      const byElement = new Map(this.blocks.map((block) => [block.element, block]));
      this.near = new IntersectionObserver(
        (entries) => {
          for (const entry of entries) {
            const block = byElement.get(entry.target);
            block.near = entry.isIntersecting;
            if (block.near) this._drawStale(block);
          }
        },
        { rootMargin: NEAR_MARGIN },
      );
      for (const block of this.blocks) this.near.observe(block.element);
    }
  }

  /**
   * Draw the text with `spans` ({key, id, start, end, labelId, labelName, pending}), sorted
   * by start. `decorate(key)` returns extra class names for a span (selected, kind...).
   * Only paragraphs whose spans changed are rebuilt.
   */
  render(spans, decorate) {
    if (!this.blocks) this._makeBlocks();
    const perBlock = this.blocks.map(() => []);
    let first = 0;
    for (const span of spans) {
      while (first < this.blocks.length - 1 && this.blocks[first].end <= span.start) first++;
      for (let b = first; b < this.blocks.length && this.blocks[b].start < span.end; b++) {
        perBlock[b].push(span);
      }
    }
    this.latest = { perBlock, byKey: new Map(spans.map((span) => [span.key, span])), decorate };
    for (const block of this.blocks) {
      if (block.signature === null || block.first || this._isNear(block)) this._draw(block);
      else this._markStale(block);
    }
    if (this.stale.size) this._drawWhenIdle();
  }

  /** Draw a block from the last render, if its highlights changed since it was drawn. */
  _draw(block) {
    this.stale.delete(block);
    const spans = this.latest.perBlock[block.number];
    const classes = new Map(spans.map((span) => [span.key, this.latest.decorate(span.key)]));
    const signature = spans
      .map((s) => `${s.key}|${s.id}|${s.labelId}|${s.start}|${s.end}|${classes.get(s.key)}`)
      .join(",");
    if (signature === block.signature) return;
    block.signature = signature;
    this._drawBlock(block, spans, classes);
  }

  /** Leave a block for later unless it has nothing to draw and shows nothing stale. */
  _markStale(block) {
    if (!this.latest.perBlock[block.number].length && block.signature === "") {
      this.stale.delete(block);
      return;
    }
    this.stale.add(block);
  }

  _drawStale(block) {
    if (this.stale.has(block)) this._draw(block);
  }

  _isNear(block) {
    return block.near === true;
  }

  /** Draw the stale blocks a few milliseconds at a time while the browser is idle. */
  _drawWhenIdle() {
    if (this.idleQueued) return;
    this.idleQueued = true;
    whenIdle((deadline) => {
      this.idleQueued = false;
      const until = performance.now() + IDLE_SLICE_MS;
      for (const block of this.stale) {
        this._draw(block);
        const left = deadline ? deadline.timeRemaining() : until - performance.now();
        if (left <= 0 || performance.now() >= until) break;
      }
      if (this.stale.size) this._drawWhenIdle();
    });
  }

  _drawBlock(block, spans, classes) {
    // A selection with an end in the paragraph would collapse with its text nodes: keep it.
    const selection = window.getSelection();
    const kept =
      selection && selection.rangeCount && !selection.isCollapsed && this._touches(selection, block)
        ? this.selectionRange()
        : null;
    for (const node of block.nodes) this.nodeStart.delete(node);
    block.nodes = [];
    this._ordered = null;
    const fragment = document.createDocumentFragment();
    this._build(fragment, layoutPieces(spans, block.end, block.start), classes, block);
    block.element.replaceChildren(fragment);
    if (kept) this.select(kept.start, kept.end, false);
  }

  _touches(selection, block) {
    const range = selection.getRangeAt(0);
    return block.element.contains(range.startContainer) || block.element.contains(range.endContainer);
  }

  _build(parent, nodes, classes, block) {
    for (const node of nodes) {
      if (node.text) {
        const start = this.index.toUtf16(node.text[0]);
        const end = this.index.toUtf16(node.text[1]);
        const textNode = document.createTextNode(this.text.slice(start, end));
        this.nodeStart.set(textNode, start);
        block.nodes.push(textNode);
        parent.appendChild(textNode);
        continue;
      }
      const span = node.span;
      const element = document.createElement("span");
      element.className = `ann lbl-${span.labelId} h${Math.min(node.height, MAX_HEIGHT)}`;
      if (node.first) element.classList.add("first");
      if (node.last) element.classList.add("last");
      if (span.pending) element.classList.add("pending");
      for (const name of classes.get(span.key)) element.classList.add(name);
      element.dataset.spanId = span.id === null ? "" : String(span.id);
      element.dataset.key = span.key;
      element.dataset.label = span.labelName;
      element.dataset.start = String(span.start);
      element.dataset.end = String(span.end);
      this._build(element, node.children, classes, block);
      parent.appendChild(element);
    }
  }

  /** Update the classes of one span's pieces without redrawing the text. */
  decorate(key, names, on) {
    for (const element of this.piecesOf(key)) {
      for (const name of names) element.classList.toggle(name, on);
      this._touched(element);
    }
  }

  /** Take classes off every span that has them. */
  undecorate(names) {
    const selector = names.map((name) => `.ann.${name}`).join(", ");
    for (const element of this.root.querySelectorAll(selector)) {
      element.classList.remove(...names);
      this._touched(element);
    }
  }

  /** Set the server id on a span's pieces once its create is acknowledged. */
  setSpanId(key, id) {
    for (const element of this.piecesOf(key)) {
      element.dataset.spanId = String(id);
      element.classList.remove("pending");
      this._touched(element);
    }
  }

  /** A paragraph changed in place: the next render compares it afresh. */
  _touched(element) {
    const paragraph = element.closest(".para");
    const block = this.blocks && this.blocks.find((b) => b.element === paragraph);
    if (block) block.signature = null;
  }

  /** The elements of a span's pieces (its paragraphs are drawn first if they were left). */
  piecesOf(key) {
    const span = this.latest?.byKey.get(key);
    if (span && this.stale.size) {
      for (const block of this.stale) {
        if (block.start < span.end && span.start < block.end) this._draw(block);
      }
    }
    return this.root.querySelectorAll(`[data-key="${CSS.escape(key)}"]`);
  }

  /** The innermost span element at an event target, or null. */
  spanAt(target) {
    const element = target instanceof Element ? target : target?.parentElement;
    const found = element?.closest("[data-key]");
    return found && this.root.contains(found) ? found : null;
  }

  /**
   * The current DOM selection as a UTF-16 range within the text, or null when it is empty
   * or outside the text. A selection reaching beyond the text is cut to the text.
   */
  selectionRange() {
    const selection = window.getSelection();
    if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return null;
    const range = selection.getRangeAt(0);
    if (!range.intersectsNode(this.root)) return null;
    const whole = document.createRange();
    whole.selectNodeContents(this.root);
    const startsBefore = range.compareBoundaryPoints(Range.START_TO_START, whole) <= 0;
    const endsAfter = range.compareBoundaryPoints(Range.END_TO_END, whole) >= 0;
    const start = startsBefore ? 0 : this.pointToOffset(range.startContainer, range.startOffset);
    const end = endsAfter
      ? this.text.length
      : this.pointToOffset(range.endContainer, range.endOffset);
    if (start === null || end === null || start >= end) return null;
    return { start, end };
  }

  /** A DOM boundary point inside the text -> UTF-16 offset into the text. */
  pointToOffset(container, offset) {
    if (container.nodeType === Node.TEXT_NODE) {
      const start = this.nodeStart.get(container);
      return start === undefined ? null : start + offset;
    }
    // An element boundary: the offset of the first text node at or after the child.
    const child = container.childNodes[offset];
    const after = child ? this._firstTextFrom(child) : null;
    if (after) return this.nodeStart.get(after);
    const before = this._lastTextWithin(container);
    if (before) return this.nodeStart.get(before) + before.data.length;
    return 0;
  }

  _firstTextFrom(node) {
    const walker = document.createTreeWalker(this.root, NodeFilter.SHOW_TEXT);
    walker.currentNode = node;
    if (node.nodeType === Node.TEXT_NODE && this.nodeStart.has(node)) return node;
    const next = walker.nextNode();
    return next && this.nodeStart.has(next) ? next : null;
  }

  _lastTextWithin(node) {
    let last = null;
    const walker = document.createTreeWalker(node, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) last = walker.currentNode;
    if (last) return last;
    // Nothing inside: the last text node before it.
    const all = document.createTreeWalker(this.root, NodeFilter.SHOW_TEXT);
    all.currentNode = node;
    const previous = all.previousNode();
    return previous && this.nodeStart.has(previous) ? previous : null;
  }

  /** Select a UTF-16 range of the text in the DOM (keyboard word selection), in view. */
  select(start, end, scroll = true) {
    const from = this._point(start, false);
    const to = this._point(end, true);
    if (!from || !to) return;
    const selection = window.getSelection();
    selection.setBaseAndExtent(from.node, from.offset, to.node, to.offset);
    if (scroll) from.node.parentElement?.scrollIntoView({ block: "nearest", inline: "nearest" });
  }

  _textNodes() {
    if (!this._ordered) this._ordered = this.blocks ? this.blocks.flatMap((b) => b.nodes) : [];
    return this._ordered;
  }

  _point(offset, atEnd) {
    // Binary search over the text nodes, which are in text order.
    const nodes = this._textNodes();
    let low = 0;
    let high = nodes.length - 1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      const start = this.nodeStart.get(nodes[mid]);
      const end = start + nodes[mid].data.length;
      if (offset < start || (atEnd && offset === start && mid > 0)) high = mid - 1;
      else if (offset > end || (!atEnd && offset === end && mid < nodes.length - 1)) low = mid + 1;
      else return { node: nodes[mid], offset: offset - start };
    }
    return null;
  }
}
