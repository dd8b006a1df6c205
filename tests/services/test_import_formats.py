"""Other tools' files (tests/data/formats/): every span lands where the source tool meant it."""

import io
import json
import zipfile
from pathlib import Path

import pytest

from annotations.models import Document, Relation, Span
from annotations.services.ingest import ImportOptions, ImportRefused, documents_import_file
from annotations.services.ingest import records as messages
from annotations.services.ingest.formats import brat, conll, labelstudio
from tests.factories import LabelFactory, ProjectFactory

FORMATS = Path(__file__).resolve().parent.parent / "data" / "formats"


@pytest.fixture
def project(db):
    project = ProjectFactory()
    for name in ("PER", "ORG", "LOC", "VEHICLE", "DATE"):
        LabelFactory(project=project, name=name, kind="entity")
    return project


def import_fixture(project, name, **options):
    with (FORMATS / name).open("rb") as stream:
        return documents_import_file(
            project=project, name=name, stream=stream, options=ImportOptions(**options)
        )


def import_bytes(project, name, data, **options):
    return documents_import_file(
        project=project, name=name, stream=io.BytesIO(data), options=ImportOptions(**options)
    )


def spans_of(document):
    """The document's pre-annotation as (label, text) pairs, in text order."""
    spans = Span.objects.filter(annotation__document=document).select_related("label")
    return [
        (span.label.name, document.text[span.start : span.end])
        for span in spans.order_by("start", "end")
    ]


def by_external_id(project):
    return {document.external_id: document for document in Document.objects.filter(project=project)}


def messages_of(report, line):
    return [entry["message"] for entry in report["warnings"] if entry["line"] == line]


# --- doccano relation extraction, UTF-16 offsets --------------------------------------------


def test_doccano_utf16_offsets_are_read_as_utf16_and_said(project):
    report = import_fixture(project, "doccano_relations_utf16.jsonl")
    documents = by_external_id(project)
    assert spans_of(documents["1"]) == [("PER", "firemen"), ("VEHICLE", "firetrucks")]
    assert spans_of(documents["2"]) == [("LOC", "Mopti"), ("LOC", "Gao")]
    assert spans_of(documents["3"]) == [("LOC", "Niamey"), ("LOC", "Tillabéri")]
    read_as_utf16 = messages.INFO_UNITS_READ.format(
        unit="UTF-16 code units", reason=messages.REASON_PAST_END
    )
    assert read_as_utf16 in messages_of(report, 1)
    by_words = messages.INFO_UNITS_READ.format(
        unit="UTF-16 code units", reason=messages.REASON_WORDS
    )
    assert by_words in messages_of(report, 2)
    # Line 3 has no character outside the BMP: both units agree, nothing to say about them.
    assert not any("Offsets read" in message for message in messages_of(report, 3))


def test_doccano_relations_are_read_and_unknown_labels_reported_by_line_not_kept_in_meta(
    project,
):
    report = import_fixture(project, "doccano_relations_utf16.jsonl")
    relations = [m for entry in report["warnings"] for m in [entry] if "relations" in m["message"]]
    assert [(entry["line"], entry["message"]) for entry in relations] == [
        (1, messages.WARN_RELATION_LABEL.format(key="relations", index=0, label="drives")),
        (3, messages.WARN_RELATION_LABEL.format(key="relations", index=0, label="route")),
        (3, messages.WARN_RELATION_LABEL.format(key="relations", index=1, label="route")),
    ]
    document = by_external_id(project)["1"]
    assert "relations" not in document.meta
    assert document.meta == {"Comments": []}


def test_doccano_offsets_forced_to_codepoints_land_where_the_issue_saw_them(project):
    report = import_fixture(project, "doccano_relations_utf16.jsonl", offsets="codepoints")
    firemen = by_external_id(project)["1"]
    # What doccano#2290 leads to when nobody looks at units: "emen dr" for "firemen". The
    # unit was asked for, so nothing is said; firetrucks ends past the text and is dropped.
    assert spans_of(firemen) == [("PER", "emen dr")]
    assert any("past the end of the text" in m for m in messages_of(report, 1))


# --- Label Studio ----------------------------------------------------------------------------


def test_label_studio_export_merges_annotators_and_predictions_span_by_span(project):
    report = import_fixture(project, "labelstudio_export.json")
    documents = by_external_id(project)
    assert spans_of(documents["101"]) == [
        ("PER", "Aïchatou Maïga"),
        ("ORG", "Tillabéri regional council"),
        ("LOC", "Niamey"),
        ("DATE", "Monday"),
    ]
    assert documents["101"].meta == {"source": "wire"}
    assert spans_of(documents["102"]) == [("ORG", "MNLA"), ("LOC", "Kidal")]
    first = messages_of(report, 1)
    assert labelstudio.WARN_MERGED.format(annotations=2, predictions=1) in first
    assert "annotations.0: 1 'choices' not imported (only \"labels\" spans are)." in first
    relation = messages.WARN_RELATION_LABEL.format(
        key="annotations.1.result", index=0, label="visits"
    )
    assert relation in first
    assert labelstudio.WARN_CANCELLED.format(source="annotations.2", count=1) in first
    second = messages_of(report, 2)
    assert "annotations.0: 1 'textarea', 1 'rating' not imported (only \"labels\" spans are)." in (
        second
    )
    assert labelstudio.WARN_DRAFTS.format(count=1) in second


def test_label_studio_single_task_reads_its_text_field_and_utf16_predictions(project):
    report = import_fixture(project, "labelstudio_task.json")
    document = Document.objects.get(project=project)
    assert document.text.startswith("Chadian troops left Kidal")
    assert document.meta == {"url": "https://example.invalid/kidal"}
    assert spans_of(document) == [("LOC", "Kidal"), ("LOC", "foot")]
    assert messages_of(report, 1) == [
        messages.INFO_UNITS_READ.format(unit="UTF-16 code units", reason=messages.REASON_PAST_END)
    ]


def test_label_studio_json_min_spans_are_read_not_kept_in_meta(project):
    report = import_fixture(project, "labelstudio_min.json")
    documents = by_external_id(project)
    assert spans_of(documents["201"]) == [("PER", "Macron"), ("PER", "Bazoum"), ("LOC", "Paris")]
    assert spans_of(documents["202"]) == [("LOC", "Mopti")]
    assert "label" not in documents["201"].meta
    assert documents["201"].meta["annotation_id"] == 31
    read_as_utf16 = messages.INFO_UNITS_READ.format(
        unit="UTF-16 code units", reason=messages.REASON_TEXTS
    )
    assert messages_of(report, 1) == [read_as_utf16]
    assert messages_of(report, 2) == []


def test_label_studio_task_whose_text_field_is_found_by_elimination_says_so(project):
    report = import_bytes(project, "task.json", b'{"data": {"body": "Gao is calm.", "n": 3}}')
    document = Document.objects.get(project=project)
    assert (document.text, document.meta) == ("Gao is calm.", {"n": 3})
    assert messages_of(report, 1) == [labelstudio.WARN_TEXT_FIELD.format(field="body")]


def test_label_studio_task_without_a_text_field_names_its_fields(project):
    report = import_bytes(project, "tasks.json", b'[{"data": {"a": "one", "b": "two"}}]')
    assert report["errors"] == [
        {"line": 1, "message": labelstudio.ERR_NO_TEXT_FIELD.format(fields="a, b")}
    ]


# --- Prodigy -----------------------------------------------------------------------------------


def test_prodigy_imports_accepted_spans_and_reports_rejected_and_ignored(project):
    report = import_fixture(project, "prodigy_ner.jsonl")
    documents = {d.text: d for d in Document.objects.filter(project=project)}
    assert spans_of(documents["Keita met Macron in Bamako"]) == [
        ("PER", "Keita"),
        ("PER", "Macron"),
        ("LOC", "Bamako"),
    ]
    assert spans_of(documents["The MNLA controls Kidal"]) == []
    assert spans_of(documents["Rain in Gao"]) == []
    camels = documents["🐪 caravans left Timbuktu for Taoudenni"]
    assert spans_of(camels) == [("LOC", "Timbuktu"), ("LOC", "Taoudenni")]
    assert messages_of(report, 2) == [messages.WARN_ANSWER.format(answer="reject", count=1)]
    assert messages_of(report, 3) == [messages.WARN_ANSWER.format(answer="ignore", count=1)]
    # Code points (Prodigy is Python): spans between words only so, nothing to report.
    assert messages_of(report, 1) == messages_of(report, 4) == []
    assert set(camels.meta) == {
        "source",
        "_input_hash",
        "_task_hash",
        "_view_id",
        "_timestamp",
        "_annotator_id",
        "_session_id",
    }


# --- JSON Lines in a .json file (Hugging Face to_json) -----------------------------------------


def test_json_lines_in_a_json_file_are_read_line_by_line(project):
    report = import_fixture(project, "hf_to_json.json")
    assert [entry["line"] for entry in report["created"]] == [1, 2]
    documents = {d.text: d for d in Document.objects.filter(project=project)}
    assert spans_of(documents["Bamako is the capital of Mali."]) == [
        ("LOC", "Bamako"),
        ("LOC", "Mali"),
    ]
    assert report["errors"] == [{"line": 3, "message": messages.ERR_TOKENS_ONLY}]


# --- CoNLL -------------------------------------------------------------------------------------


def test_conll2003_documents_are_rebuilt_with_iob1_entities_on_the_text(project):
    report = import_fixture(project, "conll2003.conll")
    documents = by_external_id(project)
    first, second = documents["conll2003-1"], documents["conll2003-2"]
    assert first.text == "EU rejects German call to boycott British lamb .\nPeter Blackburn"
    assert spans_of(first) == [("ORG", "EU"), ("PER", "Peter Blackburn")]
    # IOB1: B-LOC splits two adjacent places of the same type.
    assert second.text == "BAMAKO 1996-08-22\nMali Niger and Burkina Faso signed ."
    assert spans_of(second) == [
        ("LOC", "BAMAKO"),
        ("LOC", "Mali"),
        ("LOC", "Niger"),
        ("LOC", "Burkina Faso"),
    ]
    first_messages = messages_of(report, 3)  # a document's line is its first token's
    assert first_messages[:2] == [
        conll.WARN_SCHEME.format(scheme=conll.IOB1),
        conll.WARN_MIDDLE_COLUMNS.format(last=3),
    ]
    # MISC is no label of the project: each is reported with the line it came from.
    assert "tags from line #5: unknown entity or claim label 'MISC'; dropped." in first_messages
    assert [entry["line"] for entry in report["created"]] == [3, 18]


def test_bioes_spans_land_on_the_rebuilt_text(project):
    report = import_fixture(project, "bioes.bio")
    document = Document.objects.get(project=project)
    assert document.external_id == "bioes"
    assert document.text == (
        "Aïchatou Maïga flew from Bamako Senou Airport to Niamey .\n"
        "The African Union welcomed her ."
    )
    assert spans_of(document) == [
        ("PER", "Aïchatou"),
        ("LOC", "Bamako Senou Airport"),
        ("LOC", "Niamey"),
        ("ORG", "African Union"),
    ]
    assert report["warnings"] == [
        {"line": 1, "message": conll.WARN_SCHEME.format(scheme=conll.BIOES)}
    ]


def test_malformed_iob_is_reported_line_by_line_and_a_broken_document_stores_nothing(project):
    report = import_fixture(project, "malformed.iob")
    document = Document.objects.get(project=project)
    assert spans_of(document) == [
        ("ORG", "MNLA"),
        ("LOC", "Kidal"),
        ("LOC", "Tessalit"),
        ("PER", "Keita"),
        ("LOC", "Gao"),
    ]
    assert messages_of(report, 1) == [
        conll.WARN_SCHEME.format(scheme=conll.BIOES),
        conll.WARN_INSIDE_WITHOUT_BEGIN.format(
            line=2, tag="I-ORG", previous="O", scheme=conll.BIOES
        ),
        conll.WARN_NOT_CLOSED.format(line=2, kind="ORG"),
        conll.WARN_NOT_CLOSED.format(line=4, kind="LOC"),
        conll.WARN_NOT_CLOSED.format(line=6, kind="LOC"),
        conll.WARN_NOT_CLOSED.format(line=9, kind="PER"),
        conll.WARN_NOT_A_TAG.format(line=11, tag="X-PER"),
        conll.WARN_END_WITHOUT_BEGIN.format(line=13, tag="E-LOC", previous="O"),
    ]
    assert report["errors"] == [
        {"line": 17, "message": conll.ERR_COLUMNS.format(line=18, text="line")}
    ]


def test_iob2_inside_after_outside_is_reported_and_read_as_a_beginning(project):
    data = b"The O\nMNLA I-ORG\ncontrols O\nKidal B-LOC\nand O\nGao B-LOC\n"
    report = import_bytes(project, "news.iob", data)
    assert spans_of(Document.objects.get(project=project)) == [
        ("ORG", "MNLA"),
        ("LOC", "Kidal"),
        ("LOC", "Gao"),
    ]
    assert messages_of(report, 1)[1:] == [
        conll.WARN_INSIDE_WITHOUT_BEGIN.format(line=2, tag="I-ORG", previous="O", scheme=conll.IOB2)
    ]


def test_txt_that_is_conll_is_imported_as_conll_and_said(project):
    report = import_fixture(project, "tagged_tokens.txt")
    document = Document.objects.get(project=project)
    assert document.text == "Keita returned to Bamako .\nThe MNLA welcomed him ."
    assert spans_of(document) == [("PER", "Keita"), ("LOC", "Bamako"), ("ORG", "MNLA")]
    assert messages_of(report, 1)[0] == conll.WARN_TXT_IS_CONLL


def test_comment_lines_are_reported_not_read_into_the_text(project):
    data = b"# export warning: 2 spans cut\nKeita B-PER\nleft O\n# sentence 2\n\nGao B-LOC\n"
    report = import_bytes(project, "export.conll", data)
    document = Document.objects.get(project=project)
    assert document.text == "Keita left\nGao"
    assert spans_of(document) == [("PER", "Keita"), ("LOC", "Gao")]
    assert messages_of(report, 2)[1:] == [
        conll.WARN_COMMENT.format(line=1),
        conll.WARN_COMMENT.format(line=4),
    ]


def test_txt_of_prose_stays_one_document(project):
    import_bytes(project, "note.txt", b"Keita returned to Bamako.\nThe MNLA welcomed him.\n")
    assert Document.objects.get(project=project).external_id == "note"


# --- brat ----------------------------------------------------------------------------------------


def brat_zip(**extra: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted((FORMATS / "brat").iterdir()):
            archive.write(path, f"news/{path.name}")
        for name, data in extra.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_brat_pairs_import_with_their_t_spans_and_report_the_rest(project):
    report = import_bytes(project, "brat.zip", brat_zip())
    documents = by_external_id(project)
    assert set(documents) == {"news/gao", "news/kidal", "news/mopti"}
    assert spans_of(documents["news/kidal"]) == [
        ("ORG", "MNLA"),
        ("LOC", "Kidal"),
        ("PER", "Keita"),
    ]
    assert spans_of(documents["news/gao"]) == [("LOC", "Gao"), ("LOC", "Ménaka")]
    assert spans_of(documents["news/mopti"]) == []
    kidal = messages_of(report, "news/kidal.txt")
    assert (
        brat.WARN_DISCONTINUOUS.format(ann="news/kidal.ann", line=4, id="T4", ranges="43 49;50 55")
        in kidal
    )
    assert (
        "news/kidal.ann: 1 note(s) (#), 1 event(s) (E) not imported (the workbench has no "
        "place for them yet)."
    ) in kidal
    assert "news/kidal.ann T5, line #9: unknown entity or claim label 'ATTACK'; dropped." in kidal
    assert brat.WARN_CONF.format(member="news/annotation.conf") in messages_of(
        report, "news/gao.txt"
    )


def test_brat_ann_without_its_txt_is_an_error_of_its_own(project):
    report = import_bytes(project, "brat.zip", brat_zip(**{"lost.ann": b"T1\tLOC 0 3\tGao\n"}))
    assert report["errors"] == [
        {"line": "lost.ann", "message": brat.ERR_NO_TXT.format(member="lost.ann", txt="lost.txt")}
    ]
    assert len(report["created"]) == 3


def zip_of(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize("member", ["../evil.txt", "/etc/evil.txt", "a/../../evil.txt", "C:/x.txt"])
def test_brat_zip_with_a_climbing_member_is_refused_and_stores_nothing(project, member):
    data = zip_of({"ok.txt": b"Fine text.", member: b"Evil text."})
    with pytest.raises(ImportRefused) as refused:
        import_bytes(project, "brat.zip", data)
    assert refused.value.errors == {
        "file": [brat.ERR_UNSAFE_NAME.format(name="brat.zip", member=member)]
    }
    assert not Document.objects.filter(project=project).exists()


def test_brat_zip_bomb_is_refused_on_the_bytes_it_inflates_to(project, settings):
    settings.IMPORT_MAX_BYTES = 100_000
    data = zip_of({"a.txt": b"Gao. " * 10, "bomb.txt": b"\0" * 5_000_000})
    assert len(data) < 10_000  # the archive itself is small
    with pytest.raises(ImportRefused) as refused:
        import_bytes(project, "brat.zip", data)
    assert refused.value.errors == {
        "file": [brat.ERR_TOO_LARGE.format(name="brat.zip", limit=100_000)]
    }
    assert not Document.objects.filter(project=project).exists()


def test_brat_zip_whose_headers_lie_about_sizes_is_refused_while_reading(project):
    data = zip_of({"a.txt": b"Gao. " * 10, "bomb.txt": b"x" * 200_000})
    # Rewrite the sizes the headers claim for bomb.txt (local header and central directory).
    real = (200_000).to_bytes(4, "little")
    lying = zip_with_claimed_size(data, real, (10).to_bytes(4, "little"))
    limits = brat.Limits(max_bytes=1_000, max_members=10)
    with pytest.raises(ImportRefused) as refused:
        brat.read_archive("lying.zip", io.BytesIO(lying), limits)
    # zipfile reads no more than the header claims, and the checksum then gives the lie away;
    # the archive is refused before anything is stored, with the reason.
    reason = "Bad CRC-32 for file 'bomb.txt'"
    assert refused.value.errors == {
        "file": [brat.ERR_NOT_ZIP.format(name="lying.zip", reason=reason)]
    }


def zip_with_claimed_size(data: bytes, real: bytes, claimed: bytes) -> bytes:
    assert real in data
    return data.replace(real, claimed)


def test_brat_zip_with_too_many_members_is_refused(project, settings):
    settings.IMPORT_MAX_ZIP_MEMBERS = 5
    data = zip_of({f"d{n}.txt": f"Text {n}.".encode() for n in range(6)})
    with pytest.raises(ImportRefused) as refused:
        import_bytes(project, "brat.zip", data)
    assert refused.value.errors == {
        "file": [brat.ERR_TOO_MANY.format(name="brat.zip", count=6, limit=5)]
    }
    assert not Document.objects.filter(project=project).exists()


def test_brat_zip_with_a_member_in_a_method_zipfile_cannot_read_is_refused_by_name(project):
    data = bytearray(zip_of({"a.txt": b"Gao.", "odd.txt": b"Kidal."}, zipfile.ZIP_STORED))
    # Say odd.txt is compressed with Deflate64 (method 9), in its local header and in the
    # central directory, as a Windows archiver may write it.
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        local = archive.getinfo("odd.txt").header_offset
    central = bytes(data).index(b"PK\x01\x02", bytes(data).index(b"PK\x01\x02") + 1)
    data[local + 8 : local + 10] = (9).to_bytes(2, "little")
    data[central + 10 : central + 12] = (9).to_bytes(2, "little")

    with pytest.raises(ImportRefused) as refused:
        import_bytes(project, "brat.zip", bytes(data))

    assert refused.value.errors == {
        "file": [brat.ERR_COMPRESSION.format(name="brat.zip", member="odd.txt", method=9)]
    }
    assert not Document.objects.filter(project=project).exists()


def test_a_file_that_is_not_a_zip_is_refused_with_the_reason(project):
    with pytest.raises(ImportRefused) as refused:
        import_bytes(project, "brat.zip", b"PK\x03\x04 not really")
    assert refused.value.errors["file"][0].startswith("brat.zip: not a zip archive")


def test_brat_zip_made_on_a_mac_skips_its_resource_forks_and_says_so(project):
    fork = "__MACOSX/news/._kidal.txt"
    report = import_bytes(project, "brat.zip", brat_zip(**{fork: b"\x00\x05\x16\x07Mac OS X"}))
    assert set(by_external_id(project)) == {"news/gao", "news/kidal", "news/mopti"}
    assert brat.WARN_OTHER_MEMBER.format(member=fork) in messages_of(report, "news/gao.txt")


def test_brat_zip_without_any_txt_is_an_error_not_silence(project):
    report = import_bytes(project, "conf.zip", zip_of({"annotation.conf": b"[entities]\nPER\n"}))
    assert report["errors"] == [
        {"line": "conf.zip", "message": brat.ERR_NO_TXT_MEMBER.format(name="conf.zip", count=1)}
    ]


def test_annotation_keys_nothing_reads_are_reported_by_line_and_kept_out_of_meta(project):
    line = {
        "text": "Keita returned to Bamako.",
        "cats": {"POLITICS": 1.0},
        "tokens": ["Keita", "returned", "to", "Bamako", "."],
        "ner_tags": [1, 0, 0, 5, 0],
        "source": "wire",
    }
    report = import_bytes(project, "mixed.jsonl", json.dumps(line).encode() + b"\n")
    assert sorted(messages_of(report, 1)) == sorted(
        [
            messages.WARN_DOCUMENT_LABEL.format(label="POLITICS", group=""),
            messages.WARN_NOT_IMPORTED.format(
                key="tokens", count=5, items="items", why=messages.WHY_TOKENS
            ),
            messages.WARN_NOT_IMPORTED.format(
                key="ner_tags", count=5, items="items", why=messages.WHY_TOKENS
            ),
        ]
    )
    assert Document.objects.get(project=project).meta == {"source": "wire"}


def test_brat_links_that_are_not_ours_or_name_no_span_are_counted_as_left_not_guessed(project):
    LabelFactory(project=project, name="CLAIM", kind="claim")
    ann = (
        "T1\tPER 0 5\tKeita\n"
        "T2\tCLAIM 11 27\tthe army will go\n"
        "A1\tCheckworthy T2 maybe\n"  # not a check-worthiness value
        "R1\tClaimant Arg1:T2 Arg2:T9\n"  # T9 is not in the file
        "#1\tAnnotatorNotes T2\tstance FAVOR target=the war holder=T7 evidence=none\n"
    )
    data = zip_of({"k.txt": b"Keita said the army will go.", "k.ann": ann.encode()})

    report = import_bytes(project, "k.zip", data)

    claim = Span.objects.get(label__name="CLAIM")
    assert (claim.checkworthy, claim.claimant_id, claim.claimant_text) == ("", None, "")
    assert messages_of(report, "k.txt") == [
        brat.WARN_LEFT.format(
            ann="k.ann", counts="1 attribute(s) (A/M), 1 relation(s) (R), 1 note(s) (#)"
        )
    ]


def test_label_studio_results_that_are_not_ours_are_reported_by_type(project):
    task = {
        "data": {"text": "Keita met Macron."},
        "annotations": [
            {
                "result": [
                    {
                        "id": "a",
                        "from_name": "ner",
                        "to_name": "text",
                        "type": "labels",
                        "value": {"start": 0, "end": 5, "text": "Keita", "labels": ["PER"]},
                    },
                    {
                        "id": "b",
                        "from_name": "ner",
                        "to_name": "text",
                        "type": "labels",
                        "value": {"start": 10, "end": 16, "text": "Macron", "labels": ["PER"]},
                    },
                    {
                        "id": "r",
                        "from_id": "a",
                        "to_id": "b",
                        "type": "relation",
                        "labels": ["met"],
                    },
                    {
                        "id": "a",
                        "from_name": "checkworthy",
                        "to_name": "text",
                        "type": "choices",
                        "value": {"start": 0, "end": 5, "choices": ["very"]},
                    },
                ]
            }
        ],
    }

    report = import_bytes(project, "task.json", json.dumps(task).encode())

    assert spans_of(Document.objects.get(project=project)) == [("PER", "Keita"), ("PER", "Macron")]
    assert messages_of(report, 1) == [
        labelstudio.WARN_RESULTS.format(source="annotations.0", counts="1 'choices'"),
        messages.WARN_RELATION_LABEL.format(key="annotations.0.result", index=0, label="met"),
    ]


def test_doccano_relations_in_utf16_offsets_join_the_spans_they_name(project):
    """doccano counts UTF-16 code units: the relation's ends are read in the same unit as
    the spans, so a relation after an emoji still finds them."""
    LabelFactory(project=project, name="drives", kind="relation")
    LabelFactory(project=project, name="route", kind="relation")

    report = import_fixture(project, "doccano_relations_utf16.jsonl")

    assert not [m for m in messages_of(report, 1) if "relation" in m]
    documents = by_external_id(project)
    relations = Relation.objects.filter(annotation__document=documents["1"])
    assert [(r.label.name, r.source.text, r.target.text) for r in relations] == [
        ("drives", "firemen", "firetrucks")
    ]
    route = Relation.objects.filter(annotation__document=documents["3"]).order_by("pk")
    assert [(r.source.text, r.target.text) for r in route] == [
        ("Niamey", "Tillabéri"),
        ("Tillabéri", "Niamey"),
    ]
