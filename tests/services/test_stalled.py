"""Dead workers: runs beat a heartbeat; one whose worker stopped beating is re-queued once."""

import io
import os
import re
import signal
import threading
import time
from datetime import timedelta

import orjson
import pytest
from django.db import connection, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from annotations import tasks
from annotations.models import Document, ImportJob, ImportJobStatus, Release, ReleaseStatus
from annotations.services import ingest, jobs, releases, stalled
from annotations.services.ingest import ImportOptions
from tests.exports.conftest import build_dataset, make_project
from tests.factories import ImportJobFactory, MembershipFactory, UserFactory
from tests.worker import run_worker, start_sweeper_process, start_worker_process

pytestmark = pytest.mark.django_db

only_postgresql = pytest.mark.postgresql  # concurrent workers and sweeps


class WorkerKilled(BaseException):
    """Stands for SIGKILL: nothing of the run's own error handling runs."""


def records(count: int) -> bytes:
    lines = []
    for number in range(1, count + 1):
        text = f"Report {number}: Keita met Macron in Bamako."
        entity = {"start": text.index("Keita"), "end": text.index(" met"), "label": "PER"}
        lines.append(
            orjson.dumps({"text": text, "external_id": f"r{number}", "entities": [entity]})
        )
    return b"\n".join(lines) + b"\n"


def start_import(project, data: bytes) -> ImportJob:
    return tasks.import_job_start(
        project=project,
        actor=UserFactory(),
        name="big.jsonl",
        stream=io.BytesIO(data),
        options=ImportOptions(),
        records_total=data.count(b"\n"),
    )


def go_silent(model, pk: int, seconds: float = 120) -> None:
    """Move the run's last beat into the past, as if its worker had died that long ago."""
    model.objects.filter(pk=pk).update(heartbeat_at=timezone.now() - timedelta(seconds=seconds))


def queued(task, pk: int) -> int:
    """How many runs of the task for this row wait in the queue."""
    waiting = DBTaskResult.objects.ready().filter(task_path=task.module_path)
    return sum(1 for result in waiting if result.args_kwargs["args"] == [pk])


def left_running(task, pk: int) -> list[tuple[str, str]]:
    """The status and exception of every task row of this run that a worker took."""
    taken = DBTaskResult.objects.filter(task_path=task.module_path).exclude(status="READY")
    return [
        (result.status, result.exception_class_path)
        for result in taken.order_by("enqueued_at")
        if result.args_kwargs["args"] == [pk]
    ]


LOST = ("FAILED", stalled.LOST_TASK_CLASS)


def take_and_die(task, pk: int, *, seconds_ago: float) -> None:
    """A worker takes the row's task from the queue, then dies before the run begins."""
    waiting = DBTaskResult.objects.ready().filter(task_path=task.module_path)
    (result,) = [result for result in waiting if result.args_kwargs["args"] == [pk]]
    result.claim("dead-worker")
    taken_at = timezone.now() - timedelta(seconds=seconds_ago)
    DBTaskResult.objects.filter(pk=result.pk).update(started_at=taken_at)


def test_release_whose_worker_died_before_beginning_is_queued_again_and_built():
    dataset = build_dataset()
    release = tasks.release_start(
        project=dataset.project, actor=dataset.users["manager"], name="orphan"
    )
    take_and_die(tasks.build_release, release.pk, seconds_ago=1)
    assert tasks.stalled_requeue().releases == []  # just taken: its worker may be starting it
    DBTaskResult.objects.filter(status="RUNNING").update(
        started_at=timezone.now() - timedelta(seconds=120)
    )

    assert tasks.stalled_requeue().releases == [release.pk]
    assert tasks.stalled_requeue().releases == []  # once
    release.refresh_from_db()
    assert release.status == ReleaseStatus.STALLED
    assert "dead-worker took its task" in release.error
    assert queued(tasks.build_release, release.pk) == 1
    # The dead worker's task row no longer reads as running in the task list.
    assert left_running(tasks.build_release, release.pk) == [LOST]

    run_worker()
    release.refresh_from_db()
    assert release.status == ReleaseStatus.READY
    assert left_running(tasks.build_release, release.pk) == [LOST, ("SUCCESSFUL", "")]


def test_import_job_whose_worker_died_before_beginning_is_queued_again_and_runs():
    job = start_import(make_project("Import"), records(4))
    take_and_die(tasks.run_import_job, job.pk, seconds_ago=120)

    assert tasks.stalled_requeue().jobs == [job.pk]
    run_worker()
    job.refresh_from_db()
    assert (job.status, job.created_count) == (ImportJobStatus.DONE, 4)


def test_a_run_records_its_worker_and_its_first_beat():
    job = start_import(make_project("Import"), records(4))
    run_worker()
    job.refresh_from_db()
    assert job.status == ImportJobStatus.DONE
    assert job.worker == "test-worker"
    assert job.heartbeat_at is not None


def test_job_whose_worker_died_is_stalled_queued_again_and_resumes_exactly(monkeypatch):
    monkeypatch.setattr(jobs, "BATCH_SIZE", 3)
    real = ingest.store_batch
    calls = []

    def killed_in_third_batch(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise WorkerKilled
        return real(*args, **kwargs)

    monkeypatch.setattr(ingest, "store_batch", killed_in_third_batch)
    project = make_project("Import")
    job = start_import(project, records(10))
    run_worker()
    job.refresh_from_db()
    assert (job.status, job.records_done) == (ImportJobStatus.RUNNING, 6)

    assert tasks.stalled_requeue().jobs == []  # it beat just now: alive as far as anyone knows
    go_silent(ImportJob, job.pk)
    assert tasks.stalled_requeue().jobs == [job.pk]
    job.refresh_from_db()
    assert job.status == ImportJobStatus.STALLED
    assert "stopped beating" in job.error
    assert queued(tasks.run_import_job, job.pk) == 1

    monkeypatch.setattr(ingest, "store_batch", real)
    run_worker()
    job.refresh_from_db()
    assert job.status == ImportJobStatus.DONE
    assert job.created_count == 10
    texts = list(Document.objects.filter(project=project).values_list("text", flat=True))
    assert len(texts) == len(set(texts)) == 10


def undisturbed_shas(dataset) -> dict[str, str]:
    """The sha256 per file of release "v1" built without trouble, then deleted so that the
    interrupted build can take its name (every file names its release)."""
    reference = tasks.release_start(
        project=dataset.project, actor=dataset.users["manager"], name="v1"
    )
    run_worker()
    shas = dict(reference.files.values_list("format", "sha256"))
    assert shas
    Release.objects.filter(pk=reference.pk).delete()
    return shas


def test_release_whose_worker_died_is_built_again_with_the_same_sha256(monkeypatch):
    dataset = build_dataset()
    manager = dataset.users["manager"]
    reference = undisturbed_shas(dataset)
    real = releases._write

    def killed_at_conll(name, *args):
        if name == "conll":
            raise WorkerKilled
        return real(name, *args)

    monkeypatch.setattr(releases, "_write", killed_at_conll)
    release = tasks.release_start(project=dataset.project, actor=manager, name="v1")
    run_worker()
    release.refresh_from_db()
    assert release.status == ReleaseStatus.BUILDING
    assert 0 < release.progress_done < release.progress_total

    go_silent(Release, release.pk)
    assert tasks.stalled_requeue().releases == [release.pk]
    release.refresh_from_db()
    assert release.status == ReleaseStatus.STALLED

    monkeypatch.setattr(releases, "_write", real)
    run_worker()
    release.refresh_from_db()
    assert release.status == ReleaseStatus.READY
    assert dict(release.files.values_list("format", "sha256")) == reference


def test_a_stalled_run_is_queued_again_once_however_often_swept(monkeypatch):
    job = start_import(make_project("Import"), records(4))
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJobStatus.RUNNING)
    DBTaskResult.objects.all().delete()
    go_silent(ImportJob, job.pk)

    assert tasks.stalled_requeue().jobs == [job.pk]
    assert tasks.stalled_requeue().jobs == []
    assert queued(tasks.run_import_job, job.pk) == 1


def test_a_run_left_running_before_heartbeats_counts_from_its_last_progress():
    job = start_import(make_project("Import"), records(4))
    long_ago = timezone.now() - timedelta(hours=1)
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJobStatus.RUNNING, heartbeat_at=None, updated_at=long_ago
    )
    assert tasks.stalled_requeue().jobs == [job.pk]


def test_queued_done_and_failed_runs_are_never_stalled():
    project = make_project("Import")
    for status in (ImportJobStatus.QUEUED, ImportJobStatus.DONE, ImportJobStatus.FAILED):
        job = start_import(project, records(2))
        ImportJob.objects.filter(pk=job.pk).update(status=status)
        go_silent(ImportJob, job.pk)
    assert tasks.stalled_requeue().jobs == []


def test_a_new_task_sweeps_first(monkeypatch):
    job = start_import(make_project("Import"), records(4))
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJobStatus.RUNNING)
    DBTaskResult.objects.all().delete()
    go_silent(ImportJob, job.pk)
    other = start_import(make_project("Other"), records(2))

    run_worker()  # runs `other`, whose task sweeps and queues `job` again, then runs it
    job.refresh_from_db()
    other.refresh_from_db()
    assert job.status == other.status == ImportJobStatus.DONE


@pytest.mark.django_db(transaction=True)
def test_heartbeat_beats_while_its_worker_holds_the_run():
    job = start_import(make_project("Import"), records(2))
    long_ago = timezone.now() - timedelta(hours=1)
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJobStatus.RUNNING, worker="w1", heartbeat_at=long_ago
    )
    with stalled.heartbeat(model=ImportJob, pk=job.pk, worker="w2", every=0.05):
        time.sleep(0.3)
    job.refresh_from_db()
    assert job.heartbeat_at == long_ago  # w2 does not hold it: its beats change nothing

    with stalled.heartbeat(model=ImportJob, pk=job.pk, worker="w1", every=0.05):
        time.sleep(0.3)
    job.refresh_from_db()
    assert job.heartbeat_at > timezone.now() - timedelta(seconds=5)


@only_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sweeps_take_a_stalled_run_once():
    job = start_import(make_project("Import"), records(2))
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJobStatus.RUNNING)
    DBTaskResult.objects.all().delete()
    go_silent(ImportJob, job.pk)
    other: list[stalled.Stalled] = []

    def sweep() -> None:
        try:
            other.append(tasks.stalled_requeue())
        finally:
            connection.close()

    with transaction.atomic():
        first = tasks.stalled_requeue()
        elsewhere = threading.Thread(target=sweep)
        elsewhere.start()
        time.sleep(0.5)  # the second sweep now waits on the row the first one holds
    elsewhere.join()

    assert first.jobs == [job.pk]
    assert other[0].jobs == []
    assert queued(tasks.run_import_job, job.pk) == 1


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


@only_postgresql
@pytest.mark.django_db(transaction=True)
def test_killed_db_worker_mid_release_and_mid_import_both_finish_on_another_worker():
    """kill -9 a real db_worker halfway through both; another worker finishes both exactly."""
    dataset = build_dataset()
    manager = dataset.users["manager"]
    data = records(2000)
    reference_job = start_import(make_project("Undisturbed"), data)
    reference = undisturbed_shas(dataset)
    reference_job.refresh_from_db()
    assert reference_job.status == ImportJobStatus.DONE

    project = make_project("Interrupted")
    release = tasks.release_start(project=dataset.project, actor=manager, name="v1")
    job = start_import(project, data)
    settings = connection.settings_dict
    env = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": (
            f"postgres://{settings['USER']}:{settings['PASSWORD'] or ''}@{settings['HOST']}:"
            f"{settings['PORT'] or 5432}/{settings['NAME']}"
        ),
    }
    processes = []
    try:
        # Two slow workers, one per run; both are killed halfway through.
        doomed = [start_worker_process(f"doomed-{n}", env, slow=0.5) for n in (1, 2)]
        processes += doomed

        def halfway() -> bool:
            job.refresh_from_db()
            release.refresh_from_db()
            return (
                job.status == ImportJobStatus.RUNNING
                and 0 < job.records_done < 1000
                and release.status == ReleaseStatus.BUILDING
                and 0 < release.progress_done < release.progress_total
            )

        wait_for(halfway, 60, "both runs halfway")
        for process in doomed:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
        killed_at = time.monotonic()
        job.refresh_from_db()
        release.refresh_from_db()
        assert job.records_done < job.records_total
        assert release.status == ReleaseStatus.BUILDING

        processes.append(start_worker_process("survivor", env))
        processes.append(start_sweeper_process(env, stalled_after=10))

        def finished() -> bool:
            job.refresh_from_db()
            release.refresh_from_db()
            return job.status == ImportJobStatus.DONE and release.status == ReleaseStatus.READY

        wait_for(finished, 60, "both runs to finish on the surviving worker")
        assert time.monotonic() - killed_at < 60
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=30)

    assert job.worker == release.worker == "survivor"
    # The killed workers' task rows are closed as lost, not left running for ever.
    assert left_running(tasks.run_import_job, job.pk) == [LOST, ("SUCCESSFUL", "")]
    assert left_running(tasks.build_release, release.pk) == [LOST, ("SUCCESSFUL", "")]
    assert dict(release.files.values_list("format", "sha256")) == reference
    texts = list(Document.objects.filter(project=project).values_list("text", flat=True))
    expected = set(
        Document.objects.filter(project=reference_job.project).values_list("text", flat=True)
    )
    assert len(texts) == len(set(texts)) == len(expected) == 2000
    assert set(texts) == expected
    assert job.created_count == reference_job.created_count == 2000
    assert len(job.report["created"]) == 2000


def test_import_page_offers_resume_for_a_stalled_job(client):
    manager = UserFactory()
    job = ImportJobFactory(status=ImportJobStatus.STALLED, error="Its worker w1 stopped beating")
    MembershipFactory(project=job.project, user=manager, role="manager")
    client.force_login(manager)

    html = client.get(f"/projects/{job.project.pk}/import/").content.decode()

    row = re.search(r'<tr data-job-id="\d+" data-status="stalled".*?</tr>', html, re.S).group(0)
    assert re.search(r'data-action="resume">Resume</button>', row)
    assert re.search(r'data-role="error">Its worker w1 stopped beating</span>', row)
    assert 'data-role="progress">' in row  # not hidden: it is queued again and will move


def test_dashboard_shows_live_workers_the_queue_and_stalled_runs(client):
    manager = UserFactory()
    project = make_project("Dashboard")
    MembershipFactory(project=project, user=manager, role="manager")
    now = timezone.now()
    ImportJobFactory(project=project, status=ImportJobStatus.RUNNING, worker="w1", heartbeat_at=now)
    ImportJobFactory(project=project, status=ImportJobStatus.STALLED, worker="w2")
    ImportJobFactory(  # its worker died long ago: not alive
        status=ImportJobStatus.RUNNING, worker="w3", heartbeat_at=now - timedelta(hours=1)
    )
    DBTaskResult.objects.all().delete()
    start_import(project, records(2))  # one task waiting
    client.force_login(manager)

    html = client.get(f"/projects/{project.pk}/dashboard/").content.decode()

    section = html.split('<section id="workers"')[1].split("</section>")[0]
    assert 'data-role="workers">1</td>' in section and "w1" in section and "w3" not in section
    assert 'data-role="waiting">1</td>' in section
    assert 'data-role="stalled">1</td>' in section


def test_a_build_taken_for_dead_but_alive_still_publishes_and_the_rebuild_does_nothing(
    monkeypatch,
):
    dataset = build_dataset()
    real = releases._render

    def swept_meanwhile(release, *args):
        if Release.objects.get(pk=release.pk).status == ReleaseStatus.BUILDING:
            go_silent(Release, release.pk)  # as when SQLite's write lock held its beats back
            assert tasks.stalled_requeue().releases == [release.pk]
        return real(release, *args)

    monkeypatch.setattr(releases, "_render", swept_meanwhile)
    release = tasks.release_start(
        project=dataset.project, actor=dataset.users["manager"], name="slow"
    )

    assert run_worker() == 2  # the build, then the rebuild the sweep queued
    release.refresh_from_db()
    assert release.status == ReleaseStatus.READY
    assert release.files.count() == len(release.formats) + 2  # the card and the warnings
