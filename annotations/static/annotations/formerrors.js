// A refused API request's messages, each under the form field it names: the same places and
// markup as the server-rendered forms (`.field-errors`, `.errorlist`), as text only.

const GENERAL = "non_field_errors";

/** Take every error message and error mark off the form. */
export function clearErrors(form) {
  for (const box of form.querySelectorAll("[data-errors-for]")) {
    box.replaceChildren();
    box.hidden = true;
  }
  for (const cell of form.querySelectorAll(".has-error")) cell.classList.remove("has-error");
}

/**
 * Show an ApiError (or `{body: {errors}}`) on the form: each `errors` entry under its field
 * (`formats.1` under `formats`), the rest, or the detail alone, above the fields.
 */
export function showErrors(form, error) {
  const errors = (error.body && error.body.errors) || {};
  const general = form.querySelector(`[data-errors-for="${GENERAL}"]`);
  let shown = false;
  for (const [key, messages] of Object.entries(errors)) {
    const field = key.split(".")[0];
    const box = form.querySelector(`[data-errors-for="${CSS.escape(field)}"]`) || general;
    append(box, [].concat(messages));
    const cell = box.closest(".field-cell");
    if (cell) cell.classList.add("has-error");
    shown = true;
  }
  if (!shown) append(general, [error.message || String(error)]);
}

function append(box, messages) {
  let list = box.querySelector(".errorlist");
  if (!list) {
    list = document.createElement("ul");
    list.className = "errorlist";
    box.append(list);
  }
  for (const message of messages) {
    const item = document.createElement("li");
    item.textContent = typeof message === "string" ? message : JSON.stringify(message);
    list.append(item);
  }
  box.hidden = false;
}
