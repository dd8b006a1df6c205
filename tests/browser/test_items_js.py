"""items.js, run in Chromium, agrees with annotations/items.py case for case."""

import pytest

from annotations import items

pytestmark = pytest.mark.django_db(transaction=True)

CLAIM = {"label": "CLAIM", "start": 10, "end": 30, "checkworthy": "yes"}
STANCE = {"target": "the talks", "label": "FAVOR", "holder": [0, 5], "evidence": [10, 30]}


def span(**changes):
    return {"kind": "span", **CLAIM, **changes}


def stance(**changes):
    return {"kind": "stance", **STANCE, **changes}


# (name, first, second): each pair is judged by both modules.
CASES = [
    ("same claim", span(claimant=[0, 5]), span(claimant=[0, 5])),
    ("different claimant", span(claimant=[0, 5]), span(claimant=[6, 12])),
    ("claimant text vs span", span(claimant_text="Keita"), span(claimant=[0, 5])),
    ("claimant text vs none", span(claimant_text="Keita"), span()),
    ("different claimant text", span(claimant_text="Keita"), span(claimant_text="Macron")),
    ("empty claimant text is none", span(claimant_text=""), span()),
    ("different checkworthy", span(checkworthy="yes"), span(checkworthy="no")),
    ("checkworthy not given", span(checkworthy=""), span(checkworthy="unsure")),
    ("checkworthy null is not given", span(checkworthy=None), span(checkworthy="")),
    ("claimant and checkworthy", span(claimant=[0, 5]), span(checkworthy="no")),
    ("different label", span(), span(label="PER")),
    ("different start", span(), span(start=11)),
    ("different end", span(), span(end=31)),
    ("label ids", span(label=3), span(label=3, claimant=[0, 5])),
    ("same stance", stance(), stance()),
    ("stance with different evidence", stance(), stance(evidence=[31, 40])),
    ("stance without evidence", stance(), stance(evidence=None)),
    ("stance with different value", stance(), stance(label="AGAINST")),
    ("value and evidence", stance(), stance(label="AGAINST", evidence=None)),
    ("different holder", stance(), stance(holder=[6, 12])),
    ("holder vs the author", stance(), stance(holder=None)),
    ("both by the author", stance(holder=None), stance(holder=None, evidence=None)),
    ("different target", stance(), stance(target="the vote")),
    ("target ids", stance(target=7), stance(target=7, label="AGAINST")),
    ("span vs stance", span(), stance()),
    ("same attributes", span(attributes={"a": "x", "b": 2}), span(attributes={"b": 2, "a": "x"})),
    ("different attribute value", span(attributes={"a": "x"}), span(attributes={"a": "y"})),
    ("empty attribute is none", span(attributes={"a": "", "b": []}), span(attributes=None)),
    ("attribute vs none", span(attributes={"a": ["p", "q"]}), span()),
    ("attributes and checkworthy", span(attributes={"n": 1.5}), span(checkworthy="no")),
    ("stance attributes", stance(attributes={"a": "x"}), stance(attributes={"a": "z"})),
    ("stance value and attributes", stance(attributes={"a": "x"}), stance(label="AGAINST")),
]


def python_verdict(first: dict, second: dict) -> dict:
    a, b = _python_item(first), _python_item(second)
    try:
        differences: list[str] | str = items.attribute_differences(a, b)
    except ValueError as error:
        differences = str(error)
    return {
        "same_item": items.same_item(a, b),
        "same_place": items.same_place(a, b),
        "same_vote": items.same_item(items.vote_key(a), items.vote_key(b)),
        "differences": differences,
    }


def _python_item(case: dict) -> items.Item:
    fields = {name: value for name, value in case.items() if name != "kind"}
    for name in ("claimant", "holder", "evidence"):
        if isinstance(fields.get(name), list):
            fields[name] = tuple(fields[name])
    return items.span_item(**fields) if case["kind"] == "span" else items.stance_item(**fields)


@pytest.fixture
def items_js(live_server, page):
    page.goto(f"{live_server.url}/accounts/login/")

    def judge(cases: list[tuple[dict, dict]]) -> list[dict]:
        # The script is part of the evaluated source: the page's CSP forbids eval in it.
        return page.evaluate(
            """async (cases) => {
              const m = await import('/static/annotations/items.js');
              const item = ({ kind, ...fields }) =>
                kind === 'span' ? m.spanItem(fields) : m.stanceItem(fields);
              return cases.map(([first, second]) => {
                const a = item(first), b = item(second);
                let differences;
                try { differences = m.attributeDifferences(a, b); }
                catch (error) { differences = error.message; }
                return {
                  same_item: m.sameItem(a, b),
                  same_place: m.samePlace(a, b),
                  same_vote: m.sameItem(m.voteKey(a), m.voteKey(b)),
                  differences,
                };
              });
            }""",
            [[first, second] for first, second in cases],
        )

    return judge


def test_items_js_judges_every_case_as_items_py_does(items_js):
    pairs = [(first, second) for _, first, second in CASES]
    pairs += [(second, first) for first, second in pairs]  # and both ways round
    names = [name for name, _, _ in CASES] * 2

    judged = items_js(pairs)

    for name, (first, second), verdict in zip(names, pairs, judged, strict=True):
        assert verdict == python_verdict(first, second), name


def test_the_table_covers_every_verdict():
    verdicts = [python_verdict(first, second) for _, first, second in CASES]
    assert {v["same_item"] for v in verdicts} == {True, False}
    assert {tuple(v["differences"]) for v in verdicts if isinstance(v["differences"], list)} >= {
        (),
        ("claimant",),
        ("checkworthy",),
        ("claimant", "checkworthy"),
        ("label",),
        ("evidence",),
        ("label", "evidence"),
        ("attributes",),
        ("checkworthy", "attributes"),
        ("label", "attributes"),
    }
    assert items.DIFFERENT_PLACES in [v["differences"] for v in verdicts]
    assert any(v["same_vote"] and not v["same_item"] for v in verdicts)


def test_items_js_refuses_a_claimant_given_twice_with_items_py_message(items_js, page):
    message = page.evaluate(
        """async () => {
          const m = await import('/static/annotations/items.js');
          try { m.spanItem({ label: 'CLAIM', start: 0, end: 4, claimant: [0, 2],
                             claimant_text: 'x' }); }
          catch (error) { return error.message; }
          return null;
        }"""
    )
    assert message == items.CLAIMANT_TWICE


# Relations: (label, source end, target end), each end a span's (label, start, end).
RELATIONS = [
    ("located_in", ("PER", 0, 5), ("LOC", 20, 26)),
    ("located_in", ("PER", 0, 5), ("LOC", 20, 26)),  # the same relation
    ("located_in", ("LOC", 20, 26), ("PER", 0, 5)),  # the other way round
    ("part_of", ("PER", 0, 5), ("LOC", 20, 26)),  # another label
    ("located_in", ("ORG", 0, 5), ("LOC", 20, 26)),  # a source of another label
    ("located_in", ("PER", 0, 6), ("LOC", 20, 26)),  # a source at other offsets
    ("located_in", ("PER", 0, 5), ("LOC", 20, 27)),  # a target at other offsets
]


def test_items_js_tells_relations_apart_as_items_py_does(items_js, page):
    pairs = [(a, b) for a in RELATIONS for b in RELATIONS]
    judged = page.evaluate(
        """async (pairs) => {
          const m = await import('/static/annotations/items.js');
          const item = ([label, source, target]) => m.relationItem({ label, source, target });
          // A relation has no attributes: at the same place, nothing differs.
          return pairs.map(([a, b]) => {
            const [x, y] = [item(a), item(b)];
            const same = m.samePlace(x, y);
            return [m.sameItem(x, y), same, same ? m.attributeDifferences(x, y) : null];
          });
        }""",
        [[list(a), list(b)] for a, b in pairs],
    )

    def python(relation):
        label, source, target = relation
        return items.relation_item(label=label, source=source, target=target)

    expected = [
        [*[python(a) == python(b)] * 2, [] if python(a) == python(b) else None] for a, b in pairs
    ]
    assert judged == expected
    assert [same for same, _, _ in judged].count(True) > len(RELATIONS)  # not only each with itself
