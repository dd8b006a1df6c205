"""A project whose claims are the groups of bench/data/claim_pairs.jsonl, one claim a document."""

import json
from dataclasses import dataclass
from pathlib import Path

from annotations.models import Annotation, AnnotationKind, Label, Project, Span
from tests.factories import DocumentFactory, LabelFactory, ProjectFactory, UserFactory

PAIRS = Path(__file__).resolve().parents[2] / "bench" / "data" / "claim_pairs.jsonl"


@dataclass
class PairProject:
    project: Project
    label: Label
    queries: list[Span]
    matches: list[Span]
    distractors: list[Span]
    groups: list[dict]


def pair_groups() -> list[dict]:
    return [json.loads(line) for line in PAIRS.read_text(encoding="utf-8").splitlines()]


def claim_in_new_document(
    project: Project, label: Label, text: str, *, kind: str = AnnotationKind.GOLD, author=None
) -> Span:
    """A document whose whole text is one claim of a gold (or given kind of) annotation."""
    document = DocumentFactory(project=project, text=text)
    annotation = Annotation.objects.create(
        document=document,
        kind=kind,
        author=author,
        status="submitted",
    )
    return Span.objects.create(
        annotation=annotation, label=label, start=0, end=len(text), text=text
    )


def pair_project() -> PairProject:
    project = ProjectFactory()
    label = LabelFactory(project=project, kind="claim", name="CLAIM")
    groups = pair_groups()
    queries, matches, distractors = [], [], []
    for group in groups:
        queries.append(claim_in_new_document(project, label, group["query"]))
        matches.append(claim_in_new_document(project, label, group["match"]))
        distractors += [claim_in_new_document(project, label, d) for d in group["distractors"]]
    return PairProject(project, label, queries, matches, distractors, groups)


__all__ = ["UserFactory", "pair_project"]
