// Background work (a release's build, an import job) as the pages show it: ask the API every
// second until the work is over, and draw its status and progress bar.

import { ApiError, request } from "./api.js";

export const POLL_INTERVAL = 1000;
// While the server cannot be reached, ask less and less often, up to this.
const MAX_DELAY = 30000;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * GET `url` every `interval` ms, calling `onUpdate(data)` with each answer, until
 * `isOver(data)`; resolve to that last answer. A retryable failure (network, 5xx) calls
 * `onTrouble(error)` and tries again later; any other (404: the work was deleted) rejects.
 */
export async function follow(url, { isOver, onUpdate, onTrouble, interval = POLL_INTERVAL }) {
  let delay = interval;
  for (;;) {
    try {
      const { data } = await request("GET", url);
      onUpdate(data);
      if (isOver(data)) return data;
      delay = interval;
    } catch (error) {
      if (!(error instanceof ApiError) || !error.retryable) throw error;
      if (onTrouble) onTrouble(error);
      delay = Math.min(delay * 2, MAX_DELAY);
    }
    await sleep(delay);
  }
}

/** A count as people read it: 12,500. */
export const number = (value) => Number(value || 0).toLocaleString("en-US");

/**
 * Draw one piece of work's state into the `[data-role]` elements under `root`: the status
 * badge, the progress bar (shown while `active`; indeterminate without a total) with its
 * text, and the error. Every string is set as text.
 */
export function drawProgress(root, { status, label, active, done, total, text, error }) {
  const part = (role) => root.querySelector(`[data-role="${role}"]`);
  root.dataset.status = status;
  const badge = part("status");
  if (badge) {
    badge.className = `state state-${status}`;
    badge.textContent = label;
  }
  const progress = part("progress");
  if (progress) progress.hidden = !active;
  const bar = part("bar");
  if (bar) {
    if (total > 0) {
      bar.max = total;
      bar.value = Math.min(done, total);
    } else {
      bar.removeAttribute("value");
    }
  }
  const progressText = part("progress-text");
  if (progressText) progressText.textContent = text || "";
  const failure = part("error");
  if (failure) {
    failure.hidden = !error;
    failure.textContent = error || "";
  }
}

/** "2024-06-01 12:00 UTC" from the API's ISO time, as the server renders it (partials/when.html). */
export function utcMinute(iso) {
  const time = document.createElement("time");
  time.dateTime = iso;
  const [day, minute] = new Date(iso).toISOString().slice(0, 16).split("T");
  const parts = [day, `${minute} UTC`].map((text) => {
    const part = document.createElement("span");
    part.textContent = text;
    return part;
  });
  time.append(parts[0], " ", parts[1]);
  return time;
}
