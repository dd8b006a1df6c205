"""The new-project page and a project's settings page, through Django's test client."""

import html

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotations.models import (
    GuidelinesVersion,
    Label,
    LabelAttribute,
    Membership,
    Project,
    Span,
    StanceTarget,
)
from annotations.services import projects as services
from tests.factories import (
    AnnotationFactory,
    DocumentFactory,
    LabelFactory,
    MembershipFactory,
    ProjectFactory,
    RelationFactory,
    SpanFactory,
    StanceFactory,
    StanceTargetFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def managed(client):
    """A project, signed in as its manager."""
    project = ProjectFactory(name="Sahel", allow_overlap=True)
    manager = UserFactory(username="meg")
    MembershipFactory(project=project, user=manager, role="manager")
    client.force_login(manager)
    return project


def _settings(project):
    return f"/projects/{project.pk}/settings/"


def _project_fields(**changes):
    fields = {
        "name": "Sahel",
        "description": "",
        "guidelines": "",
        "annotators_per_document": "1",
        "allow_overlap": "yes",
    }
    return fields | changes


def test_any_signed_in_user_creates_a_project_and_becomes_its_manager(client):
    user = UserFactory()
    client.force_login(user)

    response = client.post("/projects/new/", _project_fields(name="Elections", guidelines="# Mark"))

    project = Project.objects.get(name="Elections")
    assert response.status_code == 302
    assert response["Location"] == f"/projects/{project.pk}/settings/#project"
    assert Membership.objects.get(project=project, user=user).role == "manager"
    assert (project.guidelines, project.allow_overlap) == ("# Mark", True)


def test_a_new_project_without_a_name_is_refused_next_to_the_field(client):
    client.force_login(UserFactory())

    response = client.post(
        "/projects/new/", _project_fields(name="  ", annotators_per_document="0")
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert html.count('class="field-errors"') == 2
    assert "This field is required." in html
    assert not Project.objects.exists()


def test_settings_are_for_managers_only(client, managed):
    for role in ("annotator", "reviewer"):
        user = UserFactory()
        MembershipFactory(project=managed, user=user, role=role)
        client.force_login(user)
        assert client.get(_settings(managed)).status_code == 403
        assert client.post(_settings(managed), _project_fields(name="X")).status_code == 403
    client.force_login(UserFactory())
    assert client.get(_settings(managed)).status_code == 404
    managed.refresh_from_db()
    assert managed.name == "Sahel"


def test_settings_save_the_changed_fields(client, managed):
    response = client.post(
        _settings(managed),
        _project_fields(name="Sahel news", annotators_per_document="2", allow_overlap="no"),
    )

    assert response.status_code == 302
    managed.refresh_from_db()
    assert (managed.name, managed.annotators_per_document, managed.allow_overlap) == (
        "Sahel news",
        2,
        False,
    )


def test_guidelines_saved_on_the_settings_page_make_a_version_by_the_manager(client, managed):
    before = list(GuidelinesVersion.objects.filter(project=managed).values_list("number", "text"))

    client.post(_settings(managed), _project_fields(guidelines="Mark claims.", preview="1"))
    response = client.post(_settings(managed), _project_fields(guidelines="Mark claims."))

    assert response.status_code == 302
    versions = GuidelinesVersion.objects.filter(project=managed).order_by("number")
    added = [(v.number, v.text, v.created_by.username) for v in versions][len(before) :]
    assert added == [(len(before) + 1, "Mark claims.", "meg")]


def test_guidelines_preview_shows_sanitised_html_and_saves_nothing(client, managed):
    text = "# Claims\n\nMark **checkable** facts.<script>alert(1)</script>"

    response = client.post(_settings(managed), _project_fields(guidelines=text, preview="1"))

    html = response.content.decode()
    assert response.status_code == 200
    preview = html[html.index('id="guidelines-preview"') :]
    assert "<h1>Claims</h1>" in preview and "<strong>checkable</strong>" in preview
    assert "<script>alert(1)</script>" not in html
    managed.refresh_from_db()
    assert managed.guidelines == ""


def test_no_overlap_is_refused_listing_the_documents_that_overlap(client, managed):
    document = DocumentFactory(project=managed, text="Keita met Macron.", external_id="art-7")
    annotation = AnnotationFactory(document=document)
    per = LabelFactory(project=managed, name="PER", kind="entity")
    SpanFactory(annotation=annotation, label=per, start=0, end=9)
    SpanFactory(annotation=annotation, label=per, start=6, end=16)

    response = client.post(_settings(managed), _project_fields(allow_overlap="no"))

    assert response.status_code == 400
    html = response.content.decode()
    assert "1 document(s) hold overlapping spans" in html
    assert f"Documents: {document.pk} (art-7)." in html
    managed.refresh_from_db()
    assert managed.allow_overlap is True


def test_a_label_key_the_annotate_page_uses_is_refused_saying_what_it_does(client, managed):
    response = client.post(
        f"/projects/{managed.pk}/labels/",
        {"label-name": "KEY", "label-kind": "entity", "label-shortcut": "K", "label-color": ""},
    )

    assert response.status_code == 400
    assert "(pick the claimant)" in response.content.decode()
    assert not Label.objects.exists()


def test_a_label_in_use_is_not_deleted_and_the_page_says_how_many_use_it(client, managed):
    per = LabelFactory(project=managed, name="PER", kind="entity")
    document = DocumentFactory(project=managed, text="Keita met Macron.")
    SpanFactory(annotation=AnnotationFactory(document=document), label=per, start=0, end=5)
    unused = LabelFactory(project=managed, name="LOC", kind="entity")

    refused = client.post(f"/projects/{managed.pk}/labels/{per.pk}/", {"delete": "1"})
    deleted = client.post(f"/projects/{managed.pk}/labels/{unused.pk}/", {"delete": "1"})

    assert refused.status_code == 400
    in_use = "Label PER is used by 1 span(s), 0 stance(s) and 0 relation(s)"
    assert in_use in refused.content.decode()
    assert deleted.status_code == 302
    assert list(managed.labels.values_list("name", flat=True)) == ["PER"]


def test_targets_are_added_renamed_and_deleted_unless_stances_use_them(client, managed):
    base = f"/projects/{managed.pk}/targets/"
    added = client.post(base, {"target-name": "the vote", "target-description": ""})
    target = StanceTarget.objects.get(name="the vote")
    prefix = f"target-{target.pk}"
    renamed = client.post(
        f"{base}{target.pk}/", {f"{prefix}-name": "the election", f"{prefix}-description": "2026"}
    )
    used = StanceTargetFactory(project=managed, name="the corridor")
    favor = LabelFactory(project=managed, name="FAVOR", kind="stance")
    document = DocumentFactory(project=managed, text="Keita met Macron.")
    StanceFactory(annotation=AnnotationFactory(document=document), target=used, label=favor)

    refused = client.post(f"{base}{used.pk}/", {"delete": "1"})
    deleted = client.post(f"{base}{target.pk}/", {"delete": "1"})

    assert (added.status_code, renamed.status_code, deleted.status_code) == (302, 302, 302)
    assert refused.status_code == 400
    assert "used by 1 stance(s)" in refused.content.decode()
    assert list(managed.targets.values_list("name", flat=True)) == ["the corridor"]


def test_the_settings_page_runs_as_many_queries_for_many_labels_and_targets(client, managed):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(_settings(managed)).status_code == 200
        return len(captured)

    LabelFactory(project=managed, kind="entity")
    StanceTargetFactory(project=managed)
    few = queries()
    for _ in range(5):
        LabelFactory(project=managed, kind="entity")
        StanceTargetFactory(project=managed)

    assert queries() == few


def _attributes_url(project, label):
    return f"/projects/{project.pk}/labels/{label.pk}/attributes/"


def _attribute_fields(prefix, **fields):
    base = {"name": "", "type": "choice", "choices": "", "description": ""}
    return {f"{prefix}-{key}": value for key, value in (base | fields).items()}


def test_a_manager_adds_changes_and_removes_a_labels_attributes(client, managed):
    claim = LabelFactory(project=managed, name="CLAIM", kind="claim")
    url = _attributes_url(managed, claim)
    new = f"attr-{claim.pk}-new"
    added = client.post(
        url,
        _attribute_fields(new, name="sentiment", required="on", choices="positive\nnegative\n"),
    )
    assert added.status_code == 302
    page = client.get(_settings(managed)).content.decode()
    assert "Attributes of CLAIM (1)" in page
    assert 'data-attribute="sentiment"' in page
    (attribute,) = LabelAttribute.objects.users().filter(label=claim)
    assert (attribute.type, attribute.required, attribute.choices) == (
        "choice",
        True,
        ["positive", "negative"],
    )

    edit = f"attr-{claim.pk}-sentiment"
    changed = client.post(
        url,
        {"original": "sentiment"}
        | _attribute_fields(edit, name="mood", choices="positive\nnegative\nneutral"),
    )
    assert changed.status_code == 302
    attribute = LabelAttribute.objects.users().get(label=claim)
    assert (attribute.name, attribute.required) == ("mood", False)
    assert attribute.choices == ["positive", "negative", "neutral"]

    removed = client.post(url, {"original": "mood", "remove": "1"})
    assert removed.status_code == 302
    assert not LabelAttribute.objects.users().filter(label=claim).exists()


def test_a_bad_attribute_is_shown_next_to_its_field_and_nothing_is_saved(client, managed):
    claim = LabelFactory(project=managed, name="CLAIM", kind="claim")
    response = client.post(
        _attributes_url(managed, claim),
        _attribute_fields(f"attr-{claim.pk}-new", name="sentiment", choices=""),
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "A choice attribute needs at least one choice." in page
    # The section is open on the refused form, which keeps what was typed.
    assert f'id="label-{claim.pk}-attributes" class="label-attributes" open' in page
    assert 'value="sentiment"' in page
    assert not LabelAttribute.objects.users().exists()


def test_removing_a_choice_items_use_is_refused_saying_how_many(client, managed):
    claim = LabelFactory(project=managed, name="CLAIM", kind="claim")
    LabelAttribute.objects.create(
        label=claim, name="sentiment", type="choice", choices=["positive", "negative"]
    )
    document = DocumentFactory(project=managed, text="Keita met Macron.")
    span = SpanFactory(annotation=AnnotationFactory(document=document), label=claim, start=0, end=5)
    Span.objects.filter(pk=span.pk).update(attribute_values={"sentiment": "negative"})
    response = client.post(
        _attributes_url(managed, claim),
        {"original": "sentiment"}
        | _attribute_fields(f"attr-{claim.pk}-sentiment", name="sentiment", choices="positive"),
    )
    assert response.status_code == 400
    assert (
        "Choice &quot;negative&quot; of attribute sentiment (label CLAIM) is given on 1 item(s)"
        in response.content.decode()
    )
    assert LabelAttribute.objects.users().get(label=claim).choices == ["positive", "negative"]


def test_the_settings_page_runs_as_many_queries_for_many_attributes(client, managed):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(_settings(managed)).status_code == 200
        return len(captured)

    label = LabelFactory(project=managed, kind="claim")
    LabelAttribute.objects.create(label=label, name="a", type="text")
    few = queries()
    for index in range(5):
        label = LabelFactory(project=managed, kind="claim")
        LabelAttribute.objects.create(label=label, name=f"a{index}", type="number")
        LabelAttribute.objects.create(label=label, name="b", type="choice", choices=["x"])

    assert queries() == few


def _label_fields(prefix, **fields):
    base = {"name": "", "kind": "entity", "color": "", "shortcut": "", "description": ""}
    return {f"{prefix}-{key}": value for key, value in (base | fields).items()}


def test_a_relation_labels_end_kinds_are_set_and_changed_on_the_settings_page(client, managed):
    added = client.post(
        f"/projects/{managed.pk}/labels/",
        _label_fields(
            "label", name="located_in", kind="relation", source_kind="entity", target_kind="entity"
        ),
    )
    label = Label.objects.get(name="located_in")
    prefix = f"label-{label.pk}"
    changed = client.post(
        f"/projects/{managed.pk}/labels/{label.pk}/",
        _label_fields(
            prefix, name="located_in", kind="relation", source_kind="claim", target_kind=""
        ),
    )

    assert (added.status_code, changed.status_code) == (302, 302)
    label.refresh_from_db()
    assert (label.source_kind, label.target_kind) == ("claim", "")
    page = client.get(_settings(managed)).content.decode()
    assert f'name="{prefix}-source_kind"' in page
    assert '<option value="claim" selected>claim span</option>' in page


def test_end_kinds_are_refused_on_the_settings_page_as_the_api_refuses_them(client, managed):
    not_a_kind = client.post(
        f"/projects/{managed.pk}/labels/",
        _label_fields("label", name="cause", kind="relation", source_kind="paragraph"),
    )
    not_a_relation = client.post(
        f"/projects/{managed.pk}/labels/",
        _label_fields("label", name="PER", kind="entity", target_kind="entity"),
    )

    assert (not_a_kind.status_code, not_a_relation.status_code) == (400, 400)
    message = services.ENDPOINT_KIND_INVALID.format(
        value="paragraph", choices="entity, claim, sentence"
    )
    assert html.escape(message) in not_a_kind.content.decode()
    assert html.escape(services.ENDPOINT_KIND_NOT_RELATION) in not_a_relation.content.decode()
    assert not Label.objects.exists()


def test_end_kinds_in_use_stay_and_the_settings_page_says_how_many_relations_use_them(
    client, managed
):
    per = LabelFactory(project=managed, name="PER", kind="entity")
    located = LabelFactory(
        project=managed, name="located_in", kind="relation", source_kind="entity"
    )
    document = DocumentFactory(project=managed, text="Keita met Macron.")
    annotation = AnnotationFactory(document=document)
    source = SpanFactory(annotation=annotation, label=per, start=0, end=5)
    target = SpanFactory(annotation=annotation, label=per, start=10, end=16)
    RelationFactory(annotation=annotation, label=located, source=source, target=target)
    prefix = f"label-{located.pk}"

    refused = client.post(
        f"/projects/{managed.pk}/labels/{located.pk}/",
        _label_fields(prefix, name="located_in", kind="relation", source_kind="claim"),
    )

    assert refused.status_code == 400
    located.refresh_from_db()
    assert located.source_kind == "entity"
    message = services.ENDPOINT_KIND_IN_USE.format(name="located_in", count=1)
    assert html.escape(message) in refused.content.decode()


def test_the_end_kinds_are_shown_for_relation_labels_only(client, managed):
    per = LabelFactory(project=managed, name="PER", kind="entity")
    located = LabelFactory(project=managed, name="located_in", kind="relation")

    page = client.get(_settings(managed)).content.decode()

    shown = f'name="label-{located.pk}-source_kind" id="id_label-{located.pk}-source_kind">'
    hidden = f'name="label-{per.pk}-source_kind" disabled id="id_label-{per.pk}-source_kind">'
    assert shown in page
    assert hidden in page
    assert page.count('data-for-kind="relation" hidden') == 4  # PER's two and the add form's
