"""Benchmark: what PostgreSQL needs for an import's rows by COPY alone, beside the import itself.

    .venv/bin/python bench/import_floor.py [--documents 2000] [--runs 3]
                                           [--database-url postgres://.../import_floor_bench]

Imports the file of bench/api_import.py (documents of ~2,000 characters with 10 entity spans
and a stance) into a fresh project of a fresh database through the import service, in this
process (one process, no worker: its CPU is all the import's Python), without the ANALYZE that
ends a large import; then reads the rows it stored (documents, annotations, spans, stances)
out with binary COPY, deletes them, and stores the very same rows again with nothing but
binary COPY, one statement a table in one transaction (what `psql \\copy` of the same data
does). Then ANALYZE of those four tables alone. For each it prints the seconds, the CPU
seconds of this process and of its PostgreSQL backend, and the load average: the COPY line is
the floor that no import path can go under while the tables keep their indexes and foreign
keys.
"""

import argparse
import os
import sys
import time
import uuid

import psutil
from api import setup_database
from api_import import LABELS, STANCES, jsonl_file

TABLES = ("document", "annotation", "span", "stance")  # in the order foreign keys allow


def backend_seconds(connection) -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    return sum(psutil.Process(pid).cpu_times()[:2])


def measured(connection, name: str, run) -> None:
    load = os.getloadavg()[0]
    backend, own, started = backend_seconds(connection), time.process_time(), time.perf_counter()
    run()
    seconds = time.perf_counter() - started
    own = time.process_time() - own
    backend = backend_seconds(connection) - backend
    print(
        f"{name:28} {seconds:5.2f} s; CPU s this process {own:.2f}, PostgreSQL {backend:.2f};"
        f" load {load:.2f}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/import_floor_bench"
    )
    args = parser.parse_args()
    path = jsonl_file(args.documents)
    setup_database(args.database_url)
    from django.contrib.auth.models import User
    from django.db import connection, transaction

    from annotations.db.statistics import analyze
    from annotations.models import Annotation, Document, Span, Stance, StanceTarget
    from annotations.services.ingest import documents_import_file, storage
    from annotations.services.projects import label_create, project_create

    storage.ANALYZE_AFTER = 10**12  # timed on its own below
    models = {"document": Document, "annotation": Annotation, "span": Span, "stance": Stance}
    tables = {name: model._meta.db_table for name, model in models.items()}
    print(f"{args.documents:,} documents; cores {os.cpu_count()}, load {os.getloadavg()}")
    for _ in range(args.runs):
        project = project_create(name=f"floor {uuid.uuid4()}", creator=User.objects.get())
        for name, kind in [*LABELS, *STANCES]:
            label_create(project=project, name=name, kind=kind)
        StanceTarget.objects.create(project=project, name="the intervention")

        def service(project=project) -> None:
            with path.open("rb") as stream:
                documents_import_file(project=project, name=path.name, stream=stream)

        measured(connection, "import service (1 process)", service)
        documents = f"SELECT id FROM {tables['document']} WHERE project_id = {project.pk}"
        annotations = f"SELECT id FROM {tables['annotation']} WHERE document_id IN ({documents})"
        where = {
            "document": f"project_id = {project.pk}",
            "annotation": f"document_id IN ({documents})",
            "span": f"annotation_id IN ({annotations})",
            "stance": f"annotation_id IN ({annotations})",
        }
        data = {}
        with connection.cursor() as cursor:
            for name in TABLES:
                query = f"COPY (SELECT * FROM {tables[name]} WHERE {where[name]}) TO STDOUT"
                with cursor.copy(f"{query} (FORMAT BINARY)") as copy:
                    data[name] = b"".join(bytes(block) for block in copy)
            with transaction.atomic():
                for name in reversed(TABLES):
                    cursor.execute(f"DELETE FROM {tables[name]} WHERE {where[name]}")

        def copy_alone(data=data) -> None:
            with transaction.atomic(), connection.cursor() as cursor:
                for name in TABLES:
                    sql = f"COPY {tables[name]} FROM STDIN (FORMAT BINARY)"
                    with cursor.copy(sql) as copy:
                        copy.write(data[name])

        measured(connection, "the same rows by COPY alone", copy_alone)
        measured(connection, "ANALYZE of the four tables", lambda: analyze(models.values()))


if __name__ == "__main__":
    sys.exit(main())
