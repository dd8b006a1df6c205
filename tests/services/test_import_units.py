"""Offset units of pre-annotations: read from the spans' own evidence, or asked for; never guessed
silently."""

import pytest

from annotations.models import Document, Span
from annotations.offsets import UTF16_SPLITS_PAIR
from annotations.services.ingest import ImportOptions, documents_import_records
from annotations.services.ingest import records as messages
from tests.factories import LabelFactory, ProjectFactory

FIREMEN = "👨🏻‍🚒 firemen drive firetrucks"  # 4 code points, 7 UTF-16 units before " firemen"


@pytest.fixture
def project(db):
    project = ProjectFactory()
    for name in ("PER", "LOC", "X"):
        LabelFactory(project=project, name=name, kind="entity")
    return project


def run(project, items, offsets="auto"):
    return documents_import_records(
        project=project, records=items, options=ImportOptions(offsets=offsets)
    )


def texts(project):
    document = Document.objects.get(project=project)
    spans = Span.objects.filter(annotation__document=document).order_by("start")
    return [document.text[span.start : span.end] for span in spans]


def warnings(report):
    return [entry["message"] for entry in report["warnings"]]


def test_span_texts_that_match_only_as_utf16_decide_utf16(project):
    report = run(
        project,
        [{"text": FIREMEN, "label": [{"start": 8, "end": 15, "label": "PER", "text": "firemen"}]}],
    )
    assert texts(project) == ["firemen"]
    assert warnings(report) == [
        messages.INFO_UNITS_READ.format(unit="UTF-16 code units", reason=messages.REASON_TEXTS)
    ]


def test_span_texts_that_match_as_code_points_are_read_so_without_a_word(project):
    report = run(
        project,
        [{"text": FIREMEN, "label": [{"start": 5, "end": 12, "label": "PER", "text": "firemen"}]}],
    )
    assert texts(project) == ["firemen"]
    assert warnings(report) == []


def test_an_offset_that_would_split_a_pair_in_utf16_means_code_points(project):
    # [1, 3) in UTF-16 would begin inside 👨 (units 0-1); as code points it is a whole run.
    text = "👨👩👧 and 👦 again"
    report = run(project, [{"text": text, "label": [[1, 3, "X"]]}])
    assert texts(project) == ["👩👧"]
    assert warnings(report) == []


def test_nothing_to_tell_by_is_reported_as_ambiguous(project):
    # Single letters: both units put the span between words, and no text came with it.
    report = run(project, [{"text": "🎉 A B C D", "label": [[4, 5, "X"]]}])
    assert warnings(report) == [messages.WARN_UNITS_AMBIGUOUS]
    assert texts(project) == ["B"]  # read as code points, and said


def test_spans_before_any_astral_character_need_no_word(project):
    report = run(project, [{"text": "Keita in Gao 🎉", "label": [[0, 5, "PER"], [9, 12, "LOC"]]}])
    assert warnings(report) == []
    assert texts(project) == ["Keita", "Gao"]


def test_spans_that_disagree_are_reported_and_the_misfits_dropped(project):
    items = [
        {
            "text": FIREMEN,
            "label": [
                {"start": 8, "end": 15, "label": "PER", "text": "firemen"},  # UTF-16 only
                {"start": 19, "end": 29, "label": "X", "text": "firetrucks"},  # code points only
            ],
        }
    ]
    report = run(project, items)
    assert warnings(report)[0] == messages.WARN_UNITS_CONFLICT.format(codepoints=1, utf16=1)
    assert texts(project) == ["firetrucks"]


def test_utf16_asked_for_converts_exactly_and_drops_a_split_pair_with_its_reason(project):
    items = [{"text": FIREMEN, "label": [[8, 15, "PER"], [1, 7, "X"]]}]
    report = run(project, items, offsets="utf16")
    assert texts(project) == ["firemen"]
    problem = UTF16_SPLITS_PAIR.format(offset=1)
    assert warnings(report) == [
        messages.WARN_SPAN_RANGE.format(key="label", index=1, start=1, end=7, problem=problem)
    ]


def test_utf16_claimants_and_stance_spans_convert_with_their_spans(project):
    LabelFactory(project=project, name="CLAIM", kind="claim")
    text = "🇲🇱 Keita said the road is open."
    items = [
        {
            "text": text,
            "entities": [{"start": 5, "end": 10, "label": "PER"}],
            "claims": [
                {
                    "start": 16,
                    "end": 33,
                    "label": "CLAIM",
                    "claimant": {"start": 5, "end": 10},
                }
            ],
        }
    ]
    report = run(project, items, offsets="utf16")
    assert warnings(report) == []
    claim = Span.objects.get(label__name="CLAIM")
    assert claim.text == "the road is open."
    assert claim.claimant.text == "Keita"
