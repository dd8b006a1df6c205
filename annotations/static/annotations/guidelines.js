// The guidelines drawer of the annotate and review pages: the `guidelines` key of the keyboard
// map (keys.js; g) or the Guidelines button opens it, the same key, Esc or Close shuts it. It
// is an <aside>, not a modal dialog: the page's keys keep working while it is open, so an
// annotator can read a rule and apply it without closing it. The server renders its content
// (sanitised markdown); this module only shows and hides it, and never takes the focus away
// from the text unless the drawer is opened with its button.

import { KEYMAP, isTyping, keyAction } from "./keys.js";

/** Show or hide the drawer, keeping the button's aria-expanded in step. */
export function setOpen(drawer, button, open) {
  drawer.hidden = !open;
  if (button) button.setAttribute("aria-expanded", String(open));
}

function wire(drawer) {
  const button = document.getElementById("guidelines-button");
  const entries = KEYMAP[drawer.dataset.page] || KEYMAP.annotate;
  const toggle = () => setOpen(drawer, button, drawer.hidden);
  if (button) {
    button.addEventListener("click", () => {
      toggle();
      if (!drawer.hidden) document.getElementById("guidelines-close").focus();
    });
  }
  document.getElementById("guidelines-close").addEventListener("click", () => {
    setOpen(drawer, button, false);
    if (button) button.focus();
  });
  document.addEventListener("keydown", (event) => {
    if (document.querySelector("dialog[open]") || isTyping(event.target)) return;
    if (event.key === "Escape" && !drawer.hidden) {
      setOpen(drawer, button, false);
      return;
    }
    if (keyAction(entries, event) !== "guidelines") return;
    event.preventDefault();
    toggle();
  });
}

const drawer = document.getElementById("guidelines-drawer");
if (drawer) wire(drawer);
