"""A small generated gold set for the recommender tests: names and places in news-like sentences,
some behind astral characters (an emoji is one code point but two UTF-16 units)."""

import hashlib

from annotations.models import Annotation, Document, Label, Project, Span

PEOPLE = [
    "Amadou Keita",
    "Fatoumata Diallo",
    "Ibrahim Traoré",
    "Aïcha Sangaré",
    "Moussa Coulibaly",
    "Oumar Cissé",
    "Salif Dembélé",
    "Mariam Touré",
]
PLACES = ["Kidal", "Gao", "Bamako", "Tombouctou", "Mopti", "Ségou", "Kayes", "Sikasso"]
TEMPLATES = [
    "{lead}{per} arrived in {loc} on Monday. Officials in {loc2} said {per2} would stay.",
    "{lead}In {loc}, {per} met the governor. Later {per2} travelled to {loc2} by road.",
    "{lead}{per} spoke to reporters in {loc} about the talks, and {per2} left for {loc2}.",
]


def sentence(index: int) -> tuple[str, list[tuple[int, int, str]]]:
    """The index-th generated document and its gold spans (code-point offsets)."""
    template = TEMPLATES[index % len(TEMPLATES)]
    values = {
        "lead": "😀 " if index % 2 else "",
        "per": PEOPLE[index % len(PEOPLE)],
        "per2": PEOPLE[(index + 3) % len(PEOPLE)],
        "loc": PLACES[index % len(PLACES)],
        "loc2": PLACES[(index + 5) % len(PLACES)],
    }
    text = template.format(**values)
    spans = []
    cursor = 0
    # The slots in the order they appear in the text.
    order = sorted(("per", "per2", "loc", "loc2"), key=lambda k: template.index("{" + k + "}"))
    for key in order:
        start = text.index(values[key], cursor)
        end = start + len(values[key])
        spans.append((start, end, "PER" if key.startswith("per") else "LOC"))
        cursor = end
    return text, spans


def document(project: Project, text: str) -> Document:
    return Document.objects.create(
        project=project, text=text, content_hash=hashlib.sha256(text.encode()).hexdigest()
    )


def gold_document(
    project: Project, text: str, spans: list[tuple[int, int, str]], *, reviewed: bool = True
) -> Document:
    """A document with gold holding the spans, reviewed (submitted) unless told otherwise."""
    labels = dict(Label.objects.filter(project=project).values_list("name", "id"))
    doc = document(project, text)
    gold = Annotation.objects.create(
        document=doc,
        kind="gold",
        author=None,
        status="submitted" if reviewed else "in_progress",
    )
    Span.objects.bulk_create(
        Span(annotation=gold, label_id=labels[label], start=start, end=end, text=text[start:end])
        for start, end, label in spans
    )
    return doc


def labelled_project(**fields: object) -> Project:
    project = Project.objects.create(name="Recommending", **fields)
    for name in ("PER", "LOC"):
        Label.objects.create(project=project, name=name, kind="entity", color="#3366cc")
    Label.objects.create(project=project, name="CLAIM", kind="claim", color="#cc6633")
    return project


def predictions(document: Document, version) -> list[tuple[int, int, str, str]]:
    """The version's predicted spans on the document: (start, end, label, text)."""
    return list(
        Span.objects.filter(annotation__document=document, annotation__model_version=version)
        .order_by("start")
        .values_list("start", "end", "label__name", "text")
    )


def claim_sentence(index: int) -> tuple[str, list[tuple[int, int, str]]]:
    """A generated document with entities and two claims, one nested in the other:
    "<PER> said that <LOC> is calm" holds the claim "<LOC> is calm"."""
    lead = "😀 " if index % 2 else ""
    per, loc = PEOPLE[index % len(PEOPLE)], PLACES[(index // 2 + 5) % len(PLACES)]
    text = f"{lead}{per} said that {loc} is calm. The weather was good."
    per_at, loc_at = text.index(per), text.index(loc)
    claim_end = text.index(" is calm") + len(" is calm")
    return text, [
        (per_at, per_at + len(per), "PER"),
        (loc_at, loc_at + len(loc), "LOC"),
        (per_at, claim_end, "CLAIM"),
        (loc_at, claim_end, "CLAIM"),
    ]
