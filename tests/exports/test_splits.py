"""Splits by document: deterministic, the same in every format, one file per split where asked."""

import csv
import io
import json
import zipfile
from collections import Counter

import pytest

from annotations.exports.splits import (
    SPLIT_INVALID,
    describe_split,
    parse_seed,
    parse_split,
    split_of,
)
from tests.api.conftest import client_for
from tests.exports.conftest import annotate, load_hf, make_project, span
from tests.factories import DocumentFactory, MembershipFactory, UserFactory

SPLIT = (80, 10, 10)


def test_split_of_is_deterministic_and_near_the_percentages():
    counts = Counter(split_of(pk, percentages=SPLIT, seed=7) for pk in range(1, 10001))
    assert [split_of(pk, percentages=SPLIT, seed=7) for pk in range(1, 50)] == [
        split_of(pk, percentages=SPLIT, seed=7) for pk in range(1, 50)
    ]
    assert 7800 < counts["train"] < 8200
    assert 900 < counts["validation"] < 1100
    assert 900 < counts["test"] < 1100


def test_a_different_seed_gives_a_different_split():
    first = [split_of(pk, percentages=SPLIT, seed=1) for pk in range(1, 200)]
    second = [split_of(pk, percentages=SPLIT, seed=2) for pk in range(1, 200)]
    assert first != second


def test_two_percentages_make_train_and_test():
    found = {split_of(pk, percentages=(50, 50), seed=0) for pk in range(1, 100)}
    assert found == {"train", "test"}
    assert describe_split((50, 50), 0) == "train 50%, test 50% (by document, seed 0)"


@pytest.mark.parametrize("value", ["80,20", "80,10,10", "100,0,0", " 70, 20 ,10"])
def test_parse_split_reads_percentages(value):
    assert sum(parse_split(value)) == 100


@pytest.mark.parametrize("value", ["80,10,5", "80", "a,b,c", "60,20,10,10", "-10,100,10", ""])
def test_parse_split_refuses_what_is_not_two_or_three_percentages_adding_to_100(value):
    with pytest.raises(ValueError, match="split takes two or three whole percentages") as caught:
        parse_split(value)
    assert str(caught.value) == SPLIT_INVALID.format(value=value)


@pytest.mark.parametrize("value", ["-1", "x", "1.5", str(2**64)])
def test_parse_seed_refuses_what_is_not_a_whole_number(value):
    with pytest.raises(ValueError, match="seed takes a whole number"):
        parse_seed(value)


def split_project(count: int = 12):
    """A project with ``count`` gold documents, each with one entity, and its manager's client."""
    project = make_project("Split")
    boss = UserFactory()
    MembershipFactory(project=project, user=boss, role="manager")
    for number in range(count):
        text = f"Report {number}: troops reached Gao."
        document = DocumentFactory(project=project, text=text, external_id=f"r{number}")
        annotate(document, spans=[span(text, "LOC", "Gao")], actor=boss)
    return project, client_for(boss)


def get(client, project, **params) -> bytes:
    query = "&".join(f"{key}={value}" for key, value in params.items())
    response = client.get(f"/api/projects/{project.pk}/export/?{query}")
    assert response.status_code == 200, response.content
    return b"".join(response.streaming_content)


def seed_filling_every_split(project) -> int:
    """A seed that puts documents in all three splits (document ids differ between databases)."""
    return next(seed for seed in range(100) if len(set(expected(project, seed).values())) == 3)


def expected(project, seed: int) -> dict[int, str]:
    ids = project.documents.order_by("pk").values_list("pk", flat=True)
    return {pk: split_of(pk, percentages=SPLIT, seed=seed) for pk in ids}


@pytest.mark.django_db
def test_record_formats_carry_the_same_split_field():
    project, client = split_project()
    seed = seed_filling_every_split(project)
    want = expected(project, seed)
    params = {"split": "80,10,10", "seed": str(seed)}

    for name in ("jsonl", "doccano", "hf"):
        lines = [
            json.loads(line)
            for line in get(client, project, format=name, **params).split(b"\n")
            if line
        ]
        assert {line["id"]: line["split"] for line in lines} == want, name
    tasks = json.loads(get(client, project, format="labelstudio", **params))
    assert {t["data"]["document_id"]: t["data"]["split"] for t in tasks} == want
    table = list(csv.DictReader(io.StringIO(get(client, project, format="csv", **params).decode())))
    assert {int(row["document_id"]): row["split"] for row in table} == want


@pytest.mark.django_db
def test_a_document_keeps_its_split_when_documents_are_added():
    project, client = split_project(6)
    before = {
        line["id"]: line["split"]
        for line in map(json.loads, get(client, project, split="80,10,10", seed="3").splitlines())
    }
    boss = project.memberships.get().user
    text = "Report late: troops left Gao."
    annotate(
        DocumentFactory(project=project, text=text), spans=[span(text, "LOC", "Gao")], actor=boss
    )

    after = {
        line["id"]: line["split"]
        for line in map(json.loads, get(client, project, split="80,10,10", seed="3").splitlines())
    }
    assert len(after) == 7
    assert {pk: after[pk] for pk in before} == before


def read_zip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


@pytest.mark.django_db
def test_conll_split_is_a_zip_of_one_file_per_split_with_their_documents():
    project, client = split_project()
    want = Counter(expected(project, 3).values())
    response = client.get(f"/api/projects/{project.pk}/export/?format=conll&split=80,10,10&seed=3")

    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == 'attachment; filename="split-gold.conll.zip"'
    files = read_zip(b"".join(response.streaming_content))
    assert sorted(files) == ["test.conll", "train.conll", "validation.conll"]
    for name in ("train", "validation", "test"):
        assert files[f"{name}.conll"].count(b"-DOCSTART-") == want[name]


@pytest.mark.django_db
def test_parquet_split_loads_as_a_datasets_dict_with_the_same_documents(tmp_path):
    project, client = split_project()
    # datasets refuses a split with no data, so every split gets documents here.
    seed = seed_filling_every_split(project)
    files = read_zip(get(client, project, format="parquet", split="80,10,10", seed=str(seed)))
    names = ("train", "validation", "test")
    loaded = load_hf(tmp_path, "parquet", {name: files[f"{name}.parquet"] for name in names})

    found = {pk: name for name in loaded for pk in loaded[name]["id"]}
    assert found == expected(project, seed)


@pytest.mark.django_db
def test_brat_split_puts_each_document_in_its_split_folder():
    project, client = split_project()
    files = read_zip(get(client, project, format="brat", split="80,10,10", seed="3"))
    assert "annotation.conf" in files
    for pk, name in expected(project, 3).items():
        assert f"{name}/document-{pk}.txt" in files
        assert f"{name}/document-{pk}.ann" in files


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "field"),
    [("split=80,10,5", "split"), ("split=80,20&seed=x", "seed"), ("seed=4", "seed")],
)
def test_a_bad_split_or_seed_is_a_400_naming_it(query, field):
    project, client = split_project(1)
    response = client.get(f"/api/projects/{project.pk}/export/?{query}")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]


@pytest.mark.django_db
def test_spacy_split_is_one_docbin_per_split(tmp_path):
    from spacy.tokens import DocBin

    from annotations.exports.tokens import pipeline

    project, client = split_project()
    files = read_zip(get(client, project, format="spacy", split="80,10,10", seed="3"))
    want = Counter(expected(project, 3).values())
    for name in ("train", "validation", "test"):
        docs = list(DocBin().from_bytes(files[f"{name}.spacy"]).get_docs(pipeline().vocab))
        assert len(docs) == want[name]
        assert [doc.user_data["split"] for doc in docs] == [name] * want[name]
