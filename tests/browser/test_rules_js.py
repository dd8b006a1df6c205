"""rules.js, run in Chromium, agrees with annotations/rules.py case for case."""

from itertools import product

import pytest

from annotations import rules
from annotations.rules import CLAIM, ENTITY, STANCE, Placed, StanceSlots

pytestmark = pytest.mark.django_db(transaction=True)

# Kinds the payload carries, and some it never should (the rules must still answer alike).
KINDS = [ENTITY, CLAIM, STANCE, "", "Entity", "other", None]

CHECKWORTHY = ["yes", "no", "unsure", "", "YES", "maybe", None, 0, 1, False, True]

CLAIMANT_TEXTS = [
    "",
    "Keita",
    "x" * rules.CLAIMANT_TEXT_LIMIT,
    "x" * (rules.CLAIMANT_TEXT_LIMIT + 1),
    # Code points, not UTF-16 units: 500 emoji fit (1000 units), 501 do not.
    "😀" * rules.CLAIMANT_TEXT_LIMIT,
    "😀" * (rules.CLAIMANT_TEXT_LIMIT + 1),
    "🇲🇱" * (rules.CLAIMANT_TEXT_LIMIT // 2),
    "e\u0301" * (rules.CLAIMANT_TEXT_LIMIT // 2 + 1),
]

# (name, a, b) as [start, end) pairs: every way two ranges can lie, touching included.
RANGES = [
    ("disjoint", (0, 5), (10, 15)),
    ("touching", (0, 5), (5, 10)),
    ("sharing one code point", (0, 6), (5, 10)),
    ("crossing", (0, 8), (4, 12)),
    ("nested", (0, 20), (4, 9)),
    ("same start", (3, 9), (3, 5)),
    ("same end", (3, 9), (6, 9)),
    ("identical", (3, 9), (3, 9)),
    ("one code point inside", (4, 5), (0, 10)),
    ("one code point apart", (0, 1), (1, 2)),
]

SPAN_KINDS = [ENTITY, CLAIM, STANCE]

# Lists of others to find the first clash in; keys are positions, so both sides can name it.
OTHERS = [
    [],
    [(ENTITY, 0, 5)],
    [(CLAIM, 0, 30), (ENTITY, 20, 25)],
    [(ENTITY, 0, 3), (ENTITY, 8, 12), (ENTITY, 10, 30)],
    [(CLAIM, 9, 11), (ENTITY, 11, 14), (ENTITY, 9, 10)],
    [(ENTITY, 25, 40), (CLAIM, 0, 40)],
]
PROBES = [(ENTITY, 9, 12), (CLAIM, 5, 9), (ENTITY, 0, 1), (CLAIM, 30, 40)]

# Each a sequence of (target, holder) taken one after another; None is the document's author.
# A slot taken three times: the first taker keeps it.
STANCE_TAKES = [
    [(1, None), (1, None), (1, None)],
    [(1, None), (2, None), (1, "s1"), (1, "s1"), (2, "s1")],
    [(1, "s1"), (1, "s2"), (1, None), (1, "s2")],
    [(1, 1), ("1", 1), (1, "1"), (1, 1)],
    [("talks", None), ("vote", None), ("talks", None)],
]


@pytest.fixture
def rules_js(live_server, page):
    page.goto(f"{live_server.url}/accounts/login/")

    def call(script: str, *args):
        # The script is part of the evaluated source: the page's CSP forbids eval in it.
        source = (
            "async (args) => {"
            "  const m = await import('/static/annotations/rules.js');"
            f"  {script}"
            "}"
        )
        return page.evaluate(source, list(args))

    return call


def test_rules_js_constants_are_rules_py(rules_js):
    constants = rules_js(
        """
        const names = ['ENTITY', 'CLAIM', 'STANCE', 'SPAN_LABEL_KINDS', 'STANCE_LABEL_KINDS',
          'CLAIMANT_KINDS', 'HOLDER_KINDS', 'EVIDENCE_KINDS', 'CHECKWORTHY_VALUES',
          'CLAIMANT_TEXT_LIMIT', 'CLAIM_ONLY_FIELDS', 'RELATION_ENDPOINT_KINDS',
          'RELATION_LABEL_KINDS', 'Rule'];
        return Object.fromEntries(names.map((name) => [name, m[name]]));
        """
    )
    expected = {
        name: list(value) if isinstance(value, tuple) else value
        for name, value in (
            (name, getattr(rules, name))
            for name in (
                "ENTITY",
                "CLAIM",
                "STANCE",
                "SPAN_LABEL_KINDS",
                "STANCE_LABEL_KINDS",
                "CLAIMANT_KINDS",
                "HOLDER_KINDS",
                "EVIDENCE_KINDS",
                "CHECKWORTHY_VALUES",
                "CLAIMANT_TEXT_LIMIT",
                "CLAIM_ONLY_FIELDS",
                "RELATION_ENDPOINT_KINDS",
                "RELATION_LABEL_KINDS",
            )
        )
    }
    expected["Rule"] = {rule.name: rule.value for rule in rules.Rule}
    assert constants == expected


def test_rules_js_says_what_each_kind_may_be_as_rules_py_does(rules_js):
    predicates = {
        "takesSpanLabel": rules.takes_span_label,
        "takesStanceLabel": rules.takes_stance_label,
        "mayBeClaimant": rules.may_be_claimant,
        "mayHoldStance": rules.may_hold_stance,
        "mayBeEvidence": rules.may_be_evidence,
        "carriesClaimFields": rules.carries_claim_fields,
        "takesRelationLabel": rules.takes_relation_label,
    }
    answers = rules_js(
        """
        const [names, kinds] = args;
        return Object.fromEntries(names.map((name) => [name, kinds.map((k) => m[name](k))]));
        """,
        list(predicates),
        KINDS,
    )
    for name, predicate in predicates.items():
        assert answers[name] == [predicate(kind) for kind in KINDS], name


def test_rules_js_says_what_a_relation_may_link_as_rules_py_does(rules_js):
    wanted = ["", "entity", "claim", "sentence", "stance", "Entity", "other"]
    kinds = [*KINDS, "sentence", "relation", "document"]
    answers = rules_js(
        "const [wanted, kinds] = args;"
        " return wanted.map((w) => kinds.map((k) => m.relationEndFits(w, k)));",
        wanted,
        kinds,
    )
    assert answers == [[rules.relation_end_fits(w, k) for k in kinds] for w in wanted]
    assert any(any(row) for row in answers) and not all(all(row) for row in answers)


def test_rules_js_checks_claim_values_as_rules_py_does(rules_js):
    answers = rules_js(
        """
        const [values, texts] = args;
        return {
          checkworthy: values.map((v) => m.isCheckworthy(v)),
          fits: texts.map((t) => m.claimantTextFits(t)),
          fitsFive: texts.map((t) => m.claimantTextFits(t, 5)),
        };
        """,
        CHECKWORTHY,
        CLAIMANT_TEXTS,
    )
    assert answers["checkworthy"] == [rules.is_checkworthy(value) for value in CHECKWORTHY]
    assert answers["fits"] == [rules.claimant_text_fits(text) for text in CLAIMANT_TEXTS]
    assert answers["fitsFive"] == [rules.claimant_text_fits(text, 5) for text in CLAIMANT_TEXTS]


def test_rules_js_finds_the_broken_span_fields_rules_py_finds(rules_js):
    cases = [
        {"kind": kind, "has_claimant": has, "claimant_text": text, "checkworthy": value}
        for kind, has, text, value in product(KINDS, (False, True), CLAIMANT_TEXTS, CHECKWORTHY)
    ]
    answers = rules_js(
        """
        return args[0].map((c) => m.spanFieldsBroken({
          kind: c.kind, hasClaimant: c.has_claimant, claimantText: c.claimant_text,
          checkworthy: c.checkworthy,
        }).map(({ rule, field }) => [rule, field]));
        """,
        cases,
    )
    expected = [
        [[broken.rule.value, broken.field] for broken in rules.span_fields_broken(**case)]
        for case in cases
    ]
    for case, answer, want in zip(cases, answers, expected, strict=True):
        assert answer == want, {**case, "claimant_text": case["claimant_text"][:12]}
    # The table reaches every rule span_fields_broken can report.
    reported = {rule for answer in expected for rule, _ in answer}
    assert reported == {
        rules.Rule.CLAIMANT_TEXT_LENGTH.value,
        rules.Rule.CHECKWORTHY_VALUE.value,
        rules.Rule.ONE_CLAIMANT.value,
        rules.Rule.SPAN_LABEL_KIND.value,
        rules.Rule.CLAIM_ONLY.value,
    }


def test_rules_js_applies_the_overlap_policy_as_rules_py_does(rules_js):
    cases = [
        (name, (kind, *a), (other_kind, *b), allow)
        for (name, a, b), kind, other_kind, allow in product(
            RANGES, SPAN_KINDS, SPAN_KINDS, (False, True)
        )
    ]
    cases += [(f"{name}, reversed", b, a, allow) for name, a, b, allow in cases]
    answers = rules_js(
        """
        return args[0].map(([, [kind, start, end], [otherKind, otherStart, otherEnd], allow]) => [
          m.mayOverlap(kind, otherKind, { allowOverlap: allow }),
          m.clashes({ kind, start, end }, { kind: otherKind, start: otherStart, end: otherEnd },
                    { allowOverlap: allow }),
        ]);
        """,
        cases,
    )
    for (name, a, b, allow), answer in zip(cases, answers, strict=True):
        span, other = Placed(*a, key=None), Placed(*b, key=None)
        assert answer == [
            rules.may_overlap(span.kind, other.kind, allow_overlap=allow),
            rules.clashes(span, other, allow_overlap=allow),
        ], (name, a, b, allow)
    assert {tuple(answer) for answer in answers} == {(True, False), (False, False), (False, True)}


def test_rules_js_finds_the_first_clash_rules_py_finds(rules_js):
    cases = list(product(PROBES, OTHERS, (False, True)))
    answers = rules_js(
        """
        return args[0].map(([[kind, start, end], others, allow]) => {
          const placed = others.map(([k, s, e], key) => ({ kind: k, start: s, end: e, key }));
          const clash = m.firstClash({ kind, start, end }, placed, { allowOverlap: allow });
          return clash === null ? null : clash.key;
        });
        """,
        cases,
    )
    expected = []
    for probe, others, allow in cases:
        placed = [Placed(*other, key=index) for index, other in enumerate(others)]
        clash = rules.first_clash(Placed(*probe, key=None), placed, allow_overlap=allow)
        expected.append(None if clash is None else clash.key)
    assert answers == expected
    assert len({key for key in expected if key is not None}) > 1


def test_rules_js_gives_one_stance_per_target_and_holder_as_rules_py_does(rules_js):
    answers = rules_js(
        """
        return args[0].map((takes) => {
          const slots = new m.StanceSlots();
          return takes.map(([target, holder], index) => [
            slots.takenBy(target, holder), slots.take(target, holder, index),
          ]);
        });
        """,
        STANCE_TAKES,
    )
    expected = []
    for takes in STANCE_TAKES:
        slots: StanceSlots[int] = StanceSlots()
        expected.append(
            [
                [slots.taken_by(target, holder), slots.take(target, holder, index)]
                for index, (target, holder) in enumerate(takes)
            ]
        )
    assert answers == expected


# (label, start, end) of spans to compare: a label is an id or a name; None is not known.
IDENTITY_PROBES = [(1, 3, 9), ("PER", 3, 9), (2, 3, 9), (1, 3, 8), (None, 3, 9)]
IDENTITY_OTHERS = [
    [],
    [(1, 3, 9)],
    [(2, 3, 9), (1, 0, 9), (1, 3, 9)],
    [("PER", 3, 9), (None, 3, 9)],
    [(1, 3, 8), (2, 3, 9)],
]


def test_rules_js_finds_the_identical_span_rules_py_finds(rules_js):
    cases = list(product(IDENTITY_PROBES, IDENTITY_OTHERS))
    answers = rules_js(
        """
        return args[0].map(([[label, start, end], others]) => {
          const placed = others.map(([l, s, e], key) => ({ label: l, start: s, end: e, key }));
          const same = m.firstIdentical({ label, start, end }, placed);
          return same === null ? null : same.key;
        });
        """,
        cases,
    )
    expected = []
    for (label, start, end), others in cases:
        placed = [
            Placed(ENTITY, s, e, key=index, label=lab) for index, (lab, s, e) in enumerate(others)
        ]
        same = rules.first_identical(Placed(ENTITY, start, end, key=None, label=label), placed)
        expected.append(None if same is None else same.key)
    assert answers == expected
    assert {0, 2} <= {key for key in expected if key is not None}
