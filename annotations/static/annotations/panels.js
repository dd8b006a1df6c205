// The side panels: the selected highlight, a claim's claimant and check-worthiness, and the
// stances. Built with createElement and textContent only; user strings never become markup.

const QUOTE_LIMIT = 60;

export function el(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "className") element.className = value;
    else if (name === "dataset") Object.assign(element.dataset, value);
    else if (name === "text") element.textContent = value;
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child);
  }
  return element;
}

export function shorten(text, limit = QUOTE_LIMIT) {
  const flat = text.replace(/\s+/g, " ");
  return flat.length > limit ? `${flat.slice(0, limit - 1)}…` : flat;
}

/** "PER · Keita" for a span, as an <option> or a list entry shows it. */
export function spanCaption(span, label) {
  return `${label ? label.name : "?"} · ${shorten(span.text, 40)}`;
}

/** The caption with the span's whole text: an option's and a list's title say it all. */
export function spanName(span, label) {
  return `${label ? label.name : "?"} · ${span.text.replace(/\s+/g, " ")}`;
}

const whenIdle = window.requestIdleCallback || ((callback) => setTimeout(callback, 50));
// Up to this many choices a list is filled when the browser is idle; a longer one only when
// someone focuses or opens it (thousands of options rebuilt after every change would take the
// main thread from the next key press).
export const FILL_WHEN_IDLE = 300;

/**
 * A <select> of spans that fills its long list after the change is painted (or at once when
 * someone opens it): with hundreds of spans, redrawing every option on each change would cost
 * more than the change itself. `choices()` is read once, when the select is made.
 */
export function spanSelect({ id, current, noneLabel, choices, caption, name, disabled, onChange }) {
  const select = el("select", { id, disabled: disabled || null });
  const spans = choices();
  const fill = (all) => {
    const options = [el("option", { value: "", text: noneLabel })];
    for (const span of all ? spans : spans.filter((s) => s.key === current)) {
      options.push(el("option", { value: span.key, text: caption(span), title: name(span) }));
    }
    select.replaceChildren(...options);
    select.value = current || "";
    // A list shows its choice cut to its width: the title says the whole of it.
    select.title = select.selectedOptions[0]?.title || "";
  };
  fill(false);
  let filled = false;
  const fillAll = () => {
    if (filled) return;
    filled = true;
    fill(true);
  };
  select.addEventListener("focus", fillAll);
  select.addEventListener("mousedown", fillAll);
  if (spans.length <= FILL_WHEN_IDLE) {
    // At the latest after a second: a page kept busy (a save under way) may have no idle time.
    whenIdle(
      () => {
        if (select.isConnected) fillAll();
      },
      { timeout: 1000 },
    );
  }
  select.addEventListener("change", () => onChange(select.value || null));
  return select;
}

/** The "Selected" panel: the selected span's label, range and text. */
export function renderSelection(view, span, label) {
  const { empty, details, chip, range, quote } = view;
  empty.hidden = Boolean(span);
  details.hidden = !span;
  if (!span) return;
  chip.className = `chip lbl-${span.label}`;
  chip.textContent = label ? label.name : "?";
  range.textContent = `characters ${span.start}–${span.end}`;
  quote.textContent = span.text;
}

/** The claim panel for a selected claim span. */
export function renderClaim(view, { span, entities, labels, picking, editable, actions }) {
  view.panel.hidden = !span;
  if (!span) return;
  const replacement = spanSelect({
    id: "claimant-select",
    current: span.claimant,
    noneLabel: span.claimant_text ? "(a source not in the text)" : "(none)",
    choices: entities,
    caption: (entity) => spanCaption(entity, labels.get(entity.label)),
    name: (entity) => spanName(entity, labels.get(entity.label)),
    disabled: !editable,
    onChange: (key) => actions.setClaimant(key),
  });
  const hadFocus = document.activeElement === view.select;
  view.select.replaceWith(replacement);
  view.select = replacement;
  if (hadFocus) replacement.focus();
  view.pick.setAttribute("aria-pressed", String(picking));
  view.pick.textContent = picking ? "Click an entity… (Esc)" : "Pick in text";
  if (document.activeElement !== view.text) view.text.value = span.claimant_text || "";
  for (const button of view.checkworthy) {
    button.setAttribute("aria-pressed", String(button.dataset.checkworthy === span.checkworthy));
  }
}

/**
 * The stances panel: one block per target, one row per stance (by holder) plus a draft row
 * that becomes a stance once a value is chosen.
 */
export function renderStances(container, model) {
  if (!container) return;
  const focusedId = container.contains(document.activeElement) ? document.activeElement.id : null;
  const blocks = model.targets.map((target, index) => targetBlock(target, index, model));
  container.replaceChildren(...blocks);
  // The hint names the targets' keys: shown only where the targets are listed.
  const hint = document.getElementById("stance-hint");
  if (hint) hint.hidden = !blocks.length;
  const waiting = document.getElementById("stance-waiting");
  if (waiting) waiting.hidden = blocks.length > 0;
  if (focusedId) document.getElementById(focusedId)?.focus();
}

function targetBlock(target, index, model) {
  const rows = model.rowsOf(target.id);
  const active = model.active && model.active.target === target.id;
  const number = index < 9 ? String(index + 1) : null;
  const heading = el(
    "button",
    {
      type: "button",
      className: "target-name",
      id: `target-${target.id}`,
      "aria-pressed": String(active),
      "aria-keyshortcuts": number,
    },
    number ? el("kbd", { text: number }) : null,
    el("span", { text: target.name }),
  );
  heading.addEventListener("click", () => model.actions.activate(target.id, rows[0].key));
  const block = el(
    "section",
    { className: `target${active ? " active" : ""}`, dataset: { targetId: String(target.id) } },
    el("h3", {}, heading),
    target.description ? el("p", { className: "muted small", text: target.description }) : null,
    ...rows.map((row) => stanceRow(target, row, model)),
  );
  if (model.editable) {
    const add = el("button", {
      type: "button",
      className: "link-button small",
      id: `add-holder-${target.id}`,
      text: "+ Another holder",
    });
    add.addEventListener("click", () => model.actions.addDraft(target.id));
    block.append(add);
  }
  return block;
}

/** "Mark “…” as": a button per label the selected text may take to become the evidence. */
function evidencePicker({ evidencePick, evidenceLabels, actions }) {
  const group = el(
    "div",
    { className: "evidence-pick", role: "group", "aria-labelledby": "evidence-pick-heading" },
    el(
      "p",
      { className: "field-label", id: "evidence-pick-heading" },
      `Mark “${shorten(evidencePick.text)}” as the evidence with:`,
    ),
  );
  const buttons = el("div", { className: "segmented" });
  for (const label of evidenceLabels) {
    const button = el(
      "button",
      { type: "button", className: `value-button lbl-${label.id}`, dataset: { label: label.name } },
      el("span", { text: label.name }),
      label.shortcut ? el("kbd", { text: label.shortcut }) : null,
    );
    button.addEventListener("click", () => actions.evidenceAs(label.id));
    buttons.append(button);
  }
  const cancel = el("button", { type: "button", className: "link-button small", text: "Cancel (Esc)" });
  cancel.addEventListener("click", () => actions.cancelEvidence());
  buttons.append(cancel);
  group.append(buttons);
  return group;
}

function stanceRow(target, row, model) {
  const { actions, labels, editable } = model;
  const active = model.active && model.active.row === row.key;
  const values = el("div", {
    className: "segmented values",
    role: "group",
    "aria-label": `Stance on ${target.name}`,
  });
  const choices = model.stanceLabels.concat([null]);
  for (const label of choices) {
    const pressed = label ? row.label === label.id : !row.label;
    const button = el(
      "button",
      {
        type: "button",
        className: label ? `value-button lbl-${label.id}` : "value-button none",
        id: `value-${row.key}-${label ? label.id : "none"}`,
        "aria-pressed": String(pressed),
        disabled: !editable || null,
        dataset: { label: label ? label.name : "" },
      },
      el("span", { text: label ? label.name : "None" }),
      label && label.shortcut ? el("kbd", { text: label.shortcut }) : null,
      !label ? el("kbd", { text: "0" }) : null,
    );
    button.addEventListener("click", () => {
      actions.activate(target.id, row.key);
      actions.setStanceValue(target.id, row.key, label ? label.id : null);
    });
    values.append(button);
  }
  const holderSelect = spanSelect({
    id: `holder-${row.key}`,
    current: row.holder,
    noneLabel: "the document's author",
    choices: model.entities,
    caption: (span) => spanCaption(span, labels.get(span.label)),
    name: (span) => spanName(span, labels.get(span.label)),
    disabled: !editable,
    onChange: (key) => actions.setHolder(target.id, row.key, key),
  });
  const evidenceSelect = spanSelect({
    id: `evidence-${row.key}`,
    current: row.evidence,
    noneLabel: "(none)",
    choices: model.spans,
    caption: (span) => spanCaption(span, labels.get(span.label)),
    name: (span) => spanName(span, labels.get(span.label)),
    disabled: !editable,
    onChange: (key) => actions.setEvidence(target.id, row.key, key),
  });
  // Evidence is often a whole sentence, longer than any list is wide: said whole under it.
  const evidence = row.evidence ? model.spans().find((span) => span.key === row.evidence) : null;
  const picking = model.picking && model.picking.kind === "holder" && model.picking.row === row.key;
  const pick = el("button", {
    type: "button",
    className: "small",
    id: `holder-pick-${row.key}`,
    "aria-pressed": String(picking),
    disabled: !editable || null,
    text: picking ? "Click an entity… (Esc)" : "Pick in text",
  });
  pick.addEventListener("click", () => {
    actions.activate(target.id, row.key);
    actions.pickHolder();
  });
  const useSelection = el("button", {
    type: "button",
    className: "small keeps-selection",
    id: `evidence-use-${row.key}`,
    disabled: !editable || null,
    text: "Use selection",
  });
  useSelection.addEventListener("click", () => {
    actions.activate(target.id, row.key);
    actions.useEvidence();
  });
  const rowElement = el(
    "div",
    { className: `stance-row${active ? " active" : ""}`, dataset: { rowKey: row.key } },
    values,
    el(
      "div",
      { className: "field-row" },
      el("label", { for: holderSelect.id, text: "Held by" }),
      pick,
      holderSelect,
    ),
    el(
      "div",
      { className: "field-row" },
      el("label", { for: evidenceSelect.id, text: "Evidence" }),
      useSelection,
      evidenceSelect,
      evidence ? el("p", { className: "ref-text small", text: evidence.text }) : null,
    ),
    model.evidencePick && model.evidencePick.row === row.key ? evidencePicker(model) : null,
  );
  rowElement.addEventListener("focusin", () => {
    if (!(model.active && model.active.row === row.key)) actions.activate(target.id, row.key, false);
  });
  return rowElement;
}
