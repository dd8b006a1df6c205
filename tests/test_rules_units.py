"""The sentence-unit rules (annotations.rules, "Sentence units"): pure, over plain ranges."""

from annotations import rules
from annotations.rules import Broken, Rule

SENTENCES = ((0, 10), (11, 20), (22, 30))


def broken(kind: str, start: int, end: int, unit=None, sentences=SENTENCES) -> list[Broken]:
    return rules.unit_broken(kind=kind, start=start, end=end, unit=unit, sentences=sentences)


def test_a_sentence_label_on_a_whole_sentence_breaks_nothing_with_or_without_its_unit():
    assert broken("sentence", 11, 20) == []
    assert broken("sentence", 11, 20, unit=1) == []


def test_a_sentence_label_must_cover_exactly_one_sentence():
    assert broken("sentence", 11, 19) == [Broken(Rule.WHOLE_SENTENCE, "start")]
    assert broken("sentence", 0, 20) == [Broken(Rule.WHOLE_SENTENCE, "start")]


def test_a_unit_must_be_the_sentence_the_span_covers():
    assert broken("sentence", 0, 10, unit=2) == [Broken(Rule.UNIT_COVERS_SENTENCE, "unit")]
    assert broken("sentence", 0, 9, unit=0) == [Broken(Rule.WHOLE_SENTENCE, "unit")]
    assert broken("sentence", 0, 10, unit=3) == [Broken(Rule.UNIT_UNKNOWN, "unit")]
    assert broken("sentence", 0, 10, unit="0") == [Broken(Rule.UNIT_UNKNOWN, "unit")]


def test_only_sentence_labels_go_on_units_and_only_with_units_on():
    assert broken("entity", 0, 10) == []
    assert broken("entity", 0, 10, unit=0) == [Broken(Rule.UNIT_LABEL_KIND, "unit")]
    assert broken("sentence", 0, 10, sentences=None) == [Broken(Rule.SENTENCE_UNITS_OFF, "label")]


def test_a_span_takes_a_sentence_label_but_not_claim_fields():
    assert rules.goes_on_span("sentence") and not rules.takes_span_label("sentence")
    assert rules.span_fields_broken(
        kind="sentence", has_claimant=False, claimant_text="", checkworthy="yes"
    ) == [Broken(Rule.CLAIM_ONLY, "checkworthy")]


def test_unit_of_and_units_left():
    assert [rules.unit_of(s, e, SENTENCES) for s, e in SENTENCES] == [0, 1, 2]
    assert rules.unit_of(10, 11, SENTENCES) is None
    assert rules.sentence_at(21, SENTENCES) == 2
    assert rules.sentence_at(30, SENTENCES) is None
    assert rules.units_left(4, [2, 0]) == [1, 3]
