"""Building gold: by majority, from chosen annotations, and what is listed as a conflict."""

from types import SimpleNamespace

import pytest

from annotations.errors import InvalidInput
from annotations.models import AnnotationEvent, Span, Stance
from annotations.services import review
from annotations.services.review import gold_build
from tests.factories import (
    AnnotationFactory,
    DocumentFactory,
    LabelFactory,
    ProjectFactory,
    SpanFactory,
    StanceFactory,
    StanceTargetFactory,
    UserFactory,
)

TEXT = "Keita said Macron met rebels in Gao and Kidal on Monday."
#       0         1         2         3         4         5
#       0123456789012345678901234567890123456789012345678901234


@pytest.fixture
def setup(db):
    project = ProjectFactory()
    labels = {
        name: LabelFactory(project=project, name=name, kind=kind)
        for name, kind in [
            ("PER", "entity"),
            ("LOC", "entity"),
            ("CLAIM", "claim"),
            ("FAVOR", "stance"),
            ("AGAINST", "stance"),
        ]
    }
    target = StanceTargetFactory(project=project, name="The talks")
    document = DocumentFactory(project=project, text=TEXT)
    return SimpleNamespace(project=project, labels=labels, target=target, document=document)


def annotation(document, status="submitted"):
    return AnnotationFactory(document=document, status=status)


def span(ann, labels, name, start, end, **extra):
    return SpanFactory(annotation=ann, label=labels[name], start=start, end=end, **extra)


def gold_rows(result):
    return sorted(
        (s.label.name, s.start, s.end, s.text, s.checkworthy)
        for s in Span.objects.filter(annotation=result.annotation)
    )


def test_majority_takes_what_more_than_half_agree_on_and_lists_the_rest(setup):
    labels, document = setup.labels, setup.document
    a, b, c = annotation(document), annotation(document), annotation(document)
    for ann in (a, b, c):
        span(ann, labels, "PER", 0, 5)
    span(a, labels, "PER", 11, 17)
    span(b, labels, "PER", 11, 17)
    span(c, labels, "LOC", 32, 35)
    annotation(document, status="in_progress")  # not submitted: does not vote

    result = gold_build(document=document, actor=None, strategy="majority")

    assert result.created and result.annotation.kind == "gold"
    assert result.sources == [a.pk, b.pk, c.pk]
    assert gold_rows(result) == [("PER", 0, 5, "Keita", ""), ("PER", 11, 17, "Macron", "")]
    assert result.conflicts == [
        {
            "kind": "span",
            "reason": review.MINORITY,
            "label": "LOC",
            "start": 32,
            "end": 35,
            "annotations": [c.pk],
            "count": 1,
            "of": 3,
        }
    ]


def test_majority_of_two_lists_ties(setup):
    labels, document = setup.labels, setup.document
    a, b = annotation(document), annotation(document)
    span(a, labels, "PER", 0, 5)
    span(b, labels, "PER", 0, 5)
    span(a, labels, "LOC", 32, 35)
    result = gold_build(document=document, actor=None, strategy="majority")
    assert gold_rows(result) == [("PER", 0, 5, "Keita", "")]
    [conflict] = result.conflicts
    assert (conflict["reason"], conflict["count"], conflict["of"]) == (review.TIE, 1, 2)


def test_claimant_and_stance_holder_are_matched_by_offsets(setup):
    labels, target, document = setup.labels, setup.target, setup.document
    sources = [annotation(document), annotation(document)]
    for ann in sources:
        keita = span(ann, labels, "PER", 0, 5)
        claim = span(ann, labels, "CLAIM", 11, 35, claimant=keita, checkworthy="yes")
        StanceFactory(
            annotation=ann, target=target, label=labels["AGAINST"], holder=keita, evidence=claim
        )
    result = gold_build(document=document, actor=None, strategy="majority")
    assert result.conflicts == []
    gold_keita = Span.objects.get(annotation=result.annotation, label__name="PER")
    gold_claim = Span.objects.get(annotation=result.annotation, label__name="CLAIM")
    assert gold_claim.claimant_id == gold_keita.pk and gold_claim.checkworthy == "yes"
    stance = Stance.objects.get(annotation=result.annotation)
    assert (stance.label.name, stance.holder_id, stance.evidence_id) == (
        "AGAINST",
        gold_keita.pk,
        gold_claim.pk,
    )


def test_claims_with_different_claimants_pool_their_votes_for_the_place(setup):
    # Was: ..._do_not_pool_their_votes, asserting an empty gold and three ties: the claim both
    # marked was lost. A claim's place is its label and offsets; its claimant is an attribute.
    labels, document = setup.labels, setup.document
    a, b = annotation(document), annotation(document)
    span(a, labels, "CLAIM", 11, 35, claimant=span(a, labels, "PER", 0, 5))
    span(b, labels, "CLAIM", 11, 35, claimant_text="AFP")
    result = gold_build(document=document, actor=None, strategy="majority")
    assert gold_rows(result) == [("CLAIM", 11, 35, TEXT[11:35], "")]
    assert [(c["reason"], c.get("attribute"), c["label"]) for c in result.conflicts] == [
        (review.TIE, None, "PER"),
        (review.ATTRIBUTE, "claimant", "CLAIM"),
    ]


def test_checkworthiness_takes_the_majority_value_and_reports_a_tie(setup):
    labels, document = setup.labels, setup.document
    a, b, c = annotation(document), annotation(document), annotation(document)
    span(a, labels, "CLAIM", 11, 35, checkworthy="yes")
    span(b, labels, "CLAIM", 11, 35, checkworthy="yes")
    span(c, labels, "CLAIM", 11, 35, checkworthy="no")
    result = gold_build(document=document, actor=None, strategy="majority")
    assert gold_rows(result) == [("CLAIM", 11, 35, TEXT[11:35], "yes")]
    # The minority's value is listed too: what gold took, and who gave what.
    [conflict] = result.conflicts
    assert (conflict["reason"], conflict["attribute"], conflict["gold"]) == (
        review.ATTRIBUTE,
        "checkworthy",
        "yes",
    )

    d = annotation(document)
    span(d, labels, "CLAIM", 11, 35, checkworthy="no")
    # Rebuilding would change gold's check-worthiness: confirmed (was: rebuilt silently).
    result = gold_build(document=document, actor=None, strategy="majority", replace=True)
    assert gold_rows(result) == [("CLAIM", 11, 35, TEXT[11:35], "")]
    [conflict] = result.conflicts
    assert conflict["reason"] == review.ATTRIBUTE and conflict["attribute"] == "checkworthy"
    # Was: {"no": 2, "yes": 2}; now each value with who gave it.
    assert conflict["values"] == [
        {"value": "yes", "annotations": [a.pk, b.pk]},
        {"value": "no", "annotations": [c.pk, d.pk]},
    ]
    assert conflict["gold"] is None


def test_union_of_chosen_annotations_collapses_duplicates_and_reports_overlaps(setup):
    labels, document = setup.labels, setup.document
    a, b = annotation(document, status="in_progress"), annotation(document)
    span(a, labels, "PER", 0, 5)
    span(b, labels, "PER", 0, 5)
    span(a, labels, "LOC", 32, 35)
    span(b, labels, "LOC", 32, 45)  # overlaps a's LOC: the project forbids that
    result = gold_build(document=document, actor=None, annotation_ids=[a.pk, b.pk])
    rows = gold_rows(result)
    assert ("PER", 0, 5, "Keita", "") in rows
    assert len(rows) == 2  # one PER (the duplicate collapsed), one of the two LOC
    [conflict] = result.conflicts
    assert conflict["reason"] == review.OVERLAP and conflict["label"] == "LOC"


def test_rebuilding_replaces_gold_and_is_logged(setup):
    labels, document = setup.labels, setup.document
    a = annotation(document)
    span(a, labels, "PER", 0, 5)
    first = gold_build(document=document, actor=None, annotation_ids=[a.pk])
    span(a, labels, "LOC", 32, 35)
    reviewer = UserFactory()
    second = gold_build(document=document, actor=reviewer, annotation_ids=[a.pk])
    assert second.annotation.pk == first.annotation.pk and not second.created
    assert second.annotation.version == first.annotation.version + 1
    assert len(gold_rows(second)) == 2
    event = AnnotationEvent.objects.filter(annotation=second.annotation).latest("id")
    assert event.actor == reviewer
    assert len(event.before["spans"]) == 1 and len(event.after["spans"]) == 2


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({}, "non_field_errors", review.ONE_SOURCE),
        ({"strategy": "majority", "annotation_ids": [1]}, "non_field_errors", review.ONE_SOURCE),
        ({"strategy": "vote"}, "strategy", review.STRATEGY_UNKNOWN.format(value="vote")),
        ({"strategy": "majority"}, "strategy", review.NO_SUBMITTED),
        ({"annotation_ids": []}, "annotations", review.NOT_A_LIST_OF_IDS),
        ({"annotation_ids": ["7"]}, "annotations", review.NOT_A_LIST_OF_IDS),
    ],
)
def test_bad_requests_name_the_field_and_write_nothing(setup, kwargs, field, message):
    document = setup.document
    with pytest.raises(InvalidInput) as error:
        gold_build(document=document, actor=None, **kwargs)
    assert error.value.errors == {field: [message]}
    assert not document.annotations.filter(kind="gold").exists()


def test_annotations_of_another_document_or_gold_itself_are_refused(setup):
    project, document = setup.project, setup.document
    other = annotation(DocumentFactory(project=project))
    mine = annotation(document)
    gold = gold_build(document=document, actor=None, annotation_ids=[mine.pk]).annotation
    with pytest.raises(InvalidInput) as error:
        gold_build(document=document, actor=None, annotation_ids=[other.pk, gold.pk])
    assert error.value.errors == {
        "annotations": [
            review.NOT_OF_DOCUMENT.format(value=other.pk),
            review.GOLD_AS_SOURCE.format(value=gold.pk),
        ]
    }


@pytest.mark.parametrize("per_annotation", [3, 30])
def test_building_gold_runs_a_bounded_number_of_queries(
    setup, per_annotation, django_assert_max_num_queries
):
    project, labels, document = setup.project, setup.labels, setup.document
    sources = [annotation(document) for _ in range(3)]
    for ann in sources:
        for index in range(per_annotation):
            span(ann, labels, "PER", index, index + 1)
    project.allow_overlap = True
    project.save()
    # Relations and document labels are read (sources and gold), replaced like the spans, and
    # the labels' attributes read once with the labels.
    with django_assert_max_num_queries(31):
        gold_build(document=document, actor=None, strategy="majority")


# Reviewing: accepting items into gold, accepting what everyone agrees on, marking reviewed


def gold_spans(document):
    return sorted(
        (
            s.label.name,
            s.start,
            s.end,
            s.checkworthy,
            s.claimant and (s.claimant.start, s.claimant.end),
        )
        for s in Span.objects.filter(annotation__document=document, annotation__kind="gold")
    )


def test_accepting_a_span_starts_gold_and_copies_the_span(setup):
    labels, document = setup.labels, setup.document
    ann = annotation(document)
    keita = span(ann, labels, "PER", 0, 5)
    reviewer = UserFactory()

    result = review.gold_accept_span(document=document, span_id=keita.pk, actor=reviewer)

    assert result.created and result.annotation.kind == "gold"
    assert gold_spans(document) == [("PER", 0, 5, "", None)]
    event = AnnotationEvent.objects.filter(annotation=result.annotation).latest("id")
    assert (event.action, event.actor, event.after["start"]) == ("span_created", reviewer, 0)
    # Accepting it again changes nothing.
    again = review.gold_accept_span(document=document, span_id=keita.pk, actor=reviewer)
    assert not again.created and again.span.pk == result.span.pk
    assert again.annotation.version == result.annotation.version


def test_accepting_a_claim_brings_its_claimant_and_checkworthiness(setup):
    labels, document = setup.labels, setup.document
    ann = annotation(document)
    keita = span(ann, labels, "PER", 0, 5)
    claim = span(ann, labels, "CLAIM", 11, 35, claimant=keita, checkworthy="yes")

    review.gold_accept_span(document=document, span_id=claim.pk, actor=None)

    assert gold_spans(document) == [
        ("CLAIM", 11, 35, "yes", (0, 5)),
        ("PER", 0, 5, "", None),
    ]


def test_accepting_a_span_replaces_overlapping_gold_spans_of_its_kind(setup):
    labels, document = setup.labels, setup.document
    first, second = annotation(document), annotation(document)
    short = span(first, labels, "PER", 11, 17)  # "Macron"
    longer = span(second, labels, "LOC", 11, 21)  # "Macron met"
    span(first, labels, "CLAIM", 0, 35)  # a claim over both: another kind, stays
    review.gold_accept_span(document=document, span_id=short.pk, actor=None)
    review.gold_accept_span(
        document=document,
        span_id=Span.objects.get(annotation=first, label__name="CLAIM").pk,
        actor=None,
    )

    result = review.gold_accept_span(document=document, span_id=longer.pk, actor=None)

    assert result.replaced == [{"label": "PER", "start": 11, "end": 17}]
    assert [row[:3] for row in gold_spans(document)] == [("CLAIM", 0, 35), ("LOC", 11, 21)]


def test_accepting_into_reviewed_gold_is_refused_until_it_is_reopened(setup):
    labels, document = setup.labels, setup.document
    span(annotation(document), labels, "PER", 0, 5)
    keita = span(annotation(document), labels, "LOC", 0, 5)  # a tie: not in gold
    gold_build(document=document, actor=None, strategy="majority")
    review.gold_set_reviewed(document=document, reviewed=True, actor=None)

    with pytest.raises(InvalidInput) as refused:
        review.gold_accept_span(document=document, span_id=keita.pk, actor=None)
    assert list(refused.value.errors) == ["status"]

    reopened = review.gold_set_reviewed(document=document, reviewed=False, actor=None)
    assert reopened.status == "in_progress"
    review.gold_accept_span(document=document, span_id=keita.pk, actor=None)


def test_accept_refuses_gold_spans_spans_of_other_documents_and_stale_versions(setup):
    labels, document = setup.labels, setup.document
    elsewhere = SpanFactory(label=labels["PER"])
    keita = span(annotation(document), labels, "PER", 0, 5)
    gold = review.gold_accept_span(document=document, span_id=keita.pk, actor=None).annotation
    gold_span = Span.objects.get(annotation=gold)
    for span_id in (elsewhere.pk, gold_span.pk, "1", None):
        with pytest.raises(InvalidInput) as refused:
            review.gold_accept_span(document=document, span_id=span_id, actor=None)
        assert refused.value.errors == {"span": [review.NOT_A_SOURCE_SPAN.format(value=span_id)]}
    with pytest.raises(review.Conflict):
        review.gold_accept_span(
            document=document, span_id=keita.pk, actor=None, version=gold.version - 1
        )


def test_accepting_a_stance_brings_holder_and_evidence_and_replaces_the_value(setup):
    labels, document, target = setup.labels, setup.document, setup.target
    first, second = annotation(document), annotation(document)
    holders = [span(ann, labels, "PER", 0, 5) for ann in (first, second)]
    evidence = span(first, labels, "CLAIM", 11, 35)
    favor = StanceFactory(
        annotation=first,
        target=target,
        label=labels["FAVOR"],
        holder=holders[0],
        evidence=evidence,
    )
    against = StanceFactory(
        annotation=second, target=target, label=labels["AGAINST"], holder=holders[1]
    )

    result = review.gold_accept_stance(document=document, stance_id=favor.pk, actor=None)
    stance = Stance.objects.get(annotation=result.annotation)
    assert (stance.label.name, stance.holder.start, stance.evidence.start) == ("FAVOR", 0, 11)

    review.gold_accept_stance(document=document, stance_id=against.pk, actor=None)
    stance = Stance.objects.get(annotation=result.annotation)  # still one: the value changed
    assert (stance.label.name, stance.holder.start, stance.evidence) == ("AGAINST", 0, None)


def test_accept_agreed_adds_what_every_annotator_has_in_one_change(setup):
    labels, document, target = setup.labels, setup.document, setup.target
    anns = [annotation(document) for _ in range(3)]
    for ann in anns:
        keita = span(ann, labels, "PER", 0, 5)
        span(ann, labels, "CLAIM", 11, 35, claimant=keita, checkworthy="yes")
        StanceFactory(annotation=ann, target=target, label=labels["FAVOR"], holder=keita)
    span(anns[0], labels, "LOC", 32, 35)  # one of three: not agreed
    span(anns[1], labels, "LOC", 40, 45)
    annotation(document, status="in_progress")  # not submitted: not asked

    result = review.gold_accept_agreed(document=document, actor=None)

    assert result.created and (result.added_spans, result.added_stances) == (2, 1)
    assert result.conflicts == []
    assert gold_spans(document) == [
        ("CLAIM", 11, 35, "yes", (0, 5)),
        ("PER", 0, 5, "", None),
    ]
    stance = Stance.objects.get(annotation=result.annotation)
    assert (stance.label.name, stance.holder.start) == ("FAVOR", 0)
    events = AnnotationEvent.objects.filter(annotation=result.annotation)
    assert [event.action for event in events] == ["content_replaced"]
    # Nothing more to add: nothing written.
    again = review.gold_accept_agreed(document=document, actor=None)
    assert (again.added_spans, again.added_stances) == (0, 0)
    assert events.count() == 1


def test_accept_agreed_keeps_gold_and_lists_what_clashes_with_it(setup):
    labels, document = setup.labels, setup.document
    first, second = annotation(document), annotation(document)
    for ann in (first, second):
        span(ann, labels, "PER", 11, 17)
        span(ann, labels, "CLAIM", 0, 10, checkworthy="yes" if ann is first else "no")
    other = span(first, labels, "PER", 11, 21)
    review.gold_accept_span(document=document, span_id=other.pk, actor=None)

    result = review.gold_accept_agreed(document=document, actor=None)

    assert [(c["reason"], c["label"], c["start"]) for c in result.conflicts] == [
        (review.OVERLAP, "PER", 11),
        (review.ATTRIBUTE, "CLAIM", 0),
    ]
    assert [row[:4] for row in gold_spans(document)] == [
        ("CLAIM", 0, 10, ""),
        ("PER", 11, 21, ""),
    ]


def test_accept_agreed_without_submitted_work_starts_an_empty_gold(setup):
    result = review.gold_accept_agreed(document=setup.document, actor=None)
    assert result.created and result.sources == []
    assert not Span.objects.filter(annotation=result.annotation).exists()


def test_marking_reviewed_needs_gold(setup):
    with pytest.raises(InvalidInput) as refused:
        review.gold_set_reviewed(document=setup.document, reviewed=True, actor=None)
    assert refused.value.errors == {"gold": [review.NO_GOLD]}


def test_stances_pool_their_votes_when_holders_differ_only_in_their_entity_label(setup):
    # annotations.items: a stance's holder is its offsets; the entity's label is the entity's
    # own item, voted on (and listed) as such.
    labels, target, document = setup.labels, setup.target, setup.document
    sources = [annotation(document) for _ in range(3)]
    for ann, name in zip(sources, ("PER", "PER", "LOC"), strict=True):
        keita = span(ann, labels, name, 0, 5)
        StanceFactory(annotation=ann, target=target, label=labels["AGAINST"], holder=keita)

    result = gold_build(document=document, actor=None, strategy="majority")

    stance = Stance.objects.with_links().get(annotation=result.annotation)
    assert (stance.label.name, stance.holder.label.name, stance.holder.start) == (
        "AGAINST",
        "PER",
        0,
    )
    assert [(c["kind"], c["label"], c["reason"]) for c in result.conflicts] == [
        ("span", "LOC", review.MINORITY)
    ]


def test_a_stance_left_out_names_its_holder_and_evidence_by_offsets(setup):
    labels, target, document = setup.labels, setup.target, setup.document
    a, b = annotation(document), annotation(document)
    keita = span(a, labels, "PER", 0, 5)
    claim = span(a, labels, "CLAIM", 11, 35)
    StanceFactory(annotation=a, target=target, label=labels["FAVOR"], holder=keita, evidence=claim)
    span(b, labels, "PER", 0, 5)

    result = gold_build(document=document, actor=None, strategy="majority")

    [stance] = [c for c in result.conflicts if c["kind"] == "stance"]
    assert (stance["reason"], stance["holder"], stance["evidence"]) == (
        review.TIE,
        {"start": 0, "end": 5},
        {"start": 11, "end": 35},
    )


# A place both annotators agree on goes into gold; its disputed attributes are listed


def claimant_dispute(setup):
    """A names Keita as the claimant and says check-worthy; B gives a free text and no."""
    labels, document = setup.labels, setup.document
    a, b = annotation(document), annotation(document)
    keita = span(a, labels, "PER", 0, 5)
    span(a, labels, "CLAIM", 11, 35, claimant=keita, checkworthy="yes")
    span(b, labels, "CLAIM", 11, 35, claimant_text="AFP", checkworthy="no")
    return a, b


def claim_attribute_conflicts(a, b):
    place = {"kind": "span", "label": "CLAIM", "start": 11, "end": 35, "annotations": [a.pk, b.pk]}
    return [
        {
            **place,
            "reason": review.ATTRIBUTE,
            "attribute": "claimant",
            "values": [
                {"value": {"start": 0, "end": 5, "text": "Keita"}, "annotations": [a.pk]},
                {"value": {"text": "AFP"}, "annotations": [b.pk]},
            ],
            "gold": None,
        },
        {
            **place,
            "reason": review.ATTRIBUTE,
            "attribute": "checkworthy",
            "values": [
                {"value": "yes", "annotations": [a.pk]},
                {"value": "no", "annotations": [b.pk]},
            ],
            "gold": None,
        },
    ]


def test_majority_puts_a_claim_both_marked_into_gold_and_lists_its_disputed_attributes(setup):
    a, b = claimant_dispute(setup)

    result = gold_build(document=setup.document, actor=None, strategy="majority")

    claim = Span.objects.get(annotation=result.annotation, label__name="CLAIM")
    assert (claim.start, claim.end, claim.claimant_id, claim.claimant_text, claim.checkworthy) == (
        11,
        35,
        None,
        "",
        "",
    )
    keita_tie = {
        "kind": "span",
        "reason": review.TIE,
        "label": "PER",
        "start": 0,
        "end": 5,
        "annotations": [a.pk],
        "count": 1,
        "of": 2,
    }
    assert result.conflicts == [keita_tie, *claim_attribute_conflicts(a, b)]


def test_accept_agreed_puts_the_claim_in_and_reports_its_disputed_attributes(setup):
    a, b = claimant_dispute(setup)

    result = review.gold_accept_agreed(document=setup.document, actor=None)

    assert (result.added_spans, result.added_stances) == (1, 0)
    assert gold_spans(setup.document) == [("CLAIM", 11, 35, "", None)]
    assert result.conflicts == claim_attribute_conflicts(a, b)
    # Still listed while gold has not settled them; gold's own choice is named once it has.
    again = review.gold_accept_agreed(document=setup.document, actor=None)
    assert (again.added_spans, again.conflicts) == (0, claim_attribute_conflicts(a, b))
    chosen = Span.objects.get(annotation=a, label__name="CLAIM")
    review.gold_accept_span(document=setup.document, span_id=chosen.pk, actor=None)
    settled = review.gold_accept_agreed(document=setup.document, actor=None)
    assert [(c["attribute"], c["gold"]) for c in settled.conflicts] == [
        ("claimant", {"start": 0, "end": 5, "text": "Keita"}),
        ("checkworthy", "yes"),
    ]


@pytest.mark.parametrize("allow_overlap", [False, True])
def test_a_claimant_that_did_not_win_is_reported_whatever_the_overlap_rule(setup, allow_overlap):
    # Two of three name the span at 0-5 as the claimant, but as PER and as LOC: neither
    # entity wins, so the claim goes in without its claimant, and says so. (With overlap
    # allowed, the claim used to go in without it and nothing was reported.)
    labels, document, project = setup.labels, setup.document, setup.project
    project.allow_overlap = allow_overlap
    project.save()
    a, b, c = annotation(document), annotation(document), annotation(document)
    span(a, labels, "CLAIM", 11, 35, claimant=span(a, labels, "PER", 0, 5))
    span(b, labels, "CLAIM", 11, 35, claimant=span(b, labels, "LOC", 0, 5))
    span(c, labels, "PER", 40, 45)

    result = gold_build(document=document, actor=None, strategy="majority")

    assert gold_rows(result) == [("CLAIM", 11, 35, TEXT[11:35], "")]
    [left_out] = [c for c in result.conflicts if c.get("attribute") == "claimant"]
    assert left_out["reason"] == review.SPAN_LEFT_OUT
    assert left_out["values"] == [
        {"value": {"start": 0, "end": 5, "text": "Keita"}, "annotations": [a.pk, b.pk]}
    ]
    assert left_out["gold"] is None


def stance_scene(setup, evidence_of):
    """Two annotators who mark the same spans and the same stance, evidence as given."""
    labels, target, document = setup.labels, setup.target, setup.document
    sources = []
    for position, ann in enumerate([annotation(document), annotation(document)]):
        marked = {
            "CLAIM": span(ann, labels, "CLAIM", 11, 35),
            "LOC": span(ann, labels, "LOC", 32, 35),
        }
        StanceFactory(
            annotation=ann,
            target=target,
            label=labels["FAVOR"],
            evidence=marked[evidence_of[position]],
        )
        sources.append(ann)
    return sources


def test_a_stance_agreed_on_but_for_its_evidence_goes_in_and_lists_the_evidence(setup):
    a, b = stance_scene(setup, evidence_of=["CLAIM", "LOC"])

    result = gold_build(document=setup.document, actor=None, strategy="majority")

    stance = Stance.objects.get(annotation=result.annotation)
    assert (stance.label.name, stance.holder, stance.evidence) == ("FAVOR", None, None)
    [conflict] = result.conflicts
    assert conflict == {
        "kind": "stance",
        "reason": review.ATTRIBUTE,
        "attribute": "evidence",
        "target": "The talks",
        "holder": None,
        "values": [
            {"value": {"start": 11, "end": 35, "text": TEXT[11:35]}, "annotations": [a.pk]},
            {"value": {"start": 32, "end": 35, "text": "Gao"}, "annotations": [b.pk]},
        ],
        "gold": None,
        "annotations": [a.pk, b.pk],
    }
    agreed = review.gold_accept_agreed(document=setup.document, actor=None)
    assert [c["attribute"] for c in agreed.conflicts] == ["evidence"]


def test_a_stance_whose_value_ties_stays_out_and_lists_both_values(setup):
    labels, target, document = setup.labels, setup.target, setup.document
    a, b = annotation(document), annotation(document)
    StanceFactory(annotation=a, target=target, label=labels["FAVOR"])
    StanceFactory(annotation=b, target=target, label=labels["AGAINST"])

    result = gold_build(document=document, actor=None, strategy="majority")

    assert not Stance.objects.filter(annotation=result.annotation).exists()
    [conflict] = result.conflicts
    assert (conflict["reason"], conflict["attribute"], conflict["gold"]) == (
        review.ATTRIBUTE,
        "label",
        None,
    )
    assert conflict["values"] == [
        {"value": "FAVOR", "annotations": [a.pk]},
        {"value": "AGAINST", "annotations": [b.pk]},
    ]


def test_stances_with_different_holders_are_different_stances(setup):
    # The holder is part of a stance's place (annotations.items): "Keita is in favour" and
    # "the author is in favour" are two stances, each a tie here, never merged into one.
    labels, target, document = setup.labels, setup.target, setup.document
    a, b = annotation(document), annotation(document)
    for ann in (a, b):
        span(ann, labels, "PER", 0, 5)
    keita = Span.objects.get(annotation=a)
    StanceFactory(annotation=a, target=target, label=labels["FAVOR"], holder=keita)
    StanceFactory(annotation=b, target=target, label=labels["FAVOR"])

    result = gold_build(document=document, actor=None, strategy="majority")

    assert not Stance.objects.filter(annotation=result.annotation).exists()
    assert [(c["reason"], c["holder"], c["annotations"]) for c in result.conflicts] == [
        (review.TIE, {"start": 0, "end": 5}, [a.pk]),
        (review.TIE, None, [b.pk]),
    ]


# Rebuilding by majority over gold a reviewer has worked on


def test_rebuilding_by_majority_over_reviewer_edits_asks_first(setup):
    labels, document = setup.labels, setup.document
    a, b = annotation(document), annotation(document)
    span(a, labels, "PER", 0, 5)
    span(b, labels, "PER", 0, 5)
    tie = span(a, labels, "LOC", 32, 35)
    reviewer = UserFactory()
    built = gold_build(document=document, actor=reviewer, strategy="majority")
    # Nothing changed since: rebuilding is harmless and needs no confirmation.
    gold_build(document=document, actor=reviewer, strategy="majority")
    review.gold_accept_span(document=document, span_id=tie.pk, actor=reviewer)
    version = built.annotation.events.latest("id").version

    with pytest.raises(review.GoldWouldChange) as asked:
        gold_build(document=document, actor=reviewer, strategy="majority")

    assert asked.value.removed == [
        {"kind": "span", "label": "LOC", "start": 32, "end": 35, "text": "Gao", "checkworthy": ""}
    ]
    assert asked.value.added == []
    assert asked.value.current_version == version
    assert str(asked.value) == review.GOLD_WOULD_CHANGE.format(removed=1, added=0)
    assert [row[:3] for row in gold_spans(document)] == [("LOC", 32, 35), ("PER", 0, 5)]
    with pytest.raises(review.Conflict):
        gold_build(
            document=document,
            actor=reviewer,
            strategy="majority",
            replace=True,
            version=version - 1,
        )

    replaced = gold_build(
        document=document, actor=reviewer, strategy="majority", replace=True, version=version
    )
    assert gold_rows(replaced) == [("PER", 0, 5, "Keita", "")]
    # And the replaced accept is one revert away: the rebuild is a logged change.
    event = AnnotationEvent.objects.filter(annotation=replaced.annotation).latest("id")
    assert [s["start"] for s in event.before["spans"]] == [0, 32]
