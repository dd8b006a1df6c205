"""Sentence units through the API: the setting, the sentences, labelling units, submit."""

import pytest
from django.db import connection

from annotations.models import Annotation, Span
from annotations.services import annotating as services
from tests.api.conftest import client_for
from tests.api.test_annotating import FEWER_ON_POSTGRESQL, SPAN_WRITE_QUERIES
from tests.factories import (
    AnnotationFactory,
    DocumentFactory,
    LabelFactory,
    ProjectFactory,
    members_of,
)

pytestmark = pytest.mark.django_db

TEXT = "Keita met Macron in Bamako. Troops will stay until June.\nA headline\nDr. Ba said so."
SENTENCES = [
    (0, 27, "Keita met Macron in Bamako."),
    (28, 56, "Troops will stay until June."),
    (57, 67, "A headline"),
    (68, 83, "Dr. Ba said so."),
]


@pytest.fixture
def units():
    project = ProjectFactory(name="Claims", sentence_units=True)
    people = members_of(project, ann="annotator", boss="manager")
    document = DocumentFactory(project=project, text=TEXT)
    annotation = AnnotationFactory(document=document, author=people["ann"])
    labels = {
        name: LabelFactory(project=project, name=name, kind="sentence", shortcut=key)
        for name, key in (("CFS", "c"), ("UFS", "f"), ("NFS", "x"))
    }
    entity = LabelFactory(project=project, name="PER", kind="entity")
    return {
        "project": project,
        "people": people,
        "document": document,
        "annotation": annotation,
        "labels": labels,
        "entity": entity,
        "client": client_for(people["ann"]),
    }


def post_span(units, **body):
    url = f"/api/annotations/{units['annotation'].pk}/spans/"
    return units["client"].post(url, body, format="json")


def label_unit(units, unit, name, **body):
    url = f"/api/annotations/{units['annotation'].pk}/units/{unit}/"
    label = units["labels"][name].pk
    return units["client"].put(url, {"label": label, **body}, format="json")


def test_project_reads_and_writes_sentence_units():
    project = ProjectFactory()
    boss = members_of(project, boss="manager")["boss"]
    client = client_for(boss)
    assert client.get(f"/api/projects/{project.pk}/").json()["sentence_units"] is False
    answer = client.patch(f"/api/projects/{project.pk}/", {"sentence_units": True}, format="json")
    assert answer.status_code == 200, answer.json()
    assert answer.json()["sentence_units"] is True
    project.refresh_from_db()
    assert project.sentence_units is True
    created = client.post("/api/projects/", {"name": "New", "sentence_units": True}, format="json")
    assert created.status_code == 201 and created.json()["sentence_units"] is True


def test_sentence_labels_are_created_like_other_labels(units):
    client = client_for(units["people"]["boss"])
    url = f"/api/projects/{units['project'].pk}/labels/"
    answer = client.post(url, {"name": "CW", "kind": "sentence", "shortcut": "w"}, format="json")
    assert answer.status_code == 201, answer.json()
    assert answer.json()["kind"] == "sentence"


def test_the_document_lists_its_sentences_in_code_points(units):
    answer = units["client"].get(f"/api/documents/{units['document'].pk}/sentences/")
    assert answer.status_code == 200
    body = answer.json()
    assert body["sentence_units"] is True
    assert [(s["unit"], s["start"], s["end"], s["text"]) for s in body["sentences"]] == [
        (n, start, end, text) for n, (start, end, text) in enumerate(SENTENCES)
    ]


def test_sentences_of_another_project_are_not_found(units):
    stranger = client_for(members_of(ProjectFactory(), eve="manager")["eve"])
    assert stranger.get(f"/api/documents/{units['document'].pk}/sentences/").status_code == 404


def test_labelling_a_unit_creates_its_span_then_relabels_it(units):
    created = label_unit(units, 1, "CFS")
    assert created.status_code == 201, created.json()
    span = created.json()
    assert (span["start"], span["end"], span["text"]) == SENTENCES[1]
    assert span["unit"] == 1 and span["label_name"] == "CFS"
    relabelled = label_unit(units, 1, "NFS", version=span["version"])
    assert relabelled.status_code == 200, relabelled.json()
    assert relabelled.json()["id"] == span["id"]
    assert relabelled.json()["label_name"] == "NFS"
    stored = Span.objects.get(annotation=units["annotation"])
    assert (stored.unit, stored.label.name) == (1, "NFS")


def test_labelling_a_unit_that_does_not_exist_names_the_unit(units):
    answer = label_unit(units, 9, "CFS")
    assert answer.status_code == 400
    assert answer.json()["errors"]["unit"] == [
        services.UNIT_UNKNOWN.format(unit=9, count=len(SENTENCES))
    ]
    assert not Span.objects.exists()


def test_a_sentence_label_on_a_whole_sentence_is_that_unit(units):
    start, end, text = SENTENCES[3]
    answer = post_span(units, label=units["labels"]["UFS"].pk, start=start, end=end, text=text)
    assert answer.status_code == 201, answer.json()
    assert answer.json()["unit"] == 3


def test_a_sentence_label_on_part_of_a_sentence_is_refused(units):
    answer = post_span(units, label=units["labels"]["CFS"].pk, start=0, end=16)
    assert answer.status_code == 400
    assert answer.json()["errors"]["start"] == [
        services.NOT_A_WHOLE_SENTENCE.format(
            name="CFS",
            start=0,
            end=16,
            nearest="The sentence there is unit 0, [0, 27).",
        )
    ]
    assert not Span.objects.exists()


def test_a_sentence_label_across_two_sentences_is_refused(units):
    answer = post_span(units, label=units["labels"]["CFS"].pk, start=0, end=56)
    assert answer.status_code == 400
    assert "is not one" in answer.json()["errors"]["start"][0]


def test_a_unit_span_that_does_not_cover_its_sentence_is_refused(units):
    start, end, _ = SENTENCES[0]
    label = units["labels"]["CFS"].pk
    answer = post_span(units, label=label, start=start, end=end, unit=2)
    assert answer.status_code == 400
    assert answer.json()["errors"]["unit"] == [
        services.UNIT_NOT_ITS_SENTENCE.format(
            unit=2, start=57, end=67, span_start=start, span_end=end
        )
    ]
    assert not Span.objects.exists()


def test_a_unit_on_an_entity_span_is_refused(units):
    answer = post_span(units, label=units["entity"].pk, start=0, end=5, unit=0)
    assert answer.status_code == 400
    assert answer.json()["errors"]["unit"] == [
        services.UNIT_LABEL_KIND.format(name="PER", a_kind="an entity")
    ]


def test_a_second_label_on_a_labelled_unit_is_refused_naming_the_span(units):
    units["project"].allow_overlap = True  # not the overlap rule: one span per unit
    units["project"].save()
    first = label_unit(units, 0, "CFS").json()
    start, end, _ = SENTENCES[0]
    answer = post_span(units, label=units["labels"]["NFS"].pk, start=start, end=end)
    assert answer.status_code == 400
    assert answer.json()["errors"]["unit"] == [
        services.UNIT_TAKEN.format(unit=0, span=first["id"], label="CFS")
    ]


def test_moving_a_unit_span_off_its_sentence_is_refused(units):
    span = label_unit(units, 0, "CFS").json()
    url = f"/api/annotations/{units['annotation'].pk}/spans/{span['id']}/"
    answer = units["client"].patch(url, {"end": 20}, format="json")
    assert answer.status_code == 400
    assert "goes on one whole sentence" in answer.json()["errors"]["start"][0]
    assert Span.objects.get().end == 27


def test_sentence_labels_are_refused_in_a_project_without_units(units):
    units["project"].sentence_units = False
    units["project"].save()
    answer = label_unit(units, 0, "CFS")
    assert answer.status_code == 400
    assert answer.json()["errors"]["label"] == [services.SENTENCE_UNITS_OFF.format(name="CFS")]


def test_entities_inside_units_still_work(units):
    label_unit(units, 0, "CFS")
    answer = post_span(units, label=units["entity"].pk, start=0, end=5, text="Keita")
    assert answer.status_code == 201, answer.json()
    assert answer.json()["unit"] is None


def test_submit_is_refused_until_every_unit_has_a_label(units):
    url = f"/api/annotations/{units['annotation'].pk}/"
    for unit in (0, 2):
        label_unit(units, unit, "NFS")
    version = Annotation.objects.get(pk=units["annotation"].pk).version
    refused = units["client"].patch(url, {"status": "submitted", "version": version}, format="json")
    assert refused.status_code == 400
    assert refused.json()["errors"]["status"] == [
        services.UNITS_LEFT.format(
            left=2, count=4, number=2, unit=1, text="Troops will stay until June."
        )
    ]
    assert Annotation.objects.get(pk=units["annotation"].pk).status == "in_progress"
    for unit in (1, 3):
        label_unit(units, unit, "CFS")
    version = Annotation.objects.get(pk=units["annotation"].pk).version
    done = units["client"].patch(url, {"status": "submitted", "version": version}, format="json")
    assert done.status_code == 200, done.json()
    assert done.json()["status"] == "submitted"


def test_skipping_needs_no_labels(units):
    url = f"/api/annotations/{units['annotation'].pk}/"
    version = units["annotation"].version
    answer = units["client"].patch(url, {"status": "skipped", "version": version}, format="json")
    assert answer.status_code == 200, answer.json()


def test_bulk_takes_sentence_spans_and_refuses_a_unit_twice(units):
    url = f"/api/annotations/{units['annotation'].pk}/bulk/"
    spans = [
        {"label": "CFS", "start": 0, "end": 27},
        {"label": "NFS", "start": 28, "end": 56, "unit": 1},
        {"label": "PER", "start": 0, "end": 5},
    ]
    answer = units["client"].post(url, {"spans": spans, "stances": []}, format="json")
    assert answer.status_code == 200, answer.json()
    assert [(s["label_name"], s["unit"]) for s in answer.json()["spans"]] == [
        ("CFS", 0),
        ("NFS", 1),
        ("PER", None),
    ]
    units["project"].allow_overlap = True
    units["project"].save()
    twice = [{"label": "CFS", "start": 0, "end": 27}, {"label": "NFS", "start": 0, "end": 27}]
    refused = units["client"].post(url, {"spans": twice, "stances": []}, format="json")
    assert refused.status_code == 400
    assert refused.json()["errors"]["spans.1.unit"] == [
        services.UNIT_REPEATED.format(unit=0, index=0)
    ]
    part = [{"label": "CFS", "start": 0, "end": 5}]
    refused = units["client"].post(url, {"spans": part, "stances": []}, format="json")
    assert "is not one" in refused.json()["errors"]["spans.0.start"][0]
    assert Span.objects.filter(annotation=units["annotation"]).count() == 3


# Creating a unit's span is a span create plus three reads: the unit's span (create or
# relabel?), the document's text, and (under the lock) that no other span holds the unit;
# splitting the text into sentences is no query. Relabelling reads the unit's span, then is a
# span update (lock, span, label, the unit check, marking a suggestion it came from as
# corrected) with the version and the event.
UNIT_QUERIES = {"create": SPAN_WRITE_QUERIES["create"] + 3, "relabel": 13}


def test_labelling_a_unit_takes_a_fixed_number_of_queries(units, django_assert_num_queries):
    label_unit(units, 0, "CFS")
    postgresql = connection.vendor == "postgresql"
    queries = {
        write: count
        - (FEWER_ON_POSTGRESQL["create" if write == "create" else "update"] if postgresql else 0)
        for write, count in UNIT_QUERIES.items()
    }
    with django_assert_num_queries(queries["create"]):
        assert label_unit(units, 1, "CFS").status_code == 201
    with django_assert_num_queries(queries["relabel"]):
        assert label_unit(units, 1, "UFS").status_code == 200


def submitted_units(units, username: str, names: list[str]) -> Annotation:
    """``username`` labels every unit (``names`` in unit order) and submits, via the services."""
    from tests.factories import MembershipFactory, UserFactory

    user = UserFactory(username=username)
    MembershipFactory(project=units["project"], user=user, role="annotator")
    annotation = AnnotationFactory(document=units["document"], author=user)
    for unit, name in enumerate(names):
        services.unit_label(
            annotation=annotation, unit=unit, label=units["labels"][name], actor=user
        )
    annotation.refresh_from_db()
    return services.annotation_set_status(
        annotation=annotation, status="submitted", version=annotation.version, actor=user
    )


def test_agreement_compares_sentence_labels_per_unit(units):
    submitted_units(units, "ana", ["CFS", "CFS", "NFS", "NFS"])
    submitted_units(units, "bob", ["CFS", "NFS", "NFS", "NFS"])
    boss = client_for(units["people"]["boss"])
    answer = boss.get(f"/api/projects/{units['project'].pk}/agreement/")
    assert answer.status_code == 200, answer.json()
    sentences = answer.json()["sentences"]
    assert sentences["units"] == 4
    assert sentences["pairs"] == [{"annotators": ["ana", "bob"], "units": 4, "kappa": 0.5}]
    assert sentences["alpha"] == pytest.approx(0.5333, abs=1e-4)
    # Sentence labels are not entities: they stay out of the entity figures.
    assert "CFS" not in answer.json()["spans"]["exact"]["labels"]


def test_majority_gold_keeps_the_units_annotators_agree_on(units):
    submitted_units(units, "ana", ["CFS", "CFS", "NFS", "NFS"])
    submitted_units(units, "bob", ["CFS", "NFS", "NFS", "UFS"])
    submitted_units(units, "cy", ["UFS", "CFS", "NFS", "UFS"])
    boss = client_for(units["people"]["boss"])
    url = f"/api/documents/{units['document'].pk}/gold/"
    answer = boss.post(url, {"strategy": "majority"}, format="json")
    assert answer.status_code in (200, 201), answer.json()
    gold = Annotation.objects.get(document=units["document"], kind="gold")
    assert sorted(gold.spans.values_list("unit", "label__name")) == [
        (0, "CFS"),
        (1, "CFS"),
        (2, "NFS"),
        (3, "UFS"),
    ]


def test_the_review_page_rows_are_the_sentences(units, client):
    from annotations.sentences import sentence_ranges

    client.force_login(units["people"]["boss"])
    page = client.get(f"/documents/{units['document'].pk}/review/")
    assert page.status_code == 200
    payload = page.context["payload"]
    assert payload["units"] == list(sentence_ranges(TEXT))
    assert [TEXT[start:end] for start, end in payload["units"]] == [s[2] for s in SENTENCES]
