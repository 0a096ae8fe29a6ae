"""``lenhub network housekeeping``: the daily upkeep of network memberships."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from lenhub.networks.services import memberships_housekeeping

HOUSEKEEPING_HELP = (
    "Expire memberships that were not re-confirmed in time, remind members whose "
    "membership is due for re-confirmation (once), and pass applications no National "
    "Contact decided within the network's decision days on to the secretariat (once). "
    "Safe to run again: a second run the same day does nothing new. Run it once a day, "
    "e.g. from cron: '15 3 * * * /path/to/venv/bin/lenhub network housekeeping'."
)


class Command(BaseCommand):
    help = "Network memberships: daily housekeeping (expiry, reminders, escalation)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("housekeeping", help=HOUSEKEEPING_HELP, description=HOUSEKEEPING_HELP)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "housekeeping":
            counts = memberships_housekeeping()
            self.stdout.write(
                "expired {expired}, reminded {reminded}, escalated {escalated}".format(**counts)
            )
