"""Comments on the pages: the review queue's open-comment counts and filter, mentions at home."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotations.models import Comment
from annotations.services.comments import comment_create, comment_resolve
from tests.factories import (
    AnnotationFactory,
    DocumentFactory,
    LabelFactory,
    MembershipFactory,
    ProjectFactory,
    SpanFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def project():
    project = ProjectFactory(name="Sahel news")
    for name, role in [("ana", "annotator"), ("ben", "annotator"), ("rev", "reviewer")]:
        MembershipFactory(project=project, user=UserFactory(username=name), role=role)
    return project


def submitted_document(project, external_id):
    """A document that ana and ben submitted, each with one PER span."""
    document = DocumentFactory(project=project, external_id=external_id)
    per = LabelFactory(project=project, name=f"PER-{external_id}")
    spans = {}
    for name in ("ana", "ben"):
        work = AnnotationFactory(
            document=document, author=project.memberships.get(user__username=name).user
        )
        work.status = "submitted"
        work.save()
        spans[name] = SpanFactory(annotation=work, label=per, start=0, end=8)
    return document, spans


def user(name):
    return Comment._meta.get_field("author").related_model.objects.get(username=name)


def queue_rows(client, project, query=""):
    html = client.get(f"/projects/{project.pk}/review/{query}").content.decode()
    rows = re.findall(
        r'<tr data-document-id="(\d+)">.*?<td class="num open-comments">(.*?)</td>', html, re.S
    )
    return {int(pk): re.sub(r"<[^>]+>", "", cell).strip() for pk, cell in rows}


def test_review_queue_counts_open_comments_and_filters_on_them(client, project):
    quiet, _ = submitted_document(project, "quiet")
    busy, spans = submitted_document(project, "busy")
    done, _ = submitted_document(project, "done")
    ana, rev = user("ana"), user("rev")
    comment_create(
        document=busy, actor=ana, role="annotator", body="Unsure", span_id=spans["ana"].pk
    )
    comment_create(document=busy, actor=rev, role="reviewer", body="Check the date")
    closed = comment_create(document=done, actor=rev, role="reviewer", body="Fixed")
    comment_resolve(comment=closed, actor=rev, role="reviewer")
    client.force_login(rev)

    everything = queue_rows(client, project)
    only_open = queue_rows(client, project, "?comments=open")

    assert everything == {quiet.pk: "–", busy.pk: "2", done.pk: "–"}
    assert only_open == {busy.pk: "2"}


def test_review_queue_with_the_filter_runs_as_many_queries_for_20_documents_as_for_2(
    client, project
):
    rev = user("rev")
    client.force_login(rev)
    url = f"/projects/{project.pk}/review/?comments=open"

    def count_for(documents):
        for n in range(documents):
            document, _ = submitted_document(project, f"doc-{documents}-{n}")
            comment_create(document=document, actor=rev, role="reviewer", body="Look")
        client.get(url)  # computes the stored agreement
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    assert count_for(2) == count_for(18)


def test_home_lists_open_comments_that_mention_me_and_links_to_the_document(client, project):
    busy, spans = submitted_document(project, "busy")
    rev, ana = user("rev"), user("ana")
    comment_create(
        document=busy, actor=rev, role="reviewer", body="@ana fix this", span_id=spans["ana"].pk
    )
    comment_create(document=busy, actor=rev, role="reviewer", body="@ana and the title too")
    resolved = comment_create(document=busy, actor=rev, role="reviewer", body="@ana old news")
    comment_resolve(comment=resolved, actor=rev, role="reviewer")
    client.force_login(ana)

    html = client.get("/").content.decode()

    assert "2 open comments mention you" in html
    assert "annotations/comments.css" in html  # the badges' style
    assert re.search(rf'<a href="/documents/{busy.pk}/annotate/">busy</a>', html)


def test_home_shows_no_mentions_section_when_nothing_mentions_me(client, project):
    client.force_login(user("ben"))

    assert 'id="mentions"' not in client.get("/").content.decode()
