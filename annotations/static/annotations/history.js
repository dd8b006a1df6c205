// The gold's history on the review page: its events, newest first, each with its before and
// after as short text and, while the gold is in review, a Revert button that
// undoes the event through the API.
// Mixed into Review (review.js), so `this` is the Review.

import { request } from "./api.js";
import { GOLD_REVIEWED } from "./gold.js";
import { el, shorten } from "./panels.js";
import { relationEventText } from "./relations.js";

/** What each event action did, as the history and the revert message say it. */
export const ACTIONS = {
  annotation_created: "created the annotation",
  status_changed: "changed the status",
  span_created: "added a span",
  span_changed: "changed a span",
  span_deleted: "removed a span",
  stance_created: "added a stance",
  stance_changed: "changed a stance",
  stance_deleted: "removed a stance",
  relation_created: "added a relation",
  relation_changed: "changed a relation",
  relation_deleted: "removed a relation",
  content_replaced: "replaced the content",
  gold_built: "built the gold",
  reverted: "reverted a change",
};
const REVERTIBLE = new Set([
  "span_created",
  "span_changed",
  "span_deleted",
  "stance_created",
  "stance_changed",
  "stance_deleted",
  "relation_created",
  "relation_changed",
  "relation_deleted",
  "content_replaced",
]);
const STATUS_NAMES = { in_progress: "in review", submitted: "reviewed", skipped: "skipped" };

export class History {
  scheduleHistory() {
    clearTimeout(this.historyTimer);
    this.historyTimer = setTimeout(() => this.loadHistory(), 300);
  }

  async loadHistory() {
    const list = document.getElementById("history-list");
    const note = document.getElementById("history-note");
    if (!this.annotator) {
      note.textContent = "No gold yet, so no history.";
      list.replaceChildren();
      return;
    }
    let data;
    try {
      data = (await request("GET", `/api/annotations/${this.annotator.store.id}/events/`)).data;
    } catch (error) {
      note.textContent = `The history could not be loaded: ${error.message}`;
      return;
    }
    const more = data.count - data.results.length;
    note.textContent = `${data.count} change${data.count === 1 ? "" : "s"}, newest first${more > 0 ? ` (the ${more} oldest not shown)` : ""}.`;
    list.replaceChildren(...data.results.map((event) => this.eventItem(event)));
  }

  eventItem(event) {
    const when = new Date(event.created_at);
    const [before, after] = this.describe(event);
    const item = el(
      "li",
      { className: "event", dataset: { eventId: String(event.id), action: event.action } },
      el(
        "div",
        { className: "event-head" },
        el("time", { datetime: event.created_at, text: when.toLocaleString() }),
        " ",
        el("strong", { text: event.actor || "system" }),
        ` ${ACTIONS[event.action] || event.action}`,
      ),
      el(
        "div",
        { className: "change" },
        el("span", { className: "before", text: before }),
        el("span", { className: "arrow", "aria-label": "became", text: " → " }),
        el("span", { className: "after", text: after }),
      ),
    );
    if (event.reverted_by) {
      item.append(el("span", { className: "tag", text: `reverted (#${event.reverted_by})` }));
    } else if (REVERTIBLE.has(event.action)) {
      const button = el("button", {
        type: "button",
        className: "small revert",
        disabled: this.goldStatus() !== "in_progress" || null,
        text: "Revert",
        title: this.goldStatus() === "in_progress" ? "Undo this change" : GOLD_REVIEWED,
      });
      button.addEventListener("click", () => this.revert(event));
      item.append(button);
    }
    return item;
  }

  /** An event's before and after as short text. */
  describe(event) {
    const span = (state) => {
      if (!state) return "—";
      const name = state.label_name || this.labels.get(state.label)?.name || "?";
      const extra = [state.checkworthy ? `check-worthy ${state.checkworthy}` : "", state.claimant_text ? `claimant “${state.claimant_text}”` : ""]
        .filter(Boolean)
        .join(", ");
      return `${name} “${shorten(state.text || "", 40)}” ${state.start}–${state.end}${extra ? ` (${extra})` : ""}`;
    };
    const stance = (state) => {
      if (!state) return "—";
      return `${state.target_name || this.targetName(state.target)}: ${state.label_name || "?"}${state.holder ? " (held by an entity)" : ""}`;
    };
    const content = (state) =>
      state ? `${state.spans.length} span${state.spans.length === 1 ? "" : "s"}, ${state.stances.length} stance${state.stances.length === 1 ? "" : "s"}` : "—";
    switch (event.action) {
      case "span_created":
      case "span_changed":
      case "span_deleted":
        return [span(event.before), span(event.after)];
      case "stance_created":
      case "stance_changed":
      case "stance_deleted":
        return [stance(event.before), stance(event.after)];
      case "relation_created":
      case "relation_changed":
      case "relation_deleted":
        return [relationEventText(event.before, this.annotator?.store), relationEventText(event.after, this.annotator?.store)];
      case "content_replaced":
        return [content(event.before), content(event.after)];
      case "status_changed":
        return [STATUS_NAMES[event.before?.status] || "—", STATUS_NAMES[event.after?.status] || "—"];
      case "reverted":
        return [`change #${event.before?.event}`, "undone"];
      default:
        return ["—", "—"];
    }
  }

  revert(event) {
    const goldId = this.annotator.store.id;
    this.goldAction(
      `Revert of change #${event.id} (${ACTIONS[event.action] || event.action})`,
      async (send) => {
        await send("POST", `/api/events/${event.id}/revert/`);
        return { gold: (await send("GET", `/api/annotations/${goldId}/`)).data };
      },
      () => this.say(`Reverted: ${ACTIONS[event.action] || event.action} (change #${event.id}).`),
    );
  }
}
