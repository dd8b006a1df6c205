"""What every renderer receives besides the rows: the options asked for and the report to fill."""

from collections.abc import Callable
from dataclasses import dataclass, field

# What an export holds (each document's gold, or every submitted manual annotation) decides
# what the selector reads, so it is defined there.
from annotations.selectors.exports import (
    EXPORT_GOLD,
    EXPORT_INCLUDES,
    EXPORT_SUBMITTED,
    AttributeSpec,
    GroupSpec,
)

__all__ = [
    "EXPORT_GOLD",
    "EXPORT_INCLUDES",
    "EXPORT_SUBMITTED",
    "AttributeSpec",
    "ExportOptions",
    "ExportReport",
    "GroupSpec",
]

# Warnings kept for the summary; all of them are counted, and `export_dataset` prints them.
KEPT_WARNINGS = 100


@dataclass(frozen=True)
class ExportOptions:
    format: str = "jsonl"
    include: str = EXPORT_GOLD
    labels: frozenset[str] | None = None  # label names; None exports every label
    statuses: frozenset[str] | None = None  # statuses of gold; None exports any
    # Percentages of (train, validation, test) or (train, test); None: no split.
    split: tuple[int, ...] | None = None
    seed: int = 0
    # The release the export is built for: named in every file that has room for it.
    release: str | None = None
    # The project's labels as (name, kind), in the project's order: the formats that declare
    # a label set up front (hf's tag ids, brat's annotation.conf, Label Studio's config).
    vocabulary: tuple[tuple[str, str], ...] = ()
    # With the vocabulary: the attributes the labels declare, and the document label groups.
    attributes: tuple[AttributeSpec, ...] = ()
    groups: tuple[GroupSpec, ...] = ()
    # The project's name: the formats that name who made the dataset (ClaimReview's author).
    project: str = ""

    def names_of(self, *kinds: str) -> list[str]:
        """The names of the vocabulary's labels of these kinds, in order."""
        return [name for name, kind in self.vocabulary if kind in kinds]

    def attributes_of(self, label: str) -> list[AttributeSpec]:
        """The attributes a label declares, in order."""
        return [spec for spec in self.attributes if spec.label == label]

    def attribute_names(self) -> list[str]:
        """Every attribute name any label declares, once each, in order."""
        return list(dict.fromkeys(spec.name for spec in self.attributes))


@dataclass
class ExportReport:
    """What an export did: the rows it wrote, and every span it could not place."""

    rows: int = 0
    warning_count: int = 0
    warnings: list[str] = field(default_factory=list)
    # Given every warning, when the caller keeps them all (a release's warnings file).
    sink: Callable[[str], None] | None = None

    def warn(self, message: str) -> None:
        """Count a warning; keep its text while fewer than KEPT_WARNINGS are kept."""
        self.warning_count += 1
        if len(self.warnings) < KEPT_WARNINGS:
            self.warnings.append(message)
        if self.sink is not None:
            self.sink(message)
