"""Agreement on sentence units: each sentence a unit judged by its sentence label."""

import krippendorff
import numpy as np
import pytest

from annotations.agreement import sentence_agreement


def test_kappa_and_alpha_over_units_of_several_documents():
    judgements = [
        # (document, unit, annotator, label)
        (1, 0, "ana", "CFS"),
        (1, 0, "bob", "CFS"),
        (1, 1, "ana", "CFS"),
        (1, 1, "bob", "NFS"),
        (2, 0, "ana", "NFS"),
        (2, 0, "bob", "NFS"),
        (2, 1, "ana", "NFS"),
        (2, 1, "bob", "NFS"),
    ]
    figures = sentence_agreement(judgements)
    assert figures["units"] == 4
    # Observed 3/4; expected by chance 1/2 (ana CFS half the time, bob a quarter): kappa 0.5.
    assert figures["pairs"] == [{"annotators": ["ana", "bob"], "units": 4, "kappa": 0.5}]
    reference = krippendorff.alpha(
        reliability_data=[[1, 1, 0, 0], [1, 0, 0, 0]], level_of_measurement="nominal"
    )
    assert figures["alpha"] == pytest.approx(reference)


def test_a_unit_of_one_annotator_pairs_with_nobody_and_a_third_annotator_counts():
    judgements = [
        (1, 0, "ana", "CFS"),
        (1, 0, "bob", "CFS"),
        (1, 0, "cy", "UFS"),
        (1, 1, "ana", "NFS"),
        (1, 1, "cy", "NFS"),
        (1, 2, "bob", "NFS"),  # bob alone: compared with nobody
    ]
    figures = sentence_agreement(judgements)
    assert figures["units"] == 3
    pairs = {tuple(pair["annotators"]): pair["units"] for pair in figures["pairs"]}
    assert pairs == {("ana", "bob"): 1, ("ana", "cy"): 2, ("bob", "cy"): 1}
    reference = krippendorff.alpha(
        reliability_data=[[0, 2, np.nan], [0, np.nan, 2], [1, 2, np.nan]],
        level_of_measurement="nominal",
    )
    assert figures["alpha"] == pytest.approx(reference)


def test_no_units_and_one_category_are_undefined_not_zero():
    assert sentence_agreement([]) == {"units": 0, "alpha": None, "pairs": []}
    same = [(1, unit, name, "NFS") for unit in range(3) for name in ("ana", "bob")]
    assert sentence_agreement(same)["alpha"] is None
