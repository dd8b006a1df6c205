"""A release's README.md dataset card and warnings file, as a reader of the release sees them."""

import hashlib

import pytest

from annotations import tasks
from annotations.exports.card import guidelines_version
from annotations.exports.splits import split_of
from annotations.models import Label, StanceTarget
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
    assert f"Version `{guidelines_version(GUIDELINES)}`" in card
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
