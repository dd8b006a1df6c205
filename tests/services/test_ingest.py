"""Importing documents: every file of the sample corpus (tests/corpus.py) imports as expected."""

import io
import json
import re
import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from annotations import repair
from annotations.models import Annotation, Document, Span, Stance
from annotations.services import ingest
from annotations.services.ingest import ImportOptions, documents_import_file, records
from tests.factories import LabelFactory, ProjectFactory, StanceTargetFactory


def import_path(project, path, **options):
    with path.open("rb") as stream:
        return documents_import_file(
            project=project, name=path.name, stream=stream, options=ImportOptions(**options)
        )


def import_bytes(project, name, data: bytes, **options):
    return documents_import_file(
        project=project, name=name, stream=io.BytesIO(data), options=ImportOptions(**options)
    )


@pytest.fixture
def project(db):
    project = ProjectFactory()
    for name in ("PER", "ORG", "LOC"):
        LabelFactory(project=project, name=name, kind="entity")
    LabelFactory(project=project, name="CLAIM", kind="claim")
    return project


def only_document(project) -> Document:
    return Document.objects.get(project=project)


# --- edge/ ---------------------------------------------------------------------------------


def test_unicode_mix_is_stored_exactly_as_it_came(project, corpus):
    path = corpus.edge("unicode_mix.txt")
    report = import_path(project, path)
    document = only_document(project)
    assert document.text == path.read_text(encoding="utf-8")
    assert "e\u0301" in document.text  # the combining accent is not composed
    assert report["repaired"] == []
    assert report["created"] == [
        {"id": document.pk, "external_id": "unicode_mix", "line": "unicode_mix.txt"}
    ]


def test_unicode_mix_is_composed_only_when_nfc_is_asked_for(project, corpus):
    report = import_path(project, corpus.edge("unicode_mix.txt"), normalize="nfc")
    document = only_document(project)
    assert "e\u0301" not in document.text
    assert report["repaired"][0]["repairs"] == ["nfc"]


def test_bom_is_dropped_and_crlf_becomes_lf(project, corpus):
    report = import_path(project, corpus.edge("bom_crlf.txt"))
    document = only_document(project)
    assert document.text == corpus.expected.bom_crlf_text
    assert report["repaired"] == [
        {"line": "bom_crlf.txt", "external_id": "bom_crlf", "repairs": ["bom", "line_breaks"]}
    ]


def test_windows_1252_is_decoded_keeping_typography(project, corpus):
    report = import_path(project, corpus.edge("cp1252.txt"))
    text = only_document(project).text
    assert text == corpus.expected.cp1252_text
    assert {"\u2019", "\u201c", "\u201d", "\u2014"} <= set(text)  # curly quotes, em dash
    assert "\ufffd" not in text
    assert report["repaired"][0]["repairs"] == ["encoding"]
    assert report["repaired"][0]["encoding"] == "windows-1252"


def test_mojibake_is_repaired_keeping_the_curly_apostrophe(project, corpus):
    report = import_path(project, corpus.edge("mojibake.txt"))
    text = only_document(project).text
    assert text.startswith(corpus.expected.mojibake_start)
    assert "\u2019" in corpus.expected.mojibake_start
    assert "\u00e2" not in text and "\u00c2" not in text
    assert report["repaired"][0]["repairs"] == ["mojibake"]


def test_markup_is_stored_verbatim_entities_not_unescaped(project, corpus):
    path = corpus.edge("markup.txt")
    import_path(project, path)
    text = only_document(project).text
    assert text == path.read_text(encoding="utf-8")
    assert "&amp;" in text and "<script>" in text


def test_doccano_lines_import_with_valid_spans_duplicates_and_errors(project, corpus):
    expected = corpus.expected
    report = import_path(project, corpus.edge("doccano.jsonl"))
    by_external = {d.external_id: d for d in Document.objects.filter(project=project)}
    assert sorted(by_external) == sorted(external for _, external in expected.doccano_created)
    assert [(c["line"], c["external_id"]) for c in report["created"]] == expected.doccano_created

    spans = {
        ext: sorted(
            (s.start, s.end, s.label.name, s.text)
            for s in Span.objects.filter(annotation__document=doc)
        )
        for ext, doc in by_external.items()
    }
    assert spans == expected.doccano_spans
    assert set(
        Annotation.objects.filter(document__project=project).values_list("kind", flat=True)
    ) == {"prediction"}

    assert report["duplicates"] == [
        {"line": line, "external_id": external, "duplicate_of": by_external[original].pk}
        for line, external, original in expected.doccano_duplicates
    ]
    warnings = report["warnings"]
    assert [w["line"] for w in warnings] == [line for line, _ in expected.doccano_warnings]
    for warning, (_, fragments) in zip(warnings, expected.doccano_warnings, strict=True):
        for fragment in fragments:
            assert fragment in warning["message"]
    assert report["errors"] == [
        {"line": line, "message": message} for line, message in expected.doccano_errors
    ]


def test_csv_keeps_quoted_newlines_and_formula_text_verbatim(project, corpus):
    expected = corpus.expected
    report = import_path(project, corpus.edge("docs.csv"))
    docs = {d.external_id: d for d in Document.objects.filter(project=project)}
    multiline, text, meta = expected.csv_multiline
    assert "\n" in text
    assert docs[multiline].text == text
    assert docs[multiline].meta == meta
    formula, start = expected.csv_formula
    assert start.startswith("=")
    assert docs[formula].text.startswith(start)
    # Each record names the physical line where it starts; a quoted newline spans two lines.
    assert [(c["external_id"], c["line"]) for c in report["created"]] == expected.csv_created


# --- news/ ---------------------------------------------------------------------------------


def repeated_passage(corpus) -> tuple[str, tuple[int, int], tuple[int, int]]:
    """The article with a repeated passage, and the passage's two ranges (checked to repeat)."""
    expected = corpus.expected
    text = corpus.news(expected.repeated).read_text(encoding="utf-8")
    (start, end), (again_start, again_end) = expected.repeat_first, expected.repeat_again
    assert text[start:end] == text[again_start:again_end]
    assert again_end - again_start >= 200
    assert text[again_start - 1] == "\n"
    return text, (start, end), (again_start, again_end)


def test_repeated_passage_is_reported_with_its_range(project, corpus):
    original, (start, end), (again_start, again_end) = repeated_passage(corpus)
    report = import_path(project, corpus.news(corpus.expected.repeated))
    document = only_document(project)
    assert document.text == original
    [warning] = report["warnings"]
    assert "Repeated passage" in warning["message"]
    assert f"[{again_start}, {again_end})" in warning["message"]
    assert f"[{start}, {end})" in warning["message"]


def test_repeated_passage_is_collapsed_to_one_copy_when_asked(project, corpus):
    original, _, (again_start, again_end) = repeated_passage(corpus)
    report = import_path(project, corpus.news(corpus.expected.repeated), collapse_repeats=True)
    text = only_document(project).text
    # The later copy goes, with the line break that started it.
    assert text == original[: again_start - 1] + original[again_end:]
    assert (len(original.split("\n")), len(text.split("\n"))) == corpus.expected.repeat_lines
    assert report["repaired"][0]["repairs"] == ["collapsed_repeat"]
    assert "removed" in report["warnings"][0]["message"]


def test_trailing_mojibake_no_break_space_is_repaired(project, corpus):
    report = import_path(project, corpus.news(corpus.expected.trailing_nbsp))
    text = only_document(project).text
    assert text.endswith(corpus.expected.trailing_nbsp_end)
    assert corpus.expected.trailing_nbsp_end.endswith("\u00a0")
    assert "\u00c2" not in text
    assert report["repaired"][0]["repairs"] == ["mojibake"]


def test_every_news_article_imports_as_one_document_with_the_repairs_expected(project, corpus):
    expected = corpus.expected
    for name, repairs in expected.news.items():
        path = corpus.news(name)
        report = import_path(project, path)
        assert (report["errors"], report["duplicates"]) == ([], [])
        [created] = report["created"]
        assert (created["line"], created["external_id"]) == (name, path.stem)
        if repairs:
            assert report["repaired"] == [
                {"line": name, "external_id": path.stem, "repairs": repairs}
            ]
        else:
            assert report["repaired"] == []
            assert Document.objects.get(pk=created["id"]).text == path.read_text(encoding="utf-8")
        assert len(report["warnings"]) == (1 if name == expected.repeated else 0)


# --- duplicates, errors, atomicity ---------------------------------------------------------


def test_reimporting_the_same_file_creates_nothing_and_names_the_originals(project, corpus):
    first = import_path(project, corpus.edge("docs.csv"))
    second = import_path(project, corpus.edge("docs.csv"))
    assert second["created"] == []
    assert [d["duplicate_of"] for d in second["duplicates"]] == [c["id"] for c in first["created"]]
    assert Document.objects.filter(project=project).count() == len(corpus.expected.csv_created)


def test_duplicates_are_found_after_repair(project):
    # The same text, once with CRLF and once with LF, is one document.
    report = import_bytes(
        project,
        "docs.jsonl",
        b'{"text": "Gao\\r\\nKidal"}\n{"text": "Gao\\nKidal"}\n',
    )
    assert len(report["created"]) == 1
    assert report["duplicates"][0]["line"] == 2


def test_every_bad_line_is_reported_and_the_rest_imports(project):
    lines = [
        b'{"text": "Fine one."}',
        b"{not json",
        b"[1, 2]",
        b'{"title": "no text"}',
        b'{"text": 42}',
        b'{"text": "   \\n  "}',
        b'{"text": "Bad meta", "meta": [1]}',
        b"",
        b'{"text": "Fine two.", "external_id": 7}',
    ]
    report = import_bytes(project, "mixed.jsonl", b"\n".join(lines) + b"\n")
    assert [(c["line"], c["external_id"]) for c in report["created"]] == [(1, ""), (9, "7")]
    errors = {e["line"]: e["message"] for e in report["errors"]}
    assert sorted(errors) == [2, 3, 4, 5, 6, 7]
    assert errors[2].startswith("Invalid JSON")
    assert errors[3] == records.ERR_NOT_OBJECT.format(kind="a list")
    assert errors[4] == records.ERR_NO_TEXT
    assert errors[5] == records.ERR_TEXT_NOT_STRING.format(kind="int")
    assert errors[6] == records.ERR_BLANK_TEXT
    assert errors[7] == records.ERR_META_NOT_OBJECT.format(kind="a list")
    assert Document.objects.filter(project=project).count() == 2


def test_json_file_lines_are_item_indexes(project):
    data = json.dumps([{"text": "One."}, {"text": ""}, {"text": "Three."}]).encode()
    report = import_bytes(project, "docs.json", data)
    assert [c["line"] for c in report["created"]] == [1, 3]
    assert report["errors"] == [{"line": 2, "message": records.ERR_EMPTY_TEXT}]


def test_csv_without_text_column_is_one_error_on_the_header(project):
    report = import_bytes(project, "docs.csv", b"id,body\n1,hello\n")
    assert report["created"] == []
    assert report["errors"] == [
        {"line": 1, "message": records.ERR_CSV_NO_TEXT_COLUMN.format(columns="id, body")}
    ]


def test_csv_row_of_wrong_width_names_its_line(project):
    report = import_bytes(project, "docs.csv", b"text,source\nfine,wire\nbroken\n")
    assert len(report["created"]) == 1
    assert report["errors"] == [
        {"line": 3, "message": records.ERR_CSV_ROW_WIDTH.format(got=1, expected=2)}
    ]


def test_unknown_extension_is_refused(project):
    with pytest.raises(ingest.UnsupportedFileType, match=r"\.pdf"):
        import_bytes(project, "paper.pdf", b"%PDF")


def test_a_windows_1252_line_in_a_utf8_jsonl_is_decoded_and_reported(project):
    data = '{"text": "caf\u00e9 ok"}\n'.encode() + '{"text": "Mali\u2019s"}\n'.encode("cp1252")
    report = import_bytes(project, "docs.jsonl", data)
    assert len(report["created"]) == 2
    assert report["repaired"] == [
        {"line": 2, "external_id": "", "repairs": ["encoding"], "encoding": "windows-1252"}
    ]
    assert Document.objects.filter(text="Mali\u2019s").exists()


def test_nul_and_lone_surrogates_never_reach_the_database(project):
    report = import_bytes(project, "docs.jsonl", b'{"text": "a\\u0000b"}\n{"text": "x\\ud800y"}\n')
    stored = sorted(Document.objects.filter(project=project).values_list("text", flat=True))
    assert "\x00" not in "".join(stored)
    assert len(report["created"]) + len(report["errors"]) == 2


def test_utf16_file_with_bom_is_decoded(project):
    data = "Keïta in Bamako.\n".encode("utf-16")
    report = import_bytes(project, "note.txt", data)
    assert only_document(project).text == "Keïta in Bamako.\n"
    assert report["repaired"][0]["encoding"] == "utf-16"


# --- pre-annotations through repairs -------------------------------------------------------


def span_rows(project):
    return sorted(
        (s.start, s.end, s.label.name, s.text)
        for s in Span.objects.filter(annotation__document__project=project)
    )


def test_spans_are_carried_through_bom_crlf_and_mojibake(project):
    text = "\ufeffAt Gao\r\nFrance\u00e2\u20ac\u2122s army met Keita."
    keita = text.index("Keita")
    france = text.index("France")
    record = {
        "text": text,
        "entities": [
            {"start": france, "end": france + 6, "label": "LOC"},
            {"start": keita, "end": keita + 5, "label": "PER", "text": "Keita"},
        ],
    }
    report = import_bytes(project, "docs.jsonl", json.dumps(record).encode() + b"\n")
    stored = only_document(project).text
    assert stored == "At Gao\nFrance\u2019s army met Keita."
    assert report["repaired"][0]["repairs"] == ["bom", "line_breaks", "mojibake"]
    assert span_rows(project) == [
        (7, 13, "LOC", "France"),
        (stored.index("Keita"), stored.index("Keita") + 5, "PER", "Keita"),
    ]
    assert report["warnings"] == []


def test_spans_are_carried_through_nfc_and_a_split_character_is_reported(project):
    text = "Cafe\u0301 Keita"
    record = {
        "text": text,
        "label": [[0, 5, "LOC"], [6, 11, "PER"], [0, 4, "ORG"]],
    }
    report = import_bytes(
        project, "docs.jsonl", json.dumps(record).encode() + b"\n", normalize="nfc"
    )
    assert only_document(project).text == "Caf\u00e9 Keita"
    # [0, 4) ends between "e" and its combining accent: no exact image, so it is dropped.
    assert span_rows(project) == [(0, 4, "LOC", "Caf\u00e9"), (5, 10, "PER", "Keita")]
    [warning] = report["warnings"]
    assert "#2 [0, 4)" in warning["message"] and "cannot be carried" in warning["message"]


def test_a_span_inside_a_collapsed_repeat_is_reported_not_guessed(project, corpus):
    text, (start, end), (again_start, again_end) = repeated_passage(corpus)
    word = corpus.expected.repeated_word
    first = text.index(word)
    second = text.index(word, first + 1)
    assert start <= first < end and again_start <= second < again_end
    record = {
        "text": text,
        "label": [[first, first + len(word), "LOC"], [second, second + len(word), "LOC"]],
    }
    report = import_bytes(
        project, "docs.jsonl", json.dumps(record).encode() + b"\n", collapse_repeats=True
    )
    assert span_rows(project) == [(first, first + len(word), "LOC", word)]
    assert any("label #1" in w["message"] for w in report["warnings"])


def test_unknown_label_and_mismatched_text_and_overlap_are_warnings(project):
    record = {
        "text": "Keita met Macron in Bamako.",
        "entities": [
            {"start": 0, "end": 5, "label": "PER"},
            {"start": 0, "end": 9, "label": "PER"},
            {"start": 10, "end": 16, "label": "POLITICIAN"},
            {"start": 20, "end": 26, "label": "LOC", "text": "Paris!"},
        ],
    }
    report = import_bytes(project, "docs.jsonl", json.dumps(record).encode() + b"\n")
    assert span_rows(project) == [(0, 5, "PER", "Keita")]
    messages = [w["message"] for w in report["warnings"]]
    assert len(messages) == 3
    assert "overlaps" in messages[0]
    assert "unknown" in messages[1] and "POLITICIAN" in messages[1]
    assert "does not match" in messages[2]


@pytest.mark.parametrize("allow_overlap", [False, True])
def test_a_pre_annotation_repeating_another_is_a_warning_whatever_the_overlap_rule(
    project, allow_overlap
):
    project.allow_overlap = allow_overlap
    project.save()
    record = {
        "text": "Keita met Macron in Bamako.",
        "entities": [
            {"start": 0, "end": 5, "label": "PER"},
            {"start": 0, "end": 5, "label": "PER"},
        ],
    }

    report = import_bytes(project, "docs.jsonl", json.dumps(record).encode() + b"\n")

    assert span_rows(project) == [(0, 5, "PER", "Keita")]
    assert [w["message"] for w in report["warnings"]] == [
        "entities #1 [0, 5) 'PER' repeats entities #0 (same label, same offsets); dropped."
    ]


def test_claims_keep_their_checkworthiness(project):
    record = {
        "text": "Officials said 1,500 troops are involved.",
        "claims": [{"start": 15, "end": 40, "label": "CLAIM", "checkworthy": "yes"}],
    }
    import_bytes(project, "docs.jsonl", json.dumps(record).encode() + b"\n")
    span = Span.objects.get(annotation__document__project=project)
    assert (span.text, span.checkworthy, span.label.kind) == (
        "1,500 troops are involved",
        "yes",
        "claim",
    )


def test_claims_link_their_claimant_entity_by_offsets_or_keep_a_free_text_one(project):
    record = {
        "text": "Le Drian said troops would stay. AFP said it too.",
        "entities": [{"start": 0, "end": 8, "label": "PER"}],
        "claims": [
            {
                "start": 14,
                "end": 31,
                "label": "CLAIM",
                "claimant": {"start": 0, "end": 8, "text": "Le Drian"},
            },
            {"start": 33, "end": 48, "label": "CLAIM", "claimant": {"text": "AFP"}},
        ],
    }
    report = import_bytes(project, "docs.jsonl", json.dumps(record).encode() + b"\n")
    assert report["warnings"] == []
    claims = Span.objects.filter(label__kind="claim").order_by("start")
    assert [(c.claimant.text if c.claimant else None, c.claimant_text) for c in claims] == [
        ("Le Drian", ""),
        (None, "AFP"),
    ]


def test_a_claimant_that_is_not_an_entity_of_the_line_is_a_warning(project):
    record = {
        "text": "Le Drian said troops would stay.",
        "claims": [
            {"start": 14, "end": 31, "label": "CLAIM", "claimant": {"start": 0, "end": 2}},
        ],
    }
    report = import_bytes(project, "docs.jsonl", json.dumps(record).encode() + b"\n")
    assert report["warnings"] == [
        {
            "line": 1,
            "message": records.WARN_CLAIMANT.format(index=0, claimant={"start": 0, "end": 2}),
        }
    ]
    assert Span.objects.get().claimant is None


def test_stances_are_imported_with_their_holder_and_evidence(project):
    LabelFactory(project=project, name="FAVOR", kind="stance")
    StanceTargetFactory(project=project, name="the intervention")
    holder = {"start": 0, "end": 8, "text": "Le Drian"}
    record = {
        "text": "Le Drian said troops would stay.",
        "entities": [{"start": 0, "end": 8, "label": "PER"}],
        "claims": [{"start": 14, "end": 31, "label": "CLAIM"}],
        "stances": [
            {
                "target": "the intervention",
                "label": "FAVOR",
                "holder": holder,
                "evidence": {"start": 14, "end": 31, "label": "CLAIM"},
            },
            {"target": "the intervention", "label": "FAVOR", "holder": holder},
            {"target": "the elections", "label": "FAVOR"},
            {"target": "the intervention", "label": "AGAINST"},
            {"target": "the intervention", "label": "FAVOR", "holder": {"start": 1, "end": 8}},
            ["the intervention", "FAVOR"],
        ],
        "annotators": ["alice"],
        "reviewed_by": "bob",
    }
    report = import_bytes(project, "docs.jsonl", json.dumps(record).encode() + b"\n")
    stance = Stance.objects.get()
    assert (stance.target.name, stance.label.name) == ("the intervention", "FAVOR")
    assert (stance.holder.text, stance.evidence.text) == ("Le Drian", "troops would stay")
    assert [w["message"] for w in report["warnings"]] == [
        records.WARN_STANCE_TWICE.format(index=1, target="the intervention"),
        records.WARN_STANCE_NAME.format(index=2, what="target", name="the elections"),
        records.WARN_STANCE_NAME.format(index=3, what="value", name="AGAINST"),
        records.WARN_STANCE_SPAN.format(index=4, role="holder", span={"start": 1, "end": 8}),
        records.WARN_STANCE_SHAPE.format(index=5),
    ]
    # What our export says about who did the work is not the document's metadata.
    assert only_document(project).meta == {}


# --- queries, concurrency ------------------------------------------------------------------


def test_import_runs_a_bounded_number_of_queries(project, django_assert_max_num_queries, settings):
    # Transactions as large as PostgreSQL's: on SQLite their size otherwise follows the time
    # each took (tests/services/test_ingest_pacing.py), and this counts queries per batch.
    settings.IMPORT_SQLITE_TRANSACTION_MS = 60_000

    def lines(n):
        return b"".join(
            json.dumps({"text": f"Doc {i} in Gao.", "label": [[0, 3, "PER"]]}).encode() + b"\n"
            for i in range(n)
        )

    # Labels, existing hashes, then (in a savepoint) one insert per table; PostgreSQL
    # takes the document ids from the sequence first, then the annotation and span ids (in
    # one query), then COPYs.
    with django_assert_max_num_queries(9):
        import_bytes(project, "a.jsonl", lines(5))
    Document.objects.all().delete()
    # A full batch: SQLite splits inserts by its parameter limit, still not one per row (and
    # SQLite's pacer stores a first, small batch before it knows what a document costs).
    # On SQLite the annotation rows (their columns grew with migration 0021's model version)
    # take six inserts and the documents four: 26 in all.
    with django_assert_max_num_queries(26):
        import_bytes(project, "b.jsonl", lines(ingest.BATCH_SIZE))


@pytest.mark.django_db(transaction=True)
def test_concurrent_imports_of_the_same_texts_store_each_text_once():
    project = ProjectFactory()
    data = b"".join(
        json.dumps({"text": f"Shared text number {i}."}).encode() + b"\n" for i in range(60)
    )
    reports, failures = [], []

    def run():
        try:
            reports.append(import_bytes(project, "same.jsonl", data))
        except Exception as error:  # the assertion below shows what went wrong
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert Document.objects.filter(project=project).count() == 60
    assert sum(len(r["created"]) for r in reports) == 60
    assert sum(len(r["duplicates"]) for r in reports) == 180


@pytest.mark.django_db(transaction=True)
def test_preparing_in_worker_processes_gives_the_same_report_and_documents(corpus):
    lines = corpus.edge("doccano.jsonl").read_bytes() + b"".join(
        json.dumps({"text": f"Paragraph {i}\r\nwith Fran\u00e2\u20ac\u2122s"}).encode() + b"\n"
        for i in range(450)
    )
    reports = []
    for workers in (1, 3):
        project = ProjectFactory()
        for name in ("PER", "ORG", "LOC"):
            LabelFactory(project=project, name=name, kind="entity")
        report = documents_import_file(
            project=project, name="many.jsonl", stream=io.BytesIO(lines), workers=workers
        )
        texts = list(
            Document.objects.filter(project=project).order_by("id").values_list("text", flat=True)
        )
        reports.append((report, texts, span_rows(project)))
    (one, one_texts, one_spans), (many, many_texts, many_spans) = reports
    assert len(one["created"]) == len(corpus.expected.doccano_created) + 450
    assert one_texts == many_texts and one_spans == many_spans
    for key in ("duplicates", "repaired", "warnings", "errors"):
        assert [(e["line"], e.get("message"), e.get("repairs")) for e in one[key]] == [
            (e["line"], e.get("message"), e.get("repairs")) for e in many[key]
        ]
    assert [c["line"] for c in one["created"]] == [c["line"] for c in many["created"]]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("workers", [1, 2])
def test_every_field_is_stored_exactly_whoever_prepares_it(workers):
    # On PostgreSQL the rows go through binary COPY, built in the worker processes.
    project = ProjectFactory()
    meta = {"source": "a\tb\\c\nd", "n": [1, 2.5, None, True], "\u00e9": {"x": "\u201cq\u201d"}}
    record = {"text": "Kidal\\ \t tab\nline \U0001f1f2\U0001f1f1", "external_id": "e\\1\t\u00e9"}
    data = json.dumps({**record, "meta": meta}).encode() + b"\n"
    data += json.dumps({"text": "Gao\r\nMopti", "meta": {}}).encode() + b"\n"
    before = timezone.now()
    report = documents_import_file(
        project=project, name="f.jsonl", stream=io.BytesIO(data), workers=workers
    )
    first, second = Document.objects.filter(project=project).order_by("id")
    assert [c["id"] for c in report["created"]] == [first.pk, second.pk]
    assert (first.text, first.external_id, first.meta) == (
        record["text"],
        record["external_id"],
        meta,
    )
    assert first.ingestion_report == {"line": 1, "source": "f.jsonl", "repairs": []}
    assert second.text == "Gao\nMopti"
    assert second.ingestion_report == {"line": 2, "source": "f.jsonl", "repairs": ["line_breaks"]}
    assert first.content_hash == repair.content_hash(first.text)
    assert before <= first.created_at <= timezone.now()


@pytest.mark.postgresql  # PostgreSQL's planner
def test_stored_texts_are_looked_up_through_the_unique_index_whatever_the_statistics(project):
    def lines(start, stop):
        return b"".join(
            json.dumps({"text": f"Document {i} about Gao.", "external_id": f"e{i}"}).encode()
            + b"\n"
            for i in range(start, stop)
        )

    # Statistics taken when the project was small, then a large import: the planner scanned
    # every document of the project for each batch's look-up (slower as the project grew).
    import_bytes(project, "small.jsonl", lines(0, 20))
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Document._meta.db_table}")
    import_bytes(project, "large.jsonl", lines(20, 2000))
    with CaptureQueriesContext(connection) as queries:
        report = import_bytes(project, "again.jsonl", lines(0, 500))
    assert len(report["duplicates"]) == 500
    (look_up,) = [q["sql"] for q in queries if "content_hash" in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {look_up}")
        plan = "\n".join(row for (row,) in cursor.fetchall())
    assert "Seq Scan on annotations_document" not in plan
    # One probe of the unique index per hash, as a plain or a bitmap index scan.
    assert re.search(r"Index Scan (using|on) annotations_document_hash_unique", plan), plan


def test_a_nul_character_outside_the_text_is_an_error_of_its_line_and_the_rest_imports(project):
    """PostgreSQL cannot store U+0000 in external_id or meta: the line says so, nothing crashes."""
    lines = [
        {"text": "Keita met Macron.", "external_id": "a\u0000b"},
        {"text": "Gao is quiet.", "meta": {"source": {"names": ["AFP", "Reu\u0000ters"]}}},
        {"text": "Kidal is far.", "meta": {"bad\u0000key": 1}},
        {"text": "Bamako\u0000 votes.", "external_id": "kept"},
    ]
    data = b"".join(json.dumps(line).encode() + b"\n" for line in lines)
    report = import_bytes(project, "nul.jsonl", data)
    assert report["errors"] == [
        {
            "line": 1,
            "message": '"external_id" holds a NUL character (\\u0000), which cannot be stored.',
        },
        {
            "line": 2,
            "message": '"meta.source.names.1" holds a NUL character (\\u0000), which cannot be '
            "stored.",
        },
        {"line": 3, "message": '"meta" holds a NUL character (\\u0000), which cannot be stored.'},
    ]
    # In the text itself the NUL is a control character that the repair removes.
    (stored,) = Document.objects.filter(project=project)
    assert (stored.external_id, stored.text) == ("kept", "Bamako votes.")

    csv_data = b"text,source\nKeita met Macron.,AF\x00P\nGao is quiet.,AFP\n"
    report = import_bytes(project, "nul.csv", csv_data)
    assert [error["line"] for error in report["errors"]] == [2]
    assert len(report["created"]) == 1
