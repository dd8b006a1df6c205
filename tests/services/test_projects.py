import threading
import time

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction

from annotations import selectors
from annotations.errors import InvalidInput
from annotations.models import (
    Annotation,
    AnnotationEvent,
    Document,
    Label,
    Membership,
    Project,
    Role,
    Span,
    Stance,
    StanceTarget,
)
from annotations.services import projects
from annotations.services.annotating import annotation_get_or_create, span_create, stance_create
from annotations.services.projects import (
    label_create,
    label_update,
    membership_remove,
    membership_set,
    project_create,
    project_delete,
    project_update,
    target_create,
    target_update,
)
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


def errors_of(excinfo: pytest.ExceptionInfo[InvalidInput]) -> dict[str, list[str]]:
    return excinfo.value.errors


# --- Projects -----------------------------------------------------------------------------


def test_project_create_makes_the_creator_its_manager():
    creator = UserFactory()

    project = project_create(
        name="  Sahel news  ",
        creator=creator,
        description="Articles",
        guidelines="# Mark people",
        allow_overlap=True,
        annotators_per_document=2,
    )

    project.refresh_from_db()
    assert project.name == "Sahel news"
    assert project.created_by == creator
    assert (project.allow_overlap, project.annotators_per_document) == (True, 2)
    assert list(project.memberships.values_list("user", "role")) == [(creator.pk, "manager")]


@pytest.mark.parametrize("name", ["", "   "])
def test_project_create_rejects_a_blank_name(name):
    with pytest.raises(InvalidInput) as excinfo:
        project_create(name=name, creator=UserFactory())

    assert errors_of(excinfo) == {"name": [projects.NAME_REQUIRED]}
    assert not Project.objects.exists()


@pytest.mark.parametrize("count", [0, -1, True, "2"])
def test_project_create_rejects_fewer_than_one_annotator_per_document(count):
    with pytest.raises(InvalidInput) as excinfo:
        project_create(name="P", creator=UserFactory(), annotators_per_document=count)

    assert errors_of(excinfo) == {
        "annotators_per_document": [projects.ANNOTATORS_PER_DOCUMENT_INVALID]
    }
    assert not Membership.objects.exists()


def test_project_update_changes_only_the_given_fields():
    project = ProjectFactory(name="Old", description="Keep me")

    project_update(project=project, name="New", annotators_per_document=3)

    project.refresh_from_db()
    assert (project.name, project.description, project.annotators_per_document) == (
        "New",
        "Keep me",
        3,
    )


def test_project_update_rejects_a_field_that_is_not_a_setting():
    project = ProjectFactory()

    with pytest.raises(InvalidInput) as excinfo:
        project_update(project=project, created_by=UserFactory())

    assert errors_of(excinfo) == {
        "created_by": [projects.FIELD_NOT_EDITABLE.format(field="created_by")]
    }


def test_project_update_writes_nothing_when_invalid():
    project = ProjectFactory(name="Kept")

    with pytest.raises(InvalidInput):
        project_update(project=project, name="Changed", annotators_per_document=0)

    project.refresh_from_db()
    assert project.name == "Kept"


def _overlapping(project, *, external_id="", kind="entity", second_label=None):
    """A document whose one annotation holds two spans of ``kind`` sharing code points."""
    count = project.documents.count()
    text = f"Keita met Macron {count}."
    document = DocumentFactory(project=project, text=text, external_id=external_id)
    annotation = AnnotationFactory(document=document)
    label = LabelFactory(project=project, kind=kind)
    SpanFactory(annotation=annotation, label=label, start=0, end=9)
    SpanFactory(annotation=annotation, label=second_label or label, start=6, end=16)
    return document


def test_project_update_refuses_no_overlap_listing_the_documents_that_overlap():
    project = ProjectFactory(allow_overlap=True, name="Kept")
    first = _overlapping(project, external_id="art-1")
    second = _overlapping(project)
    clean = DocumentFactory(project=project)
    SpanFactory(annotation=AnnotationFactory(document=clean), start=0, end=4)

    with pytest.raises(InvalidInput) as excinfo:
        project_update(project=project, allow_overlap=False, name="Changed")

    assert errors_of(excinfo) == {
        "allow_overlap": [
            projects.OVERLAPS_EXIST.format(count=2, documents=f"{first.pk} (art-1), {second.pk}")
        ]
    }
    project.refresh_from_db()
    assert (project.allow_overlap, project.name) == (True, "Kept")


def test_project_update_names_the_first_twenty_overlapping_documents_and_counts_the_rest():
    project = ProjectFactory(allow_overlap=True)
    documents = [_overlapping(project, external_id=f"d{i}") for i in range(23)]

    with pytest.raises(InvalidInput) as excinfo:
        project_update(project=project, allow_overlap=False)

    (message,) = errors_of(excinfo)["allow_overlap"]
    assert message.startswith("23 document(s) hold overlapping spans")
    assert f"{documents[19].pk} (d19) and 3 more." in message
    assert f"({documents[20].external_id})" not in message


def test_documents_with_overlaps_is_one_query(django_assert_num_queries):
    project = ProjectFactory(allow_overlap=True)
    for i in range(3):
        _overlapping(project, external_id=f"d{i}")

    with django_assert_num_queries(1):
        found = selectors.documents_with_overlaps(project=project, limit=2)

    assert found["count"] == 3 and len(found["documents"]) == 2


def test_project_update_allows_no_overlap_when_only_different_kinds_overlap():
    project = ProjectFactory(allow_overlap=True)
    claim = LabelFactory(project=project, kind="claim")
    _overlapping(project, second_label=claim)
    # Touching spans share no code point.
    touching = DocumentFactory(project=project, text="Keita met Macron again.")
    annotation = AnnotationFactory(document=touching)
    SpanFactory(annotation=annotation, start=0, end=5)
    SpanFactory(annotation=annotation, label=Label.objects.last(), start=5, end=9)

    project_update(project=project, allow_overlap=False)

    project.refresh_from_db()
    assert project.allow_overlap is False


# --- Members ------------------------------------------------------------------------------


def test_membership_set_adds_a_member_then_changes_the_role():
    project = ProjectFactory()
    user = UserFactory()

    created = membership_set(project=project, user=user, role=Role.ANNOTATOR)
    changed = membership_set(project=project, user=user, role=Role.REVIEWER)

    assert created.pk == changed.pk
    assert Membership.objects.get(project=project, user=user).role == "reviewer"


def test_membership_set_rejects_an_unknown_role():
    with pytest.raises(InvalidInput) as excinfo:
        membership_set(project=ProjectFactory(), user=UserFactory(), role="owner")

    assert errors_of(excinfo) == {
        "role": [projects.ROLE_INVALID.format(role="owner", choices="annotator, reviewer, manager")]
    }


def test_membership_set_refuses_to_demote_the_last_manager():
    membership = MembershipFactory(role=Role.MANAGER)

    with pytest.raises(InvalidInput) as excinfo:
        membership_set(project=membership.project, user=membership.user, role=Role.ANNOTATOR)

    username = membership.user.username
    assert errors_of(excinfo) == {"role": [projects.LAST_MANAGER.format(username=username)]}
    membership.refresh_from_db()
    assert membership.role == "manager"


def test_membership_set_demotes_a_manager_when_another_remains():
    first = MembershipFactory(role=Role.MANAGER)
    MembershipFactory(project=first.project, role=Role.MANAGER)

    membership_set(project=first.project, user=first.user, role=Role.REVIEWER)

    first.refresh_from_db()
    assert first.role == "reviewer"


def test_membership_remove_takes_the_user_out():
    membership = MembershipFactory(role=Role.ANNOTATOR)

    membership_remove(project=membership.project, user=membership.user)

    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_membership_remove_refuses_the_last_manager():
    membership = MembershipFactory(role=Role.MANAGER)

    with pytest.raises(InvalidInput) as excinfo:
        membership_remove(project=membership.project, user=membership.user)

    assert list(errors_of(excinfo)) == ["role"]
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_membership_remove_reports_a_non_member():
    user = UserFactory(username="stranger")

    with pytest.raises(InvalidInput) as excinfo:
        membership_remove(project=ProjectFactory(), user=user)

    assert errors_of(excinfo) == {"user": [projects.NOT_A_MEMBER.format(username="stranger")]}


# --- Labels -------------------------------------------------------------------------------


def test_label_create_stores_every_field():
    project = ProjectFactory()

    label = label_create(
        project=project,
        name=" PER ",
        kind="entity",
        color="#AABBCC",
        shortcut="p",
        description="A person",
    )

    label.refresh_from_db()
    assert (label.name, label.kind, label.color, label.shortcut, label.description) == (
        "PER",
        "entity",
        "#aabbcc",
        "p",
        "A person",
    )


def test_label_create_picks_a_colour_the_project_does_not_use_yet():
    project = ProjectFactory()
    LabelFactory(project=project, color=projects.PALETTE[0])

    second = label_create(project=project, name="ORG", kind="entity")
    third = label_create(project=project, name="LOC", kind="entity")

    assert second.color == projects.PALETTE[1]
    assert third.color == projects.PALETTE[2]


def test_label_create_still_picks_a_valid_colour_when_the_palette_is_used_up():
    project = ProjectFactory()
    for color in projects.PALETTE:
        LabelFactory(project=project, color=color)

    label = label_create(project=project, name="EXTRA", kind="claim")

    assert label.color in projects.PALETTE


def test_label_create_rejects_a_name_the_project_already_has():
    project = ProjectFactory()
    LabelFactory(project=project, name="PER")
    LabelFactory(name="ORG")  # another project's label does not count

    label_create(project=project, name="ORG", kind="entity")
    with pytest.raises(InvalidInput) as excinfo:
        label_create(project=project, name="PER", kind="entity")

    assert errors_of(excinfo) == {"name": [projects.LABEL_NAME_TAKEN.format(name="PER")]}


def test_label_create_rejects_a_shortcut_another_label_uses():
    project = ProjectFactory()
    LabelFactory(project=project, name="PER", shortcut="p")

    with pytest.raises(InvalidInput) as excinfo:
        label_create(project=project, name="PLACE", kind="entity", shortcut="p")

    assert errors_of(excinfo) == {"shortcut": ["Shortcut 'p' is already used by label PER."]}


def test_label_create_allows_many_labels_without_a_shortcut():
    project = ProjectFactory()

    label_create(project=project, name="A", kind="entity")
    label_create(project=project, name="B", kind="entity")

    assert Label.objects.filter(project=project, shortcut="").count() == 2


@pytest.mark.parametrize("shortcut", ["pp", " ", "\t", "\n", "\x07"])
def test_label_create_rejects_a_shortcut_that_is_not_one_printable_key(shortcut):
    with pytest.raises(InvalidInput) as excinfo:
        label_create(project=ProjectFactory(), name="PER", kind="entity", shortcut=shortcut)

    assert errors_of(excinfo) == {"shortcut": [projects.SHORTCUT_INVALID.format(shortcut=shortcut)]}


def test_label_create_accepts_a_non_ascii_shortcut():
    label = label_create(project=ProjectFactory(), name="PER", kind="entity", shortcut="é")

    assert label.shortcut == "é"


@pytest.mark.parametrize(
    ("shortcut", "meaning"),
    [
        ("?", "show the help"),
        ("]", "select the next highlight"),
        (".", "show the next review lane"),
        ("1", "activate stance target 1"),
        ("0", "no stance for the active target"),
        ("k", "pick the claimant"),
        ("K", "pick the claimant"),
        ("n", "check-worthy: no"),
        ("Y", "check-worthy: yes"),
        ("h", "pick the stance holder"),
        ("e", "use the selection as evidence"),
    ],
)
def test_label_create_rejects_a_key_the_pages_already_use_saying_what_it_does(shortcut, meaning):
    with pytest.raises(InvalidInput) as excinfo:
        label_create(project=ProjectFactory(), name="PER", kind="entity", shortcut=shortcut)

    (message,) = errors_of(excinfo)["shortcut"]
    assert message.startswith(f"'{shortcut}' is already a key of the annotate and review pages")
    assert f"({meaning})" in message
    assert Label.objects.count() == 0


@pytest.mark.parametrize(("first", "second"), [("p", "P"), ("P", "p"), ("é", "É")])
def test_label_create_rejects_a_key_another_label_has_in_the_other_case(first, second):
    project = ProjectFactory()
    label_create(project=project, name="PER", kind="entity", shortcut=first)

    with pytest.raises(InvalidInput) as excinfo:
        label_create(project=project, name="PLACE", kind="entity", shortcut=second)

    assert errors_of(excinfo) == {
        "shortcut": [projects.SHORTCUT_TAKEN.format(shortcut=second, name="PER")]
    }
    assert list(project.labels.values_list("name", flat=True)) == ["PER"]


@pytest.mark.parametrize(
    "color", ["red", "#abc", "#gggggg", "aabbcc", "#aabbccdd", "#aabbcc\n", " #aabbcc", ""]
)
def test_label_create_rejects_a_colour_that_is_not_rrggbb(color):
    with pytest.raises(InvalidInput) as excinfo:
        label_create(project=ProjectFactory(), name="PER", kind="entity", color=color)

    assert errors_of(excinfo) == {"color": [projects.COLOR_INVALID.format(color=color)]}


def test_label_and_target_writes_reject_a_description_that_is_not_text():
    project = ProjectFactory()

    with pytest.raises(InvalidInput) as label_error:
        label_create(project=project, name="PER", kind="entity", description=None)
    with pytest.raises(InvalidInput) as target_error:
        target_create(project=project, name="Pact", description=None)
    with pytest.raises(InvalidInput) as project_error:
        project_update(project=project, guidelines=None)

    for excinfo, field in [
        (label_error, "description"),
        (target_error, "description"),
        (project_error, "guidelines"),
    ]:
        assert errors_of(excinfo) == {field: [projects.TEXT_INVALID]}


def test_label_create_rejects_an_unknown_kind():
    with pytest.raises(InvalidInput) as excinfo:
        label_create(project=ProjectFactory(), name="X", kind="topic")

    choices = "entity, claim, stance, relation, document, sentence"
    assert errors_of(excinfo) == {
        "kind": [projects.LABEL_KIND_INVALID.format(kind="topic", choices=choices)]
    }


def test_label_create_reports_every_bad_field_at_once():
    with pytest.raises(InvalidInput) as excinfo:
        label_create(project=ProjectFactory(), name="", kind="x", color="x", shortcut="xy")

    assert set(errors_of(excinfo)) == {"name", "kind", "color", "shortcut"}
    assert not Label.objects.exists()


def test_label_update_changes_the_given_fields():
    label = LabelFactory(name="PER", shortcut="p", description="old")

    label_update(label=label, name="PERSON", shortcut="q", color="#010203")

    label.refresh_from_db()
    assert (label.name, label.shortcut, label.color, label.description) == (
        "PERSON",
        "q",
        "#010203",
        "old",
    )


def test_label_update_keeps_its_own_shortcut_and_name():
    label = LabelFactory(name="PER", shortcut="p")

    label_update(label=label, name="PER", shortcut="p", description="A person")

    label.refresh_from_db()
    assert label.description == "A person"


def test_label_update_rejects_a_shortcut_taken_by_another_label():
    project = ProjectFactory()
    LabelFactory(project=project, name="PER", shortcut="p")
    org = LabelFactory(project=project, name="ORG", shortcut="o")

    with pytest.raises(InvalidInput) as excinfo:
        label_update(label=org, shortcut="p")

    assert errors_of(excinfo) == {"shortcut": ["Shortcut 'p' is already used by label PER."]}
    org.refresh_from_db()
    assert org.shortcut == "o"


def test_label_update_refuses_a_kind_change_while_spans_use_the_label():
    span = SpanFactory()

    with pytest.raises(InvalidInput) as excinfo:
        label_update(label=span.label, kind="stance")

    assert errors_of(excinfo) == {
        "kind": [projects.LABEL_KIND_IN_USE.format(name=span.label.name, count=1)]
    }


def test_label_update_refuses_a_kind_change_while_stances_use_the_label():
    stance = StanceFactory()

    with pytest.raises(InvalidInput) as excinfo:
        label_update(label=stance.label, kind="entity")

    assert list(errors_of(excinfo)) == ["kind"]


def test_label_update_changes_the_kind_of_an_unused_label():
    label = LabelFactory(kind="entity")

    label_update(label=label, kind="claim")

    label.refresh_from_db()
    assert label.kind == "claim"


def test_label_update_rejects_a_field_that_is_not_editable():
    label = LabelFactory()

    with pytest.raises(InvalidInput) as excinfo:
        label_update(label=label, project=ProjectFactory())

    assert list(errors_of(excinfo)) == ["project"]


# --- Stance targets -----------------------------------------------------------------------


def test_target_create_stores_name_and_description():
    project = ProjectFactory()

    target = target_create(project=project, name=" The trade pact ", description="Signed in May")

    target.refresh_from_db()
    assert (target.project, target.name, target.description) == (
        project,
        "The trade pact",
        "Signed in May",
    )


def test_target_create_rejects_a_name_the_project_already_has():
    project = ProjectFactory()
    StanceTargetFactory(project=project, name="The pact")

    with pytest.raises(InvalidInput) as excinfo:
        target_create(project=project, name="The pact")

    assert errors_of(excinfo) == {"name": [projects.TARGET_NAME_TAKEN.format(name="The pact")]}
    assert StanceTarget.objects.filter(project=project).count() == 1


def test_target_create_rejects_a_blank_name():
    with pytest.raises(InvalidInput) as excinfo:
        target_create(project=ProjectFactory(), name=" ")

    assert errors_of(excinfo) == {"name": [projects.NAME_REQUIRED]}


def test_target_update_renames_unless_the_name_is_taken():
    project = ProjectFactory()
    StanceTargetFactory(project=project, name="Taken")
    target = StanceTargetFactory(project=project, name="Old")

    target_update(target=target, name="New", description="Now described")
    with pytest.raises(InvalidInput) as excinfo:
        target_update(target=target, name="Taken")

    target.refresh_from_db()
    assert (target.name, target.description) == ("New", "Now described")
    assert list(errors_of(excinfo)) == ["name"]


# --- Deleting a project -------------------------------------------------------------------

EVERY_MODEL = (
    Project,
    Membership,
    Label,
    StanceTarget,
    Document,
    Annotation,
    Span,
    Stance,
    AnnotationEvent,
)


def row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in EVERY_MODEL}


def annotated_project(name: str) -> Project:
    """A project with members, labels, a target, documents, work, predictions and events."""
    project = project_create(name=name, creator=UserFactory())
    annotator = UserFactory()
    membership_set(project=project, user=annotator, role=Role.ANNOTATOR)
    per = label_create(project=project, name="PER", kind="entity")
    claim = label_create(project=project, name="CLAIM", kind="claim")
    favor = label_create(project=project, name="FAVOR", kind="stance")
    target = target_create(project=project, name="the junta")
    document = DocumentFactory(project=project, text=f"Keita said the junta must go. ({name})")
    DocumentFactory(project=project)
    annotation, _ = annotation_get_or_create(document=document, author=annotator)
    keita, _ = span_create(annotation=annotation, label=per, start=0, end=5, actor=annotator)
    said, _ = span_create(
        annotation=annotation, label=claim, start=11, end=28, claimant=keita, actor=annotator
    )
    stance_create(
        annotation=annotation,
        target=target,
        label=favor,
        holder=keita,
        evidence=said,
        actor=annotator,
    )
    prediction = AnnotationFactory(document=document, author=None, kind="prediction")
    SpanFactory(annotation=prediction, label=per, start=0, end=5)
    return project


def test_project_delete_deletes_the_project_with_everything_in_it():
    kept = annotated_project("kept")
    before = row_counts()
    doomed = annotated_project("doomed")
    assert all(row_counts()[name] > count for name, count in before.items())
    users = get_user_model().objects.count()

    project_delete(project=doomed)

    assert row_counts() == before
    assert not Project.objects.filter(pk=doomed.pk).exists()
    assert Project.objects.filter(pk=kept.pk).exists()
    assert get_user_model().objects.count() == users


@pytest.mark.django_db(transaction=True)
def test_project_delete_waits_for_a_write_under_way_and_deletes_its_rows_too():
    project = annotated_project("busy")
    annotation = Annotation.objects.get(document__project=project, kind="manual")
    label = Label.objects.get(project=project, name="PER")
    holding = threading.Event()
    release = threading.Event()
    failures: list[BaseException] = []

    def annotate() -> None:
        # What every annotating service does: lock the annotation, then write under it.
        try:
            with transaction.atomic():
                Annotation.objects.select_for_update().get(pk=annotation.pk)
                holding.set()
                release.wait(timeout=30)
                SpanFactory(annotation=annotation, label=label, start=6, end=10)
        except BaseException as error:
            failures.append(error)
        finally:
            connection.close()

    def delete() -> None:
        try:
            project_delete(project=project)
        except BaseException as error:
            failures.append(error)
        finally:
            connection.close()

    writer = threading.Thread(target=annotate)
    writer.start()
    assert holding.wait(timeout=30)
    deleter = threading.Thread(target=delete)
    deleter.start()
    # Give the delete time to reach the lock the writer holds, then let the writer commit.
    time.sleep(0.5)
    release.set()
    writer.join(timeout=60)
    deleter.join(timeout=60)

    assert not writer.is_alive() and not deleter.is_alive()
    assert failures == []
    assert not Project.objects.filter(pk=project.pk).exists()
    assert not Span.objects.exists()
    assert not AnnotationEvent.objects.exists()


def test_label_delete_refuses_a_label_in_use_saying_how_many_use_it():
    project = ProjectFactory()
    favor = LabelFactory(project=project, name="FAVOR", kind="stance")
    target = StanceTargetFactory(project=project)
    annotation = AnnotationFactory(document=DocumentFactory(project=project))
    StanceFactory(annotation=annotation, target=target, label=favor)

    with pytest.raises(InvalidInput) as excinfo:
        projects.label_delete(label=favor)

    assert errors_of(excinfo) == {
        "label": [projects.LABEL_IN_USE.format(name="FAVOR", spans=0, stances=1, relations=0)]
    }
    with pytest.raises(InvalidInput) as excinfo:
        projects.target_delete(target=target)
    assert errors_of(excinfo) == {
        "target": [projects.TARGET_IN_USE.format(name=target.name, stances=1)]
    }
    assert Label.objects.filter(pk=favor.pk).exists()
    assert StanceTarget.objects.filter(pk=target.pk).exists()


def test_label_delete_and_target_delete_remove_what_nothing_uses():
    project = ProjectFactory()
    label = LabelFactory(project=project)
    target = StanceTargetFactory(project=project)

    projects.label_delete(label=label)
    projects.target_delete(target=target)

    assert not project.labels.exists() and not project.targets.exists()
