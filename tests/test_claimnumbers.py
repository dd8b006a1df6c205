"""The numbers a claim states, and when two claims' numbers contradict (claim matching)."""

import json

import pytest

from annotations.claimnumbers import numbers_contradict, stated_numbers
from tests.services.matching_fixtures import PAIRS


def _values(text: str) -> list[float]:
    return sorted(stated_numbers(text))


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("About 1,500 troops are involved.", {1500}),
        ("More than 1.5 million children are out of school.", {1_500_000}),
        ("The line will cost EUR 1.2bn.", {1_200_000_000}),
        ("The clashes displaced 10,000 residents in 2023.", {10_000, 2023}),
        ("Roughly fifteen hundred soldiers take part.", {1500}),
        ("Fuel will last twenty-one days.", {21}),
        ("Over one and a half million children.", {1_500_000}),
        ("Some four hundred thousand refugees.", {400_000}),
        ("The budget exceeded a billion dollars.", {1_000_000_000}),
    ],
)
def test_digits_and_number_words_are_read_as_their_value(text, numbers):
    assert _values(text) == pytest.approx(sorted(numbers))


@pytest.mark.parametrize(
    "text",
    [
        "Prices rose by 40%.",
        "Prices rose by 40 percent.",
        "Prices rose by forty per cent.",
        "Prices rose by two fifths.",
    ],
)
def test_a_share_is_one_fraction_whatever_words_state_it(text):
    assert _values(text) == pytest.approx([0.4])


def test_ratios_and_fractions_are_shares():
    assert _values("One in five children is malnourished.") == pytest.approx([0.2])
    assert _values("Ninety-five out of a hundred cases.") == pytest.approx([0.95])
    assert _values("Three quarters of the population.") == pytest.approx([0.75])
    assert _values("Half of the harvest was lost.") == pytest.approx([0.5])


def test_durations_are_read_in_days_whatever_their_unit():
    assert _values("within 72 hours") == pytest.approx([3])
    assert _values("gave the envoy three days") == pytest.approx([3])
    assert _values("for half a decade") == pytest.approx([1825])
    assert not numbers_contradict(
        stated_numbers("after 18 months in captivity"), stated_numbers("a year and a half")
    )
    assert not numbers_contradict(
        stated_numbers("unpaid for three months"), stated_numbers("for a quarter of a year")
    )


@pytest.mark.parametrize(
    "text",
    ["The one who spoke was the minister.", "Mali left the G5 Sahel.", "Troops arrived.", ""],
)
def test_pronouns_and_names_with_digits_state_no_number(text):
    assert stated_numbers(text) == frozenset()


def test_claims_contradict_when_both_state_numbers_and_none_agree():
    fifteen_hundred = stated_numbers("About 1,500 troops are involved.")
    assert numbers_contradict(fifteen_hundred, stated_numbers("About 500 troops are involved."))
    assert not numbers_contradict(fifteen_hundred, stated_numbers("Fifteen hundred soldiers."))
    # A claim stating no number contradicts nothing; extra numbers on one side never do.
    assert not numbers_contradict(fifteen_hundred, stated_numbers("Troops are involved."))
    assert not numbers_contradict(
        stated_numbers("It cost one billion dollars a year."),
        stated_numbers("Its annual budget exceeded a billion dollars."),
    )
    # News rounds shares: "nearly a third" is 30 percent; 16 years is not 18.
    assert not numbers_contradict(stated_numbers("30 percent"), stated_numbers("a third"))
    assert numbers_contradict(stated_numbers("at 16"), stated_numbers("at 18"))


def test_no_group_of_our_pairs_has_its_match_contradict_its_query():
    groups = [json.loads(line) for line in PAIRS.read_text(encoding="utf-8").splitlines()]
    for group in groups:
        query = stated_numbers(group["query"])
        assert not numbers_contradict(query, stated_numbers(group["match"])), group["query"]
    changed = [
        distractor
        for group in groups
        for distractor in group["distractors"]
        if numbers_contradict(stated_numbers(group["query"]), stated_numbers(distractor))
    ]
    assert len(changed) >= 25  # the groups whose same-topic claim changes the number
