// What the annotate and review pages tell the user outside the text: the message bar
// (#message: a sentence, perhaps a link or a list of what it is about, and a Dismiss button,
// gone after a while unless sticky), questions asked in a <dialog> (a real element tests and scripts can see, never
// window.confirm), and the save status (#save-status, which reads "Saved" once the server has acknowledged every change:
// tests and users' scripts wait on that text). Text only, through textContent.

import { el } from "./panels.js";

const MESSAGE_MS = 8000;

const SAVE_STATUS_TEXT = {
  saving: "Saving…",
  saved: "Saved",
  slow: "Saving… slow, retrying",
  failed: "Save failed — retrying",
  signedOut: "Signed out — log in again in another tab; retrying",
};

export class MessageBar {
  /** @param {HTMLElement} element  the page's #message */
  constructor(element) {
    this.element = element;
    this.timer = null;
  }

  /**
   * Show `text` (and `link`: {text, href}; `list`: strings, one item each, under the text); it
   * goes after a few seconds unless `sticky`.
   */
  say(text, { sticky = false, link = null, list = [] } = {}) {
    clearTimeout(this.timer);
    const close = el("button", { type: "button", className: "link-button", text: "Dismiss" });
    close.addEventListener("click", () => {
      this.element.hidden = true;
    });
    let parts = [el("span", { text })];
    if (link) parts.push(" ", el("a", { href: link.href, text: link.text }), " ");
    if (list.length) {
      // Under the sentence, not beside it (the bar lays its parts out in a row).
      const items = list.map((item) => el("li", { text: item }));
      parts = [el("div", { className: "message-body" }, ...parts, el("ul", { className: "message-list" }, ...items))];
    }
    this.element.replaceChildren(...parts, close);
    this.element.hidden = false;
    if (!sticky) {
      this.timer = setTimeout(() => {
        this.element.hidden = true;
      }, MESSAGE_MS);
    }
  }
}

/**
 * Ask with `dialog`, a <dialog> whose buttons close it (a form with method="dialog"): resolve
 * to the value of the button pressed, "" when it was dismissed (Escape).
 */
export function ask(dialog) {
  return new Promise((resolve) => {
    dialog.returnValue = "";
    dialog.addEventListener("close", () => resolve(dialog.returnValue), { once: true });
    dialog.showModal();
  });
}

/**
 * Put a conflict (`message`: which change and why) to the user with `dialog`, the page's
 * #conflict-dialog: resolve to "mine" or "theirs". It must be answered: Escape does not close it.
 */
export async function askConflict(dialog, message) {
  dialog.querySelector(".conflict-text").textContent = message;
  const refuseEscape = (event) => event.preventDefault();
  dialog.addEventListener("cancel", refuseEscape);
  try {
    let choice = "";
    while (choice !== "mine" && choice !== "theirs") choice = await ask(dialog);
    return choice;
  } finally {
    dialog.removeEventListener("cancel", refuseEscape);
  }
}

/**
 * Show a save queue's state ("saving", "slow", "saved" or "failed") in `output`; a failure that is a
 * lost sign-in (401, or a CSRF refusal) says so.
 */
export function showSaveState(output, state, error = null) {
  let name = state;
  if (state === "failed" && error && (error.status === 401 || error.csrf)) name = "signedOut";
  output.dataset.state = state;
  output.textContent = SAVE_STATUS_TEXT[name];
  output.title = error && (state === "failed" || state === "slow") ? error.message : "";
}
