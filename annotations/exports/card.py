"""A release's dataset card: ``README.md``, from plain facts gathered when the release is built.

The card says what the dataset is (project, description, release), how many documents, spans
and stances per label and per split, how documents were split, the agreement measured at
release time, the guidelines (their version number and text, and how many gold documents were
made under each version: see ``GuidelinesCount``), the label definitions, the files with
their sha256, what each format left out, and the licence and citation fields of the project.
It opens with the YAML header the Hugging Face Hub reads (``license``, ``pretty_name``). It
holds no timestamp, so the same gold gives the same card.
"""

from dataclasses import dataclass, field
from typing import Any

NONE_GIVEN = "_Not given: set the project's licence and citation (admin or API) to fill this._"
NOT_RECORDED = "not recorded (made before guidelines were versioned)"


@dataclass(frozen=True)
class GuidelinesCount:
    """How many released gold documents were made under one guidelines version.

    ``version`` is the version current when the gold was marked reviewed, else the one it was
    started under; None when neither was recorded.
    """

    version: int | None
    documents: int


@dataclass
class CardFacts:
    project: str
    description: str
    release: str
    guidelines: str
    guidelines_version: int | None  # the version current when the release was built
    guidelines_counts: list[GuidelinesCount]
    reviewed_only: bool  # only gold a reviewer marked reviewed
    licence: str
    citation: str
    documents: int
    split: str | None  # describe_split's words, or None
    split_names: tuple[str, ...]
    documents_per_split: dict[str, int]
    # label -> {"kind", "count", "splits": {split: count}}
    labels: dict[str, dict[str, Any]]
    definitions: dict[str, str]  # label -> its description
    targets: dict[str, str]  # stance target -> its description
    agreement: dict[str, Any]
    # format -> {"file", "size", "sha256", "warning_count"}
    files: dict[str, dict[str, Any]] = field(default_factory=dict)


def _cell(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(value) for value in row) + " |" for row in rows]
    return lines


def _figure(value: Any) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def render_card(facts: CardFacts) -> str:
    """The README.md of a release."""
    licence = facts.licence or "other"
    lines = [
        "---",
        f"license: {_cell(licence)}",
        f'pretty_name: "{_cell(facts.project)} ({_cell(facts.release)})"',
        "---",
        "",
        f"# {facts.project}: release “{facts.release}”",
        "",
        facts.description or "_The project has no description._",
        "",
        "## What it holds",
        "",
        f"Gold annotations of {facts.documents} documents{_which_gold(facts)}: entities, claims "
        "(with their "
        "claimant and check-worthiness) and stances (target, value, holder, evidence). "
        "Offsets are Unicode code points of each document's text, half-open [start, end).",
        "",
        *_splits(facts),
        *_labels(facts),
        *_agreement(facts.agreement),
        *_files(facts),
        *_guidelines(facts),
        "## Licence",
        "",
        facts.licence or NONE_GIVEN,
        "",
        "## Citation",
        "",
        *(["```", facts.citation, "```"] if facts.citation else [NONE_GIVEN]),
        "",
    ]
    return "\n".join(lines)


def _which_gold(facts: CardFacts) -> str:
    if facts.reviewed_only:
        return " (only gold a reviewer marked reviewed)"
    return " (all gold, reviewed or not)"


def _guidelines(facts: CardFacts) -> list[str]:
    current = "not versioned" if facts.guidelines_version is None else facts.guidelines_version
    rows = [
        [NOT_RECORDED if count.version is None else f"version {count.version}", count.documents]
        for count in facts.guidelines_counts
    ]
    return [
        "## Guidelines",
        "",
        "The gold of this release was made under these versions of the guidelines (the version "
        "current when a reviewer marked it reviewed, else when it was started):",
        "",
        *_table(["guidelines", "documents"], rows),
        "",
        f"The text below is version {current}, current when the release was built.",
        "",
        facts.guidelines or "_The project has no written guidelines._",
        "",
    ]


def _splits(facts: CardFacts) -> list[str]:
    if facts.split is None:
        return ["## Splits", "", "Not split: every document is in one file.", ""]
    rows = [[name, facts.documents_per_split.get(name, 0)] for name in facts.split_names]
    return [
        "## Splits",
        "",
        f"{facts.split}. A document's split depends only on its id and the seed, so it is the "
        "same in every file of this release and in any release with the same split and seed.",
        "",
        *_table(["split", "documents"], rows),
        "",
    ]


def _labels(facts: CardFacts) -> list[str]:
    names = list(facts.split_names) if facts.split is not None else []
    rows = []
    for label in sorted(set(facts.definitions) | set(facts.labels)):
        counted = facts.labels.get(label, {"kind": "", "count": 0, "splits": {}})
        per_split = [counted.get("splits", {}).get(name, 0) for name in names]
        definition = facts.definitions.get(label, "")
        rows.append([label, counted["kind"], counted["count"], *per_split, definition])
    lines = ["## Labels", "", *_table(["label", "kind", "count", *names, "definition"], rows), ""]
    if facts.targets:
        targets = [[name, description] for name, description in facts.targets.items()]
        lines += ["Stance targets:", "", *_table(["target", "description"], targets), ""]
    return lines


def _agreement(agreement: dict[str, Any]) -> list[str]:
    lines = ["## Agreement", ""]
    if not agreement or not agreement.get("documents"):
        return [*lines, "No document had two or more submitted annotations: not measured.", ""]
    spans = agreement.get("spans", {})
    rows = [
        ["documents compared", agreement["documents"]],
        ["span F1, exact", _figure(spans.get("exact", {}).get("overall", {}).get("f1"))],
        ["span F1, overlap", _figure(spans.get("overlap", {}).get("overall", {}).get("f1"))],
        ["entity tokens, Krippendorff's α", _figure(agreement.get("entity_tokens_alpha"))],
        ["check-worthiness, α", _figure(agreement.get("checkworthy", {}).get("alpha"))],
    ]
    for target, figures in agreement.get("stances", {}).items():
        rows.append([f"stance on “{target}”, α", _figure(figures.get("alpha"))])
    return [*lines, *_table(["measure", "value"], rows), ""]


def _files(facts: CardFacts) -> list[str]:
    rows = [
        [name, entry["file"], entry["size"], f"`{entry['sha256']}`", entry["warning_count"]]
        for name, entry in facts.files.items()
    ]
    header = ["format", "file", "bytes", "sha256", "spans left out"]
    note = (
        "Spans a format could not hold (entities off token boundaries, overlapping entities in "
        "BIO formats) are listed in this release's warnings file."
    )
    return ["## Files", "", *_table(header, rows), "", note, ""]
