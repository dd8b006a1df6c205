"""The fault campaign's ledgers and their comparison with the database: pure, no I/O.

Each client writes down every write it sent, in order: what it was (``create``, ``relabel``,
``delete``, ``replace``, ``submit``), the span client_ids it touched and, once the server
answered, the version the answer carried. A write is ``acked`` (a 2xx answer), ``refused`` (a
4xx answer: nothing written) or ``unanswered`` (every retry failed: it may or may not have
been applied). ``compare`` walks each annotation's writes in order and holds the database's
final state against them:

- lost: an acknowledged write whose effect is not in the final state (a span created and never
  deleted that is missing, a span deleted that is back, a relabel or submit undone);
- duplicated: one change applied twice (two spans with one client_id, more changes logged than
  writes were sent, two acknowledged writes answered with one version);
- acknowledged-but-missing: an acknowledged write with no event at the version its answer
  carried, or an event of another kind there;
- version gaps: an annotation whose changes are not logged at exactly versions 2..version,
  one event each.

A write that was never answered proves nothing either way, so what it touched is "uncertain"
until a later acknowledged write settles it.
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

# The event each kind of write appends (annotations.models.EventAction).
EVENT_OF = {
    "create": "span_created",
    "relabel": "span_changed",
    "delete": "span_deleted",
    "replace": "content_replaced",
    "submit": "status_changed",
}
# Events written at the version the annotation already had (no bump): not changes.
NOT_A_CHANGE = {"annotation_created"}
# A span's state while walking the writes: a label (present), ABSENT, or UNCERTAIN.
ABSENT = "-"
UNCERTAIN = "?"
ANY_LABEL = "*"


@dataclass(frozen=True)
class Write:
    """One write as a client saw it; ``spans`` maps the client_ids it touched to their label."""

    annotation: int
    kind: str
    key: str
    outcome: str  # acked | refused | unanswered
    spans: tuple[tuple[str, str], ...] = ()
    version: int | None = None


@dataclass(frozen=True)
class Stored:
    """One annotation as the database holds it at the end."""

    version: int
    status: str
    spans: tuple[tuple[str, str], ...]  # (client_id, label name), duplicates kept
    events: tuple[tuple[str, int], ...]  # (action, version)


# What the comparison finds, as the table names it; every kind but the counts must stay empty.
KINDS = ("lost", "duplicated", "acknowledged-but-missing", "version gaps", "stored but never sent")


@dataclass
class Findings:
    """One line per finding, by kind; and how many annotations and spans were checked."""

    found: dict[str, list[str]] = field(default_factory=lambda: {kind: [] for kind in KINDS})
    annotations: int = 0
    spans: int = 0

    def __getitem__(self, kind: str) -> list[str]:
        return self.found[kind]

    def counts(self) -> dict[str, int]:
        return {kind: len(lines) for kind, lines in self.found.items()}

    def failed(self) -> bool:
        return any(self.found.values())


def compare(writes: Iterable[Write], stored: dict[int, Stored]) -> Findings:
    """Hold every annotation's writes, in the order they were sent, against the database."""
    found = Findings()
    by_annotation: dict[int, list[Write]] = {}
    for write in writes:
        by_annotation.setdefault(write.annotation, []).append(write)
    for annotation, its_writes in sorted(by_annotation.items()):
        row = stored.get(annotation)
        if row is None:
            found["lost"].append(f"annotation {annotation}: not in the database")
            continue
        found.annotations += 1
        _spans(annotation, its_writes, row, found)
        _status(annotation, its_writes, row, found)
        _events(annotation, its_writes, row, found)
    return found


def expected_spans(writes: Iterable[Write]) -> dict[str, str]:
    """Each client_id's state after the writes: its label, ABSENT, UNCERTAIN or ANY_LABEL."""
    state: dict[str, str] = {}
    for write in writes:
        if write.outcome == "refused":
            continue
        acked = write.outcome == "acked"
        if write.kind == "replace":
            for client_id in state:
                state[client_id] = ABSENT if acked else UNCERTAIN
        for client_id, label in write.spans:
            if write.kind == "delete":
                state[client_id] = ABSENT if acked else UNCERTAIN
            elif acked:
                state[client_id] = label
            elif write.kind == "relabel" and state.get(client_id) not in (None, ABSENT):
                state[client_id] = ANY_LABEL  # there, under the old label or the new one
            else:
                state[client_id] = UNCERTAIN
    return state


def _spans(annotation: int, writes: list[Write], row: Stored, found: Findings) -> None:
    counted = Counter(client_id for client_id, _ in row.spans)
    labels = dict(row.spans)
    for client_id, times in counted.items():
        if times > 1:
            found["duplicated"].append(f"annotation {annotation}: {times} spans with {client_id}")
    expected = expected_spans(writes)
    found.spans += len(expected)
    for client_id, state in expected.items():
        where = f"annotation {annotation}, span {client_id}"
        if state == ABSENT and client_id in labels:
            found["lost"].append(f"{where}: deleted, yet stored")
        elif state not in (ABSENT, UNCERTAIN) and client_id not in labels:
            found["lost"].append(f"{where}: acknowledged, not stored")
        elif state not in (ABSENT, UNCERTAIN, ANY_LABEL) and labels[client_id] != state:
            found["lost"].append(f"{where}: acknowledged as {state}, stored as {labels[client_id]}")
    for client_id in counted.keys() - expected.keys():
        found["stored but never sent"].append(
            f"annotation {annotation}: span {client_id} was never sent"
        )


def _status(annotation: int, writes: list[Write], row: Stored, found: Findings) -> None:
    submitted = any(w.kind == "submit" and w.outcome == "acked" for w in writes)
    if submitted and row.status != "submitted":
        found["lost"].append(f"annotation {annotation}: submit acknowledged, status {row.status}")


def _events(annotation: int, writes: list[Write], row: Stored, found: Findings) -> None:
    changes = Counter(version for action, version in row.events if action not in NOT_A_CHANGE)
    if sorted(changes) != list(range(2, row.version + 1)):
        found["version gaps"].append(
            f"annotation {annotation}: changes logged at versions {sorted(changes)}, "
            f"version {row.version}"
        )
    for version, times in changes.items():
        if times > 1:
            found["duplicated"].append(f"annotation {annotation}: {times} events at v{version}")
    actions = {version: action for action, version in row.events if action not in NOT_A_CHANGE}
    acked = [w for w in writes if w.outcome == "acked"]
    for version, times in Counter(w.version for w in acked).items():
        if times > 1:
            found["duplicated"].append(
                f"annotation {annotation}: {times} writes answered v{version}"
            )
    for write in acked:
        action = actions.get(write.version or 0)
        if action != EVENT_OF[write.kind]:
            found["acknowledged-but-missing"].append(
                f"annotation {annotation}: {write.kind} ({write.key}) answered v{write.version}, "
                f"logged there: {action}"
            )
    unanswered = sum(1 for w in writes if w.outcome == "unanswered")
    extra = sum(changes.values()) - len(acked) - unanswered
    if extra > 0:
        found["duplicated"].append(
            f"annotation {annotation}: {sum(changes.values())} changes logged for "
            f"{len(acked)} acknowledged and {unanswered} unanswered writes"
        )
