// The settings page's label forms: a field meant for one kind of label (a relation label's
// "Starts at" / "Ends at") is shown only while its form's kind select names that kind, and
// is disabled otherwise so the form does not send it (the server renders the same state;
// the label service judges whatever is sent).

function follow(form) {
  const kind = form.querySelector("[data-kind-select]");
  if (!kind) return;
  const apply = () => {
    for (const cell of form.querySelectorAll("[data-for-kind]")) {
      const shown = kind.value === cell.dataset.forKind;
      cell.hidden = !shown;
      for (const control of cell.querySelectorAll("select, input")) control.disabled = !shown;
    }
  };
  kind.addEventListener("change", apply);
  apply();
}

for (const form of document.querySelectorAll("form")) follow(form);
