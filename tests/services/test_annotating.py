import threading
import uuid
from types import SimpleNamespace

import pytest
from django.db import connection

from annotations import offsets
from annotations.errors import Conflict, Forbidden, InvalidInput, NotFound
from annotations.models import Annotation, AnnotationEvent, Span, Stance
from annotations.services import annotating
from annotations.services.annotating import (
    annotation_get_or_create,
    annotation_replace_content,
    annotation_set_status,
    span_create,
    span_delete,
    span_update,
    stance_create,
    stance_delete,
    stance_update,
)
from tests.factories import (
    AnnotationFactory,
    DocumentFactory,
    LabelFactory,
    MembershipFactory,
    ProjectFactory,
    SpanFactory,
    StanceTargetFactory,
    UserFactory,
)

TEXT = "Keita met Macron in Bamako. Macron said that France would stay in Mali."


def at(word: str, occurrence: int = 0) -> tuple[int, int]:
    """The code-point range of the ``occurrence``-th ``word`` in TEXT."""
    start = -1
    for _ in range(occurrence + 1):
        start = TEXT.index(word, start + 1)
    return start, start + len(word)


@pytest.fixture
def project():
    return ProjectFactory()


@pytest.fixture
def labels(project):
    return SimpleNamespace(
        per=LabelFactory(project=project, name="PER", kind="entity"),
        loc=LabelFactory(project=project, name="LOC", kind="entity"),
        claim=LabelFactory(project=project, name="CLAIM", kind="claim"),
        favor=LabelFactory(project=project, name="FAVOR", kind="stance"),
        against=LabelFactory(project=project, name="AGAINST", kind="stance"),
    )


@pytest.fixture
def target(project):
    return StanceTargetFactory(project=project, name="French presence")


@pytest.fixture
def annotator(project):
    return MembershipFactory(project=project, role="annotator").user


@pytest.fixture
def annotation(project, annotator):
    document = DocumentFactory(project=project, text=TEXT)
    return AnnotationFactory(document=document, author=annotator)


def entity(annotation, label, word, occurrence=0, **fields):
    start, end = at(word, occurrence)
    span, _ = span_create(
        annotation=annotation, label=label, start=start, end=end, actor=None, **fields
    )
    return span


def version_of(annotation) -> int:
    return Annotation.objects.get(pk=annotation.pk).version


def events_of(annotation) -> list[AnnotationEvent]:
    return list(AnnotationEvent.objects.filter(annotation=annotation).order_by("id"))


def errors_of(excinfo) -> dict[str, list[str]]:
    return excinfo.value.errors


# annotation_get_or_create


@pytest.mark.django_db
def test_annotation_get_or_create_creates_the_authors_manual_annotation_once(annotator):
    document = DocumentFactory()

    first, created = annotation_get_or_create(document=document, author=annotator)
    again, created_again = annotation_get_or_create(document=document, author=annotator)

    assert created is True
    assert created_again is False
    assert again.pk == first.pk
    assert (first.kind, first.status, first.version) == ("manual", "in_progress", 1)
    [event] = events_of(first)
    assert (event.action, event.version, event.actor_id) == ("annotation_created", 1, annotator.pk)


@pytest.mark.django_db
def test_annotation_get_or_create_gives_each_author_their_own(annotator):
    document = DocumentFactory()
    other = UserFactory()

    mine, _ = annotation_get_or_create(document=document, author=annotator)
    theirs, created = annotation_get_or_create(document=document, author=other)

    assert created is True
    assert mine.pk != theirs.pk


@pytest.mark.django_db
def test_annotation_get_or_create_rereads_when_a_concurrent_insert_wins(annotator, monkeypatch):
    document = DocumentFactory()
    winner = AnnotationFactory(document=document, author=annotator)
    real_lookup = annotating._manual_annotation
    calls = []

    def lookup_that_misses_once(document, author):
        # The first read happens "before" the concurrent insert: it sees nothing.
        calls.append(1)
        return None if len(calls) == 1 else real_lookup(document, author)

    # Patched where annotation_get_or_create looks it up (the package only re-exports it).
    monkeypatch.setattr(annotating.status, "_manual_annotation", lookup_that_misses_once)

    annotation, created = annotation_get_or_create(document=document, author=annotator)

    assert created is False
    assert annotation.pk == winner.pk
    assert len(calls) == 2, "the patched lookup ran: missed once, then found the winner"
    assert Annotation.objects.filter(document=document).count() == 1
    assert not AnnotationEvent.objects.exists()


# annotation_set_status


@pytest.mark.django_db
def test_annotation_set_status_submits_bumps_version_and_logs(annotation, annotator):
    result = annotation_set_status(
        annotation=annotation, status="submitted", version=1, actor=annotator
    )

    assert result.status == "submitted"
    assert result.submitted_at is not None
    assert result.version == 2
    assert annotation.version == 2, "the caller's instance carries the new version"
    stored = Annotation.objects.get(pk=annotation.pk)
    assert (stored.status, stored.version) == ("submitted", 2)
    [event] = events_of(annotation)
    assert event.action == "status_changed"
    assert (event.before, event.after, event.version) == (
        {"status": "in_progress"},
        {"status": "submitted"},
        2,
    )


@pytest.mark.django_db
def test_annotation_set_status_refuses_a_stale_version_and_says_the_current_one(annotation, labels):
    entity(annotation, labels.per, "Keita")  # version 2

    with pytest.raises(Conflict) as excinfo:
        annotation_set_status(annotation=annotation, status="submitted", version=1, actor=None)

    assert excinfo.value.current_version == 2
    assert excinfo.value.detail == annotating.STALE_VERSION.format(sent=1, current=2)
    assert Annotation.objects.get(pk=annotation.pk).status == "in_progress"


@pytest.mark.django_db
def test_annotation_set_status_rejects_an_unknown_status(annotation):
    with pytest.raises(InvalidInput) as excinfo:
        annotation_set_status(annotation=annotation, status="done", version=1, actor=None)

    assert errors_of(excinfo) == {"status": [annotating.STATUS_UNKNOWN.format(value="done")]}


@pytest.mark.django_db
def test_annotation_set_status_rejects_staying_in_the_same_status(annotation):
    with pytest.raises(InvalidInput) as excinfo:
        annotation_set_status(annotation=annotation, status="in_progress", version=1, actor=None)

    assert errors_of(excinfo) == {
        "status": [annotating.STATUS_UNCHANGED.format(status="in_progress")]
    }


@pytest.mark.django_db
def test_annotation_set_status_rejects_skipped_to_submitted(annotation):
    annotation_set_status(annotation=annotation, status="skipped", version=1, actor=None)

    with pytest.raises(InvalidInput) as excinfo:
        annotation_set_status(annotation=annotation, status="submitted", version=2, actor=None)

    assert errors_of(excinfo) == {
        "status": [annotating.STATUS_TRANSITION.format(current="skipped", status="submitted")]
    }


@pytest.mark.django_db
def test_annotation_set_status_refuses_an_annotator_reopening_submitted_work(annotation, annotator):
    annotation_set_status(annotation=annotation, status="submitted", version=1, actor=annotator)

    with pytest.raises(Forbidden) as excinfo:
        annotation_set_status(
            annotation=annotation, status="in_progress", version=2, actor=annotator
        )

    assert excinfo.value.detail == annotating.REOPEN_FORBIDDEN
    assert Annotation.objects.get(pk=annotation.pk).status == "submitted"


@pytest.mark.django_db
def test_annotation_set_status_lets_a_reviewer_reopen_and_clears_submitted_at(
    annotation, annotator, project
):
    reviewer = MembershipFactory(project=project, role="reviewer").user
    annotation_set_status(annotation=annotation, status="submitted", version=1, actor=annotator)

    result = annotation_set_status(
        annotation=annotation, status="in_progress", version=2, actor=reviewer
    )

    assert (result.status, result.submitted_at, result.version) == ("in_progress", None, 3)
    assert events_of(annotation)[-1].actor_id == reviewer.pk


@pytest.mark.django_db
def test_annotation_set_status_lets_the_author_undo_a_skip(annotation, annotator):
    annotation_set_status(annotation=annotation, status="skipped", version=1, actor=annotator)

    result = annotation_set_status(
        annotation=annotation, status="in_progress", version=2, actor=annotator
    )

    assert result.status == "in_progress"


@pytest.mark.django_db
def test_annotation_set_status_refuses_another_annotator_undoing_a_skip(annotation, project):
    annotation_set_status(annotation=annotation, status="skipped", version=1, actor=None)
    stranger = MembershipFactory(project=project, role="annotator").user

    with pytest.raises(Forbidden) as excinfo:
        annotation_set_status(
            annotation=annotation, status="in_progress", version=2, actor=stranger
        )

    assert excinfo.value.detail == annotating.REOPEN_SKIPPED_FORBIDDEN


# Writes to a closed annotation


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["submitted", "skipped"])
def test_writes_to_a_closed_annotation_are_refused_naming_status(
    annotation, labels, target, status
):
    span = entity(annotation, labels.per, "Keita")
    stance = stance_create(annotation=annotation, target=target, label=labels.favor, actor=None)
    annotation_set_status(annotation=annotation, status=status, version=3, actor=None)
    expected = {"status": [annotating.NOT_WRITABLE.format(status=status)]}
    start, end = at("Macron")
    writes = [
        lambda: span_create(
            annotation=annotation, label=labels.per, start=start, end=end, actor=None
        ),
        lambda: span_update(span=span, end=4, actor=None),
        lambda: span_delete(span=span, actor=None),
        lambda: stance_create(
            annotation=annotation, target=target, label=labels.favor, holder=span, actor=None
        ),
        lambda: stance_update(stance=stance, label=labels.against, actor=None),
        lambda: stance_delete(stance=stance, actor=None),
        lambda: annotation_replace_content(annotation=annotation, spans=[], stances=[], actor=None),
    ]

    for write in writes:
        with pytest.raises(InvalidInput) as excinfo:
            write()
        assert errors_of(excinfo) == expected

    assert version_of(annotation) == 4
    assert Span.objects.filter(annotation=annotation).count() == 1
    assert Stance.objects.filter(annotation=annotation).count() == 1


# span_create: offsets and text


@pytest.mark.django_db
def test_span_create_copies_the_text_bumps_version_and_logs_the_span(annotation, labels):
    start, end = at("Macron")

    span, created = span_create(
        annotation=annotation, label=labels.per.pk, start=start, end=end, actor=annotation.author
    )

    assert created is True
    assert (span.start, span.end, span.text, span.label_id) == (start, end, "Macron", labels.per.pk)
    assert annotation.version == 2
    assert version_of(annotation) == 2
    [event] = events_of(annotation)
    assert (event.action, event.object_id, event.version, event.before) == (
        "span_created",
        span.pk,
        2,
        None,
    )
    assert event.after == {
        "id": span.pk,
        "label": labels.per.pk,
        "label_name": "PER",
        "start": start,
        "end": end,
        "text": "Macron",
        "client_id": None,
        "claimant": None,
        "claimant_text": "",
        "checkworthy": "",
        "attributes": {},
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start", "end", "field", "message"),
    [
        (
            0,
            len(TEXT) + 1,
            "end",
            offsets.RANGE_PAST_TEXT.format(end=len(TEXT) + 1, length=len(TEXT)),
        ),
        (-1, 3, "start", offsets.RANGE_NEGATIVE.format(start=-1)),
        (5, 5, "start", offsets.RANGE_EMPTY.format(start=5, end=5)),
        (6, 2, "start", offsets.RANGE_EMPTY.format(start=6, end=2)),
        ("0", 3, "start", offsets.RANGE_NOT_INTEGERS),
        (0, 3.0, "end", offsets.RANGE_NOT_INTEGERS),
        (True, 3, "start", offsets.RANGE_NOT_INTEGERS),
    ],
)
def test_span_create_rejects_bad_offsets_and_writes_nothing(
    annotation, labels, start, end, field, message
):
    with pytest.raises(InvalidInput) as excinfo:
        span_create(annotation=annotation, label=labels.per, start=start, end=end, actor=None)

    assert errors_of(excinfo) == {field: [message]}
    assert not Span.objects.exists()
    assert version_of(annotation) == 1
    assert not AnnotationEvent.objects.exists()


@pytest.mark.django_db
def test_span_create_accepts_a_span_ending_exactly_at_the_end_of_the_text(annotation, labels):
    span, _ = span_create(
        annotation=annotation,
        label=labels.claim,
        start=len(TEXT) - 5,
        end=len(TEXT),
        actor=None,
    )

    assert span.text == "Mali."


@pytest.mark.django_db
def test_span_create_rejects_text_that_does_not_match_the_document(annotation, labels):
    start, end = at("Macron")

    with pytest.raises(InvalidInput) as excinfo:
        span_create(
            annotation=annotation,
            label=labels.per,
            start=start,
            end=end,
            text="Macro",
            actor=None,
        )

    assert errors_of(excinfo) == {
        "text": [offsets.TEXT_MISMATCH.format(sent="Macro", start=start, end=end, actual="Macron")]
    }
    assert not Span.objects.exists()


@pytest.mark.django_db
def test_span_create_counts_code_points_through_emoji_and_combining_marks(project, labels):
    text = "Bamako 🇲🇱 — Keïta e\u0301"
    document = DocumentFactory(project=project, text=text)
    annotation = AnnotationFactory(document=document)

    flag, _ = span_create(
        annotation=annotation, label=labels.loc, start=7, end=9, text="🇲🇱", actor=None
    )
    name, _ = span_create(
        annotation=annotation, label=labels.per, start=12, end=17, text="Keïta", actor=None
    )
    decomposed, _ = span_create(
        annotation=annotation, label=labels.per, start=18, end=20, text="e\u0301", actor=None
    )

    assert [s.text for s in (flag, name, decomposed)] == ["🇲🇱", "Keïta", "e\u0301"]
    assert Span.objects.get(pk=decomposed.pk).text == "e\u0301", "stored without normalising"
    with pytest.raises(InvalidInput) as composed:
        # The precomposed é is one code point: it is not the stored text.
        span_create(
            annotation=annotation, label=labels.claim, start=18, end=20, text="é", actor=None
        )
    assert list(errors_of(composed)) == ["text"]
    with pytest.raises(InvalidInput) as utf16:
        # A browser's UTF-16 end for the whole text (the flag counts 4 units there).
        span_create(annotation=annotation, label=labels.claim, start=0, end=22, actor=None)
    assert errors_of(utf16) == {"end": [offsets.RANGE_PAST_TEXT.format(end=22, length=20)]}


# span_create: labels


@pytest.mark.django_db
def test_span_create_rejects_a_label_of_another_project(annotation):
    foreign = LabelFactory(name="PER")

    with pytest.raises(InvalidInput) as excinfo:
        span_create(annotation=annotation, label=foreign, start=0, end=5, actor=None)

    assert errors_of(excinfo) == {
        "label": [annotating.LABEL_NOT_IN_PROJECT.format(value=foreign.pk)]
    }
    assert not Span.objects.exists()


@pytest.mark.django_db
def test_span_create_rejects_an_id_that_is_not_a_label(annotation):
    with pytest.raises(InvalidInput) as excinfo:
        span_create(annotation=annotation, label="PER", start=0, end=5, actor=None)

    assert errors_of(excinfo) == {"label": [annotating.NOT_AN_ID.format(value="PER")]}


@pytest.mark.django_db
def test_span_create_rejects_a_stance_label(annotation, labels):
    with pytest.raises(InvalidInput) as excinfo:
        span_create(annotation=annotation, label=labels.favor, start=0, end=5, actor=None)

    assert errors_of(excinfo) == {
        "label": [annotating.SPAN_LABEL_KIND.format(name="FAVOR", a_kind="a stance")]
    }


# span_create: claims


@pytest.mark.django_db
def test_span_create_links_a_claim_to_its_entity_claimant(annotation, labels):
    speaker = entity(annotation, labels.per, "Macron", 1)
    start, end = at("France would stay in Mali")

    claim, _ = span_create(
        annotation=annotation,
        label=labels.claim,
        start=start,
        end=end,
        claimant=speaker.pk,
        checkworthy="yes",
        actor=None,
    )

    assert (claim.claimant_id, claim.checkworthy) == (speaker.pk, "yes")
    assert events_of(annotation)[-1].after["claimant"] == speaker.pk


@pytest.mark.django_db
def test_span_create_accepts_a_free_text_claimant(annotation, labels):
    start, end = at("France would stay in Mali")

    claim, _ = span_create(
        annotation=annotation,
        label=labels.claim,
        start=start,
        end=end,
        claimant_text="A government spokesperson",
        actor=None,
    )

    assert claim.claimant_text == "A government spokesperson"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"checkworthy": "yes"}, "checkworthy"),
        ({"claimant_text": "Someone"}, "claimant_text"),
    ],
)
def test_span_create_rejects_claim_fields_on_an_entity(annotation, labels, fields, field):
    with pytest.raises(InvalidInput) as excinfo:
        span_create(annotation=annotation, label=labels.per, start=0, end=5, actor=None, **fields)

    assert errors_of(excinfo) == {
        field: [annotating.CLAIM_ONLY.format(field=field, name="PER", a_kind="an entity")]
    }


@pytest.mark.django_db
def test_span_create_rejects_a_claimant_on_an_entity(annotation, labels):
    speaker = entity(annotation, labels.per, "Keita")
    start, end = at("Macron")

    with pytest.raises(InvalidInput) as excinfo:
        span_create(
            annotation=annotation,
            label=labels.per,
            start=start,
            end=end,
            claimant=speaker,
            actor=None,
        )

    assert errors_of(excinfo) == {
        "claimant": [annotating.CLAIM_ONLY.format(field="claimant", name="PER", a_kind="an entity")]
    }


@pytest.mark.django_db
def test_span_create_rejects_a_claim_as_claimant(annotation, labels):
    other_claim = entity(annotation, labels.claim, "Keita met Macron in Bamako.")
    start, end = at("France would stay in Mali")

    with pytest.raises(InvalidInput) as excinfo:
        span_create(
            annotation=annotation,
            label=labels.claim,
            start=start,
            end=end,
            claimant=other_claim,
            actor=None,
        )

    assert errors_of(excinfo) == {
        "claimant": [
            annotating.CLAIMANT_NOT_ENTITY.format(span=f"span {other_claim.pk}", a_kind="a claim")
        ]
    }


@pytest.mark.django_db
def test_span_create_rejects_a_claimant_from_another_annotation(annotation, labels):
    elsewhere = AnnotationFactory(document=annotation.document)
    foreign = entity(elsewhere, labels.per, "Keita")
    start, end = at("France would stay in Mali")

    with pytest.raises(InvalidInput) as excinfo:
        span_create(
            annotation=annotation,
            label=labels.claim,
            start=start,
            end=end,
            claimant=foreign,
            actor=None,
        )

    assert errors_of(excinfo) == {
        "claimant": [annotating.SPAN_NOT_IN_ANNOTATION.format(value=foreign.pk)]
    }


@pytest.mark.django_db
def test_span_create_rejects_both_a_claimant_span_and_claimant_text(annotation, labels):
    speaker = entity(annotation, labels.per, "Macron", 1)
    start, end = at("France would stay in Mali")

    with pytest.raises(InvalidInput) as excinfo:
        span_create(
            annotation=annotation,
            label=labels.claim,
            start=start,
            end=end,
            claimant=speaker,
            claimant_text="Macron",
            actor=None,
        )

    assert errors_of(excinfo) == {"claimant": [annotating.CLAIMANT_AND_TEXT]}


@pytest.mark.django_db
def test_span_create_rejects_an_unknown_checkworthy_value(annotation, labels):
    start, end = at("France would stay in Mali")

    with pytest.raises(InvalidInput) as excinfo:
        span_create(
            annotation=annotation,
            label=labels.claim,
            start=start,
            end=end,
            checkworthy="maybe",
            actor=None,
        )

    assert errors_of(excinfo) == {
        "checkworthy": [annotating.CHECKWORTHY_INVALID.format(value="maybe")]
    }


@pytest.mark.django_db
def test_span_create_rejects_claimant_text_over_the_limit(annotation, labels):
    start, end = at("France would stay in Mali")

    with pytest.raises(InvalidInput) as excinfo:
        span_create(
            annotation=annotation,
            label=labels.claim,
            start=start,
            end=end,
            claimant_text="x" * 501,
            actor=None,
        )

    assert errors_of(excinfo) == {
        "claimant_text": [annotating.CLAIMANT_TEXT_TOO_LONG.format(length=501, limit=500)]
    }


@pytest.mark.django_db
def test_span_create_reads_null_claim_fields_as_empty(annotation, labels):
    span, _ = span_create(
        annotation=annotation,
        label=labels.per,
        start=0,
        end=5,
        claimant_text=None,
        checkworthy=None,
        actor=None,
    )

    assert (span.claimant_text, span.checkworthy) == ("", "")


# span_create: overlap


@pytest.mark.django_db
def test_span_create_refuses_overlapping_spans_of_the_same_kind(annotation, labels):
    keita = entity(annotation, labels.per, "Keita")

    with pytest.raises(InvalidInput) as excinfo:
        span_create(annotation=annotation, label=labels.loc, start=3, end=9, actor=None)

    assert errors_of(excinfo) == {
        "start": [
            annotating.SPAN_OVERLAP.format(
                start=3, end=9, other=f"span {keita.pk}", other_start=0, other_end=5, kind="entity"
            )
        ]
    }
    assert Span.objects.count() == 1


@pytest.mark.django_db
def test_span_create_allows_touching_spans_of_the_same_kind(annotation, labels):
    entity(annotation, labels.per, "Keita")

    _, created = span_create(annotation=annotation, label=labels.per, start=5, end=9, actor=None)

    assert created is True


@pytest.mark.django_db
def test_span_create_allows_a_claim_over_the_entities_in_it(annotation, labels):
    entity(annotation, labels.per, "Keita")
    entity(annotation, labels.per, "Macron")
    start, end = at("Keita met Macron in Bamako.")

    _claim, created = span_create(
        annotation=annotation, label=labels.claim, start=start, end=end, actor=None
    )

    assert created is True


@pytest.mark.django_db
def test_span_create_allows_same_kind_overlap_when_the_project_does(annotation, labels, project):
    project.allow_overlap = True
    project.save()
    entity(annotation, labels.per, "Keita met")

    _span, created = span_create(
        annotation=annotation, label=labels.loc, start=6, end=16, actor=None
    )

    assert created is True
    assert Span.objects.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize("allow_overlap", [False, True])
def test_span_create_refuses_a_span_identical_to_one_in_the_annotation(
    annotation, labels, project, allow_overlap
):
    project.allow_overlap = allow_overlap
    project.save()
    entity(annotation, labels.per, "Keita met")
    macron = entity(annotation, labels.per, "Macron")
    start, end = at("Macron")

    with pytest.raises(InvalidInput) as excinfo:
        span_create(annotation=annotation, label=labels.per, start=start, end=end, actor=None)

    assert errors_of(excinfo) == {
        "start": [
            annotating.SPAN_IDENTICAL.format(
                start=start, end=end, label="PER", other=f"span {macron.pk}"
            )
        ]
    }
    assert Span.objects.count() == 2


@pytest.mark.django_db
def test_span_create_finds_the_identical_span_behind_wider_overlapping_ones(
    annotation, labels, project
):
    project.allow_overlap = True
    project.save()
    entity(annotation, labels.loc, "Keita met Macron")
    entity(annotation, labels.per, "met Macron")
    macron = entity(annotation, labels.per, "Macron")

    with pytest.raises(InvalidInput) as excinfo:
        span_create(annotation=annotation, label=labels.per, start=10, end=16, actor=None)

    assert f"as span {macron.pk}:" in errors_of(excinfo)["start"][0]
    assert Span.objects.count() == 3


@pytest.mark.django_db
def test_span_create_allows_the_same_offsets_with_another_label_when_overlap_is_allowed(
    annotation, labels, project
):
    project.allow_overlap = True
    project.save()
    entity(annotation, labels.per, "Macron")

    _span, created = span_create(
        annotation=annotation, label=labels.loc, start=10, end=16, actor=None
    )

    assert created is True


# span_create: client ids and versions


@pytest.mark.django_db
def test_span_create_replayed_with_the_same_client_id_and_body_returns_the_span(annotation, labels):
    client_id = uuid.uuid4()
    start, end = at("Macron")
    body = {"annotation": annotation, "label": labels.per.pk, "start": start, "end": end}

    first, created = span_create(**body, client_id=client_id, actor=None)
    again, created_again = span_create(**body, client_id=str(client_id), text="Macron", actor=None)

    assert (created, created_again) == (True, False)
    assert again.pk == first.pk
    assert version_of(annotation) == 2, "a replay is not a write"
    assert len(events_of(annotation)) == 1
    assert annotation.version == 2
    assert again.annotation.version == 2


@pytest.mark.django_db
def test_span_create_reusing_a_client_id_for_another_body_conflicts(annotation, labels):
    client_id = uuid.uuid4()
    first = entity(annotation, labels.per, "Keita", client_id=client_id)
    start, end = at("Macron")

    with pytest.raises(Conflict) as excinfo:
        span_create(
            annotation=annotation,
            label=labels.per,
            start=start,
            end=end,
            client_id=client_id,
            actor=None,
        )

    assert excinfo.value.detail == annotating.CLIENT_ID_REUSED.format(
        client_id=client_id, span=first.pk
    )
    assert excinfo.value.current_version == 2
    assert Span.objects.count() == 1


@pytest.mark.django_db
def test_span_create_allows_the_same_client_id_in_another_annotation(annotation, labels):
    client_id = uuid.uuid4()
    entity(annotation, labels.per, "Keita", client_id=client_id)
    elsewhere = AnnotationFactory(document=annotation.document)

    _span, created = span_create(
        annotation=elsewhere, label=labels.per, start=0, end=5, client_id=client_id, actor=None
    )

    assert created is True


@pytest.mark.django_db
def test_span_create_rejects_a_client_id_that_is_not_a_uuid(annotation, labels):
    with pytest.raises(InvalidInput) as excinfo:
        span_create(
            annotation=annotation, label=labels.per, start=0, end=5, client_id="abc", actor=None
        )

    assert errors_of(excinfo) == {"client_id": [annotating.CLIENT_ID_INVALID.format(value="abc")]}


@pytest.mark.django_db
def test_span_create_refuses_a_stale_version_when_one_is_sent(annotation, labels):
    entity(annotation, labels.per, "Keita")

    with pytest.raises(Conflict) as excinfo:
        span_create(annotation=annotation, label=labels.per, start=6, end=9, version=1, actor=None)

    assert excinfo.value.current_version == 2
    assert Span.objects.count() == 1


@pytest.mark.django_db
def test_every_write_bumps_version_by_one_and_appends_one_event(annotation, labels, target):
    actor = annotation.author
    span, _ = span_create(annotation=annotation, label=labels.per, start=0, end=5, actor=actor)
    span = span_update(span=span, label=labels.loc, actor=actor)
    stance = stance_create(
        annotation=annotation, target=target, label=labels.favor, holder=span, actor=actor
    )
    stance = stance_update(stance=stance, label=labels.against, actor=actor)
    stance_delete(stance=stance, actor=actor)
    span_delete(span=span, actor=actor)
    annotation_set_status(annotation=annotation, status="submitted", version=7, actor=actor)

    events = events_of(annotation)
    assert [(e.action, e.version) for e in events] == [
        ("span_created", 2),
        ("span_changed", 3),
        ("stance_created", 4),
        ("stance_changed", 5),
        ("stance_deleted", 6),
        ("span_deleted", 7),
        ("status_changed", 8),
    ]
    assert version_of(annotation) == 8
    assert {e.actor_id for e in events} == {actor.pk}
    changed = events[1]
    assert (changed.before["label_name"], changed.after["label_name"]) == ("PER", "LOC")
    assert changed.object_id == span.pk
    assert (events[3].before["label"], events[3].after["label"]) == (
        labels.favor.pk,
        labels.against.pk,
    )
    assert events[4].before["target_name"] == "French presence"
    assert events[4].after is None
    assert events[5].before["text"] == "Keita"
    assert events[5].after is None


# span_update


@pytest.mark.django_db
def test_span_update_moves_a_span_and_copies_the_new_text(annotation, labels):
    span = entity(annotation, labels.per, "Keita")
    start, end = at("Macron")

    updated = span_update(span=span, start=start, end=end, text="Macron", actor=None)

    assert (updated.start, updated.end, updated.text) == (start, end, "Macron")
    assert Span.objects.get(pk=span.pk).text == "Macron"
    assert span.text == "Macron", "the caller's instance carries the change"
    [_, event] = events_of(annotation)
    assert (event.before["text"], event.after["text"]) == ("Keita", "Macron")


@pytest.mark.django_db
def test_span_update_checks_offsets_against_the_text(annotation, labels):
    span = entity(annotation, labels.per, "Keita")

    with pytest.raises(InvalidInput) as excinfo:
        span_update(span=span, end=len(TEXT) + 3, actor=None)

    assert list(errors_of(excinfo)) == ["end"]
    assert Span.objects.get(pk=span.pk).end == 5


@pytest.mark.django_db
def test_span_update_refuses_overlap_with_another_span_but_not_with_itself(annotation, labels):
    keita = entity(annotation, labels.per, "Keita")
    macron = entity(annotation, labels.per, "Macron")

    span_update(span=keita, end=4, actor=None)
    with pytest.raises(InvalidInput) as excinfo:
        span_update(span=keita, end=macron.start + 1, actor=None)

    assert list(errors_of(excinfo)) == ["start"]
    assert f"span {macron.pk}" in errors_of(excinfo)["start"][0]


@pytest.mark.django_db
@pytest.mark.parametrize("allow_overlap", [False, True])
def test_span_update_refuses_making_a_span_identical_to_another(
    annotation, labels, project, allow_overlap
):
    project.allow_overlap = allow_overlap
    project.save()
    macron = entity(annotation, labels.per, "Macron")
    place = entity(annotation, labels.loc, "Macron", 1)

    with pytest.raises(InvalidInput) as excinfo:
        span_update(span=place, start=10, end=16, label=labels.per, actor=None)

    assert errors_of(excinfo) == {
        "start": [
            annotating.SPAN_IDENTICAL.format(
                start=10, end=16, label="PER", other=f"span {macron.pk}"
            )
        ]
    }
    place.refresh_from_db()
    assert (place.label, place.start) == (labels.loc, at("Macron", 1)[0])


@pytest.mark.django_db
def test_span_update_without_a_change_is_not_a_write(annotation, labels):
    span = entity(annotation, labels.per, "Keita")

    span_update(span=span, start=0, end=5, label=labels.per, actor=None)

    assert version_of(annotation) == 2
    assert len(events_of(annotation)) == 1


@pytest.mark.django_db
def test_span_update_refuses_relabelling_a_checkworthy_claim_as_entity(annotation, labels):
    claim = entity(annotation, labels.claim, "France would stay", checkworthy="yes")

    with pytest.raises(InvalidInput) as excinfo:
        span_update(span=claim, label=labels.per, actor=None)
    relabelled = span_update(span=claim, label=labels.per, checkworthy="", actor=None)

    assert errors_of(excinfo) == {
        "checkworthy": [
            annotating.CLAIM_ONLY.format(field="checkworthy", name="PER", a_kind="an entity")
        ]
    }
    assert relabelled.label_id == labels.per.pk


@pytest.mark.django_db
def test_span_update_refuses_relabelling_a_claimant_away_from_entity(annotation, labels):
    speaker = entity(annotation, labels.per, "Macron", 1)
    claim = entity(annotation, labels.claim, "France would stay", claimant=speaker)

    with pytest.raises(InvalidInput) as excinfo:
        span_update(span=speaker, label=labels.claim, actor=None)

    assert errors_of(excinfo) == {
        "label": [annotating.SPAN_IS_CLAIMANT.format(span=speaker.pk, claims=str(claim.pk))]
    }


@pytest.mark.django_db
def test_span_update_refuses_relabelling_a_stance_holder_away_from_entity(
    annotation, labels, target
):
    holder = entity(annotation, labels.per, "Macron", 1)
    stance = stance_create(
        annotation=annotation, target=target, label=labels.favor, holder=holder, actor=None
    )

    with pytest.raises(InvalidInput) as excinfo:
        span_update(span=holder, label=labels.claim, actor=None)

    assert errors_of(excinfo) == {
        "label": [annotating.SPAN_HOLDS_STANCES.format(span=holder.pk, stances=str(stance.pk))]
    }


@pytest.mark.django_db
def test_span_update_sets_and_clears_a_claimant(annotation, labels):
    speaker = entity(annotation, labels.per, "Macron", 1)
    claim = entity(annotation, labels.claim, "France would stay")

    linked = span_update(span=claim, claimant=speaker.pk, actor=None)
    assert linked.claimant_id == speaker.pk
    unlinked = span_update(span=claim, claimant=None, claimant_text="Paris", actor=None)

    assert (unlinked.claimant_id, unlinked.claimant_text) == (None, "Paris")


@pytest.mark.django_db
def test_span_update_refuses_a_claim_as_its_own_claimant(annotation, labels):
    claim = entity(annotation, labels.claim, "France would stay")

    with pytest.raises(InvalidInput) as excinfo:
        span_update(span=claim, claimant=claim, actor=None)

    assert annotating.CLAIMANT_SELF in errors_of(excinfo)["claimant"]


@pytest.mark.django_db
def test_span_update_rejects_a_label_of_another_project(annotation, labels):
    span = entity(annotation, labels.per, "Keita")
    foreign = LabelFactory()

    with pytest.raises(InvalidInput) as excinfo:
        span_update(span=span, label=foreign.pk, actor=None)

    assert errors_of(excinfo) == {
        "label": [annotating.LABEL_NOT_IN_PROJECT.format(value=foreign.pk)]
    }


@pytest.mark.django_db
def test_span_update_of_a_deleted_span_is_not_found(annotation, labels):
    span = entity(annotation, labels.per, "Keita")
    Span.objects.filter(pk=span.pk).delete()

    with pytest.raises(NotFound):
        span_update(span=span, end=4, actor=None)


# span_delete


@pytest.mark.django_db
def test_span_delete_removes_the_span_and_logs_what_it_was(annotation, labels):
    span = entity(annotation, labels.per, "Keita")

    span_delete(span=span, actor=None)

    assert not Span.objects.exists()
    event = events_of(annotation)[-1]
    assert (event.action, event.object_id, event.version) == ("span_deleted", span.pk, 3)
    assert event.before["text"] == "Keita"


@pytest.mark.django_db
def test_deletes_return_the_annotation_at_its_new_version(annotation, labels, target):
    span = entity(annotation, labels.per, "Keita")
    stance = stance_create(annotation=annotation, target=target, label=labels.favor, actor=None)

    after_stance = stance_delete(stance=stance, actor=None)
    after_span = span_delete(span=span, actor=None)

    assert (after_stance.pk, after_stance.version) == (annotation.pk, 4)
    assert after_span.version == 5


@pytest.mark.django_db
def test_span_update_returns_the_span_with_the_current_annotation(annotation, labels):
    span = entity(annotation, labels.per, "Keita")

    updated = span_update(span=span, end=4, actor=None)

    assert updated.annotation.version == 3


@pytest.mark.django_db
def test_span_delete_refuses_a_claimant_naming_its_claim(annotation, labels):
    speaker = entity(annotation, labels.per, "Macron", 1)
    claim = entity(annotation, labels.claim, "France would stay", claimant=speaker)

    with pytest.raises(InvalidInput) as excinfo:
        span_delete(span=speaker, actor=None)

    assert errors_of(excinfo) == {
        "span": [annotating.SPAN_IS_CLAIMANT.format(span=speaker.pk, claims=str(claim.pk))]
    }
    assert Span.objects.count() == 2
    assert version_of(annotation) == 3


@pytest.mark.django_db
def test_span_delete_refuses_a_stance_holder_or_evidence(annotation, labels, target):
    holder = entity(annotation, labels.per, "Macron", 1)
    evidence = entity(annotation, labels.claim, "France would stay")
    stance = stance_create(
        annotation=annotation,
        target=target,
        label=labels.favor,
        holder=holder,
        evidence=evidence,
        actor=None,
    )

    with pytest.raises(InvalidInput) as held:
        span_delete(span=holder, actor=None)
    with pytest.raises(InvalidInput) as evidenced:
        span_delete(span=evidence, actor=None)

    assert errors_of(held) == {
        "span": [annotating.SPAN_HOLDS_STANCES.format(span=holder.pk, stances=str(stance.pk))]
    }
    assert errors_of(evidenced) == {
        "span": [annotating.SPAN_IS_EVIDENCE.format(span=evidence.pk, stances=str(stance.pk))]
    }
    assert Span.objects.count() == 2


# stances


@pytest.mark.django_db
def test_stance_create_records_holder_and_evidence_and_logs(annotation, labels, target):
    holder = entity(annotation, labels.per, "Macron", 1)
    evidence = entity(annotation, labels.claim, "France would stay in Mali")

    stance = stance_create(
        annotation=annotation,
        target=target.pk,
        label=labels.favor.pk,
        holder=holder.pk,
        evidence=evidence.pk,
        actor=None,
    )

    assert (stance.target_id, stance.label_id, stance.holder_id, stance.evidence_id) == (
        target.pk,
        labels.favor.pk,
        holder.pk,
        evidence.pk,
    )
    event = events_of(annotation)[-1]
    assert event.after == {
        "id": stance.pk,
        "target": target.pk,
        "target_name": "French presence",
        "label": labels.favor.pk,
        "label_name": "FAVOR",
        "holder": holder.pk,
        "evidence": evidence.pk,
        "attributes": {},
    }
    assert annotation.version == 4


@pytest.mark.django_db
def test_stance_create_rejects_a_target_of_another_project(annotation, labels):
    foreign = StanceTargetFactory()

    with pytest.raises(InvalidInput) as excinfo:
        stance_create(annotation=annotation, target=foreign, label=labels.favor, actor=None)

    assert errors_of(excinfo) == {
        "target": [annotating.TARGET_NOT_IN_PROJECT.format(value=foreign.pk)]
    }
    assert not Stance.objects.exists()


@pytest.mark.django_db
def test_stance_create_rejects_a_non_stance_label_and_a_label_of_another_project(
    annotation, labels, target
):
    foreign = LabelFactory(kind="stance")

    with pytest.raises(InvalidInput) as wrong_kind:
        stance_create(annotation=annotation, target=target, label=labels.per, actor=None)
    with pytest.raises(InvalidInput) as elsewhere:
        stance_create(annotation=annotation, target=target, label=foreign, actor=None)

    assert errors_of(wrong_kind) == {
        "label": ["Label 'PER' is an entity label; stances take stance labels."]
    }
    assert errors_of(elsewhere) == {
        "label": [annotating.LABEL_NOT_IN_PROJECT.format(value=foreign.pk)]
    }


@pytest.mark.django_db
def test_stance_create_rejects_a_claim_as_holder(annotation, labels, target):
    claim = entity(annotation, labels.claim, "France would stay")

    with pytest.raises(InvalidInput) as excinfo:
        stance_create(
            annotation=annotation, target=target, label=labels.favor, holder=claim, actor=None
        )

    assert errors_of(excinfo) == {
        "holder": [annotating.HOLDER_NOT_ENTITY.format(span=f"span {claim.pk}", a_kind="a claim")]
    }


@pytest.mark.django_db
def test_stance_create_rejects_spans_of_another_annotation(annotation, labels, target):
    elsewhere = AnnotationFactory(document=annotation.document)
    foreign = entity(elsewhere, labels.per, "Keita")

    with pytest.raises(InvalidInput) as excinfo:
        stance_create(
            annotation=annotation,
            target=target,
            label=labels.favor,
            holder=foreign,
            evidence=foreign.pk,
            actor=None,
        )

    assert errors_of(excinfo) == {
        "holder": [annotating.SPAN_NOT_IN_ANNOTATION.format(value=foreign.pk)],
        "evidence": [annotating.SPAN_NOT_IN_ANNOTATION.format(value=foreign.pk)],
    }


@pytest.mark.django_db
def test_stance_create_allows_one_stance_per_target_and_holder(annotation, labels, target):
    macron = entity(annotation, labels.per, "Macron")
    keita = entity(annotation, labels.per, "Keita")
    stance_create(annotation=annotation, target=target, label=labels.favor, actor=None)
    stance_create(
        annotation=annotation, target=target, label=labels.favor, holder=macron, actor=None
    )
    stance_create(
        annotation=annotation, target=target, label=labels.against, holder=keita, actor=None
    )

    with pytest.raises(InvalidInput) as by_author:
        stance_create(annotation=annotation, target=target, label=labels.against, actor=None)
    with pytest.raises(InvalidInput) as by_macron:
        stance_create(
            annotation=annotation, target=target, label=labels.against, holder=macron, actor=None
        )

    assert errors_of(by_author) == {
        "target": [
            annotating.STANCE_DUPLICATE.format(
                target="French presence", holder=annotating.AUTHOR_AS_HOLDER
            )
        ]
    }
    assert errors_of(by_macron) == {
        "target": [
            annotating.STANCE_DUPLICATE.format(target="French presence", holder=f"span {macron.pk}")
        ]
    }
    assert Stance.objects.count() == 3


@pytest.mark.django_db
def test_stance_update_changes_holder_and_evidence(annotation, labels, target):
    macron = entity(annotation, labels.per, "Macron")
    claim = entity(annotation, labels.claim, "France would stay")
    stance = stance_create(annotation=annotation, target=target, label=labels.favor, actor=None)

    updated = stance_update(stance=stance, holder=macron.pk, evidence=claim, actor=None)

    assert (updated.holder_id, updated.evidence_id) == (macron.pk, claim.pk)
    event = events_of(annotation)[-1]
    assert (event.before["holder"], event.after["holder"]) == (None, macron.pk)
    assert (event.before["evidence"], event.after["evidence"]) == (None, claim.pk)


@pytest.mark.django_db
def test_stance_update_refuses_a_second_stance_for_the_same_target_and_holder(
    annotation, labels, target
):
    macron = entity(annotation, labels.per, "Macron")
    stance_create(annotation=annotation, target=target, label=labels.favor, actor=None)
    by_macron = stance_create(
        annotation=annotation, target=target, label=labels.against, holder=macron, actor=None
    )

    with pytest.raises(InvalidInput) as excinfo:
        stance_update(stance=by_macron, holder=None, actor=None)

    assert errors_of(excinfo) == {
        "target": [
            annotating.STANCE_DUPLICATE.format(
                target="French presence", holder=annotating.AUTHOR_AS_HOLDER
            )
        ]
    }
    assert Stance.objects.get(pk=by_macron.pk).holder_id == macron.pk


@pytest.mark.django_db
def test_stance_update_keeps_its_own_target_and_holder_when_changing_the_label(
    annotation, labels, target
):
    stance = stance_create(annotation=annotation, target=target, label=labels.favor, actor=None)

    updated = stance_update(stance=stance, label=labels.against.pk, actor=None)

    assert updated.label_id == labels.against.pk


@pytest.mark.django_db
def test_stance_delete_removes_the_stance_and_then_its_holder_can_go(annotation, labels, target):
    holder = entity(annotation, labels.per, "Macron")
    stance = stance_create(
        annotation=annotation, target=target, label=labels.favor, holder=holder, actor=None
    )

    stance_delete(stance=stance, actor=None)
    span_delete(span=holder, actor=None)

    assert not Stance.objects.exists()
    assert not Span.objects.exists()
    assert [e.action for e in events_of(annotation)][-2:] == ["stance_deleted", "span_deleted"]


@pytest.mark.django_db
def test_stance_delete_of_a_deleted_stance_is_not_found(annotation, labels, target):
    stance = stance_create(annotation=annotation, target=target, label=labels.favor, actor=None)
    Stance.objects.filter(pk=stance.pk).delete()

    with pytest.raises(NotFound):
        stance_delete(stance=stance, actor=None)


# annotation_replace_content


def span_item(label: str, word: str, occurrence: int = 0, **fields) -> dict:
    start, end = at(word, occurrence)
    return {"label": label, "start": start, "end": end, **fields}


@pytest.mark.django_db
def test_annotation_replace_content_swaps_old_content_for_new_in_one_write(
    annotation, labels, target
):
    old_speaker = entity(annotation, labels.per, "Keita")
    old_claim = entity(annotation, labels.claim, "Keita met Macron", claimant=old_speaker)
    stance_create(
        annotation=annotation, target=target, label=labels.favor, holder=old_speaker, actor=None
    )
    version_before = version_of(annotation)

    content = annotation_replace_content(
        annotation=annotation,
        spans=[
            span_item("CLAIM", "France would stay in Mali", claimant=1, checkworthy="yes"),
            span_item("PER", "Macron", 1, text="Macron"),
            span_item("LOC", "Mali"),
            span_item("CLAIM", "Keita met Macron", claimant_text="Reuters"),
        ],
        stances=[
            {"target": "French presence", "label": "FAVOR", "holder": 1, "evidence": 0},
            {"target": "French presence", "label": "AGAINST"},
        ],
        actor=annotation.author,
    )

    claim, macron, mali, reported = content.spans
    assert claim.claimant_id == macron.pk
    assert (claim.text, claim.checkworthy) == ("France would stay in Mali", "yes")
    assert (reported.claimant_text, mali.text) == ("Reuters", "Mali")
    assert set(Span.objects.filter(annotation=annotation).values_list("pk", flat=True)) == {
        claim.pk,
        macron.pk,
        mali.pk,
        reported.pk,
    }
    assert not Span.objects.filter(pk__in=[old_speaker.pk, old_claim.pk]).exists()
    favor, against = content.stances
    assert (favor.holder_id, favor.evidence_id, favor.label_id) == (
        macron.pk,
        claim.pk,
        labels.favor.pk,
    )
    assert (against.holder_id, against.label_id) == (None, labels.against.pk)
    assert Stance.objects.filter(annotation=annotation).count() == 2
    assert version_of(annotation) == version_before + 1
    assert annotation.version == version_before + 1
    event = events_of(annotation)[-1]
    assert (event.action, event.version) == ("content_replaced", version_before + 1)
    assert [s["text"] for s in event.before["spans"]] == ["Keita", "Keita met Macron"]
    assert len(event.before["stances"]) == 1
    assert [s["id"] for s in event.after["spans"]] == [claim.pk, macron.pk, mali.pk, reported.pk]
    assert event.after["spans"][0]["claimant"] == macron.pk
    assert event.after["stances"][0]["holder"] == macron.pk


@pytest.mark.django_db
def test_annotation_replace_content_with_nothing_empties_the_annotation(annotation, labels):
    entity(annotation, labels.per, "Keita")

    content = annotation_replace_content(annotation=annotation, spans=[], stances=[], actor=None)

    assert (content.spans, content.stances) == ([], [])
    assert not Span.objects.exists()
    assert version_of(annotation) == 3


@pytest.mark.django_db
def test_annotation_replace_content_reports_every_bad_item_and_writes_nothing(
    annotation, labels, target
):
    keep = entity(annotation, labels.per, "Keita")
    foreign = LabelFactory(name="ORG")

    with pytest.raises(InvalidInput) as excinfo:
        annotation_replace_content(
            annotation=annotation,
            spans=[
                span_item("PER", "Macron"),
                {"label": "PER", "start": 10, "end": len(TEXT) + 1},
                span_item(foreign.name, "France"),
                span_item("FAVOR", "Mali"),
                span_item("PER", "Bamako", text="Bamako!"),
                span_item("LOC", "stay", claimant=0),
                span_item("CLAIM", "France would stay", claimant=0, claimant_text="AFP"),
                {"start": 0},
                "not an object",
                span_item("CLAIM", "Keita met", claimant=9),
                span_item("CLAIM", "that France", claimant=99),
                span_item("PER", "said", colour="red"),
            ],
            stances=[
                {"target": "Nobody", "label": "FAVOR"},
                {"target": "French presence", "label": "PER", "holder": 9},
                {"target": "French presence", "label": "FAVOR", "evidence": -1},
            ],
            actor=None,
        )

    length = len(TEXT)
    assert errors_of(excinfo) == {
        "spans.1.end": [offsets.RANGE_PAST_TEXT.format(end=length + 1, length=length)],
        "spans.2.label": [annotating.LABEL_NAME_NOT_IN_PROJECT.format(value="ORG")],
        "spans.3.label": [annotating.SPAN_LABEL_KIND.format(name="FAVOR", a_kind="a stance")],
        "spans.4.text": [
            offsets.TEXT_MISMATCH.format(
                sent="Bamako!", start=at("Bamako")[0], end=at("Bamako")[1], actual="Bamako"
            )
        ],
        "spans.5.claimant": [
            annotating.CLAIM_ONLY.format(field="claimant", name="LOC", a_kind="an entity")
        ],
        "spans.6.claimant": [annotating.CLAIMANT_AND_TEXT],
        "spans.7.label": [annotating.REQUIRED],
        "spans.7.end": [annotating.REQUIRED],
        "spans.8": [annotating.NOT_AN_OBJECT],
        "spans.9.claimant": [annotating.CLAIMANT_SELF],
        "spans.10.claimant": [annotating.INDEX_INVALID.format(last=11, value=99)],
        "spans.11.colour": [
            annotating.UNKNOWN_FIELD.format(fields=", ".join(annotating.SPAN_FIELDS))
        ],
        "stances.0.target": [annotating.TARGET_NAME_NOT_IN_PROJECT.format(value="Nobody")],
        "stances.1.label": [annotating.STANCE_LABEL_KIND.format(name="PER", a_kind="an entity")],
        "stances.1.holder": [annotating.HOLDER_NOT_ENTITY.format(span="spans.9", a_kind="a claim")],
        "stances.2.evidence": [annotating.INDEX_INVALID.format(last=11, value=-1)],
    }
    assert list(Span.objects.filter(annotation=annotation)) == [keep]
    assert version_of(annotation) == 2
    assert len(events_of(annotation)) == 1


@pytest.mark.django_db
def test_annotation_replace_content_refuses_a_claim_as_claimant(annotation, labels):
    with pytest.raises(InvalidInput) as excinfo:
        annotation_replace_content(
            annotation=annotation,
            spans=[
                span_item("CLAIM", "Keita met Macron"),
                span_item("CLAIM", "France would stay", claimant=0),
            ],
            stances=[],
            actor=None,
        )

    assert errors_of(excinfo) == {
        "spans.1.claimant": [
            annotating.CLAIMANT_NOT_ENTITY.format(span="spans.0", a_kind="a claim")
        ]
    }


@pytest.mark.django_db
def test_annotation_replace_content_refuses_same_kind_overlap_between_items(annotation, labels):
    with pytest.raises(InvalidInput) as excinfo:
        annotation_replace_content(
            annotation=annotation,
            spans=[
                {"label": "PER", "start": 0, "end": 9},
                {"label": "CLAIM", "start": 0, "end": 20},
                {"label": "LOC", "start": 6, "end": 16},
            ],
            stances=[],
            actor=None,
        )

    assert errors_of(excinfo) == {
        "spans.2.start": [
            annotating.SPAN_OVERLAP.format(
                start=6, end=16, other="spans.0", other_start=0, other_end=9, kind="entity"
            )
        ]
    }


@pytest.mark.django_db
def test_annotation_replace_content_finds_overlap_with_a_wide_earlier_item(annotation, labels):
    with pytest.raises(InvalidInput) as excinfo:
        annotation_replace_content(
            annotation=annotation,
            spans=[
                {"label": "LOC", "start": 30, "end": 33},
                {"label": "PER", "start": 0, "end": 20},
                {"label": "PER", "start": 2, "end": 4},
                {"label": "LOC", "start": 20, "end": 30},
                {"label": "PER", "start": 10, "end": 12},
            ],
            stances=[],
            actor=None,
        )

    overlap = annotating.SPAN_OVERLAP
    assert errors_of(excinfo) == {
        "spans.2.start": [
            overlap.format(
                start=2, end=4, other="spans.1", other_start=0, other_end=20, kind="entity"
            )
        ],
        "spans.4.start": [
            overlap.format(
                start=10, end=12, other="spans.1", other_start=0, other_end=20, kind="entity"
            )
        ],
    }


@pytest.mark.django_db
def test_annotation_replace_content_reads_null_optional_fields_as_absent(
    annotation, labels, target
):
    content = annotation_replace_content(
        annotation=annotation,
        spans=[
            {
                "label": "CLAIM",
                "start": 0,
                "end": 5,
                "text": None,
                "client_id": None,
                "claimant": None,
                "claimant_text": None,
                "checkworthy": None,
            }
        ],
        stances=[{"target": "French presence", "label": "FAVOR", "holder": None, "evidence": None}],
        actor=None,
    )

    [claim] = content.spans
    assert (claim.text, claim.claimant_text, claim.checkworthy) == ("Keita", "", "")


@pytest.mark.django_db
def test_annotation_replace_content_allows_overlap_when_the_project_does(
    annotation, labels, project
):
    project.allow_overlap = True
    project.save()

    content = annotation_replace_content(
        annotation=annotation,
        spans=[{"label": "PER", "start": 0, "end": 9}, {"label": "LOC", "start": 6, "end": 16}],
        stances=[],
        actor=None,
    )

    assert len(content.spans) == 2


@pytest.mark.django_db
@pytest.mark.parametrize("allow_overlap", [False, True])
def test_annotation_replace_content_refuses_an_item_identical_to_an_earlier_one(
    annotation, labels, project, allow_overlap
):
    project.allow_overlap = allow_overlap
    project.save()
    span = {"label": "PER", "start": 0, "end": 5}

    with pytest.raises(InvalidInput) as excinfo:
        annotation_replace_content(
            annotation=annotation, spans=[span, {**span, "end": 9}, span], stances=[], actor=None
        )

    assert errors_of(excinfo)["spans.2.start"] == [
        annotating.SPAN_IDENTICAL.format(start=0, end=5, label="PER", other="spans.0")
    ]
    assert not Span.objects.exists()


@pytest.mark.django_db
def test_annotation_replace_content_refuses_duplicate_stances_and_client_ids(
    annotation, labels, target
):
    client_id = str(uuid.uuid4())

    with pytest.raises(InvalidInput) as excinfo:
        annotation_replace_content(
            annotation=annotation,
            spans=[
                span_item("PER", "Keita", client_id=client_id),
                span_item("PER", "Macron", client_id=client_id),
            ],
            stances=[
                {"target": "French presence", "label": "FAVOR", "holder": 0},
                {"target": "French presence", "label": "AGAINST", "holder": 0},
            ],
            actor=None,
        )

    assert errors_of(excinfo) == {
        "spans.1.client_id": [annotating.CLIENT_ID_DUPLICATE.format(client_id=client_id, index=0)],
        "stances.1.target": [
            annotating.STANCE_DUPLICATE.format(target="French presence", holder="spans.0")
            + " (stances.0)"
        ],
    }


@pytest.mark.django_db
def test_annotation_replace_content_rejects_bodies_that_are_not_lists(annotation):
    with pytest.raises(InvalidInput) as excinfo:
        annotation_replace_content(
            annotation=annotation, spans={"label": "PER"}, stances=None, actor=None
        )

    assert errors_of(excinfo) == {
        "spans": [annotating.NOT_A_LIST],
        "stances": [annotating.NOT_A_LIST],
    }


@pytest.mark.django_db
def test_annotation_replace_content_refuses_a_stale_version(annotation, labels):
    entity(annotation, labels.per, "Keita")

    with pytest.raises(Conflict) as excinfo:
        annotation_replace_content(
            annotation=annotation, spans=[], stances=[], actor=None, version=1
        )

    assert excinfo.value.current_version == 2
    assert Span.objects.count() == 1


def words_text(count: int) -> str:
    return " ".join(f"w{index:03d}" for index in range(count))


def bulk_body(count: int) -> tuple[list[dict], list[dict]]:
    """``count`` entities, a claim naming each, and a stance held by each."""
    spans, stances = [], []
    for index in range(count):
        # Each word is 4 code points plus a space: entity on the word, claim on the space.
        spans.append({"label": "PER", "start": index * 5, "end": index * 5 + 4})
    for index in range(count):
        spans.append(
            {"label": "CLAIM", "start": index * 5, "end": index * 5 + 4, "claimant": index}
        )
    for index in range(count):
        stances.append(
            {"target": "French presence", "label": "FAVOR", "holder": index, "evidence": count}
        )
    return spans, stances


@pytest.mark.django_db
def test_annotation_replace_content_runs_the_same_queries_for_3_or_30_items(
    project, labels, target, django_assert_max_num_queries
):
    counts = []
    for count in (3, 30):
        document = DocumentFactory(project=project, text=words_text(count))
        annotation = AnnotationFactory(document=document)
        spans, stances = bulk_body(count)
        # Existing content of the same size, so deleting is measured too (with the statements
        # that move the old items' comments to the document's thread). Relations: read and
        # deleted first, then Django checks the RESTRICT of the spans' two relation ends. Document
        # labels are left as they are (not read) when the body does not give them.
        # Claims: their records are read to carry them over; deleting spans clears what points
        # at them (records, claim links, the matching index, cluster canonicals, suggestion
        # decisions): six statements whatever the count. The annotator's suggestion decisions
        # that name a span are read first, to follow them onto the new spans (one query; one
        # update more when there are some).
        annotation_replace_content(annotation=annotation, spans=spans, stances=stances, actor=None)

        # The labels' attributes are read with the labels (one query).
        with django_assert_max_num_queries(33) as captured:
            content = annotation_replace_content(
                annotation=annotation, spans=spans, stances=stances, actor=None
            )

        assert len(content.spans) == 2 * count
        assert Stance.objects.filter(annotation=annotation).count() == count
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]


@pytest.mark.django_db
def test_span_create_runs_a_fixed_number_of_queries(
    annotation, labels, django_assert_max_num_queries
):
    for word in ("Keita", "Bamako", "France", "Mali"):
        entity(annotation, labels.per, word)
    start, end = at("Macron")

    with django_assert_max_num_queries(8):
        span_create(annotation=annotation, label=labels.per, start=start, end=end, actor=None)


# Concurrency


def race(write, writers: int = 2) -> None:
    """Run ``write(who, barrier)`` in ``writers`` threads at once, each on its own database
    connection; fail with what any of them raised."""
    barrier = threading.Barrier(writers)
    failures: list[BaseException] = []

    def run(who: int) -> None:
        try:
            write(who, barrier)
        except BaseException as error:
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(who,)) for who in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures, failures


@pytest.mark.django_db(transaction=True)
def test_concurrent_span_creates_on_one_annotation_lose_no_write(project, labels):
    document = DocumentFactory(project=project, text=" ".join(["ab"] * 40))
    annotation = AnnotationFactory(document=document)

    def annotate(first: int, barrier: threading.Barrier) -> None:
        mine = Annotation.objects.get(pk=annotation.pk)
        barrier.wait(timeout=30)
        for index in range(first, 40, 2):
            span_create(
                annotation=mine,
                label=labels.per.pk,
                start=index * 3,
                end=index * 3 + 2,
                client_id=uuid.uuid4(),
                actor=None,
            )

    race(annotate)
    assert Span.objects.filter(annotation=annotation).count() == 40
    assert version_of(annotation) == 41
    versions = sorted(
        AnnotationEvent.objects.filter(annotation=annotation).values_list("version", flat=True)
    )
    assert versions == list(range(2, 42))


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("held", [True, False], ids=["by-an-entity", "by-the-author"])
def test_concurrent_stances_on_one_slot_leave_exactly_one(project, labels, held):
    """One stance per target and holder is no database constraint since the holder became a
    relation (migration 0035): the annotation's lock makes two writers racing for one slot
    take turns, so the second is refused, slot after slot."""
    document = DocumentFactory(project=project, text=TEXT)
    annotation = AnnotationFactory(document=document)
    holder = SpanFactory(annotation=annotation, label=labels.per, start=0, end=5) if held else None
    targets = [StanceTargetFactory(project=project, name=f"target {n}") for n in range(8)]
    refused: list[list[str]] = [[], []]

    def write(who: int, barrier: threading.Barrier) -> None:
        mine = Annotation.objects.get(pk=annotation.pk)
        for target in targets:
            barrier.wait(timeout=30)
            try:
                stance_create(
                    annotation=mine,
                    target=target.pk,
                    label=(labels.favor, labels.against)[who].pk,
                    holder=None if holder is None else holder.pk,
                    actor=None,
                )
            except InvalidInput as error:
                refused[who].extend(error.errors["target"])

    race(write)
    stored = list(Stance.objects.with_links().filter(annotation=annotation))
    assert sorted(stance.target_id for stance in stored) == [target.pk for target in targets]
    assert {stance.holder_id for stance in stored} == {None if holder is None else holder.pk}
    # Every slot: one writer won, the other was told why (eight refusals in all).
    assert len(refused[0]) + len(refused[1]) == len(targets)
    assert all("already has a stance on" in message for message in refused[0] + refused[1])
