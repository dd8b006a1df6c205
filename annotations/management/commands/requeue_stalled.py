"""Queue again the import jobs and releases whose worker stopped beating (see services.stalled)."""

import time

from django.core.management.base import BaseCommand, CommandParser

from annotations import tasks


class Command(BaseCommand):
    help = (
        "Mark the import jobs and releases whose worker stopped beating as stalled and queue "
        "them again, exactly once however many sweeps run. Once, or every --every seconds."
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
            if every is None:
                return
            time.sleep(every)
