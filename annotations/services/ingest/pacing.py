"""Pacing: how many documents an import stores per transaction, and when it lets others write.

SQLite has one write lock for the whole database: while an import's transaction holds it,
every annotator's span save waits (a batch of 500 documents held it for about a second). So on
SQLite an import writes in transactions bounded by time, not by count: the pacer measures what
each document cost in the last transaction and sizes the next to take about
``IMPORT_SQLITE_TRANSACTION_MS``; between two transactions it leaves the lock free for at least
``IMPORT_SQLITE_PAUSE_MS``, counting the time spent preparing the next documents. A waiting
writer does not queue for the lock: SQLite's busy handler polls, sleeping longer between tries
the longer it has waited (up to 100 ms), so a pause shorter than its sleep would let the import
take the lock again before the waiter looks. After a transaction that ran over 100 ms (a slow
document, a busy machine), the pause is 100 ms.

PostgreSQL locks rows, not the database: a span save never waits for an import there, so its
batches keep ``BATCH_SIZE`` documents and nothing pauses.

Pacing changes when transactions start and end, never what they hold: a document and its
pre-annotations are always stored in one transaction, and the report is the same whatever the
sizes (a test holds it equal).
"""

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import connection

from annotations.services.ingest.records import BATCH_SIZE

FIRST_SIZE = 10  # documents in the first transaction, before anything was measured
# SQLite's busy handler sleeps at most this long between two tries for the lock, and that long
# once a writer has waited about 200 ms: after a transaction that held the lock longer than
# this, the pause is this long, so that such a writer's next try falls inside it.
BUSY_SLEEP_MAX = 0.1
SMOOTHING = 0.5  # weight of the latest transaction in the cost per document


class WritePacer:
    """Size each transaction of an import to a time budget, and pause between them."""

    def __init__(
        self,
        *,
        budget: float | None,
        pause: float = 0.0,
        ceiling: int = BATCH_SIZE,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """``budget`` seconds per transaction (None: always ``ceiling`` documents)."""
        self.budget = budget
        self.pause = pause
        self.ceiling = ceiling
        self.clock = clock
        self.sleep = sleep
        self.cost: float | None = None  # seconds per document, smoothed
        self.last_end: float | None = None
        self.held = 0.0  # seconds the last write took

    @classmethod
    def for_database(cls, *, ceiling: int = BATCH_SIZE) -> "WritePacer":
        """The pacer for the default database: time-bounded on SQLite, by count elsewhere."""
        if connection.vendor != "sqlite":
            return cls(budget=None, ceiling=ceiling)
        return cls(
            budget=settings.IMPORT_SQLITE_TRANSACTION_MS / 1000,
            pause=settings.IMPORT_SQLITE_PAUSE_MS / 1000,
            ceiling=ceiling,
        )

    def size(self) -> int:
        """How many documents the next transaction should store."""
        if self.budget is None:
            return self.ceiling
        if self.cost is None:
            return min(FIRST_SIZE, self.ceiling)
        return max(1, min(self.ceiling, int(self.budget / max(self.cost, 1e-6))))

    @contextmanager
    def write(self, documents: int) -> Iterator[None]:
        """Wait out the pause since the last write, then time this one (``documents`` long)."""
        pause = self._pause()
        if self.last_end is not None and pause > 0:
            left = pause - (self.clock() - self.last_end)
            if left > 0:
                self.sleep(left)
        began = self.clock()
        yield
        self.last_end = self.clock()
        self.held = self.last_end - began
        if documents > 0:
            cost = self.held / documents
            self.cost = (
                cost if self.cost is None else (SMOOTHING * cost + (1 - SMOOTHING) * self.cost)
            )

    def _pause(self) -> float:
        """How long the lock stays free before the next write (never without a budget)."""
        if self.budget is None:
            return 0.0
        if self.held > BUSY_SLEEP_MAX:
            return max(self.pause, BUSY_SLEEP_MAX)
        return self.pause
