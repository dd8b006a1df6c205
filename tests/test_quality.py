"""The quality loop's maths: annotators against gold, labels per surface string, per-label alpha.

Every expected figure is worked out by hand in the comments beside it.
"""

import pytest

from annotations import quality
from annotations.agreement import AnnotatorWork, label_token_agreement
from annotations.agreement_sums import counts_total, document_counts, figures
from annotations.quality import GoldDocument, against_gold, inconsistencies

TEXT = "Kidal and Gao are towns. Keita spoke."
KIDAL, GAO, KEITA, KEITA_SPOKE, SENTENCE = (0, 5), (10, 13), (25, 30), (25, 36), (0, 24)


def surfaces(text: str, *ranges: tuple[int, int]) -> dict[tuple[int, int], str]:
    return {(start, end): text[start:end] for start, end in ranges}


def gold_document(document_id: int) -> GoldDocument:
    gold = AnnotatorWork(
        entities=[(*KIDAL, "LOC"), (*GAO, "LOC"), (*KEITA, "PER")],
        claims=[(*SENTENCE, "CLAIM", "yes")],
        stances=[("Talks", None, "FAVOR"), ("Talks", KEITA, "AGAINST")],
    )
    ana = AnnotatorWork(
        entities=[(*KIDAL, "ORG"), (*GAO, "LOC"), (*KEITA_SPOKE, "PER")],
        claims=[(*SENTENCE, "CLAIM", "no")],
        stances=[("Talks", None, "FAVOR"), ("Elections", None, "NEUTRAL")],
    )
    ben = AnnotatorWork(
        entities=[(*KIDAL, "LOC"), (*GAO, "LOC"), (*KEITA, "PER")],
        claims=[(*SENTENCE, "CLAIM", "yes")],
        stances=[("Talks", None, "FAVOR"), ("Talks", KEITA, "AGAINST")],
    )
    return GoldDocument(
        document_id=document_id,
        gold=gold,
        works={"ana": ana, "ben": ben},
        surfaces=surfaces(TEXT, KIDAL, GAO, KEITA, KEITA_SPOKE, SENTENCE),
    )


def test_against_gold_counts_exact_and_overlap_matches_per_annotator():
    ana, ben = against_gold([gold_document(1)])
    assert (ana.annotator, ben.annotator) == ("ana", "ben")
    exact = ana.spans["exact"]["overall"]
    # Gold has 4 spans, ana 4: Gao LOC and the claim match exactly (tp 2); ana's Kidal ORG
    # and "Keita spoke" are extra (fp 2), gold's Kidal LOC and Keita missed (fn 2).
    assert (exact["tp"], exact["fp"], exact["fn"]) == (2, 2, 2)
    assert exact["precision"] == exact["recall"] == exact["f1"] == 0.5
    # Overlap: "Keita spoke" PER overlaps Keita PER (tp 3); Kidal ORG is still another label.
    overlap = ana.spans["overlap"]["overall"]
    assert (overlap["tp"], overlap["fp"], overlap["fn"]) == (3, 1, 1)
    assert overlap["f1"] == 0.75
    assert ana.spans["exact"]["LOC"]["recall"] == 0.5  # Gao of Kidal and Gao
    assert ana.spans["exact"]["ORG"]["precision"] == 0.0
    assert ben.spans["exact"]["overall"]["f1"] == 1.0


def test_against_gold_scores_checkworthiness_and_stances_per_target():
    ana, ben = against_gold([gold_document(1)])
    # One claim at gold's place: ana said "no" where gold has "yes".
    assert (ana.checkworthy.right, ana.checkworthy.total) == (0, 1)
    assert ben.checkworthy.accuracy == 1.0
    # Talks: the author's FAVOR right, Keita's AGAINST missing (none): 1 of 2.
    # Elections: NEUTRAL where gold has no stance: 0 of 1.
    assert (ana.stances["Talks"].right, ana.stances["Talks"].total) == (1, 2)
    assert ana.stances["Elections"].accuracy == 0.0
    assert ben.stances == {"Talks": quality.Tally(2, 2)}


def test_differences_read_as_what_the_annotator_did_otherwise():
    ana, ben = against_gold([gold_document(7), gold_document(3)])
    described = {(item.kind, item.description): item for item in ana.disagreements}
    label = described["label", "labels “Kidal” ORG where gold has LOC"]
    assert label.count == 2 and label.documents == [3, 7]
    assert ("boundary", "marks “Keita spoke” PER where gold has “Keita”") in described
    assert (
        "checkworthy",
        "rates “Kidal and Gao are towns.” check-worthy “no” where gold has “yes”",
    ) in described
    assert ("stance", "gives none on “Talks” by “Keita” where gold has AGAINST") in described
    assert ("stance", "gives NEUTRAL on “Elections” where gold has none") in described
    assert ana.disagreement_kinds == 5
    assert ben.disagreements == [] and ben.disagreement_kinds == 0


def test_extra_and_missed_spans_are_named_with_their_text():
    document = gold_document(1)
    work = AnnotatorWork(entities=[(*GAO, "LOC"), (*KEITA, "ORG")], claims=[], stances=[])
    document.gold = AnnotatorWork(entities=[(*GAO, "LOC"), (*KIDAL, "LOC")], claims=[], stances=[])
    assert sorted(quality.differences(document, work)) == [
        ("extra", "marks “Keita” ORG; gold has nothing there"),
        ("missed", "misses “Kidal” (LOC in gold)"),
    ]


def test_the_most_frequent_differences_come_first_and_the_rest_are_counted():
    documents = [gold_document(index) for index in range(1, 4)]
    documents[0].works["ana"].entities.append((18, 23, "LOC"))  # "towns", once
    (ana, _) = against_gold(documents, top=2)
    assert [item.count for item in ana.disagreements] == [3, 3]
    assert ana.disagreement_kinds == 6


def test_inconsistencies_fold_case_and_white_space_and_need_two_labels():
    rows = [  # text, label, source, spans, first document, last document
        ("Kidal", "LOC", "ana", 3, 1, 2),
        ("kidal", "ORG", "ben", 1, 2, 2),
        ("Gao", "LOC", "ana", 5, 1, 5),
        ("Le  Drian", "PER", "ana", 2, 1, 2),
        ("le drian", "ORG", "ben", 4, 1, 3),
        ("Bamako", "LOC", "ana", 2, 1, 2),
        ("BAMAKO", "LOC", "ben", 1, 1, 1),
    ]
    found = inconsistencies(rows)
    # Le Drian: 6 spans; Kidal: 4; Bamako has one label, Gao too.
    assert [item.text for item in found] == ["le drian", "Kidal"]
    drian, kidal = found
    assert drian.spans == 6 and drian.spellings == ["Le  Drian", "le drian"]
    assert [(u.label, u.spans) for u in drian.labels] == [("ORG", 4), ("PER", 2)]
    assert [(u.label, u.spans) for u in kidal.labels] == [("LOC", 3), ("ORG", 1)]


def test_inconsistencies_say_who_gave_each_label_and_link_to_some_documents():
    found = inconsistencies(
        [
            ("Kidal", "LOC", "ana", 2, 4, 9),
            ("Kidal", "LOC", "gold", 1, 4, 4),
            ("KIDAL", "ORG", "ben", 1, 9, 9),
            ("kidal", "ORG", "cy", 6, 1, 30),
        ]
    )
    org, loc = found[0].labels
    assert (org.spans, org.sources, org.links) == (7, {"ben": 1, "cy": 6}, [1, 9, 30])
    assert (loc.spans, loc.sources, loc.links) == (3, {"ana": 2, "gold": 1}, [4, 9])


SHORT = "Keita met Macron ."  # tokens: Keita, met, Macron, "."


def test_label_alpha_and_kappa_on_presence_per_token_hand_computed():
    documents = [(SHORT, {"ana": [(0, 5, "PER")], "ben": [(0, 5, "PER"), (10, 16, "PER")]})]
    per = label_token_agreement(documents)["PER"]
    # Units (ana, ben): (in, in), (out, out), (out, in), (out, out). Values: in 3, out 5, n 8.
    # Observed disagreement 2 (the mixed unit, both ways); expected (64 - 9 - 25) / 7 = 30/7.
    assert per["units"] == 4
    assert per["alpha"] == pytest.approx(1 - 2 / (30 / 7))
    # Kappa: agreed 3 of 4; ana in 1 out 3, ben in 2 out 2: chance (2 + 6) / 16 = 1/2.
    assert per["pairs"] == [{"annotators": ["ana", "ben"], "units": 4, "kappa": pytest.approx(0.5)}]


def test_a_label_nobody_used_in_a_document_is_agreed_out_on_its_tokens():
    documents = [
        (SHORT, {"ana": [(0, 5, "PER")], "ben": [(0, 5, "PER"), (10, 16, "PER")]}),
        ("Gao .", {"ana": [(0, 3, "LOC")], "ben": []}),
    ]
    result = label_token_agreement(documents)
    # PER gains two (out, out) units: in 3, out 9, n 12; expected (144 - 9 - 81) / 11.
    assert result["PER"]["units"] == 6
    assert result["PER"]["alpha"] == pytest.approx(1 - 2 / (54 / 11))
    # Kappa: agreed 5 of 6; ana in 1 out 5, ben in 2 out 4: chance 22/36.
    assert result["PER"]["pairs"][0]["kappa"] == pytest.approx((5 / 6 - 22 / 36) / (14 / 36))
    # LOC: ana marked Gao, ben nothing; the other 5 tokens agreed out.
    assert result["LOC"]["units"] == 6
    assert result["LOC"]["alpha"] < 0.1


def test_label_figures_summed_from_documents_equal_the_full_computation():
    works = {
        "ana": AnnotatorWork(entities=[(0, 5, "PER")], claims=[(0, 16, "CLAIM", "")], stances=[]),
        "ben": AnnotatorWork(entities=[(10, 16, "PER")], claims=[], stances=[]),
        "cy": AnnotatorWork(entities=[(0, 5, "PER")], claims=[(0, 9, "CLAIM", "")], stances=[]),
    }
    documents = [(SHORT, works), ("Gao .", {k: works[k] for k in ("ana", "cy")})]
    summed = figures(counts_total(document_counts(text, w) for text, w in documents))
    assert summed["label_tokens"] == label_token_agreement(
        (text, {name: [*w.entities, *(c[:3] for c in w.claims)] for name, w in ws.items()})
        for text, ws in documents
    )
    assert set(summed["label_tokens"]) == {"CLAIM", "PER"}


def test_module_is_pure():
    source = quality.__loader__.get_source(quality.__name__)
    assert "django" not in source
