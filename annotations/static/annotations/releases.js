// The releases pages. Managers create a release with the form (a POST to the API; the new row
// joins the list), and every release still queued or building, in the list or on its own
// page, shows its progress, asked for every second, until it is ready or has failed. The
// release page then reloads, since the server draws the data card. The form's status line
// follows the release it created: queued, building, then ready or failed.

import { request } from "./api.js";
import { drawProgress, follow, number, utcMinute } from "./background.js";
import { clearErrors, showErrors } from "./formerrors.js";

// A stalled build is re-queued by the sweeper (requeue_stalled): keep following it.
const ACTIVE = new Set(["queued", "building", "stalled"]);
const STATUS_LABELS = {
  queued: "Queued",
  building: "Building",
  stalled: "Stalled",
  ready: "Ready",
  failed: "Failed",
};
export const WAITING = "waiting for a worker";
export const SNAPSHOT = "taking the snapshot";
export const GONE = "This release is gone (deleted meanwhile).";

/** Draw a release's status, progress and, in a list row, its document count. */
export function drawRelease(root, release) {
  const { done, total } = release.progress;
  let text = WAITING;
  if (release.status === "building") {
    text = total ? `${Math.round((done / total) * 100)}%` : SNAPSHOT;
  }
  drawProgress(root, {
    status: release.status,
    label: STATUS_LABELS[release.status] || release.status,
    active: ACTIVE.has(release.status),
    done: release.status === "building" ? done : 0,
    total: release.status === "building" ? total : 0,
    text,
    error: release.status === "failed" ? release.error : "",
  });
  const documents = root.querySelector('[data-role="documents"]');
  if (documents && release.status === "ready") documents.textContent = number(release.document_count);
}

/** What the form's status line says of the release it created. */
export function formStatus(release) {
  const name = `“${release.name}”`;
  if (release.status === "ready") return `${name} is ready: ${number(release.document_count)} documents.`;
  if (release.status === "failed") return `${name} failed: ${release.error}`;
  if (release.status === "building") return `${name} is building.`;
  return `${name} is ${release.status}.`;
}

async function watch(root, onUpdate = () => {}) {
  try {
    await follow(root.dataset.url, {
      isOver: (release) => !ACTIVE.has(release.status),
      onUpdate: (release) => {
        drawRelease(root, release);
        onUpdate(release);
      },
    });
  } catch (error) {
    const failure = root.querySelector('[data-role="error"]');
    failure.textContent = error.status === 404 ? GONE : error.message;
    failure.hidden = false;
    return;
  }
  if (root.dataset.reloadWhenOver !== undefined) window.location.reload();
}

function addRow(release) {
  const template = document.getElementById("release-row");
  const row = template.content.querySelector("tr").cloneNode(true);
  row.dataset.releaseId = release.id;
  row.dataset.url = release.url;
  const name = row.querySelector('[data-role="name"]');
  name.href = `/releases/${release.id}/`;
  name.textContent = release.name;
  row.querySelector('[data-role="formats"]').textContent = release.formats.join(", ");
  row.querySelector('[data-role="created-by"]').textContent = release.created_by ? `by ${release.created_by}` : "";
  row.querySelector('[data-role="created-at"]').replaceChildren(utcMinute(release.created_at));
  row.querySelector('[data-role="bar"]').setAttribute("aria-label", `Build progress of ${release.name}`);
  drawRelease(row, release);
  document.querySelector("#release-list tbody").prepend(row);
  document.getElementById("no-releases").hidden = true;
  return row;
}

// The split and its seed, each only when filled in (a seed alone is refused by the API,
// which says so under the field).
function splitOf(form) {
  const split = form.elements.namedItem("split").value.trim();
  const seed = form.elements.namedItem("seed").value.trim();
  return { ...(split ? { split } : {}), ...(seed ? { seed: Number(seed) } : {}) };
}

function wireForm(form) {
  const button = form.querySelector('button[type="submit"]');
  const status = form.querySelector('[data-role="form-status"]');
  const nameInput = form.elements.namedItem("name");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const formats = [...form.querySelectorAll('input[name="formats"]:checked')].map((box) => box.value);
    button.disabled = true;
    status.textContent = "Creating…";
    try {
      const reviewedOnly = form.elements.namedItem("reviewed_only").checked;
      const body = { name: nameInput.value, formats, ...splitOf(form), reviewed_only: reviewedOnly };
      const { data } = await request("POST", form.dataset.url, body);
      nameInput.value = "";
      status.textContent = formStatus(data);
      status.dataset.release = data.id;
      // Only the latest release created speaks in the status line.
      watch(addRow(data), (release) => {
        if (status.dataset.release === String(release.id)) status.textContent = formStatus(release);
      });
    } catch (error) {
      status.textContent = "";
      showErrors(form, error);
    } finally {
      button.disabled = false;
    }
  });
  // Until this module runs, a click would submit the form natively (a plain reload).
  form.classList.add("ready");
}

const form = document.getElementById("release-form");
if (form) wireForm(form);
for (const root of document.querySelectorAll("[data-release-id][data-url]")) {
  if (ACTIVE.has(root.dataset.status)) watch(root);
}
