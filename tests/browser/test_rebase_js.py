"""rebase.js, run in Chromium: what each waiting change becomes after the annotation changed
elsewhere. The server's state is written out case by case; the verdicts are the module's."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)

CLIENT_ID = "0b5f9c1e-2f6a-4c3d-9a8b-7e6d5c4b3a21"
NEW_KEY = "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b"
LABELS = {1: ("PER", "entity"), 2: ("LOC", "entity"), 3: ("ORG", "entity"), 4: ("CLAIM", "claim")}
LABELS.update({5: ("FAVOR", "stance"), 6: ("AGAINST", "stance")})
TARGETS = {7: "the talks"}


def span(key: str, label: int, start: int, end: int, text: str) -> dict:
    return {
        "key": key,
        "label": label,
        "start": start,
        "end": end,
        "text": text,
        "claimant": None,
        "claimant_text": "",
        "checkworthy": "",
    }


BAMAKO = span("span-1", 2, 20, 26, "Bamako")
IN_BAMAKO = span("span-2", 2, 17, 26, "in Bamako")
KEITA = span("span-3", 1, 0, 5, "Keita")
STANCE = {"key": "stance-4", "target": 7, "label": 5, "holder": "span-3", "evidence": None}


@pytest.fixture
def judge(live_server, page):
    page.goto(f"{live_server.url}/accounts/login/")

    def judge(spans: list[dict], stances: list[dict], op: dict, allow_overlap=False) -> dict:
        # The script is part of the evaluated source: the page's CSP forbids eval in it.
        return page.evaluate(
            """async ([spans, stances, op, labels, targets, allowOverlap, newKey]) => {
              const m = await import('/static/annotations/rebase.js');
              const state = {
                spans: new Map(spans.map((s) => [s.key, s])),
                stances: new Map(stances.map((s) => [s.key, s])),
              };
              const context = {
                labels: new Map(labels.map(([id, name, kind]) => [id, { name, kind }])),
                targets: new Map(targets.map(([id, name]) => [id, { name }])),
                allowOverlap,
                newKey: () => newKey,
              };
              return m.judge(state, op, context);
            }""",
            [
                spans,
                stances,
                op,
                [[id, name, kind] for id, (name, kind) in LABELS.items()],
                list(TARGETS.items()),
                allow_overlap,
                NEW_KEY,
            ],
        )

    return judge


def create(key: str, label: int, start: int, end: int, text: str) -> dict:
    return {"type": "span.create", **span(key, label, start, end, text)}


def relabel(span_before: dict, label: int) -> dict:
    return {
        "type": "span.update",
        "key": span_before["key"],
        "changes": {"label": label},
        "base": span_before,
    }


def test_a_new_span_overlapping_nothing_applies(judge):
    assert judge([KEITA], [], create(CLIENT_ID, 2, 20, 26, "Bamako")) == {"verdict": "apply"}


def test_a_new_span_overlapping_one_of_its_kind_is_a_conflict_naming_both(judge):
    op = create(CLIENT_ID, 2, 20, 26, "Bamako")
    verdict = judge([IN_BAMAKO], [], op)
    assert verdict == {
        "verdict": "conflict",
        "message": "Your span “Bamako” (LOC) overlaps “in Bamako” (LOC) added elsewhere.",
        "mine": [{"type": "span.delete", "key": "span-2"}, op],
        "theirs": [],
    }


def test_overlap_of_other_kinds_or_where_the_project_allows_it_applies(judge):
    claim = create(CLIENT_ID, 4, 17, 26, "in Bamako")
    assert judge([BAMAKO], [], claim) == {"verdict": "apply"}
    loc = create(CLIENT_ID, 2, 17, 26, "in Bamako")
    assert judge([BAMAKO], [], loc, allow_overlap=True) == {"verdict": "apply"}


def test_a_new_span_identical_to_one_made_elsewhere_is_the_same_under_either_rule(judge):
    for allow_overlap in (False, True):
        verdict = judge([KEITA, BAMAKO], [], create(CLIENT_ID, 2, 20, 26, "Bamako"), allow_overlap)
        assert verdict == {"verdict": "same", "rename": {"from": CLIENT_ID, "to": "span-1"}}
    # Another label over the same text is not the same item.
    assert judge([BAMAKO], [], create(CLIENT_ID, 3, 20, 26, "Bamako"), True) == {"verdict": "apply"}


def test_a_relabel_of_a_span_unchanged_elsewhere_applies(judge):
    moved = {**BAMAKO, "checkworthy": "yes"}  # changed elsewhere, but not its label
    assert judge([moved], [], relabel(BAMAKO, 3)) == {"verdict": "apply"}


def test_a_relabel_of_a_span_relabelled_elsewhere_is_a_conflict(judge):
    op = relabel(BAMAKO, 3)
    verdict = judge([{**BAMAKO, "label": 1}], [], op)
    assert verdict["verdict"] == "conflict"
    assert verdict["message"] == (
        "Your change to “Bamako” (LOC): you set label to ORG, but it was changed elsewhere to PER."
    )
    assert verdict["theirs"] == []
    assert [(o["type"], o["changes"]) for o in verdict["mine"]] == [("span.update", {"label": 3})]


def test_a_relabel_of_a_span_deleted_elsewhere_can_make_it_again(judge):
    verdict = judge([], [], relabel(BAMAKO, 3))
    assert verdict["message"] == "Your change to “Bamako” (LOC): it was deleted elsewhere."
    # "span-1" is no client_id: made again, it takes a new one, and later changes follow it.
    assert verdict["mine"] == [{**create(NEW_KEY, 3, 20, 26, "Bamako")}]
    assert verdict["rename"] == {"from": "span-1", "to": NEW_KEY}
    with_client_id = relabel({**BAMAKO, "key": CLIENT_ID}, 3)
    again = judge([], [], with_client_id)
    assert again["mine"] == [create(CLIENT_ID, 3, 20, 26, "Bamako")]
    assert again["rename"] is None


def test_a_stance_made_the_same_elsewhere_is_the_same_and_another_value_a_conflict(judge):
    op = {"type": "stance.create", **STANCE, "key": "stance-new-1"}
    assert judge([KEITA], [STANCE], op) == {"verdict": "same", "adopt": True}
    verdict = judge([KEITA], [STANCE], {**op, "label": 6})
    assert verdict["message"] == (
        "Your stance AGAINST on “the talks” held by “Keita” differs from FAVOR set elsewhere."
    )
    assert verdict["mine"] == [
        {"type": "stance.update", "key": "stance-4", "changes": {"label": 6, "evidence": None}}
    ]
    assert verdict["rename"] == {"from": "stance-new-1", "to": "stance-4"}


def test_a_change_that_needs_a_span_deleted_elsewhere_is_stale_and_says_so(judge):
    op = {"type": "stance.create", **STANCE, "key": "stance-new-1"}
    verdict = judge([], [], op)
    assert verdict == {
        "verdict": "stale",
        "message": "Your stance FAVOR on “the talks”: its holder span was deleted elsewhere.",
    }


def test_a_delete_of_a_span_that_still_exists_applies(judge):
    assert judge([BAMAKO], [], {"type": "span.delete", "key": "span-1"}) == {"verdict": "apply"}


def test_rename_key_follows_the_key_into_references(page, live_server):
    page.goto(f"{live_server.url}/accounts/login/")
    renamed = page.evaluate(
        """async () => {
          const m = await import('/static/annotations/rebase.js');
          return m.renameKey([
            { type: "span.update", key: "a", changes: { claimant: "a" } },
            { type: "stance.create", key: "s", holder: "a", evidence: "b" },
            { type: "status", status: "submitted" },
          ], "a", "z");
        }"""
    )
    assert renamed == [
        {"type": "span.update", "key": "z", "changes": {"claimant": "z"}},
        {"type": "stance.create", "key": "s", "holder": "z", "evidence": "b"},
        {"type": "status", "status": "submitted"},
    ]


def test_follow_keys_gives_a_saved_stance_its_reloaded_key(page, live_server):
    page.goto(f"{live_server.url}/accounts/login/")
    followed = page.evaluate(
        """async () => {
          const m = await import('/static/annotations/rebase.js');
          const before = new Map([["stance-new-1", 9], ["span-4", 9], ["gone", 3]]);
          const after = new Map([["stance-9", 9], ["span-4", 9]]);
          return m.followKeys([
            { type: "stance.update", key: "stance-new-1", changes: { holder: "span-4" } },
            { type: "span.delete", key: "gone" },
          ], before, after);
        }"""
    )
    # Stance 9 and span 9 are different things: only the stance's key follows.
    assert followed == [
        {"type": "stance.update", "key": "stance-9", "changes": {"holder": "span-4"}},
        {"type": "span.delete", "key": "gone"},
    ]
