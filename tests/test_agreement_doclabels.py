"""Agreement per document label group: alpha (nominal) and Cohen's kappa over documents."""

import pytest

from annotations.agreement import AnnotatorWork, document_label_judgements, project_agreement
from annotations.agreement_sums import counts_total, document_counts, figures

TEXT = "Keita met Macron in Gao ."


def work(**groups: tuple[str, ...]) -> AnnotatorWork:
    return AnnotatorWork(entities=[], claims=[], stances=[], document_labels=dict(groups))


# Topic (single choice) on four documents, by ana and ben:
#   1: politics / politics   2: economy / economy   3: politics / economy   4: economy / none
DOCUMENTS = [
    (TEXT, {"ana": work(Topic=("politics",)), "ben": work(Topic=("politics",))}),
    (TEXT, {"ana": work(Topic=("economy",)), "ben": work(Topic=("economy",))}),
    (TEXT, {"ana": work(Topic=("politics",)), "ben": work(Topic=("economy",))}),
    (TEXT, {"ana": work(Topic=("economy",)), "ben": work(Topic=())}),
]


def test_kappa_and_alpha_per_group_match_the_hand_computation():
    topic = project_agreement(DOCUMENTS)["document_labels"]["Topic"]
    # Kappa: observed 2/4 agree. ana gave politics 2, economy 2; ben politics 1, economy 2,
    # none 1: expected (2*1 + 2*2) / 16 = 0.375. (0.5 - 0.375) / (1 - 0.375) = 0.2.
    assert topic["units"] == 4
    assert topic["pairs"] == [
        {"annotators": ["ana", "ben"], "units": 4, "kappa": pytest.approx(0.2)}
    ]
    # Alpha: 8 values, politics 3, economy 4, none 1; 4 of the 8 pairable values disagree.
    # D_o = 4/8; D_e = (64 - 9 - 16 - 1) / (8 * 7) = 38/56; alpha = 1 - 28/38 = 10/38.
    assert topic["alpha"] == pytest.approx(10 / 38)


def test_three_annotators_alpha_by_hand():
    # One document, three annotators: politics, politics, economy; a second: all economy.
    documents = [
        (
            TEXT,
            {
                "ana": work(Topic=("politics",)),
                "ben": work(Topic=("politics",)),
                "cy": work(Topic=("economy",)),
            },
        ),
        (
            TEXT,
            {
                "ana": work(Topic=("economy",)),
                "ben": work(Topic=("economy",)),
                "cy": work(Topic=("economy",)),
            },
        ),
    ]
    topic = project_agreement(documents)["document_labels"]["Topic"]
    # Coincidences (m = 3, each ordered pair weighs 1/2): unit 1 gives pp 1, pe 1, ep 1;
    # unit 2 gives ee 3. n_p = 2, n_e = 4, n = 6. D_o = 2/6; D_e = (36 - 4 - 16) / 30 = 16/30.
    assert topic["alpha"] == pytest.approx(1 - (2 / 6) / (16 / 30))
    # Kappa per pair: ana and ben agree on both: observed 1, expected 2/4, kappa 1.
    kappas = {tuple(pair["annotators"]): pair["kappa"] for pair in topic["pairs"]}
    assert kappas["ana", "ben"] == pytest.approx(1.0)
    # ana and cy: (politics, economy), (economy, economy): observed 1/2, expected 2/4.
    assert kappas["ana", "cy"] == pytest.approx(0.0)


def test_a_multi_choice_group_compares_the_whole_set():
    units = document_label_judgements(
        {
            "ana": work(Tags=("breaking", "opinion")),
            "ben": work(Tags=("opinion", "breaking")),
            "cy": work(Tags=()),
        }
    )
    assert units == [("Tags", {"ana": "breaking+opinion", "ben": "breaking+opinion", "cy": "none"})]


def test_summed_document_counts_give_the_same_figures():
    total = counts_total(document_counts(text, works) for text, works in DOCUMENTS)
    assert figures(total)["document_labels"] == project_agreement(DOCUMENTS)["document_labels"]


def test_no_document_labels_gives_no_groups():
    documents = [(TEXT, {"ana": work(), "ben": work()})]
    assert project_agreement(documents)["document_labels"] == {}
