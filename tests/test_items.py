"""annotations.items: when two annotators' spans or stances are the same item."""

import pytest

from annotations import items
from annotations.items import span_item, stance_item


def claim(**changes):
    fields = {"label": "CLAIM", "start": 10, "end": 30, "checkworthy": "yes"}
    return span_item(**(fields | changes))


def stance(**changes):
    fields = {"target": "the talks", "label": "FAVOR", "holder": (0, 5), "evidence": (10, 30)}
    return stance_item(**(fields | changes))


def test_spans_with_equal_place_claimant_and_checkworthy_are_the_same_item():
    first, second = claim(claimant=(0, 5)), claim(claimant=(0, 5))

    assert items.same_item(first, second)
    assert items.same_place(first, second)
    assert items.attribute_differences(first, second) == []
    assert len({first, second}) == 1  # hashable: usable as a vote's key


def test_a_different_claimant_is_the_same_place_with_another_attribute():
    first, second = claim(claimant=(0, 5)), claim(claimant=(6, 12))

    assert not items.same_item(first, second)
    assert items.same_place(first, second)
    assert items.attribute_differences(first, second) == ["claimant"]


def test_a_claimant_in_the_text_differs_from_a_free_text_claimant_and_from_none():
    in_text, free, none = claim(claimant=(0, 5)), claim(claimant_text="Keita"), claim()

    assert items.attribute_differences(in_text, free) == ["claimant"]
    assert items.attribute_differences(free, none) == ["claimant"]
    assert free.claimant == "Keita" and in_text.claimant == (0, 5) and none.claimant is None


def test_empty_free_text_is_no_claimant_and_empty_checkworthy_is_not_given():
    assert items.same_item(claim(claimant_text=""), claim(claimant_text=None))
    assert items.same_item(claim(checkworthy=""), claim(checkworthy=None))


def test_a_claimant_given_both_as_offsets_and_as_text_is_refused():
    with pytest.raises(ValueError, match=items.CLAIMANT_TWICE):
        claim(claimant=(0, 5), claimant_text="Keita")


def test_a_different_checkworthiness_is_an_attribute_difference_but_the_same_vote():
    yes, no = claim(checkworthy="yes"), claim(checkworthy="no")

    assert items.attribute_differences(yes, no) == ["checkworthy"]
    assert not items.same_item(yes, no)
    # Gold votes on the span and, separately, on its check-worthiness.
    assert items.vote_key(yes) == items.vote_key(no)


def test_claimant_and_checkworthy_both_differing_are_named_in_a_fixed_order():
    first = claim(claimant=(0, 5), checkworthy="no")
    assert items.attribute_differences(first, claim()) == ["claimant", "checkworthy"]


def test_the_label_and_offsets_are_a_span_place():
    assert not items.same_place(claim(), claim(label="OTHER"))
    assert not items.same_place(claim(), claim(start=11))
    assert not items.same_place(claim(), claim(end=31))


def test_items_at_different_places_have_no_attribute_differences():
    with pytest.raises(ValueError, match=items.DIFFERENT_PLACES):
        items.attribute_differences(claim(), claim(start=11))
    with pytest.raises(ValueError, match=items.DIFFERENT_PLACES):
        items.attribute_differences(claim(), stance())


def test_a_span_and_a_stance_are_never_the_same_item_or_place():
    assert not items.same_item(claim(), stance())
    assert not items.same_place(claim(), stance())


def test_stances_with_the_same_target_holder_value_and_evidence_are_the_same_item():
    assert items.same_item(stance(), stance())
    assert items.vote_key(stance()) == stance()


def test_a_different_evidence_or_value_is_an_attribute_difference_of_one_stance():
    assert items.attribute_differences(stance(), stance(evidence=None)) == ["evidence"]
    assert items.attribute_differences(stance(), stance(label="AGAINST")) == ["label"]
    # Unlike a span's check-worthiness, both count in the vote.
    assert items.vote_key(stance()) != items.vote_key(stance(evidence=(31, 40)))


def test_another_holder_is_another_stance_place():
    by_keita, by_the_author = stance(), stance(holder=None)

    assert not items.same_place(by_keita, by_the_author)
    assert not items.same_place(by_keita, stance(holder=(6, 12)))
    assert not items.same_place(stance(), stance(target="the vote"))


def test_referenced_spans_are_matched_by_offsets_given_as_any_pair():
    # Offsets from a database row or a JSON list compare as the same offsets.
    assert items.same_item(stance(holder=[0, 5], evidence=[10, 30]), stance())
    assert items.same_item(claim(claimant=[0, 5]), claim(claimant=(0, 5)))
