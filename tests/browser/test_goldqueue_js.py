"""goldqueue.js and retries.js, run in Chromium: the order, the stop on a refusal, the backoff.

The actions here answer from the page itself (no server), so each case says exactly when each
one is answered; tests/browser/test_goldqueue.py drives the same queue against the server."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)

# Scripts are part of the evaluated source: the page's CSP forbids eval in them.
ORDER = """async () => {
  const { GoldQueue } = await import('/static/annotations/goldqueue.js');
  const events = [];
  let drained = 0;
  const queue = new GoldQueue({
    onState: () => {},
    onStopped: () => events.push('stopped'),
    onDrained: () => { drained += 1; },
  });
  const answers = {};
  const action = (name) => ({
    name,
    run: () => {
      events.push(`sent ${name}`);
      return new Promise((resolve) => { answers[name] = resolve; });
    },
    done: (result) => events.push(`done ${name} ${result}`),
  });
  const tick = () => new Promise((resolve) => setTimeout(resolve, 0));
  for (const name of ['a', 'b', 'c']) queue.push(action(name));
  await tick();
  const whileFirst = [...events];
  const pendingWhileFirst = queue.pending.map((a) => a.name);
  answers.a(1);
  await tick();
  queue.push(action('d'));  // pushed while b is under way: after c
  answers.b(2);
  await tick();
  answers.c(3);
  await tick();
  answers.d(4);
  await queue.drained();
  return { whileFirst, pendingWhileFirst, events, drained, idle: queue.idle };
}"""

REFUSAL = """async () => {
  const { GoldQueue } = await import('/static/annotations/goldqueue.js');
  const { ApiError } = await import('/static/annotations/api.js');
  const sent = [];
  let stopped = null;
  const queue = new GoldQueue({
    onState: () => {},
    onStopped: (error, refused, unsent) => {
      stopped = { status: error.status, refused: refused.name, unsent: unsent.map((a) => a.name) };
    },
    onDrained: () => {},
  });
  const action = (name, refuse) => ({
    name,
    run: async () => {
      sent.push(name);
      if (refuse) throw new ApiError(400, { detail: 'No.' });
      return name;
    },
  });
  queue.push(action('first'));
  queue.push(action('second', true));
  queue.push(action('third'));
  queue.push(action('fourth'));
  await queue.drained();
  const afterStop = [...sent];
  queue.push(action('fifth'));  // a new push after the stop is sent as usual
  await queue.drained();
  return { afterStop, stopped, sent };
}"""

DELAYS = """async () => {
  const retries = await import('/static/annotations/retries.js');
  const { retryDelay, FIRST_RETRY_MS, MAX_RETRY_MS } = retries;
  const at = (failures, random) => Math.round(retryDelay(failures, () => random));
  return {
    first: FIRST_RETRY_MS, max: MAX_RETRY_MS,
    middle: [1, 2, 3, 4, 5, 6, 7, 8].map((n) => at(n, 0.5)),
    low: at(1, 0), high: at(1, 0.999999), cappedHigh: at(20, 0.999999),
  };
}"""


@pytest.fixture
def blank(live_server, page):
    page.goto(f"{live_server.url}/accounts/login/")
    return page


def test_actions_are_sent_one_at_a_time_in_the_order_pushed(blank):
    result = blank.evaluate(ORDER)
    assert result["whileFirst"] == ["sent a"]  # b and c wait for a's answer
    assert result["pendingWhileFirst"] == ["a", "b", "c"]
    assert result["events"] == [
        "sent a",
        "done a 1",
        "sent b",
        "done b 2",
        "sent c",
        "done c 3",
        "sent d",
        "done d 4",
    ]
    assert result["drained"] == 1  # told once, when the last was answered
    assert result["idle"] is True


def test_a_refusal_stops_the_queue_and_hands_back_every_action_not_sent(blank):
    result = blank.evaluate(REFUSAL)
    assert result["afterStop"] == ["first", "second"]
    assert result["stopped"] == {"status": 400, "refused": "second", "unsent": ["third", "fourth"]}
    assert result["sent"] == ["first", "second", "fifth"]


def test_the_retry_backoff_doubles_from_half_a_second_to_fifteen_jittered(blank):
    result = blank.evaluate(DELAYS)
    assert (result["first"], result["max"]) == (500, 15000)
    assert result["middle"] == [500, 1000, 2000, 4000, 8000, 15000, 15000, 15000]
    assert result["low"] == 400 and result["high"] == 600  # ±20%
    assert result["cappedHigh"] == 18000
