"""``lenhub rounds close-due``: close prioritisation rounds whose closing time passed."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from lenhub.needs.services_rounds import rounds_close_due

CLOSE_HELP = (
    "Close every open round whose closing time has passed: compute its results, erase "
    "the link between ballots and voters, notify the electorate. Safe to run again: a "
    "closed round stays as it is. Run it every few minutes, e.g. from cron: "
    "'*/5 * * * * /path/to/venv/bin/lenhub rounds close-due'."
)


class Command(BaseCommand):
    help = "Prioritisation rounds."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("close-due", help=CLOSE_HELP, description=CLOSE_HELP)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "close-due":
            closed = rounds_close_due()
            self.stdout.write(f"closed {closed}")
