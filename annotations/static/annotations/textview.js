// The document text with its highlights, built from text nodes and elements only.
//
// Each span is drawn as one element per piece (a span crossing another is cut in pieces that
// share data-span-id); each piece carries the hooks data-span-id, data-label, data-start and
// data-end (code points, the span's whole range). DOM selections come back as UTF-16 offsets
// into the text; offsets.js turns them into code points.
//
// A large document is drawn in two steps. The whole text goes in at once, one text node per
// paragraph, so find-in-page, selections and scrolling see all of it; the highlights of the
// paragraphs near the window (and of the first screens) are drawn with it, the others when the
// browser is idle, a few milliseconds at a time, or at once when they come near the window or
// something asks for their pieces. So a 2 MB document with 5,000 highlights is ready to read
// and annotate after drawing a few hundred elements, not tens of thousands, and a key press
// never waits for paragraphs nobody sees.
//
// Paragraphs are grouped in chunks of CHUNK_PARAGRAPHS: a chunk far from the window is
// skipped by layout and paint (CSS content-visibility: auto, with a height estimated from its
// length until it has been laid out once), and only chunks are watched for coming near the
// window. Watching each of 5,700 paragraphs cost the browser ~30 ms a frame, and laying
// them out one by one as siblings ~60 ms a key press.
//
// Reading the DOM selection makes the browser lay out whatever changed before it (even to say
// there is none): it is read once per pass of drawing (and only when something is drawn),
// never once per paragraph.
//
// When many paragraphs change at once (another lane shown on the review page, a bulk change
// of gold) or the text comes back from being hidden (hide() and show(): the review page's side
// by side view), those in the window are drawn first and the others when the browser is idle,
// nearest first. Each changed paragraph goes back to plain text before the window is looked
// up, so finding what is in view lays out plain text, not the highlights about to be replaced:
// the review page's switch from side by side to the lanes took 120-300 ms drawing, styling
// and laying out an annotator's 500 highlights, of which the window shows about 50. While the
// text is hidden nothing is drawn: a render only notes what changed.

import { layoutPieces } from "./offsets.js";

const MAX_HEIGHT = 4;
// Paragraphs drawn with the first render whatever the scroll position: a few screens of text.
const FIRST_DRAW_UNITS = 20000;
// Paragraphs per chunk: what layout skips, and what is watched for coming near the window.
const CHUNK_PARAGRAPHS = 32;
// For a chunk's height before it is laid out: the average width of a character, in ems.
const CHARACTER_EMS = 0.5;
// How near the window (above or below) a paragraph is drawn before it shows.
const NEAR_MARGIN = "150% 0px";
// The longest stretch of idle drawing before giving the main thread back (ms).
const IDLE_SLICE_MS = 8;
// Idle drawing waits at most this long for the browser to be idle (ms): on a loaded machine,
// or a page asking for frames all the time, it may never be, and paragraphs left after a lane
// switch would stay plain.
const IDLE_TIMEOUT_MS = 150;
// Changed paragraphs due now beyond which a render draws those in the window first.
const MANY_CHANGED = 3;
// What "in the window" means then: the window and this fraction of its height above and below.
const VIEW_MARGIN = 0.25;
// NEAR_MARGIN as a fraction of the window's height, to tell which chunks the observer will find near.
const NEAR_FRACTION = 1.5;
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
    this.chunks = null;
    this.blockOf = new WeakMap(); // paragraph element -> its block
    this.latest = null; // the last render's {perBlock, byKey, decorate}: what stale blocks draw
    this.stale = new Set(); // blocks whose highlights are not drawn yet
    this.idleQueued = false;
    this.near = null; // IntersectionObserver: draws a stale paragraph as it nears the window
    this.placed = false; // the observer has said once which chunks are near the window
    this.hidden = false; // hide() was called: the text is not displayed
    this.showing = false; // show() was called in this task: what is in the window is not known
    this.inView = null; // while showing: the blocks found in the window (the task's renders share it)
  }

  /** The text is no longer displayed (the page hides it): renders only note what changed. */
  hide() {
    this.hidden = true;
  }

  /**
   * The text is displayed again: the renders of this task draw what is then in the window and
   * leave the rest for later. Call it with no selection in the text (none can be made while it
   * is hidden; the review page clears it when it hides the text), and before the render.
   */
  show() {
    if (!this.hidden) return;
    this.hidden = false;
    this.showing = true;
    queueMicrotask(() => {
      this.showing = false;
      this.inView = null;
    });
    // Should no render follow, the observer and idle drawing still bring the text up to date.
    if (this.stale.size) this._drawWhenIdle();
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
        chunk: null,
      };
      block.element.className = "para";
      this.blockOf.set(block.element, block);
      const text = document.createTextNode(this.text.slice(start, end));
      this.nodeStart.set(text, start);
      block.nodes.push(text);
      block.element.append(text);
      start = end;
      return block;
    });
    const line = this._lineSize();
    this.chunks = [];
    for (let first = 0; first < this.blocks.length; first += CHUNK_PARAGRAPHS) {
      const blocks = this.blocks.slice(first, first + CHUNK_PARAGRAPHS);
      const chunk = { element: document.createElement("div"), blocks, near: false };
      chunk.element.className = "chunk";
      for (const block of blocks) block.chunk = chunk;
      chunk.element.append(...blocks.map((block) => block.element));
      this.chunks.push(chunk);
    }
    this._estimateHeights(line);
    this.root.replaceChildren(...this.chunks.map((chunk) => chunk.element));
    if (window.IntersectionObserver) {
      const byElement = new Map(this.chunks.map((chunk) => [chunk.element, chunk]));
      this.near = new IntersectionObserver(
        (entries) => {
          this.placed = true;
          const keep = this._keeper();
          for (const entry of entries) {
            const chunk = byElement.get(entry.target);
            const was = chunk.near;
            chunk.near = entry.isIntersecting;
            // Already known near (_drawInViewFirst looked): its paragraphs are drawn when idle.
            if (!chunk.near || was) continue;
            for (const block of chunk.blocks) this._drawStale(block, keep);
          }
        },
        { rootMargin: NEAR_MARGIN },
      );
      for (const chunk of this.chunks) this.near.observe(chunk.element);
    }
  }

  /** About how many UTF-16 units fit on a line of the text, and its height (read before the text is in). */
  _lineSize() {
    const style = getComputedStyle(this.root);
    const width = this.root.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    const fontSize = parseFloat(style.fontSize) || 16;
    const lineHeight = parseFloat(style.lineHeight) || 2 * fontSize;
    return { units: Math.max(20, width / (CHARACTER_EMS * fontSize)), height: lineHeight };
  }

  /**
   * Give each chunk a height to stand for it until it is laid out (the browser then keeps the
   * real one): its paragraphs' lines at the current width. Scrolling, the scroll bar and
   * jumping to a far span stay about right without laying out 2 MB of text.
   */
  _estimateHeights({ units, height }) {
    for (const chunk of this.chunks) {
      let lines = 0;
      for (const block of chunk.blocks) {
        const next = this.blocks[block.number + 1];
        let end = next ? next.from : this.text.length;
        let breaks = 0;
        while (end > block.from && this.text[end - 1] === "\n") {
          end--;
          breaks++;
        }
        // The text's lines, then one empty line for each line break after the first.
        lines += Math.max(1, Math.ceil((end - block.from) / units)) + Math.max(0, breaks - 1);
      }
      chunk.element.style.containIntrinsicSize = `auto ${Math.round(lines * height)}px`;
    }
  }

  /**
   * Draw the text with `spans` ({key, id, start, end, labelId, labelName, pending}), sorted
   * by start. `decorate(key)` returns extra class names for a span (selected, kind...).
   * Only paragraphs whose spans changed are rebuilt: at once those changed in place, near the
   * window or among the first screens, unless many changed or the text was just shown (then
   * those in the window only); the others when idle or as they come near the window.
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
    if (this.hidden) {
      for (const block of this.blocks) this._markStale(block);
      return;
    }
    // Just shown, where the text stands is not known yet: any paragraph may be in the window.
    const due = (block) =>
      this.showing || block.signature === null || block.first || this._isNear(block);
    const changed = [];
    for (const block of this.blocks) {
      if (due(block)) {
        const content = this._content(block);
        if (content.signature === block.signature) this.stale.delete(block);
        else changed.push([block, content]);
      } else {
        this._markStale(block);
      }
    }
    const keep = this._keeper();
    if (this.showing || (changed.length > MANY_CHANGED && this.placed && !keep())) {
      this._drawInViewFirst(changed);
    } else {
      for (const [block, content] of changed) this._draw(block, keep, content);
    }
    if (this.stale.size) this._drawWhenIdle();
  }

  /** What a block shows from the last render: its spans, their classes, and a signature of both. */
  _content(block) {
    const spans = this.latest.perBlock[block.number];
    const classes = new Map(spans.map((span) => [span.key, this.latest.decorate(span.key)]));
    const signature = spans
      .map((s) => `${s.key}|${s.id}|${s.labelId}|${s.start}|${s.end}|${classes.get(s.key)}`)
      .join(",");
    return { spans, classes, signature };
  }

  /** Draw a block from the last render, if its highlights changed since it was drawn. */
  _draw(block, keep, content = this._content(block)) {
    this.stale.delete(block);
    const { spans, classes, signature } = content;
    if (signature === block.signature) return;
    block.signature = signature;
    this._drawBlock(block, spans, classes, keep());
  }

  /**
   * Many paragraphs changed at once, or the text was just shown (`changed`: [block, content]
   * pairs, in text order): draw those in the window now, the others when idle (see the top of
   * this file). Called only with no selection in the text, which plain text would lose.
   */
  _drawInViewFirst(changed) {
    for (const [block] of changed) {
      if (block.signature !== "") this._plain(block);
      this.stale.add(block);
    }
    // The renders of one switch (a page may render twice) look at the window once.
    const inView = (this.showing && this.inView) || this._inView();
    if (this.showing) this.inView = inView;
    for (const [block, content] of changed) {
      if (inView.has(block)) this._draw(block, () => null, content);
    }
  }

  /** A block back to its plain text (what it shows before its highlights are drawn). */
  _plain(block) {
    for (const node of block.nodes) this.nodeStart.delete(node);
    const text = document.createTextNode(this.text.slice(block.from, block.from + this._length(block)));
    this.nodeStart.set(text, block.from);
    block.nodes = [text];
    this._ordered = null;
    block.element.replaceChildren(text);
    block.signature = "";
  }

  /** A block's length in UTF-16 units. */
  _length(block) {
    const next = this.blocks[block.number + 1];
    return (next ? next.from : this.text.length) - block.from;
  }

  /**
   * The blocks in the window (geometry read in one go, before anything is drawn), and which
   * chunks the observer will find near, so that it leaves their paragraphs to idle drawing
   * rather than drawing them all in the task after this frame. A text that is not displayed
   * has nothing in the window.
   */
  _inView() {
    const height = window.innerHeight;
    const margin = height * VIEW_MARGIN;
    const nearMargin = height * NEAR_FRACTION;
    const found = new Set();
    for (const chunk of this.chunks) {
      const box = chunk.element.getBoundingClientRect();
      if (!box.width && !box.height) continue;
      // Only ever marked near here: the observer says when it is no longer.
      if (box.bottom >= -nearMargin && box.top <= height + nearMargin) chunk.near = true;
      if (box.bottom < -margin || box.top > height + margin) continue;
      for (const block of chunk.blocks) {
        const rect = block.element.getBoundingClientRect();
        if (rect.bottom >= -margin && rect.top <= height + margin) found.add(block);
      }
    }
    return found;
  }

  /** Leave a block for later unless it has nothing to draw and shows nothing stale. */
  _markStale(block) {
    if (!this.latest.perBlock[block.number].length && block.signature === "") {
      this.stale.delete(block);
      return;
    }
    this.stale.add(block);
  }

  _drawStale(block, keep) {
    if (this.stale.has(block)) this._draw(block, keep);
  }

  _isNear(block) {
    return block.chunk.near === true;
  }

  /** Draw the stale blocks a few milliseconds at a time while the browser is idle. */
  _drawWhenIdle() {
    if (this.idleQueued) return;
    this.idleQueued = true;
    whenIdle((deadline) => {
      this.idleQueued = false;
      if (this.hidden) return; // show() asks again
      const until = performance.now() + IDLE_SLICE_MS;
      const keep = this._keeper();
      // Nearest first: the paragraphs of chunks near the window, then the others in text order.
      drawing: for (const near of [true, false]) {
        for (const block of this.stale) {
          if (this._isNear(block) !== near) continue;
          this._draw(block, keep);
          const idle = deadline && !deadline.didTimeout;
          const left = idle ? deadline.timeRemaining() : until - performance.now();
          if (left <= 0 || performance.now() >= until) break drawing;
        }
      }
      if (this.stale.size) this._drawWhenIdle();
    }, { timeout: IDLE_TIMEOUT_MS });
  }

  /**
   * For one pass of drawing: a function that answers the selection to keep across redraws,
   * read from the DOM the first time it is asked (before the pass changes anything), then
   * followed as paragraphs are redrawn under it.
   */
  _keeper() {
    let kept;
    return () => {
      if (kept === undefined) kept = this._selectionToKeep();
      return kept;
    };
  }

  /** The selection in the text, if it is not empty: {start, end} (UTF-16) and its end nodes. */
  _selectionToKeep() {
    const selection = window.getSelection();
    if (!selection || !selection.rangeCount) return null;
    const range = selection.getRangeAt(0);
    if (range.collapsed) return null;
    const offsets = this.selectionRange();
    if (!offsets) return null;
    return { ...offsets, nodes: [range.startContainer, range.endContainer] };
  }

  _drawBlock(block, spans, classes, kept) {
    // A selection with an end in the paragraph would collapse with its text nodes: keep it.
    const touched = kept && kept.nodes.some((node) => block.element.contains(node));
    for (const node of block.nodes) this.nodeStart.delete(node);
    block.nodes = [];
    this._ordered = null;
    const fragment = document.createDocumentFragment();
    this._build(fragment, layoutPieces(spans, block.end, block.start), classes, block);
    block.element.replaceChildren(fragment);
    if (touched) {
      const points = this.select(kept.start, kept.end, false);
      if (points) kept.nodes = [points.from.node, points.to.node];
    }
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
      if (span.suggestion) {
        // A model's suggestion (suggestions.js): no data-span-id, which names the annotator's spans.
        element.classList.add("suggestion");
        element.dataset.suggestionId = String(span.id);
        element.title = span.title;
      } else {
        element.dataset.spanId = span.id === null ? "" : String(span.id);
      }
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
    const block = this.blockOf.get(element.closest(".para"));
    if (block) block.signature = null;
  }

  /** The elements of a span's pieces (its paragraphs are drawn first if they were left). */
  piecesOf(key) {
    const span = this.latest?.byKey.get(key);
    if (!span) return [...this.root.querySelectorAll(`[data-key="${CSS.escape(key)}"]`)];
    const blocks = this._blocksOver(span.start, span.end);
    const keep = this._keeper();
    for (const block of blocks) this._drawStale(block, keep);
    const selector = `[data-key="${CSS.escape(key)}"]`;
    return blocks.flatMap((block) => [...block.element.querySelectorAll(selector)]);
  }

  /** The paragraphs that share a position with the code-point range [start, end). */
  _blocksOver(start, end) {
    let low = 0;
    let high = this.blocks.length - 1;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (this.blocks[mid].end <= start) low = mid + 1;
      else high = mid;
    }
    const found = [];
    for (let b = low; b < this.blocks.length && this.blocks[b].start < end; b++) {
      found.push(this.blocks[b]);
    }
    return found;
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
    if (!from || !to) return null;
    const selection = window.getSelection();
    selection.setBaseAndExtent(from.node, from.offset, to.node, to.offset);
    if (scroll) from.node.parentElement?.scrollIntoView({ block: "nearest", inline: "nearest" });
    return { from, to };
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
