// What the annotate and review pages tell the user outside the text: the message bar
// (#message: a sentence and a Dismiss button, gone after a while unless sticky) and the save
// status (#save-status, which reads "Saved" once the server has acknowledged every change:
// tests and users' scripts wait on that text). Text only, through textContent.

import { el } from "./panels.js";

const MESSAGE_MS = 8000;

const SAVE_STATUS_TEXT = {
  saving: "Saving…",
  saved: "Saved",
  failed: "Save failed — retrying",
  signedOut: "Signed out — log in again in another tab; retrying",
};

export class MessageBar {
  /** @param {HTMLElement} element  the page's #message */
  constructor(element) {
    this.element = element;
    this.timer = null;
  }

  /** Show `text`; it goes after a few seconds unless `sticky`. */
  say(text, { sticky = false } = {}) {
    clearTimeout(this.timer);
    const close = el("button", { type: "button", className: "link-button", text: "Dismiss" });
    close.addEventListener("click", () => {
      this.element.hidden = true;
    });
    this.element.replaceChildren(el("span", { text }), close);
    this.element.hidden = false;
    if (!sticky) {
      this.timer = setTimeout(() => {
        this.element.hidden = true;
      }, MESSAGE_MS);
    }
  }
}

/**
 * Show a save queue's state ("saving", "saved" or "failed") in `output`; a failure that is a
 * lost sign-in (401, or a CSRF refusal) says so.
 */
export function showSaveState(output, state, error = null) {
  let name = state;
  if (state === "failed" && error && (error.status === 401 || error.csrf)) name = "signedOut";
  output.dataset.state = state;
  output.textContent = SAVE_STATUS_TEXT[name];
  output.title = state === "failed" && error ? error.message : "";
}
