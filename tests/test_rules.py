"""Span and stance rules: label kinds, overlap, claim-only fields, claimants, holders, stances."""

import ast
import random
from itertools import combinations
from pathlib import Path

import pytest

from annotations import attributes, rules
from annotations.builtins import CLAIM_DECLARATIONS
from annotations.models import Checkworthy, LabelKind
from annotations.rules import (
    CLAIM,
    CLAIMANT_TEXT_LIMIT,
    ENTITY,
    STANCE,
    Broken,
    Layout,
    Placed,
    Rule,
    StanceSlots,
    clashes,
    first_clash,
    span_fields_broken,
    sweep_clashes,
)


def entity(start: int, end: int, key: object = None) -> Placed[object]:
    return Placed(ENTITY, start, end, key)


def claim(start: int, end: int, key: object = None) -> Placed[object]:
    return Placed(CLAIM, start, end, key)


# --- the rules' values are the models' ---------------------------------------------------------


def test_the_label_kinds_are_the_models():
    assert {ENTITY, CLAIM, STANCE, rules.RELATION, rules.DOCUMENT, rules.SENTENCE} == set(
        LabelKind.values
    )
    assert set(rules.SPAN_LABEL_KINDS) | set(rules.STANCE_LABEL_KINDS) | set(
        rules.RELATION_LABEL_KINDS
    ) | set(rules.DOCUMENT_LABEL_KINDS) | set(rules.SENTENCE_LABEL_KINDS) == set(LabelKind.values)


def test_the_check_worthiness_values_are_the_models():
    assert tuple(Checkworthy.values) == rules.CHECKWORTHY_VALUES


def test_the_claimant_text_limit_fits_the_built_in_text_attribute_it_is_stored_as():
    (declared,) = [spec for spec in CLAIM_DECLARATIONS if spec.name == "claimant_text"]
    assert declared.type == attributes.TEXT
    assert CLAIMANT_TEXT_LIMIT <= attributes.TEXT_LIMIT


def test_rules_is_pure_python_with_no_django_or_model_import():
    tree = ast.parse(Path(rules.__file__).read_text(encoding="utf-8"))
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module or "")
    assert imported <= {"annotations", "collections.abc", "dataclasses", "enum", "typing"}
    assert "from annotations import offsets" in Path(rules.__file__).read_text(encoding="utf-8")


# --- label kinds -------------------------------------------------------------------------------


def test_spans_take_entity_and_claim_labels_and_stances_take_stance_labels():
    assert rules.takes_span_label(ENTITY)
    assert rules.takes_span_label(CLAIM)
    assert not rules.takes_span_label(STANCE)
    assert rules.takes_stance_label(STANCE)
    assert not rules.takes_stance_label(ENTITY)
    assert not rules.takes_stance_label(CLAIM)


def test_claimants_and_stance_holders_are_entity_spans():
    assert rules.may_be_claimant(ENTITY)
    assert not rules.may_be_claimant(CLAIM)
    assert rules.may_hold_stance(ENTITY)
    assert not rules.may_hold_stance(CLAIM)


def test_evidence_may_be_a_span_of_any_kind():
    assert rules.may_be_evidence(ENTITY)
    assert rules.may_be_evidence(CLAIM)
    assert not rules.may_be_evidence(STANCE)


# --- overlap -----------------------------------------------------------------------------------


def test_entity_spans_may_not_overlap_unless_the_project_allows_it():
    assert clashes(entity(0, 5), entity(3, 8), allow_overlap=False)
    assert not clashes(entity(0, 5), entity(3, 8), allow_overlap=True)


def test_claim_spans_may_not_overlap_unless_the_project_allows_it():
    assert clashes(claim(0, 20), claim(10, 30), allow_overlap=False)
    assert not clashes(claim(0, 20), claim(10, 30), allow_overlap=True)


def test_a_claim_may_overlap_the_entities_inside_it():
    assert rules.may_overlap(CLAIM, ENTITY, allow_overlap=False)
    assert not clashes(claim(0, 30), entity(0, 5), allow_overlap=False)
    assert not clashes(entity(10, 15), claim(0, 30), allow_overlap=False)


def test_spans_of_one_kind_that_only_touch_do_not_overlap():
    assert not clashes(entity(0, 5), entity(5, 8), allow_overlap=False)


def test_first_clash_skips_spans_of_other_kinds_and_names_the_first_of_its_own():
    others = [
        claim(0, 30, "claim"),
        entity(20, 25, "far"),
        entity(2, 6, "one"),
        entity(4, 9, "two"),
    ]
    assert first_clash(entity(3, 5), others, allow_overlap=False) == entity(2, 6, "one")
    assert first_clash(entity(3, 5), others, allow_overlap=True) is None
    assert first_clash(entity(10, 12), others, allow_overlap=False) is None


def test_a_layout_keeps_the_first_of_two_clashing_spans_and_names_it():
    layout: Layout[Placed[object]] = Layout(allow_overlap=False)
    assert layout.place(entity(0, 5, "first")) is None
    assert layout.place(entity(3, 8, "second")) == entity(0, 5, "first")
    assert layout.place(claim(0, 8, "claim")) is None
    assert [span.key for span in layout.kept] == ["first", "claim"]


def test_a_layout_keeps_every_span_where_the_project_allows_overlap():
    layout: Layout[Placed[object]] = Layout(allow_overlap=True)
    assert layout.place(entity(0, 5)) is None
    assert layout.place(entity(3, 8)) is None
    assert len(layout.kept) == 2


def test_a_layout_checks_new_spans_against_those_it_starts_with():
    layout = Layout([entity(0, 5, "gold")], allow_overlap=False)
    assert layout.clash(entity(4, 6)) == entity(0, 5, "gold")
    assert layout.clash(entity(5, 6)) is None
    assert len(layout.kept) == 1  # clash only asks


def test_the_sweep_pairs_each_clash_with_the_earlier_span_of_its_kind_reaching_furthest():
    spans = [entity(0, 10, "long"), entity(2, 4, "short"), entity(8, 12, "late"), claim(1, 9, "c")]
    found = sweep_clashes(spans, allow_overlap=False)
    assert [(span.key, other.key) for span, other in found] == [
        ("short", "long"),
        ("late", "long"),
    ]
    assert sweep_clashes(spans, allow_overlap=True) == []


def test_the_sweep_compares_spans_in_start_order_whatever_order_they_come_in():
    found = sweep_clashes([entity(5, 9, "b"), entity(0, 6, "a")], allow_overlap=False)
    assert [(span.key, other.key) for span, other in found] == [("b", "a")]


def test_the_sweep_finds_exactly_the_spans_that_overlap_an_earlier_one_of_their_kind():
    generator = random.Random(7)
    for _ in range(200):
        spans = []
        for index in range(generator.randint(0, 12)):
            start = generator.randint(0, 30)
            kind = generator.choice([ENTITY, CLAIM])
            spans.append(Placed(kind, start, start + generator.randint(1, 8), index))
        ordered = sorted(spans, key=lambda span: (span.start, span.end, span.key))
        expected = {
            later.key
            for earlier, later in combinations(ordered, 2)
            if clashes(later, earlier, allow_overlap=False)
        }
        found = sweep_clashes(spans, allow_overlap=False)
        assert {span.key for span, _ in found} == expected
        assert all(clashes(span, other, allow_overlap=False) for span, other in found)


# --- claim-only fields, claimants, check-worthiness --------------------------------------------


def fields(kind, *, has_claimant=False, claimant_text="", checkworthy="", limit=None):
    extra = {} if limit is None else {"claimant_text_limit": limit}
    return span_fields_broken(
        kind=kind,
        has_claimant=has_claimant,
        claimant_text=claimant_text,
        checkworthy=checkworthy,
        **extra,
    )


def test_a_claim_span_may_carry_every_claim_field():
    assert fields(CLAIM, has_claimant=True, checkworthy="yes") == []
    assert fields(CLAIM, claimant_text="the ministry", checkworthy="unsure") == []


def test_only_claim_spans_carry_claimant_claimant_text_and_checkworthy():
    assert fields(ENTITY, has_claimant=True, checkworthy="no") == [
        Broken(Rule.CLAIM_ONLY, "claimant"),
        Broken(Rule.CLAIM_ONLY, "checkworthy"),
    ]
    assert fields(ENTITY, claimant_text="someone") == [Broken(Rule.CLAIM_ONLY, "claimant_text")]
    assert not rules.carries_claim_fields(ENTITY)
    assert rules.carries_claim_fields(CLAIM)


def test_a_stance_label_on_a_span_is_the_fault_not_its_claim_fields():
    assert fields(STANCE, checkworthy="yes") == [Broken(Rule.SPAN_LABEL_KIND, "label")]


def test_a_claimant_is_a_span_or_a_text_not_both():
    assert fields(CLAIM, has_claimant=True, claimant_text="x") == [
        Broken(Rule.ONE_CLAIMANT, "claimant")
    ]


def test_claimant_text_is_at_most_the_limit():
    assert fields(CLAIM, claimant_text="x" * CLAIMANT_TEXT_LIMIT) == []
    assert fields(CLAIM, claimant_text="x" * (CLAIMANT_TEXT_LIMIT + 1)) == [
        Broken(Rule.CLAIMANT_TEXT_LENGTH, "claimant_text")
    ]
    assert fields(CLAIM, claimant_text="abcd", limit=3) == [
        Broken(Rule.CLAIMANT_TEXT_LENGTH, "claimant_text")
    ]
    assert rules.claimant_text_fits("abc", 3)
    assert not rules.claimant_text_fits("abcd", 3)


@pytest.mark.parametrize("value", ["yes", "no", "unsure"])
def test_checkworthy_is_yes_no_or_unsure(value):
    assert rules.is_checkworthy(value)
    assert fields(CLAIM, checkworthy=value) == []


@pytest.mark.parametrize("value", ["YES", "maybe", None, 1])
def test_any_other_checkworthy_is_refused(value):
    assert not rules.is_checkworthy(value)
    assert Broken(Rule.CHECKWORTHY_VALUE, "checkworthy") in fields(CLAIM, checkworthy=value)


def test_an_empty_checkworthy_means_not_given():
    assert not rules.is_checkworthy("")
    assert fields(ENTITY, checkworthy="") == []


def test_without_a_label_only_the_claim_field_values_are_checked():
    assert fields(None, has_claimant=True, claimant_text="x", checkworthy="maybe") == [
        Broken(Rule.CHECKWORTHY_VALUE, "checkworthy"),
        Broken(Rule.ONE_CLAIMANT, "claimant"),
    ]


# --- stances -----------------------------------------------------------------------------------


def test_one_stance_per_target_and_holder():
    slots: StanceSlots[int] = StanceSlots()
    assert slots.take("Talks", 3, 0) is None
    assert slots.take("Talks", 3, 1) == 0
    assert slots.take("Talks", 4, 2) is None
    assert slots.take("Aid", 3, 3) is None
    assert slots.taken_by("Talks", 3) == 0
    assert slots.taken_by("Aid", 4) is None


def test_the_documents_author_holds_one_stance_per_target_like_any_holder():
    slots: StanceSlots[str] = StanceSlots()
    assert slots.take("Talks", None, "first") is None
    assert slots.take("Talks", None, "second") == "first"
    assert slots.take("Aid", None, "third") is None


def test_identical_spans_are_the_same_label_and_offsets_whatever_the_overlap_rule():
    per = rules.Placed("entity", 3, 9, "a", label=1)

    assert rules.identical(per, rules.Placed("entity", 3, 9, "b", label=1))
    assert not rules.identical(per, rules.Placed("entity", 3, 9, "b", label=2))
    assert not rules.identical(per, rules.Placed("entity", 3, 8, "b", label=1))
    # A span whose label is not known is identical to nothing.
    unknown = rules.Placed("entity", 3, 9, "a")
    assert not rules.identical(unknown, rules.Placed("entity", 3, 9, "b"))


def test_sweep_identical_pairs_each_repeat_with_the_first_of_its_kind():
    spans = [
        rules.Placed("entity", 0, 5, 0, label="PER"),
        rules.Placed("entity", 0, 5, 1, label="LOC"),
        rules.Placed("entity", 0, 5, 2, label="PER"),
        rules.Placed("entity", 0, 5, 3, label="PER"),
    ]

    pairs = rules.sweep_identical(spans)

    assert [(span.key, first.key) for span, first in pairs] == [(2, 0), (3, 0)]
