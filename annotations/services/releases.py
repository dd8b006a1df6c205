"""Releases: a project's gold frozen into files that never change, with counts and a data card.

``release_create`` checks a request and stores the release as queued (``annotations.tasks``
queues its build in the same transaction). ``release_build`` runs on a worker:

1. the snapshot: in one transaction (REPEATABLE READ on PostgreSQL) it writes the native jsonl
   export, counts spans and stances per label and kind, and computes the agreement figures, so
   that all of them describe the same instant however the gold changes meanwhile;
2. every other format is rendered from that jsonl file, not from the database, so each file
   holds exactly the snapshot's documents (progress is written as it goes);
3. the files, their sha256 and the counts are stored and the release marked ready in one
   transaction: a worker that dies before that leaves no half release, only one still
   "building" that can be built again. While it builds, the worker beats the release's
   heartbeat; a release whose worker stopped beating is marked stalled and built again from a
   fresh snapshot (``services.stalled``), which gives the same files if the gold is unchanged.

A release takes all gold, or with ``reviewed_only`` only gold a reviewer marked reviewed (its
status ``submitted``; reopened gold is ``in_progress`` again and left out). The card counts the
gold per guidelines version it was made under and holds the current guidelines text.

Files hold no timestamps or random ids: the same gold gives byte-identical files, so the same
sha256. ``release_compare`` diffs two releases from their stored jsonl files.
"""

import dataclasses
import hashlib
import logging
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypedDict, cast

import orjson
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.text import slugify

from annotations import items as item_rules
from annotations import selectors
from annotations.agreement import project_agreement
from annotations.db import export as export_db
from annotations.errors import Conflict, InvalidInput
from annotations.exports import (
    FORMAT_NEEDS_PACKAGE,
    FORMAT_UNKNOWN,
    FORMATS,
    ExportOptions,
    ExportReport,
    export_rows,
    export_stream,
    labelstudio,
    mark_rows,
    missing_package,
    packaging,
    split_options,
)
from annotations.exports.card import CardFacts, GuidelinesCount, render_card
from annotations.exports.splits import describe_split, split_names
from annotations.models import (
    Annotation,
    AnnotationKind,
    AnnotationStatus,
    Label,
    Project,
    Release,
    ReleaseFile,
    ReleaseFileChunk,
    ReleaseStatus,
    StanceTarget,
)
from annotations.models.files import CHUNK_SIZE
from annotations.services import stalled

logger = logging.getLogger(__name__)

# The snapshot itself, always built: every other file is rendered from it, and compare reads it.
SNAPSHOT_FORMAT = "jsonl"
DEFAULT_FORMATS = ("jsonl", "doccano", "conll", "csv")
# Files every release holds beside its formats (name -> content type, file name suffix): the
# dataset card, every span a format left out, and Label Studio's labelling config.
CARD = "readme"
WARNINGS = "warnings"
LABELSTUDIO_CONFIG = "labelstudio-xml"
SIDE_FILES = {
    CARD: ("text/markdown; charset=utf-8", "README.md"),
    WARNINGS: ("text/plain; charset=utf-8", "warnings.txt"),
    LABELSTUDIO_CONFIG: ("application/xml; charset=utf-8", "labelstudio.xml"),
}
# Progress is written every this many documents: often enough for a progress bar, rarely
# enough that the writes cost nothing next to rendering.
PROGRESS_EVERY = 500
# Compare lists at most this many document ids of each kind (the counts are always exact).
COMPARE_MAX_IDS = 1000

NAME_REQUIRED = "A release needs a name."
NAME_TOO_LONG = "A release name has at most {limit} characters."
NAME_TAKEN = "This project already has a release named {name!r}."
FORMATS_EMPTY = "Give at least one format, or leave formats out for {defaults}."
FORMAT_REPEATED = "Format {value!r} is listed twice."
NO_GOLD = "No document of this project has gold yet: there is nothing to release."
NO_REVIEWED_GOLD = (
    "No gold of this project is marked reviewed yet: mark gold reviewed on the review page, "
    "or release all gold (reviewed_only false)."
)
NOT_READY = "Release {name!r} is {status}, not ready: it has no files yet."
NO_SUCH_FILE = "Release {name!r} has no {format} file; it has: {formats}."
OTHER_PROJECT = "Both releases must belong to the same project."
ALREADY_READY = "Release {name!r} is ready; a ready release is never built again."

# A build publishes over "stalled" too: a sweep may have taken a live build for dead (on SQLite
# its beats wait while the snapshot holds the write lock); its files are as good as a rebuild's,
# and the rebuild then finds the release ready and does nothing.
PUBLISHABLE = (ReleaseStatus.BUILDING, ReleaseStatus.STALLED)

# Gold a reviewer marked reviewed is submitted; reopening it makes it in_progress again.
REVIEWED_STATUSES = (AnnotationStatus.SUBMITTED,)

NAME_MAX = cast(int, Release._meta.get_field("name").max_length)  # a CharField's: set


# --- Creating -----------------------------------------------------------------------------


def release_create(
    *,
    project: Project,
    actor: User,
    name: str,
    formats: Iterable[str] | None = None,
    split: str | None = None,
    seed: int | None = None,
    reviewed_only: bool = False,
) -> Release:
    """Store a queued release of the project's gold; raise InvalidInput naming each bad field.

    ``reviewed_only``: take only gold a reviewer marked reviewed.
    """
    errors: dict[str, list[str]] = {}
    percentages, seed_value = split_options(split, None if seed is None else str(seed), errors)
    name = name.strip()
    if not name:
        errors["name"] = [NAME_REQUIRED]
    elif len(name) > NAME_MAX:
        errors["name"] = [NAME_TOO_LONG.format(limit=NAME_MAX)]
    elif Release.objects.filter(project=project, name=name).exists():
        errors["name"] = [NAME_TAKEN.format(name=name)]
    chosen, format_errors = _formats(formats)
    if format_errors:
        errors["formats"] = format_errors
    if errors:
        raise InvalidInput(errors)
    if not _gold(project.pk, reviewed_only).exists():
        message = NO_REVIEWED_GOLD if reviewed_only else NO_GOLD
        raise InvalidInput({"non_field_errors": [message]}, message)
    try:
        with transaction.atomic():
            return Release.objects.create(
                project=project,
                name=name,
                created_by=actor,
                formats=chosen,
                split=None if percentages is None else list(percentages),
                seed=seed_value,
                reviewed_only=reviewed_only,
            )
    except IntegrityError:
        # A concurrent request took the name between the check and the insert.
        raise InvalidInput({"name": [NAME_TAKEN.format(name=name)]}) from None


def _statuses(reviewed_only: bool) -> tuple[str, ...] | None:
    """The gold statuses a release takes: None for all."""
    return REVIEWED_STATUSES if reviewed_only else None


def _gold(project_id: int, reviewed_only: bool) -> QuerySet[Annotation]:
    """The gold a release of the project takes."""
    gold = Annotation.objects.filter(document__project_id=project_id, kind=AnnotationKind.GOLD)
    return gold.filter(status__in=REVIEWED_STATUSES) if reviewed_only else gold


def _formats(formats: Iterable[str] | None) -> tuple[list[str], list[str]]:
    """Return the formats to build (jsonl first, then the registry's order) and any errors."""
    if formats is None:
        return list(DEFAULT_FORMATS), []
    asked = list(formats)
    if not asked:
        return [], [FORMATS_EMPTY.format(defaults=", ".join(DEFAULT_FORMATS))]
    errors = []
    for position, value in enumerate(asked):
        entry = FORMATS.get(value)
        if entry is None:
            errors.append(FORMAT_UNKNOWN.format(value=value, names=", ".join(FORMATS)))
        elif (package := missing_package(entry)) is not None:
            errors.append(FORMAT_NEEDS_PACKAGE.format(format=value, package=package))
        elif value in asked[:position]:
            errors.append(FORMAT_REPEATED.format(value=value))
    wanted = {SNAPSHOT_FORMAT, *asked}
    return [name for name in FORMATS if name in wanted], errors


# --- Building -----------------------------------------------------------------------------


@dataclass
class _Built:
    """A file rendered on the worker's disk, waiting to be stored."""

    format: str
    path: Path
    size: int
    sha256: str
    report: ExportReport


class _LabelCount(TypedDict, total=False):
    kind: str
    count: int
    splits: dict[str, int]  # only in a split release


@dataclass
class _Counts:
    documents: int = 0
    labels: dict[str, _LabelCount] = field(default_factory=dict)
    kinds: Counter[str] = field(default_factory=Counter)
    splits: Counter[str] = field(default_factory=Counter)  # documents per split

    def add(self, row: dict[str, Any]) -> None:
        self.documents += 1
        split = row.get("split")
        if split is not None:
            self.splits[split] += 1
        for kind, items in (("entity", row["entities"]), ("claim", row["claims"])):
            for item in items:
                self._label(item["label"], kind, split)
        for stance in row["stances"]:
            self._label(stance["label"], "stance", split)

    def _label(self, name: str, kind: str, split: str | None) -> None:
        entry = self.labels.setdefault(name, {"kind": kind, "count": 0})
        entry["count"] += 1
        if split is not None:
            per_split = entry.setdefault("splits", {})
            per_split[split] = per_split.get(split, 0) + 1
        self.kinds[kind] += 1


def release_build(*, release_id: int, worker: str = "") -> None:
    """Build a queued (or failed, or interrupted) release; do nothing to one that is ready."""
    release = _claim(release_id, worker)
    if release is None:
        return
    try:
        with (
            stalled.heartbeat(model=Release, pk=release.pk, worker=worker),
            tempfile.TemporaryDirectory(prefix=f"release-{release.pk}-") as workdir,
        ):
            warnings = _Warnings(Path(workdir) / "warnings.txt")
            snapshot, counts, facts, options = _take_snapshot(release, Path(workdir), warnings)
            total = counts.documents * len(release.formats)
            done = counts.documents
            _progress(release, done, total, document_count=counts.documents)
            built = [snapshot]
            for name in release.formats:
                if name == SNAPSHOT_FORMAT:
                    continue
                source = FORMATS[name].source
                rendered = (
                    _render(release, snapshot.path, name, done, total, options, warnings)
                    if source is None
                    else _write(
                        name, source(release.project), snapshot.path.parent, options, warnings
                    )
                )
                built.append(rendered)
                done += counts.documents
            built += _side_files(release, built, facts, options, warnings)
            _store(release, built, counts, facts)
    except Exception as error:
        Release.objects.filter(pk=release.pk, status=ReleaseStatus.BUILDING).update(
            status=ReleaseStatus.FAILED,
            error=f"{type(error).__name__}: {error}",
            finished_at=timezone.now(),
        )
        raise


def _options(release: Release) -> ExportOptions:
    """What every file of the release is rendered with: its split, its name, the labels."""
    attributes, groups = selectors.export_schema(project=release.project)
    return ExportOptions(
        split=None if release.split is None else tuple(release.split),
        seed=release.seed,
        release=release.name,
        vocabulary=selectors.export_vocabulary(project=release.project),
        attributes=attributes,
        groups=groups,
        project=release.project.name,
    )


class _Warnings:
    """Every span a format leaves out, written to the release's warnings file as it comes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.write_text("")

    def report(self, format_name: str) -> ExportReport:
        """A report for one format whose every warning goes to the file, named by the format."""

        def sink(message: str) -> None:
            with self.path.open("a", encoding="utf-8") as out:
                out.write(f"{format_name}: {message}\n")

        return ExportReport(sink=sink)


def _claim(release_id: int, worker: str) -> Release | None:
    """Mark the release building and estimate its work; None when it is gone or ready."""
    with transaction.atomic():
        release = (
            Release.objects.select_for_update(of=("self",))
            .filter(pk=release_id)
            .select_related("project")
            .first()
        )
        if release is None or release.status == ReleaseStatus.READY:
            return None
        expected = _gold(release.project_id, release.reviewed_only).count()
        now = timezone.now()
        Release.objects.filter(pk=release.pk).update(
            status=ReleaseStatus.BUILDING,
            worker=worker,
            heartbeat_at=now,
            started_at=now,
            finished_at=None,
            error="",
            progress_done=0,
            progress_total=expected * len(release.formats),
        )
    return release


def _take_snapshot(
    release: Release, workdir: Path, warnings: _Warnings
) -> tuple[_Built, _Counts, CardFacts, ExportOptions]:
    """Write the jsonl file, count it, compute agreement and read the card's facts and the
    labels every file declares, all from one snapshot."""
    counts = _Counts()

    def counted(rows: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        for row in rows:
            counts.add(row)
            yield row

    with export_db.snapshot():
        options = _options(release)
        statuses = _statuses(release.reviewed_only)
        exported = export_rows(project=release.project, statuses=statuses)
        rows = counted(mark_rows(exported, options))
        built = _write(SNAPSHOT_FORMAT, rows, workdir, options, warnings)
        agreement = project_agreement(selectors.agreement_inputs(project=release.project))
        facts = _card_facts(release, counts, agreement)
    return built, counts, facts, options


def _card_facts(release: Release, counts: _Counts, agreement: dict[str, Any]) -> CardFacts:
    project = Project.objects.get(pk=release.project_id)
    current = selectors.guidelines_current(project_id=project.pk)
    made_under = selectors.gold_guidelines_counts(
        project_id=project.pk, statuses=_statuses(release.reviewed_only)
    )
    percentages = None if release.split is None else tuple(release.split)
    labels = Label.objects.filter(project=project).order_by("kind", "pk")
    targets = StanceTarget.objects.filter(project=project).order_by("pk")
    return CardFacts(
        project=project.name,
        description=project.description,
        release=release.name,
        guidelines=project.guidelines,
        guidelines_version=None if current is None else current.number,
        guidelines_counts=[GuidelinesCount(number, documents) for number, documents in made_under],
        reviewed_only=release.reviewed_only,
        licence=project.licence,
        citation=project.citation,
        documents=counts.documents,
        split=None if percentages is None else describe_split(percentages, release.seed),
        split_names=() if percentages is None else split_names(percentages),
        documents_per_split=dict(counts.splits),
        labels=cast(dict[str, dict[str, Any]], counts.labels),
        definitions=dict(labels.values_list("name", "description")),
        targets=dict(targets.values_list("name", "description")),
        agreement=agreement,
    )


def _render(
    release: Release,
    snapshot: Path,
    name: str,
    done: int,
    total: int,
    options: ExportOptions,
    warnings: _Warnings,
) -> _Built:
    """Render one format from the snapshot file, writing progress as documents go by."""

    def rows() -> Iterator[dict[str, Any]]:
        with snapshot.open("rb") as source:
            for number, line in enumerate(source, start=1):
                yield orjson.loads(line)
                if number % PROGRESS_EVERY == 0:
                    _progress(release, done + number, total)

    return _write(name, rows(), snapshot.parent, options, warnings)


def _write(
    name: str,
    rows: Iterable[dict[str, Any]],
    workdir: Path,
    options: ExportOptions,
    warnings: _Warnings,
) -> _Built:
    """Render rows in one format to a file beside the others, hashing it as it is written."""
    report = warnings.report(name)
    chosen = dataclasses.replace(options, format=name)
    blocks = export_stream(rows=rows, options=chosen, report=report)
    return _save(name, blocks, workdir / f"release{FORMATS[name].extension}", report)


def _save(name: str, blocks: Iterable[bytes], path: Path, report: ExportReport) -> _Built:
    digest = hashlib.sha256()
    size = 0
    with path.open("wb") as out:
        for block in blocks:
            digest.update(block)
            size += len(block)
            out.write(block)
    return _Built(name, path, size, digest.hexdigest(), report)


def _side_files(
    release: Release,
    built: list[_Built],
    facts: CardFacts,
    options: ExportOptions,
    warnings: _Warnings,
) -> list[_Built]:
    """The warnings file, Label Studio's config (with a labelstudio file) and the card."""
    workdir = warnings.path.parent
    side = [_save(WARNINGS, [warnings.path.read_bytes()], workdir / "warnings.out", ExportReport())]
    if "labelstudio" in release.formats:
        config = labelstudio.config(options).encode()
        side.append(_save(LABELSTUDIO_CONFIG, [config], workdir / "config.xml", ExportReport()))
    facts.files = {
        item.format: {
            "file": release_filename(release, item.format),
            "size": item.size,
            "sha256": item.sha256,
            "warning_count": item.report.warning_count,
        }
        for item in [*built, *side]
    }
    card = render_card(facts).encode()
    side.append(_save(CARD, [card], workdir / "README.md", ExportReport()))
    return side


def release_filename(release: Release, format_name: str) -> str:
    """The name a release's file downloads as: project, release, and the format's extension."""
    stem = f"{slugify(release.project.name) or 'project'}-{slugify(release.name) or release.pk}"
    if format_name in SIDE_FILES:
        return f"{stem}-{SIDE_FILES[format_name][1]}"
    split = None if release.split is None else tuple(release.split)
    return f"{stem}{packaging(format_name, split)[1]}"


def release_content_type(release: Release, format_name: str) -> str:
    """The content type of a release's file."""
    if format_name in SIDE_FILES:
        return SIDE_FILES[format_name][0]
    split = None if release.split is None else tuple(release.split)
    return packaging(format_name, split)[0]


def _progress(release: Release, done: int, total: int, **fields: Any) -> None:
    # Outside any transaction, so a progress bar sees it at once.
    Release.objects.filter(pk=release.pk, status=ReleaseStatus.BUILDING).update(
        progress_done=done, progress_total=total, **fields
    )


def _store(release: Release, built: list[_Built], counts: _Counts, facts: CardFacts) -> None:
    """Store the files and publish the release, in one transaction."""
    with transaction.atomic():
        current = Release.objects.select_for_update().filter(pk=release.pk).first()
        if current is None or current.status not in PUBLISHABLE:
            # Deleted meanwhile, or a second build of the same release got there first.
            return
        for item in built:
            stored = ReleaseFile.objects.create(
                release=current,
                format=item.format,
                size=item.size,
                sha256=item.sha256,
                warning_count=item.report.warning_count,
                warnings=item.report.warnings,
            )
            with item.path.open("rb") as source:
                index = 0
                while data := source.read(CHUNK_SIZE):
                    ReleaseFileChunk.objects.create(file=stored, index=index, data=data)
                    index += 1
        total = counts.documents * len(release.formats)
        Release.objects.filter(pk=release.pk).update(
            status=ReleaseStatus.READY,
            finished_at=timezone.now(),
            progress_done=total,
            progress_total=total,
            document_count=counts.documents,
            label_counts=dict(sorted(counts.labels.items())),
            kind_counts={kind: counts.kinds[kind] for kind in ("entity", "claim", "stance")},
            agreement=facts.agreement,
            guidelines_counts=[dataclasses.asdict(count) for count in facts.guidelines_counts],
        )


def release_check_rebuild(*, release: Release) -> None:
    """Refuse to build a release again once it is ready (Conflict)."""
    if release.status == ReleaseStatus.READY:
        raise Conflict(ALREADY_READY.format(name=release.name))


# --- Reading the files --------------------------------------------------------------------


def release_file_for(*, release: Release, format_name: str) -> ReleaseFile:
    """Return the release's file in that format; Conflict if not ready, InvalidInput if absent."""
    if release.status != ReleaseStatus.READY:
        raise Conflict(NOT_READY.format(name=release.name, status=release.status))
    found = selectors.release_file_get(release=release, format_name=format_name)
    if found is None:
        side = [CARD, WARNINGS, *([LABELSTUDIO_CONFIG] if "labelstudio" in release.formats else [])]
        formats = ", ".join([*release.formats, *side])
        message = NO_SUCH_FILE.format(name=release.name, format=format_name, formats=formats)
        raise InvalidInput({"format": [message]})
    return found


def _lines(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Split a stream of chunks into lines, a line that spans two chunks joined back."""
    pending = b""
    for chunk in chunks:
        pieces = (pending + chunk).split(b"\n")
        pending = pieces.pop()
        yield from pieces
    if pending:
        yield pending


def release_rows(*, release_file: ReleaseFile) -> Iterator[dict[str, Any]]:
    """Yield the rows of a stored jsonl file, in document id order, with flat memory."""
    for line in _lines(selectors.release_file_chunks(release_file=release_file)):
        if line:
            yield orjson.loads(line)


# --- Comparing ----------------------------------------------------------------------------


def release_compare(*, base: Release, other: Release) -> dict[str, Any]:
    """Say what changed from ``base`` to ``other``: documents, and spans and stances per label.

    Both jsonl files are in document id order, so one merge pass over the two streams finds
    every difference while holding one document of each at a time.
    """
    if base.project_id != other.project_id:
        raise InvalidInput({"other": [OTHER_PROJECT]}, OTHER_PROJECT)
    base_rows = release_rows(release_file=release_file_for(release=base, format_name="jsonl"))
    other_rows = release_rows(release_file=release_file_for(release=other, format_name="jsonl"))
    return compare_rows(base_rows, other_rows)


# A span or stance of a row as compared: (kind, label, ...), the rest depending on the kind.
_Item = tuple[Any, ...]


def compare_rows(base: Iterable[dict[str, Any]], other: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Diff two id-ordered row streams: documents added, removed, changed; items per label."""
    documents = {key: _IdList() for key in ("added", "removed", "changed")}
    unchanged = 0
    labels: dict[str, Counter[str]] = {}

    def tally(items: Iterable[tuple[str, item_rules.Item]], change: str) -> None:
        for _, item in items:
            label = item.place.label if isinstance(item, item_rules.SpanItem) else item.label
            labels.setdefault(str(label), Counter())[change] += 1

    left, right = iter(base), iter(other)
    a, b = next(left, None), next(right, None)
    while a is not None or b is not None:
        if a is not None and (b is None or a["id"] < b["id"]):
            documents["removed"].add(a["id"])
            tally(_items(a), "removed")
            a = next(left, None)
        elif b is not None and (a is None or b["id"] < a["id"]):
            documents["added"].add(b["id"])
            tally(_items(b), "added")
            b = next(right, None)
        else:
            assert a is not None and b is not None  # the loop's condition and the two above
            before, after = _items(a), _items(b)
            if before == after:
                unchanged += 1
            else:
                documents["changed"].add(a["id"])
                tally(_without(before, after), "removed")
                tally(_without(after, before), "added")
            a, b = next(left, None), next(right, None)
    return {
        "documents": {
            **{key: ids.count for key, ids in documents.items()},
            "unchanged": unchanged,
            **{f"{key}_ids": ids.ids for key, ids in documents.items()},
            "ids_truncated": any(ids.count > len(ids.ids) for ids in documents.values()),
        },
        "labels": {
            name: {"added": counter["added"], "removed": counter["removed"]}
            for name, counter in sorted(labels.items())
        },
    }


@dataclass
class _IdList:
    count: int = 0
    ids: list[int] = field(default_factory=list)

    def add(self, pk: int) -> None:
        self.count += 1
        if len(self.ids) < COMPARE_MAX_IDS:
            self.ids.append(pk)


def _items(row: dict[str, Any]) -> Counter[tuple[str, item_rules.Item]]:
    """A row's spans and stances as ``(kind, item)`` (``annotations.items``), with multiplicity.

    Two releases have the same item when ``items.same_item`` says so: a claim whose claimant
    or check-worthiness changed, or a stance whose value, holder or evidence changed, is a
    different item, counted as one removed and one added.
    """
    found: Counter[tuple[str, item_rules.Item]] = Counter()
    for span in row["entities"]:
        found["entity", _span_item(span)] += 1
    for claim in row["claims"]:
        found["claim", _span_item(claim)] += 1
    for stance in row["stances"]:
        item = item_rules.stance_item(
            target=stance["target"],
            label=stance["label"],
            holder=_offsets(stance["holder"]),
            evidence=_offsets(stance["evidence"]),
        )
        found["stance", item] += 1
    return found


def _span_item(span: dict[str, Any]) -> item_rules.SpanItem:
    # An exported claimant is a span {"start", "end", "text"} or a free-text source {"text"}.
    claimant = span.get("claimant")
    return item_rules.span_item(
        label=span["label"],
        start=span["start"],
        end=span["end"],
        claimant=_offsets(claimant),
        claimant_text=claimant.get("text") if claimant and "start" not in claimant else "",
        checkworthy=span.get("checkworthy"),
    )


def _offsets(ref: dict[str, Any] | None) -> item_rules.Offsets | None:
    """A referenced span's offsets (its text follows from them), or None for none or free text."""
    if ref is None or "start" not in ref:
        return None
    return (ref["start"], ref["end"])


def _without(items: Counter[_Item], other: Counter[_Item]) -> Iterator[_Item]:
    for item, count in (items - other).items():
        for _ in range(count):
            yield item
