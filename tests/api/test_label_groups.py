"""Label groups over the API, and document labels that must name one of them."""

import pytest

from annotations.models import DocumentLabel, Label, LabelGroup
from annotations.services import labelgroups, projects
from tests.api.conftest import client_for
from tests.factories import AnnotationFactory, LabelFactory

pytestmark = pytest.mark.django_db


def _groups(world) -> str:
    return f"/api/projects/{world.project.pk}/label-groups/"


def _labels(world) -> str:
    return f"/api/projects/{world.project.pk}/labels/"


def test_a_manager_creates_a_group_and_members_list_it(world):
    manager = client_for(world.users["manager"])
    body = {"name": "Topic", "multiple": False, "required": True, "position": 2}
    created = manager.post(_groups(world), body, format="json")
    assert created.status_code == 201, created.content
    group = created.json()
    assert group == {"id": group["id"], **body}
    listed = client_for(world.users["annotator"]).get(_groups(world)).json()
    assert listed["results"] == [group]
    detail = client_for(world.users["annotator"]).get(f"{_groups(world)}{group['id']}/")
    assert detail.json() == group


def test_defaults_are_single_choice_optional_first(world):
    created = client_for(world.users["manager"]).post(
        _groups(world), {"name": "Genre"}, format="json"
    )
    assert created.json() | {"id": 0} == {
        "id": 0,
        "name": "Genre",
        "multiple": False,
        "required": False,
        "position": 0,
    }


def test_only_managers_change_groups_and_outsiders_get_404(world):
    group = LabelGroup.objects.create(project=world.project, name="Topic")
    url = f"{_groups(world)}{group.pk}/"
    annotator = client_for(world.users["annotator"])
    assert annotator.post(_groups(world), {"name": "Genre"}, format="json").status_code == 403
    assert annotator.patch(url, {"name": "Subject"}, format="json").status_code == 403
    assert annotator.delete(url).status_code == 403
    assert client_for(world.users["outsider"]).get(url).status_code == 404
    assert client_for(world.users["outsider"]).get(_groups(world)).status_code == 404
    other = LabelGroup.objects.create(project=world.other_project, name="Topic")
    manager = client_for(world.users["manager"])
    assert manager.get(f"{_groups(world)}{other.pk}/").status_code == 404


def test_a_taken_or_empty_name_is_a_field_error(world):
    LabelGroup.objects.create(project=world.project, name="Topic")
    manager = client_for(world.users["manager"])
    taken = manager.post(_groups(world), {"name": " Topic "}, format="json")
    assert taken.status_code == 400
    assert taken.json()["errors"] == {"name": [labelgroups.GROUP_NAME_TAKEN.format(name="Topic")]}
    empty = manager.post(_groups(world), {"name": "  "}, format="json")
    assert empty.status_code == 400
    assert list(empty.json()["errors"]) == ["name"]
    assert LabelGroup.objects.filter(project=world.project).count() == 1


def test_patch_changes_a_group(world):
    group = LabelGroup.objects.create(project=world.project, name="Topic")
    url = f"{_groups(world)}{group.pk}/"
    changed = client_for(world.users["manager"]).patch(
        url, {"name": "Subject", "multiple": True, "required": True}, format="json"
    )
    assert changed.status_code == 200, changed.content
    group.refresh_from_db()
    assert (group.name, group.multiple, group.required) == ("Subject", True, True)


def test_a_group_cannot_become_single_choice_while_annotations_hold_several(world):
    group = LabelGroup.objects.create(project=world.project, name="Tags", multiple=True)
    one = LabelFactory(project=world.project, name="breaking", kind="document", group=group)
    two = LabelFactory(project=world.project, name="opinion", kind="document", group=group)
    DocumentLabel.objects.create(annotation=world.own, label=one)
    DocumentLabel.objects.create(annotation=world.own, label=two)
    response = client_for(world.users["manager"]).patch(
        f"{_groups(world)}{group.pk}/", {"multiple": False}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "multiple": [labelgroups.GROUP_HOLDS_SEVERAL.format(count=1, name="Tags")]
    }
    group.refresh_from_db()
    assert group.multiple is True


def test_a_group_with_labels_is_not_deleted(world):
    group = LabelGroup.objects.create(project=world.project, name="Topic")
    LabelFactory(project=world.project, name="politics", kind="document", group=group)
    empty = LabelGroup.objects.create(project=world.project, name="Genre")
    manager = client_for(world.users["manager"])
    refused = manager.delete(f"{_groups(world)}{group.pk}/")
    assert refused.status_code == 400
    assert refused.json()["errors"] == {
        "group": [labelgroups.GROUP_HAS_LABELS.format(name="Topic", count=1)]
    }
    assert manager.delete(f"{_groups(world)}{empty.pk}/").status_code == 204
    assert list(
        LabelGroup.objects.filter(project=world.project).values_list("name", flat=True)
    ) == ["Topic"]


def test_a_document_label_without_a_group_is_a_field_error_not_a_500(world):
    response = client_for(world.users["manager"]).post(
        _labels(world), {"name": "politics", "kind": "document"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"group": [projects.GROUP_REQUIRED]}
    assert not Label.objects.filter(name="politics").exists()


def test_a_document_label_names_its_group_and_reads_it_back(world):
    group = LabelGroup.objects.create(project=world.project, name="Topic")
    manager = client_for(world.users["manager"])
    response = manager.post(
        _labels(world),
        {"name": "politics", "kind": "document", "group": group.pk, "shortcut": "p"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["group"] == group.pk
    listed = manager.get(_labels(world)).json()["results"]
    assert {label["name"]: label["group"] for label in listed}["PER"] is None


def test_a_group_of_another_project_or_on_another_kind_is_refused(world):
    other = LabelGroup.objects.create(project=world.other_project, name="Topic")
    mine = LabelGroup.objects.create(project=world.project, name="Topic")
    manager = client_for(world.users["manager"])
    foreign = manager.post(
        _labels(world), {"name": "politics", "kind": "document", "group": other.pk}, format="json"
    )
    assert foreign.status_code == 400
    assert foreign.json()["errors"] == {
        "group": [projects.GROUP_NOT_IN_PROJECT.format(value=other.pk)]
    }
    entity = manager.post(
        _labels(world), {"name": "LOC", "kind": "entity", "group": mine.pk}, format="json"
    )
    assert entity.status_code == 400
    assert entity.json()["errors"] == {
        "group": [projects.GROUP_ONLY_DOCUMENT.format(a_kind="an entity")]
    }
    assert not Label.objects.filter(name__in=["politics", "LOC"]).exists()


def test_label_update_moves_a_label_between_groups_and_refuses_dropping_the_group(world):
    topic = LabelGroup.objects.create(project=world.project, name="Topic")
    genre = LabelGroup.objects.create(project=world.project, name="Genre")
    label = LabelFactory(project=world.project, name="report", kind="document", group=topic)
    projects.label_update(label=label, group=genre.pk)
    label.refresh_from_db()
    assert label.group_id == genre.pk
    with pytest.raises(projects.InvalidInput) as refused:
        projects.label_update(label=label, group=None)
    assert refused.value.errors == {"group": [projects.GROUP_REQUIRED]}
    label.refresh_from_db()
    assert label.group_id == genre.pk


def test_a_document_label_given_to_documents_is_not_deleted(world):
    topic = LabelGroup.objects.create(project=world.project, name="Topic")
    label = LabelFactory(project=world.project, name="politics", kind="document", group=topic)
    DocumentLabel.objects.create(annotation=AnnotationFactory(document=world.document), label=label)
    with pytest.raises(projects.InvalidInput) as refused:
        projects.label_delete(label=label)
    assert refused.value.errors == {
        "label": [projects.LABEL_GIVEN_TO_DOCUMENTS.format(name="politics", count=1)]
    }
    assert Label.objects.filter(pk=label.pk).exists()
