"""Imports cannot pin a CPU: preparing one document costs CPU time linear in its size.

Every test runs its work under a CPU-time alarm (``ITIMER_PROF``), so code that is quadratic
or worse fails within seconds instead of holding the test run for minutes; the time asserted
is ``time.process_time``, the CPU time of this process, which another process's load barely
moves. The bounds are generous: on the 2-core development machine each case takes a fraction
of its bound (docs/benchmarks.md, "Preparing one document").
"""

import contextlib
import difflib
import random
import re
import signal
import time
import unicodedata
from collections.abc import Iterator

import pytest

from annotations import repair
from annotations.offsets import OffsetMap
from annotations.services.ingest import (
    ImportOptions,
    LabelIndex,
    Prepared,
    prepare,
    record_from_object,
)

WORDS = re.findall(
    r"\w+",
    "the army said on Thursday that troops had reached the northern town after a week of "
    "fighting with armed groups near the border while officials promised talks",
)
NAMES = ["Keïta", "Traoré", "Le Drian", "Touré", "Maïga", "Dicko"]
LABELS = LabelIndex(by_name={"PER": (1, "entity"), "CLAIM": (2, "claim")}, allow_overlap=False)
# What the issue asks for is under 1 s; these leave room for a slow, shared machine.
DOCUMENT_CPU_SECONDS = 4.0
STEP_CPU_SECONDS = 3.0


class CpuTimeExceeded(Exception):
    pass


@contextlib.contextmanager
def cpu_alarm(seconds: float) -> Iterator[None]:
    """Raise CpuTimeExceeded once this process has used ``seconds`` more of CPU time."""

    def expire(signum, frame):
        raise CpuTimeExceeded(f"more than {seconds} CPU seconds")

    previous = signal.signal(signal.SIGPROF, expire)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)


def cpu_seconds(work, bound: float):
    """Run ``work()`` under an alarm at twice ``bound``; return its result and CPU time."""
    with cpu_alarm(2 * bound):
        start = time.process_time()
        result = work()
        used = time.process_time() - start
    return result, used


def news_document(size: int, spans: int = 1000, seed: int = 7) -> tuple[dict, list[str]]:
    """A news-like record of ``size`` characters with every repair to make, and its spans.

    CRLF line ends, mojibake in one paragraph of 40, a decomposed accent in the others (for
    NFC), three paragraphs repeated verbatim further on; ``spans`` pre-annotations: entities
    on the names (some inside the mojibake) and, one in ten, a claim on the quote with its
    claimant. Returns the record (a .jsonl line's object) and the text each span must carry,
    entities first and then claims, the order in which they are prepared.
    """
    rng = random.Random(seed)
    paragraphs: list[tuple[str, str, int, int]] = []  # text, name, where, quote's [start, end)
    length = 0
    while length < size:
        words = rng.choices(WORDS, k=rng.randint(30, 60))
        name = rng.choice(NAMES)
        cut = rng.randrange(1, len(words))
        head = " ".join(words[:cut]) + " "
        if len(paragraphs) % 40 == 7:
            text = f"{head}{name} said l’opération était terminée."
            head, name, text = (part.encode().decode("windows-1252") for part in (head, name, text))
            quote = (0, 0)
        else:
            said = f"{head}{name} said "
            text = said + "\u201c" + " ".join(words[cut:]) + "\u201d \u2014 e\u0301lu."
            quote = (len(said), text.index("\u201d") + 1)
        paragraphs.append((text, name, len(head), *quote))
        length += len(text) + 2
    middle = len(paragraphs) // 2
    paragraphs[middle + 5 : middle + 5] = paragraphs[middle - 3 : middle]
    text = "\r\n".join(paragraph for paragraph, *_ in paragraphs)
    entities, claims, entity_texts, claim_texts = [], [], [], []
    position = 0
    step = max(1, len(paragraphs) // spans)
    for index, (paragraph, name, at, quote_start, quote_end) in enumerate(paragraphs):
        if index % step == 0 and len(entities) + len(claims) < spans:
            start = position + at
            if index % (10 * step) == 0 and quote_end:
                claims.append(
                    {
                        "start": position + quote_start,
                        "end": position + quote_end,
                        "label": "CLAIM",
                        "claimant": {"start": start, "end": start + len(name)},
                    }
                )
                claim_texts.append(paragraph[quote_start:quote_end])
            entities.append({"start": start, "end": start + len(name), "label": "PER"})
            entity_texts.append(repair.fix_mojibake(name, want_map=False)[0])
        position += len(paragraph) + 2
    record = {"text": text, "external_id": "long", "entities": entities, "claims": claims}
    return record, entity_texts + claim_texts


def test_one_megabyte_with_1000_spans_and_a_repeat_prepares_in_bounded_cpu_time():
    obj, expected = news_document(1_000_000)
    assert len(obj["entities"]) + len(obj["claims"]) == 1000
    record = record_from_object(obj, 1)
    options = ImportOptions(normalize="nfc")
    prepared, used = cpu_seconds(lambda: prepare(record, options, LABELS), DOCUMENT_CPU_SECONDS)
    assert used < DOCUMENT_CPU_SECONDS
    assert isinstance(prepared, Prepared)
    assert prepared.repairs == ["line_breaks", "mojibake", "nfc"]
    assert [w for w in prepared.warnings if w.startswith("Repeated passage")]
    # Every span was carried through every repair, exactly, claimants included.
    assert [prepared.text[s.start : s.end] for s in prepared.spans] == expected
    assert all(s.claimant is not None for s in prepared.spans if s.kind == "claim")


def test_collapsing_the_repeat_of_a_long_document_keeps_every_span_outside_it():
    obj, expected = news_document(300_000, spans=300)
    record = record_from_object(obj, 1)
    options = ImportOptions(collapse_repeats=True)
    prepared, used = cpu_seconds(lambda: prepare(record, options, LABELS), DOCUMENT_CPU_SECONDS)
    assert used < DOCUMENT_CPU_SECONDS
    assert "collapsed_repeat" in prepared.repairs
    assert len(prepared.spans) >= len(expected) - 3
    assert {prepared.text[s.start : s.end] for s in prepared.spans} <= set(expected)


def test_repeat_detection_is_linear_on_paragraphs_that_differ_only_in_blank_lines():
    # The report of the issue: a 36 KB .txt of short equal lines, between which the blank
    # lines vary, took 17 s (each line walked every later one, then compared the texts).
    rng = random.Random(0)
    text = "".join("ab" + rng.choice(["\n", "\n \n"]) for _ in range(400_000))
    _, used = cpu_seconds(lambda: repair.find_repeated_passages(text), STEP_CPU_SECONDS)
    assert used < STEP_CPU_SECONDS


def test_repeat_detection_is_linear_on_short_repeated_lines():
    rng = random.Random(1)
    text = "".join(rng.choice(["a", "b", "c"]) + "\n" for _ in range(500_000))
    _, used = cpu_seconds(lambda: repair.find_repeated_passages(text), STEP_CPU_SECONDS)
    assert used < STEP_CPU_SECONDS


def test_a_repeat_is_found_verbatim_even_when_blank_lines_differ_elsewhere():
    para = [f"Paragraph {i} " + "x" * 60 for i in range(6)]
    # The same paragraphs twice, but the second copy has a blank line before its last one:
    # the verbatim repeat is the first five, which the old check of the longest run missed.
    text = "\n".join(para) + "\nInterlude.\n" + "\n".join(para[:5]) + "\n\n" + para[5]
    [found] = repair.find_repeated_passages(text)
    assert text[found.start : found.end] == "\n".join(para[:5])
    assert text[found.first_start : found.first_end] == "\n".join(para[:5])


def test_offset_map_through_mojibake_is_linear():
    # The report of the issue: 13 KB of mojibake with pre-annotations took 34 s (difflib).
    clean = "Le président a déclaré à l’armée que l’opération était terminée. " * 8_000
    damaged = clean.encode("utf-8").decode("windows-1252")
    (fixed, offset_map), used = cpu_seconds(
        lambda: repair.fix_mojibake(damaged, want_map=True), STEP_CPU_SECONDS
    )
    assert used < STEP_CPU_SECONDS
    assert fixed == clean
    word = damaged.index("l’opération".encode().decode("windows-1252"), 250_000)
    start, end = offset_map.map(word), offset_map.map(word + len("lâ€™opÃ©ration"))
    assert fixed[start:end] == "l’opération"


def test_offset_map_through_nfc_is_linear():
    clean = "Le pre\u0301sident de\u0301clare\u0301 \uf900 \u1100\u1161\u11a8 " * 20_000
    (fixed, offset_map), used = cpu_seconds(
        lambda: repair.normalize_nfc(clean, want_map=True), STEP_CPU_SECONDS
    )
    assert used < STEP_CPU_SECONDS
    assert fixed == unicodedata.normalize("NFC", clean)
    assert offset_map.map(len(clean)) == len(fixed)


def test_many_pre_annotations_in_reverse_order_are_checked_in_bounded_cpu_time():
    # Each span used to be checked against every span kept before it.
    text = "Keïta. " * 20_000
    entities = [{"start": i * 7, "end": i * 7 + 5, "label": "PER"} for i in reversed(range(20_000))]
    claims = [
        {
            "start": i * 7,
            "end": i * 7 + 6,
            "label": "CLAIM",
            "claimant": {"start": i * 7, "end": i * 7 + 5},
        }
        for i in range(0, 20_000, 2)
    ]
    record = record_from_object({"text": text, "entities": entities, "claims": claims}, 1)
    prepared, used = cpu_seconds(lambda: prepare(record, ImportOptions(), LABELS), STEP_CPU_SECONDS)
    assert used < STEP_CPU_SECONDS
    assert len(prepared.spans) == 30_000
    assert all(s.claimant is not None for s in prepared.spans if s.kind == "claim")


def test_utf16_offsets_of_many_spans_are_converted_in_bounded_cpu_time():
    # Each UTF-16 offset walked the text from its start (utf16_to_codepoint): quadratic.
    text = "🇲🇱 Keïta. " * 20_000  # a flag (2 code points, 4 UTF-16 units) before every name
    entities = [{"start": i * 12 + 5, "end": i * 12 + 10, "label": "PER"} for i in range(20_000)]
    record = record_from_object({"text": text, "entities": entities}, 1)
    options = ImportOptions(offsets="utf16")
    prepared, used = cpu_seconds(lambda: prepare(record, options, LABELS), STEP_CPU_SECONDS)
    assert used < STEP_CPU_SECONDS
    assert [prepared.text[s.start : s.end] for s in prepared.spans] == ["Keïta"] * 20_000


# Exactness: the linear maps never move an offset where a character diff would not.

POOL = (
    list("abcdefghij KLMNOP.,;:!?'\"-\n\t0123456789")
    + list("éèàçïôüÉÀœŒÃÂâ€™“”‘’—–…«»°²³×¡¿¢£¥§¶¦¤¨¯¸ƒˆ˜†‡‰¬")
    + ["\x80", "\x85", "\xa0", "\xad", "\x00", "\ufeff", "😀", "北京", "e\u0301", "\u1100\u1161"]
    + ["Ã©", "Ã ", "Â ", "â€™", "â€”", "Ã¨", "Ð¿Ñ€", "Ã¡", "Ã¯", "\uf900", "a\u0328\u0301"]
)


def _diff_map(before: str, after: str) -> OffsetMap:
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    return OffsetMap(
        [(i1, i2, j2 - j1) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"]
    )


@pytest.mark.parametrize("step", [repair.fix_mojibake, repair.normalize_nfc])
def test_maps_agree_with_a_character_diff_or_refuse(step):
    rng = random.Random(20261121)
    for _ in range(600):
        text = "".join(rng.choices(POOL, k=rng.randint(1, 60)))
        fixed, offset_map = step(text, want_map=True)
        if offset_map is None:
            continue
        reference = _diff_map(text, fixed)
        for offset in range(len(text) + 1):
            image = offset_map.map(offset)
            if image is not None and image != reference.map(offset):
                # Where they differ, the diff guessed: the text either side must agree.
                assert step(text[:offset], want_map=False)[0] == fixed[:image], repr(text)
                assert step(text[offset:], want_map=False)[0] == fixed[image:], repr(text)
