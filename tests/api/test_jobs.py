"""Large imports answer 202 with a job; the job shows progress, then the report; resume."""

import orjson
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotations.models import Document, ImportJob
from annotations.services import ingest, jobs
from tests.api.conftest import client_for
from tests.factories import ImportJobFactory
from tests.worker import run_worker

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def threshold(settings):
    settings.IMPORT_BACKGROUND_THRESHOLD = 3


def documents_url(world) -> str:
    return f"/api/projects/{world.project.pk}/documents/"


def jsonl(count: int) -> bytes:
    return b"".join(orjson.dumps({"text": f"Report {n} from Gao."}) + b"\n" for n in range(count))


def upload(world, name: str, data: bytes, query: str = ""):
    return client_for(world.users["manager"]).post(
        documents_url(world) + query,
        {"file": SimpleUploadedFile(name, data)},
        format="multipart",
    )


def test_large_upload_answers_202_with_the_job_and_imports_nothing_yet(world):
    before = Document.objects.count()

    response = upload(world, "big.jsonl", jsonl(4))

    assert response.status_code == 202
    job = ImportJob.objects.get()
    assert response.json() == {"job": f"http://testserver/api/jobs/{job.pk}/"}
    assert response["Location"] == response.json()["job"]
    assert Document.objects.count() == before
    assert job.created_by == world.users["manager"]
    assert job.name == "big.jsonl"


def test_job_shows_progress_then_the_report(world):
    url = upload(world, "big.jsonl", jsonl(4), "?normalize=nfc").json()["job"]
    manager = client_for(world.users["manager"])

    queued = manager.get(url).json()
    assert queued["status"] == "queued"
    assert queued["progress"] == {
        "done": 0,
        "total": 4,
        "created": 0,
        "duplicates": 0,
        "errors": 0,
    }
    assert queued["report"] is None
    assert queued["options"]["normalize"] == "nfc"

    run_worker()
    done = manager.get(url).json()

    assert done["status"] == "done"
    assert done["progress"] == {"done": 4, "total": 4, "created": 4, "duplicates": 0, "errors": 0}
    assert [entry["line"] for entry in done["report"]["created"]] == [1, 2, 3, 4]
    assert done["attempts"] == 1
    assert done["finished_at"] is not None
    assert Document.objects.filter(project=world.project).count() == 5


def test_import_at_the_threshold_still_runs_at_once(world):
    response = upload(world, "small.jsonl", jsonl(3))

    assert response.status_code == 201
    assert not ImportJob.objects.exists()


def test_large_json_body_becomes_a_job_numbered_by_item(world):
    manager = client_for(world.users["manager"])
    items = [{"text": f"Item {n}"} for n in range(4)] + [{"text": ""}]

    small = manager.post(documents_url(world), items[:3], format="json")
    assert small.status_code == 201
    response = manager.post(documents_url(world), items[3:] + items[:3] + [{}], format="json")
    assert response.status_code == 202
    run_worker()
    report = manager.get(response.json()["job"]).json()["report"]

    assert [entry["line"] for entry in report["created"]] == [1]
    assert [entry["line"] for entry in report["duplicates"]] == [3, 4, 5]
    assert [entry["line"] for entry in report["errors"]] == [2, 6]


def test_large_csv_is_counted_by_its_lines(world):
    rows = b"text,external_id\n" + b"".join(b"Report %d,r%d\n" % (n, n) for n in range(4))

    response = upload(world, "big.csv", rows)

    assert response.status_code == 202
    assert ImportJob.objects.get().records_total == 4


def test_txt_and_unsupported_files_never_go_to_the_background(world):
    text = b"\n".join(b"line %d" % n for n in range(10))

    assert upload(world, "long.txt", text).status_code == 201
    assert upload(world, "long.xml", text).status_code == 415
    assert not ImportJob.objects.exists()


def test_resume_runs_a_failed_job_again_and_refuses_a_done_one(world, monkeypatch):
    monkeypatch.setattr(jobs, "BATCH_SIZE", 2)
    real = ingest.store_batch
    calls = []

    def crash_on_second_batch(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("worker lost")
        return real(*args, **kwargs)

    monkeypatch.setattr(ingest, "store_batch", crash_on_second_batch)
    url = upload(world, "big.jsonl", jsonl(5)).json()["job"]
    run_worker()
    manager = client_for(world.users["manager"])
    failed = manager.get(url).json()
    assert failed["status"] == "failed"
    assert failed["error"] == "RuntimeError: worker lost"
    assert failed["progress"]["done"] == 2

    monkeypatch.setattr(ingest, "store_batch", real)
    resumed = manager.post(url + "resume/")
    assert resumed.status_code == 202
    run_worker()
    done = manager.get(url).json()

    assert done["status"] == "done"
    assert done["attempts"] == 2
    assert [entry["line"] for entry in done["report"]["created"]] == [1, 2, 3, 4, 5]
    assert done["report"]["duplicates"] == []
    again = manager.post(url + "resume/")
    assert again.status_code == 409
    assert again.json()["detail"] == jobs.ALREADY_DONE.format(pk=done["id"])


def test_job_list_and_detail_take_a_constant_number_of_queries(world):
    manager = client_for(world.users["manager"])
    ImportJobFactory(project=world.project)

    def queries(url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert manager.get(url).status_code == 200
        return len(captured)

    url = f"/api/projects/{world.project.pk}/jobs/"
    few = queries(url)
    for _ in range(5):
        ImportJobFactory(project=world.project, created_by=world.users["manager"])
    assert queries(url) == few <= 5
    assert manager.get(url).json()["count"] == 6
    job = ImportJob.objects.first()
    assert queries(f"/api/jobs/{job.pk}/") <= 3


def test_background_import_keeps_the_upload_bytes(world):
    data = jsonl(4)
    upload(world, "big.jsonl", data)

    job = ImportJob.objects.get()
    assert job.size == len(data)
    stored = job.chunks.order_by("index").values_list("data", flat=True)
    assert b"".join(bytes(chunk) for chunk in stored) == data
