"""Benchmark: import generated news-like documents into PostgreSQL; print docs/s and peak RSS.

    .venv/bin/python bench/ingest.py [--documents 100000] [--database-url postgres://...]

Builds a JSON Lines file of ~2,000-character documents (curly quotes, dashes and accented
names in most, CRLF line ends in 5%, mojibake in 2%, exact duplicates in 1%), creates a fresh
database `workbench_bench`, and imports the file with the same service `import_documents`
and the API use, every repair on. Peak memory is the process's maximum resident set size.

The machine's load average is printed before and after, and the CPU seconds of this process,
of the worker processes and of the PostgreSQL backend (when it runs on this machine): on a
shared machine the documents per second vary with what else runs, the CPU seconds much less.
"""

import argparse
import json
import os
import random
import resource
import tempfile
import time
from pathlib import Path

from common import NAMES, WORDS, fresh_database

PLACES = ["Bamako", "Gao", "Kidal", "Tessalit", "Mopti", "Ménaka", "Tombouctou"]


def paragraph(rng: random.Random) -> str:
    words = rng.choices(WORDS, k=rng.randint(35, 60))
    words[0] = words[0].capitalize()
    words.insert(rng.randrange(len(words)), rng.choice(NAMES))
    words.insert(rng.randrange(len(words)), rng.choice(PLACES))
    sentence = " ".join(words)
    quote = f" \u201c{' '.join(rng.choices(WORDS, k=8))}\u201d \u2014 {rng.choice(NAMES)}\u2019s"
    return sentence + quote + " office said."


def document(rng: random.Random, index: int) -> str:
    parts: list[str] = []
    while sum(len(p) + 1 for p in parts) < 1900:
        parts.append(paragraph(rng))
    text = f"Report {index}\n" + "\n".join(parts)
    roll = rng.random()
    if roll < 0.05:
        text = text.replace("\n", "\r\n")
    elif roll < 0.07:
        text = text.encode("utf-8").decode("windows-1252", errors="replace")
    return text


def generate(path: Path, count: int) -> int:
    rng = random.Random(20261121)
    size = 0
    with path.open("w", encoding="utf-8") as out:
        previous = ""
        for index in range(count):
            text = previous if (index % 100 == 99) else document(rng, index)
            previous = text
            line = json.dumps({"text": text, "external_id": f"gen-{index}"}, ensure_ascii=False)
            out.write(line + "\n")
            size += len(line) + 1
    return size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="processes preparing documents beside the one storing them (1: none)",
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/workbench_bench"
        ),
    )
    args = parser.parse_args()

    fresh_database(args.database_url)
    name = args.database_url.rsplit("/", 1)[1]
    from django.conf import settings

    from annotations.models import Document, Project
    from annotations.services.ingest import ImportOptions, documents_import_file

    project = Project.objects.create(name="bench")
    backend = _backend_cpu_reader()

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.jsonl"
        started = time.perf_counter()
        size = generate(path, args.documents)
        print(
            f"generated {args.documents:,} documents, {size / 1e6:.1f} MB "
            f"in {time.perf_counter() - started:.1f} s"
        )
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        load_before = os.getloadavg()
        cpu_before = _cpu_seconds(resource.RUSAGE_SELF), backend()
        started = time.perf_counter()
        with path.open("rb") as stream:
            report = documents_import_file(
                project=project,
                name=path.name,
                stream=stream,
                options=ImportOptions(),
                workers=args.workers,
            )
        elapsed = time.perf_counter() - started
        cpu_self = _cpu_seconds(resource.RUSAGE_SELF) - cpu_before[0]
        cpu_backend = backend() - cpu_before[1] if cpu_before[1] >= 0 else None
        load_after = os.getloadavg()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    stored = Document.objects.filter(project=project).count()
    repaired = {}
    for entry in report["repaired"]:
        for name_ in entry["repairs"]:
            repaired[name_] = repaired.get(name_, 0) + 1
    print(f"database            {settings.DATABASES['default']['ENGINE']} {name}")
    print(f"workers             {args.workers} (cores: {os.cpu_count()})")
    print(f"documents read      {args.documents:,}")
    print(f"created             {len(report['created']):,} (stored: {stored:,})")
    print(f"duplicates          {len(report['duplicates']):,}")
    print(f"repaired            {len(report['repaired']):,} {repaired}")
    print(f"errors              {len(report['errors']):,}")
    print(f"seconds             {elapsed:.2f}")
    print(f"documents/second    {args.documents / elapsed:,.0f}")
    print(f"MB/second           {size / 1e6 / elapsed:.1f}")
    print(f"peak RSS            {peak:.0f} MB (before import: {rss_before:.0f} MB)")
    print(f"peak RSS of a worker {children:.0f} MB")
    workers_cpu = _cpu_seconds(resource.RUSAGE_CHILDREN)
    print(
        f"CPU seconds         {cpu_self:.1f} this process, {workers_cpu:.1f} workers, "
        + (
            f"{cpu_backend:.1f} PostgreSQL backend"
            if cpu_backend is not None
            else "backend unknown"
        )
    )
    print(f"load average        {load_before[0]:.2f} before, {load_after[0]:.2f} after")


def _cpu_seconds(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def _backend_cpu_reader():
    """Return a function giving the CPU seconds of this connection's PostgreSQL backend.

    It reads /proc, so it gives -1 when PostgreSQL runs on another machine (or another
    container).
    """
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    stat = Path(f"/proc/{pid}/stat")
    ticks = os.sysconf("SC_CLK_TCK")

    def read() -> float:
        try:
            name, fields = stat.read_text().split(" (", 1)[1].rsplit(")", 1)
        except OSError:
            return -1.0
        if name != "postgres":  # the same pid on this machine, but not the backend
            return -1.0
        fields = fields.split()
        return (int(fields[11]) + int(fields[12])) / ticks

    return read


if __name__ == "__main__":
    main()
