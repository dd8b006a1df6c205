"""A release's README.md dataset card and warnings file, as a reader of the release sees them."""

import hashlib
import json

import pytest

from annotations import tasks
from annotations.errors import InvalidInput
from annotations.exports.card import NOT_RECORDED
from annotations.exports.splits import split_of
from annotations.models import Annotation, Label, Release, StanceTarget
from annotations.services import releases
from annotations.services.annotating import annotation_set_status
from annotations.services.projects import project_update
from tests.exports.conftest import annotate, build_dataset, make_project, span
from tests.factories import DocumentFactory, UserFactory
from tests.services.test_releases import content
from tests.worker import run_worker

pytestmark = pytest.mark.django_db

GUIDELINES = "Mark every person (PER) by their full name.\n\nA claim is a checkable statement."


def build(project, actor, **options):
    release = tasks.release_start(project=project, actor=actor, name="2024-06 gold", **options)
    run_worker()
    release.refresh_from_db()
    return release


@pytest.fixture
def dataset():
    dataset = build_dataset()
    project = dataset.project
    project.guidelines = GUIDELINES
    project.description = "News from the Sahel, annotated for claims."
    project.licence = "CC-BY-4.0"
    project.citation = "@misc{sahel, title={Sahel claims}, year={2024}}"
    project.save()
    Label.objects.filter(project=project, name="PER").update(description="A person, by name.")
    StanceTarget.objects.filter(project=project).update(description="France's Barkhane force.")
    return dataset


def test_card_says_what_the_release_holds_and_where_it_comes_from(dataset):
    release = build(dataset.project, dataset.users["manager"], formats=["jsonl", "conll"])
    card = content(release, "readme").decode()

    assert card.startswith('---\nlicense: CC-BY-4.0\npretty_name: "Sahel export (2024-06 gold)"\n')
    assert "# Sahel export: release “2024-06 gold”" in card
    assert "News from the Sahel, annotated for claims." in card
    assert "Gold annotations of 3 documents" in card
    assert "The text below is version not versioned, current when the release was built." in card
    assert GUIDELINES in card
    assert "| PER | entity | 4 | A person, by name. |" in card
    assert "| the intervention | France's Barkhane force. |" in card
    assert "| documents compared | 1 |" in card
    assert "@misc{sahel, title={Sahel claims}, year={2024}}" in card
    jsonl = hashlib.sha256(content(release, "jsonl")).hexdigest()
    assert (
        f"| jsonl | sahel-export-2024-06-gold.jsonl | {len(content(release))} | `{jsonl}` | 0 |"
        in card
    )
    assert "Not split" in card


def test_card_counts_documents_and_labels_per_split(dataset):
    release = build(dataset.project, dataset.users["manager"], split="50,50", seed=11)
    card = content(release, "readme").decode()
    ids = [dataset.news.pk, dataset.unicode.pk, dataset.formula.pk]
    splits = {pk: split_of(pk, percentages=(50, 50), seed=11) for pk in ids}

    assert "train 50%, test 50% (by document, seed 11)" in card
    for name in ("train", "test"):
        assert f"| {name} | {list(splits.values()).count(name)} |" in card
    # PER: four in the news document (gold), none elsewhere.
    per = {"train": 0, "test": 0}
    per[splits[dataset.news.pk]] = 3
    per[splits[dataset.unicode.pk]] += 1  # Aïchatou
    assert f"| PER | entity | 4 | {per['train']} | {per['test']} | A person, by name. |" in card
    assert release.label_counts["PER"]["splits"] == {k: v for k, v in per.items() if v}


def test_card_without_licence_or_citation_says_so():
    project = make_project("Bare")
    manager = UserFactory()
    text = "Gao fell."
    annotate(DocumentFactory(project=project, text=text), spans=[span(text, "LOC", "Gao")])
    card = content(build(project, manager), "readme").decode()
    assert card.startswith("---\nlicense: other\n")
    assert card.count("_Not given: set the project's licence and citation") == 2


def test_warnings_file_lists_every_span_each_format_left_out():
    project = make_project("Warned")
    manager = UserFactory()
    text = "The Keitas met in Gao."
    annotate(DocumentFactory(project=project, text=text), spans=[span(text, "PER", "Keita")])

    release = build(project, manager, formats=["conll", "hf"])

    lines = content(release, "warnings").decode().splitlines()
    assert [line.split(": ")[0] for line in lines] == ["conll", "hf"]
    assert all(
        "PER [4, 9) 'Keita' does not start and end on token boundaries" in line for line in lines
    )
    assert dict(release.files.values_list("format", "warning_count"))["conll"] == 1


def resubmit(document, actor):
    """Reopen the document's gold and mark it reviewed again, under the current guidelines."""
    gold = Annotation.objects.get(document=document, kind="gold")
    gold = annotation_set_status(
        annotation=gold, status="in_progress", version=gold.version, actor=actor
    )
    annotation_set_status(annotation=gold, status="submitted", version=gold.version, actor=actor)


@pytest.fixture
def versioned(dataset):
    """news reviewed under guidelines v1, formula under v2; unicode's gold never reviewed."""
    reviewer, manager = dataset.users["reviewer"], dataset.users["manager"]
    project_update(project=dataset.project, actor=manager, guidelines="Version one.")
    resubmit(dataset.news, reviewer)
    project_update(project=dataset.project, actor=manager, guidelines="Version **two**.")
    resubmit(dataset.formula, reviewer)
    return dataset


def test_card_counts_gold_per_guidelines_version_and_holds_the_current_text(versioned):
    release = build(versioned.project, versioned.users["manager"], formats=["jsonl"])
    card = content(release, "readme").decode()

    assert "Gold annotations of 3 documents (all gold, reviewed or not)" in card
    assert "| version 1 | 1 |" in card
    assert "| version 2 | 1 |" in card
    assert f"| {NOT_RECORDED} | 1 |" in card
    assert "The text below is version 2, current when the release was built." in card
    assert "Version **two**." in card
    assert release.guidelines_counts == [
        {"version": 1, "documents": 1},
        {"version": 2, "documents": 1},
        {"version": None, "documents": 1},
    ]


def test_reviewed_only_release_leaves_out_gold_reopened_and_not_yet_reviewed(versioned):
    reviewer = versioned.users["reviewer"]
    gold = Annotation.objects.get(document=versioned.formula, kind="gold")
    annotation_set_status(
        annotation=gold, status="in_progress", version=gold.version, actor=reviewer
    )
    release = build(
        versioned.project, versioned.users["manager"], formats=["jsonl"], reviewed_only=True
    )
    card = content(release, "readme").decode()

    assert release.reviewed_only and release.document_count == 1
    released = [json.loads(line)["id"] for line in content(release, "jsonl").splitlines()]
    assert released == [versioned.news.pk]
    assert "Gold annotations of 1 documents (only gold a reviewer marked reviewed)" in card
    assert release.guidelines_counts == [{"version": 1, "documents": 1}]


def test_reviewed_only_release_is_refused_when_no_gold_is_reviewed(dataset):
    for gold in Annotation.objects.filter(document__project=dataset.project, kind="gold"):
        if gold.status == "submitted":
            annotation_set_status(
                annotation=gold, status="in_progress", version=gold.version, actor=None
            )
    with pytest.raises(InvalidInput) as refused:
        releases.release_create(
            project=dataset.project,
            actor=dataset.users["manager"],
            name="reviewed",
            reviewed_only=True,
        )
    assert refused.value.errors == {"non_field_errors": [releases.NO_REVIEWED_GOLD]}
    assert not Release.objects.exists()
