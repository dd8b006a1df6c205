"""The native row shape, built from plain reads without a database."""

from annotations.exports.native import ExportBatch, ExportContext, native_row, native_rows

TEXT = "Keita met Le Drian. Le Drian said troops would stay."
PER, CLAIM, FAVOR = 1, 2, 3
LABELS = {PER: "PER", CLAIM: "CLAIM", FAVOR: "FAVOR"}
KINDS = {PER: "entity", CLAIM: "claim", FAVOR: "stance"}
# span id -> label id, start, end, claimant span id, claimant text, check-worthiness
SPANS = {
    10: (PER, 0, 5, None, "", ""),
    11: (PER, 10, 18, None, "", ""),
    12: (CLAIM, 34, 51, 11, "", "yes"),
}
STANCES = [(7, FAVOR, 11, 12)]  # target id, label id, holder span id, evidence span id


def batch(**overrides) -> ExportBatch:
    fields = {
        "documents": [(1, "d1", TEXT, '{"n": 1}'), (2, "d2", "Nothing here.", "{}")],
        "exported": {1: [(100, None, "reviewer")]},
        "authors": {1: ["bob", "alice"]},
        "spans": {100: SPANS},
        "stances": {100: STANCES},
    }
    return ExportBatch(**{**fields, **overrides})


def context(include: str = "gold", wanted: set[int] | None = None) -> ExportContext:
    return ExportContext(include, LABELS, KINDS, wanted, {7: "the intervention"})


def test_a_gold_row_has_the_document_its_content_annotators_and_reviewer():
    le_drian = {"start": 10, "end": 18, "text": "Le Drian"}
    claim = {"start": 34, "end": 51, "text": "troops would stay"}

    row = native_row(batch().documents[0], (100, None, "reviewer"), batch(), context())

    assert row == {
        "id": 1,
        "external_id": "d1",
        "text": TEXT,
        "meta": {"n": 1},
        "entities": [
            {"start": 0, "end": 5, "label": "PER", "text": "Keita"},
            {**le_drian, "label": "PER"},
        ],
        "claims": [{**claim, "label": "CLAIM", "checkworthy": "yes", "claimant": le_drian}],
        "stances": [
            {
                "target": "the intervention",
                "label": "FAVOR",
                "holder": le_drian,
                "evidence": {**claim, "label": "CLAIM"},
            }
        ],
        "annotators": ["alice", "bob"],
        "reviewed_by": "reviewer",
    }


def test_a_submitted_row_names_its_annotator_only():
    row = native_row(batch().documents[0], (100, "bob", None), batch(), context("submitted"))

    assert row["annotator"] == "bob"
    assert "annotators" not in row and "reviewed_by" not in row


def test_a_label_left_out_drops_its_items_but_not_the_references_to_them():
    row = native_row(batch().documents[0], (100, None, None), batch(), context(wanted={CLAIM}))

    assert row["entities"] == [] and row["stances"] == []
    assert row["claims"][0]["claimant"] == {"start": 10, "end": 18, "text": "Le Drian"}


def test_a_reference_to_a_missing_span_is_none_and_a_claimant_may_be_text():
    spans = {12: (CLAIM, 34, 51, None, "the minister", "")}
    stances = [(7, FAVOR, 99, 98)]

    row = native_row(
        batch().documents[0],
        (100, None, None),
        batch(spans={100: spans}, stances={100: stances}),
        context(),
    )

    assert row["claims"][0]["claimant"] == {"text": "the minister"}
    assert row["claims"][0]["checkworthy"] is None
    assert row["stances"][0]["holder"] is None and row["stances"][0]["evidence"] is None


def test_rows_come_one_per_exported_annotation_in_document_order():
    exported = {2: [(201, "bob", None), (202, "carol", None)], 1: [(100, "alice", None)]}

    rows = list(native_rows(batch(exported=exported), context("submitted")))

    assert [(row["id"], row["annotator"]) for row in rows] == [
        (1, "alice"),
        (2, "bob"),
        (2, "carol"),
    ]
    assert rows[1]["entities"] == rows[1]["claims"] == rows[1]["stances"] == []
