"""Benchmark: project agreement over generated annotations; print seconds and peak memory.

    .venv/bin/python bench/agreement.py [--documents 10000] [--annotators 3] [--spans 20]

    .venv/bin/python bench/agreement.py --database [--database-url postgres://...]

Measures the agreement maths (annotations/agreement.py) on data shaped like a project:
documents of ~2,000 characters, each annotator marking `--spans` entity spans of which most
agree with the others (same offsets), some are shifted by a few characters, some relabelled,
some missing. Reports pairwise exact and overlap F1, token-level alpha on entity tags, and
alpha on one stance value per document and annotator. With `--database` the annotations are
stored in a fresh PostgreSQL database first and the figures are what the agreement endpoint
computes: the selector's reads plus the maths.
"""

import argparse
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import DEFAULT_URL, fresh_database, setup_django

from annotations.agreement import (
    EXACT,
    OVERLAP,
    krippendorff_alpha,
    pairwise_span_agreement,
    token_alpha,
)

WORDS = "the army said troops reached the town after fighting near the border".split()
LABELS = ["PER", "ORG", "LOC"]
STANCES = ["FAVOR", "AGAINST", "NEUTRAL"]
PROJECT = "agreement bench"


def generate(documents: int, annotators: int, spans: int, rng: random.Random):
    data = []
    for _ in range(documents):
        words = rng.choices(WORDS, k=330)
        text = " ".join(words)[:2000]
        starts = [i for i, ch in enumerate(text) if ch != " " and (i == 0 or text[i - 1] == " ")]
        chosen = sorted(rng.sample(starts[:-1], spans))
        base = []
        for start in chosen:
            end = text.find(" ", start)
            base.append((start, end if end != -1 else len(text), rng.choice(LABELS)))
        by_annotator = {}
        for annotator in range(annotators):
            marked = []
            for start, end, label in base:
                roll = rng.random()
                if roll < 0.05:
                    continue  # missed
                if roll < 0.10:
                    label = rng.choice(LABELS)
                elif roll < 0.15:
                    end = max(start + 1, end - 1)
                marked.append((start, end, label))
            by_annotator[f"annotator{annotator}"] = marked
        data.append((text, by_annotator))
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument("--annotators", type=int, default=3)
    parser.add_argument("--spans", type=int, default=20)
    parser.add_argument("--database", action="store_true", help="go through PostgreSQL")
    parser.add_argument("--measure", type=int, help=argparse.SUPPRESS)
    parser.add_argument(
        "--database-url", default=DEFAULT_URL.format(name="workbench_bench_agreement")
    )
    args = parser.parse_args()
    if args.measure:
        measure(args)
        return
    if args.database:
        through_database(args)
        return

    rng = random.Random(20261121)
    started = time.perf_counter()
    data = generate(args.documents, args.annotators, args.spans, rng)
    stances = [[rng.choice(STANCES) for _ in range(args.annotators)] for _ in range(args.documents)]
    generated = time.perf_counter() - started
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    started = time.perf_counter()
    documents = {index: by_annotator for index, (_, by_annotator) in enumerate(data)}
    exact = pairwise_span_agreement(documents, EXACT)
    overlap = pairwise_span_agreement(documents, OVERLAP)
    tokens_alpha = token_alpha(data)
    stance_alpha = krippendorff_alpha(stances)
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    pair = next(iter(exact))
    print(
        f"documents {args.documents:,} x annotators {args.annotators} x spans {args.spans} "
        f"(generated in {generated:.1f} s)"
    )
    print(f"pairs                 {len(exact)}")
    print(f"exact F1 {pair}       {exact[pair]['overall']['f1']:.3f}")
    print(f"overlap F1 {pair}     {overlap[pair]['overall']['f1']:.3f}")
    print(f"token alpha           {tokens_alpha:.3f}")
    print(f"stance alpha (random) {stance_alpha:.3f}")
    print(f"seconds               {elapsed:.2f}")
    print(f"peak RSS              {peak:.0f} MB (after generating the data: {rss_before:.0f} MB)")


def through_database(args: argparse.Namespace) -> None:
    fresh_database(args.database_url)
    started = time.perf_counter()
    project, stored = store_project(args.documents, args.annotators, args.spans)
    print(f"stored {stored} in {time.perf_counter() - started:.1f} s")
    # Measured in a fresh process, so that peak memory is the agreement's, not the set-up's.
    command = [sys.executable, __file__, "--measure", str(project.pk)]
    subprocess.run([*command, "--database-url", args.database_url], check=True)


def store_project(documents: int, annotators: int, spans: int):
    """Store a generated project's submitted annotations with bulk inserts (not the services).

    Returns the project and a line saying what was stored.
    """
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from annotations.models import Annotation, Document, Label, Project, Span
    from annotations.repair import content_hash

    data = generate(documents, annotators, spans, random.Random(20261121))
    with transaction.atomic():
        project = Project.objects.create(name=PROJECT)
        labels = {
            name: Label.objects.create(project=project, name=name, kind="entity") for name in LABELS
        }
        users = [
            get_user_model().objects.create(username=f"annotator{index}")
            for index in range(annotators)
        ]
        stored = Document.objects.bulk_create(
            Document(
                project=project,
                text=f"{index} {text}",
                content_hash=content_hash(f"{index} {text}"),
            )
            for index, (text, _) in enumerate(data)
        )
        annotations = Annotation.objects.bulk_create(
            Annotation(document=document, author=user, status="submitted")
            for document in stored
            for user in users
        )
        rows = []
        for position, (document, (_, by_annotator)) in enumerate(zip(stored, data, strict=True)):
            for index, user in enumerate(users):
                annotation = annotations[position * len(users) + index]
                for start, end, label in by_annotator[user.username]:
                    # The text was prefixed with the document's number and a space.
                    shift = len(str(position)) + 1
                    rows.append(
                        Span(
                            annotation=annotation,
                            label=labels[label],
                            start=start + shift,
                            end=end + shift,
                            text=document.text[start + shift : end + shift],
                        )
                    )
        Span.objects.bulk_create(rows, batch_size=5000)
    what = f"{len(stored):,} documents, {len(annotations):,} annotations, {len(rows):,} spans"
    return project, what


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM starts afresh at exec, ru_maxrss does not)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(args: argparse.Namespace) -> None:
    setup_django(args.database_url)
    from annotations import selectors
    from annotations.agreement import project_agreement
    from annotations.models import Project

    project = Project.objects.get(pk=args.measure)
    rss_before = peak_rss_mb()
    started = time.perf_counter()
    inputs = selectors.agreement_inputs(project=project)
    read = time.perf_counter() - started
    result = project_agreement(inputs)
    elapsed = time.perf_counter() - started
    peak = peak_rss_mb()
    print(f"documents compared    {result['documents']:,}")
    print(f"exact F1 overall      {result['spans']['exact']['overall']['f1']:.3f}")
    print(f"overlap F1 overall    {result['spans']['overlap']['overall']['f1']:.3f}")
    print(f"token alpha           {result['entity_tokens_alpha']:.3f}")
    print(f"seconds               {elapsed:.2f} (reading: {read:.2f})")
    print(f"peak RSS              {peak:.0f} MB (Django loaded: {rss_before:.0f} MB)")


if __name__ == "__main__":
    main()
