// The gold on the review page: an Annotator (annotator.js) over the gold annotation, sharing
// the page's text view, and the writes that replace or extend it through the REST API
// (accept a span or a stance, build by majority, accept all agreed, mark reviewed; the
// history's Revert is in history.js). Each write first drains the gold's save queue, so
// nothing is sent out of order; a 409 reloads the gold and says so. Building by majority
// over a gold the build would change (the reviewer's accepts and edits) is answered with a
// 409 naming what would go: the page asks, and replaces only when the reviewer confirms.
// Mixed into Review (review.js), so `this` is the Review.

import { ApiError, api, request } from "./api.js";
import { Annotator } from "./annotator.js";
import { renderHelp } from "./help.js";
import { shorten } from "./panels.js";
import { relationEndsText } from "./relations.js";

export const NO_GOLD = "No gold yet: build it by majority, accept all agreed, or accept a highlight.";
export const GOLD_REVIEWED = "The gold is marked reviewed; reopen it to change it.";
export const CHANGED_MEANWHILE = "The gold changed meanwhile (another tab or reviewer); it is reloaded. Try again.";
export const GOLD_KEPT = "Gold kept as it is: nothing was rebuilt.";

const LISTED = 8; // items named in the question before "and N more"

/** The question a rebuild over a changed gold asks, from the server's 409. */
function replaceQuestion(body, index) {
  const describe = (item) => {
    if (item.kind === "relation") return `${item.label} ${relationEndsText(index, item)}`;
    if (item.kind === "span") {
      return `${item.label} “${shorten(index.slice(item.start, item.end), 40)}”${item.checkworthy ? ` (${item.checkworthy})` : ""}`;
    }
    if (item.kind === "document_label") return `${item.label} (the whole document)`;
    return `${item.label} on “${item.target}”`;
  };
  const list = (items) => {
    const named = items.slice(0, LISTED).map((item) => `  – ${describe(item)}`);
    if (items.length > LISTED) named.push(`  – and ${items.length - LISTED} more`);
    return named.join("\n");
  };
  const lines = ["Building by majority would replace changes made to this gold."];
  if (body.removed.length) lines.push("Taken out or changed:", list(body.removed));
  if (body.added.length) lines.push("Put in:", list(body.added));
  lines.push("Replace the gold with the majority? (The history can revert it.)");
  return lines.join("\n");
}
/** "3 agreed spans and 0 stances", with the document labels when there are any. */
function addedWords(spans, stances, labels) {
  const plural = (count, noun) => `${count} ${noun}${count === 1 ? "" : "s"}`;
  const items = `${plural(spans, "agreed span")}${labels ? ", " : " and "}${plural(stances, "stance")}`;
  return labels ? `${items} and ${plural(labels, "document label")}` : items;
}

export class GoldEditing {
  startGold(gold) {
    this.annotator = new Annotator(
      this.root,
      { ...this.payload, annotation: gold },
      {
        view: this.view,
        messages: this.messages,
        documentLabelBar: this.documentLabelBar,
        enabled: this.lane === "gold" && this.viewMode !== "side",
        classesOf: (key) => this.goldClasses(key),
        onRender: () => this.refresh(),
        onSaved: () => this.scheduleHistory(),
        list: this.list,
        listTitle: "Gold annotations",
        listEmpty: "Gold has nothing yet.",
      },
    );
    // For tests and users' own scripts: read-only access to the gold's state.
    window.workbenchAnnotator = this.annotator;
    // The gold's panels list the stance targets now: the help gives their keys.
    renderHelp(document.getElementById("help"), "review", this.payload);
  }

  goldClasses(key) {
    const span = this.annotator?.store.spans.get(key);
    return span && this.disputed(this.goldSpanKey(span)) ? ["disagree"] : [];
  }

  /** Show the gold as the server now has it. */
  goldLoaded(gold) {
    if (!this.annotator) {
      this.startGold(gold);
      if (this.lane !== "gold") this.renderLane();
    } else {
      this.annotator.store.load(gold);
      this.annotator.reloaded(null);
    }
    this.refresh();
  }

  goldStatus() {
    return this.annotator ? this.annotator.store.status : "none";
  }

  /** Run a write to gold after the queued edits, then show the gold it leaves. */
  async goldAction(call, done) {
    if (this.busy) return;
    this.busy = true;
    this.refresh();
    try {
      // Said at once: a "Saved" left from before the click must not stand while this waits.
      this.setSaveState("saving");
      if (this.annotator) {
        await this.annotator.queue.drained();
        this.setSaveState("saving"); // the queue, drained, said "Saved" for its own edits
      }
      const result = await call();
      if (result === null) return; // the reviewer said no: nothing was written
      this.goldLoaded(result.gold);
      if (done) done(result);
    } catch (error) {
      if (error instanceof ApiError && error.status === 409 && this.annotator) {
        await this.reloadGold();
        this.say(CHANGED_MEANWHILE, { sticky: true });
      } else {
        this.say(`Not done: ${error.message}`, { sticky: true });
      }
    } finally {
      this.busy = false;
      this.setSaveState("saved");
      this.refresh();
      this.loadHistory();
    }
  }

  async reloadGold() {
    try {
      this.goldLoaded((await api.annotation(this.annotator.store.id)).data);
    } catch {
      // The next action reloads again; the message already says what happened.
    }
  }

  versionBody() {
    return this.annotator ? { version: this.annotator.store.version } : {};
  }

  acceptSpan(span) {
    const lane = this.lanes.find((l) => l.byId.get(span.id) === span);
    this.goldAction(
      async () => {
        const body = { span: span.id, ...this.versionBody() };
        return (await request("POST", `/api/documents/${this.documentId}/gold/accept/`, body)).data;
      },
      (data) => {
        const label = this.labels.get(span.label);
        let text = `Accepted ${lane ? `${lane.author}'s ` : ""}${label ? label.name : "span"} “${shorten(span.text, 40)}” into gold.`;
        if (data.replaced.length) {
          const names = data.replaced.map((r) => `${r.label} ${r.start}–${r.end}`).join(", ");
          text += ` It replaced ${names}.`;
        }
        // Its claim record was merged with gold's: a verdict that differs is said, not hidden.
        for (const conflict of data.conflicts || []) {
          const given = Object.entries(conflict.values).map(([who, verdict]) => `${who}: ${verdict || "none"}`).join(", ");
          text += ` Claim record merged; verdicts differ (${given}), gold's verdict: ${conflict.gold || "empty"}.`;
        }
        this.say(text);
      },
    );
  }

  /** Give gold a document label an annotator gave (in a single-choice group: replacing gold's). */
  acceptDocumentLabel(labelId) {
    const label = this.labels.get(labelId);
    this.goldAction(
      async () => (await api.acceptDocumentLabel(this.documentId, labelId, this.versionBody().version)).data,
      () => this.say(`Accepted the document label ${label ? label.name : labelId} into gold.`),
    );
  }

  acceptStance(stance) {
    this.goldAction(
      async () => {
        const body = { stance: stance.id, ...this.versionBody() };
        return (await request("POST", `/api/documents/${this.documentId}/gold/accept/`, body)).data;
      },
      () => this.say(`Accepted the stance on “${this.targetName(stance.target)}” into gold.`),
    );
  }

  buildMajority() {
    this.goldAction(
      async () => {
        const url = `/api/documents/${this.documentId}/gold/`;
        try {
          return (await request("POST", url, { strategy: "majority" })).data;
        } catch (error) {
          const asked = error instanceof ApiError && error.status === 409 && error.body.errors?.replace;
          if (!asked) throw error;
          if (!window.confirm(replaceQuestion(error.body, this.index))) {
            this.say(GOLD_KEPT);
            return null;
          }
          // The version the question was about: a change made meanwhile is a 409 again.
          const body = { strategy: "majority", replace: true, version: error.body.current_version };
          return (await request("POST", url, body)).data;
        }
      },
      (data) => {
        this.renderConflicts(data.conflicts, "Not taken as the annotators had it");
        const spans = data.gold.spans.length;
        const count = data.conflicts.length;
        this.say(
          `Gold built by majority: ${spans} span${spans === 1 ? "" : "s"}; ` +
            `${count} item${count === 1 ? "" : "s"} left out or to resolve (listed below). ` +
            "The history can revert it.",
        );
      },
    );
  }

  acceptAgreed() {
    this.goldAction(
      async () =>
        (await request("POST", `/api/documents/${this.documentId}/gold/agreed/`, this.versionBody())).data,
      (data) => {
        this.renderConflicts(data.conflicts, "Agreed, but not added as the annotators had it");
        const { spans, stances, document_labels: labels = 0 } = data.added;
        const count = data.conflicts.length;
        const open = count ? ` ${count} item${count === 1 ? "" : "s"} to resolve (listed below).` : "";
        this.say(
          (spans || stances || labels ? `Added ${addedWords(spans, stances, labels)} to gold.` : "Gold already has every place all annotators agree on.") +
            open,
        );
      },
    );
  }

  toggleReviewed() {
    if (!this.annotator) {
      this.say(NO_GOLD);
      return;
    }
    const store = this.annotator.store;
    const next = store.status === "submitted" ? "in_progress" : "submitted";
    this.goldAction(
      async () => {
        const { data } = await api.setStatus(store.id, next, store.version);
        return { gold: (await api.annotation(store.id)).data, status: data.status };
      },
      (data) => this.say(data.status === "submitted" ? "Gold marked reviewed." : "Gold reopened for editing."),
    );
  }
}
