"""The native row shape, built from plain reads without a database."""

from annotations.exports.native import ExportContext, ExportedAnnotation, native_row, native_rows

TEXT = "Keita met Le Drian. Le Drian said troops would stay."
PER, CLAIM, FAVOR = 1, 2, 3
LABELS = {PER: "PER", CLAIM: "CLAIM", FAVOR: "FAVOR"}
KINDS = {PER: "entity", CLAIM: "claim", FAVOR: "stance"}
# Span ids 10, 11, 12 (read in start order): Keita, Le Drian, and a claim whose claimant is 11.
SPANS = {
    "span_ids": [10, 11, 12],
    "starts": [0, 10, 34],
    "ends": [5, 18, 51],
    "span_labels": [PER, PER, CLAIM],
    "claimants": [None, None, 11],
    "claimant_texts": ["", "", ""],
    "checkworthy": ["", "", "yes"],
}
# Target 7, held by span 11 with span 12 as evidence.
STANCES = {"stance_targets": [7], "stance_labels": [FAVOR], "holders": [11], "evidence": [12]}
NO_SPANS = dict.fromkeys(SPANS)
NO_STANCES = dict.fromkeys(STANCES)


def annotation(**overrides) -> ExportedAnnotation:
    fields = {
        "document_id": 1,
        "external_id": "d1",
        "text": TEXT,
        "meta_json": '{"n": 1}',
        "annotation_id": 100,
        "annotator": None,
        "reviewed_by": "reviewer",
        "authors": ["bob", "alice"],
        **SPANS,
        **STANCES,
    }
    return ExportedAnnotation(**{**fields, **overrides})


def context(include: str = "gold", wanted: set[int] | None = None) -> ExportContext:
    return ExportContext(include, LABELS, KINDS, wanted, {7: "the intervention"})


def test_a_gold_row_has_the_document_its_content_annotators_and_reviewer():
    le_drian = {"start": 10, "end": 18, "text": "Le Drian"}
    claim = {"start": 34, "end": 51, "text": "troops would stay"}

    row = native_row(annotation(), context())

    assert row == {
        "id": 1,
        "external_id": "d1",
        "text": TEXT,
        "meta": {"n": 1},
        "entities": [
            {"id": 10, "start": 0, "end": 5, "label": "PER", "text": "Keita", "attributes": {}},
            {"id": 11, **le_drian, "label": "PER", "attributes": {}},
        ],
        "claims": [
            {
                "id": 12,
                **claim,
                "label": "CLAIM",
                "attributes": {},
                "checkworthy": "yes",
                "claimant": le_drian,
            }
        ],
        "sentences": [],
        "stances": [
            {
                "target": "the intervention",
                "label": "FAVOR",
                "holder": le_drian,
                "evidence": {**claim, "label": "CLAIM"},
                "attributes": {},
            }
        ],
        "relations": [],
        "document_labels": {},
        "annotators": ["alice", "bob"],
        "reviewed_by": "reviewer",
    }


SENTENCE, CAUSE, TOPIC, VERDICT = 4, 5, 6, 7
SCHEMA_LABELS = {**LABELS, SENTENCE: "check", CAUSE: "cause", TOPIC: "politics", VERDICT: "false"}
SCHEMA_KINDS = {**KINDS, SENTENCE: "sentence", CAUSE: "relation", TOPIC: "document"}
SCHEMA_KINDS[VERDICT] = "document"


def schema_context(wanted: set[int] | None = None) -> ExportContext:
    groups = {TOPIC: "topic", VERDICT: "verdict"}
    targets = {7: "the intervention"}
    return ExportContext("gold", SCHEMA_LABELS, SCHEMA_KINDS, wanted, targets, groups)


def schema_annotation() -> ExportedAnnotation:
    """Keita, Le Drian, a claim, a sentence unit (unit 1, score 0.9), a relation from the
    claim to Le Drian with an attribute, and two document labels."""
    return annotation(
        span_ids=[10, 11, 12, 13],
        starts=[0, 10, 34, 20],
        ends=[5, 18, 51, 52],
        span_labels=[PER, PER, CLAIM, SENTENCE],
        claimants=None,
        claimant_texts=None,
        checkworthy=None,
        span_attributes=['{"role": "official"}', "{}", "{}", '{"q": ["a"]}'],
        units=[None, None, None, 1],
        scores=[None, None, None, 0.9],
        stance_attributes=['{"sentiment": "positive"}'],
        relation_labels=[CAUSE],
        relation_sources=[12],
        relation_targets=[11],
        relation_attributes=['{"certainty": "high"}'],
        document_labels=[VERDICT, TOPIC],
    )


def test_a_row_carries_sentences_relations_document_labels_and_attributes():
    row = native_row(schema_annotation(), schema_context())

    assert row["entities"][0]["attributes"] == {"role": "official"}
    assert row["sentences"] == [
        {
            "id": 13,
            "start": 20,
            "end": 52,
            "label": "check",
            "text": TEXT[20:52],
            "attributes": {"q": ["a"]},
            "unit": 1,
            "score": 0.9,
        }
    ]
    assert row["relations"] == [
        {"label": "cause", "source": 12, "target": 11, "attributes": {"certainty": "high"}}
    ]
    assert row["document_labels"] == {"topic": ["politics"], "verdict": ["false"]}
    assert row["stances"][0]["attributes"] == {"sentiment": "positive"}


def test_a_relation_whose_end_or_label_is_left_out_is_left_out():
    without_claims = native_row(schema_annotation(), schema_context({PER, CAUSE, FAVOR}))
    without_relations = native_row(schema_annotation(), schema_context({PER, CLAIM, TOPIC}))

    assert without_claims["relations"] == []
    assert without_relations["relations"] == []
    assert without_relations["document_labels"] == {"topic": ["politics"]}


def test_a_submitted_row_names_its_annotator_only():
    row = native_row(
        annotation(annotator="bob", reviewed_by=None, authors=None), context("submitted")
    )

    assert row["annotator"] == "bob"
    assert "annotators" not in row and "reviewed_by" not in row


def test_a_label_left_out_drops_its_items_but_not_the_references_to_them():
    row = native_row(annotation(), context(wanted={CLAIM}))

    assert row["entities"] == [] and row["stances"] == []
    assert row["claims"][0]["claimant"] == {"start": 10, "end": 18, "text": "Le Drian"}


def test_a_reference_to_a_missing_span_is_none_and_a_claimant_may_be_text():
    claim_only = {
        "span_ids": [12],
        "starts": [34],
        "ends": [51],
        "span_labels": [CLAIM],
        "claimants": [None],
        "claimant_texts": ["the minister"],
        "checkworthy": [""],
    }
    stances = {"stance_targets": [7], "stance_labels": [FAVOR], "holders": [99], "evidence": [98]}

    row = native_row(annotation(**claim_only, **stances), context())

    assert row["claims"][0]["claimant"] == {"text": "the minister"}
    assert row["claims"][0]["checkworthy"] is None
    assert row["stances"][0]["holder"] is None and row["stances"][0]["evidence"] is None


def test_an_annotation_without_spans_or_stances_has_empty_lists_and_no_annotators():
    row = native_row(annotation(**NO_SPANS, **NO_STANCES, authors=[]), context())

    assert row["entities"] == row["claims"] == row["stances"] == []
    assert row["annotators"] == []


def test_rows_come_one_per_exported_annotation_in_the_order_read():
    read = [
        annotation(annotator="alice", authors=None),
        annotation(document_id=2, annotation_id=201, annotator="bob", **NO_SPANS, **NO_STANCES),
        annotation(document_id=2, annotation_id=202, annotator="carol", authors=None),
    ]

    rows = list(native_rows(read, context("submitted")))

    assert [(row["id"], row["annotator"]) for row in rows] == [
        (1, "alice"),
        (2, "bob"),
        (2, "carol"),
    ]
    assert rows[1]["entities"] == rows[1]["claims"] == rows[1]["stances"] == []
    assert len(rows[2]["entities"]) == 2
