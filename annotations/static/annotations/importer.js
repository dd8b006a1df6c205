// The import page. The file goes to the import API as multipart; a small file answers with
// its report at once, a large one with an import job (202), followed every second (in the
// panel and in the list of background imports) until its report is ready. The report is drawn
// with text nodes only: a file's own strings (external ids, messages) never become markup.

import { request } from "./api.js";
import { drawProgress, follow, number, utcMinute } from "./background.js";
import { clearErrors, showErrors } from "./formerrors.js";

// A stalled job (its worker died) is already queued again: it is followed on, as active.
const ACTIVE = new Set(["queued", "running", "stalled"]);
const RESUMABLE = new Set(["failed", "stalled"]);
const STATUS_LABELS = { queued: "Queued", running: "Running", stalled: "Stalled", done: "Done", failed: "Failed" };
// Rows drawn per part of a report; the API's report (and the job's) has them all.
export const MAX_ROWS = 100;
export const CHOOSE_A_FILE = "Choose a file to import.";
export const NOTHING_IMPORTED = "Nothing was imported.";
const PARTS = [
  ["errors", "Errors: lines that stored nothing", ["Line", "Message"], (e) => [e.line, e.message]],
  ["warnings", "Warnings", ["Line", "Message"], (e) => [e.line, e.message]],
  [
    "duplicates",
    "Duplicates: already in the project, not stored again",
    ["Line", "External id", "Same text as document"],
    (e) => [e.line, e.external_id, `#${e.duplicate_of}`],
  ],
  ["labels_created", "Labels created", ["Label", "Kind", "Id"], (e) => [e.name, e.kind, `#${e.id}`]],
  [
    "repaired",
    "Repaired before storing",
    ["Line", "External id", "Repairs"],
    (e) => [e.line, e.external_id, (e.repairs || []).join(", ")],
  ],
  ["created", "Created", ["Line", "External id", "Document"], (e) => [e.line, e.external_id, `#${e.id}`]],
];
const COUNTS = [
  ["created", "Created"],
  ["duplicates", "Duplicates"],
  ["repaired", "Repaired"],
  ["warnings", "Warnings"],
  ["errors", "Errors"],
];
// Columns a part has only when the import's options put the key in its entries
// (on_duplicate=attach: what a duplicate's pre-annotations became).
const OPTIONAL_COLUMNS = {
  duplicates: ["attached", "Pre-annotations attached as", (e) => e.attached ?? "not attached"],
};
// Counts shown only when the report has the key (create_labels=1).
const OPTIONAL_COUNTS = [["labels_created", "Labels created"]];

const form = document.getElementById("import-form");
const panel = document.getElementById("import-status");
const reportBox = document.getElementById("import-report");
const jobList = document.querySelector("#job-list tbody");
const panelPart = (role) => panel.querySelector(`[data-role="${role}"]`);

function element(tag, text, attributes = {}) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  return node;
}

/** Draw an import report: the counts, then each non-empty part as a table. */
export function drawReport(box, report) {
  const counts = element("dl", null, { class: "report-counts" });
  for (const [key, title] of [...COUNTS, ...OPTIONAL_COUNTS.filter(([key]) => key in report)]) {
    const item = element("div", null, { "data-count": key });
    item.append(element("dt", title), element("dd", number((report[key] || []).length)));
    counts.append(item);
  }
  const parts = [counts];
  for (const [key, title, headings, cells] of PARTS) {
    const entries = report[key] || [];
    if (!entries.length) continue;
    const optional = OPTIONAL_COLUMNS[key];
    const withOptional = optional && entries.some((entry) => optional[0] in entry);
    const columns = withOptional ? [...headings, optional[1]] : headings;
    const section = element("section", null, { "data-section": key, class: "report-part" });
    section.append(element("h3", `${title} (${number(entries.length)})`));
    const table = element("table", null, { class: "data compact" });
    const head = element("tr");
    for (const heading of columns) head.append(element("th", heading, { scope: "col" }));
    table.append(element("thead"));
    table.tHead.append(head);
    const body = element("tbody");
    for (const entry of entries.slice(0, MAX_ROWS)) {
      const row = element("tr");
      const values = withOptional ? [...cells(entry), optional[2](entry)] : cells(entry);
      for (const value of values) row.append(element("td", value ?? ""));
      body.append(row);
    }
    table.append(body);
    section.append(table);
    if (entries.length > MAX_ROWS) {
      const more = number(entries.length - MAX_ROWS);
      section.append(element("p", `… and ${more} more (the API's report lists them all).`, { class: "muted small" }));
    }
    parts.push(section);
  }
  box.replaceChildren(...parts);
}

function showPanel(name) {
  panel.hidden = false;
  panelPart("file-name").textContent = name;
  reportBox.replaceChildren();
}

function drawPanel(status, label, sentence, progress = {}) {
  drawProgress(panel, { status, label, ...progress });
  panelPart("status-text").textContent = sentence;
}

function jobProgress(job) {
  const { done, total, created, duplicates, errors } = job.progress;
  return `${number(done)} of ${number(total)} records: ${number(created)} created, ${number(duplicates)} duplicates, ${number(errors)} errors`;
}

/** Draw a job's status, progress, counts and buttons into its row of the list. */
function drawJob(row, job) {
  drawProgress(row, {
    status: job.status,
    label: STATUS_LABELS[job.status] || job.status,
    active: ACTIVE.has(job.status),
    done: job.progress.done,
    total: job.progress.total,
    text: `${number(job.progress.done)} of ${number(job.progress.total)}`,
    error: RESUMABLE.has(job.status) ? job.error : "",
  });
  for (const key of ["created", "duplicates", "errors"]) {
    row.querySelector(`[data-role="${key}"]`).textContent = number(job.progress[key]);
  }
  row.querySelector('[data-action="report"]').hidden = job.status !== "done";
  row.querySelector('[data-action="resume"]').hidden = !RESUMABLE.has(job.status);
}

function jobRow(job) {
  const found = jobList.querySelector(`tr[data-job-id="${job.id}"]`);
  if (found) return found;
  const row = document.getElementById("job-row").content.querySelector("tr").cloneNode(true);
  row.dataset.jobId = job.id;
  row.dataset.url = job.url;
  row.querySelector('[data-role="name"]').textContent = job.name || "JSON body";
  row.querySelector('[data-role="created-by"]').textContent = job.created_by ? `by ${job.created_by}` : "";
  row.querySelector('[data-role="created-at"]').replaceChildren(utcMinute(job.created_at));
  jobList.prepend(row);
  document.getElementById("no-jobs").hidden = true;
  return row;
}

/** Follow a job in its row of the list and, when `inPanel`, in the panel, to its report. */
async function followJob(url, { inPanel }) {
  let row = null;
  const update = (job) => {
    row = row || jobRow(job);
    drawJob(row, job);
    if (!inPanel) return;
    const label = STATUS_LABELS[job.status] || job.status;
    const active = ACTIVE.has(job.status);
    const sentence =
      job.status === "queued"
        ? "Waiting for a worker."
        : job.status === "stalled"
          ? `Its worker stopped; queued again, it resumes where it stopped. ${jobProgress(job)}`
          : jobProgress(job);
    drawPanel(job.status, label, sentence, {
      active,
      done: job.progress.done,
      total: job.status === "queued" ? 0 : job.progress.total,
      text: job.progress.total ? `${Math.round((job.progress.done / job.progress.total) * 100)}%` : "",
    });
  };
  let job;
  try {
    job = await follow(url, { isOver: (data) => !ACTIVE.has(data.status), onUpdate: update });
  } catch (error) {
    if (inPanel) drawPanel("failed", "Failed", error.message);
    return;
  }
  if (!inPanel) return;
  if (job.status === "done") {
    drawPanel("done", "Done", `Imported in the background: ${jobProgress(job)}.`);
    drawReport(reportBox, job.report);
  } else {
    drawPanel("failed", "Failed", job.error || "The import failed.");
  }
}

function verdict(status, report) {
  if (status === 201) return "Imported.";
  if (report.errors && report.errors.length) return "Nothing was imported: every document was refused.";
  return "Nothing new: every document is already in the project.";
}

async function upload(event) {
  event.preventDefault();
  clearErrors(form);
  const file = form.elements.namedItem("file").files[0];
  if (!file) {
    showErrors(form, { body: { errors: { file: [CHOOSE_A_FILE] } } });
    return;
  }
  const query = new URLSearchParams();
  if (form.elements.namedItem("normalize").checked) query.set("normalize", "nfc");
  if (form.elements.namedItem("collapse_repeats").checked) query.set("collapse_repeats", "1");
  const offsets = form.elements.namedItem("offsets").value;
  if (offsets !== "auto") query.set("offsets", offsets);
  // The API's names and defaults: only what differs from a default is sent.
  const annotateAs = form.elements.namedItem("annotate_as").value;
  if (annotateAs !== "prediction") query.set("as", annotateAs);
  const onDuplicate = form.elements.namedItem("on_duplicate").value;
  if (onDuplicate !== "skip") query.set("on_duplicate", onDuplicate);
  if (form.elements.namedItem("create_labels").checked) query.set("create_labels", "1");
  const body = new FormData();
  body.append("file", file, file.name);
  const button = form.querySelector('button[type="submit"]');
  button.disabled = true;
  showPanel(file.name);
  drawPanel("queued", "Uploading", `Sending ${number(file.size)} bytes…`, { active: true, total: 0 });
  try {
    const suffix = query.toString() ? `?${query}` : "";
    const { status, data } = await request("POST", `${form.dataset.url}${suffix}`, body);
    if (status === 202) {
      button.disabled = false;
      await followJob(data.job, { inPanel: true });
      return;
    }
    drawPanel("done", "Done", verdict(status, data));
    drawReport(reportBox, data);
  } catch (error) {
    if (error.status === 400 && Array.isArray(error.body.created)) {
      // Every line refused: the answer is a report, not a request error.
      drawPanel("failed", "Refused", verdict(400, error.body));
      drawReport(reportBox, error.body);
    } else {
      // The refusal itself is said once, under the field at fault (or above the fields).
      drawPanel("failed", "Refused", NOTHING_IMPORTED);
      showErrors(form, error);
    }
  } finally {
    button.disabled = false;
  }
}

async function onJobButton(event) {
  const button = event.target.closest("button[data-action]");
  if (!button) return;
  const row = button.closest("tr");
  showPanel(row.querySelector('[data-role="name"]').textContent);
  panel.scrollIntoView({ block: "start" });
  try {
    if (button.dataset.action === "resume") {
      await request("POST", `${row.dataset.url}resume/`);
    }
    await followJob(row.dataset.url, { inPanel: true });
  } catch (error) {
    drawPanel("failed", "Failed", error.message);
  }
}

form.addEventListener("submit", upload);
// Until this module runs, a click would submit the form natively (a plain reload).
form.classList.add("ready");
jobList.addEventListener("click", onJobButton);
for (const row of jobList.querySelectorAll("tr[data-url]")) {
  if (ACTIVE.has(row.dataset.status)) followJob(row.dataset.url, { inPanel: false });
}
