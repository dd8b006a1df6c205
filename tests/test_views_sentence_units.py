"""Sentence units on the pages: the setting, sentence labels, and the annotate page's units."""

import pytest

from annotations.models import Label
from tests.factories import (
    AnnotationFactory,
    DocumentFactory,
    LabelFactory,
    MembershipFactory,
    ProjectFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

TEXT = "<b>Keita</b> met Macron. Troops stay.\nHeadline"


@pytest.fixture
def manager(client):
    project = ProjectFactory(name="Sahel")
    user = UserFactory(username="meg")
    MembershipFactory(project=project, user=user, role="manager")
    client.force_login(user)
    return project


def test_the_settings_page_turns_sentence_units_on_and_adds_sentence_labels(client, manager):
    fields = {
        "name": "Sahel",
        "description": "",
        "guidelines": "",
        "annotators_per_document": "1",
        "allow_overlap": "no",
        "sentence_units": "on",
    }
    response = client.post(f"/projects/{manager.pk}/settings/", fields)
    assert response.status_code == 302
    manager.refresh_from_db()
    assert manager.sentence_units is True
    page = client.get(f"/projects/{manager.pk}/settings/")
    assert b'name="sentence_units"' in page.content and b"checked" in page.content

    label = {"label-name": "CFS", "label-kind": "sentence", "label-shortcut": "c"}
    response = client.post(f"/projects/{manager.pk}/labels/", label)
    assert response.status_code == 302, response.content[:2000]
    assert Label.objects.get(project=manager, name="CFS").kind == "sentence"

    fields.pop("sentence_units")  # an unticked box sends nothing: off again
    client.post(f"/projects/{manager.pk}/settings/", fields)
    manager.refresh_from_db()
    assert manager.sentence_units is False


def test_the_annotate_page_sends_the_sentences_and_lists_sentence_labels_apart(client, manager):
    manager.sentence_units = True
    manager.save()
    LabelFactory(project=manager, name="CFS", kind="sentence", shortcut="c")
    LabelFactory(project=manager, name="PER", kind="entity", shortcut="p")
    document = DocumentFactory(project=manager, text=TEXT)
    user = manager.memberships.get().user
    AnnotationFactory(document=document, author=user)
    page = client.get(f"/documents/{document.pk}/annotate/")
    assert page.status_code == 200
    ranges = page.context["payload"]["sentence_units"]
    assert [TEXT[start:end] for start, end in ranges] == [
        "<b>Keita</b> met Macron.",
        "Troops stay.",
        "Headline",
    ]
    html = page.content.decode()
    assert 'id="unit-list"' in html and "units.css" in html
    assert 'class="unit-label-button' in html and 'data-label="CFS"' in html
    # Sentence labels are not offered for drawn spans, nor entity labels for units.
    assert [label.name for label in page.context["span_labels"]] == ["PER"]
    assert [label.name for label in page.context["sentence_labels"]] == ["CFS"]


def test_a_project_without_units_has_no_unit_list(client, manager):
    document = DocumentFactory(project=manager, text=TEXT)
    page = client.get(f"/documents/{document.pk}/annotate/")
    assert "sentence_units" not in page.context["payload"]
    assert b'id="unit-list"' not in page.content
