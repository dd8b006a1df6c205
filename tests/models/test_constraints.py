"""The database itself refuses bad rows, whatever Python code (or a raw SQL session) writes.

Every bad write here goes through ``QuerySet.update()``, ``bulk_create()`` or raw SQL, so no
model validation runs: only the constraints in the schema stand between the row and the table.
"""

import hashlib
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import DataError, IntegrityError, connection, transaction
from django.db.models import ProtectedError, RestrictedError

from annotations.models import (
    Annotation,
    AnnotationEvent,
    Document,
    Label,
    Membership,
    ModelVersion,
    Project,
    Recommender,
    Relation,
    Span,
    Stance,
    StanceTarget,
)
from annotations.services.annotating.stance_links import stance_links_set
from tests.factories import (
    AnnotationFactory,
    DocumentFactory,
    LabelFactory,
    MembershipFactory,
    ProjectFactory,
    SpanFactory,
    StanceFactory,
    StanceTargetFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

# How each database words a broken reference: SQLite, then PostgreSQL.
FOREIGN_KEY_VIOLATION = ("FOREIGN KEY constraint failed", "violates foreign key constraint")
MALI_FLAG = "\U0001f1f2\U0001f1f1"  # 🇲🇱: two code points, four UTF-16 units.


@contextmanager
def refused_by(*names: str) -> Iterator[None]:
    """Expect the database to refuse the write with an error naming one of ``names``.

    PostgreSQL names the broken constraint; SQLite names a CHECK constraint but, for a unique
    one, lists its columns (``table.column, ...``): callers pass whichever forms apply.
    """
    # The savepoint keeps the test's transaction usable after the refusal.
    with pytest.raises(IntegrityError) as refusal, transaction.atomic():
        yield
    assert any(name in str(refusal.value) for name in names), str(refusal.value)


def unique(constraint: str, model, *fields: str) -> tuple[str, str]:
    """The two ways a broken unique constraint is named: PostgreSQL's and SQLite's."""
    columns = [model._meta.get_field(field).column for field in fields]
    return constraint, ", ".join(f"{model._meta.db_table}.{column}" for column in columns)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def raw_delete(instance) -> None:
    """DELETE the row in SQL, without Django's Python-side on_delete handling."""
    table = connection.ops.quote_name(instance._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE id = %s", [instance.pk])


# Project


def test_database_accepts_a_valid_project():
    (project,) = Project.objects.bulk_create([Project(name="Sahel press", allow_overlap=True)])
    assert Project.objects.filter(pk=project.pk, annotators_per_document=1).exists()


@pytest.mark.parametrize(
    ("changes", "constraint"),
    [
        pytest.param({"name": ""}, "annotations_project_name_not_empty", id="empty-name"),
        pytest.param(
            {"annotators_per_document": 0},
            "annotations_project_annotators_per_document_positive",
            id="no-annotators-per-document",
        ),
    ],
)
def test_database_refuses_invalid_project(changes, constraint):
    project = ProjectFactory()
    with refused_by(constraint):
        Project.objects.filter(pk=project.pk).update(**changes)


# Membership


def test_database_accepts_one_membership_per_user_and_project():
    project, user = ProjectFactory(), UserFactory()
    Membership.objects.bulk_create(
        [
            Membership(project=project, user=user, role="manager"),
            Membership(project=ProjectFactory(), user=user, role="reviewer"),
            Membership(project=project, user=UserFactory(), role="annotator"),
        ]
    )
    assert Membership.objects.count() == 3


def test_database_refuses_second_membership_of_a_user_in_a_project():
    membership = MembershipFactory()
    with refused_by(*unique("annotations_membership_one_per_user", Membership, "project", "user")):
        Membership.objects.bulk_create(
            [Membership(project=membership.project, user=membership.user, role="manager")]
        )


def test_database_refuses_unknown_role():
    membership = MembershipFactory()
    with refused_by("annotations_membership_role_valid"):
        Membership.objects.filter(pk=membership.pk).update(role="owner")


# Label


def test_database_accepts_valid_labels_and_many_without_shortcut():
    project = ProjectFactory()
    Label.objects.bulk_create(
        [
            Label(project=project, name="PER", kind="entity", color="#4F7CFF", shortcut="p"),
            Label(project=project, name="CLAIM", kind="claim", color="#00aa00", shortcut=""),
            Label(project=project, name="FAVOR", kind="stance", color="#123abc", shortcut=""),
            # The same shortcut and name in another project are another project's business.
            Label(project=ProjectFactory(), name="PER", kind="entity", shortcut="p"),
        ]
    )
    assert Label.objects.filter(project=project).count() == 3


def test_database_refuses_duplicate_label_name_in_a_project():
    label = LabelFactory(name="PER")
    with refused_by(*unique("annotations_label_name_unique", Label, "project", "name")):
        Label.objects.bulk_create([Label(project=label.project, name="PER", kind="claim")])


def test_database_refuses_duplicate_label_shortcut_in_a_project():
    label = LabelFactory(shortcut="p")
    with refused_by(*unique("annotations_label_shortcut_unique", Label, "project", "shortcut")):
        Label.objects.bulk_create(
            [Label(project=label.project, name="OTHER", kind="entity", shortcut="p")]
        )


@pytest.mark.parametrize(
    ("changes", "constraint"),
    [
        pytest.param({"name": ""}, "annotations_label_name_not_empty", id="empty-name"),
        pytest.param({"kind": "attribute"}, "annotations_label_kind_valid", id="unknown-kind"),
        pytest.param(
            {"kind": "relation", "source_kind": "stance"},
            "annotations_label_endpoint_kinds_valid",
            id="relation-from-a-stance",
        ),
        pytest.param(
            {"target_kind": "claim"},
            "annotations_label_endpoints_only_on_relations",
            id="entity-with-a-relation-end",
        ),
        pytest.param(
            {"kind": "document"}, "annotations_label_group_iff_document", id="document-no-group"
        ),
    ],
)
def test_database_refuses_invalid_label(changes, constraint):
    label = LabelFactory()
    with refused_by(constraint):
        Label.objects.filter(pk=label.pk).update(**changes)


@pytest.mark.parametrize(
    "color",
    ["red", "4f7cff", "#4f7cf", "#4f7cfg", "#4f 7cf", "", "#FFF", "rgb(0)"],
)
def test_database_refuses_label_colour_that_is_not_hex_rrggbb(color):
    label = LabelFactory()
    with refused_by("annotations_label_color_hex"):
        Label.objects.filter(pk=label.pk).update(color=color)


def test_database_refuses_label_colour_with_a_trailing_newline():
    # A regex "$" also matches before a final newline (SQLite runs the check through Python's
    # re); PostgreSQL refuses the eighth character of a varchar(7) first.
    label = LabelFactory()
    with pytest.raises((IntegrityError, DataError)), transaction.atomic():
        Label.objects.filter(pk=label.pk).update(color="#4f7cff\n")


# StanceTarget


def test_database_accepts_valid_stance_targets():
    project = ProjectFactory()
    StanceTarget.objects.bulk_create(
        [
            StanceTarget(project=project, name="the French military intervention"),
            StanceTarget(project=project, name="the transition charter"),
            StanceTarget(project=ProjectFactory(), name="the transition charter"),
        ]
    )
    assert StanceTarget.objects.filter(project=project).count() == 2


def test_database_refuses_duplicate_stance_target_name_in_a_project():
    target = StanceTargetFactory()
    with refused_by(
        *unique("annotations_stancetarget_name_unique", StanceTarget, "project", "name")
    ):
        StanceTarget.objects.bulk_create([StanceTarget(project=target.project, name=target.name)])


def test_database_refuses_stance_target_without_name():
    target = StanceTargetFactory()
    with refused_by("annotations_stancetarget_name_not_empty"):
        StanceTarget.objects.filter(pk=target.pk).update(name="")


# Document


def test_database_accepts_documents_and_the_same_text_in_another_project():
    text = f"Le drapeau {MALI_FLAG} flotte sur Bamako."
    project = ProjectFactory()
    Document.objects.bulk_create(
        [
            Document(project=project, text=text, content_hash=sha256(text)),
            Document(project=ProjectFactory(), text=text, content_hash=sha256(text)),
        ]
    )
    assert Document.objects.filter(content_hash=sha256(text)).count() == 2


def test_database_refuses_the_same_text_twice_in_a_project():
    document = DocumentFactory()
    with refused_by(
        *unique("annotations_document_hash_unique", Document, "project", "content_hash")
    ):
        Document.objects.bulk_create(
            [
                Document(
                    project=document.project,
                    text=document.text,
                    content_hash=document.content_hash,
                )
            ]
        )


def test_database_refuses_empty_document():
    document = DocumentFactory()
    with refused_by("annotations_document_text_not_empty"):
        Document.objects.filter(pk=document.pk).update(text="")


@pytest.mark.parametrize("content_hash", ["", "abc", "0" * 63])
def test_database_refuses_content_hash_that_is_not_sha256_hex_length(content_hash):
    document = DocumentFactory()
    with refused_by("annotations_document_hash_is_sha256"):
        Document.objects.filter(pk=document.pk).update(content_hash=content_hash)


# Annotation


def test_database_accepts_manual_annotations_beside_one_gold_and_one_prediction():
    document = DocumentFactory()
    Annotation.objects.bulk_create(
        [
            Annotation(document=document, author=UserFactory(), kind="manual"),
            Annotation(document=document, author=UserFactory(), kind="manual", status="submitted"),
            Annotation(document=document, author=None, kind="gold"),
            Annotation(document=document, author=None, kind="prediction", status="skipped"),
        ]
    )
    assert document.annotations.count() == 4


def test_database_refuses_second_manual_annotation_by_the_same_author():
    annotation = AnnotationFactory()
    with refused_by(
        *unique("annotations_annotation_one_manual_per_author", Annotation, "document", "author")
    ):
        Annotation.objects.bulk_create(
            [Annotation(document=annotation.document, author=annotation.author, kind="manual")]
        )


@pytest.mark.parametrize("kind", ["gold", "prediction"])
def test_database_refuses_second_gold_or_prediction_for_a_document(kind):
    document = DocumentFactory()
    Annotation.objects.bulk_create([Annotation(document=document, author=None, kind=kind)])
    with refused_by(
        *unique(f"annotations_annotation_one_{kind}_per_document", Annotation, "document")
    ):
        Annotation.objects.bulk_create([Annotation(document=document, author=None, kind=kind)])


def test_database_holds_one_prediction_per_model_version_beside_the_imported_one():
    document = DocumentFactory(project=ProjectFactory())
    recommender = Recommender.objects.create(project=document.project, name="NER", kind="ner")
    v1, v2 = (
        ModelVersion.objects.create(recommender=recommender, version=n, status="ready")
        for n in (1, 2)
    )
    Annotation.objects.bulk_create(
        Annotation(document=document, author=None, kind="prediction", model_version=version)
        for version in (None, v1, v2)
    )
    assert document.annotations.filter(kind="prediction").count() == 3
    with refused_by(
        *unique(
            "annotations_annotation_one_prediction_per_model_version",
            Annotation,
            "model_version",
            "document",
        )
    ):
        Annotation.objects.bulk_create(
            [Annotation(document=document, author=None, kind="prediction", model_version=v2)]
        )


def test_database_refuses_manual_annotation_without_author():
    annotation = AnnotationFactory()
    with refused_by("annotations_annotation_author_iff_manual"):
        Annotation.objects.filter(pk=annotation.pk).update(author=None)


@pytest.mark.parametrize("kind", ["gold", "prediction"])
def test_database_refuses_gold_or_prediction_with_an_author(kind):
    annotation = AnnotationFactory()
    with refused_by("annotations_annotation_author_iff_manual"):
        Annotation.objects.filter(pk=annotation.pk).update(kind=kind)


@pytest.mark.parametrize(
    ("changes", "constraints"),
    [
        pytest.param(
            {"kind": "draft"},
            # An unknown kind also breaks author_iff_manual; either refusal will do.
            ("annotations_annotation_kind_valid", "annotations_annotation_author_iff_manual"),
            id="unknown-kind",
        ),
        pytest.param(
            {"status": "done"}, ("annotations_annotation_status_valid",), id="unknown-status"
        ),
        pytest.param(
            {"version": 0}, ("annotations_annotation_version_positive",), id="version-zero"
        ),
    ],
)
def test_database_refuses_invalid_annotation(changes, constraints):
    annotation = AnnotationFactory()
    with refused_by(*constraints):
        Annotation.objects.filter(pk=annotation.pk).update(**changes)


# Span


def test_database_accepts_spans_measured_in_code_points():
    document = DocumentFactory(text=f"Le drapeau {MALI_FLAG} flotte sur Bamako.")
    annotation = AnnotationFactory(document=document)
    label = LabelFactory(project=document.project)
    start = document.text.index(MALI_FLAG)
    entity, flag, claim = Span.objects.bulk_create(
        [
            Span(annotation=annotation, label=label, start=0, end=2, text="Le"),
            Span(annotation=annotation, label=label, start=start, end=start + 2, text=MALI_FLAG),
            Span(
                annotation=annotation,
                label=label,
                start=0,
                end=10,
                text="Le drapeau",
                client_id=uuid.uuid4(),
                checkworthy="yes",
                claimant_text="a government spokesman",
            ),
        ]
    )
    # Spans without a client id are many: NULLs never collide.
    assert entity.client_id is None and flag.client_id is None
    # The claimant span is a built-in relation from the claim (the free text goes first).
    Span.objects.filter(pk=claim.pk).update(attribute_values={"checkworthy": "yes"})
    _claimant_link(claim, entity)
    assert Span.objects.get(pk=claim.pk).claimant == entity


@pytest.mark.parametrize(
    ("start", "end"),
    [
        pytest.param(5, 5, id="empty"),
        pytest.param(6, 5, id="start-after-end"),
    ],
)
def test_database_refuses_span_with_start_not_before_end(start, end):
    span = SpanFactory()
    with refused_by("annotations_span_start_before_end"):
        Span.objects.filter(pk=span.pk).update(start=start, end=end, text="")


def test_database_refuses_span_with_negative_start():
    span = SpanFactory(start=0, end=2)
    # PositiveIntegerField brings its own column check; either refusal will do.
    with refused_by(
        "annotations_span_start_before_end",
        "annotations_span_start_check",
        "CHECK constraint failed: start",
    ):
        Span.objects.filter(pk=span.pk).update(start=-1, end=2, text="abc")


@pytest.mark.parametrize(
    ("end", "text"),
    [
        pytest.param(8, "Documen", id="text-too-short"),
        pytest.param(8, "Document ", id="text-too-long"),
        pytest.param(4, MALI_FLAG, id="astral-text-counted-in-utf16-units"),
        pytest.param(8, "", id="empty-text"),
    ],
)
def test_database_refuses_span_whose_text_length_differs_from_its_range(end, text):
    span = SpanFactory(start=0, end=8)
    with refused_by("annotations_span_text_matches_range"):
        Span.objects.filter(pk=span.pk).update(end=end, text=text)


def test_database_refuses_repeated_client_id_in_an_annotation():
    span = SpanFactory(client_id=uuid.uuid4())
    duplicate = Span(
        annotation=span.annotation,
        label=span.label,
        start=0,
        end=1,
        text=span.annotation.document.text[0],
        client_id=span.client_id,
    )
    with refused_by(*unique("annotations_span_client_id_unique", Span, "annotation", "client_id")):
        Span.objects.bulk_create([duplicate])


def test_database_accepts_the_same_client_id_in_another_annotation():
    span = SpanFactory(client_id=uuid.uuid4())
    other = SpanFactory(client_id=span.client_id)
    assert other.annotation != span.annotation


def test_database_refuses_unknown_checkworthy_value():
    span = SpanFactory()
    with refused_by("annotations_span_checkworthy_valid"):
        Span.objects.filter(pk=span.pk).update(attribute_values={"checkworthy": "maybe"})


def _claimant_link(claim, entity) -> Relation:
    return Relation.links.create(
        annotation=claim.annotation, builtin="claimant", source=claim, target=entity
    )


def test_database_refuses_a_second_claimant_for_one_claim():
    entity = SpanFactory(start=0, end=8)
    other = SpanFactory(annotation=entity.annotation, label=entity.label, start=20, end=24)
    claim = SpanFactory(annotation=entity.annotation, label=entity.label, start=10, end=16)
    _claimant_link(claim, entity)
    with refused_by(*unique("annotations_relation_one_claimant", Relation, "source")):
        _claimant_link(claim, other)


def test_database_refuses_span_that_is_its_own_claimant():
    span = SpanFactory()
    with refused_by("annotations_relation_not_to_itself"):
        _claimant_link(span, span)


@pytest.mark.parametrize(
    ("with_label", "builtin"),
    [
        pytest.param(True, "claimant", id="label-and-builtin"),
        pytest.param(False, "", id="neither"),
        pytest.param(False, "speaker", id="unknown-builtin"),
    ],
)
def test_database_refuses_relation_without_exactly_one_of_label_and_builtin(with_label, builtin):
    entity = SpanFactory(start=0, end=8)
    claim = SpanFactory(annotation=entity.annotation, label=entity.label, start=10, end=16)
    label = LabelFactory(project=entity.label.project, kind="relation") if with_label else None
    with refused_by("annotations_relation_label_or_builtin"):
        Relation.links.create(
            annotation=claim.annotation, label=label, builtin=builtin, source=claim, target=entity
        )


def test_built_in_relations_are_left_out_of_the_users_relations():
    entity = SpanFactory(start=0, end=8)
    claim = SpanFactory(annotation=entity.annotation, label=entity.label, start=10, end=16)
    link = _claimant_link(claim, entity)
    assert list(Relation.objects.all()) == []
    assert list(claim.relations_out.all()) == []
    assert list(Relation.links.all()) == [link]


# Stance


def _stance_link(stance, role, span, **extra) -> Relation:
    return Relation.links.create(
        annotation=stance.annotation, builtin=role, stance=stance, target=span, **extra
    )


def test_database_accepts_a_holder_and_an_evidence_per_stance():
    stance = StanceFactory()
    holder = SpanFactory(annotation=stance.annotation, start=0, end=8)
    evidence = SpanFactory(annotation=stance.annotation, label=holder.label, start=10, end=16)
    other = StanceFactory(annotation=stance.annotation, target=stance.target, label=stance.label)
    _stance_link(stance, "holder", holder)
    _stance_link(stance, "evidence", evidence)
    # The same span may hold another stance, and be its evidence too.
    _stance_link(other, "holder", holder)
    _stance_link(other, "evidence", holder)
    fresh = Stance.objects.with_links().get(pk=stance.pk)
    assert (fresh.holder_id, fresh.evidence_id) == (holder.pk, evidence.pk)
    assert list(Relation.objects.all()) == []  # built-ins: never a user's relation


def test_database_refuses_a_second_holder_for_one_stance():
    stance = StanceFactory()
    holder = SpanFactory(annotation=stance.annotation, start=0, end=8)
    other = SpanFactory(annotation=stance.annotation, label=holder.label, start=10, end=16)
    _stance_link(stance, "holder", holder)
    with refused_by(
        *unique("annotations_relation_one_link_per_stance", Relation, "stance", "builtin")
    ):
        _stance_link(stance, "holder", other)


@pytest.mark.parametrize(
    ("builtin", "with_stance", "with_source"),
    [
        pytest.param("holder", False, True, id="holder-from-a-span"),
        pytest.param("evidence", True, True, id="evidence-from-both"),
        pytest.param("claimant", True, True, id="claimant-from-a-stance"),
        pytest.param("holder", False, False, id="holder-from-nothing"),
    ],
)
def test_database_refuses_a_link_that_starts_at_the_wrong_end(builtin, with_stance, with_source):
    stance = StanceFactory()
    span = SpanFactory(annotation=stance.annotation, start=0, end=8)
    source = SpanFactory(annotation=stance.annotation, label=span.label, start=10, end=16)
    with refused_by("annotations_relation_stance_or_source"):
        Relation.links.create(
            annotation=stance.annotation,
            builtin=builtin,
            stance=stance if with_stance else None,
            source=source if with_source else None,
            target=span,
        )


def test_database_refuses_a_users_relation_from_a_stance():
    stance = StanceFactory()
    span = SpanFactory(annotation=stance.annotation, start=0, end=8)
    label = LabelFactory(project=stance.annotation.document.project, kind="relation")
    with refused_by("annotations_relation_stance_or_source"):
        Relation.links.create(annotation=stance.annotation, label=label, stance=stance, target=span)


def test_deleting_a_stance_deletes_its_holder_and_evidence_links():
    stance = _stance_with_spans()
    holder, evidence = stance.holder, stance.evidence
    stance.delete()
    assert not Relation.links.exists()
    assert {holder.pk, evidence.pk} <= set(Span.objects.values_list("pk", flat=True))


# AnnotationEvent


def test_database_accepts_an_annotation_event():
    annotation = AnnotationFactory()
    AnnotationEvent.objects.bulk_create(
        [
            AnnotationEvent(
                annotation=annotation,
                actor=annotation.author,
                action="span_created",
                object_id=1,
                after={"start": 0, "end": 8},
                version=2,
            )
        ]
    )
    assert annotation.events.get().action == "span_created"


def test_database_refuses_unknown_event_action():
    annotation = AnnotationFactory()
    (event,) = AnnotationEvent.objects.bulk_create(
        [AnnotationEvent(annotation=annotation, action="span_created", version=1)]
    )
    with refused_by("annotations_annotationevent_action_valid"):
        AnnotationEvent.objects.filter(pk=event.pk).update(action="span_renamed")


# on_delete: PROTECT and RESTRICT.
#
# Django 5.2 applies on_delete in Python; in the schema every foreign key is a plain
# reference checked at COMMIT (DEFERRABLE INITIALLY DEFERRED). So the database's refusal shows
# when a raw DELETE is committed: these tests need real transactions.


def _stance_with_spans() -> Stance:
    stance = StanceFactory()
    holder = SpanFactory(annotation=stance.annotation, start=0, end=8)
    evidence = SpanFactory(annotation=stance.annotation, label=holder.label, start=10, end=16)
    stance_links_set(stance=stance, holder=holder, evidence=evidence)
    stance.refresh_from_db()
    return stance


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "referenced",
    [
        pytest.param(lambda stance: stance.label, id="stance-label"),
        pytest.param(lambda stance: stance.target, id="stance-target"),
        pytest.param(lambda stance: stance.holder, id="stance-holder-span"),
        pytest.param(lambda stance: stance.evidence, id="stance-evidence-span"),
        pytest.param(lambda stance: stance.holder.label, id="span-label"),
        pytest.param(lambda stance: stance.annotation.author, id="annotation-author"),
    ],
)
def test_database_refuses_to_delete_a_row_still_referenced(referenced):
    row = referenced(_stance_with_spans())
    with refused_by(*FOREIGN_KEY_VIOLATION):
        raw_delete(row)
    assert type(row).objects.filter(pk=row.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_database_refuses_to_delete_a_claimant_span():
    entity = SpanFactory(start=0, end=8)
    claim = SpanFactory(annotation=entity.annotation, label=entity.label, start=10, end=16)
    _claimant_link(claim, entity)
    with refused_by(*FOREIGN_KEY_VIOLATION):
        raw_delete(entity)
    assert Span.objects.filter(pk=entity.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_database_allows_deleting_a_label_not_in_use():
    label = LabelFactory()
    with transaction.atomic():
        raw_delete(label)
    assert not Label.objects.filter(pk=label.pk).exists()


@pytest.mark.parametrize(
    "referenced",
    [
        pytest.param(lambda stance: stance.label, id="stance-label"),
        pytest.param(lambda stance: stance.target, id="stance-target"),
        pytest.param(lambda stance: stance.holder.label, id="span-label"),
        pytest.param(lambda stance: stance.annotation.author, id="annotation-author"),
        pytest.param(lambda stance: stance.holder, id="stance-holder-span"),
        pytest.param(lambda stance: stance.evidence, id="stance-evidence-span"),
    ],
)
def test_deleting_a_row_in_use_raises_before_reaching_the_database(referenced):
    row = referenced(_stance_with_spans())
    with pytest.raises((ProtectedError, RestrictedError)):
        row.delete()
    assert type(row).objects.filter(pk=row.pk).exists()


def test_deleting_an_annotation_deletes_spans_that_restrict_each_other():
    stance = _stance_with_spans()
    _claimant_link(stance.evidence, stance.holder)
    stance.annotation.delete()
    assert not Span.objects.exists()
    assert not Stance.objects.exists()


def test_deleting_a_document_deletes_its_annotations_spans_and_stances():
    stance = _stance_with_spans()
    stance.annotation.document.delete()
    assert not Annotation.objects.exists()
    assert not Span.objects.exists()
    assert not Stance.objects.exists()
    assert Label.objects.exists()


def test_deleting_a_project_deletes_everything_annotated_in_it():
    # A manager may delete a project (DELETE /api/projects/{p}/). Labels and targets go with
    # it, and so do the spans and stances that use them: "in use" must not block that.
    stance = _stance_with_spans()
    project = stance.annotation.document.project
    project.delete()
    assert not Project.objects.filter(pk=project.pk).exists()
    assert not Span.objects.exists()
    assert not Label.objects.exists()


def test_a_span_read_again_reads_its_claimant_again():
    entity = SpanFactory(start=0, end=8)
    claim = SpanFactory(annotation=entity.annotation, label=entity.label, start=10, end=16)
    assert claim.claimant_id is None
    _claimant_link(claim, entity)
    claim.refresh_from_db()
    assert claim.claimant == entity
