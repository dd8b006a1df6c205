"""The brat export, read with a standoff reader written from the brat format description.

brat standoff: a ``.txt`` and an ``.ann`` per document; each ``.ann`` line is tab-separated,
its id's first letter giving its kind: ``T`` text-bound (``TYPE START END[;START END]...``, then
the text, fragments joined by a space), ``R`` relation (``TYPE Arg1:ID Arg2:ID``), ``A``
attribute (``TYPE ID [VALUE]``), ``#`` note (``AnnotatorNotes ID``, then the note). Offsets are
characters of the .txt.
"""

import io
import zipfile

import pytest

from annotations.exports import ExportReport
from tests.exports.conftest import annotate, export, make_project, span
from tests.factories import DocumentFactory

pytestmark = pytest.mark.django_db


def read_ann(ann: str, text: str) -> dict:
    """Parse an .ann file, checking each text-bound annotation's text against the .txt."""
    found: dict = {"T": {}, "R": [], "A": [], "#": []}
    for line in ann.splitlines():
        ident, rest = line.split("\t", 1)
        kind = ident[0]
        if kind == "T":
            head, shown = rest.split("\t")
            label, where = head.split(" ", 1)
            pieces = [tuple(map(int, piece.split(" "))) for piece in where.split(";")]
            assert shown == " ".join(text[start:end] for start, end in pieces)
            found["T"][ident] = (label, pieces[0][0], pieces[-1][1])
        elif kind == "R":
            label, arg1, arg2 = rest.split(" ")
            found["R"].append((label, arg1.removeprefix("Arg1:"), arg2.removeprefix("Arg2:")))
        elif kind == "A":
            found["A"].append(tuple(rest.split(" ")))
        elif kind == "#":
            head, note = rest.split("\t")
            found["#"].append((*head.split(" "), note))
        else:
            raise AssertionError(f"unknown annotation {line!r}")
    return found


def read_zip(data: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name).decode("utf-8") for name in archive.namelist()}


def test_brat_zip_has_conf_and_a_txt_and_ann_per_document(dataset):
    files = read_zip(export(dataset.project, "brat"))
    stems = [f"document-{d.pk}" for d in (dataset.news, dataset.unicode, dataset.formula)]
    assert sorted(files) == sorted(
        ["annotation.conf", *[f"{stem}.{ext}" for stem in stems for ext in ("txt", "ann")]]
    )
    conf = files["annotation.conf"]
    assert "[entities]\nPER\nLOC\nORG\nCLAIM\n" in conf
    assert "Claimant\tArg1:CLAIM, Arg2:PER|LOC|ORG" in conf
    assert "Checkworthy\tArg:CLAIM, Value:yes|no|unsure" in conf


def test_brat_spans_are_exact_in_the_txt_and_every_link_survives(dataset):
    files = read_zip(export(dataset.project, "brat"))
    for document in (dataset.news, dataset.unicode, dataset.formula):
        text = files[f"document-{document.pk}.txt"]
        assert text == document.text
        ann = read_ann(files[f"document-{document.pk}.ann"], text)
        gold = document.annotations.get(kind="gold").spans.select_related("label")
        assert sorted(ann["T"].values()) == sorted((s.label.name, s.start, s.end) for s in gold)

    news = read_ann(files[f"document-{dataset.news.pk}.ann"], dataset.news.text)
    by_id = news["T"]
    ((label, claim, claimant),) = news["R"]
    assert (label, by_id[claim][0], by_id[claimant]) == ("Claimant", "CLAIM", ("PER", 28, 36))
    assert news["A"] == [("Checkworthy", claim, "yes")]
    ((_, anchor, note),) = news["#"]
    assert anchor == claim
    assert note == f"stance FAVOR target=the intervention holder={claimant} evidence={claim}"

    unicode = read_ann(files[f"document-{dataset.unicode.pk}.ann"], dataset.unicode.text)
    notes = [(kind, unicode["T"][anchor], note) for kind, anchor, note in unicode["#"]]
    claim = dataset.unicode.text.index("قال")
    assert notes == [("AnnotatorNotes", ("CLAIM", claim, claim + 36), "claimant: الوالي")]
    assert ("LOC", 6, 8) in unicode["T"].values()  # the flag: two code points


def test_brat_writes_a_span_across_a_line_break_as_fragments():
    project = make_project("Lines")
    text = "Gao said\ntroops stay. Fine."
    document = DocumentFactory(project=project, text=text)
    annotate(document, spans=[span(text, "CLAIM", "said\ntroops stay")])

    files = read_zip(export(project, "brat"))

    line = files[f"document-{document.pk}.ann"].splitlines()[0]
    assert line == "T1\tCLAIM 4 8;9 20\tsaid troops stay"
    assert read_ann(files[f"document-{document.pk}.ann"], text)["T"]["T1"] == ("CLAIM", 4, 20)


def test_brat_reports_a_line_break_it_turns_into_a_space_in_a_note():
    project = make_project("Notes")
    text = "Troops stay in Gao."
    document = DocumentFactory(project=project, text=text, external_id="gao")
    annotate(document, spans=[span(text, "CLAIM", text, claimant_text="the radio\nof Gao")])
    report = ExportReport()

    files = read_zip(export(project, "brat", report=report))

    notes = read_ann(files[f"document-{document.pk}.ann"], text)["#"]
    assert notes == [("AnnotatorNotes", "T1", "claimant: the radio of Gao")]
    assert report.warnings == [
        f"document {document.pk} (gao): the claimant 'the radio\\nof Gao' holds a line break, "
        "which a brat note cannot; written with a space."
    ]


def test_brat_reports_a_stance_it_has_nothing_to_hang_on(dataset):
    report = ExportReport()
    read_zip(export(dataset.project, "brat", report=report))
    # The unicode document's stance has neither holder nor evidence.
    assert report.warnings == [
        f"document {dataset.unicode.pk} (unicode_mix): stance AGAINST toward 'the intervention' "
        "has no evidence and no holder, and brat has no document-level annotation; left out."
    ]


def test_brat_zip_is_the_same_bytes_for_the_same_gold(dataset):
    assert export(dataset.project, "brat") == export(dataset.project, "brat")
