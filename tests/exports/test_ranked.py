"""The ranked export of sentence units: CheckThat!-style run lines, best first per document."""

import pytest

from annotations.exports import ExportReport
from annotations.exports.base import ExportOptions
from annotations.exports.ranked import render
from annotations.sentences import sentence_ranges
from tests.exports.conftest import annotate, export
from tests.factories import DocumentFactory, LabelFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db

TEXT = "Troops leave Gao\nDr. Keita met Macron in Bamako. The ministry said 1,500 were sent. Bye."
# Units: 0 "Troops leave Gao", 1 "Dr. Keita ... Bamako.", 2 "The ministry ... sent.", 3 "Bye."
RANGES = sentence_ranges(TEXT)
assert [TEXT[start:end] for start, end in RANGES][1:] == [
    "Dr. Keita met Macron in Bamako.",
    "The ministry said 1,500 were sent.",
    "Bye.",
]


def units_project():
    project = ProjectFactory(name="Check-worthiness", sentence_units=True)
    # The first sentence label is the positive class: gold ranks it 1, the others 0.
    for name in ("CFS", "UFS", "NFS"):
        LabelFactory(project=project, name=name, kind="sentence")
    LabelFactory(project=project, name="PER", kind="entity")
    return project


def sentence(label: str, unit: int) -> dict:
    start, end = RANGES[unit]
    return {"label": label, "start": start, "end": end}


def test_gold_units_rank_the_positive_class_first_in_text_order():
    project = units_project()
    document = DocumentFactory(project=project, text=TEXT, external_id="debate-7")
    spans = [sentence("NFS", 0), sentence("CFS", 1), sentence("UFS", 2), sentence("CFS", 3)]
    spans.append({"label": "PER", "start": 21, "end": 26})  # not a unit: not ranked
    annotate(document, spans=spans)
    assert export(project, "ranked").decode() == (
        "debate-7\t1\t1.0\tgold\n"
        "debate-7\t3\t1.0\tgold\n"
        "debate-7\t0\t0.0\tgold\n"
        "debate-7\t2\t0.0\tgold\n"
    )


def test_documents_follow_one_another_and_the_topic_is_the_id_without_external_id():
    project = units_project()
    first = DocumentFactory(project=project, text=TEXT, external_id="")
    second = DocumentFactory(project=project, text=TEXT + " ", external_id="two\tparts")
    annotate(first, spans=[sentence(n, u) for u, n in enumerate(["UFS", "NFS", "CFS", "NFS"])])
    annotate(second, spans=[sentence(n, u) for u, n in enumerate(["NFS", "CFS", "NFS", "NFS"])])
    lines = export(project, "ranked").decode().splitlines()
    assert lines == [
        f"{first.pk}\t2\t1.0\tgold",
        *(f"{first.pk}\t{unit}\t0.0\tgold" for unit in (0, 1, 3)),
        "two parts\t1\t1.0\tgold",
        *(f"two parts\t{unit}\t0.0\tgold" for unit in (0, 2, 3)),
    ]


def test_submitted_work_is_ranked_as_its_own_run():
    project = units_project()
    document = DocumentFactory(project=project, text=TEXT, external_id="d")
    author = UserFactory(username="ana")
    annotate(
        document,
        author=author,
        spans=[sentence(n, u) for u, n in enumerate(["NFS", "CFS", "CFS", "UFS"])],
    )
    lines = export(project, "ranked", include="submitted").decode().splitlines()
    assert lines == [
        "d\t1\t1.0\tsubmitted",
        "d\t2\t1.0\tsubmitted",
        "d\t0\t0.0\tsubmitted",
        "d\t3\t0.0\tsubmitted",
    ]


def test_model_scores_rank_units_when_rows_carry_them():
    rows = [
        {
            "id": 4,
            "external_id": "t1",
            "text": TEXT,
            "entities": [],
            "sentences": [
                {"unit": 0, "label": "NFS", "score": 0.12},
                {"unit": 1, "label": "CFS", "score": 0.91},
                {"unit": 2, "label": "CFS", "score": None},  # no score: its label's 1
                {"unit": 3, "label": "UFS", "score": 0.5},
                {"unit": None, "label": "CFS", "score": 0.99},  # not a unit: left out
            ],
        }
    ]
    options = ExportOptions(format="ranked", vocabulary=(("CFS", "sentence"), ("NFS", "sentence")))
    lines = "".join(render(rows, ExportReport(), options)).splitlines()
    assert lines == [
        "t1\t2\t1.0\tgold",
        "t1\t1\t0.91\tgold",
        "t1\t3\t0.5\tgold",
        "t1\t0\t0.12\tgold",
    ]


def test_a_project_without_sentence_labels_exports_nothing_and_warns_of_nothing():
    project = units_project()
    plain = ProjectFactory(name="Plain")
    LabelFactory(project=plain, name="PER", kind="entity")
    annotate(
        DocumentFactory(project=plain, text=TEXT), spans=[{"label": "PER", "start": 21, "end": 26}]
    )
    report = ExportReport()
    assert export(plain, "ranked", report=report) == b""
    assert report.warning_count == 0 and report.rows == 1
    assert project.sentence_units
