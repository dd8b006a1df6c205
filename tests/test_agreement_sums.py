"""Project agreement summed from per-document counts equals the full computation, exactly."""

import json
import random

import pytest

from annotations import items
from annotations.agreement import AnnotatorWork, project_agreement
from annotations.agreement_sums import (
    counts_from_json,
    counts_replace,
    counts_to_json,
    counts_total,
    document_counts,
    figures,
)

NAMES = ["ana", "bob", "chen", "dana", "eve"]
ENTITY_LABELS = ["PER", "ORG", "LOC"]
TARGETS = ["intervention", "elections"]
VALUES = ["FAVOR", "AGAINST", "NEUTRAL"]
RELATION_LABELS = ["met", "located_in"]
TEXT = "Keita said the army reached Gao , near the border , after fighting ." * 3


def random_work(rng: random.Random, base: list[tuple[int, int, str]]) -> AnnotatorWork:
    entities = []
    for start, end, label in base:
        roll = rng.random()
        if roll < 0.15:
            continue
        if roll < 0.3:
            label = rng.choice(ENTITY_LABELS)
        elif roll < 0.4:
            end = max(start + 1, end - 2)
        entities.append((start, end, label))
    claims = [
        (start, start + 20, "CLAIM", rng.choice(["yes", "no", "unsure", ""]))
        for start in rng.sample([0, 30, 60, 90], rng.randint(0, 3))
    ]
    holders = [None, (0, 5), (28, 31)]
    stances = []
    for target in TARGETS:
        for holder in holders:
            if rng.random() < 0.4:
                stances.append((target, holder, rng.choice(VALUES)))
    relations = []
    for source in entities:
        for target in entities:
            if source != target and rng.random() < 0.3:
                relations.append(
                    items.relation_item(
                        label=rng.choice(RELATION_LABELS),
                        source=(source[2], source[0], source[1]),
                        target=(target[2], target[0], target[1]),
                    )
                )
    return AnnotatorWork(
        entities=entities, claims=claims, stances=stances, relations=list(set(relations))
    )


def random_document(rng: random.Random) -> tuple[str, dict[str, AnnotatorWork]]:
    base = []
    for _ in range(rng.randint(0, 8)):
        start = rng.randrange(0, len(TEXT) - 10)
        base.append((start, start + rng.randint(1, 9), rng.choice(ENTITY_LABELS)))
    names = rng.sample(NAMES, rng.choice([1, 2, 2, 3, 3, 4]))
    return TEXT, {name: random_work(rng, base) for name in names}


@pytest.mark.parametrize("seed", range(25))
def test_summed_counts_give_exactly_the_full_computation(seed):
    rng = random.Random(seed)
    documents = [random_document(rng) for _ in range(rng.randint(1, 30))]
    total = counts_total(document_counts(text, works) for text, works in documents)
    assert figures(total) == project_agreement(documents)


@pytest.mark.parametrize("seed", range(10))
def test_replacing_a_documents_counts_matches_recomputing_the_project(seed):
    rng = random.Random(1000 + seed)
    documents = [random_document(rng) for _ in range(20)]
    total = counts_total(document_counts(text, works) for text, works in documents)
    for _ in range(10):
        index = rng.randrange(len(documents))
        old = document_counts(*documents[index])
        documents[index] = random_document(rng)
        total = counts_replace(total, old, document_counts(*documents[index]))
    assert figures(total) == project_agreement(documents)
    assert total == counts_total(document_counts(text, works) for text, works in documents)


def test_counts_survive_a_json_column():
    rng = random.Random(7)
    counts = counts_total(document_counts(*random_document(rng)) for _ in range(10))
    assert counts_from_json(json.loads(json.dumps(counts_to_json(counts)))) == counts


def test_a_document_with_one_annotator_counts_for_nothing():
    rng = random.Random(3)
    text, works = random_document(rng)
    single = dict([next(iter(works.items()))])
    assert document_counts(text, single) == {}
    assert figures(counts_total([])) == project_agreement([])


def test_taking_out_counts_never_added_is_refused():
    rng = random.Random(5)
    counts = counts_total(document_counts(*random_document(rng)) for _ in range(5))
    with pytest.raises(ValueError):
        counts_replace(counts_total([]), counts, counts_total([]))
