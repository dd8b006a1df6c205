"""Train/validation/test splits by document: deterministic, identical across formats, stable.

A document's split depends only on its id and the seed: the first 8 bytes of
``sha256("<seed>:<document id>")`` place it at a point of [0, 100), and the percentages cut
that range in order (train, then validation, then test). So every format of one export, and
every release with the same split and seed, puts a document in the same split, and adding
documents never moves the ones already there. The sizes match the percentages on average, not
exactly (a 10-document project at 80,10,10 may have no test document).
"""

import hashlib

SPLIT_NAMES = {2: ("train", "test"), 3: ("train", "validation", "test")}

SPLIT_INVALID = (
    "split takes two or three whole percentages separated by commas that add up to 100 "
    "(train,validation,test or train,test), such as 80,10,10; got {value!r}."
)
SEED_INVALID = "seed takes a whole number from 0 to 2^63, such as 42; got {value!r}."
SEED_WITHOUT_SPLIT = "seed only applies with split (such as split=80,10,10)."
SEED_MAX = 2**63


def parse_split(value: str) -> tuple[int, ...]:
    """Read ``"80,10,10"`` into percentages; raise ValueError with SPLIT_INVALID."""
    parts = value.split(",")
    if len(parts) not in SPLIT_NAMES or not all(part.strip().isdigit() for part in parts):
        raise ValueError(SPLIT_INVALID.format(value=value))
    percentages = tuple(int(part) for part in parts)
    if sum(percentages) != 100:
        raise ValueError(SPLIT_INVALID.format(value=value))
    return percentages


def parse_seed(value: str) -> int:
    """Read a seed; raise ValueError with SEED_INVALID."""
    text = value.strip()
    if not text.isdigit() or int(text) > SEED_MAX:
        raise ValueError(SEED_INVALID.format(value=value))
    return int(text)


def split_names(percentages: tuple[int, ...]) -> tuple[str, ...]:
    """The names of the splits these percentages make, in order."""
    return SPLIT_NAMES[len(percentages)]


def split_of(document_id: int, *, percentages: tuple[int, ...], seed: int) -> str:
    """The split a document falls in."""
    digest = hashlib.sha256(f"{seed}:{document_id}".encode()).digest()
    point = int.from_bytes(digest[:8], "big") * 100 / 2**64
    bound = 0
    names = split_names(percentages)
    for name, share in zip(names, percentages, strict=True):
        bound += share
        if point < bound:
            return name
    return names[-1]  # only if the shares were rounded below 100, which parse_split refuses


def describe_split(percentages: tuple[int, ...], seed: int) -> str:
    """Say in words how documents were split, for cards and headers."""
    names = split_names(percentages)
    parts = ", ".join(f"{name} {share}%" for name, share in zip(names, percentages, strict=True))
    return f"{parts} (by document, seed {seed})"
