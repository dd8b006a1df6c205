"""Document labels on the pages: the settings page's label groups (and document labels added
in them), and what the annotate and review pages are given to draw them."""

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotations.models import DocumentLabel, Label, LabelGroup
from tests.factories import (
    AnnotationFactory,
    DocumentFactory,
    LabelFactory,
    MembershipFactory,
    ProjectFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def managed(client):
    project = ProjectFactory(name="Sahel")
    manager = UserFactory(username="meg")
    MembershipFactory(project=project, user=manager, role="manager")
    client.force_login(manager)
    return project


def _group_fields(prefix: str, **changes: str) -> dict[str, str]:
    fields = {"name": "Topic", "multiple": "no", "required": "yes", "position": "0"}
    return {f"{prefix}-{name}": value for name, value in (fields | changes).items()}


def test_a_manager_adds_a_group_then_a_document_label_in_it(client, managed):
    added = client.post(f"/projects/{managed.pk}/label-groups/", _group_fields("group"))
    assert added.status_code == 302
    assert added["Location"].endswith("#label-groups")
    group = LabelGroup.objects.get(project=managed)
    assert (group.name, group.multiple, group.required) == ("Topic", False, True)

    label = client.post(
        f"/projects/{managed.pk}/labels/",
        {
            "label-name": "politics",
            "label-kind": "document",
            "label-color": "",
            "label-shortcut": "p",
            "label-group": str(group.pk),
        },
    )
    assert label.status_code == 302
    assert Label.objects.get(name="politics").group_id == group.pk
    page = client.get(f"/projects/{managed.pk}/settings/").content.decode()
    assert 'data-group="Topic"' in page
    assert f'<option value="{group.pk}" selected>Topic</option>' in page


def test_a_document_label_without_a_group_is_refused_next_to_the_field(client, managed):
    response = client.post(
        f"/projects/{managed.pk}/labels/",
        {"label-name": "politics", "label-kind": "document", "label-color": "", "label-group": ""},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "A document label is chosen in a label group" in html
    assert not Label.objects.filter(name="politics").exists()


def test_a_group_is_changed_and_deleted_only_when_empty(client, managed):
    group = LabelGroup.objects.create(project=managed, name="Topic")
    used = LabelGroup.objects.create(project=managed, name="Genre")
    LabelFactory(project=managed, name="report", kind="document", group=used)
    base = f"/projects/{managed.pk}/label-groups/"
    changed = client.post(
        f"{base}{group.pk}/", _group_fields(f"group-{group.pk}", name="Subject", multiple="yes")
    )
    assert changed.status_code == 302
    group.refresh_from_db()
    assert (group.name, group.multiple, group.required) == ("Subject", True, True)

    refused = client.post(f"{base}{used.pk}/", {"delete": "1"})
    assert refused.status_code == 400
    assert "Label group Genre has 1 label(s)" in refused.content.decode()
    deleted = client.post(f"{base}{group.pk}/", {"delete": "1"})
    assert deleted.status_code == 302
    assert list(LabelGroup.objects.values_list("name", flat=True)) == ["Genre"]


def _payload(response, element: str) -> dict:
    html = response.content.decode()
    start = html.index(f'id="{element}"')
    start = html.index(">", start) + 1
    return json.loads(html[start : html.index("</script>", start)])


def test_the_annotate_page_carries_the_groups_and_the_documents_labels(client, managed):
    manager = managed.memberships.get().user
    topic = LabelGroup.objects.create(project=managed, name="Topic", required=True, position=1)
    tags = LabelGroup.objects.create(project=managed, name="Tags", multiple=True)
    politics = LabelFactory(project=managed, name="politics", kind="document", group=topic)
    LabelFactory(project=managed, name="breaking", kind="document", group=tags)
    document = DocumentFactory(project=managed)
    annotation = AnnotationFactory(document=document, author=manager)
    DocumentLabel.objects.create(annotation=annotation, label=politics)

    with CaptureQueriesContext(connection) as few:
        response = client.get(f"/documents/{document.pk}/annotate/")
    payload = _payload(response, "annotator-data")
    assert payload["annotation"]["document_labels"] == [politics.pk]
    assert [(g["name"], g["multiple"], g["required"]) for g in payload["label_groups"]] == [
        ("Tags", True, False),
        ("Topic", False, True),
    ]
    assert {label["name"]: label["group"] for label in payload["labels"]}["politics"] == topic.pk
    assert 'id="document-labels"' in response.content.decode()

    # As many queries however many document labels (a project without any reads no groups).
    for index in range(5):
        LabelFactory(project=managed, name=f"topic{index}", kind="document", group=topic)
    with CaptureQueriesContext(connection) as more:
        client.get(f"/documents/{document.pk}/annotate/")
    assert len(more) == len(few)


def test_the_review_page_carries_each_annotations_document_labels(client, managed):
    topic = LabelGroup.objects.create(project=managed, name="Topic")
    politics = LabelFactory(project=managed, name="politics", kind="document", group=topic)
    document = DocumentFactory(project=managed)
    work = AnnotationFactory(document=document, author=UserFactory(), status="submitted")
    DocumentLabel.objects.create(annotation=work, label=politics)
    payload = _payload(client.get(f"/documents/{document.pk}/review/"), "review-data")
    assert payload["annotators"][0]["document_labels"] == [politics.pk]
    assert [group["name"] for group in payload["label_groups"]] == ["Topic"]


def _topic_work(project, documents: int, labels: tuple[str, str]):
    """``documents`` documents, each submitted by two new annotators giving ``labels``."""
    group = LabelGroup.objects.get_or_create(project=project, name="Topic")[0]
    given = {
        name: Label.objects.get_or_create(
            project=project, name=name, defaults={"kind": "document", "group": group}
        )[0]
        for name in labels
    }
    made = []
    for _ in range(documents):
        document = DocumentFactory(project=project)
        for name in labels:
            author = UserFactory()
            MembershipFactory(project=project, user=author)
            annotation = AnnotationFactory(document=document, author=author, status="submitted")
            DocumentLabel.objects.create(annotation=annotation, label=given[name])
        made.append(document)
    return made


def test_the_review_queue_counts_document_labels_chosen_differently_as_disputed(client, managed):
    [disputed] = _topic_work(managed, 1, ("politics", "sport"))
    [agreed] = _topic_work(managed, 1, ("politics", "politics"))

    def rows(query=""):
        html = client.get(f"/projects/{managed.pk}/review/{query}").content.decode()
        return re.findall(
            r'<tr data-document-id="(\d+)">.*?<span class="num">([\d.]+)</span></td>\s*'
            r'<td class="num">(\d+)</td>',
            html,
            re.S,
        )

    # The disputed topic first: no item shared, two disputed; the agreed one fully shared.
    assert rows() == [(str(disputed.pk), "0.00", "2"), (str(agreed.pk), "1.00", "0")]
    assert [row[0] for row in rows("?label=sport")] == [str(disputed.pk)]


def test_the_review_queue_runs_as_many_queries_with_document_labels_for_20_as_for_2(
    client, managed
):
    def count_for(documents: int) -> int:
        _topic_work(managed, documents, ("politics", "sport"))
        url = f"/projects/{managed.pk}/review/?label=politics"
        assert client.get(url).status_code == 200  # computes the stored agreement
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    assert count_for(2) == count_for(20)
