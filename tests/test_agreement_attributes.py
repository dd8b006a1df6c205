"""Agreement per label attribute, hand-computed: alpha for choices, per choice for
multi-choices, exact-match rate for text and numbers, over items marked alike."""

import pytest

from annotations.agreement import attribute_agreement
from annotations.attributes import Declared

SENTIMENT = Declared("sentiment", "choice", choices=("pos", "neg"))
TOPICS = Declared("topics", "multi_choice", choices=("war", "tax"))
NORMALISED = Declared("normalised", "text")
SCORE = Declared("score", "number")
DECLARED = {"CLAIM": [SENTIMENT, TOPICS, NORMALISED, SCORE]}


def claim(start, **values):
    return {("span", "CLAIM", start, start + 5): ("CLAIM", values)}


def merged(*parts):
    found = {}
    for part in parts:
        found.update(part)
    return found


def figures_of(documents, name):
    return next(f for f in attribute_agreement(documents, DECLARED) if f["attribute"] == name)


def test_choice_alpha_by_hand():
    # Units (pos, pos), (neg, neg), (pos, neg): o_pp = 2, o_nn = 2, o_pn = o_np = 1; n = 6,
    # n_p = n_n = 3. D_o = 2/6, D_e = 2 * 3 * 3 / (6 * 5) = 0.6; alpha = 1 - (1/3)/0.6 = 4/9.
    ana = merged(claim(0, sentiment="pos"), claim(10, sentiment="neg"), claim(20, sentiment="pos"))
    ben = merged(claim(0, sentiment="pos"), claim(10, sentiment="neg"), claim(20, sentiment="neg"))
    figures = figures_of([{"ana": ana, "ben": ben}], "sentiment")
    assert figures["items"] == 3
    assert figures["alpha"] == pytest.approx(4 / 9)


def test_items_marked_by_one_annotator_or_elsewhere_are_not_compared():
    ana = merged(claim(0, sentiment="pos"), claim(10, sentiment="neg"))
    ben = merged(claim(0, sentiment="pos"), claim(11, sentiment="pos"))
    figures = figures_of([{"ana": ana, "ben": ben}], "sentiment")
    assert figures["items"] == 1
    assert figures["alpha"] is None  # one value in all the data: undefined, not 1


def test_a_missing_choice_is_missing_not_a_value():
    # ana gives none on the second item: only the first is pairable, (pos, neg): alpha is
    # 1 - D_o / D_e with D_o = 2/2 and D_e = 2 * 1 * 1 / (2 * 1) = 1: alpha = 0.
    ana = merged(claim(0, sentiment="pos"), claim(10))
    ben = merged(claim(0, sentiment="neg"), claim(10, sentiment="pos"))
    assert figures_of([{"ana": ana, "ben": ben}], "sentiment")["alpha"] == pytest.approx(0.0)


def test_multi_choice_alpha_per_choice_as_yes_or_no():
    # war: (yes, yes), (no, no), (yes, no) -> 4/9 as above; tax: (no, no) x2, (yes, yes)
    # -> perfect agreement, alpha 1.
    ana = merged(claim(0, topics=["war"]), claim(10, topics=[]), claim(20, topics=["war", "tax"]))
    ben = merged(claim(0, topics=["war"]), claim(10), claim(20, topics=["tax"]))
    figures = figures_of([{"ana": ana, "ben": ben}], "topics")
    assert figures["choices"]["war"] == pytest.approx(4 / 9)
    assert figures["choices"]["tax"] == pytest.approx(1.0)


def test_text_and_number_exact_match_rate_over_pairs_with_a_value():
    # Three annotators on one claim: pairs (a, b) same, (a, c) differ, (b, c) differ -> 1/3;
    # a second claim where nobody gave a text adds no pair.
    works = {
        "ana": merged(claim(0, normalised="Taxes rose.", score=1), claim(10)),
        "ben": merged(claim(0, normalised="Taxes rose.", score=1.0), claim(10)),
        "cy": merged(claim(0, normalised="Taxes fell.", score=2), claim(10)),
    }
    text = figures_of([works], "normalised")
    assert (text["items"], text["pairs"], text["exact_match"]) == (2, 3, pytest.approx(1 / 3))
    number = figures_of([works], "score")
    assert (number["pairs"], number["exact_match"]) == (3, pytest.approx(1 / 3))


def test_documents_add_up_and_every_declared_attribute_is_listed():
    first = {"ana": claim(0, sentiment="pos"), "ben": claim(0, sentiment="pos")}
    second = {"ana": claim(0, sentiment="neg"), "ben": claim(0, sentiment="neg")}
    found = attribute_agreement([first, second], DECLARED)
    assert [f["attribute"] for f in found] == ["sentiment", "topics", "normalised", "score"]
    assert found[0]["items"] == 2 and found[0]["alpha"] == pytest.approx(1.0)
    assert found[2] == {
        "label": "CLAIM",
        "attribute": "normalised",
        "type": "text",
        "items": 2,
        "pairs": 0,
        "exact_match": None,
    }
