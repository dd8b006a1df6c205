"""Benchmark: the built-in recommenders on a generated corpus; print F1 per label, training time
and pre-annotation throughput.

    .venv/bin/python bench/recommender.py [--train 200] [--test 1000] [--iterations 20]

    .venv/bin/python bench/recommender.py --database [--database-url postgres://...]

The corpus: news-like documents (the filler words of bench/common.py) of about 1,500
characters, each with a dozen people, places and organisations drawn from lists in sentence
templates; a fifth of the names in the test documents never occur in the training documents
(what a model must generalise to), and some text sits behind astral characters (emoji), so
code-point offsets are exercised. The spaCy NER (annotations/learning/ner.py) and the gold
dictionary (annotations/learning/dictionary.py) are trained on ``--train`` gold documents and
scored (exact match) on ``--test`` other documents.

With ``--database`` the whole path runs as on the worker, in a fresh PostgreSQL database: the
gold stored and marked reviewed, ``model_version_run`` trains (holding 20 % of the gold out
for its own figures) and pre-annotates the ``--test`` documents nobody has started (stored
predictions); the F1 printed is of those stored predictions against the generated truth.
"""

import argparse
import math
import random
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import DEFAULT_URL, NAMES, WORDS, fresh_database

from annotations.learning import dictionary, ner
from annotations.learning.evaluation import span_scores

FIRST = [
    "Amadou",
    "Fatoumata",
    "Ibrahim",
    "Aïcha",
    "Moussa",
    "Oumar",
    "Salif",
    "Mariam",
    "Bakary",
    "Kadiatou",
    "Seydou",
    "Awa",
    "Modibo",
    "Hawa",
    "Cheick",
    "Rokia",
]
PLACES = [
    "Kidal",
    "Gao",
    "Bamako",
    "Tombouctou",
    "Mopti",
    "Ségou",
    "Kayes",
    "Sikasso",
    "Ménaka",
    "Niamey",
    "Ouagadougou",
    "Tessalit",
    "Anéfis",
    "Diré",
    "Léré",
    "Niono",
    "Koutiala",
    "Bourem",
    "Ansongo",
    "Douentza",
]
ORGS = [
    "MINUSMA",
    "the African Union",
    "ECOWAS",
    "the Red Cross",
    "Médecins Sans Frontières",
    "the World Food Programme",
    "CMA",
    "the National Assembly",
    "Barkhane",
    "UNICEF",
    "the Ministry of Defence",
    "Amnesty International",
]
TEMPLATES = [
    "{PER} arrived in {LOC} on {day}.",
    "Officials of {ORG} said {PER} had left {LOC}.",
    "In {LOC}, {PER} met representatives of {ORG}.",
    "{ORG} reported fighting near {LOC}.",
    "A spokesman for {ORG}, {PER}, denied the reports.",
    "{PER} told reporters that {ORG} would return to {LOC}.",
]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
LABELS = ["LOC", "ORG", "PER"]
EMOJI = ["😀", "📰", "🇲🇱"]


def people() -> list[str]:
    return sorted({f"{first} {last}" for first in FIRST for last in NAMES})


def split_names(rng: random.Random) -> tuple[dict, dict]:
    """Names for training, and the names the test documents draw from (a fifth unseen)."""
    pools = {"PER": people(), "LOC": list(PLACES), "ORG": list(ORGS)}
    seen, unseen = {}, {}
    for label, names in pools.items():
        rng.shuffle(names)
        cut = max(1, len(names) // 5)
        unseen[label], seen[label] = names[:cut], names[cut:]
    return seen, unseen


def document(rng: random.Random, seen: dict, unseen: dict | None) -> tuple[str, list]:
    """One ~1,500-character document and its spans (code-point offsets)."""
    parts: list[str] = []
    spans = []
    length = 0
    while length < 1500:
        filler = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 14)))
        filler = filler[0].upper() + filler[1:] + "."
        if rng.random() < 0.15:
            filler = rng.choice(EMOJI) + " " + filler
        template = rng.choice(TEMPLATES)
        sentence = ""
        cursor = 0
        base = length + len(filler) + 1
        for piece in template.replace("}", "{").split("{"):
            if piece in LABELS:
                pool = unseen if unseen is not None and rng.random() < 0.2 else seen
                name = rng.choice(pool[piece])
                spans.append((base + cursor, base + cursor + len(name), piece))
                sentence += name
                cursor += len(name)
            else:
                value = rng.choice(DAYS) if piece == "day" else piece
                sentence += value
                cursor += len(value)
        chunk = filler + " " + sentence + " "
        parts.append(chunk)
        length += len(chunk)
    text = "".join(parts).rstrip()
    return text, spans


def corpus(train: int, test: int, seed: int) -> tuple[list, list]:
    rng = random.Random(seed)
    seen, unseen = split_names(rng)
    return (
        [document(rng, seen, None) for _ in range(train)],
        [document(rng, seen, unseen) for _ in range(test)],
    )


class Clock:
    """Wall and CPU seconds of a block: on a shared machine the CPU figure is the steadier one."""

    def __enter__(self) -> "Clock":
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu


def report(name: str, scores: dict, train: tuple, predict: tuple, test: int):
    """``train`` and ``predict``: (wall seconds, CPU seconds)."""
    print(f"\n{name}")
    train_cpu = "" if math.isnan(train[1]) else f", {train[1]:.1f} s CPU"
    predict_cpu = "" if math.isnan(predict[1]) else f", {test / predict[1]:.1f} per CPU second"
    print(f"  training: {train[0]:.1f} s wall{train_cpu}")
    print(f"  pre-annotation: {test / predict[0]:.1f} documents/s wall{predict_cpu}")
    print(f"  {'label':<8}{'precision':>10}{'recall':>10}{'F1':>8}{'gold':>8}")
    for label, s in [*scores["labels"].items(), ("overall", scores["overall"])]:
        print(
            f"  {label:<8}{s['precision']:>10.3f}{s['recall']:>10.3f}{s['f1']:>8.3f}{s['gold']:>8}"
        )


def run_pure(args: argparse.Namespace) -> None:
    train, test = corpus(args.train, args.test, args.seed)
    texts = [text for text, _ in test]
    chars = sum(len(text) for text in texts)
    print(
        f"corpus: {len(train)} training and {len(test)} test documents, {chars // len(test)} "
        "characters each on average"
    )

    with Clock() as training:
        artifact, trained = ner.train(train, labels=LABELS, lang="en", iterations=args.iterations)
    nlp = ner.load(artifact)
    with Clock() as predicting:
        predicted = list(ner.predict(nlp, texts))
    scores = span_scores(zip([s for _, s in test], predicted, strict=True), LABELS)
    report(
        f"spaCy NER ({args.iterations} iterations, model {len(artifact) / 1e6:.1f} MB, "
        f"{trained.misaligned} misaligned training spans)",
        scores,
        (training.wall, training.cpu),
        (predicting.wall, predicting.cpu),
        len(test),
    )

    with Clock() as training:
        artifact = dictionary.build(train, lang="en")
        matcher = dictionary.Matcher(artifact)
    with Clock() as predicting:
        predicted = list(matcher.predict(texts))
    scores = span_scores(zip([s for _, s in test], predicted, strict=True), LABELS)
    report(
        f"Dictionary ({len(matcher.entries)} strings)",
        scores,
        (training.wall, training.cpu),
        (predicting.wall, predicting.cpu),
        len(test),
    )


def run_database(args: argparse.Namespace) -> None:
    fresh_database(args.database_url)
    import hashlib

    from django.conf import settings
    from django.db import transaction

    from annotations.models import Annotation, Document, Label, Project, Recommender, Span
    from annotations.services import recommenders

    settings.RECOMMENDER_NER_ITERATIONS = args.iterations
    train, test = corpus(args.train, args.test, args.seed)
    project = Project.objects.create(name="recommender bench", retrain_every=0)
    labels = {
        name: Label.objects.create(project=project, name=name, kind="entity", color="#3366cc").pk
        for name in LABELS
    }

    def store(text):
        return Document(
            project=project, text=text, content_hash=hashlib.sha256(text.encode()).hexdigest()
        )

    with transaction.atomic():
        gold_docs = Document.objects.bulk_create([store(text) for text, _ in train])
        golds = Annotation.objects.bulk_create(
            [Annotation(document=d, kind="gold", status="submitted") for d in gold_docs]
        )
        Span.objects.bulk_create(
            Span(annotation=gold, label_id=labels[label], start=s, end=e, text=text[s:e])
            for gold, (text, spans) in zip(golds, train, strict=True)
            for s, e, label in spans
        )
        test_docs = Document.objects.bulk_create([store(text) for text, _ in test])
    truth = {doc.pk: spans for doc, (_, spans) in zip(test_docs, test, strict=True)}
    print(f"stored {len(train)} reviewed gold and {len(test)} new documents")

    for kind in ("ner", "dictionary"):
        recommender = Recommender.objects.create(project=project, name=kind, kind=kind)
        version = recommenders.model_version_create(recommender=recommender)
        with Clock() as run:
            version = recommenders.model_version_run(version_id=version.pk, worker="bench")
        assert version.status == "ready", version.error
        stored: dict[int, list] = {pk: [] for pk in truth}
        rows = Span.objects.filter(annotation__model_version=version).values_list(
            "annotation__document_id", "start", "end", "label__name", "score"
        )
        for document_id, s, e, label, score in rows:
            stored[document_id].append((s, e, label, score))
        scores = span_scores(((truth[pk], stored[pk]) for pk in truth), LABELS)
        train_seconds = version.metrics["training_seconds"]
        print(
            f"\n(held-out F1 of its own 20 % of the gold: {version.metrics['overall']['f1']:.3f};"
            f" trained on {version.metrics['train_documents']} documents)"
        )
        report(
            f"{kind}, through the worker's service (stored predictions)",
            scores,
            (train_seconds, float("nan")),
            (run.wall - train_seconds, float("nan")),
            len(test),
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--train", type=int, default=200)
    parser.add_argument("--test", type=int, default=1000)
    parser.add_argument("--iterations", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database", action="store_true")
    parser.add_argument("--database-url", default=DEFAULT_URL.format(name="bench_recommender"))
    args = parser.parse_args()
    if args.database:
        run_database(args)
    else:
        run_pure(args)
    print("\n" + subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout)


if __name__ == "__main__":
    main()
