// The review queue of suggested claim matches, keyboard-first: j/k move the selection,
// y confirms ("same claim"), n rejects; each decision is PATCHed to the API
// (/api/claim-links/{id}/) and the selection moves on to the next undecided match.
// Page-local keys: the queue listens only while no form field has the focus.

import { request } from "./api.js";

const list = document.getElementById("link-queue");
const errorBox = document.getElementById("queue-error");
const count = document.getElementById("queue-count");
const WORDS = { confirmed: "Same claim", rejected: "Not the same" };

function rows() {
  return Array.from(list.querySelectorAll(".link-row"));
}

function selected() {
  return list.querySelector('.link-row[aria-selected="true"]');
}

function select(row) {
  if (!row) return;
  for (const other of rows()) other.setAttribute("aria-selected", String(other === row));
  row.scrollIntoView({ block: "nearest" });
}

function move(step) {
  const all = rows();
  const index = all.indexOf(selected());
  select(all[Math.min(all.length - 1, Math.max(0, index + step))]);
}

function pending() {
  return rows().filter((row) => row.dataset.status === "suggested");
}

async function decide(row, status) {
  if (!row || row.dataset.busy) return;
  row.dataset.busy = "1";
  errorBox.hidden = true;
  try {
    await request("PATCH", row.dataset.url, { status });
    row.dataset.status = status;
    row.querySelector("[data-decision]").textContent = WORDS[status];
    count.textContent = String(pending().length);
    const next = pending().find((other) => rows().indexOf(other) > rows().indexOf(row));
    select(next || pending()[0] || row);
  } catch (error) {
    errorBox.textContent = `Not saved: ${error.message}`;
    errorBox.hidden = false;
  } finally {
    delete row.dataset.busy;
  }
}

function typing(target) {
  return target instanceof HTMLElement && target.closest("input, textarea, select, [contenteditable]");
}

if (list) {
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    const actions = {
      j: () => move(1),
      k: () => move(-1),
      y: () => decide(selected(), "confirmed"),
      n: () => decide(selected(), "rejected"),
    };
    const action = actions[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  });
  list.addEventListener("click", (event) => {
    const row = event.target.closest(".link-row");
    if (!row) return;
    select(row);
    const button = event.target.closest("[data-decide]");
    if (button) decide(row, button.dataset.decide);
  });
}
