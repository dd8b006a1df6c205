// The Comments panel of the annotate and review pages: the document's thread, and the thread of
// one span or stance, opened from the selected item with the `comments` key of the keyboard map
// (keys.js; m) or the panel's button. Add a comment, edit your own, resolve and reopen; type @
// for a list of the project's members to mention. Everything goes through the REST API
// (/api/documents/{d}/comments/, /api/comments/{c}/); the server decides who reads what (an
// annotator never sees comments on another annotator's work) and says, per comment, whether
// the caller may edit (`may_edit`) or resolve it (`may_resolve`). Text is set with textContent
// only: a comment is never markup. The module wires itself when imported, like guidelines.js.
//
// For other modules (the annotation list beside the text, annolist.js):
//   commentCounts(documentId) -> Map of "span-<id>" | "stance-<id>" | "document" -> the number
//     of open (unresolved) comments the caller can read, as last loaded (empty before).
//   document.addEventListener(COMMENTS_CHANGED, (event) => ...): fired after every load and
//     change; event.detail is {documentId, counts} (the same Map).
//   openThread({kind: "span" | "stance", id}) shows that item's thread; openThread(null) all.

import { request } from "./api.js";
import { KEYMAP, isTyping, keyAction } from "./keys.js";

export const COMMENTS_CHANGED = "workbench:comments";
export const NOTHING_SELECTED = "Select a highlight or a stance first: the panel shows all comments.";
export const NOT_SAVED_YET = "This highlight is not saved yet: comment on it in a moment.";
const SUGGESTIONS = 6;
// The @name being typed just before the caret (the server's rule in services/comments.py).
const TYPING_MENTION = /(?:^|[^\w.+@-])@([\w.+@-]*)$/;

const countsByDocument = new Map();

/** Open comments per item of the document, as last loaded: see the header. */
export function commentCounts(documentId) {
  return countsByDocument.get(Number(documentId)) || new Map();
}

function make(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "className") element.className = value;
    else if (name === "text") element.textContent = value;
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  element.append(...children.filter((child) => child !== null && child !== undefined));
  return element;
}

const keyOf = (comment) =>
  comment.span !== null ? `span-${comment.span}` : comment.stance !== null ? `stance-${comment.stance}` : "document";

const when = (iso) => new Date(iso).toLocaleString([], { dateStyle: "medium", timeStyle: "short" });

class CommentsPanel {
  constructor(panel) {
    this.panel = panel;
    this.documentId = Number(panel.dataset.documentId);
    this.projectId = Number(panel.dataset.projectId);
    this.comments = [];
    this.scope = null; // null: every comment; else {kind, id, caption}
    this.members = null; // usernames, fetched on first use
    this.suggestion = -1;
    this.list = panel.querySelector("#comments-list");
    this.scopeText = panel.querySelector("#comments-scope");
    this.allButton = panel.querySelector("#comments-all");
    this.selectedButton = panel.querySelector("#comments-selected");
    this.showResolved = panel.querySelector("#comments-show-resolved");
    this.form = panel.querySelector("#comment-form");
    this.body = panel.querySelector("#comment-body");
    this.bodyLabel = panel.querySelector("#comment-body-label");
    this.suggestions = panel.querySelector("#mention-suggestions");
    this.error = panel.querySelector("#comment-error");
    this.openCount = panel.querySelector("#comments-open-count");
    this.bind();
    this.load();
  }

  bind() {
    this.allButton.addEventListener("click", () => this.openThread(null));
    this.selectedButton.addEventListener("click", () => this.openSelected());
    this.showResolved.addEventListener("change", () => this.render());
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.add();
    });
    this.body.addEventListener("input", () => this.suggest());
    this.body.addEventListener("blur", () => setTimeout(() => this.closeSuggestions(), 150));
    this.body.addEventListener("keydown", (event) => this.onBodyKey(event));
    this.suggestions.addEventListener("mousedown", (event) => {
      const option = event.target.closest("[data-username]");
      if (!option) return;
      event.preventDefault();
      this.choose(option.dataset.username);
    });
    const entries = KEYMAP[this.panel.dataset.page] || KEYMAP.annotate;
    document.addEventListener("keydown", (event) => {
      if (document.querySelector("dialog[open]") || isTyping(event.target)) return;
      if (keyAction(entries, event) !== "comments") return;
      event.preventDefault();
      this.openSelected();
      // The panel sits below the others in the side column: bring all of it into view.
      this.panel.scrollIntoView({ block: "nearest" });
      this.body.focus({ preventScroll: true });
    });
  }

  // ---- Reading ------------------------------------------------------------------------------

  async load() {
    const comments = [];
    let url = `/api/documents/${this.documentId}/comments/`;
    try {
      while (url) {
        const { data } = await request("GET", url);
        comments.push(...data.results);
        url = data.next;
      }
    } catch (error) {
      this.showError(`Comments could not be read: ${error.message}`);
      return;
    }
    this.comments = comments;
    this.changed();
  }

  changed() {
    const counts = new Map();
    for (const comment of this.comments) {
      if (comment.resolved) continue;
      counts.set(keyOf(comment), (counts.get(keyOf(comment)) || 0) + 1);
    }
    countsByDocument.set(this.documentId, counts);
    const open = this.comments.filter((comment) => !comment.resolved).length;
    this.openCount.textContent = open ? `${open} open` : "";
    this.render();
    document.dispatchEvent(new CustomEvent(COMMENTS_CHANGED, { detail: { documentId: this.documentId, counts } }));
  }

  // ---- Threads ------------------------------------------------------------------------------

  /** The selected highlight (or the active stance row), as the text and side panels mark it. */
  selectedItem() {
    const span = document.querySelector("#document-text .selected[data-span-id]");
    if (span) {
      if (!span.dataset.spanId) return { pending: true };
      const id = Number(span.dataset.spanId);
      return { kind: "span", id, caption: `${span.dataset.label} · characters ${span.dataset.start}–${span.dataset.end}` };
    }
    const row = document.querySelector(".stance-row.active[data-row-key]");
    if (row) {
      if (!/^stance-\d+$/.test(row.dataset.rowKey)) return { pending: true };
      const target = row.closest("[data-target-id]");
      const name = target?.querySelector(".target-name > span")?.textContent.trim() || "";
      return { kind: "stance", id: Number(row.dataset.rowKey.slice(7)), caption: `stance${name ? ` · ${name}` : ""}` };
    }
    return null;
  }

  openSelected() {
    const item = this.selectedItem();
    if (item && item.pending) {
      this.showError(NOT_SAVED_YET);
      return;
    }
    if (!item) this.showError(NOTHING_SELECTED);
    this.openThread(item);
  }

  /** Show the thread of `item` ({kind, id}); null shows every comment, new ones on the document. */
  openThread(item) {
    if (item) {
      const known = this.comments.find((comment) => keyOf(comment) === `${item.kind}-${item.id}`);
      const caption = known && known.target_caption ? known.target_caption : item.caption || `${item.kind} ${item.id}`;
      this.scope = { kind: item.kind, id: item.id, caption };
    } else {
      this.scope = null;
    }
    if (item) this.showError("");
    this.render();
  }

  visible() {
    const key = this.scope ? `${this.scope.kind}-${this.scope.id}` : null;
    return this.comments.filter(
      (comment) => (key === null || keyOf(comment) === key) && (this.showResolved.checked || !comment.resolved),
    );
  }

  render() {
    const scoped = this.scope !== null;
    this.scopeText.textContent = scoped ? `Thread of ${this.scope.caption}` : "All comments on this document";
    this.allButton.hidden = !scoped;
    this.bodyLabel.textContent = scoped ? `Comment on ${this.scope.caption}` : "Comment on the document";
    this.panel.dataset.scope = scoped ? `${this.scope.kind}-${this.scope.id}` : "all";
    const shown = this.visible();
    const hiddenResolved = this.comments.filter((c) => c.resolved).length;
    const items = shown.map((comment) => this.renderComment(comment, scoped));
    if (!items.length) {
      const what = hiddenResolved && !this.showResolved.checked ? "No open comments." : "No comments yet.";
      items.push(make("li", { className: "muted small empty", text: what }));
    }
    this.list.replaceChildren(...items);
  }

  renderComment(comment, scoped) {
    const head = make(
      "p",
      { className: "comment-head small" },
      make("strong", { className: "comment-author", text: comment.author }),
      make("span", { className: "muted", text: ` · ${when(comment.created_at)}${comment.edited_at ? " · edited" : ""}` }),
    );
    if (!scoped && comment.target_caption) {
      const gone = comment.span === null && comment.stance === null;
      const on = make("button", {
        type: "button",
        className: "link-button comment-target",
        text: `on ${comment.target_caption}${gone ? " (deleted)" : ""}`,
        disabled: gone || null,
      });
      if (!gone) on.addEventListener("click", () => this.openThread({ kind: comment.span !== null ? "span" : "stance", id: comment.span ?? comment.stance }));
      head.append(" ", on);
    }
    const body = make("p", { className: "comment-body", text: comment.body });
    const actions = make("div", { className: "comment-actions" });
    if (comment.resolved) {
      actions.append(make("span", { className: "state state-done small", text: `✓ resolved by ${comment.resolved_by}` }));
    }
    if (comment.may_resolve) {
      const button = make("button", { type: "button", className: "small", "data-action": comment.resolved ? "reopen" : "resolve", text: comment.resolved ? "Reopen" : "Resolve" });
      button.addEventListener("click", () => this.update(comment, { resolved: !comment.resolved }));
      actions.append(button);
    }
    if (comment.may_edit) {
      const button = make("button", { type: "button", className: "small", "data-action": "edit", text: "Edit" });
      button.addEventListener("click", () => this.edit(item, comment));
      actions.append(button);
    }
    const item = make(
      "li",
      { className: `comment${comment.resolved ? " resolved" : ""}`, "data-comment-id": comment.id },
      head,
      body,
      actions,
    );
    return item;
  }

  // ---- Writing ------------------------------------------------------------------------------

  async add() {
    const text = this.body.value;
    if (!text.trim()) {
      this.showError("Write something first.");
      return;
    }
    const payload = { body: text };
    if (this.scope) payload[this.scope.kind] = this.scope.id;
    try {
      const { data } = await request("POST", `/api/documents/${this.documentId}/comments/`, payload);
      this.comments.push(data);
      this.body.value = "";
      this.showError("");
      this.changed();
    } catch (error) {
      this.showError(error.message);
    }
  }

  async update(comment, change) {
    try {
      const { data } = await request("PATCH", `/api/comments/${comment.id}/`, change);
      this.comments = this.comments.map((c) => (c.id === data.id ? data : c));
      this.showError("");
      this.changed();
      return true;
    } catch (error) {
      this.showError(error.message);
      return false;
    }
  }

  edit(item, comment) {
    const area = make("textarea", { className: "comment-edit", rows: 3, "aria-label": "Edit the comment" });
    area.value = comment.body;
    const save = make("button", { type: "button", className: "primary small", text: "Save" });
    const cancel = make("button", { type: "button", className: "small", text: "Cancel" });
    save.addEventListener("click", () => this.update(comment, { body: area.value }));
    cancel.addEventListener("click", () => this.render());
    area.addEventListener("keydown", (event) => {
      event.stopPropagation();
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) this.update(comment, { body: area.value });
      if (event.key === "Escape") this.render();
    });
    item.querySelector(".comment-body").replaceWith(area);
    item.querySelector(".comment-actions").replaceChildren(save, cancel);
    area.focus();
  }

  showError(message) {
    this.error.textContent = message;
    this.error.hidden = !message;
  }

  // ---- Mentions -----------------------------------------------------------------------------

  async loadMembers() {
    if (this.members) return this.members;
    const names = [];
    let url = `/api/projects/${this.projectId}/members/`;
    try {
      while (url) {
        const { data } = await request("GET", url);
        names.push(...data.results.map((member) => member.username));
        url = data.next;
      }
    } catch {
      return [];
    }
    this.members = names.sort((a, b) => a.localeCompare(b));
    return this.members;
  }

  typedMention() {
    const before = this.body.value.slice(0, this.body.selectionStart);
    const match = TYPING_MENTION.exec(before);
    return match ? match[1] : null;
  }

  async suggest() {
    const typed = this.typedMention();
    if (typed === null) {
      this.closeSuggestions();
      return;
    }
    const members = await this.loadMembers();
    const lower = typed.toLowerCase();
    const found = members.filter((name) => name.toLowerCase().startsWith(lower)).slice(0, SUGGESTIONS);
    if (!found.length || this.typedMention() === null) {
      this.closeSuggestions();
      return;
    }
    this.suggestion = 0;
    this.suggestions.replaceChildren(
      ...found.map((name, index) =>
        make("li", { role: "option", id: `mention-${index}`, "data-username": name, "aria-selected": String(index === 0), text: `@${name}` }),
      ),
    );
    this.suggestions.hidden = false;
    this.body.setAttribute("aria-expanded", "true");
    this.body.setAttribute("aria-activedescendant", "mention-0");
  }

  closeSuggestions() {
    this.suggestions.hidden = true;
    this.suggestion = -1;
    this.body.setAttribute("aria-expanded", "false");
    this.body.removeAttribute("aria-activedescendant");
  }

  choose(username) {
    const caret = this.body.selectionStart;
    const before = this.body.value.slice(0, caret);
    const typed = this.typedMention() ?? "";
    const start = before.length - typed.length;
    this.body.value = `${this.body.value.slice(0, start)}${username} ${this.body.value.slice(caret)}`;
    const at = start + username.length + 1;
    this.body.setSelectionRange(at, at);
    this.closeSuggestions();
    this.body.focus();
  }

  onBodyKey(event) {
    // The page's keys (labels, Ctrl+Enter: submit the annotation) are not for the comment box.
    event.stopPropagation();
    const options = [...this.suggestions.children];
    if (!this.suggestions.hidden && options.length) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        const step = event.key === "ArrowDown" ? 1 : -1;
        this.suggestion = (this.suggestion + step + options.length) % options.length;
        options.forEach((option, index) => option.setAttribute("aria-selected", String(index === this.suggestion)));
        this.body.setAttribute("aria-activedescendant", options[this.suggestion].id);
        return;
      }
      if (event.key === "Enter" || event.key === "Tab") {
        event.preventDefault();
        this.choose(options[this.suggestion].dataset.username);
        return;
      }
      if (event.key === "Escape") {
        this.closeSuggestions();
        return;
      }
    }
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      this.add();
    } else if (event.key === "Escape") {
      this.body.blur();
    }
  }
}

let panel = null;

/** Show the thread of one item ({kind: "span" | "stance", id}), or every comment (null). */
export function openThread(item) {
  if (panel) panel.openThread(item);
}

const root = document.getElementById("comments-panel");
if (root) panel = new CommentsPanel(root);
