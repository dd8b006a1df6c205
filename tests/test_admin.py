from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from annotations import admin as workbench_admin
from annotations.errors import InvalidInput
from annotations.models import (
    Annotation,
    AnnotationEvent,
    Document,
    GuidelinesVersion,
    Label,
    LabelGroup,
    Membership,
    Project,
    Role,
    Span,
    Stance,
    StanceTarget,
)
from annotations.repair import content_hash
from annotations.services import projects as services
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

MODELS = [
    Project,
    Membership,
    Label,
    StanceTarget,
    Document,
    Annotation,
    Span,
    Stance,
    AnnotationEvent,
]
MODEL_IDS = [model.__name__ for model in MODELS]


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def url(model: type, view: str, *args: Any) -> str:
    return reverse(f"admin:annotations_{model._meta.model_name}_{view}", args=args)


def add_rows(count: int) -> None:
    """Create `count` rows of every annotations model, each with all its relations set."""
    for _ in range(count):
        span = SpanFactory()
        annotation = span.annotation
        project = annotation.document.project
        MembershipFactory(project=project, role=Role.MANAGER)
        StanceFactory(annotation=annotation, holder=span, evidence=span)
        record_event(annotation, actor=annotation.author, object_id=span.pk)


def record_event(annotation: Annotation, **fields: Any) -> AnnotationEvent:
    values = {"action": "span_created", "version": 2, "after": {"start": 0, "end": 8}}
    return AnnotationEvent.objects.create(annotation=annotation, **(values | fields))


def form_data(response) -> dict[str, Any]:
    """Return the POST body the rendered admin change form would submit unchanged."""
    data: dict[str, Any] = {}

    def add(form) -> None:
        for name, field in form.fields.items():
            if field.disabled:
                continue
            value = form[name].value()
            key = form.add_prefix(name)
            if isinstance(value, bool):
                if value:
                    data[key] = "on"
            elif value is not None:
                data[key] = value

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        add(formset.management_form)
        for form in formset.forms:
            add(form)
    return data


def count_queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return len(queries)


# --- Every page renders -------------------------------------------------------------------


def test_admin_index_lists_every_model(admin_client):
    response = admin_client.get(reverse("admin:index"))

    assert response.status_code == 200
    for model in MODELS:
        assert url(model, "changelist") in response.content.decode()


@pytest.mark.parametrize("model", MODELS, ids=MODEL_IDS)
def test_changelist_renders_for_a_superuser(admin_client, model):
    add_rows(2)

    response = admin_client.get(url(model, "changelist"))

    assert response.status_code == 200
    assert response.context["cl"].result_count == model.objects.count()


@pytest.mark.parametrize("query", ["1", "Keita"])
@pytest.mark.parametrize("model", MODELS, ids=MODEL_IDS)
def test_changelist_search_renders_for_numbers_and_words(admin_client, model, query):
    add_rows(2)

    response = admin_client.get(url(model, "changelist"), {"q": query})

    assert response.status_code == 200


@pytest.mark.parametrize("model", MODELS, ids=MODEL_IDS)
def test_change_page_renders_for_a_superuser(admin_client, model):
    add_rows(2)
    obj = model.objects.order_by("pk").last()

    response = admin_client.get(url(model, "change", obj.pk))

    assert response.status_code == 200


@pytest.mark.parametrize("model", [Project, Membership, Label, StanceTarget], ids=str)
def test_add_page_renders_for_what_a_manager_configures(admin_client, model):
    assert admin_client.get(url(model, "add")).status_code == 200


@pytest.mark.parametrize(
    "model", [Document, Annotation, Span, Stance, AnnotationEvent], ids=lambda m: m.__name__
)
def test_records_of_work_cannot_be_added_in_the_admin(admin_client, model):
    assert admin_client.get(url(model, "add")).status_code == 403


# --- Bounded queries ----------------------------------------------------------------------


@pytest.mark.parametrize("model", MODELS, ids=MODEL_IDS)
def test_changelist_queries_do_not_grow_with_rows(admin_client, django_assert_num_queries, model):
    add_rows(2)
    path = url(model, "changelist")
    admin_client.get(path)  # warm per-process caches (content types, permissions)
    with_two = count_queries(admin_client, path)

    add_rows(18)

    with django_assert_num_queries(with_two):
        response = admin_client.get(path)
    assert response.context["cl"].result_count == model.objects.count()


def test_project_changelist_counts_members_and_documents(admin_client):
    project = ProjectFactory(name="Counted")
    MembershipFactory.create_batch(3, project=project)
    DocumentFactory.create_batch(2, project=project)

    response = admin_client.get(url(Project, "changelist"))

    row = response.context["cl"].result_list.get(pk=project.pk)
    assert (row.member_count, row.document_count) == (3, 2)


# --- Projects, labels, targets and members save through the services ----------------------


def test_project_added_in_the_admin_makes_the_creator_manager_and_its_labels(
    admin_client, admin_user
):
    data = {
        "name": "Sahel",
        "description": "",
        "guidelines": "",
        "annotators_per_document": "2",
        "labels-TOTAL_FORMS": "2",
        "labels-INITIAL_FORMS": "0",
        "labels-0-name": "PER",
        "labels-0-kind": "entity",
        "labels-0-color": "",
        "labels-0-shortcut": "p",
        "labels-1-name": "FAVOR",
        "labels-1-kind": "stance",
        "labels-1-color": "#ABCDEF",
        "labels-1-shortcut": "f",
        "targets-TOTAL_FORMS": "1",
        "targets-INITIAL_FORMS": "0",
        "targets-0-name": "The trade pact",
    }

    response = admin_client.post(url(Project, "add"), data)

    assert response.status_code == 302, response.context and response.context["errors"]
    project = Project.objects.get(name="Sahel")
    assert project.created_by == admin_user
    assert project.annotators_per_document == 2
    assert list(project.memberships.values_list("user", "role")) == [(admin_user.pk, "manager")]
    assert dict(project.labels.values_list("name", "color")) == {
        "PER": services.PALETTE[0],
        "FAVOR": "#abcdef",
    }
    assert list(project.targets.values_list("name", flat=True)) == ["The trade pact"]


def test_project_admin_sets_sentence_units_and_adds_relation_and_document_labels(admin_client):
    project = ProjectFactory()
    group = LabelGroup.objects.create(project=project, name="Topic")
    other_group = LabelGroup.objects.create(project=ProjectFactory(), name="Elsewhere")
    response = admin_client.get(url(Project, "change", project.pk))
    assert other_group.name not in response.content.decode()  # no other project's groups
    data = form_data(response) | {
        "sentence_units": "on",
        "labels-TOTAL_FORMS": "3",
        "labels-0-name": "Politics",
        "labels-0-kind": "document",
        "labels-0-group": str(group.pk),
        "labels-1-name": "located_in",
        "labels-1-kind": "relation",
        "labels-1-source_kind": "entity",
        "labels-1-target_kind": "entity",
        "labels-2-name": "Orphan",
        "labels-2-kind": "document",
    }

    refused = admin_client.post(url(Project, "change", project.pk), data)

    # A document label without a group is a form error, and nothing of the form is stored.
    assert refused.status_code == 200
    assert "group" in refused.content.decode()
    assert not project.labels.exists()

    data["labels-TOTAL_FORMS"] = "2"
    response = admin_client.post(url(Project, "change", project.pk), data)

    assert response.status_code == 302, response.context and response.context["errors"]
    project.refresh_from_db()
    assert project.sentence_units is True
    assert sorted(
        project.labels.values_list("name", "kind", "group", "source_kind", "target_kind")
    ) == [
        ("Politics", "document", group.pk, "", ""),
        ("located_in", "relation", None, "entity", "entity"),
    ]


def test_project_inline_refuses_two_labels_with_one_shortcut(admin_client):
    project = ProjectFactory()
    response = admin_client.get(url(Project, "change", project.pk))
    data = form_data(response) | {
        "labels-TOTAL_FORMS": "2",
        "labels-0-name": "PER",
        "labels-0-kind": "entity",
        "labels-0-shortcut": "p",
        "labels-1-name": "PLACE",
        "labels-1-kind": "entity",
        "labels-1-shortcut": "p",
    }

    response = admin_client.post(url(Project, "change", project.pk), data)

    assert response.status_code == 200
    expected = workbench_admin.DUPLICATE_IN_FORM.format(field="shortcut", value="p")
    assert escape(expected) in response.content.decode()
    assert not Label.objects.filter(project=project).exists()


def test_project_inline_refuses_a_shortcut_an_existing_label_uses(admin_client):
    project = ProjectFactory()
    LabelFactory(project=project, name="PER", shortcut="p")
    response = admin_client.get(url(Project, "change", project.pk))
    data = form_data(response)
    data |= {
        "labels-TOTAL_FORMS": "2",
        "labels-1-name": "PLACE",
        "labels-1-kind": "entity",
        "labels-1-shortcut": "p",
    }

    response = admin_client.post(url(Project, "change", project.pk), data)

    assert response.status_code == 200
    assert escape("Shortcut 'p' is already used by label PER.") in response.content.decode()
    assert Label.objects.filter(project=project).count() == 1


def test_project_inline_refuses_to_demote_the_last_manager(admin_client):
    membership = MembershipFactory(role=Role.MANAGER)
    project = membership.project
    data = form_data(admin_client.get(url(Project, "change", project.pk)))
    data["memberships-0-role"] = Role.ANNOTATOR

    response = admin_client.post(url(Project, "change", project.pk), data)

    assert response.status_code == 200
    assert workbench_admin.KEEP_A_MANAGER in response.content.decode()
    membership.refresh_from_db()
    assert membership.role == "manager"


def test_project_inline_hands_over_management_in_one_save(admin_client):
    old = MembershipFactory(role=Role.MANAGER)
    new = MembershipFactory(project=old.project, role=Role.ANNOTATOR)
    data = form_data(admin_client.get(url(Project, "change", old.project.pk)))
    data |= {"memberships-0-role": Role.ANNOTATOR, "memberships-1-role": Role.MANAGER}

    response = admin_client.post(url(Project, "change", old.project.pk), data)

    assert response.status_code == 302
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.role, new.role) == ("annotator", "manager")


def test_project_change_saves_only_the_settings_through_the_service(admin_client):
    project = ProjectFactory(name="Before", annotators_per_document=1)
    data = form_data(admin_client.get(url(Project, "change", project.pk)))
    data |= {"name": "After", "annotators_per_document": "0"}

    response = admin_client.post(url(Project, "change", project.pk), data)

    assert response.status_code == 200
    assert services.ANNOTATORS_PER_DOCUMENT_INVALID in response.content.decode()
    project.refresh_from_db()
    assert project.name == "Before"


def test_label_page_shows_the_service_message_for_a_taken_shortcut(admin_client):
    project = ProjectFactory()
    LabelFactory(project=project, name="PER", shortcut="p")

    response = admin_client.post(
        url(Label, "add"),
        {"project": project.pk, "name": "PLACE", "kind": "entity", "shortcut": "p"},
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "shortcut": ["Shortcut 'p' is already used by label PER."]
    }


def test_label_added_without_a_colour_gets_a_distinct_one(admin_client):
    project = ProjectFactory()
    LabelFactory(project=project, color=services.PALETTE[0])

    response = admin_client.post(
        url(Label, "add"), {"project": project.pk, "name": "ORG", "kind": "entity"}
    )

    assert response.status_code == 302
    assert Label.objects.get(project=project, name="ORG").color == services.PALETTE[1]


def test_label_kind_cannot_change_while_spans_use_it(admin_client):
    span = SpanFactory()
    label = span.label
    data = form_data(admin_client.get(url(Label, "change", label.pk))) | {"kind": "stance"}

    response = admin_client.post(url(Label, "change", label.pk), data)

    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == ["kind"]
    label.refresh_from_db()
    assert label.kind == "entity"


def test_target_page_refuses_a_name_the_project_already_has(admin_client):
    project = ProjectFactory()
    StanceTargetFactory(project=project, name="The pact")

    response = admin_client.post(
        url(StanceTarget, "add"), {"project": project.pk, "name": "The pact"}
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "name": [services.TARGET_NAME_TAKEN.format(name="The pact")]
    }


def test_membership_page_refuses_to_demote_the_last_manager(admin_client):
    membership = MembershipFactory(role=Role.MANAGER)

    response = admin_client.post(url(Membership, "change", membership.pk), {"role": "reviewer"})

    assert response.status_code == 200
    username = membership.user.username
    assert response.context["adminform"].form.errors == {
        "role": [services.LAST_MANAGER.format(username=username)]
    }


def test_last_manager_cannot_be_deleted_from_the_membership_page(admin_client):
    membership = MembershipFactory(role=Role.MANAGER)

    response = admin_client.post(url(Membership, "delete", membership.pk), {"post": "yes"})

    assert response.status_code == 403
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_remove_members_action_keeps_the_last_manager(admin_client):
    manager = MembershipFactory(role=Role.MANAGER)
    annotator = MembershipFactory(project=manager.project, role=Role.ANNOTATOR)

    response = admin_client.post(
        url(Membership, "changelist"),
        {"action": "remove_members", "_selected_action": [manager.pk, annotator.pk]},
        follow=True,
    )

    assert services.LAST_MANAGER.format(username=manager.user.username) in [
        str(message) for message in response.context["messages"]
    ]
    assert Membership.objects.filter(pk__in=[manager.pk, annotator.pk]).count() == 2


def test_remove_members_action_removes_members_through_the_service(admin_client):
    manager = MembershipFactory(role=Role.MANAGER)
    annotators = MembershipFactory.create_batch(2, project=manager.project)

    admin_client.post(
        url(Membership, "changelist"),
        {"action": "remove_members", "_selected_action": [m.pk for m in annotators]},
    )

    assert list(Membership.objects.filter(project=manager.project)) == [manager]


# --- Documents ----------------------------------------------------------------------------


def test_document_text_is_read_only_once_annotated(admin_client):
    document = AnnotationFactory().document
    original = document.text

    response = admin_client.get(url(Document, "change", document.pk))
    assert "text" not in response.context["adminform"].form.fields
    data = form_data(response) | {"text": "Rewritten under the annotators' feet."}
    response = admin_client.post(url(Document, "change", document.pk), data)

    assert response.status_code == 302
    document.refresh_from_db()
    assert document.text == original


def test_document_text_is_editable_before_any_annotation(admin_client):
    document = DocumentFactory()

    response = admin_client.get(url(Document, "change", document.pk))
    assert "text" in response.context["adminform"].form.fields
    data = form_data(response) | {"text": "Line one\r\nLine two — “quoted”"}
    response = admin_client.post(url(Document, "change", document.pk), data)

    assert response.status_code == 302
    document.refresh_from_db()
    assert document.text == "Line one\nLine two — “quoted”"
    assert document.content_hash == content_hash(document.text)


def test_document_saved_without_text_changes_keeps_its_text_byte_for_byte(admin_client):
    text = "  Indented headline\n\nBody — “quoted”.\n"
    document = DocumentFactory(text=text)
    response = admin_client.get(url(Document, "change", document.pk))
    data = form_data(response) | {"text": text.replace("\n", "\r\n"), "external_id": "new-id"}

    response = admin_client.post(url(Document, "change", document.pk), data)

    assert response.status_code == 302
    document.refresh_from_db()
    assert (document.text, document.external_id) == (text, "new-id")


def test_project_guidelines_from_a_browser_are_stored_with_lf_line_breaks(admin_client):
    project = ProjectFactory()
    data = form_data(admin_client.get(url(Project, "change", project.pk)))
    data["guidelines"] = "# Rules\r\n\r\nMark people."

    admin_client.post(url(Project, "change", project.pk), data)

    project.refresh_from_db()
    assert project.guidelines == "# Rules\n\nMark people."


def test_project_guidelines_changed_in_the_admin_make_a_new_version_by_that_user(admin_client):
    project = services.project_create(name="Sahel", creator=UserFactory(), guidelines="One.")
    data = form_data(admin_client.get(url(Project, "change", project.pk)))

    admin_client.post(url(Project, "change", project.pk), data | {"guidelines": "Two."})
    admin_client.post(url(Project, "change", project.pk), data | {"guidelines": "Two."})

    versions = GuidelinesVersion.objects.filter(project=project)
    assert [(v.number, v.text) for v in versions] == [(1, "One."), (2, "Two.")]
    assert versions.last().created_by.is_superuser
    # The project's page lists the history, read-only (no field to edit a version).
    page = admin_client.get(url(Project, "change", project.pk)).content.decode()
    assert "Guidelines versions (saving changed guidelines makes the next)" in page
    assert 'name="guidelines_versions-0-text"' not in page


def test_document_text_cannot_become_a_duplicate_of_another(admin_client):
    first = DocumentFactory(text="Same words.")
    second = DocumentFactory(project=first.project, text="Other words.")

    data = form_data(admin_client.get(url(Document, "change", second.pk))) | {"text": "Same words."}
    response = admin_client.post(url(Document, "change", second.pk), data)

    assert response.context["adminform"].form.errors == {
        "text": [workbench_admin.TEXT_DUPLICATE.format(other=first.pk)]
    }


def test_document_with_annotations_can_be_deleted_with_its_history(admin_client):
    annotation = AnnotationFactory()
    record_event(annotation)
    document = annotation.document

    response = admin_client.post(url(Document, "delete", document.pk), {"post": "yes"})

    assert response.status_code == 302
    assert not Document.objects.filter(pk=document.pk).exists()
    assert not AnnotationEvent.objects.exists()


# --- The event log is append-only ---------------------------------------------------------


def test_events_cannot_be_added_changed_or_deleted(admin_client):
    event = record_event(AnnotationFactory())
    change = url(AnnotationEvent, "change", event.pk)

    view = admin_client.get(change)
    changed = admin_client.post(change, {"action": "status_changed", "version": "9"})
    deleted = admin_client.post(url(AnnotationEvent, "delete", event.pk), {"post": "yes"})
    added = admin_client.post(url(AnnotationEvent, "add"), {"action": "status_changed"})
    changelist = admin_client.get(url(AnnotationEvent, "changelist"))

    assert view.status_code == 200
    assert view.context["has_change_permission"] is False
    assert (changed.status_code, deleted.status_code, added.status_code) == (403, 403, 403)
    assert "delete_selected" not in changelist.context["cl"].model_admin.get_actions(
        changelist.wsgi_request
    )
    event.refresh_from_db()
    assert (event.action, event.version) == ("span_created", 2)


@pytest.mark.parametrize("model", [Span, Stance], ids=lambda m: m.__name__)
def test_spans_and_stances_are_read_only(admin_client, model):
    add_rows(1)
    obj = model.objects.get()

    changed = admin_client.post(url(model, "change", obj.pk), {})
    deleted = admin_client.post(url(model, "delete", obj.pk), {"post": "yes"})

    assert (changed.status_code, deleted.status_code) == (403, 403)
    assert model.objects.filter(pk=obj.pk).exists()


def test_annotation_page_shows_its_spans_and_stances_read_only(admin_client):
    add_rows(1)
    annotation = Annotation.objects.get()

    response = admin_client.get(url(Annotation, "change", annotation.pk))

    inlines = {inline.opts.model: inline for inline in response.context["inline_admin_formsets"]}
    assert set(inlines) == {Span, Stance}
    assert all(not inline.has_change_permission for inline in inlines.values())
    assert response.content.decode().count(Span.objects.get().text) >= 1


# --- A manager who is not a superuser -----------------------------------------------------


def test_staff_manager_sees_only_the_projects_they_manage(client):
    user = UserFactory(is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="annotations", codename__startswith="view_"
        )
    )
    mine = MembershipFactory(user=user, role=Role.MANAGER).project
    annotated = MembershipFactory(user=user, role=Role.ANNOTATOR).project
    ProjectFactory(name="Someone else's")
    DocumentFactory(project=mine)
    DocumentFactory(project=annotated)
    client.force_login(user)

    projects = client.get(url(Project, "changelist")).context["cl"].result_list
    documents = client.get(url(Document, "changelist")).context["cl"].result_list

    assert list(projects) == [mine]
    assert {d.project_id for d in documents} == {mine.pk}
    assert client.get(url(Project, "change", annotated.pk)).status_code == 302


def test_a_change_that_loses_a_race_with_another_save_is_reported_not_a_crash(
    admin_client, monkeypatch
):
    label = LabelFactory(name="PER", shortcut="p")
    data = form_data(admin_client.get(url(Label, "change", label.pk))) | {"name": "PERSON"}

    def taken_meanwhile(**fields):
        raise InvalidInput({"shortcut": ["Shortcut 'p' is already used by label X."]})

    monkeypatch.setattr(services, "label_update", taken_meanwhile)
    response = admin_client.post(url(Label, "change", label.pk), data, follow=True)

    assert response.status_code == 200
    assert "Shortcut 'p' is already used by label X." in [
        str(message) for message in response.context["messages"]
    ]
    label.refresh_from_db()
    assert label.name == "PER"
