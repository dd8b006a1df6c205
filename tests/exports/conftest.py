"""A project with gold, submitted and unfinished work, over texts of tests/data/edge."""

import dataclasses
import json
import os
from dataclasses import dataclass
from typing import Any

import pytest

from annotations.exports import (
    ExportOptions,
    ExportReport,
    export_options,
    export_rows,
    export_stream,
    format_rows,
)
from annotations.models import Annotation, Document, Label, Project, StanceTarget
from annotations.services.annotating import annotation_replace_content, annotation_set_status
from annotations.services.ingest import documents_import_file
from tests.corpus import DATA
from tests.factories import (
    AnnotationFactory,
    DocumentFactory,
    DocumentLabelFactory,
    LabelAttributeFactory,
    LabelFactory,
    LabelGroupFactory,
    MembershipFactory,
    ProjectFactory,
    RelationFactory,
    SpanFactory,
    StanceFactory,
    StanceTargetFactory,
    UserFactory,
)

# Hugging Face datasets, which the tests load exports with, must never reach the network.
os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ["HF_HUB_OFFLINE"] = "1"

NEWS = "Keita met Macron in Bamako. Le Drian said troops would stay in Gao until June."


def at(text: str, part: str, occurrence: int = 0) -> tuple[int, int]:
    """The code-point range of ``part`` in ``text`` (its ``occurrence``-th appearance)."""
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(part, start + 1)
    return start, start + len(part)


def span(text: str, label: str, part: str, occurrence: int = 0, **extra: Any) -> dict:
    """A span item for the bulk write service, found by its text."""
    start, end = at(text, part, occurrence)
    return {"label": label, "start": start, "end": end, **extra}


def annotate(
    document: Document,
    *,
    spans: list[dict],
    stances: list[dict] = (),
    author=None,
    actor=None,
    submit: bool = True,
) -> Annotation:
    """Write an annotation through the services (events logged); gold when ``author`` is None."""
    kind = "manual" if author is not None else "gold"
    annotation = AnnotationFactory(document=document, author=author, kind=kind)
    actor = actor or author
    annotation_replace_content(
        annotation=annotation, spans=spans, stances=list(stances), actor=actor
    )
    if submit:
        annotation_set_status(
            annotation=annotation, status="submitted", version=annotation.version, actor=actor
        )
    return annotation


def one_document(name: str, text: str, *spans: tuple[str, str]) -> tuple[Project, Document]:
    """A project of one document whose gold has these (label, text part) spans."""
    project = make_project(name)
    document = DocumentFactory(project=project, text=text)
    annotate(document, spans=[span(text, label, part) for label, part in spans])
    return project, document


def make_project(name: str = "Sahel export", **fields: Any) -> Project:
    """A project with the demo's labels and one stance target."""
    project = ProjectFactory(name=name, **fields)
    for label, kind in (
        ("PER", "entity"),
        ("LOC", "entity"),
        ("ORG", "entity"),
        ("CLAIM", "claim"),
        ("FAVOR", "stance"),
        ("AGAINST", "stance"),
    ):
        LabelFactory(project=project, name=label, kind=kind)
    StanceTargetFactory(project=project, name="the intervention")
    return project


@dataclass
class Dataset:
    project: Project
    users: dict
    news: Document  # gold by the reviewer, submitted; alice and bob submitted
    unicode: Document  # gold by the manager, in progress; from edge/unicode_mix.txt
    formula: Document  # gold, submitted; the edge/docs.csv text that starts with "="
    pending: Document  # bob submitted, no gold
    untouched: Document  # nothing


@pytest.fixture
def dataset() -> Dataset:
    return build_dataset()


def build_dataset() -> Dataset:
    """Build the Dataset described on its fields.

    Its texts are always ours (tests/data), whatever SAMPLES_DIR says: the export tests
    pin offsets in them.
    """
    project = make_project()
    users = {
        name: UserFactory(username=name)
        for name in ("manager", "reviewer", "alice", "bob", "carol", "outsider")
    }
    for name, role in (
        ("manager", "manager"),
        ("reviewer", "reviewer"),
        ("alice", "annotator"),
        ("bob", "annotator"),
        ("carol", "annotator"),
    ):
        MembershipFactory(project=project, user=users[name], role=role)

    news = DocumentFactory(project=project, text=NEWS, external_id="news-1", meta={"n": 1})
    news_spans = [
        span(NEWS, "PER", "Keita"),
        span(NEWS, "PER", "Macron"),
        span(NEWS, "LOC", "Bamako"),
        span(NEWS, "PER", "Le Drian"),
        span(NEWS, "CLAIM", "troops would stay in Gao until June", claimant=3, checkworthy="yes"),
        span(NEWS, "LOC", "Gao"),
    ]
    news_stances = [{"target": "the intervention", "label": "FAVOR", "holder": 3, "evidence": 4}]
    for name in ("alice", "bob"):
        annotate(news, spans=news_spans, stances=news_stances, author=users[name])
    annotate(news, spans=news_spans[:2], author=users["carol"], submit=False)
    annotate(news, spans=news_spans, stances=news_stances, actor=users["reviewer"])

    with (DATA / "edge" / "unicode_mix.txt").open("rb") as stream:
        documents_import_file(project=project, name="unicode_mix.txt", stream=stream)
    with (DATA / "edge" / "docs.csv").open("rb") as stream:
        documents_import_file(project=project, name="docs.csv", stream=stream)
    unicode = Document.objects.get(project=project, external_id="unicode_mix")
    text = unicode.text
    annotate(
        unicode,
        spans=[
            span(text, "LOC", "Gossi"),
            span(text, "LOC", "🇲🇱"),
            span(text, "PER", "Aïchatou"),
            span(text, "ORG", "e\u0301"),
            span(text, "LOC", "廷巴克图"),
            span(text, "LOC", "غاو"),
            span(text, "CLAIM", "قال الوالي إن المساعدات وصلت إلى غاو", claimant_text="الوالي"),
            span(text, "CLAIM", "The herders counted 🐪🐪 twice", checkworthy="unsure"),
        ],
        stances=[{"target": "the intervention", "label": "AGAINST"}],
        actor=users["manager"],
        submit=False,
    )
    formula = Document.objects.get(project=project, external_id="c2")
    text = formula.text
    annotate(
        formula,
        spans=[
            span(text, "CLAIM", text[: text.index(" was the title")], claimant_text="@anon"),
        ],
        stances=[{"target": "the intervention", "label": "AGAINST", "evidence": 0}],
        actor=users["reviewer"],
    )
    pending = Document.objects.get(project=project, external_id="c3")
    annotate(
        pending,
        spans=[span(pending.text, "LOC", "Adrar des Ifoghas")],
        author=users["bob"],
    )
    untouched = Document.objects.get(project=project, external_id="c1")
    return Dataset(project, users, news, unicode, formula, pending, untouched)


def export(
    project: Project,
    format_name: str = "jsonl",
    *,
    report: ExportReport | None = None,
    release: str | None = None,
    **params,
) -> bytes:
    """Run an export as the API and the command do and return its bytes (``release``: as a
    release of that name renders it)."""
    options: ExportOptions = export_options(project=project, format_name=format_name, **params)
    options = dataclasses.replace(options, release=release)
    rows = format_rows(
        project=project,
        options=options,
        documents=lambda: export_rows(
            project=project,
            include=options.include,
            labels=options.labels,
            statuses=options.statuses,
        ),
    )
    chunks = export_stream(rows=rows, options=options, report=report or ExportReport())
    return b"".join(chunks)


def lines_of(data: bytes) -> list[dict]:
    """Parse JSON Lines."""
    return [json.loads(line) for line in data.decode("utf-8").splitlines()]


SPAN_KEYS = ("entities", "claims", "sentences")


def without_span_ids(row: dict) -> dict:
    """A native row without its spans' ids (the database's, which a copy does not keep):
    relations name their ends by (label, start, end) instead."""
    row = dict(row)
    ends = {}
    for key in SPAN_KEYS:
        if key in row and all(isinstance(item, dict) and "start" in item for item in row[key]):
            for item in row[key]:
                ends[item.get("id")] = (item["label"], item["start"], item["end"])
            row[key] = [{k: v for k, v in item.items() if k != "id"} for item in row[key]]
    if "relations" in row:
        row["relations"] = [
            {**relation, "source": ends[relation["source"]], "target": ends[relation["target"]]}
            for relation in row["relations"]
        ]
    return row


def load_hf(tmp_path, builder: str, files: dict[str, bytes]):
    """Load files with ``datasets.load_dataset(builder, data_files=...)``, offline, as a user
    would: one file per split name; the cache goes to tmp_path."""
    import datasets

    paths = {}
    for split, data in files.items():
        path = tmp_path / f"{split}.{builder}"
        path.write_bytes(data)
        paths[split] = str(path)
    return datasets.load_dataset(builder, data_files=paths, cache_dir=str(tmp_path / "cache"))


def gold_entities(document: Document) -> list[tuple[str, int, int, str]]:
    """The document's gold entities as (label, start, end, text), sorted."""
    gold = document.annotations.get(kind="gold").spans.select_related("label")
    return sorted((s.label.name, s.start, s.end, s.text) for s in gold if s.label.kind == "entity")


# Issue 16: a project whose gold has relations, document labels and attributes.
EMOJI = "👨🏻‍🚒 firemen of Gao 🇲🇱 said 🐪 herders crossed to Ménaka twice."


def make_schema(name: str) -> Project:
    """A project with span, stance, relation and document labels, groups and attributes."""
    project = ProjectFactory(name=name)
    labels = {}
    for label, kind in (
        ("PER", "entity"),
        ("LOC", "entity"),
        ("CLAIM", "claim"),
        ("FAVOR", "stance"),
        ("AGAINST", "stance"),
    ):
        labels[label] = LabelFactory(project=project, name=label, kind=kind)
    labels["located_in"] = LabelFactory(
        project=project,
        name="located_in",
        kind="relation",
        source_kind="entity",
        target_kind="entity",
    )
    labels["said_by"] = LabelFactory(
        project=project, name="said_by", kind="relation", source_kind="claim", target_kind="entity"
    )
    topic = LabelGroupFactory(project=project, name="topic", multiple=True, position=0)
    verdict = LabelGroupFactory(project=project, name="verdict", multiple=False, position=1)
    for label, group in (("security", topic), ("politics", topic), ("false", verdict)):
        labels[label] = LabelFactory(project=project, name=label, kind="document", group=group)
    LabelGroupFactory(project=project, name="unused", position=2)
    for label, attribute, type_, choices in (
        ("PER", "role", "choice", ["official", "civilian"]),
        ("CLAIM", "normalised", "text", []),
        ("CLAIM", "questions", "multi_choice", ["q1", "q2", "q3"]),
        ("CLAIM", "confidence", "number", []),
        ("located_in", "certainty", "choice", ["high", "low"]),
        ("located_in", "note", "text", []),
        ("FAVOR", "sentiment", "choice", ["positive", "negative"]),
    ):
        LabelAttributeFactory(label=labels[label], name=attribute, type=type_, choices=choices)
    StanceTargetFactory(project=project, name="the intervention")
    return project


def schema_gold(project: Project, text: str, external_id: str) -> tuple[Annotation, dict[str, Any]]:
    document = DocumentFactory(project=project, text=text, external_id=external_id)
    return AnnotationFactory(document=document, author=None, kind="gold"), {
        label.name: label for label in Label.objects.filter(project=project)
    }


def schema_span(annotation, labels, label, part, **fields):
    start, end = at(annotation.document.text, part)
    return SpanFactory(annotation=annotation, label=labels[label], start=start, end=end, **fields)


@pytest.fixture
def schema_source() -> Project:
    """Gold with relations, document labels and attributes over two texts (see
    tests/exports/test_round_trip_schema.py)."""
    project = make_schema("Schema source")
    annotation, labels = schema_gold(project, NEWS, "news-1")
    keita = schema_span(annotation, labels, "PER", "Keita", attributes={"role": "official"})
    bamako = schema_span(annotation, labels, "LOC", "Bamako")
    drian = schema_span(annotation, labels, "PER", "Le Drian", attributes={"role": "official"})
    claim = schema_span(
        annotation,
        labels,
        "CLAIM",
        "troops would stay in Gao until June",
        checkworthy="yes",
        attributes={
            "normalised": "Troops stay in Gao\nuntil June 2026",
            "questions": ["q1", "q3"],
            "confidence": 0.75,
        },
    )
    gao = schema_span(annotation, labels, "LOC", "Gao")
    RelationFactory(
        source=keita,
        target=bamako,
        label=labels["located_in"],
        attributes={"certainty": "high", "note": "met there, per AFP"},
    )
    RelationFactory(source=claim, target=drian, label=labels["said_by"])
    RelationFactory(source=drian, target=gao, label=labels["located_in"])
    StanceFactory(
        annotation=annotation,
        target=StanceTarget.objects.get(project=project),
        label=labels["FAVOR"],
        holder=drian,
        evidence=claim,
        attributes={"sentiment": "positive"},
    )
    for name in ("security", "politics", "false"):
        DocumentLabelFactory(annotation=annotation, label=labels[name])

    annotation, labels = schema_gold(project, EMOJI, "firemen")
    gao = schema_span(annotation, labels, "LOC", "Gao")
    menaka = schema_span(annotation, labels, "LOC", "Ménaka")
    schema_span(annotation, labels, "CLAIM", "🐪 herders crossed to Ménaka twice")
    RelationFactory(source=menaka, target=gao, label=labels["located_in"])
    DocumentLabelFactory(annotation=annotation, label=labels["security"])
    return project
