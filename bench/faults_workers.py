"""The fault campaign's background work: a db_worker killed mid-release and mid-import.

1. A worker starts building a release of a project of gold documents (``gold_seed``); a
   third of the way through it is killed (SIGKILL).
2. An import of distinct documents (``import_records``) goes to the background (the server runs with
   a low ``IMPORT_BACKGROUND_THRESHOLD``); a second worker starts it and is killed a third of
   the way through.
3. A fresh worker and a stall sweep (``requeue_stalled --every 1``) take both up again; then a
   second release of the same gold is built undisturbed.

The release must end with the same sha256 for every format as the undisturbed build, and the
import must store every document exactly once, with a report that reads as if nothing had
happened.
"""

import os
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from faults_clients import Http
from faults_inject import db_worker_start, stop, sweeper_start

KILL_AT = 3  # a worker is killed once it is 1/KILL_AT of the way through its run
STALLED_AFTER = 10.0  # seconds without a heartbeat before the sweep re-queues a run
GOLD_TEXT = "Keïta met Traoré in Bamako on day {n}. "
GOLD_SPANS = (("PER", 0, 5, "Keïta"), ("PER", 10, 16, "Traoré"), ("LOC", 20, 26, "Bamako"))
FILLER = "Aid agencies warned of shortages of food, water and medicine near the border. "


@dataclass
class WorkerReport:
    release_killed_at: str = ""
    import_killed_at: str = ""
    release_same_sha256: bool = False
    import_exact: bool = False
    problems: list[str] = field(default_factory=list)
    seconds_to_recover: float = 0.0


def gold_seed(database_url: str, project: int, documents: int) -> None:
    """Give ``project`` that many documents, each with a gold annotation of three spans."""
    with psycopg.connect(database_url) as conn:
        conn.execute(
            "INSERT INTO annotations_document (project_id, text, external_id, meta, content_hash, "
            "ingestion_report, created_at) SELECT %(p)s, t, 'gold-' || n, '{}', "
            "encode(sha256(convert_to(t, 'UTF8')), 'hex'), '{}', now() FROM (SELECT n, "
            "replace(%(head)s, '{n}', n::text) || repeat(%(filler)s, 18) AS t "
            "FROM generate_series(1, %(count)s) AS n) AS generated",
            {"p": project, "head": GOLD_TEXT, "filler": FILLER, "count": documents},
        )
        conn.execute(
            "INSERT INTO annotations_annotation (document_id, kind, status, version, created_at, "
            "updated_at) SELECT id, 'gold', 'submitted', 1, now(), now() "
            "FROM annotations_document WHERE project_id = %s",
            [project],
        )
        for label, start, end, text in GOLD_SPANS:
            conn.execute(
                'INSERT INTO annotations_span (annotation_id, label_id, start, "end", text, '
                "attributes) SELECT a.id, l.id, %s, %s, %s, '{}' "
                "FROM annotations_annotation a JOIN annotations_document d ON d.id = a.document_id "
                "JOIN annotations_label l ON l.project_id = d.project_id AND l.name = %s "
                "WHERE d.project_id = %s",
                [start, end, text, label, project],
            )
        conn.execute("ANALYZE")


def import_records(documents: int) -> list[dict[str, str]]:
    """Distinct documents of a few hundred characters for the background import."""
    return [
        {"text": f"Dispatch {n} from Gao. " + FILLER * (3 + n % 4), "external_id": f"imp-{n}"}
        for n in range(documents)
    ]


def wait_for(check: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {seconds:.0f} s for {what}")
        time.sleep(0.05)


def _kill(process: subprocess.Popen) -> None:
    os.kill(process.pid, signal.SIGKILL)
    process.wait()


def _release_post(manager: Http, project: int, name: str) -> int:
    return int(
        manager.expect("POST", f"/api/projects/{project}/releases/", {"name": name}, 202)["id"]
    )


def _import_post(manager: Http, project: int, records: list[dict[str, str]]) -> int:
    job = manager.expect("POST", f"/api/projects/{project}/documents/", records, 202)["job"]
    return int(job.rstrip("/").rsplit("/", 1)[1])


def campaign(
    database_url: str, manager: Http, gold: int, target: int, documents: int, log: Path
) -> WorkerReport:
    """Kill a worker mid-release and one mid-import; check that both recover exactly."""
    from annotations.models import ImportJob, Release

    report = WorkerReport()

    def start(worker_id: str) -> subprocess.Popen:
        return db_worker_start(
            database_url, worker_id, log, STALLED_AFTER_SECONDS=str(STALLED_AFTER)
        )

    release = Release(pk=_release_post(manager, gold, "disturbed"))
    report.release_killed_at = _kill_midway(start("doomed-release"), release, "building")
    records = import_records(documents)
    job = ImportJob(pk=_import_post(manager, target, records))
    report.import_killed_at = _kill_midway(start("doomed-import"), job, "running")
    for what, state in (("release", report.release_killed_at), ("import", report.import_killed_at)):
        if not state.startswith(("building", "running")):
            report.problems.append(f"the {what} was not halfway when its worker was killed")

    killed = time.monotonic()
    survivor = start("survivor")
    sweeper = sweeper_start(database_url, STALLED_AFTER, log)
    try:
        wait_for(lambda: _over(job) and _over(release), 300, "both runs to finish")
        report.seconds_to_recover = time.monotonic() - killed
        reference = Release(pk=_release_post(manager, gold, "undisturbed"))
        wait_for(lambda: _over(reference), 300, "the undisturbed release")
    finally:
        stop(sweeper)
        stop(survivor)
    report.release_same_sha256 = _same_files(release, reference, report.problems)
    report.import_exact = _imported_once(job, records, report.problems)
    return report


def _kill_midway(worker: subprocess.Popen, run: Any, running: str) -> str:
    """Kill ``worker`` a third of the way through ``run``; say how far it had gone."""
    done, total = ("progress_done", "progress_total") if running == "building" else (
        "records_done", "records_total")  # fmt: skip

    def a_third_done() -> bool:
        # Or over: then the kill came too late, which the caller reports.
        return _over(run) or getattr(run, done) >= max(1, getattr(run, total) // KILL_AT)

    try:
        wait_for(a_third_done, 300, f"the worker to get a third of the way through {run}")
    finally:  # killed whatever happens, so that no worker outlives the bench
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait()
    run.refresh_from_db()
    return f"{run.status}, {getattr(run, done)} of {getattr(run, total)}"


def _over(run: Any) -> bool:
    run.refresh_from_db()
    return run.status in ("ready", "done", "failed")


def _same_files(release: Any, reference: Any, problems: list[str]) -> bool:
    shas = dict(release.files.values_list("format", "sha256"))
    expected = dict(reference.files.values_list("format", "sha256"))
    if release.status == "ready" and shas == expected and shas:
        return True
    problems.append(f"release {release.status}: {shas} != undisturbed {expected}")
    return False


def _imported_once(job: Any, records: list[dict[str, str]], problems: list[str]) -> bool:
    from annotations.models import Document

    stored = list(
        Document.objects.filter(project_id=job.project_id).values_list("external_id", "text")
    )
    wanted = {(record["external_id"], record["text"]) for record in records}
    report = job.report or {}
    created = len(report.get("created", []))
    if (
        job.status == "done"
        and len(stored) == len(set(stored)) == len(wanted)
        and set(stored) == wanted
        and job.created_count == created == len(wanted)
        and not report.get("duplicates")
        and not report.get("errors")
    ):
        return True
    problems.append(
        f"import {job.status}: {len(stored)} stored ({len(set(stored))} distinct) of "
        f"{len(wanted)}, {job.created_count} counted created, {created} in the report"
    )
    return False
