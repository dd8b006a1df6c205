"""A small project with predictions to suggest: imported ones and a trained model's versions.

Shared by the API, service and browser tests of suggestions (docs/suggestions.md).
"""

from dataclasses import dataclass, field

from annotations.models import (
    Annotation,
    Document,
    Label,
    ModelVersion,
    Project,
    Recommender,
    Span,
)
from tests.factories import (
    AnnotationFactory,
    DocumentFactory,
    LabelFactory,
    MembershipFactory,
    ProjectFactory,
    SpanFactory,
    UserFactory,
)

TEXT = "Keita met Macron in Bamako on Monday. Kidal fell to the rebels, said Keita."


def at(word: str, nth: int = 0) -> tuple[int, int]:
    """The code-point range of the ``nth`` occurrence of ``word`` in TEXT."""
    start = -1
    for _ in range(nth + 1):
        start = TEXT.index(word, start + 1)
    return start, start + len(word)


@dataclass
class Suggesting:
    project: Project
    users: dict
    document: Document
    per: Label
    loc: Label
    claim: Label
    imported: Annotation  # the imported prediction (no model version)
    recommender: Recommender
    v1: ModelVersion  # ready, older
    v2: ModelVersion  # ready, newest
    v3: ModelVersion  # failed: never shown
    own: Annotation  # the annotator's, empty
    spans: dict = field(default_factory=dict)  # (source, word) -> prediction span


def prediction(document, version, items, spans, source):
    annotation = Annotation.objects.create(
        document=document, kind="prediction", author=None, model_version=version
    )
    for label, word, nth, score in items:
        start, end = at(word, nth)
        spans[(source, word, nth)] = SpanFactory(
            annotation=annotation, label=label, start=start, end=end, score=score
        )
    return annotation


def suggesting_world(*, text: str = TEXT) -> Suggesting:
    project = ProjectFactory(name="Sahel suggestions")
    users = {name: UserFactory(username=name) for name in ("annotator", "reviewer", "manager")}
    for name, user in users.items():
        MembershipFactory(project=project, user=user, role=name)
    document = DocumentFactory(project=project, text=text)
    per = LabelFactory(project=project, name="PER", kind="entity", shortcut="p")
    loc = LabelFactory(project=project, name="LOC", kind="entity", shortcut="l")
    claim = LabelFactory(project=project, name="CLAIM", kind="claim", shortcut="c")
    recommender = Recommender.objects.create(project=project, name="spacy-ner", kind="ner")
    v1 = ModelVersion.objects.create(recommender=recommender, version=1, status="ready")
    v2 = ModelVersion.objects.create(recommender=recommender, version=2, status="ready")
    v3 = ModelVersion.objects.create(recommender=recommender, version=3, status="failed")
    spans: dict = {}
    imported = prediction(
        document,
        None,
        [
            (per, "Keita", 0, 0.9),
            (per, "Macron", 0, None),
            (loc, "Bamako", 0, 0.8),
            (loc, "Kidal", 0, 0.7),
        ],
        spans,
        "imported",
    )
    prediction(document, v1, [(loc, "Monday", 0, 0.2)], spans, "v1")
    prediction(
        document,
        v2,
        [(per, "Keita", 0, 0.95), (loc, "Bamako", 0, 0.6), (per, "Keita", 1, 0.5)],
        spans,
        "v2",
    )
    prediction(document, v3, [(loc, "rebels", 0, 0.1)], spans, "v3")
    own = AnnotationFactory(document=document, author=users["annotator"])
    return Suggesting(
        project=project,
        users=users,
        document=document,
        per=per,
        loc=loc,
        claim=claim,
        imported=imported,
        recommender=recommender,
        v1=v1,
        v2=v2,
        v3=v3,
        own=own,
        spans=spans,
    )


def span_of(annotation: Annotation, label: Label, word: str, nth: int = 0) -> Span | None:
    start, end = at(word, nth)
    return Span.objects.filter(annotation=annotation, label=label, start=start, end=end).first()
