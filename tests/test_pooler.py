"""Behind PgBouncer in transaction mode, no read holds a cursor from one transaction to the next.

Such a pooler lends a server connection for one transaction at a time. A server-side cursor
declared WITH HOLD (what ``QuerySet.iterator()`` declares outside a transaction) lives on in
the server connection it was declared on, and its next fetch may reach another one, where it
does not exist: a release download, an import or the agreement page would fail under load.
These tests run the app's streaming reads in autocommit, as a request does, and fail on any
statement run through a holdable cursor.
"""

import hashlib
import io

import pytest
from django.db import connection

from annotations import selectors, tasks
from annotations.models import Release
from annotations.services.ingest import ImportOptions
from annotations.services.jobs import import_job_create
from tests.exports.conftest import build_dataset, make_project
from tests.factories import UserFactory
from tests.worker import run_worker

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def held_cursors():
    """The statements run through a cursor declared WITH HOLD while the test runs."""
    held: list[str] = []

    def watch(execute, sql, params, many, context):
        if getattr(context["cursor"].cursor, "withhold", False):
            held.append(sql)
        return execute(sql, params, many, context)

    assert connection.get_autocommit()  # as a request runs: no transaction around it
    with connection.execute_wrapper(watch):
        yield held


def test_release_download_reads_its_file_without_a_held_cursor(held_cursors):
    dataset = build_dataset()
    release = tasks.release_start(project=dataset.project, actor=dataset.users["manager"], name="r")
    run_worker()
    stored = Release.objects.get(pk=release.pk).files.get(format="jsonl")

    body = b"".join(selectors.release_file_chunks(release_file=stored))

    assert hashlib.sha256(body).hexdigest() == stored.sha256
    assert held_cursors == []


def test_import_reads_its_upload_without_a_held_cursor(held_cursors):
    data = b"".join(b'{"text": "Report %d from Gao."}\n' % n for n in range(50))
    job = import_job_create(
        project=make_project("Import"),
        actor=UserFactory(),
        name="big.jsonl",
        stream=io.BytesIO(data),
        options=ImportOptions(),
        records_total=50,
    )

    assert b"".join(selectors.import_job_chunks(job=job)) == data
    assert held_cursors == []


def test_agreement_and_export_read_without_a_held_cursor(held_cursors):
    dataset = build_dataset()

    assert selectors.agreement_inputs(project=dataset.project)
    assert list(selectors.export_batches(project=dataset.project))
    assert held_cursors == []
