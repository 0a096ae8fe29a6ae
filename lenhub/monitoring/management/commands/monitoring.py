"""``lenhub monitoring scan``: record what changed about followed projects and notify."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from lenhub.monitoring.services import DEFAULT_DAYS, monitoring_scan

SCAN_HELP = (
    "Record updates on followed projects (directly or through a topic): ending within "
    "DAYS, ended in the last DAYS, results published in the last DAYS, and a changed "
    "status of directly followed projects; notify every follower who may see them, by "
    "email unless they opted out. Safe to run again: a second run records and sends "
    "nothing new. Run it once a day, e.g. from cron: "
    "'30 3 * * * /path/to/venv/bin/lenhub monitoring scan', or add --enqueue to hand it "
    "to the task worker ('lenhub db_worker')."
)


class Command(BaseCommand):
    help = "Monitoring of followed projects: the daily scan."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        scan = sub.add_parser("scan", help=SCAN_HELP, description=SCAN_HELP)
        scan.add_argument("--days", type=int, default=DEFAULT_DAYS, help="Window in days.")
        scan.add_argument(
            "--enqueue", action="store_true", help="Queue the scan as a background task."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] != "scan":
            return
        days = max(1, min(int(options["days"]), 3650))
        if options["enqueue"]:
            from lenhub.monitoring.tasks import monitoring_scan_task

            result = monitoring_scan_task.enqueue(days=days)
            self.stdout.write(f"queued task {result.id}")
            return
        counts = monitoring_scan(days=days)
        self.stdout.write(
            "ending {ending}, ended {ended}, status changes {status}, results {results}, "
            "notified {notified}".format(**counts)
        )
