"""Voting maths: votes per item, strict majority, ties, agreement, check-worthiness values."""

import ast
from pathlib import Path

from annotations import voting
from annotations.voting import (
    MINORITY,
    TIE,
    agreed,
    count_votes,
    has_majority,
    majority,
    plurality,
    shortfall,
    tally,
    unanimous,
)

PER = ("PER", 0, 5)
LOC = ("LOC", 10, 16)
ORG = ("ORG", 20, 24)


# --- counting votes ----------------------------------------------------------------------------


def test_count_votes_groups_voters_by_item_in_first_seen_order():
    votes = count_votes([(LOC, 1), (PER, 1), (LOC, 2), (PER, 3)])
    assert votes == {LOC: {1, 2}, PER: {1, 3}}
    assert list(votes) == [LOC, PER]


def test_a_voter_counts_once_per_item():
    assert count_votes([(PER, 1), (PER, 1), (PER, 2)]) == {PER: {1, 2}}


def test_count_votes_of_nothing_is_empty():
    assert count_votes([]) == {}


# --- strict majority ---------------------------------------------------------------------------


def test_two_of_three_is_a_majority():
    assert has_majority(2, 3)
    assert shortfall(2, 3) is None


def test_one_of_two_is_a_tie_not_a_majority():
    assert not has_majority(1, 2)
    assert shortfall(1, 2) == TIE
    assert shortfall(2, 4) == TIE


def test_one_of_three_is_a_minority():
    assert shortfall(1, 3) == MINORITY
    assert shortfall(0, 2) == MINORITY


def test_a_lone_voter_is_a_majority_of_one():
    assert has_majority(1, 1)


def test_majority_of_three_keeps_what_two_have_and_says_why_the_rest_is_out():
    votes = {PER: {1, 2}, LOC: {3}, ORG: {1, 2, 3}}
    chosen, left_out = majority(votes, 3)
    assert chosen == [PER, ORG]
    assert left_out == [(LOC, MINORITY)]


def test_majority_of_two_leaves_out_ties():
    votes = {PER: {1, 2}, LOC: {1}, ORG: {2}}
    chosen, left_out = majority(votes, 2)
    assert chosen == [PER]
    assert left_out == [(LOC, TIE), (ORG, TIE)]


def test_majority_counts_voters_who_have_no_item_in_the_total():
    # Four annotations submitted, two of them with this span: half is not more than half.
    chosen, left_out = majority({PER: {1, 2}}, 4)
    assert chosen == []
    assert left_out == [(PER, TIE)]


def test_majority_of_no_votes_chooses_nothing():
    assert majority({}, 3) == ([], [])


# --- agreement ---------------------------------------------------------------------------------


def test_agreed_needs_every_voter():
    votes = {PER: {1, 2, 3}, LOC: {1, 2}, ORG: {3, 2, 1}}
    assert agreed(votes, 3) == [PER, ORG]


def test_agreed_of_a_single_voter_is_everything_it_has():
    assert agreed({PER: {7}, LOC: {7}}, 1) == [PER, LOC]


def test_agreed_of_no_votes_is_empty():
    assert agreed({}, 0) == []
    assert agreed({}, 2) == []


# --- values: check-worthiness ------------------------------------------------------------------


def test_tally_counts_values_in_first_seen_order():
    counts = tally(["no", "yes", "no"])
    assert counts == {"no": 2, "yes": 1}
    assert list(counts) == ["no", "yes"]


def test_plurality_is_the_value_given_most():
    assert plurality(tally(["yes", "no", "yes"])) == "yes"


def test_plurality_of_a_tie_is_none():
    assert plurality(tally(["yes", "no"])) is None
    assert plurality(tally(["yes", "no", "unsure", "yes", "no"])) is None


def test_plurality_of_nothing_is_none():
    assert plurality({}) is None


def test_unanimous_is_the_only_value_given():
    assert unanimous(tally(["yes", "yes"])) == "yes"
    assert unanimous(tally([""])) == ""


def test_unanimous_of_differing_or_no_values_is_none():
    assert unanimous(tally(["yes", "no"])) is None
    assert unanimous({}) is None


def test_voting_is_pure_python_with_no_django_or_model_import():
    tree = ast.parse(Path(voting.__file__).read_text(encoding="utf-8"))
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module or "")
    assert imported <= {"collections.abc", "typing"}
