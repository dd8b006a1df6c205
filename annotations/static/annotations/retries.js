// Retrying a write that failed for a passing reason: which failures, how long to wait, the wait.
//
// One backoff for every queue that writes from the browser, so that they behave alike under a
// failing network or server: the annotate page's save queue (savequeue.js) and the review
// page's gold actions (goldqueue.js). The first retry comes after about half a second, each one
// after waits twice as long, up to 15 s; every wait is jittered by ±20% so that tabs that
// failed together do not all come back in the same instant. The browser coming back online
// ends a wait at once.
//
// A retry is only safe because it is the same request: the callers resend it under its
// Idempotency-Key (api.js), so a write whose answer was lost applies once.

import { ApiError } from "./api.js";

export const FIRST_RETRY_MS = 500;
export const MAX_RETRY_MS = 15000;

/** The wait before retry number `failures` (1 for the first): doubling, capped, jittered ±20%. */
export function retryDelay(failures, random = Math.random) {
  const delay = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** (Math.max(1, failures) - 1));
  return delay * (0.8 + random() * 0.4);
}

/** Worth sending again as it is: no answer, a timeout, a 5xx, a throttle or a lapsed session. */
export function isTransient(error) {
  return error instanceof ApiError && error.retryable;
}

/** Waits between retries; coming back online (or `wakeUp()`) ends the current one early. */
export class RetryWait {
  constructor() {
    this.wake = null;
    window.addEventListener("online", () => this.wakeUp());
  }

  /** Resolve after `ms`, or sooner when woken. */
  sleep(ms) {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  wakeUp() {
    if (this.wake) this.wake();
  }
}
