// The Matches panel of the annotate page: "has this claim been checked before?" With a claim
// highlight selected, the `matches` key of the keyboard map (keys.js; i) asks the API
// (/api/spans/{s}/matches/) for the most similar claims of the project's other documents and
// lists them, best first: text, document, claimant, verdict and whether it is in a cluster.
// "Use as evidence" on a match adds the matched claim's passage (its document and offsets) to
// the open claim record (claimrecord.js listens for the event).
// Each match has a "Same claim" button (Tab to it, Enter or a click): it stores a confirmed
// claim link (POST /api/projects/{p}/claim-links/), which puts both claims in one cluster,
// and reads the matches again so the panel shows the cluster the server now holds.
// Text is set with textContent only. The module wires itself when imported.

import { request } from "./api.js";
import { KEYMAP, isTyping, keyAction } from "./keys.js";

export const SELECT_A_CLAIM = "Select a claim highlight first.";
export const NOT_SAVED_YET = "This claim is not saved yet: ask again in a moment.";
export const NO_MATCHES = "No similar claim in the project's other documents yet.";
export const LINKED = "Linked as the same claim: both are in one cluster now.";
export const SAME_CLAIM = "Same claim";

const panel = document.getElementById("matches-panel");

function make(tag, className, text) {
  const element = document.createElement(tag);
  if (className) element.className = className;
  if (text !== undefined) element.textContent = text;
  return element;
}

function show(status) {
  const line = panel.querySelector("#matches-status");
  line.textContent = status;
  line.hidden = !status;
}

function selectedClaim() {
  const span = document.querySelector("#document-text .selected[data-span-id]");
  const claimPanel = document.getElementById("claim-panel");
  if (!span || !claimPanel || claimPanel.hidden) return null;
  if (!span.dataset.spanId) return { pending: true };
  return { id: Number(span.dataset.spanId) };
}

function render(claimId, results) {
  const list = panel.querySelector("#matches-list");
  list.replaceChildren();
  for (const match of results) {
    const item = make("li", "match");
    item.dataset.spanId = String(match.span_id);
    item.append(make("blockquote", "quote", match.text));
    const facts = [`document ${match.external_id || match.document_id}`];
    if (match.claimant) facts.push(`said by ${match.claimant}`);
    if (match.similarity !== null) facts.push(`similarity ${match.similarity.toFixed(2)}`);
    item.append(make("p", "muted small", facts.join(" · ")));
    if (match.verdict) item.append(make("span", "chip verdict", `Verdict: ${match.verdict}`));
    if (match.cluster_id !== null) item.append(make("span", "chip cluster", "in a cluster"));
    const same = make("button", "secondary small same-claim", SAME_CLAIM);
    same.type = "button";
    same.setAttribute("aria-label", `${SAME_CLAIM} as: ${match.text}`);
    same.addEventListener("click", () => link(claimId, match.span_id, same));
    item.append(same);
    const use = make("button", "small use-evidence", "Use as evidence");
    use.type = "button";
    use.addEventListener("click", () => useAsEvidence(match));
    item.append(" ", use);
    list.append(item);
  }
  list.hidden = results.length === 0;
  show(results.length ? "" : NO_MATCHES);
}

/** Hand the matched claim's passage to the open claim record (claimrecord.js). */
function useAsEvidence(match) {
  const passage = { document: match.document_id, start: match.start, end: match.end, text: match.text };
  document.dispatchEvent(new CustomEvent("claimrecord:evidence", { detail: passage }));
}

async function showMatches() {
  const claim = selectedClaim();
  panel.scrollIntoView({ block: "nearest" });
  if (!claim) return show(SELECT_A_CLAIM);
  if (claim.pending) return show(NOT_SAVED_YET);
  show("Looking for matches…");
  try {
    const { data } = await request("GET", `/api/spans/${claim.id}/matches/`);
    render(claim.id, data.results);
  } catch (error) {
    show(`Matches could not be read: ${error.message}`);
  }
}

async function link(claimId, matchId, button) {
  button.disabled = true;
  try {
    await request("POST", panel.dataset.linksUrl, { first: claimId, second: matchId });
    const { data } = await request("GET", `/api/spans/${claimId}/matches/`);
    render(claimId, data.results);
    show(LINKED);
    const item = panel.querySelector(`#matches-list .match[data-span-id="${matchId}"]`);
    if (item) item.querySelector(".same-claim")?.focus();
  } catch (error) {
    button.disabled = false;
    show(`The link could not be stored: ${error.message}`);
  }
}

if (panel) {
  const entries = KEYMAP.annotate;
  document.addEventListener("keydown", (event) => {
    if (document.querySelector("dialog[open]") || isTyping(event.target)) return;
    if (keyAction(entries, event) !== "matches") return;
    event.preventDefault();
    showMatches();
  });
}
