"""Benchmark: project agreement over generated annotations; print seconds and peak memory.

    .venv/bin/python bench/agreement.py [--documents 10000] [--annotators 3] [--spans 20]

Measures the pure agreement maths (annotations/agreement.py) on data shaped like a project:
documents of ~2,000 characters, each annotator marking `--spans` entity spans of which most
agree with the others (same offsets), some are shifted by a few characters, some relabelled,
some missing. Reports pairwise exact and overlap F1, token-level alpha on entity tags, and
alpha on one stance value per document and annotator.
"""

import argparse
import random
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

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
    args = parser.parse_args()

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


if __name__ == "__main__":
    main()
