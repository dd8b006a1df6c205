// The keyboard map: every key of the annotate and review pages, the action it runs and what
// the help overlay (help.js) says about it. The pages' key handlers dispatch on `action`, the
// overlay is drawn from the entries, and RESERVED_KEYS (the one-character keys a label may not
// take as its shortcut) is derived from them. annotations/services/projects.py keeps the same
// set as RESERVED_SHORTCUTS; tests/browser/test_keys_js.py holds the two equal.
//
// An entry: `keys` (KeyboardEvent.key values, letters lower-case), `action`, `help`, and
// `section` (the overlay's heading, given by inSection); optionally `ctrl` (Ctrl or ⌘ down),
// `shift` (when set, Shift must be down, true, or up, false; unset, it does not matter)
// and `when` (the context it acts in: "claim" a claim selected, "stance" a target active,
// "lane" an annotator's lane on the review page, "relation" a relation being drawn, "tabs" a lane tab focused, "curation" the
// review page's side-by-side view). One key, one
// meaning: every one-character key without Ctrl is reserved, those acting only in a context
// too, so a label's key never means something else as well; labels match in either case.

/** Entries of one heading of the help overlay. */
const inSection = (section, entries) => entries.map((entry) => ({ section, ...entry }));

const DIGITS = ["1", "2", "3", "4", "5", "6", "7", "8", "9"];

const ANNOTATE = [
  ...inSection("Text and highlights", [
    { keys: ["ArrowRight"], shift: false, action: "nextWord", help: "Select the next word (text focused)" },
    { keys: ["ArrowLeft"], shift: false, action: "previousWord", help: "Select the previous word (text focused)" },
    { keys: ["ArrowRight"], shift: true, action: "extendRight", help: "Extend (or shrink) the selection by a word to the right" },
    { keys: ["ArrowLeft"], shift: true, action: "extendLeft", help: "Extend (or shrink) the selection by a word to the left" },
    { keys: ["]"], action: "nextSpan", help: "Select the next highlight" },
    { keys: ["["], action: "previousSpan", help: "Select the previous highlight" },
    { keys: ["*"], action: "markOccurrences", help: "Mark every other occurrence of the selected highlight's text, as whole words (case: the box below)" },
    { keys: ["Delete", "Backspace"], action: "delete", help: "Delete the selected highlight (or the selected relation, or the active stance)" },
    { keys: ["Escape"], action: "clear", help: "Clear the selection, cancel picking" },
  ]),
  ...inSection("Claims (a claim selected)", [
    { keys: ["y"], when: "claim", action: "checkworthyYes", help: "Check-worthy: yes" },
    { keys: ["n"], when: "claim", action: "checkworthyNo", help: "Check-worthy: no" },
    { keys: ["u"], when: "claim", action: "checkworthyUnsure", help: "Check-worthy: unsure" },
    { keys: ["k"], when: "claim", action: "pickClaimant", help: "Pick the claimant: then click an entity highlight" },
    { keys: ["r"], when: "claim", action: "openClaimRecord", help: "Open the claim's record: verdict, justification, evidence" },
    { keys: ["i"], action: "matches", help: "Matches: has this claim been checked before? (the selected claim)" },
  ]),
  // A relation label's key (a highlight selected) starts drawing one (relations.js).
  ...inSection("Relations", [
    { keys: ["]"], when: "relation", action: "nextRelationEnd", help: "Drawing a relation: move to the next highlight it may end at" },
    { keys: ["["], when: "relation", action: "previousRelationEnd", help: "Drawing a relation: move to the previous highlight it may end at" },
    { keys: ["Enter"], when: "relation", action: "confirmRelation", help: "Drawing a relation: end it at that highlight (or click one)" },
    { keys: ["Escape"], when: "relation", action: "cancelRelation", help: "Cancel the relation being drawn" },
  ]),
  ...inSection("Stances", [
    { keys: DIGITS, action: "activateTarget", help: "Activate the stance target of that number" },
    { keys: ["0"], when: "stance", action: "noStance", help: "No stance for the active target" },
    { keys: ["h"], when: "stance", action: "pickHolder", help: "Pick the holder: then click an entity highlight" },
    { keys: ["e"], when: "stance", action: "useEvidence", help: "Use the selected text (or the selected highlight) as evidence" },
  ]),
  // Projects that label every sentence (units.js); a sentence label's key labels the focused one.
  ...inSection("Sentences (projects that label every sentence)", [
    { keys: ["j", "ArrowDown"], when: "units", action: "nextSentence", help: "Focus the next sentence" },
    { keys: ["k", "ArrowUp"], when: "units", action: "previousSentence", help: "Focus the previous sentence" },
  ]),
  // A model's suggestions (suggestions.js): drawn with a dashed outline and no fill.
  ...inSection("Suggestions (dashed outline, no fill)", [
    { keys: ["s"], action: "acceptSuggestion", help: "Accept the selected suggestion: it becomes your span" },
    { keys: ["x"], action: "rejectSuggestion", help: "Reject the selected suggestion: it is hidden for you" },
    { keys: ["="], action: "acceptLabelSuggestions", help: "Accept every suggestion of the selected suggestion's label" },
    { keys: ["+"], action: "acceptAllSuggestions", help: "Accept every suggestion of the document" },
  ]),
  ...inSection("Document", [
    { keys: ["Enter"], ctrl: true, action: "submit", help: "Submit and open the next document" },
    { keys: ["z"], ctrl: true, shift: false, action: "undo", help: "Undo the last change" },
    { keys: ["z"], ctrl: true, shift: true, action: "redo", help: "Redo the last change undone" },
    { keys: ["y"], ctrl: true, action: "redo", help: "Redo the last change undone (as Ctrl+Shift+Z)" },
    { keys: ["g"], action: "guidelines", help: "Open or close the guidelines" },
    { keys: ["m"], action: "comments", help: "Comments: the selected highlight's or stance's thread" },
    { keys: ["?"], action: "help", help: "Show this help" },
  ]),
];

// The review page's own keys; in the gold lane the annotate page's keys work too.
const REVIEW_OWN = [
  ...inSection("Document", [
    { keys: ["Enter"], ctrl: true, action: "toggleReviewed", help: "Mark the gold reviewed (again: reopen it)" },
    { keys: ["?"], action: "help", help: "Show this help" },
  ]),
  ...inSection("Review", [
    { keys: ["."], action: "nextLane", help: "Show the next lane (gold, then each annotator)" },
    { keys: [","], action: "previousLane", help: "Show the previous lane" },
    { keys: ["ArrowRight"], when: "tabs", action: "nextLane", help: "Show the next lane (a lane tab focused)" },
    { keys: ["ArrowLeft"], when: "tabs", action: "previousLane", help: "Show the previous lane (a lane tab focused)" },
    { keys: ["}"], action: "nextDisagreement", help: "Select the next disagreement of the lane (side by side: the next item not every annotator has)" },
    { keys: ["{"], action: "previousDisagreement", help: "Select the previous disagreement of the lane (side by side: the previous one)" },
    { keys: ["]"], when: "lane", action: "nextSpan", help: "Select the next highlight of the lane" },
    { keys: ["["], when: "lane", action: "previousSpan", help: "Select the previous highlight of the lane" },
    { keys: ["Enter"], when: "lane", action: "accept", help: "Accept the selected annotator highlight into gold" },
    { keys: ["Escape"], when: "lane", action: "clear", help: "Clear the lane's selection" },
  ]),
  // The side-by-side view (curation.js): read-only like an annotator's lane.
  ...inSection("Side by side", [
    { keys: ["ArrowRight", "]"], when: "curation", action: "nextItem", help: "Focus the next annotator item" },
    { keys: ["ArrowLeft", "["], when: "curation", action: "previousItem", help: "Focus the previous annotator item" },
    { keys: ["ArrowDown"], when: "curation", action: "nextUnit", help: "Focus the first item of the next paragraph or sentence" },
    { keys: ["ArrowUp"], when: "curation", action: "previousUnit", help: "Focus the first item of the previous paragraph or sentence" },
    { keys: ["Enter"], when: "curation", action: "acceptItem", help: "Put the focused item into gold (a click does too)" },
    { keys: ["Escape"], when: "curation", action: "clearItem", help: "Leave the focused item" },
  ]),
];

const sameBinding = (a, b) =>
  Boolean(a.ctrl) === Boolean(b.ctrl) &&
  a.shift === b.shift &&
  a.when === b.when &&
  a.keys.some((key) => b.keys.includes(key));

/** Per page, every entry; on the review page its own entries replace the same annotate keys. */
export const KEYMAP = Object.freeze({
  annotate: ANNOTATE,
  review: [...ANNOTATE.filter((entry) => !REVIEW_OWN.some((own) => sameBinding(own, entry))), ...REVIEW_OWN],
});

/** The one-character keys a label may not take as its shortcut, sorted. */
export const RESERVED_KEYS = [
  ...new Set(
    [...KEYMAP.annotate, ...KEYMAP.review]
      .filter((entry) => !entry.ctrl)
      .flatMap((entry) => entry.keys)
      .filter((key) => [...key].length === 1),
  ),
].sort();

const NAMES = { ArrowRight: "→", ArrowLeft: "←", ArrowDown: "↓", ArrowUp: "↑", Delete: "Del", Escape: "Esc" };

/** How the overlay shows each key of an entry: ["Shift", "→"], ["Ctrl", "Z"], ["Ctrl", "Shift", "Z"], ["]"]. */
export function keyCaps(entry) {
  return entry.keys.map((key) => {
    const name = NAMES[key] || (entry.ctrl && key.length === 1 ? key.toUpperCase() : key);
    if (entry.ctrl) return entry.shift === true ? ["Ctrl", "Shift", name] : ["Ctrl", name];
    if (entry.shift === true) return ["Shift", name];
    return [name];
  });
}

/**
 * The entry of `entries` that `event` presses, or null. Only entries acting in `when` (null:
 * those without a context) are looked at. Letters match in either case, as shortcuts do.
 */
export function keyAction(entries, event, when = null) {
  const ctrl = event.ctrlKey || event.metaKey;
  if (event.altKey) return null;
  const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
  for (const entry of entries) {
    if ((entry.when ?? null) !== when || Boolean(entry.ctrl) !== ctrl) continue;
    if (entry.shift !== undefined && entry.shift !== event.shiftKey) continue;
    if (entry.keys.includes(key)) return entry.action;
  }
  return null;
}

/** True when a key pressed in `target` is typing (a text field), not a command. */
export function isTyping(target) {
  return (
    (target instanceof HTMLInputElement && !["checkbox", "radio", "button"].includes(target.type)) ||
    target instanceof HTMLTextAreaElement ||
    target instanceof HTMLSelectElement ||
    (target instanceof HTMLElement && target.isContentEditable)
  );
}

/** The label whose shortcut `key` is (either case), among `labels`, or undefined. */
export function labelFor(labels, key) {
  const lower = key.toLowerCase();
  return labels.find((label) => label.shortcut && label.shortcut.toLowerCase() === lower);
}
