// Input on the annotate page: clicks on the text, picking a claimant or holder, moving the
// selection word by word, and every key. What each key does is declared in keys.js (the help
// overlay is drawn from it); the handlers below only decide, by context, which declared
// action runs. Mixed into the Annotator (annotator.js), so `this` is the Annotator.

import { KEYMAP, isTyping, keyAction, labelFor } from "./keys.js";
import { wordRanges } from "./offsets.js";
import { mayBeClaimant, mayHoldStance } from "./rules.js";

const KEYS = KEYMAP.annotate;

export class AnnotatorInput {
  onTextClick(event) {
    const selection = window.getSelection();
    if (selection && !selection.isCollapsed) return; // a drag or double-click: a selection
    const element = this.view.spanAt(event.target);
    if (this.relating) {
      if (element) this.relateTo(element.dataset.key);
      return;
    }
    if (this.picking) {
      if (element) this.picked(element.dataset.key);
      return;
    }
    if (element) this.selectSpan(element.dataset.key);
    else if (this.selected || this.selectedRelation || this.selectedSuggestion) {
      this.selected = null;
      this.selectedRelation = null;
      this.selectedSuggestion = null;
      this.redecorate();
    }
  }

  picked(key) {
    const picking = this.picking;
    const kind = this.labels.get(this.store.spans.get(key)?.label)?.kind;
    const fits = picking.kind === "claimant" ? mayBeClaimant(kind) : mayHoldStance(kind);
    if (!fits) {
      this.say(`Pick an entity${picking.kind === "claimant" ? " as the claimant" : " as the holder"}.`);
      return;
    }
    this.picking = null;
    if (picking.kind === "claimant") this.setClaimant(key);
    else if (this.active) this.setStanceRef(this.active.target, this.active.row, "holder", key);
    this.renderPanels();
  }

  /** Arrow keys on the text: select the next word, Shift extends (keyboard-only labelling). */
  moveWord(direction, extend) {
    if (!this.words) this.words = wordRanges(this.index.text);
    const words = this.words;
    if (!words.length) return;
    const last = words.length - 1;
    const clamp = (i) => Math.min(Math.max(i, 0), last);
    const single = (at) => ({ anchor: clamp(at), focus: clamp(at) });
    let cursor = this.wordCursor;
    if (!cursor) {
      // Start from the mouse's selection if there is one, else from either end.
      const current = this.view.selectionRange();
      if (!current) {
        cursor = single(direction > 0 ? 0 : last);
      } else {
        let first = words.findIndex((w) => w.end > current.start);
        if (first < 0) first = last;
        let final = first;
        while (final < last && words[final + 1].start < current.end) final++;
        if (extend) cursor = { anchor: first, focus: clamp(final + direction) };
        else cursor = single(direction > 0 ? final + 1 : first - 1);
      }
    } else if (extend) {
      cursor = { anchor: cursor.anchor, focus: clamp(cursor.focus + direction) };
    } else {
      cursor = single(cursor.focus + direction);
    }
    this.wordCursor = cursor;
    const from = words[Math.min(cursor.anchor, cursor.focus)];
    const to = words[Math.max(cursor.anchor, cursor.focus)];
    this.view.select(from.start, to.end);
  }

  onKey(event) {
    // A dialog (the help, the skip question) has the keys while it is open.
    if (document.querySelector("dialog[open]")) return;
    const target = event.target;
    const typing = isTyping(target);
    const action = keyAction(KEYS, event);
    if (action === "submit") {
      event.preventDefault();
      if (this.editable) this.finish("submitted");
      return;
    }
    if ((action === "undo" || action === "redo") && !typing) {
      event.preventDefault();
      if (action === "undo") this.undo();
      else this.redo();
      return;
    }
    if (typing || event.ctrlKey || event.metaKey || event.altKey) {
      if (typing && event.key === "Escape") target.blur();
      return;
    }
    // Drawing a relation: Esc, ] [ and Enter are its own (relations.js).
    if (this.relating && this.relatingKey(event)) {
      event.preventDefault();
      return;
    }
    // Sentence units (units.js) take their keys first: a sentence label's, j k ↓ ↑.
    if (this.units?.onKey(event)) {
      event.preventDefault();
      return;
    }
    const onText = target === this.textRoot || target === document.body || this.textRoot.contains(target);
    switch (action) {
      case "clear":
        this.clearSelection();
        return;
      case "nextWord":
      case "previousWord":
      case "extendRight":
      case "extendLeft":
        if (!onText) return;
        this.moveWord(action === "nextWord" || action === "extendRight" ? 1 : -1, event.shiftKey);
        break;
      case "help":
      case "nextSpan":
      case "previousSpan":
      case "delete":
        this.runAction(action);
        break;
      case "acceptSuggestion":
      case "rejectSuggestion":
      case "acceptLabelSuggestions":
      case "acceptAllSuggestions":
        this.suggestionAction(action);
        break;
      case "markOccurrences":
        this.markOccurrences();
        break;
      default:
        if (!this.handleLetter(event.key.length === 1 ? event.key : "", event, action)) return;
    }
    event.preventDefault();
  }

  /** Escape: cancel picking, else drop the text selection, else the highlight, else the target. */
  clearSelection() {
    if (this.evidencePick) this.evidencePick = null;
    else if (this.picking) this.picking = null;
    else if (this.view.selectionRange()) window.getSelection().removeAllRanges();
    else if (this.selectedRelation) this.selectedRelation = null;
    else if (this.selectedSuggestion) this.selectedSuggestion = null;
    else if (this.selected) this.selected = null;
    else this.active = null;
    this.wordCursor = null;
    this.redecorate();
  }

  /**
   * Letter and digit keys, by context; true when the key did something. Labels may no longer
   * take the map's keys, but a project labelled before that rule may have one: then a label's
   * key wins except where the context says otherwise: with a claim selected, y n u k are the
   * claim's; with a target active, a stance label's key comes first, then 0 h e.
   */
  handleLetter(key, event, action) {
    if (!key) return false;
    // The evidence picker is open: a label's key answers it.
    const evidenceLabel = this.evidencePick && labelFor(this.evidenceLabels(), key);
    if (evidenceLabel) {
      this.evidenceAs(evidenceLabel.id);
      return true;
    }
    // A document label's key toggles it, whatever is selected (no other label has its key).
    const documentLabel = this.documentLabelFor(key);
    if (documentLabel) {
      this.toggleDocumentLabel(documentLabel.id);
      return true;
    }
    // A relation label's key draws a relation from the selected highlight (relations.js).
    if (this.relationKeyPressed(key)) return true;
    const hasText = this.view.selectionRange() !== null;
    const spanLabel = labelFor(this.spanLabels, key);
    if (hasText && spanLabel) {
      this.labelChosen(spanLabel.id);
      return true;
    }
    if (!hasText && this.selectedClaim() && this.runAction(keyAction(KEYS, event, "claim"))) return true;
    if (spanLabel && this.selected && !hasText) {
      this.labelChosen(spanLabel.id);
      return true;
    }
    if (action === "activateTarget") {
      this.activateTarget(Number(key));
      return true;
    }
    if (this.active) {
      const stanceLabel = labelFor(this.stanceLabels, key);
      if (stanceLabel) {
        this.setStanceValue(this.active.target, this.active.row, stanceLabel.id);
        return true;
      }
      if (this.runAction(keyAction(KEYS, event, "stance"))) return true;
    }
    if (spanLabel) {
      this.labelChosen(spanLabel.id);
      return true;
    }
    return false;
  }

  /** Run one of the map's actions that needs nothing but the page's state; false if unknown. */
  runAction(action) {
    const checkworthy = { checkworthyYes: "yes", checkworthyNo: "no", checkworthyUnsure: "unsure" };
    switch (action) {
      case "help":
        this.openHelp();
        break;
      case "nextSpan":
      case "previousSpan":
        this.stepSpan(action === "nextSpan" ? 1 : -1);
        break;
      case "delete":
        this.deleteSelected();
        break;
      case "checkworthyYes":
      case "checkworthyNo":
      case "checkworthyUnsure":
        this.setCheckworthy(checkworthy[action]);
        break;
      case "pickClaimant":
        this.pickClaimant();
        break;
      case "openClaimRecord":
        this.openClaimRecord();
        break;
      case "noStance":
        this.setStanceValue(this.active.target, this.active.row, null);
        break;
      case "pickHolder":
        this.pickHolder();
        break;
      case "useEvidence":
        this.useEvidence();
        break;
      default:
        return false;
    }
    return true;
  }
}
