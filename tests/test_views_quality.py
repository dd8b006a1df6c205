"""The quality page as served: who may see it, what it shows, and its query count."""

import re

import pytest

from annotations.charts import ScoreBar, score_chart
from annotations.models import ClaimRecord, LabelAttribute, Span
from tests.factories import (
    AnnotationFactory,
    DocumentFactory,
    LabelFactory,
    MembershipFactory,
    ProjectFactory,
    RelationFactory,
    SpanFactory,
    UserFactory,
)

TEXT = "Kidal and Gao are towns."
KIDAL, GAO = (0, 5), (10, 13)


@pytest.fixture
def team(db):
    project = ProjectFactory()
    labels = {
        name: LabelFactory(project=project, name=name, kind="entity", color=colour)
        for name, colour in (("LOC", "#4e79a7"), ("ORG", "#f28e2b"))
    }
    people = {}
    for name, role in [("ana", "annotator"), ("ben", "annotator"), ("rev", "reviewer")]:
        people[name] = UserFactory(username=name)
        MembershipFactory(project=project, user=people[name], role=role)
    return project, labels, people


def annotated(project, labels, people, index, text=TEXT):
    """A document with reviewed gold (Kidal LOC, Gao LOC); ana calls Kidal ORG, ben agrees."""
    document = DocumentFactory(project=project, text=f"{text} {index}")
    gold = AnnotationFactory(document=document, kind="gold", author=None, status="submitted")
    for span in (KIDAL, GAO):
        SpanFactory(annotation=gold, label=labels["LOC"], start=span[0], end=span[1])
    for name, kidal in (("ana", "ORG"), ("ben", "LOC")):
        work = AnnotationFactory(document=document, author=people[name], status="submitted")
        SpanFactory(annotation=work, label=labels[kidal], start=KIDAL[0], end=KIDAL[1])
        SpanFactory(annotation=work, label=labels["LOC"], start=GAO[0], end=GAO[1])
        work.events.create(action="status_changed", version=2)
    return document


def test_reviewers_see_each_annotator_against_gold_and_what_to_fix(client, team):
    project, labels, people = team
    document = annotated(project, labels, people, 1)
    client.force_login(people["rev"])
    response = client.get(f"/projects/{project.pk}/quality/")
    assert response.status_code == 200
    html = response.content.decode()
    ana = re.search(r'<tr data-annotator="ana">(.*?)</tr>', html, re.S).group(1)
    # ana: Gao right, Kidal ORG where gold has LOC: precision 1/2, recall 1/2.
    assert '<td class="num" data-figure="precision">0.50</td>' in ana
    assert '<td class="num" data-figure="f1">0.50</td>' in ana
    ben = re.search(r'<tr data-annotator="ben">(.*?)</tr>', html, re.S).group(1)
    assert '<td class="num" data-figure="f1">1.00</td>' in ben
    assert "labels “Kidal” ORG where gold has LOC" in html
    assert f'href="/documents/{document.pk}/review/"' in html
    # Kidal is LOC for ben and gold, ORG for ana: listed with both labels.
    assert re.search(r'<tr data-text="Kidal">.*?data-label="LOC".*?data-label="ORG"', html, re.S)
    assert '<svg class="chart agreement-chart"' in html and '<svg class="chart score-chart"' in html
    assert "style=" not in html and "<script" not in html


def test_the_dashboard_links_to_the_quality_page_and_shows_alpha_per_label(client, team):
    project, labels, people = team
    annotated(project, labels, people, 1)
    client.force_login(people["rev"])
    html = client.get(f"/projects/{project.pk}/dashboard/").content.decode()
    assert f'href="/projects/{project.pk}/quality/"' in html
    # Seven tokens ("Kidal and Gao are towns . 1"): Gao LOC for both, Kidal LOC for ben only.
    # Values in 3, out 11, n 14; the one mixed unit disagrees both ways (2), expected
    # (196 - 9 - 121) / 13: alpha = 1 - 2 * 13 / 66 = 0.61.
    loc = re.search(r'<tr data-label-alpha="LOC">.*?<td class="num">(.*?)</td>', html, re.S)
    assert loc.group(1) == f"{1 - 2 / (66 / 13):.2f}" == "0.61"


def test_annotators_never_see_the_quality_page_and_outsiders_not_even_that_it_exists(client, team):
    project, _, people = team
    client.force_login(people["ana"])
    assert client.get(f"/projects/{project.pk}/quality/").status_code == 403
    client.force_login(UserFactory(username="outsider"))
    assert client.get(f"/projects/{project.pk}/quality/").status_code == 404


@pytest.mark.parametrize("documents", [2, 12])
def test_the_quality_page_runs_a_fixed_number_of_queries(
    client, team, documents, django_assert_num_queries
):
    project, labels, people = team
    for index in range(documents):
        annotated(project, labels, people, index)
    client.force_login(people["rev"])
    url = f"/projects/{project.pk}/quality/"
    assert client.get(url).status_code == 200  # the first view stores the agreement
    # 15, the labels' attributes (prefetched with the labels) and the declarations that
    # attribute agreement reads (none here), and the claim records agreement reads (none
    # here: their evidence is not read).
    with django_assert_num_queries(18):
        assert client.get(url).status_code == 200


def test_score_chart_escapes_names_and_shows_negative_and_missing_values():
    svg = score_chart(
        [ScoreBar("<b>X</b>", "red", -0.25), ScoreBar("Y", "#112233", None)],
        title="α & κ",
        chart_id="c",
    )
    assert "&lt;b&gt;X&lt;/b&gt;" in svg and "<b>" not in svg
    assert "α &amp; κ" in svg
    assert 'fill="#888888"' in svg  # not #rrggbb: the fallback colour
    assert ">-0.25</text>" in svg and 'width="1"' in svg  # below chance: a sliver, value as is
    assert ">n/a</text>" in svg


def test_a_project_without_reviewed_gold_says_what_to_do(client, team):
    project, _, people = team
    client.force_login(people["rev"])
    html = client.get(f"/projects/{project.pk}/quality/").content.decode()
    assert "No document has reviewed gold and submitted work yet" in html
    assert "No entity string carries two labels." in html


def test_names_and_texts_are_shown_as_text(client, team):
    project, labels, people = team
    labels["ORG"].name = "<b>ORG</b>"
    labels["ORG"].save()
    annotated(project, labels, people, 1, text="<i>dal and Gao are towns.")
    client.force_login(people["rev"])
    html = client.get(f"/projects/{project.pk}/quality/").content.decode()
    assert "<b>" not in html and "<i>" not in html
    # The span is the text's first five code points: "<i>da".
    assert "labels “&lt;i&gt;da” &lt;b&gt;ORG&lt;/b&gt; where gold has LOC" in html


def test_the_quality_page_and_dashboard_show_agreement_per_relation_label(client, team):
    """ana and ben both link Kidal -> Gao with near; only ana also links Gao -> Kidal.

    ana's Kidal is ORG, ben's LOC: an end's label is part of a relation, so nothing matches.
    """
    project, labels, people = team
    near = LabelFactory(project=project, name="near", kind="relation")
    document = annotated(project, labels, people, 1)
    for work in document.annotations.filter(kind="manual"):
        kidal, gao = work.spans.order_by("start")
        RelationFactory(source=kidal, target=gao, label=near)
        if work.author == people["ana"]:
            RelationFactory(source=gao, target=kidal, label=near)
    client.force_login(people["rev"])
    html = client.get(f"/projects/{project.pk}/quality/").content.decode()
    row = re.search(r'<tr data-label="near">(.*?)</tr>', html, re.S).group(1)
    # No relation in common: F1 0. Three units (the three linked pairs of ends): ana in/in/out,
    # ben out/out/in; agreed 0 of 3, expected (2/3)(1/3) + (1/3)(2/3) = 4/9: kappa -0.8.
    assert '<td class="num" data-figure="f1">0.00</td>' in row
    assert '<td class="num">3</td>' in row
    assert 'data-pair="ana/ben">ana · ben -0.80</span>' in row
    dashboard = client.get(f"/projects/{project.pk}/dashboard/").content.decode()
    label_row = re.search(r'<tr data-label="near">(.*?)</tr>', dashboard, re.S).group(1)
    assert '<td class="num">0.00</td><td class="num">n/a</td>' in label_row


def test_the_quality_page_shows_agreement_per_attribute(client, team):
    project, labels, people = team
    LabelAttribute.objects.create(
        label=labels["LOC"], name="certainty", type="choice", choices=["sure", "unsure"]
    )
    LabelAttribute.objects.create(label=labels["LOC"], name="note", type="text")
    document = annotated(project, labels, people, 1)
    Span.objects.filter(annotation__document=document, annotation__kind="manual").update(
        attribute_values={"certainty": "sure", "note": "river town"}
    )
    client.force_login(people["rev"])
    html = client.get(f"/projects/{project.pk}/quality/").content.decode()
    certainty = re.search(r'<tr data-label="LOC" data-attribute="certainty">(.*?)</tr>', html, re.S)
    # Gao is marked LOC by both (Kidal only by ben): one item, one value throughout.
    assert '<td class="num">1</td>' in certainty.group(1)
    assert "α n/a" in certainty.group(1)
    note = re.search(r'<tr data-label="LOC" data-attribute="note">(.*?)</tr>', html, re.S)
    assert "exact match 1.00" in note.group(1) and "(1 pair)" in note.group(1)


def test_the_quality_page_has_no_attribute_section_without_attributes(client, team):
    project, labels, people = team
    annotated(project, labels, people, 1)
    client.force_login(people["rev"])
    html = client.get(f"/projects/{project.pk}/quality/").content.decode()
    assert 'id="attributes-agreement"' not in html


def test_the_quality_page_shows_agreement_on_claim_records(client, team):
    project, labels, people = team
    claim = LabelFactory(project=project, name="CLAIM", kind="claim")
    document = DocumentFactory(project=project, text="Troops are in Gao, they said.")
    names = [name for name in people if name != "rev"][:2]
    for name, verdict in zip(names, ["SUPPORTS", "REFUTES"], strict=True):
        work = AnnotationFactory(document=document, author=people[name], status="submitted")
        span = SpanFactory(annotation=work, label=claim, start=0, end=17)
        ClaimRecord.objects.create(span=span, verdict=verdict)
    client.force_login(people["rev"])
    page = client.get(f"/projects/{project.pk}/quality/").content.decode()
    assert 'id="claim-records-agreement"' in page
    assert " · ".join(sorted(names)) in page
