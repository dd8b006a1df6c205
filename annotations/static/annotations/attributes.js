// Attributes on the annotate page: the values a label asks for on each item that carries it
// (a claim's normalised text, a stance's sentiment), edited in the side panel
// (#attributes-panel) as form controls: a select for a choice, checkboxes for a multi-choice,
// a text box, a number box. The panel shows the selected highlight's attributes, or else the
// selected relation's (saved as a PATCH of the relation), or else the active stance's. Each edit is one change through the Annotator (saved by the save queue,
// undone and redone like any other). Mixed into the Annotator (annotator.js), so `this` is
// the Annotator; `renderAttributes` draws the panel.
//
// The rules are annotations/attributes.py's, and the server checks every value again; here
// only what a user would otherwise wait for a refusal to learn is checked (a text's length,
// a number that is not one). Built with createElement and textContent only.

import { codePointLength } from "./offsets.js";
import { el, shorten } from "./panels.js";

// annotations.attributes.TEXT_LIMIT (tests/browser/test_attributes.py holds them equal).
export const TEXT_LIMIT = 2000;
export const TEXT_TOO_LONG = "That text has {length} characters; an attribute holds at most {limit}.";
export const NOT_A_NUMBER = "{name} must be a number.";

function format(template, values) {
  return template.replace(/\{(\w+)\}/g, (_, name) => String(values[name]));
}

/** Whether `value` means "no value" (null, "", []): such keys are not stored. */
export function isEmpty(value) {
  return value === null || value === undefined || value === "" || (Array.isArray(value) && !value.length);
}

/** `values` with `name` set to `value` (dropped when empty); a new object. */
export function withValue(values, name, value) {
  const next = { ...(values || {}) };
  if (isEmpty(value)) delete next[name];
  else next[name] = value;
  return next;
}

/** Whether `value` is one `declared` accepts (annotations.attributes' rules, as a mirror). */
function accepts(declared, value) {
  switch (declared.type) {
    case "choice":
      return typeof value === "string" && declared.choices.includes(value);
    case "multi_choice":
      return Array.isArray(value) && value.every((item) => declared.choices.includes(item));
    case "text":
      return typeof value === "string" && codePointLength(value) <= TEXT_LIMIT;
    default:
      return typeof value === "number" && Number.isFinite(value);
  }
}

/** The values a new label still accepts (the server keeps the same ones on a relabel). */
export function keptFor(values, label) {
  const kept = {};
  for (const declared of label?.attributes || []) {
    const value = (values || {})[declared.name];
    if (!isEmpty(value) && accepts(declared, value)) kept[declared.name] = value;
  }
  return kept;
}

/** The names of `label`'s required attributes that `values` leaves empty. */
export function missingRequired(values, label) {
  return (label?.attributes || [])
    .filter((declared) => declared.required && isEmpty((values || {})[declared.name]))
    .map((declared) => declared.name);
}

export class AttributeEditing {
  /** What the attributes panel edits: {kind, key, item, label, caption}, or null. */
  attributeTarget() {
    const span = this.selected && this.store.spans.get(this.selected);
    if (span) {
      const label = this.labels.get(span.label);
      if (!label?.attributes?.length) return null;
      return { kind: "span", key: span.key, item: span, label, caption: `${label.name} · ${shorten(span.text, 40)}` };
    }
    const relation = this.selectedRelation && this.store.relations.get(this.selectedRelation);
    if (relation) {
      const label = this.labels.get(relation.label);
      if (!label?.attributes?.length) return null;
      const end = (key) => `“${shorten(this.store.spans.get(key)?.text || "?", 20)}”`;
      const caption = `${label.name} · ${end(relation.source)} → ${end(relation.target)}`;
      return { kind: "relation", key: relation.key, item: relation, label, caption };
    }
    const stance = this.active && this.store.stances.get(this.active.row);
    const label = stance && this.labels.get(stance.label);
    if (!label?.attributes?.length) return null;
    const target = this.targets.find((t) => t.id === stance.target);
    return { kind: "stance", key: stance.key, item: stance, label, caption: `${label.name} on ${target ? target.name : "?"}` };
  }

  /** Set one attribute of the panel's item; an empty value clears it. */
  setAttribute(kind, key, name, value) {
    if (!this.guard()) return;
    const items = { span: this.store.spans, stance: this.store.stances, relation: this.store.relations };
    const item = items[kind].get(key);
    if (!item) return;
    if (typeof value === "string" && codePointLength(value) > TEXT_LIMIT) {
      this.say(format(TEXT_TOO_LONG, { length: codePointLength(value), limit: TEXT_LIMIT }));
      this.renderPanels();
      return;
    }
    const next = withValue(item.attributes, name, value);
    if (JSON.stringify(next) === JSON.stringify(item.attributes || {})) return;
    this.change([{ type: `${kind}.update`, key, changes: { attributes: next } }]);
  }

  /** The attributes a relabelled item keeps (an update's `changes`), or null: nothing goes. */
  attributesAfterRelabel(item, label) {
    const before = item.attributes || {};
    const kept = keptFor(before, label);
    return Object.keys(kept).length === Object.keys(before).length ? null : kept;
  }
}

/**
 * Draw the attributes panel for `target` (attributeTarget's answer). While a control has the
 * focus and the panel still shows the same item, only the other controls take new values, so
 * what is being typed is never replaced under the cursor.
 */
export function renderAttributes(view, { target, editable, actions }) {
  if (!view.panel) return;
  // Nothing to show and nothing shown: leave the panel's DOM alone (each render calls this).
  if (!target && view.panel.hidden) return;
  view.panel.hidden = !target;
  if (!target) {
    view.shown = null;
    view.fields.replaceChildren();
    return;
  }
  const shape = `${target.kind}:${target.key}:${target.label.id}:${JSON.stringify(target.label.attributes)}:${editable}`;
  const values = target.item.attributes || {};
  if (view.shown === shape) {
    for (const declared of target.label.attributes) showValue(view, declared, values[declared.name]);
    return;
  }
  view.shown = shape;
  view.caption.textContent = target.caption;
  const hadFocus = view.fields.contains(document.activeElement) ? document.activeElement.id : null;
  view.fields.replaceChildren(
    ...target.label.attributes.map((declared) => field(declared, values[declared.name], target, editable, actions)),
  );
  if (hadFocus) document.getElementById(hadFocus)?.focus();
}

function controlId(declared) {
  return `attribute-${declared.name}`;
}

function field(declared, value, target, editable, actions) {
  const id = controlId(declared);
  const set = (next) => actions.setAttribute(target.kind, target.key, declared.name, next);
  const hint = declared.description ? el("small", { className: "muted", id: `${id}-hint`, text: declared.description }) : null;
  const described = hint ? hint.id : null;
  const name = `${declared.name}${declared.required ? " *" : ""}`;
  const wrapper = el("div", { className: "field attribute", dataset: { attribute: declared.name, type: declared.type } });
  if (declared.type === "multi_choice") {
    const group = el("fieldset", { className: "attribute-choices", "aria-describedby": described }, el("legend", { text: name }));
    for (const [index, choice] of declared.choices.entries()) {
      const box = el("input", {
        type: "checkbox",
        id: `${id}-${index}`,
        value: choice,
        checked: (value || []).includes(choice),
        disabled: !editable,
      });
      box.addEventListener("change", () => {
        const boxes = [...group.querySelectorAll("input[type=checkbox]")];
        set(boxes.filter((b) => b.checked).map((b) => b.value));
      });
      group.append(el("label", { className: "check" }, box, el("span", { text: choice })));
    }
    wrapper.append(...[group, hint].filter(Boolean));
    return wrapper;
  }
  let control;
  if (declared.type === "choice") {
    control = el("select", { id, disabled: !editable }, el("option", { value: "", text: "(none)" }));
    for (const choice of declared.choices) control.append(el("option", { value: choice, text: choice }));
    control.addEventListener("change", () => set(control.value || null));
  } else if (declared.type === "text") {
    control = el("textarea", { id, rows: 2, disabled: !editable });
    control.addEventListener("change", () => set(control.value.trim() || null));
    control.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey) {
        event.preventDefault();
        set(control.value.trim() || null);
      }
    });
  } else {
    control = el("input", { id, type: "number", step: "any", inputmode: "decimal", disabled: !editable });
    control.addEventListener("change", () => {
      if (control.validity.badInput || (control.value && !Number.isFinite(Number(control.value)))) {
        actions.say(format(NOT_A_NUMBER, { name: declared.name }));
        return;
      }
      set(control.value === "" ? null : Number(control.value));
    });
  }
  control.setAttribute("aria-required", String(declared.required));
  if (described) control.setAttribute("aria-describedby", described);
  wrapper.append(...[el("label", { for: id, text: name }), control, hint].filter(Boolean));
  showValue({ fields: wrapper }, declared, value);
  return wrapper;
}

/** Put `value` into the control of `declared` unless it has the focus (being edited). */
function showValue(view, declared, value) {
  const id = controlId(declared);
  if (declared.type === "multi_choice") {
    for (const box of view.fields.querySelectorAll(`[data-attribute="${CSS.escape(declared.name)}"] input`)) {
      box.checked = (value || []).includes(box.value);
    }
    return;
  }
  const control = view.fields.querySelector(`#${CSS.escape(id)}`);
  if (!control || control === document.activeElement) return;
  control.value = isEmpty(value) ? "" : String(value);
}

/** A value as a reader sees it: choices joined by commas; "not given" when empty. */
export function shownValue(value) {
  if (isEmpty(value)) return "not given";
  return Array.isArray(value) ? value.join(", ") : String(value);
}

/** An item's values in one line, "sentiment: negative · topics: security, politics" ("" if none). */
export function describeValues(values) {
  return Object.keys(values || {})
    .filter((name) => !isEmpty(values[name]))
    .sort()
    .map((name) => `${name}: ${shownValue(values[name])}`)
    .join(" · ");
}
