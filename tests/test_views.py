"""The browser pages, server side: who sees what, what is rendered, and how many queries."""

import json
import re
from types import SimpleNamespace

import orjson
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from annotations.charts import AgreementBar, CountBar, agreement_chart, count_chart
from annotations.models import Annotation, AnnotationEvent
from annotations.services.queue import OPEN_LIMIT
from annotations.templatetags.workbench import WORK_ACTIONS
from annotations.views import review as review_views
from tests.factories import (
    AnnotationFactory,
    DocumentFactory,
    ImportJobFactory,
    LabelFactory,
    MembershipFactory,
    ProjectFactory,
    ReleaseFactory,
    ReleaseFileFactory,
    SpanFactory,
    StanceFactory,
    StanceTargetFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def ana(client):
    user = UserFactory(username="ana")
    client.force_login(user)
    return user


def _payload(response) -> dict:
    match = re.search(
        r'<script id="annotator-data" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    assert match, "the annotate page carries its data as JSON"
    return json.loads(match.group(1))


# Who may see the pages


def test_pages_send_an_anonymous_visitor_to_log_in(client):
    project = ProjectFactory()
    document = DocumentFactory(project=project)
    for url in (
        "/",
        f"/projects/{project.pk}/",
        f"/projects/{project.pk}/annotate/",
        f"/documents/{document.pk}/annotate/",
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")


def test_a_non_member_gets_404_for_every_page_of_a_project(client, ana):
    project = ProjectFactory()
    document = DocumentFactory(project=project)
    for url in (
        f"/projects/{project.pk}/",
        f"/projects/{project.pk}/annotate/",
        f"/projects/{project.pk}/labels.css",
        f"/documents/{document.pk}/annotate/",
        "/projects/999999/",
        "/documents/999999/annotate/",
    ):
        assert client.get(url).status_code == 404, url
    assert not Annotation.objects.exists()


# My projects


def test_home_lists_my_projects_with_progress_done_of_mine(client, ana):
    project = ProjectFactory(name="Sahel news")
    MembershipFactory(project=project, user=ana)
    documents = [DocumentFactory(project=project) for _ in range(4)]
    AnnotationFactory(document=documents[0], author=ana, status="submitted")
    AnnotationFactory(document=documents[1], author=ana, status="skipped")
    AnnotationFactory(document=documents[2], author=ana)
    # Someone else's document with one place only: not mine to do.
    project.annotators_per_document = 1
    project.save()
    AnnotationFactory(document=documents[3])
    MembershipFactory(project=ProjectFactory(name="Not mine"))

    response = client.get("/")
    html = response.content.decode()
    assert "Sahel news" in html
    assert "Not mine" not in html
    assert f'<progress id="progress-{project.pk}" value="2" max="3"' in html
    assert "<strong>2</strong> of 3 done" in html
    assert "Continue annotating" in html


def _work_buttons(html: str) -> set[str]:
    """The wordings of every button or link that opens the caller's work on a page."""
    words = "|".join(re.escape(wording) for wording in WORK_ACTIONS.values())
    return set(re.findall(rf">({words})<", html))


def test_every_page_words_the_state_of_my_work_the_same_way(client, ana):
    project = ProjectFactory(name="Sahel news")
    MembershipFactory(project=project, user=ana)
    first, second = DocumentFactory(project=project), DocumentFactory(project=project)
    pages = ("/", f"/projects/{project.pk}/")
    documents = f"/projects/{project.pk}/documents/"

    # Nothing started, documents waiting: every page offers to start.
    for url in (*pages, f"/projects/{project.pk}/annotate/", documents):
        assert _work_buttons(client.get(url).content.decode()) == {"Start annotating"}, url

    # A document in progress: every page offers to continue (the documents list starts the
    # other one).
    AnnotationFactory(document=first, author=ana)
    for url in pages:
        assert _work_buttons(client.get(url).content.decode()) == {"Continue annotating"}, url
    listed = _work_buttons(client.get(documents).content.decode())
    assert listed == {"Continue annotating", "Start annotating"}

    # Everything submitted: nothing to start or continue.
    Annotation.objects.filter(author=ana).update(status="submitted")
    AnnotationFactory(document=second, author=ana, status="submitted")
    for url in pages:
        assert _work_buttons(client.get(url).content.decode()) == {"All done"}, url


def test_a_project_without_documents_offers_nothing_to_start(client, ana):
    MembershipFactory(project=ProjectFactory(name="Empty"), user=ana)
    assert _work_buttons(client.get("/").content.decode()) == {"Nothing to annotate yet"}


def test_home_shows_a_project_without_documents_without_a_progress_bar(client, ana):
    MembershipFactory(project=ProjectFactory(name="Empty"), user=ana)
    html = client.get("/").content.decode()
    assert "No documents for you yet" in html
    assert "<progress" not in html


def test_home_runs_as_many_queries_for_20_projects_as_for_2(client, ana):
    def count_for(projects: int) -> int:
        for _ in range(projects):
            project = ProjectFactory()
            MembershipFactory(project=project, user=ana)
            AnnotationFactory(document=DocumentFactory(project=project), author=ana)
            DocumentFactory(project=project)
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/").status_code == 200
        return len(queries)

    # The projects with their progress, and the open comments mentioning the caller.
    assert count_for(2) == count_for(18) <= 4


# The project page


def test_project_page_renders_guidelines_as_sanitised_markdown(client, ana):
    project = ProjectFactory(
        name="Sahel <b>news</b>",
        description="Line one\nline <i>two</i>",
        guidelines=(
            "# Rules\n\nMark **people**.\n\n<script>alert(1)</script>\n\n"
            '[click](javascript:alert(1)) <img src=x onerror="alert(2)"> '
            '<a href="https://example.org" onclick="alert(3)">ok</a>'
        ),
    )
    MembershipFactory(project=project, user=ana)
    html = client.get(f"/projects/{project.pk}/").content.decode()
    assert "<h1>Rules</h1>" in html
    assert "<strong>people</strong>" in html
    assert "https://example.org" in html
    for forbidden in ("<script>alert", "javascript:", "onerror", "onclick", "<img"):
        assert forbidden not in html
    assert "Sahel &lt;b&gt;news&lt;/b&gt;" in html
    assert "line &lt;i&gt;two&lt;/i&gt;" in html


def test_project_page_shows_labels_with_colour_name_and_shortcut(client, ana):
    project = ProjectFactory()
    MembershipFactory(project=project, user=ana)
    per = LabelFactory(project=project, name="PER", shortcut="p", color="#4e79a7")
    StanceTargetFactory(project=project, name="the <intervention>")
    html = client.get(f"/projects/{project.pk}/").content.decode()
    assert f'<span class="chip lbl-{per.pk}" data-label="PER">PER</span>' in html
    assert "<kbd>p</kbd>" in html
    assert "the &lt;intervention&gt;" in html
    assert f'href="/projects/{project.pk}/labels.css"' in html
    # "Start annotating" takes a document from the queue: a form that POSTs, not a link.
    assert f'<form method="post" action="/projects/{project.pk}/annotate/"' in html


def test_labels_css_gives_each_label_its_colour_as_a_class(client, ana):
    project = ProjectFactory()
    MembershipFactory(project=project, user=ana)
    dark = LabelFactory(project=project, color="#123456")
    light = LabelFactory(project=project, color="#f0f0a0")
    response = client.get(f"/projects/{project.pk}/labels.css")
    assert response["Content-Type"] == "text/css; charset=utf-8"
    css = response.content.decode()
    assert f".lbl-{dark.pk} {{ --label: #123456; --label-ink: #fff;" in css
    assert f".lbl-{light.pk} {{ --label: #f0f0a0; --label-ink: #000;" in css


# Opening the queue


def test_project_annotate_opens_the_next_document_then_says_all_done(client, ana):
    project = ProjectFactory()
    MembershipFactory(project=project, user=ana)
    first = DocumentFactory(project=project)
    response = client.post(f"/projects/{project.pk}/annotate/")
    assert response.status_code == 302
    assert response["Location"] == f"/documents/{first.pk}/annotate/"
    # Asking again gives the same document back while it is in progress.
    assert client.post(f"/projects/{project.pk}/annotate/")["Location"] == response["Location"]
    Annotation.objects.filter(author=ana).update(status="submitted")
    response = client.post(f"/projects/{project.pk}/annotate/")
    assert response.status_code == 200
    assert "All done" in response.content.decode()


# The annotate page


def test_annotate_page_carries_text_labels_targets_and_the_annotation(client, ana):
    project = ProjectFactory(name="<b>P</b>")
    MembershipFactory(project=project, user=ana)
    document = DocumentFactory(project=project, text="<script>alert(1)</script> 🇲🇱 Keïta")
    per = LabelFactory(project=project, name="P<E>R", shortcut="p")
    favor = LabelFactory(project=project, name="FAVOR", kind="stance", shortcut="f")
    target = StanceTargetFactory(project=project, name="T")

    client.post(f"/documents/{document.pk}/annotate/")  # start annotating it
    response = client.get(f"/documents/{document.pk}/annotate/")
    assert response.status_code == 200
    html = response.content.decode()
    # The text is not in the page: the head preloads it from its own URL, which the data names.
    assert "alert(1)" not in html and "Keïta" not in html
    text_url = f"/documents/{document.pk}/text/"
    assert f'<link rel="preload" href="{text_url}" as="fetch" crossorigin>' in html
    assert '<div id="document-text"' in html
    assert 'id="save-status"' in html
    assert f'data-label="P&lt;E&gt;R" data-label-id="{per.pk}"' in html
    assert '<script type="module" src="/static/annotations/annotator.js"></script>' in html
    assert "onclick" not in html and "style=" not in html

    payload = _payload(response)
    annotation = Annotation.objects.get(document=document, author=ana)
    assert payload["document"] == {"id": document.pk, "text_url": text_url}
    assert payload["annotation"]["id"] == annotation.pk
    assert payload["annotation"]["spans"] == []
    assert [label["id"] for label in payload["labels"]] == [per.pk, favor.pk]
    assert payload["targets"] == [{"id": target.pk, "name": "T", "description": ""}]


def test_document_text_is_sent_alone_as_utf8_plain_text_exactly_as_stored(client, ana):
    project = ProjectFactory()
    MembershipFactory(project=project, user=ana)
    # A byte order mark, CR, an astral flag, markup: every character kept (offsets count them).
    text = "\ufeff<script>alert(1)</script>\r\n🇲🇱 Keïta"
    document = DocumentFactory(project=project, text=text)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/documents/{document.pk}/text/")
    # The session, the user, and the text: nothing else stands between the page and its text.
    assert len(queries) == 3, [query["sql"] for query in queries]
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Cache-Control"] == "no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content == text.encode()


def test_the_annotate_page_reads_no_document_text_from_the_database(client, ana):
    # A 2 MB text read for a page that does not carry it was time before the first byte.
    project = ProjectFactory()
    MembershipFactory(project=project, user=ana)
    document = DocumentFactory(project=project, text="Keïta met Macron.")
    client.post(f"/documents/{document.pk}/annotate/")
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/documents/{document.pk}/annotate/").status_code == 200
    text_column = f"{connection.ops.quote_name('annotations_document')}."
    text_column += connection.ops.quote_name("text")
    assert not [query for query in queries if text_column in (query["sql"] or "")]


def test_document_text_is_404_for_a_non_member_and_asks_an_anonymous_visitor_to_log_in(client):
    document = DocumentFactory()
    assert client.get(f"/documents/{document.pk}/text/")["Location"].startswith("/accounts/login/")
    client.force_login(UserFactory())
    assert client.get(f"/documents/{document.pk}/text/").status_code == 404
    assert client.get("/documents/999999/text/").status_code == 404


def test_annotate_page_is_read_only_for_submitted_work(client, ana):
    project = ProjectFactory()
    MembershipFactory(project=project, user=ana)
    annotation = AnnotationFactory(document=DocumentFactory(project=project), author=ana)
    Annotation.objects.filter(pk=annotation.pk).update(status="submitted")
    html = client.get(f"/documents/{annotation.document_id}/annotate/").content.decode()
    assert "shown read-only" in html
    assert 'id="submit-button"' not in html


def test_annotate_page_runs_as_many_queries_for_20_spans_as_for_2(client, ana):
    project = ProjectFactory()
    MembershipFactory(project=project, user=ana)
    entity = LabelFactory(project=project)
    stance_label = LabelFactory(project=project, kind="stance")

    def count_for(spans: int) -> int:
        document = DocumentFactory(project=project, text="word " * 40 + str(spans))
        annotation = AnnotationFactory(document=document, author=ana)
        made = [
            SpanFactory(annotation=annotation, label=entity, start=5 * i, end=5 * i + 4)
            for i in range(spans)
        ]
        for span in made[:2]:
            StanceFactory(
                annotation=annotation,
                target=StanceTargetFactory(project=project),
                label=stance_label,
                holder=span,
            )
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/documents/{document.pk}/annotate/")
        assert len(_payload(response)["annotation"]["spans"]) == spans
        return len(queries)

    # One query per kind of content (spans, stances, relations), not per item, and one for the
    # labels' attributes (document labels and label groups are read only where a label is a
    # document label).
    assert count_for(2) == count_for(20) <= 13


def test_every_page_offers_log_out_as_a_post_form(client, ana):
    html = client.get("/").content.decode()
    assert re.search(r'<form method="post" action="/accounts/logout/"[^>]*>', html)
    assert "csrfmiddlewaretoken" in html
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_guidelines_start_a_list_right_under_a_line_of_text(client, ana):
    project = ProjectFactory(
        guidelines="For each target add:\n- the value;\n- the holder.\n\nIt began in\n2013. A year."
    )
    MembershipFactory(project=project, user=ana)
    html = client.get(f"/projects/{project.pk}/").content.decode()
    assert "<p>For each target add:</p>\n<ul>\n<li>the value;</li>" in html
    assert "<p>It began in\n2013. A year.</p>" in html


# Reviewing: the review page, the review queue and the dashboard


@pytest.fixture
def team(client):
    """A project with two annotators who submitted different work, a reviewer and a manager."""
    project = ProjectFactory(name="Sahel news", annotators_per_document=2)
    people = {}
    for name, role in [
        ("ana", "annotator"),
        ("ben", "annotator"),
        ("rev", "reviewer"),
        ("meg", "manager"),
    ]:
        people[name] = UserFactory(username=name)
        MembershipFactory(project=project, user=people[name], role=role)
    per = LabelFactory(project=project, name="PER", shortcut="p", color="#4e79a7")
    loc = LabelFactory(project=project, name="LOC", shortcut="l", color="#59a14f")
    favor = LabelFactory(project=project, name="FAVOR", kind="stance", shortcut="f")
    target = StanceTargetFactory(project=project, name="the talks")
    document = DocumentFactory(
        project=project, text="Keita met Macron in Bamako.", external_id="<b>doc</b>"
    )
    work = {}
    for name in ("ana", "ben"):
        work[name] = AnnotationFactory(document=document, author=people[name], status="submitted")
        SpanFactory(annotation=work[name], label=per, start=0, end=5)
    SpanFactory(annotation=work["ana"], label=loc, start=20, end=26)
    StanceFactory(annotation=work["ben"], target=target, label=favor)
    return SimpleNamespace(
        project=project, people=people, document=document, work=work, labels=(per, loc, favor)
    )


def _review_payload(response) -> dict:
    match = re.search(
        r'<script id="review-data" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    assert match, "the review page carries its data as JSON"
    return json.loads(match.group(1))


def test_review_pages_are_for_reviewers_and_managers_only(client, team):
    urls = (
        f"/documents/{team.document.pk}/review/",
        f"/projects/{team.project.pk}/review/",
        f"/projects/{team.project.pk}/dashboard/",
    )
    for name, expected in [("ana", 403), ("rev", 200), ("meg", 200)]:
        client.force_login(team.people[name])
        for url in urls:
            assert client.get(url).status_code == expected, (name, url)
    client.force_login(UserFactory())  # not a member
    for url in urls:
        assert client.get(url).status_code == 404, url
    client.logout()
    assert client.get(urls[0])["Location"].startswith("/accounts/login/")


def test_a_403_page_says_why(client, team):
    client.force_login(team.people["ana"])
    response = client.get(f"/documents/{team.document.pk}/review/")
    assert "Only reviewers and managers of this project review its documents." in (
        response.content.decode()
    )


def test_review_page_carries_each_submitted_annotation_and_no_gold_yet(client, team):
    AnnotationFactory(document=team.document, author=team.people["rev"])  # in progress
    client.force_login(team.people["rev"])
    response = client.get(f"/documents/{team.document.pk}/review/")
    html = response.content.decode()
    assert 'id="document-text"' in html and 'id="save-status"' in html
    assert html.count("Keita met Macron in Bamako.") == 1  # sent once: in the JSON data
    assert "&lt;b&gt;doc&lt;/b&gt;" in html and "<b>doc</b>" not in html
    assert 'data-lane="gold"' in html
    for name in ("ana", "ben"):
        assert f'data-lane="{team.work[name].pk}"' in html
    assert "not submitted yet: rev (in progress)" in html
    assert '<script type="module" src="/static/annotations/review.js"></script>' in html
    assert "style=" not in html and "onclick" not in html
    payload = _review_payload(response)
    assert payload["gold"] is None
    assert [a["author"] for a in payload["annotators"]] == ["ana", "ben"]
    assert [(s["label_name"], s["start"]) for s in payload["annotators"][0]["spans"]] == [
        ("PER", 0),
        ("LOC", 20),
    ]
    assert payload["annotators"][1]["stances"][0]["target_name"] == "the talks"


def test_review_page_runs_as_many_queries_for_20_annotators_as_for_2(client, team):
    client.force_login(team.people["meg"])
    per = team.labels[0]

    def count_for(annotators: int) -> int:
        document = DocumentFactory(project=team.project, text="word " * 30 + str(annotators))
        for _ in range(annotators):
            annotation = AnnotationFactory(document=document, status="submitted")
            for i in range(3):
                SpanFactory(annotation=annotation, label=per, start=5 * i, end=5 * i + 4)
        AnnotationFactory(document=document, kind="gold", author=None)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/documents/{document.pk}/review/")
        assert len(_review_payload(response)["annotators"]) == annotators
        return len(queries)

    # The annotations' relations come in one prefetch and the labels' attributes in one query
    # (document labels and label groups: only where a label is a document label); the claim
    # records of the document's spans in one more (their evidence: only when there are any).
    assert count_for(2) == count_for(20) <= 14


def test_review_queue_lists_the_most_disputed_first_with_filters(client, team):
    per, loc, _favor = team.labels
    agreed = DocumentFactory(project=team.project, external_id="agreed")
    for name in ("ana", "ben"):
        annotation = AnnotationFactory(
            document=agreed, author=team.people[name], status="submitted"
        )
        SpanFactory(annotation=annotation, label=per, start=0, end=5)
    alone = DocumentFactory(project=team.project, external_id="alone")
    AnnotationFactory(document=alone, author=team.people["ana"], status="submitted")
    DocumentFactory(project=team.project, external_id="untouched")
    AnnotationFactory(document=agreed, kind="gold", author=None, status="submitted")
    client.force_login(team.people["rev"])

    def listed(query=""):
        html = client.get(f"/projects/{team.project.pk}/review/{query}").content.decode()
        return re.findall(r'<tr data-document-id="(\d+)">', html)

    disputed = str(team.document.pk)
    assert listed() == [disputed, str(agreed.pk), str(alone.pk)]
    assert listed("?state=reviewed") == [str(agreed.pk)]
    assert listed("?state=not_reviewed") == [disputed, str(alone.pk)]
    assert listed("?state=no_gold") == [disputed, str(alone.pk)]
    assert listed("?label=LOC") == [disputed]
    assert listed("?annotator=ben") == [disputed, str(agreed.pk)]
    assert listed("?state=nonsense") == [disputed, str(agreed.pk), str(alone.pk)]
    html = client.get(f"/projects/{team.project.pk}/review/").content.decode()
    # ana has PER and LOC, ben PER and a stance: one shared of two each, F1 = 2 * 1 / (2 + 2).
    assert 'value="0.500"' in html
    assert "✓ reviewed" in html and "one annotator" in html


def test_review_queue_and_dashboard_run_bounded_queries(client, team):
    client.force_login(team.people["meg"])
    per = team.labels[0]

    def count_for(documents: int, url: str) -> int:
        for _ in range(documents):
            document = DocumentFactory(project=team.project)
            for _ in range(2):
                author = UserFactory()
                MembershipFactory(project=team.project, user=author)
                annotation = AnnotationFactory(document=document, author=author, status="submitted")
                SpanFactory(annotation=annotation, label=per, start=0, end=8)
                annotation.events.create(action="status_changed", version=2)
        # Made with factories, not services: the first view computes the stored agreement.
        assert client.get(url).status_code == 200
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    for url in (f"/projects/{team.project.pk}/review/", f"/projects/{team.project.pk}/dashboard/"):
        assert count_for(2, url) == count_for(20, url), url


def test_dashboard_shows_progress_states_labels_and_the_svg_plot(client, team):
    client.force_login(team.people["rev"])
    html = client.get(f"/projects/{team.project.pk}/dashboard/").content.decode()
    assert '<svg class="chart agreement-chart"' in html
    assert '<text class="name" x="142" y="45" text-anchor="end">PER</text>' in html
    assert 'fill="#4e79a7"' in html  # PER's bars in PER's colour
    assert "style=" not in html and "<script" not in html
    assert re.search(r'<td class="num" data-state="ready">1</td>', html)
    assert re.search(r'<tr data-username="ana">.*?<td class="num">1</td>', html, re.S)
    # A reviewer reads the figures; the member and label forms are the managers'.
    assert "Add member" not in html and "Add label" not in html


def test_agreement_chart_escapes_label_names():
    svg = agreement_chart([AgreementBar("<b>X</b>", "red; x", 0.5, None)], title="T & <t>")
    assert "&lt;b&gt;X&lt;/b&gt;" in svg and "<b>" not in svg
    assert "T &amp; &lt;t&gt;" in svg
    assert 'fill="#888888"' in svg  # a colour that is not #rrggbb never reaches the markup
    assert "n/a (overlap)" in svg


def test_adding_an_annotator_says_an_annotator(client, team):
    UserFactory(username="newcomer")
    client.force_login(team.people["meg"])
    base = f"/projects/{team.project.pk}"

    response = client.post(
        f"{base}/members/",
        {"member-username": "newcomer", "member-role": "annotator"},
        follow=True,
    )

    assert "newcomer is now an annotator of this project." in response.content.decode()
    assert "a annotator" not in response.content.decode()


def test_managers_add_members_and_labels_from_the_dashboard(client, team):
    UserFactory(username="newcomer")
    client.force_login(team.people["meg"])
    base = f"/projects/{team.project.pk}"

    response = client.post(
        f"{base}/members/", {"member-username": "newcomer", "member-role": "reviewer"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"{base}/dashboard/#members"
    assert team.project.memberships.get(user__username="newcomer").role == "reviewer"

    refused = client.post(
        f"{base}/members/", {"member-username": "ghost", "member-role": "reviewer"}
    )
    assert refused.status_code == 400
    assert "No user is named &#x27;ghost&#x27;." in refused.content.decode()

    meg = team.people["meg"]
    last = client.post(f"{base}/members/{meg.pk}/", {f"role-{meg.pk}-role": "annotator"})
    assert last.status_code == 400
    assert "A project needs at least one manager" in last.content.decode()

    label = client.post(
        f"{base}/labels/",
        {"label-name": "DATE", "label-kind": "entity", "label-shortcut": "p", "label-color": ""},
    )
    assert label.status_code == 400
    assert "Shortcut &#x27;p&#x27; is already used by label PER." in label.content.decode()
    added = client.post(
        f"{base}/labels/",
        {"label-name": "DATE", "label-kind": "entity", "label-shortcut": "d", "label-color": ""},
    )
    assert added.status_code == 302
    date = team.project.labels.get(name="DATE")
    assert date.color.startswith("#") and date.shortcut == "d"

    per = team.labels[0]
    prefix = f"label-{per.pk}"
    edited = client.post(
        f"{base}/labels/{per.pk}/",
        {
            f"{prefix}-name": "PERSON",
            f"{prefix}-kind": "entity",
            f"{prefix}-color": "",
            f"{prefix}-shortcut": "p",
            f"{prefix}-description": "People",
        },
    )
    assert edited.status_code == 302
    per.refresh_from_db()
    assert (per.name, per.color, per.description) == ("PERSON", "#4e79a7", "People")

    removed = client.post(
        f"{base}/members/{team.people['ana'].pk}/",
        {f"role-{team.people['ana'].pk}-role": "annotator", "remove": "1"},
    )
    assert removed.status_code == 302
    assert not team.project.memberships.filter(user__username="ana").exists()


def test_only_managers_change_members_and_labels(client, team):
    base = f"/projects/{team.project.pk}"
    for name in ("rev", "ana"):
        client.force_login(team.people[name])
        assert client.post(f"{base}/members/", {"member-username": name}).status_code == 403
        assert client.post(f"{base}/labels/", {"label-name": "X"}).status_code == 403
    client.force_login(UserFactory())
    assert client.post(f"{base}/members/", {}).status_code == 404
    client.force_login(team.people["meg"])
    assert client.get(f"{base}/members/").status_code == 405
    assert client.post(f"{base}/labels/999999/", {}).status_code == 404


def test_review_queue_pages_keep_the_filters(client, team, monkeypatch):
    monkeypatch.setattr(review_views, "QUEUE_PAGE_SIZE", 2)
    per = team.labels[0]
    for number in range(4):
        document = DocumentFactory(project=team.project, external_id=f"d{number}")
        annotation = AnnotationFactory(
            document=document, author=team.people["ana"], status="submitted"
        )
        SpanFactory(annotation=annotation, label=per, start=0, end=5)
    client.force_login(team.people["rev"])
    first = client.get(f"/projects/{team.project.pk}/review/?annotator=ana").content.decode()
    assert "page 1 of 3" in first
    assert 'href="?annotator=ana&amp;page=2" rel="next"' in first
    last = client.get(f"/projects/{team.project.pk}/review/?annotator=ana&page=3").content.decode()
    assert len(re.findall(r"<tr data-document-id=", last)) == 1


# Releases and imports


AGREEMENT = {
    "documents": 3,
    "annotators": ["ana", "ben"],
    "spans": {
        "exact": {
            "overall": {"precision": 0.8, "recall": 0.8, "f1": 0.8},
            "labels": {"PER": {"precision": 1.0, "recall": 0.5, "f1": 0.667}},
            "pairs": [],
        },
        "overlap": {
            "overall": {"f1": 0.9},
            "labels": {"PER": {"f1": 0.75}, "LOC": {"f1": 0.5}},
            "pairs": [],
        },
    },
    "entity_tokens_alpha": 0.71,
    "stances": {"the talks": {"units": 2, "alpha": 0.42, "pairs": []}},
    "checkworthy": {"units": 0, "alpha": None, "pairs": []},
}


def _row(pk: int, *entities: tuple[str, int, int], stances: tuple[str, ...] = ()) -> dict:
    """One line of a release's jsonl file, as the builder writes it."""
    return {
        "id": pk,
        "external_id": f"d{pk}",
        "text": "Keita met Macron in Bamako.",
        "meta": {},
        "entities": [
            {"start": start, "end": end, "label": label, "text": ""}
            for label, start, end in entities
        ],
        "claims": [],
        "stances": [
            {"target": "the talks", "label": value, "holder": None, "evidence": None}
            for value in stances
        ],
        "annotators": [],
        "reviewed_by": None,
    }


def _jsonl(*rows: dict) -> bytes:
    return b"".join(orjson.dumps(row) + b"\n" for row in rows)


def _release(project, name: str, *rows: dict, **fields):
    release = ReleaseFactory(project=project, name=name, **fields)
    if release.status == "ready":
        ReleaseFileFactory(release=release, format="jsonl", content=_jsonl(*rows))
    return release


def test_release_and_import_pages_answer_each_role_as_the_api_does(client, team):
    release = _release(team.project, "v1", _row(1))
    other = _release(team.project, "v2", _row(1))
    base = f"/projects/{team.project.pk}"
    release_urls = (
        f"{base}/releases/",
        f"/releases/{release.pk}/",
        f"/releases/{release.pk}/compare/{other.pk}/",
    )
    for name, expected in [("ana", 403), ("rev", 200), ("meg", 200)]:
        client.force_login(team.people[name])
        for url in release_urls:
            assert client.get(url).status_code == expected, (name, url)
    for name, expected in [("ana", 403), ("rev", 403), ("meg", 200)]:
        client.force_login(team.people[name])
        assert client.get(f"{base}/import/").status_code == expected, name
    client.force_login(team.people["ana"])
    refused = client.get(f"/releases/{release.pk}/").content.decode()
    assert "Only reviewers and managers of this project read its releases." in refused
    client.force_login(team.people["rev"])
    assert "Only managers of this project import documents." in (
        client.get(f"{base}/import/").content.decode()
    )
    assert client.post(f"{base}/releases/").status_code == 405
    client.force_login(UserFactory())  # not a member
    for url in (*release_urls, f"{base}/import/", "/releases/999999/"):
        assert client.get(url).status_code == 404, url
    client.logout()
    assert client.get(release_urls[0])["Location"].startswith("/accounts/login/")


def test_project_page_and_dashboard_link_to_releases_and_import(client, team):
    base = f"/projects/{team.project.pk}"
    for name, releases, imports in [
        ("ana", False, False),
        ("rev", True, False),
        ("meg", True, True),
    ]:
        client.force_login(team.people[name])
        html = client.get(f"{base}/").content.decode()
        assert (f'href="{base}/releases/"' in html) is releases, name
        assert (f'href="{base}/import/"' in html) is imports, name
    client.force_login(team.people["rev"])
    html = client.get(f"{base}/dashboard/").content.decode()
    assert f'href="{base}/releases/"' in html and f'href="{base}/import/"' not in html
    client.force_login(team.people["meg"])
    assert f'href="{base}/import/"' in client.get(f"{base}/dashboard/").content.decode()


def test_releases_page_lists_each_release_with_its_status_and_progress(client, team):
    meg = team.people["meg"]
    _release(team.project, "<b>v1</b>", _row(1), created_by=meg, document_count=7)
    building = ReleaseFactory(
        project=team.project, name="v2", status="building", progress_done=3, progress_total=12
    )
    ReleaseFactory(project=team.project, name="v3", status="failed", error="ValueError: <boom>")
    queued = ReleaseFactory(project=team.project, name="v4", status="queued")
    client.force_login(meg)

    html = client.get(f"/projects/{team.project.pk}/releases/").content.decode()

    names = re.findall(r'<a data-role="name" href="/releases/\d+/">(.*?)</a>', html)
    assert names == ["v4", "v3", "v2", "&lt;b&gt;v1&lt;/b&gt;"]  # newest first, as text
    row = re.search(rf'<tr data-release-id="{building.pk}".*?</tr>', html, re.S).group(0)
    assert f'data-url="/api/releases/{building.pk}/"' in row
    assert 'data-status="building"' in row
    assert 'max="12" value="3"' in row and "25%" in row
    row = re.search(rf'<tr data-release-id="{queued.pk}".*?</tr>', html, re.S).group(0)
    assert "waiting for a worker" in row and "value=" not in row  # indeterminate until built
    assert "ValueError: &lt;boom&gt;" in html
    assert re.search(r'data-role="documents">7</td>', html)
    # The manager's form: every format, jsonl always built, the defaults ticked.
    assert 'id="release-form"' in html
    assert f'data-url="/api/projects/{team.project.pk}/releases/"' in html
    assert re.search(r'value="jsonl" id="id_formats_0" checked disabled', html)
    assert re.search(r'value="csv" id="id_formats_5" checked>', html)
    assert re.search(r'value="spacy" id="id_formats_4">', html)
    assert '<template id="release-row">' in html
    assert '<script type="module" src="/static/annotations/releases.js"></script>' in html
    assert "style=" not in html and "onclick" not in html and "<script>" not in html
    client.force_login(team.people["rev"])
    html = client.get(f"/projects/{team.project.pk}/releases/").content.decode()
    assert "release-form" not in html and "<template" not in html


def test_releases_page_runs_as_many_queries_for_20_releases_as_for_2(client, team):
    client.force_login(team.people["meg"])

    def count_for(releases: int) -> int:
        for _ in range(releases):
            ReleaseFactory(project=team.project, created_by=UserFactory(), status="building")
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/projects/{team.project.pk}/releases/").status_code == 200
        return len(queries)

    assert count_for(2) == count_for(20)


def test_release_page_shows_the_data_card_and_the_files(client, team):
    meg = team.people["meg"]
    older = _release(team.project, "v0", _row(1))
    ReleaseFactory(project=team.project, name="never built", status="failed")
    release = _release(
        team.project,
        "v1",
        _row(1, ("PER", 0, 5)),
        created_by=meg,
        document_count=2,
        formats=["jsonl", "conll"],
        kind_counts={"entity": 3, "claim": 0, "stance": 1},
        label_counts={
            "PER": {"kind": "entity", "count": 2},
            "<i>LOC</i>": {"kind": "entity", "count": 1},
            "FAVOR": {"kind": "stance", "count": 1},
        },
        agreement=AGREEMENT,
    )
    conll = ReleaseFileFactory(
        release=release,
        format="conll",
        content=b"-DOCSTART- -X- -X- O\n",
        warning_count=1,
        warnings=["document 1: PER <x> left out"],
    )
    client.force_login(team.people["rev"])

    html = client.get(f"/releases/{release.pk}/").content.decode()

    assert "<h1>v1</h1>" in html and "Created by <strong>meg</strong>" in html
    assert re.search(r'data-count="documents">2</td>', html)
    assert re.search(r'data-count="entity">3</td>', html)
    assert re.search(r'data-count="stance">1</td>', html)
    # The label distribution: an SVG drawn on the server, grouped by kind, names as text.
    assert '<svg class="chart count-chart"' in html
    assert html.index(">Entities</text>") < html.index(">Stances</text>")
    assert '<g class="count-row" data-label="PER">' in html
    assert 'fill="#4e79a7"' in html  # PER in PER's colour
    assert "&lt;i&gt;LOC&lt;/i&gt;" in html and "<i>LOC</i>" not in html
    # Agreement as it was when the release was built.
    assert re.search(r'data-figure="exact-f1">0.80</td>', html)
    assert re.search(r'data-figure="overlap-f1">0.90</td>', html)
    assert re.search(r'data-figure="token-alpha">0.71</td>', html)
    assert re.search(r'data-figure="checkworthy-alpha">n/a</td>', html)
    assert 'Stance on “the talks”, α</th><td class="num">0.42</td>' in html
    assert re.search(
        r'<tr data-label="PER"><th scope="row">PER</th><td class="num">1.00</td>'
        r'<td class="num">0.50</td><td class="num">0.67</td><td class="num">0.75</td>',
        html,
    )
    assert '<tr data-label="LOC">' in html  # in overlap only
    # Files: size, sha256 and a download link per format; what a format left out.
    row = re.search(r'<tr data-format="conll">.*?</tr>', html, re.S).group(0)
    assert f'<code class="sha256" data-role="sha256">{conll.sha256}</code>' in row
    assert f'href="/api/releases/{release.pk}/download/?format=conll" download' in row
    assert "1 span</summary>" in row and "PER &lt;x&gt; left out" in row
    assert 'data-size="21"' in row
    # Compare with the other ready releases only.
    options = re.findall(r'<option value="(\d+)">', html)
    assert options == [str(older.pk)]
    assert f'action="/releases/{release.pk}/compare/"' in html
    assert "style=" not in html and "<script" not in html


def test_release_page_runs_as_many_queries_for_20_files_labels_and_releases_as_for_2(client, team):
    client.force_login(team.people["meg"])

    def count_for(n: int) -> int:
        release = ReleaseFactory(
            project=team.project,
            created_by=team.people["meg"],
            label_counts={f"L{i}": {"kind": "entity", "count": i} for i in range(n)},
            agreement=AGREEMENT,
        )
        for i in range(n):
            ReleaseFileFactory(release=release, format=f"f{i}", content=b"x")
            LabelFactory(project=team.project)
            ReleaseFactory(project=team.project)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/releases/{release.pk}/")
        assert response.content.decode().count("<tr data-format=") == n
        return len(queries)

    assert count_for(2) == count_for(20)


def test_release_page_of_a_release_being_built_shows_its_progress(client, team):
    release = ReleaseFactory(
        project=team.project, name="v1", status="building", progress_done=6, progress_total=8
    )
    _release(team.project, "v0", _row(1))
    client.force_login(team.people["meg"])

    html = client.get(f"/releases/{release.pk}/").content.decode()

    assert 'id="release-status" data-reload-when-over' in html
    assert f'data-url="/api/releases/{release.pk}/"' in html
    assert 'max="8" value="6"' in html and "75%" in html
    assert 'id="file-list"' not in html and "Compare with" not in html
    assert '<script type="module" src="/static/annotations/releases.js"></script>' in html


def test_compare_page_shows_documents_and_items_added_and_removed_per_label(client, team):
    base = _release(
        team.project,
        "v1",
        _row(1, ("PER", 0, 5)),
        _row(2, ("LOC", 20, 26)),
        _row(3, ("PER", 0, 5)),
    )
    other = _release(
        team.project,
        "v2",
        _row(1, ("PER", 0, 5)),
        _row(3, ("LOC", 0, 5), stances=("FAVOR",)),
        _row(4, ("PER", 10, 16)),
    )
    client.force_login(team.people["rev"])

    html = client.get(f"/releases/{base.pk}/compare/{other.pk}/").content.decode()

    assert f'<a href="/releases/{base.pk}/" data-side="base">v1</a>' in html
    assert f'href="/releases/{other.pk}/compare/{base.pk}/">Swap' in html
    changes = dict(re.findall(r'<td class="num" data-change="(\w+)">(\d+)</td>', html))
    assert changes == {"added": "1", "removed": "1", "changed": "1", "unchanged": "1"}
    labels = re.findall(
        r'<tr data-label="(\w+)">.*?data-change="added">(\d+)<.*?data-change="removed">(\d+)<',
        html,
    )
    assert labels == [("FAVOR", "1", "0"), ("LOC", "1", "1"), ("PER", "1", "1")]
    assert '<a href="/documents/4/review/">#4</a>' in html
    assert '<details class="document-ids" data-change="removed" open>' in html


def test_compare_picks_the_older_release_first_and_says_when_one_is_not_ready(client, team):
    older = _release(team.project, "v1", _row(1))
    newer = _release(team.project, "v2", _row(1))
    building = ReleaseFactory(project=team.project, name="v3", status="building")
    client.force_login(team.people["meg"])

    response = client.get(f"/releases/{newer.pk}/compare/?with={older.pk}")
    assert response["Location"] == f"/releases/{older.pk}/compare/{newer.pk}/"
    response = client.get(f"/releases/{newer.pk}/compare/?with=")
    assert response["Location"] == f"/releases/{newer.pk}/"
    refused = client.get(f"/releases/{older.pk}/compare/{building.pk}/")
    assert refused.status_code == 409
    assert "Release &#x27;v3&#x27; is building, not ready" in refused.content.decode()
    elsewhere = _release(ProjectFactory(), "x", _row(1))
    MembershipFactory(project=elsewhere.project, user=team.people["meg"], role="manager")
    assert client.get(f"/releases/{older.pk}/compare/{elsewhere.pk}/").status_code == 400


def test_import_page_offers_the_file_form_and_lists_recent_jobs(client, team, settings):
    settings.IMPORT_BACKGROUND_THRESHOLD = 12345
    meg = team.people["meg"]
    ImportJobFactory(project=team.project, name="<b>old</b>.jsonl", status="done")
    ImportJobFactory(
        project=team.project,
        name="big.jsonl",
        status="running",
        created_by=meg,
        records_total=40,
        records_done=10,
        created_count=9,
        duplicate_count=1,
    )
    ImportJobFactory(project=team.project, name="bad.csv", status="failed", error="Boom <x>")
    ImportJobFactory(project=ProjectFactory(), name="elsewhere.jsonl")
    client.force_login(meg)

    html = client.get(f"/projects/{team.project.pk}/import/").content.decode()

    assert f'data-url="/api/projects/{team.project.pk}/documents/"' in html
    assert (
        'type="file" name="file" accept=".txt,.jsonl,.json,.csv,.conll,.iob,.bio,.tsv,.zip"' in html
    )
    assert 'name="normalize"' in html and 'name="collapse_repeats"' in html
    assert '<select name="offsets"' in html and '<option value="utf16">' in html
    assert "more than 12,345 documents" in html
    listed = html.split('<template id="job-row">')[0]
    names = re.findall(r'<th scope="row" data-role="name">(.*?)</th>', listed)
    assert names == ["bad.csv", "big.jsonl", "&lt;b&gt;old&lt;/b&gt;.jsonl"]
    row = re.search(r'<tr data-job-id="\d+" data-status="running".*?</tr>', html, re.S).group(0)
    assert 'max="40" value="10"' in row and "10 of 40" in row
    assert re.search(r'data-role="created">9</td>', row)
    assert "Boom &lt;x&gt;" in html
    assert '<template id="job-row">' in html
    assert '<script type="module" src="/static/annotations/importer.js"></script>' in html
    assert "style=" not in html and "<script>" not in html


def test_import_page_runs_as_many_queries_for_20_jobs_as_for_2(client, team):
    client.force_login(team.people["meg"])

    def count_for(jobs: int) -> int:
        for _ in range(jobs):
            ImportJobFactory(project=team.project, created_by=UserFactory())
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/projects/{team.project.pk}/import/").status_code == 200
        return len(queries)

    assert count_for(2) == count_for(20)


def test_count_chart_groups_rows_and_escapes_label_names():
    svg = count_chart(
        [
            CountBar("PER", "#4e79a7", 10, "Entities"),
            CountBar("<b>X</b>", "red; x", 5, "Entities"),
            CountBar("FAVOR", "#009e73", 0, "Stances & co"),
        ],
        title="T & <t>",
    )
    assert svg.count('class="group"') == 2 and "Stances &amp; co" in svg
    assert "&lt;b&gt;X&lt;/b&gt;" in svg and "<b>" not in svg
    assert 'fill="#888888"' in svg
    assert re.search(r'data-label="PER">.*?width="590"', svg)  # the largest fills the plot
    assert re.search(r'data-label="FAVOR">.*?width="1"', svg)  # zero still shows a sliver
    assert "Nothing to count." in count_chart([], title="T")


# Reading never writes: a GET shows, a POST (with its CSRF token) starts work


def _writes() -> tuple[int, int, int]:
    """What opening a page must not change: annotations (each one takes a place), events."""
    manual = Annotation.objects.filter(kind="manual")
    return (Annotation.objects.count(), AnnotationEvent.objects.count(), manual.count())


@pytest.mark.parametrize("role", ["annotator", "reviewer", "manager"])
def test_opening_the_annotate_pages_writes_nothing_for_any_role(client, ana, role):
    project = ProjectFactory(annotators_per_document=1)
    MembershipFactory(project=project, user=ana, role=role)
    fresh = DocumentFactory(project=project)
    DocumentFactory(project=project)
    # Someone else's work in progress and a submitted one: nothing to copy, nothing to take.
    other = AnnotationFactory(document=DocumentFactory(project=project))
    SpanFactory(annotation=other, label=LabelFactory(project=project), start=0, end=1)
    AnnotationFactory(document=DocumentFactory(project=project), status="submitted")
    before = _writes()

    response = client.get(f"/projects/{project.pk}/annotate/")
    assert response.status_code == 200
    assert "Start annotating" in response.content.decode()
    assert client.head(f"/projects/{project.pk}/annotate/").status_code == 200
    for document in (fresh, other.document):
        response = client.get(f"/documents/{document.pk}/annotate/")
        assert response.status_code == 200
        assert "Start annotating this document" in response.content.decode()
        assert client.head(f"/documents/{document.pk}/annotate/").status_code == 200

    assert _writes() == before
    assert not Annotation.objects.filter(author=ana).exists()


def test_a_reviewer_reading_a_document_leaves_its_place_to_an_annotator(client, ana):
    project = ProjectFactory(annotators_per_document=1)
    MembershipFactory(project=project, user=ana, role="annotator")
    reviewer = UserFactory(username="rev")
    MembershipFactory(project=project, user=reviewer, role="reviewer")
    document = DocumentFactory(project=project)
    client.force_login(reviewer)
    assert client.get(f"/documents/{document.pk}/annotate/").status_code == 200
    assert client.get(f"/projects/{project.pk}/annotate/").status_code == 200

    client.force_login(ana)
    response = client.post(f"/projects/{project.pk}/annotate/")
    assert response["Location"] == f"/documents/{document.pk}/annotate/"
    assert list(Annotation.objects.values_list("author__username", flat=True)) == ["ana"]


def test_the_annotate_page_shows_an_unstarted_document_read_only_with_a_start_button(client, ana):
    project = ProjectFactory()
    MembershipFactory(project=project, user=ana)
    document = DocumentFactory(project=project, text="Keita met Macron.")
    LabelFactory(project=project, name="PER", shortcut="p")

    response = client.get(f"/documents/{document.pk}/annotate/")
    html = response.content.decode()
    start = re.search(
        rf'<form method="post" action="/documents/{document.pk}/annotate/"[^>]*>(.*?)</form>',
        html,
        re.S,
    )
    assert start, "the start button is a form that POSTs to the document's page"
    assert "csrfmiddlewaretoken" in start.group(1)
    assert "Start annotating this document" in start.group(1)
    # Its text is the document's, read-only too (the page fetches it beside the HTML).
    assert client.get(_payload(response)["document"]["text_url"]).content == b"Keita met Macron."
    assert 'id="submit-button"' not in html and 'id="skip-button"' not in html
    assert re.search(r'<button type="button" class="label-button[^>]*disabled>', html)
    annotation = _payload(response)["annotation"]
    assert (annotation["id"], annotation["status"], annotation["spans"]) == (None, "new", [])


def test_posting_to_the_annotate_page_starts_work_once_and_shows_it(client, ana):
    project = ProjectFactory()
    MembershipFactory(project=project, user=ana, role="reviewer")
    document = DocumentFactory(project=project)

    response = client.post(f"/documents/{document.pk}/annotate/")
    assert response.status_code == 302
    assert response["Location"] == f"/documents/{document.pk}/annotate/"
    assert client.post(f"/documents/{document.pk}/annotate/")["Location"] == response["Location"]

    annotation = Annotation.objects.get()
    assert (annotation.author, annotation.kind, annotation.status) == (ana, "manual", "in_progress")
    assert list(AnnotationEvent.objects.values_list("action", flat=True)) == ["annotation_created"]
    response = client.get(response["Location"])
    assert _payload(response)["annotation"]["id"] == annotation.pk
    assert 'id="submit-button"' in response.content.decode()


def test_project_annotate_get_opens_work_in_progress_and_post_takes_the_next(client, ana):
    project = ProjectFactory()
    MembershipFactory(project=project, user=ana)
    first, second = DocumentFactory(project=project), DocumentFactory(project=project)
    AnnotationFactory(document=second, author=ana)
    before = _writes()
    # Work in progress is shown by a GET (a redirect to it), the queue order kept.
    response = client.get(f"/projects/{project.pk}/annotate/")
    assert response["Location"] == f"/documents/{second.pk}/annotate/"
    assert _writes() == before

    Annotation.objects.filter(author=ana).update(status="skipped")
    html = client.get(f"/projects/{project.pk}/annotate/").content.decode()
    assert f'<form method="post" action="/projects/{project.pk}/annotate/">' in html
    assert _writes() == before
    response = client.post(f"/projects/{project.pk}/annotate/")
    assert response["Location"] == f"/documents/{first.pk}/annotate/"
    assert Annotation.objects.filter(author=ana, document=first).exists()

    Annotation.objects.filter(author=ana).update(status="submitted")
    response = client.get(f"/projects/{project.pk}/annotate/")
    assert response.status_code == 200
    assert "All done" in response.content.decode()


def test_a_cross_site_post_to_the_annotate_pages_is_refused(ana):
    project = ProjectFactory()
    MembershipFactory(project=project, user=ana)
    document = DocumentFactory(project=project)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(ana)
    urls = (f"/projects/{project.pk}/annotate/", f"/documents/{document.pk}/annotate/")

    # A form on another site can send the cookie but not the token.
    for url in urls:
        assert browser.post(url).status_code == 403, url
        assert browser.post(url, HTTP_ORIGIN="https://elsewhere.example").status_code == 403
    assert not Annotation.objects.exists()

    # The page's own form carries the token: that POST starts work.
    html = browser.get(f"/documents/{document.pk}/annotate/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert token
    response = browser.post(urls[1], {"csrfmiddlewaretoken": token.group(1)})
    assert response.status_code == 302
    assert Annotation.objects.filter(author=ana, document=document).count() == 1


def test_starting_is_for_members_and_signed_in_users_only(client):
    project = ProjectFactory()
    document = DocumentFactory(project=project)
    urls = (f"/projects/{project.pk}/annotate/", f"/documents/{document.pk}/annotate/")
    for url in urls:
        response = client.post(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")
    client.force_login(UserFactory(username="stranger"))
    for url in (*urls, "/documents/999999/annotate/"):
        assert client.post(url).status_code == 404, url
        assert client.put(url).status_code == 405, url
    assert not Annotation.objects.exists()


def test_skipped_work_opens_read_only_with_take_back(client, ana):
    project = ProjectFactory()
    MembershipFactory(project=project, user=ana)
    annotation = AnnotationFactory(document=DocumentFactory(project=project), author=ana)
    Annotation.objects.filter(pk=annotation.pk).update(status="skipped")
    html = client.get(f"/documents/{annotation.document_id}/annotate/").content.decode()
    assert 'id="take-back-button"' in html
    assert "You skipped this document" in html
    assert 'id="skip-confirm"' not in html  # the question belongs to work in progress
    Annotation.objects.filter(pk=annotation.pk).update(status="submitted")
    html = client.get(f"/documents/{annotation.document_id}/annotate/").content.decode()
    assert 'id="take-back-button"' not in html


@pytest.mark.django_db
def test_starting_a_document_past_the_open_limit_says_why_and_starts_nothing(client):
    project = ProjectFactory(max_open_per_annotator=1)
    first, second = DocumentFactory.create_batch(2, project=project)
    user = MembershipFactory(project=project, role="annotator").user
    client.force_login(user)
    client.post(f"/documents/{first.pk}/annotate/")

    response = client.post(f"/documents/{second.pk}/annotate/", follow=True)

    assert not Annotation.objects.filter(document=second).exists()
    assert (
        OPEN_LIMIT.format(count=1, limit=1, documents=f"#{first.pk}") in response.content.decode()
    )
