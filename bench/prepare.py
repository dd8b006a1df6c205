"""Benchmark: prepare (repair, find repeats, carry spans) one document of 10 KB to 10 MB.

    .venv/bin/python bench/prepare.py [--sizes 10000,100000,1000000,10000000] [--runs 3]

Prepares one generated news-like document per size, as an import does before storing it
(`annotations.services.ingest.prepare`, no database), and prints the CPU seconds it took
(`time.process_time`, best of `--runs`) and the CPU time per megabyte, which stays flat when
the growth is linear. Documents: CRLF line ends, mojibake in one paragraph of 40, a decomposed
accent in the others (imported with NFC), a passage of three paragraphs repeated, and one
pre-annotated span per kilobyte (an entity on a name, or a claim with its claimant), every
one of them carried through every repair. Two hostile shapes follow, at the same sizes: short
equal lines between which the blank lines vary (repeated-passage detection), and a text that
is mojibake from end to end with spans (the offset map through the repair).
The machine's load average is printed before and after: CPU time varies little with it.
"""

import argparse
import os
import random
import time
from collections.abc import Callable

from common import setup_django

WORDS = (
    "the army said on Thursday that troops had reached the northern town after a week of "
    "fighting with armed groups near the border while officials promised talks"
).split()
NAMES = ["Keïta", "Traoré", "Le Drian", "Touré", "Maïga", "Dicko"]


def news(size: int, seed: int = 7) -> dict:
    """A news-like record of about ``size`` characters, one span per 1,000 characters."""
    rng = random.Random(seed)
    paragraphs: list[tuple[str, int, int, int]] = []  # text, name's [start, end), quote end
    length = 0
    while length < size:
        words = rng.choices(WORDS, k=rng.randint(30, 60))
        name = rng.choice(NAMES)
        cut = rng.randrange(1, len(words))
        head = " ".join(words[:cut]) + " "
        if len(paragraphs) % 40 == 7:
            text = f"{head}{name} said l’opération était terminée."
            head, name, text = (part.encode().decode("windows-1252") for part in (head, name, text))
            quote_end = 0
        else:
            text = f"{head}{name} said \u201c{' '.join(words[cut:])}\u201d \u2014 e\u0301lu."
            quote_end = text.index("\u201d") + 1
        paragraphs.append((text, len(head), len(head) + len(name), quote_end))
        length += len(text) + 2
    middle = len(paragraphs) // 2
    paragraphs[middle + 5 : middle + 5] = paragraphs[middle - 3 : middle]
    # A span every 1,000 characters: an entity on the name, or (one in ten) a claim on the
    # quote whose claimant is the entity before it.
    entities: list[dict] = []
    claims: list[dict] = []
    position = next_span = 0
    for text, start, end, quote_end in paragraphs:
        if position >= next_span:
            next_span += 1000
            if (len(entities) + len(claims)) % 10 == 9 and quote_end and entities:
                claim = {"start": position + end + len(" said "), "end": position + quote_end}
                claimant = {"start": entities[-1]["start"], "end": entities[-1]["end"]}
                claims.append({**claim, "label": "CLAIM", "claimant": claimant})
            else:
                entities.append({"start": position + start, "end": position + end, "label": "PER"})
        position += len(text) + 2
    text = "\r\n".join(text for text, *_ in paragraphs)
    return {"text": text, "entities": entities, "claims": claims}


def blank_lines(size: int) -> dict:
    """Short equal lines, the blank lines between them varying: repeats' worst case."""
    rng = random.Random(0)
    return {"text": "".join("ab" + rng.choice(["\n", "\n \n"]) for _ in range(size // 3))}


def all_mojibake(size: int) -> dict:
    """UTF-8 read as Windows-1252 from end to end, one span per 1,000 characters."""
    sentence = "Le président a déclaré à l’armée que l’opération était terminée. "
    damaged = sentence.encode().decode("windows-1252")
    text = damaged * (size // len(damaged))
    name = len("Le ")
    entities = [
        {"start": at + name, "end": at + name + len("prÃ©sident"), "label": "PER"}
        for at in range(0, len(text), len(damaged) * max(1, 1000 // len(damaged)))
    ]
    return {"text": text, "entities": entities}


def measure(work: Callable[..., object], args: tuple, runs: int) -> tuple[float, float, object]:
    """Best CPU and wall seconds of ``runs`` calls of ``work(*args)``, and what it returned."""
    cpu, wall = [], []
    result = None
    for _ in range(runs):
        start_cpu, start_wall = time.process_time(), time.perf_counter()
        result = work(*args)
        cpu.append(time.process_time() - start_cpu)
        wall.append(time.perf_counter() - start_wall)
    return min(cpu), min(wall), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000,10000000")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    setup_django("sqlite://:memory:")  # prepare never queries: settings and models only
    from annotations.services.ingest import (
        ImportOptions,
        LabelIndex,
        Prepared,
        prepare,
        record_from_object,
    )

    labels = LabelIndex({"PER": (1, "entity"), "CLAIM": (2, "claim")}, allow_overlap=False)
    load_before = os.getloadavg()
    print(
        f"{'document':<14}{'characters':>12}{'spans':>8}{'CPU s':>9}{'wall s':>9}{'CPU s/MB':>10}"
    )
    for shape, build, options in (
        ("news, NFC", news, ImportOptions(normalize="nfc")),
        ("blank lines", blank_lines, ImportOptions()),
        ("all mojibake", all_mojibake, ImportOptions()),
    ):
        for size in sizes:
            record = record_from_object(build(size), 1)
            runs = args.runs if size < 10_000_000 else 1
            cpu, wall, prepared = measure(prepare, (record, options, labels), runs)
            assert isinstance(prepared, Prepared), prepared
            assert len(prepared.spans) == len(record.spans), "a span was not carried"
            chars = len(record.text)
            print(
                f"{shape:<14}{chars:>12,}{len(record.spans):>8,}{cpu:>9.3f}{wall:>9.3f}"
                f"{cpu / chars * 1e6:>10.3f}"
            )
    load_after = os.getloadavg()
    print(f"load average        {load_before[0]:.2f} before, {load_after[0]:.2f} after")


if __name__ == "__main__":
    main()
