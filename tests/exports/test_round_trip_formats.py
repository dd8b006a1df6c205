"""Each format that carries everything survives export -> import into a new project -> export.

The source project's gold holds entities, claims with claimants (an entity, or free text)
and check-worthiness, and stances with and without holder and evidence, over a news text,
a text full of emoji outside the BMP and a text whose spans cross line breaks. The new
project starts with the stance values and targets only (an import never creates those); the
entity and claim labels are created by the import (``create_labels``), with the kind the
file gives them, and the spans come in as gold (``as=gold``), so the same exporter reads
them back.
"""

import io
import json
import re
import zipfile

import pytest

from annotations.exports import ExportReport, export_options, labelstudio
from annotations.exports.brat import STANCE_UNPLACED
from annotations.models import Document, Label, StanceTarget
from annotations.services.ingest import AS_GOLD, ImportOptions, documents_import_file
from annotations.services.ingest import records as messages
from annotations.services.ingest.formats import brat as brat_import
from annotations.services.ingest.formats import labelstudio as labelstudio_import
from tests.exports.conftest import annotate, export, lines_of, span, without_span_ids
from tests.factories import (
    DocumentFactory,
    LabelFactory,
    ProjectFactory,
    StanceTargetFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

SPAN_LABELS = (("PER", "entity"), ("ORG", "entity"), ("LOC", "entity"), ("CLAIM", "claim"))
STANCE_VALUES = ("FAVOR", "AGAINST", "NEUTRAL")
TARGETS = ("the intervention", "the curfew")

NEWS = "Keita met Macron and the UN in Bamako. Le Drian said troops would stay in Gao until June."
EMOJI = "👨🏻‍🚒 firemen of Gao 🇲🇱 said 🐪 herders crossed to Ménaka twice. 🐪🐪"
BULLETIN = (
    "ADRAR BULLETIN\n\nThe Adrar des\nIfoghas stays closed, said\nthe governor Ag Intalla.\n\n"
    "Troops will leave\n\nby June, he added."
)
CALM = "Mopti was calm on Sunday."
# What the jsonl export says about who made the gold: the new project's gold was made by the
# import, not by annotators and a reviewer.
PROVENANCE = ("id", "annotators", "reviewed_by")


# The source's gold: (external_id, meta, text, spans as (label, text part, fields), stances).
GOLD = [
    (
        "news-1",
        {"source": "wire", "n": 1},
        NEWS,
        [
            ("PER", "Keita", {}),
            ("PER", "Macron", {}),
            ("ORG", "the UN", {}),
            ("LOC", "Bamako", {}),
            ("PER", "Le Drian", {}),
            ("CLAIM", "troops would stay in Gao until June", {"claimant": 4, "checkworthy": "yes"}),
            ("LOC", "Gao", {}),
        ],
        [{"target": "the intervention", "label": "FAVOR", "holder": 4, "evidence": 5}],
    ),
    (
        "firemen",
        {},
        EMOJI,
        [
            ("LOC", "Gao", {}),
            ("LOC", "🇲🇱", {}),
            ("LOC", "Ménaka", {}),
            (
                "CLAIM",
                "🐪 herders crossed to Ménaka twice",
                {"claimant_text": "a radio 📻", "checkworthy": "unsure"},
            ),
        ],
        [{"target": "the curfew", "label": "AGAINST", "evidence": 3}],
    ),
    (
        "bulletin",
        {"lines": 8},
        BULLETIN,
        [
            ("LOC", "Adrar des\nIfoghas", {}),
            ("PER", "Ag Intalla", {}),
            ("CLAIM", "Troops will leave\n\nby June", {"claimant": 1, "checkworthy": "no"}),
            ("CLAIM", "The Adrar des\nIfoghas stays closed", {}),
        ],
        [{"target": "the intervention", "label": "NEUTRAL", "holder": 1}],
    ),
    ("calm", {}, CALM, [("LOC", "Mopti", {})], [{"target": "the curfew", "label": "FAVOR"}]),
]


def new_project(name: str, *, span_labels: bool = False):
    """A project with stance values and targets, in the source's order, and span labels only
    when asked."""
    project = ProjectFactory(name=name)
    for label, kind in SPAN_LABELS if span_labels else ():
        LabelFactory(project=project, name=label, kind=kind)
    for value in STANCE_VALUES:
        LabelFactory(project=project, name=value, kind="stance")
    for target in TARGETS:
        StanceTargetFactory(project=project, name=target)
    return project


@pytest.fixture
def source():
    """The source project: four documents with gold (see the module doc and GOLD)."""
    project = new_project("Round trip source", span_labels=True)
    reviewer = UserFactory(username="reviewer")
    for external_id, meta, text, spans, stances in GOLD:
        document = DocumentFactory(project=project, text=text, external_id=external_id, meta=meta)
        items = [span(text, label, part, **fields) for label, part, fields in spans]
        annotate(document, spans=items, stances=stances, actor=reviewer)
    return project


def import_as_gold(data: bytes, name: str):
    """Import a file into a new project as gold, creating its span labels; return both."""
    project = new_project(f"Round trip {name}")
    manager = UserFactory(username=f"importer-{project.pk}")
    options = ImportOptions(annotate_as=AS_GOLD, create_labels=True)
    report = documents_import_file(
        project=project, name=name, stream=io.BytesIO(data), options=options, actor=manager
    )
    assert report["errors"] == []
    assert report["duplicates"] == []
    assert len(report["created"]) == 4
    return project, report


def created_labels(report) -> list[tuple[str, str]]:
    return [(label["name"], label["kind"]) for label in report["labels_created"]]


def without(rows: list[dict], keys) -> list[dict]:
    """The rows without these keys and without the database's span ids."""
    return [{k: v for k, v in without_span_ids(row).items() if k not in keys} for row in rows]


def test_jsonl_round_trip_is_identical_but_for_ids_and_who_made_the_gold(source):
    """Identical but for ``id`` (the new project's documents), ``annotators`` and
    ``reviewed_by`` (the new gold was written by the import, signed by the manager who ran
    it, not by annotators and a reviewer): everything else, external ids, meta, every span,
    claimant, check-worthiness and stance, comes back as it left."""
    first = export(source)

    copy, report = import_as_gold(first, "gold.jsonl")

    assert report["warnings"] == []
    assert created_labels(report) == list(SPAN_LABELS)
    again = export(copy)
    assert without(lines_of(again), PROVENANCE) == without(lines_of(first), PROVENANCE)
    assert {row["reviewed_by"] for row in lines_of(again)} == {f"importer-{copy.pk}"}


def test_doccano_round_trip_is_identical_but_for_ids(source):
    """Equal but for ``id``. doccano holds labels and offsets only, so the claimants,
    check-worthiness and stances are not in the file to begin with (the README says so)."""
    first = export(source, "doccano")

    copy, report = import_as_gold(first, "gold.doccano.jsonl")

    assert report["warnings"] == []
    assert without(lines_of(export(copy, "doccano")), {"id"}) == without(lines_of(first), {"id"})


def test_labelstudio_round_trip_is_identical_but_for_document_ids(source):
    """Byte-identical but for ``data.document_id`` (the new project's ids): external ids,
    meta, every region, check-worthiness choice, claimant relation and text, and stance
    (choices and ``data.stances`` alike) come back as they left, and so does the labelling
    config the results refer to."""
    first = export(source, "labelstudio")

    copy, report = import_as_gold(first, "tasks.json")

    assert report["warnings"] == []
    assert created_labels(report) == list(SPAN_LABELS)
    again = export(copy, "labelstudio")
    ids = re.compile(rb'"document_id":\d+')
    assert ids.sub(b"", again) == ids.sub(b"", first)
    assert labelstudio_config(copy) == labelstudio_config(source)
    # ... and nothing of the native record was lost on the way.
    native = without(lines_of(export(copy)), PROVENANCE)
    assert native == without(lines_of(export(source)), PROVENANCE)


def labelstudio_config(project) -> str:
    return labelstudio.config(export_options(project=project, format_name="labelstudio"))


def brat_members(data: bytes) -> dict[str, bytes]:
    """The archive's members, ``document-<id>`` named by the document's text instead."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    named = {}
    for name, content in files.items():
        stem = name.rsplit(".", 1)[0]
        if re.fullmatch(r"document-\d+", stem):
            name = f"{files[stem + '.txt'].decode()[:12]}.{name.rsplit('.', 1)[1]}"
        named[name] = content
    return named


def test_brat_round_trip_is_identical_but_for_member_names(source):
    """Every member is byte-identical (``annotation.conf``, each ``.txt`` and ``.ann``:
    spans across line breaks as brat's fragments, claimant relations and notes,
    check-worthiness attributes, stance notes); only the ``document-<id>`` names change with
    the new project's ids. brat has no place for external ids, meta, or a stance with neither
    holder nor evidence: the first export reports that stance, and the import names each
    document after its file (``document-<old id>``)."""
    report = ExportReport()
    first = export(source, "brat", report=report)
    calm = Document.objects.get(project=source, external_id="calm")
    assert report.warnings == [
        STANCE_UNPLACED.format(
            document=f"document {calm.pk} (calm)", label="FAVOR", target="the curfew"
        )
    ]

    copy, imported = import_as_gold(first, "gold.brat.zip")

    assert [entry["message"] for entry in imported["warnings"]] == [
        brat_import.WARN_CONF.format(member="annotation.conf")
    ]
    assert created_labels(imported) == list(SPAN_LABELS)
    assert brat_members(export(copy, "brat")) == brat_members(first)
    native = lines_of(export(copy))
    original = lines_of(export(source))
    original[3]["stances"] = []  # the stance brat could not carry
    keys = {*PROVENANCE, "external_id", "meta"}
    assert without(native, keys) == without(original, keys)
    assert [row["external_id"] for row in native] == [f"document-{row['id']}" for row in original]


def test_brat_reads_a_span_across_lines_as_one_span_and_other_fragments_as_discontinuous():
    project = new_project("brat fragments")
    LabelFactory(project=project, name="LOC", kind="entity")
    ann = "T1\tLOC 4 13;14 21\tAdrar des Ifoghas\nT2\tLOC 0 3;14 21\tThe Ifoghas\n"
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as archive:
        archive.writestr("b.txt", "The Adrar des\nIfoghas.")
        archive.writestr("b.ann", ann)

    report = documents_import_file(
        project=project, name="b.zip", stream=io.BytesIO(data.getvalue())
    )

    prediction = Document.objects.get(project=project).annotations.get(kind="prediction")
    assert [s.text for s in prediction.spans.all()] == ["Adrar des\nIfoghas"]
    assert [w["message"] for w in report["warnings"]] == [
        brat_import.WARN_DISCONTINUOUS.format(ann="b.ann", line=2, id="T2", ranges="0 3;14 21")
    ]


def test_stances_and_labels_the_new_project_lacks_are_reported_not_lost_silently(source):
    copy = new_project("Round trip lacking")
    StanceTarget.objects.filter(project=copy, name="the curfew").delete()
    Label.objects.filter(project=copy, name="NEUTRAL").delete()

    report = documents_import_file(
        project=copy,
        name="tasks.json",
        stream=io.BytesIO(export(source, "labelstudio")),
        options=ImportOptions(annotate_as=AS_GOLD, create_labels=True),
    )

    messages = [entry["message"] for entry in report["warnings"]]
    assert "stances #0: unknown stance target 'the curfew'; dropped." in messages
    assert "stances #0: unknown stance value 'NEUTRAL'; dropped." in messages


@pytest.mark.parametrize("format_name", ["jsonl", "doccano", "labelstudio"])
def test_a_released_split_file_imports_back_without_its_split_and_release_in_meta(
    source, format_name
):
    released = export(source, format_name, release="2024-06 gold", split="50,50", seed="1")
    assert b'"release":"2024-06 gold"' in released.replace(b": ", b":")

    copy, _ = import_as_gold(released, "released.json")

    stored = Document.objects.filter(project=copy).order_by("pk")
    assert [d.meta for d in stored] == [{"source": "wire", "n": 1}, {}, {"lines": 8}, {}]


def test_a_users_own_split_and_release_fields_stay_in_meta():
    project = new_project("Own fields")
    line = {"text": "Gao.", "split": "dev-2", "release": 3}

    documents_import_file(
        project=project, name="own.jsonl", stream=io.BytesIO(json.dumps(line).encode())
    )

    assert Document.objects.get(project=project).meta == {"split": "dev-2", "release": 3}


def test_labelstudio_stance_choices_changed_in_label_studio_are_reported(source):
    tasks = json.loads(export(source, "labelstudio"))
    choice = next(r for r in tasks[0]["annotations"][0]["result"] if r["id"] == "s1")
    choice["value"]["choices"] = ["AGAINST"]  # edited in Label Studio; data.stances says FAVOR

    copy, report = import_as_gold(json.dumps(tasks).encode(), "edited.json")

    assert [entry["message"] for entry in report["warnings"]] == [
        labelstudio_import.WARN_STANCE_CHOICES.format(
            source="annotations.0", choices=["AGAINST"], stances=["FAVOR"]
        )
    ]
    news = Document.objects.get(project=copy, external_id="news-1")
    gold = news.annotations.get(kind="gold")
    assert [s.label.name for s in gold.stances.select_related("label")] == ["FAVOR"]


def test_an_hf_export_does_not_come_back_in_but_is_refused_line_by_line_with_the_way_in(source):
    """The README's table says ``hf`` is export only: its records have tokens, not a text."""
    project = new_project("hf back")

    report = documents_import_file(
        project=project, name="gold.hf.jsonl", stream=io.BytesIO(export(source, "hf"))
    )

    assert report["created"] == []
    assert report["errors"] == [
        {"line": line, "message": messages.ERR_TOKENS_ONLY} for line in range(1, 5)
    ]
