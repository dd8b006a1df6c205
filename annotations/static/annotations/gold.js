// The gold on the review page: an Annotator (annotator.js) over the gold annotation, sharing
// the page's text view, and the writes that replace or extend it through the REST API
// (accept a span or a stance, build by majority, accept all agreed, mark reviewed; the
// history's Revert is in history.js). Every such write is an action of the page's gold queue
// (goldqueue.js): sent in order, one at a time, each after the gold's save queue has drained,
// retried when the failure passes, never dropped; the gold each answer leaves is taken in at
// once and drawn once the queue is empty. A refusal stops the queue and the message names what
// was not done; a 409 also reloads the gold. Building by majority
// over a gold the build would change (the reviewer's accepts and edits) is answered with a
// 409 naming what would go: the page asks, and replaces only when the reviewer confirms.
// Mixed into Review (review.js), so `this` is the Review.

import { ApiError, api } from "./api.js";
import { Annotator } from "./annotator.js";
import { GoldQueue } from "./goldqueue.js";
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
        // Side by side the gold is disabled (the lanes' text is hidden) but its list is shown.
        showsList: () => this.viewMode === "side",
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

  /**
   * Take in the gold an action left, without drawing it: the queue's next action is sent with
   * its version, and the page draws it once the queue is empty (goldQueueDrained).
   */
  goldTakenIn(gold) {
    if (this.annotator) this.annotator.store.load(gold);
    else this.pendingGold = gold; // no gold drawn yet: drawn whole when the queue is empty
  }

  goldStatus() {
    return this.annotator ? this.annotator.store.status : "none";
  }

  /** The queue of writes to gold (goldqueue.js), made with the page's hooks. */
  makeGoldQueue() {
    return new GoldQueue({
      onState: (state, error) => this.setSaveState(state, error),
      onStopped: (error, refused, unsent) => this.goldQueueStopped(error, refused, unsent),
      onDrained: () => this.goldQueueDrained(),
    });
  }

  /**
   * Queue a write to gold named `name` ("ana's ORG “Bamako”"): `call(send)` makes its requests
   * through the queue's `send(method, url, body)` and resolves to {gold, ...} (null: nothing
   * was written); `done(result)` says what was done. Sent after the actions before it and the
   * gold's queued edits; never dropped (a refusal is said, with what was not sent after it).
   */
  goldAction(name, call, done) {
    // Said at once: a "Saved" left from before the click must not stand while this waits.
    this.setSaveState("saving");
    this.busy = true;
    this.goldQueue.push({
      name,
      run: async (send) => {
        if (this.annotator) {
          await this.annotator.queue.drained();
          this.setSaveState("saving"); // the save queue, drained, said "Saved" for its own edits
        }
        return call(send);
      },
      done: (result) => {
        if (result.gold) this.goldTakenIn(result.gold);
        if (done) done(result);
      },
    });
  }

  /** A refusal stopped the queue: say why, and name each action that was not done. */
  async goldQueueStopped(error, refused, unsent) {
    const notSent = unsent.length ? ` ${unsent.length === 1 ? "This was" : "These were"} not sent either:` : "";
    if (error instanceof ApiError && error.status === 409 && (this.annotator || this.pendingGold)) {
      this.goldDraw();
      await this.reloadGold();
      this.say(`${CHANGED_MEANWHILE} Not done: ${refused.name}.${notSent}`, { sticky: true, list: unsent.map((a) => a.name) });
    } else {
      this.say(`Not done: ${refused.name}: ${error.message}${notSent}`, { sticky: true, list: unsent.map((a) => a.name) });
    }
  }

  /** Every queued action answered (or refused): draw the gold it left, once. */
  goldQueueDrained() {
    this.busy = false;
    this.setSaveState("saved");
    // An existing gold's redraw refreshes the page's panels (its onRender); else refresh them.
    if (!this.goldDraw()) this.refresh();
    this.loadHistory();
  }

  /**
   * Draw the gold taken in by goldTakenIn; true when that refreshed the page's panels too (a
   * gold just started draws before it is the page's, so its own refresh does not count).
   */
  goldDraw() {
    if (this.pendingGold) {
      const gold = this.pendingGold;
      this.pendingGold = null;
      this.startGold(gold);
      if (this.lane !== "gold") this.renderLane();
      return false;
    }
    if (!this.annotator) return false;
    this.annotator.reloaded(null);
    return true;
  }

  async reloadGold() {
    try {
      this.goldLoaded((await api.annotation(this.annotator.store.id)).data);
    } catch {
      // The next action reloads again; the message already says what happened.
    }
  }

  /** The version of gold the next write is made on: the one the last answer left. */
  versionBody() {
    if (this.annotator) return { version: this.annotator.store.version };
    return this.pendingGold ? { version: this.pendingGold.version } : {};
  }

  /** POST `body` to the document's gold `path` through the queue's `send`; resolve to the answer. */
  async postGold(send, path, body) {
    return (await send("POST", `/api/documents/${this.documentId}/gold/${path}`, body)).data;
  }

  acceptSpan(span) {
    const lane = this.lanes.find((l) => l.byId.get(span.id) === span);
    const label = this.labels.get(span.label);
    const name = `${lane ? `${lane.author}'s ` : ""}${label ? label.name : "span"} “${shorten(span.text, 40)}”`;
    this.goldAction(
      name,
      (send) => this.postGold(send, "accept/", { span: span.id, ...this.versionBody() }),
      (data) => {
        let text = `Accepted ${name} into gold.`;
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
    const name = `the document label ${label ? label.name : labelId}`;
    this.goldAction(
      name,
      (send) => this.postGold(send, "accept/", { document_label: labelId, ...this.versionBody() }),
      () => this.say(`Accepted ${name} into gold.`),
    );
  }

  acceptStance(stance) {
    const lane = this.lanes.find((l) => l.stances.some((s) => s.id === stance.id));
    const label = this.labels.get(stance.label);
    const value = label ? `${label.name} ` : "";
    const name = `${lane ? `${lane.author}'s ` : "the "}stance ${value}on “${this.targetName(stance.target)}”`;
    this.goldAction(
      name,
      (send) => this.postGold(send, "accept/", { stance: stance.id, ...this.versionBody() }),
      () => this.say(`Accepted the stance on “${this.targetName(stance.target)}” into gold.`),
    );
  }

  buildMajority() {
    this.goldAction(
      "Build by majority",
      async (send) => {
        try {
          return await this.postGold(send, "", { strategy: "majority" });
        } catch (error) {
          const asked = error instanceof ApiError && error.status === 409 && error.body.errors?.replace;
          if (!asked) throw error;
          if (!window.confirm(replaceQuestion(error.body, this.index))) {
            this.say(GOLD_KEPT);
            return null;
          }
          // The version the question was about: a change made meanwhile is a 409 again.
          const body = { strategy: "majority", replace: true, version: error.body.current_version };
          return await this.postGold(send, "", body);
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
      this.annotator || this.lanes.length ? "Accept all agreed" : "Start gold",
      (send) => this.postGold(send, "agreed/", this.versionBody()),
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
    const url = `/api/annotations/${store.id}/`;
    this.goldAction(
      next === "submitted" ? "Mark reviewed" : "Reopen gold",
      async (send) => {
        const { data } = await send("PATCH", url, { status: next, version: store.version });
        return { gold: (await send("GET", url)).data, status: data.status };
      },
      (data) => this.say(data.status === "submitted" ? "Gold marked reviewed." : "Gold reopened for editing."),
    );
  }
}
