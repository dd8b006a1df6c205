// Offset arithmetic: the one place in JS (mirrors annotations/offsets.py).
//
// The API counts Unicode code points (Python str indices); the DOM counts UTF-16 code units,
// in which a character outside the Basic Multilingual Plane (emoji, flags, some CJK) takes
// two. Ranges are half-open [start, end). A bad offset is an error, never silently moved.

export const UTF16_NEGATIVE = "UTF-16 offset {offset} is negative.";
export const UTF16_SPLITS_PAIR =
  "UTF-16 offset {offset} falls between the two halves of a surrogate pair.";
export const UTF16_PAST_TEXT =
  "UTF-16 offset {offset} is past the end of the text ({length} UTF-16 units).";
export const CODEPOINT_INVALID = "Code-point offset {offset} is not an integer from 0 to {length}.";
export const RANGE_NOT_INTEGERS = "start and end must be integers.";
export const RANGE_NEGATIVE = "start must be 0 or more, not {start}.";
export const RANGE_EMPTY = "start ({start}) must be less than end ({end}).";
export const RANGE_PAST_TEXT = "end ({end}) is past the end of the text ({length} characters).";

function format(template, values) {
  return template.replace(/\{(\w+)\}/g, (_, name) => String(values[name]));
}

// A high surrogate followed by a low one: one code point in two UTF-16 units.
const SURROGATE_PAIR = /[\uD800-\uDBFF][\uDC00-\uDFFF]/;

function isHighSurrogate(unit) {
  return unit >= 0xd800 && unit <= 0xdbff;
}

function isLowSurrogate(unit) {
  return unit >= 0xdc00 && unit <= 0xdfff;
}

/** UTF-16 offset -> code-point offset; throws RangeError outside the text or inside a pair. */
export function utf16ToCodePoint(text, offset) {
  return new OffsetIndex(text).toCodePoint(offset);
}

/** Code-point offset -> UTF-16 offset; throws RangeError outside the text. */
export function codePointToUtf16(text, offset) {
  return new OffsetIndex(text).toUtf16(offset);
}

/** Number of code points in a string (its length as Python and the API count it). */
export function codePointLength(text) {
  return new OffsetIndex(text).length;
}

/**
 * Conversions over one text, precomputed once: O(1) each way afterwards.
 *
 * For text without astral characters both offsets are the same and nothing is stored.
 */
export class OffsetIndex {
  constructor(text) {
    this.text = text;
    this.utf16Length = text.length;
    // Most texts have no astral character: the engine's own search says so at once, where
    // counting pairs unit by unit took 7-8 ms for 2 MB on a loaded machine, before ready.
    const firstPair = text.search(SURROGATE_PAIR);
    let pairs = 0;
    for (let i = firstPair < 0 ? text.length : firstPair; i < text.length; i++) {
      if (isHighSurrogate(text.charCodeAt(i)) && isLowSurrogate(text.charCodeAt(i + 1))) {
        pairs++;
        i++;
      }
    }
    this.length = text.length - pairs;
    this._toUtf16 = null;
    this._toCodePoint = null;
    if (pairs) {
      this._toUtf16 = new Uint32Array(this.length + 1);
      // -1 marks a UTF-16 offset between the two halves of a pair.
      this._toCodePoint = new Int32Array(text.length + 1).fill(-1);
      let units = 0;
      for (let cp = 0; cp < this.length; cp++) {
        this._toUtf16[cp] = units;
        this._toCodePoint[units] = cp;
        const pair =
          isHighSurrogate(text.charCodeAt(units)) && isLowSurrogate(text.charCodeAt(units + 1));
        units += pair ? 2 : 1;
      }
      this._toUtf16[this.length] = units;
      this._toCodePoint[units] = this.length;
    }
  }

  /** UTF-16 offset -> code-point offset. */
  toCodePoint(offset) {
    if (!Number.isInteger(offset)) throw new TypeError(`UTF-16 offset ${offset} is not an integer.`);
    if (offset < 0) throw new RangeError(format(UTF16_NEGATIVE, { offset }));
    if (offset > this.utf16Length) {
      throw new RangeError(format(UTF16_PAST_TEXT, { offset, length: this.utf16Length }));
    }
    if (this._toCodePoint === null) return offset;
    const cp = this._toCodePoint[offset];
    if (cp < 0) throw new RangeError(format(UTF16_SPLITS_PAIR, { offset }));
    return cp;
  }

  /** Code-point offset -> UTF-16 offset. */
  toUtf16(offset) {
    if (!Number.isInteger(offset) || offset < 0 || offset > this.length) {
      throw new RangeError(format(CODEPOINT_INVALID, { offset, length: this.length }));
    }
    return this._toUtf16 === null ? offset : this._toUtf16[offset];
  }

  /** The text of a code-point range: what the API stores as the span's text. */
  slice(start, end) {
    return this.text.slice(this.toUtf16(start), this.toUtf16(end));
  }

  /** Convert a UTF-16 range (from a DOM selection) to a code-point range. */
  rangeToCodePoints(start, end) {
    return { start: this.toCodePoint(start), end: this.toCodePoint(end) };
  }
}

/** Say what is wrong with [start, end) over a text of `length` code points, or null. */
export function rangeError(start, end, length) {
  if (!Number.isInteger(start) || !Number.isInteger(end)) return RANGE_NOT_INTEGERS;
  if (start < 0) return format(RANGE_NEGATIVE, { start });
  if (start >= end) return format(RANGE_EMPTY, { start, end });
  if (end > length) return format(RANGE_PAST_TEXT, { end, length });
  return null;
}

/** Whether two half-open ranges share at least one position. */
export function overlaps(aStart, aEnd, bStart, bEnd) {
  return aStart < bEnd && bStart < aEnd;
}

const SPACE = /\s/u;
const EDGE_PUNCTUATION = /[\p{P}\s]/u;
const WORDLIKE = /[\p{L}\p{M}\p{N}\p{Pc}]/u;

let wordSegmenter = null;
function segmenter() {
  if (wordSegmenter === null && typeof Intl !== "undefined" && Intl.Segmenter) {
    wordSegmenter = new Intl.Segmenter(undefined, { granularity: "word" });
  }
  return wordSegmenter;
}

/**
 * Widen a UTF-16 range to whole words and trim surrounding white space.
 *
 * A boundary inside a word (or inside any grapheme: a flag, an accent with its combining
 * mark) moves out to the word's edge; white space at either end is dropped. Returns null
 * when nothing but white space is selected. Words come from Intl.Segmenter, so CJK and
 * Arabic split where the language does.
 */
export function snapToWords(text, start, end) {
  while (start < end && SPACE.test(text[start])) start++;
  while (end > start && SPACE.test(text[end - 1])) end--;
  if (start >= end) return null;
  // Punctuation at either edge ("Keita," or “People) goes too, unless it is all there is.
  let inner = start;
  let outer = end;
  while (inner < outer && EDGE_PUNCTUATION.test(text[inner])) inner++;
  while (outer > inner && EDGE_PUNCTUATION.test(text[outer - 1])) outer--;
  if (inner < outer) {
    start = inner;
    end = outer;
  }
  const seg = segmenter();
  if (seg) {
    const first = wordAt(seg, text, start);
    if (first.start < start) start = first.start;
    const last = wordAt(seg, text, end - 1);
    if (last.end > end) end = last.end;
  } else {
    while (start > 0 && WORDLIKE.test(text[start - 1]) && WORDLIKE.test(text[start])) start--;
    while (end < text.length && WORDLIKE.test(text[end]) && WORDLIKE.test(text[end - 1])) end++;
  }
  return { start, end };
}

// How far around a position the segmenter looks first for its word (UTF-16 units each side).
const WORD_CONTEXT = 256;

/**
 * The segment (word, space or punctuation) holding UTF-16 position `at`, as {start, end}.
 *
 * Segments a window around `at`, not the text: Intl.Segmenter's containing() walks from the
 * start of what it was given, so on a 2 MB document it cost tens of milliseconds a key press.
 * The window starts and ends at white space where there is some; a segment reaching an edge
 * that cuts the text elsewhere (a word longer than the window) is looked for again in a
 * window four times as wide, so the answer is always the whole text's.
 */
function wordAt(seg, text, at) {
  for (let context = WORD_CONTEXT; ; context *= 4) {
    const { from, to } = windowAround(text, at, context);
    const found = seg.segment(text.slice(from, to)).containing(at - from);
    const start = from + found.index;
    const end = start + found.segment.length;
    const cutBefore = start === from && from > 0 && !SPACE.test(text[from - 1]);
    const cutAfter = end === to && to < text.length && !SPACE.test(text[to]);
    if (!cutBefore && !cutAfter) return { start, end };
  }
}

/** A window of about `context` units each side of `at`, from and to white space if any. */
function windowAround(text, at, context) {
  let from = Math.max(0, at - context);
  let to = Math.min(text.length, at + 1 + context);
  if (from > 0) {
    const space = text.slice(from, at).search(SPACE);
    if (space >= 0) from += space + 1;
  }
  if (to < text.length) {
    let end = to;
    while (end > at + 1 && !SPACE.test(text[end - 1])) end--;
    if (end > at + 1) to = end - 1;
  }
  return { from, to };
}

/**
 * Keep a UTF-16 range off the middle of a surrogate pair by widening it to the whole pair.
 *
 * Selections the browser makes never split a pair; this is for ranges built by hand.
 */
export function widenToCodePoints(text, start, end) {
  if (start > 0 && isLowSurrogate(text.charCodeAt(start)) && isHighSurrogate(text.charCodeAt(start - 1))) {
    start--;
  }
  if (end < text.length && isLowSurrogate(text.charCodeAt(end)) && isHighSurrogate(text.charCodeAt(end - 1))) {
    end++;
  }
  return { start, end };
}

/**
 * The words of a text as UTF-16 ranges, in order: what the arrow keys step through.
 */
export function wordRanges(text) {
  const words = [];
  const seg = segmenter();
  if (seg) {
    for (const part of seg.segment(text)) {
      if (part.isWordLike || !SPACE.test(part.segment) && !/^\p{P}+$/u.test(part.segment)) {
        words.push({ start: part.index, end: part.index + part.segment.length });
      }
    }
    return words;
  }
  const pattern = /[\p{L}\p{M}\p{N}\p{Pc}]+|[^\s\p{P}]/gu;
  for (const match of text.matchAll(pattern)) {
    words.push({ start: match.index, end: match.index + match[0].length });
  }
  return words;
}

/**
 * Lay out possibly nested or crossing ranges as a tree of properly nested pieces.
 *
 * `spans` are {key, start, end}; only the window [from, to) is laid out (spans reaching
 * outside it are cut at its edges). Returns the children of the root: each node is
 * {text: [start, end]} or {key, span, start, end, first, last, height, children}, where
 * start/end are the piece's own range (a span that crosses another, or the window's edge, is
 * cut into several pieces; first and last say which ends of the span a piece carries) and
 * height counts the levels of pieces nested inside it (0 for none). Longer spans enclose
 * shorter ones starting at the same place. Works in whatever unit the ranges are given in.
 */
export function layoutPieces(spans, to, from = 0) {
  const bounds = new Set([from, to]);
  const startingAt = new Map();
  const clippedEnd = new Map();
  for (const span of spans) {
    if (span.end <= from || span.start >= to) continue;
    const start = Math.max(span.start, from);
    const end = Math.min(span.end, to);
    clippedEnd.set(span, end);
    bounds.add(start);
    bounds.add(end);
    if (!startingAt.has(start)) startingAt.set(start, []);
    startingAt.get(start).push(span);
  }
  const points = [...bounds].sort((a, b) => a - b);
  const root = { children: [] };
  // The open pieces, outermost first; each remembers the span it belongs to.
  let stack = [];
  const top = () => (stack.length ? stack[stack.length - 1] : root);
  const endOf = (span) => clippedEnd.get(span);
  const close = (piece, at) => {
    piece.end = at;
    piece.last = at === piece.span.end;
  };
  for (let i = 0; i < points.length - 1; i++) {
    const at = points[i];
    const next = points[i + 1];
    // Close every span ending here, and any piece opened inside one (to be reopened).
    const cut = stack.findIndex((piece) => endOf(piece.span) <= at);
    const reopen = [];
    if (cut >= 0) {
      for (const piece of stack.slice(cut)) {
        close(piece, at);
        if (endOf(piece.span) > at) reopen.push(piece.span);
      }
      stack = stack.slice(0, cut);
    }
    const opening = reopen.concat(startingAt.get(at) || []);
    opening.sort(
      (a, b) =>
        endOf(b) - endOf(a) || a.start - b.start || String(a.key).localeCompare(String(b.key)),
    );
    for (const span of opening) {
      const piece = {
        key: span.key,
        span,
        start: at,
        end: endOf(span),
        first: at === span.start,
        last: false,
        height: 0,
        children: [],
      };
      top().children.push(piece);
      stack.push(piece);
    }
    top().children.push({ text: [at, next] });
  }
  for (const piece of stack) close(piece, to);
  const measure = (node) => {
    let height = 0;
    for (const child of node.children) {
      if (child.text) continue;
      height = Math.max(height, measure(child) + 1);
    }
    node.height = height;
    return height;
  };
  measure(root);
  return root.children;
}
