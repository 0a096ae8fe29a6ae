"""``lenhub export_directory --format csv|json [--output FILE]``: the public directory,
as ``/networks/export.csv`` and ``/networks/export.json`` serve it. No person's data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lenhub.networks.exporting import directory_csv, directory_json


class Command(BaseCommand):
    help = "Write the public directory of networks as CSV or JSON (to stdout or a file)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", choices=["csv", "json"], default="json")
        parser.add_argument("--output", metavar="FILE", help="Write here instead of stdout.")

    def handle(self, *args: Any, **options: Any) -> None:
        text = directory_csv() if options["format"] == "csv" else directory_json() + "\n"
        if not options["output"]:
            self.stdout.write(text, ending="")
            return
        try:
            Path(options["output"]).write_text(text, encoding="utf-8", newline="")
        except OSError as error:
            raise CommandError(f"Cannot write {options['output']}: {error.strerror}.") from None
