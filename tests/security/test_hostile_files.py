"""Hostile files get a 4xx naming the line at fault, never a 500, and store nothing bad.

A UTF-16/32 byte-order mark followed by bytes that are not that encoding used to escape the
import as a UnicodeDecodeError (a 500); a ``meta`` nested past 254 levels was refused by
PostgreSQL (a 500) and stored by SQLite, after which every jsonl/doccano export of the
project stopped part way with status 200.
"""

import io
import json

import pytest

from annotations.models import Document
from annotations.services.ingest.records import (
    ERR_BOM_MISMATCH,
    ERR_META_TOO_DEEP,
    ERR_META_TOO_LARGE,
    MAX_META_BYTES,
    MAX_META_DEPTH,
)
from tests.api.conftest import client_for
from tests.factories import MembershipFactory, ProjectFactory, UserFactory


@pytest.fixture
def project(db):
    project = ProjectFactory()
    project.manager = UserFactory()
    MembershipFactory(project=project, user=project.manager, role="manager")
    return project


def upload(project, name: str, data: bytes):
    stream = io.BytesIO(data)
    stream.name = name
    return client_for(project.manager).post(
        f"/api/projects/{project.pk}/documents/", {"file": stream}, format="multipart"
    )


def post_json(project, body: list):
    return client_for(project.manager).post(
        f"/api/projects/{project.pk}/documents/", body, format="json"
    )


def nested(depth: int) -> dict:
    """A meta object ``depth`` levels deep (the object itself is level 1)."""
    meta: dict = {"leaf": 1}
    for _ in range(depth - 1):
        meta = {"a": meta}
    return meta


# --- A byte-order mark that lies ------------------------------------------------------------

BAD_BOMS = {
    "utf16_odd_bytes": (b"\xff\xfe" + "Keïta".encode("utf-16-le") + b"!", "UTF-16"),
    "utf16_cut_after_bom": (b"\xfe\xff\x00", "UTF-16"),
    "utf16_lone_surrogate": (b"\xff\xfe" + "ab".encode("utf-16-le") + b"\x00\xd8", "UTF-16"),
    "utf32_cut_after_bom": (b"\xff\xfe\x00\x00\x41\x00", "UTF-32"),
    "utf32_big_endian_cut": (b"\x00\x00\xfe\xff\x00\x00\x00", "UTF-32"),
}


@pytest.mark.parametrize("extension", [".txt", ".jsonl", ".json", ".csv"])
@pytest.mark.parametrize(("data", "encoding"), BAD_BOMS.values(), ids=BAD_BOMS.keys())
def test_a_file_whose_byte_order_mark_lies_is_a_400_naming_it(project, extension, data, encoding):
    response = upload(project, "hostile" + extension, data)
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["line"] == ("hostile.txt" if extension == ".txt" else 1)
    prefix = ERR_BOM_MISMATCH.split("({reason})")[0].format(encoding=encoding)
    assert error["message"].startswith(prefix)
    assert not Document.objects.filter(project=project).exists()


def test_a_whole_utf16_file_still_imports(project):
    response = upload(project, "fine.txt", "Keïta in Bamako.\n".encode("utf-16"))
    assert response.status_code == 201
    assert Document.objects.get(project=project).text == "Keïta in Bamako.\n"


# --- meta: depth and size --------------------------------------------------------------------


def test_meta_nested_past_postgresql_is_an_error_of_its_line(project):
    lines = [
        json.dumps({"text": "Fine line from Gao.", "meta": nested(3)}),
        json.dumps({"text": "Hostile line from Gao.", "meta": nested(300)}),
    ]
    response = upload(project, "deep.jsonl", "\n".join(lines).encode())
    assert response.status_code == 201
    report = response.json()
    assert report["errors"] == [
        {"line": 2, "message": ERR_META_TOO_DEEP.format(limit=MAX_META_DEPTH)}
    ]
    assert [d.text for d in Document.objects.filter(project=project)] == ["Fine line from Gao."]


def test_meta_one_level_too_deep_is_refused_and_at_the_limit_accepted(project):
    too_deep = upload(
        project, "a.jsonl", json.dumps({"text": "A", "meta": nested(MAX_META_DEPTH + 1)}).encode()
    )
    assert too_deep.status_code == 400
    assert too_deep.json()["errors"][0]["message"] == ERR_META_TOO_DEEP.format(limit=MAX_META_DEPTH)
    at_limit = upload(
        project, "b.jsonl", json.dumps({"text": "B", "meta": nested(MAX_META_DEPTH)}).encode()
    )
    assert at_limit.status_code == 201
    assert Document.objects.get(project=project).meta == nested(MAX_META_DEPTH)


def test_other_keys_of_a_line_count_as_meta(project):
    line = {"text": "Hostile line.", "source": nested(MAX_META_DEPTH)}  # one level down
    response = upload(project, "keys.jsonl", json.dumps(line).encode())
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == ERR_META_TOO_DEEP.format(limit=MAX_META_DEPTH)


def test_deep_meta_in_a_json_body_is_a_400_naming_the_item(project):
    body = [{"text": "Fine."}, {"text": "Hostile.", "meta": nested(60)}]
    response = post_json(project, body)
    assert response.status_code == 201
    assert response.json()["errors"] == [
        {"line": 2, "message": ERR_META_TOO_DEEP.format(limit=MAX_META_DEPTH)}
    ]
    response = post_json(project, [{"text": "Only hostile.", "meta": nested(60)}])
    assert response.status_code == 400


def test_deep_meta_in_a_json_file_is_refused(project):
    data = json.dumps([{"text": "Hostile.", "meta": nested(500)}]).encode()
    response = upload(project, "deep.json", data)
    assert response.status_code == 400
    assert response.json()["errors"][0] == {
        "line": 1,
        "message": ERR_META_TOO_DEEP.format(limit=MAX_META_DEPTH),
    }


def test_meta_over_64_kb_is_refused_with_its_size(project):
    meta = {"notes": "x" * MAX_META_BYTES}
    size = len(json.dumps(meta, separators=(",", ":")))
    response = upload(project, "big.jsonl", json.dumps({"text": "Big.", "meta": meta}).encode())
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"line": 1, "message": ERR_META_TOO_LARGE.format(size=size, limit=MAX_META_BYTES)}
    ]
    response = post_json(project, [{"text": "Big.", "meta": meta}])
    assert response.status_code == 400


def test_a_csv_row_with_too_much_meta_is_an_error_of_its_line(project):
    data = b"text,notes\nFine row.,short\nBig row.," + b"y" * MAX_META_BYTES + b"\n"
    response = upload(project, "rows.csv", data)
    assert response.status_code == 201
    [error] = response.json()["errors"]
    assert error["line"] == 3
    assert error["message"].startswith('"meta" is ')
