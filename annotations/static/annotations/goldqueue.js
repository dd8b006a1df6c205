// The review page's writes to gold, queued: sent in order, one at a time, and none dropped.
//
// A reviewer presses "✓ gold" (Enter, a click, an Accept button) faster than the server
// answers. Each press is an action pushed here and sent once every action before it is
// answered, so each one is sent with the gold's version the one before it left.
//
// What happens when a request does not simply succeed:
// - A passing failure (no answer, a timeout, a 5xx, a throttle, a lapsed session) or a 2xx
//   whose body was cut off: the same request is sent again under the same Idempotency-Key
//   (the server applies it once and answers again what it answered), after the save queue's
//   backoff (retries.js), and the status says "retrying" meanwhile. The queue waits for it.
// - A refusal (any other 4xx, a 409 included): that action is not done, and the ones queued
//   after it are not sent, since each may depend on it (an accept that replaced spans, gold
//   marked reviewed). The queue empties and tells the page which actions were not done, by
//   name (hooks.onStopped); actions pushed afterwards are sent as usual.
//
// The page hears of each answer (the action's `done`, where it takes in the new gold without
// drawing it) and once when the queue is empty (hooks.onDrained, where it draws it all once):
// a burst of fifteen accepts redraws the page once, not fifteen times.

import { AnswerLost, request, requestTimeoutMs, newIdempotencyKey } from "./api.js";
import { RetryWait, isTransient, retryDelay } from "./retries.js";

export class GoldQueue {
  /**
   * @param {object} hooks  onState(state, error) with "saving", "failed" or "slow";
   *   onStopped(error, refused, unsent): `refused` the action the server refused (or that
   *   failed), `unsent` the actions after it, never sent; onDrained() once the queue is empty.
   */
  constructor(hooks) {
    this.hooks = hooks;
    this.actions = [];
    this.running = false;
    this.waits = new RetryWait();
    this.waiters = [];
  }

  /** Nothing waiting and nothing under way. */
  get idle() {
    return !this.running && this.actions.length === 0;
  }

  /** The actions not answered yet, the one under way first. */
  get pending() {
    return [...this.actions];
  }

  /**
   * Queue `action` and start sending. An action is {name, run(send), done(result)}: `name` says
   * what it is ("ana's ORG “Bamako”"), `run` makes its requests through `send(method, url,
   * body)` and resolves to its result (null: nothing was written), `done` takes the result.
   */
  push(action) {
    this.actions.push(action);
    this._pump();
  }

  /** Resolves once the queue is empty. */
  drained() {
    if (this.idle) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  async _pump() {
    if (this.running) return;
    this.running = true;
    while (this.actions.length) {
      const action = this.actions[0];
      let result;
      try {
        result = await action.run((method, url, body) => this._send(action, method, url, body));
      } catch (error) {
        const [refused, ...unsent] = this.actions;
        this.actions = [];
        this.hooks.onStopped(error, refused, unsent);
        break;
      }
      this.actions.shift();
      if (result !== null && action.done) action.done(result);
    }
    this.running = false;
    this.hooks.onDrained();
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }

  /**
   * One request of `action`, sent until it is answered: a passing failure is retried with the
   * same Idempotency-Key (one key per distinct request of the action), a refusal thrown.
   */
  async _send(action, method, url, body) {
    action.keys = action.keys || new Map();
    const sent = JSON.stringify([method, url, body]);
    if (!action.keys.has(sent)) action.keys.set(sent, newIdempotencyKey());
    const options = { idempotencyKey: action.keys.get(sent), timeoutMs: requestTimeoutMs() };
    let failures = 0;
    for (;;) {
      try {
        const answer = await request(method, url, body, options);
        if (failures) this.hooks.onState("saving");
        return answer;
      } catch (error) {
        if (!(isTransient(error) || error instanceof AnswerLost)) throw error;
        failures++;
        this.hooks.onState(error.timedOut ? "slow" : "failed", error);
        await this.waits.sleep(retryDelay(failures));
      }
    }
  }
}
