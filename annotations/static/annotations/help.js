// The keyboard help overlay (the #help dialog, opened with ?): drawn from the keyboard map
// (keys.js) of the page, plus the project's own keys from the page's payload: each label's
// shortcut and the number of each stance target. The template gives the empty dialog; every
// row here is built with textContent, so a label or target name is shown as text, never markup.

import { KEYMAP, keyCaps } from "./keys.js";
import { el } from "./panels.js";

const LABELS = "Labels";
const STANCES = "Stances";
const RELATIONS = "Relations";

function caps(keys) {
  const parts = [];
  for (const [index, combination] of keys.entries()) {
    if (index) parts.push(" ");
    for (const [at, name] of combination.entries()) {
      if (at) parts.push("+");
      parts.push(el("kbd", { text: name }));
    }
  }
  return parts;
}

// A <div> groups a <dt> with its <dd>, as HTML allows in a <dl>; the CSS lays the pair out.
function row(keys, text, dataset = {}) {
  // A long run of keys (the digits) wraps rather than pushing the descriptions aside.
  const wide = keys.length > 3 ? "many" : null;
  return el("div", { dataset }, el("dt", { className: wide }, ...caps(keys)), el("dd", { text }));
}

/** The rows the project adds to a section: label shortcuts and target numbers. */
function projectRows(section, labels, targets) {
  const keyed = labels.filter((label) => label.shortcut);
  if (section === LABELS) {
    return keyed
      .filter((label) => label.kind !== "stance" && label.kind !== "relation")
      .map((label) =>
        row(
          [[label.shortcut]],
          label.kind === "document"
            ? `${label.name}: give the whole document this label (again: take it off)`
            : label.kind === "sentence"
              ? `${label.name}: label the focused sentence, then focus the next without a label`
              : `${label.name}: label the selected text, or relabel the selected highlight`,
        ),
      );
  }
  if (section === RELATIONS) {
    return keyed
      .filter((label) => label.kind === "relation")
      .map((label) => row([[label.shortcut]], `${label.name}: draw a relation from the selected highlight`));
  }
  if (section === STANCES) {
    const numbered = targets
      .slice(0, 9)
      .map((target, index) => row([[String(index + 1)]], `Activate “${target.name}”`));
    const values = keyed
      .filter((label) => label.kind === "stance")
      .map((label) => row([[label.shortcut]], `${label.name} for the active target`));
    return [...numbered, ...values];
  }
  return [];
}

/**
 * Fill the #help dialog for `page` ("annotate" or "review") with its keys, section by section
 * in the map's order, the project's label keys first. `targets` are the stance targets the
 * page lists: with none (a project without targets, a review page before its gold), the
 * stance keys act on nothing and are left out.
 */
export function renderHelp(dialog, page, { labels, targets }) {
  const sections = new Map([[LABELS, []]]);
  for (const entry of KEYMAP[page]) {
    if (entry.section === STANCES && !targets.length) continue;
    if (!sections.has(entry.section)) sections.set(entry.section, []);
    sections.get(entry.section).push(row(keyCaps(entry), entry.help, { action: entry.action }));
  }
  const blocks = [];
  for (const [section, rows] of sections) {
    const all = [...projectRows(section, labels, targets), ...rows];
    if (!all.length) continue;
    blocks.push(el("section", {}, el("h3", { text: section }), el("dl", { className: "keys" }, ...all)));
  }
  dialog.querySelector(".help-columns").replaceChildren(...blocks);
}

/** Open the help overlay (once: pressing ? again while it is open does nothing). */
export function openHelp() {
  const dialog = document.getElementById("help");
  if (!dialog.open) dialog.showModal();
}
