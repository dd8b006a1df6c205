"""Queue again the import jobs, releases and model versions whose worker stopped beating
(see services.stalled).

Each pass also deletes the idempotency keys past their lifetime (``IDEMPOTENCY_KEY_HOURS``):
the process that loops beside the workers is the one housekeeping process a deployment runs.
"""

import time

from django.core.management.base import BaseCommand, CommandParser

from annotations import tasks
from annotations.services.idempotency import idempotent_requests_purge_expired


class Command(BaseCommand):
    help = (
        "Mark the import jobs, releases and model versions whose worker stopped beating as "
        "stalled and queue them again, exactly once however many sweeps run; delete the "
        "idempotency keys past IDEMPOTENCY_KEY_HOURS. Once, or every --every seconds."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--stalled-after",
            type=float,
            help="Seconds without a heartbeat before a run is stalled "
            "(default: the STALLED_AFTER_SECONDS setting, 30).",
        )
        parser.add_argument(
            "--every", type=float, help="Sweep again every this many seconds, until stopped."
        )

    def handle(
        self, *args: object, stalled_after: float | None, every: float | None, **options: object
    ) -> None:
        while True:
            found = tasks.stalled_requeue(stalled_after=stalled_after)
            for job_id in found.jobs:
                self.stdout.write(f"import job {job_id}: stalled, queued again")
            for release_id in found.releases:
                self.stdout.write(f"release {release_id}: stalled, queued again")
            for version_id in found.versions:
                self.stdout.write(f"model version {version_id}: stalled, queued again")
            purged = idempotent_requests_purge_expired()
            if purged:
                self.stdout.write(f"{purged} expired idempotency keys deleted")
            if every is None:
                return
            time.sleep(every)
