"""Agreement maths: hand-computed examples, degenerate cases, and the reference libraries."""

import math
import random

import krippendorff
import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from annotations import agreement, items
from annotations.agreement import (
    EXACT,
    OVERLAP,
    cohen_kappa,
    krippendorff_alpha,
    pairwise_span_agreement,
    span_counts,
    token_alpha,
    token_tags,
    tokens,
)

# --- span precision / recall / F1 ------------------------------------------------------------


def test_exact_match_needs_same_offsets_and_label():
    a = [(0, 5, "PER"), (10, 16, "LOC"), (20, 24, "ORG")]
    b = [(0, 5, "PER"), (10, 15, "LOC"), (20, 24, "PER")]
    counts = {label: c.as_dict() for label, c in span_counts(a, b, EXACT).items()}
    assert counts["PER"] == {
        "tp": 1,
        "fp": 1,
        "fn": 0,
        "precision": 0.5,
        "recall": 1.0,
        "f1": pytest.approx(2 / 3),
    }
    assert counts["LOC"]["tp"] == 0 and counts["LOC"]["f1"] == 0.0
    assert counts["ORG"] == {"tp": 0, "fp": 0, "fn": 1, "precision": None, "recall": 0.0, "f1": 0.0}


def test_overlap_match_is_one_to_one():
    # Two small spans inside one big span: only one of them can match it.
    a = [(0, 20, "LOC")]
    b = [(0, 5, "LOC"), (10, 15, "LOC")]
    loc = span_counts(a, b, OVERLAP)["LOC"].as_dict()
    assert (loc["tp"], loc["fp"], loc["fn"]) == (1, 1, 0)
    assert span_counts(a, b, EXACT)["LOC"].as_dict()["tp"] == 0


def test_overlap_prefers_exact_pairs_then_the_largest_overlap():
    a = [(0, 10, "PER"), (12, 20, "PER")]
    b = [(12, 20, "PER"), (5, 13, "PER")]
    per = span_counts(a, b, OVERLAP)["PER"].as_dict()
    assert (per["tp"], per["fp"], per["fn"]) == (2, 0, 0)


def test_pairwise_agreement_per_label_and_overall_over_shared_documents():
    documents = {
        1: {"ana": [(0, 5, "PER"), (6, 9, "LOC")], "ben": [(0, 5, "PER")], "cy": []},
        2: {"ana": [(0, 4, "ORG")], "ben": [(0, 4, "ORG"), (5, 8, "LOC")]},
    }
    result = pairwise_span_agreement(documents)
    assert set(result) == {("ana", "ben"), ("ana", "cy"), ("ben", "cy")}
    ana_ben = result[("ana", "ben")]
    # PER 1/1, ORG 1/1, LOC: ana had one ben lacked (doc 1), ben one ana lacked (doc 2).
    assert ana_ben["overall"]["tp"] == 2
    assert ana_ben["overall"]["fp"] == 1 and ana_ben["overall"]["fn"] == 1
    assert ana_ben["overall"]["f1"] == pytest.approx(4 / 6)
    assert ana_ben["LOC"]["f1"] == 0.0
    assert result[("ben", "cy")]["overall"]["f1"] == 0.0


def test_no_spans_at_all_is_undefined_not_perfect():
    result = pairwise_span_agreement({1: {"ana": [], "ben": []}})
    assert result[("ana", "ben")]["overall"]["f1"] is None


def test_one_annotator_gives_no_pairs():
    assert pairwise_span_agreement({1: {"ana": [(0, 1, "PER")]}}) == {}


def test_all_agree_gives_f1_of_one():
    spans = [(0, 5, "PER"), (6, 9, "LOC")]
    result = pairwise_span_agreement({1: {"a": spans, "b": list(spans)}})
    assert result[("a", "b")]["overall"]["f1"] == 1.0


# --- Cohen's kappa -----------------------------------------------------------------------------


def test_cohen_kappa_hand_computed():
    # 10 items: 7 agreements; a says yes 5 times, b says yes 4 times.
    pairs = [("yes", "yes")] * 3 + [("no", "no")] * 4 + [("yes", "no")] * 2 + [("no", "yes")]
    # p_o = 0.7; p_e = 0.5*0.4 + 0.5*0.6 = 0.5; kappa = 0.2 / 0.5 = 0.4
    assert cohen_kappa(pairs) == pytest.approx(0.4)


def test_cohen_kappa_degenerate_cases():
    assert cohen_kappa([]) is None
    assert cohen_kappa([("yes", "yes")] * 5) is None  # one category: undefined
    assert cohen_kappa([("yes", "yes"), ("no", "no")]) == 1.0
    assert cohen_kappa([("yes", "no"), ("no", "yes")]) == pytest.approx(-1.0)


@pytest.mark.parametrize("seed", range(20))
def test_cohen_kappa_matches_scikit_learn(seed):
    rng = random.Random(seed)
    values = ["favor", "against", "neutral"][: rng.randint(2, 3)]
    pairs = [(rng.choice(values), rng.choice(values)) for _ in range(rng.randint(5, 60))]
    expected = cohen_kappa_score([a for a, _ in pairs], [b for _, b in pairs])
    actual = cohen_kappa(pairs)
    if math.isnan(expected):
        assert actual is None
    else:
        assert actual == pytest.approx(expected)


# --- Krippendorff's alpha ----------------------------------------------------------------------


def test_alpha_hand_computed_two_coders_two_values():
    # Units (coder 1, coder 2): (a,a) (a,a) (b,b) (a,b).
    # Coincidences: o_aa = 4, o_bb = 2, o_ab = o_ba = 1; n_a = 5, n_b = 3, n = 8.
    # alpha = 1 - (n - 1) * o_ab_total / (n_a n_b * 2) = 1 - 7 * 2 / 30
    units = [("a", "a"), ("a", "a"), ("b", "b"), ("a", "b")]
    assert krippendorff_alpha(units) == pytest.approx(1 - 14 / 30)


def test_alpha_degenerate_cases():
    assert krippendorff_alpha([]) is None
    assert krippendorff_alpha([("a", None), ("b", None)]) is None  # one annotator per unit
    assert krippendorff_alpha([("a", "a"), ("a", "a")]) is None  # one value throughout
    assert krippendorff_alpha([("a", "a"), ("b", "b")]) == 1.0
    assert krippendorff_alpha([("a", "b"), ("b", "a")]) < 0


@pytest.mark.parametrize("seed", range(30))
def test_alpha_matches_the_krippendorff_package(seed):
    rng = random.Random(seed)
    coders, units, categories = rng.randint(2, 5), rng.randint(2, 40), rng.randint(2, 5)
    data = [
        [None if rng.random() < 0.2 else rng.randrange(categories) for _ in range(units)]
        for _ in range(coders)
    ]
    ours = krippendorff_alpha(list(zip(*data, strict=True)))
    matrix = np.array([[np.nan if v is None else v for v in row] for row in data], dtype=float)
    try:
        reference = krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal")
    except ValueError:  # the package refuses data with a single value
        reference = math.nan
    if ours is None:
        assert math.isnan(reference)
    else:
        assert ours == pytest.approx(reference)


# --- token-level alpha for entity tags ---------------------------------------------------------


def test_tokens_are_words_and_punctuation_in_code_points():
    text = "Keïta met 🇲🇱 officials, in 北京 cafe\u0301."
    assert [text[s:e] for s, e in tokens(text)] == [
        "Keïta",
        "met",
        "🇲🇱",
        "officials",
        ",",
        "in",
        "北京",
        "cafe\u0301",
        ".",
    ]


def test_token_tags_follow_the_spans_covering_each_token():
    text = "Ibrahim Boubacar Keita visited Gao ."
    ranges = tokens(text)
    tags = token_tags(ranges, [(0, 22, "PER"), (31, 34, "LOC")])
    assert tags == ["PER", "PER", "PER", "O", "LOC", "O"]


def test_token_alpha_is_one_when_annotators_tag_alike_and_lower_when_not():
    text = "Keita met Macron in Paris ."
    same = {"a": [(0, 5, "PER"), (20, 25, "LOC")], "b": [(0, 5, "PER"), (20, 25, "LOC")]}
    assert token_alpha([(text, same)]) == 1.0
    differ = {"a": [(0, 5, "PER"), (20, 25, "LOC")], "b": [(0, 5, "PER"), (10, 16, "PER")]}
    value = token_alpha([(text, differ)])
    tags = [token_tags(tokens(text), spans) for spans in differ.values()]
    assert value == pytest.approx(krippendorff_alpha(list(zip(*tags, strict=True))))
    assert value < 1


def test_token_alpha_needs_two_annotators():
    assert token_alpha([("Keita met Macron.", {"a": [(0, 5, "PER")]})]) is None


def test_module_is_pure():
    source = agreement.__loader__.get_source(agreement.__name__)
    assert "django" not in source


def test_project_agreement_puts_every_figure_together():
    text = "Keita met Macron in Gao ."
    work = agreement.AnnotatorWork
    documents = [
        (
            text,
            {
                "ana": work(
                    entities=[(0, 5, "PER"), (20, 23, "LOC")],
                    claims=[(0, 23, "CLAIM", "yes")],
                    stances=[("Talks", None, "FAVOR")],
                ),
                "ben": work(
                    entities=[(0, 5, "PER")],
                    claims=[(0, 23, "CLAIM", "no")],
                    stances=[("Talks", None, "FAVOR"), ("Talks", (0, 5), "AGAINST")],
                ),
            },
        ),
        (text, {"ana": work(entities=[(0, 5, "PER")], claims=[], stances=[])}),  # alone
    ]
    result = agreement.project_agreement(documents)
    assert result["documents"] == 1
    assert result["annotators"] == ["ana", "ben"]
    exact = result["spans"]["exact"]
    # PER agreed, LOC only ana's, CLAIM agreed: tp 2, fn 1 (ana as reference), fp 0.
    assert (exact["overall"]["tp"], exact["overall"]["fp"], exact["overall"]["fn"]) == (2, 0, 1)
    assert exact["labels"]["LOC"]["f1"] == 0.0
    assert exact["pairs"][0]["annotators"] == ["ana", "ben"]
    # Stance units: (Talks, author) FAVOR/FAVOR, (Talks, Keita) none/AGAINST.
    talks = result["stances"]["Talks"]
    assert talks["units"] == 2
    assert talks["pairs"][0]["kappa"] == cohen_kappa([("FAVOR", "FAVOR"), ("none", "AGAINST")])
    assert talks["alpha"] == krippendorff_alpha([("FAVOR", "FAVOR"), ("none", "AGAINST")])
    assert result["checkworthy"]["units"] == 1
    # One claim judged yes by ana and no by ben: one category each, kappa undefined.
    assert result["checkworthy"]["pairs"][0] == {
        "annotators": ["ana", "ben"],
        "units": 1,
        "kappa": cohen_kappa([("yes", "no")]),
    }
    assert result["entity_tokens_alpha"] == token_alpha(
        [(text, {"ana": [(0, 5, "PER"), (20, 23, "LOC")], "ben": [(0, 5, "PER")]})]
    )


# --- relations ---------------------------------------------------------------------------------

KEITA, MACRON, BAMAKO = ("PER", 0, 5), ("PER", 10, 16), ("LOC", 20, 26)


def _relation(label, source, target):
    return items.relation_item(label=label, source=source, target=target)


def _relation_works():
    met = _relation("met", KEITA, MACRON)
    keita_in = _relation("in", KEITA, BAMAKO)
    macron_in = _relation("in", MACRON, BAMAKO)
    entities = [(0, 5, "PER"), (10, 16, "PER"), (20, 26, "LOC")]
    return {
        "ana": agreement.AnnotatorWork(entities, [], [], relations=[met, keita_in]),
        "ben": agreement.AnnotatorWork(entities, [], [], relations=[keita_in, macron_in]),
    }


def test_relations_match_on_label_and_both_ends_place():
    works = _relation_works()
    counts = agreement.relation_counts(works["ana"].relations, works["ben"].relations)
    assert {label: (c.tp, c.fp, c.fn) for label, c in counts.items()} == {
        "in": (1, 1, 0),
        "met": (0, 0, 1),
    }
    # Another end (same offsets, other label) is another relation.
    moved = _relation("in", ("ORG", 0, 5), BAMAKO)
    assert agreement.relation_counts([works["ana"].relations[1]], [moved])["in"].tp == 0


def test_relation_agreement_per_label_hand_computed():
    figures = agreement.project_agreement([("Keita met Macron in Bamako.", _relation_works())])
    relations = figures["relations"]
    assert relations["overall"]["f1"] == pytest.approx(0.5)  # tp 1, fp 1, fn 1
    assert relations["labels"]["in"]["f1"] == pytest.approx(2 / 3)
    assert relations["labels"]["met"]["f1"] == 0.0
    # Units: the three linked pairs of ends, judged in/out per label.
    # in: (K,M) out/out, (K,B) in/in, (M,B) out/in -> po 2/3, pe 4/9, kappa 0.4; alpha 4/9.
    # met: (K,M) in/out, the others out/out -> po 2/3, pe 2/3, kappa 0.
    per_label = figures["relation_labels"]
    assert per_label["in"]["units"] == 3
    assert per_label["in"]["pairs"] == [
        {"annotators": ["ana", "ben"], "units": 3, "kappa": pytest.approx(0.4)}
    ]
    assert per_label["in"]["alpha"] == pytest.approx(4 / 9)
    assert per_label["met"]["pairs"][0]["kappa"] == pytest.approx(0.0)
