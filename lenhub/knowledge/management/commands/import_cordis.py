"""``lenhub import_cordis``: research projects and their participants from CORDIS exports.

    lenhub import_cordis --projects fp7-projects.csv --participations fp7-participations.csv
    lenhub import_cordis --projects A.csv --projects B.csv --participations C.csv ... [--dry-run]

Reports counts and every rejected row (file, line, reason); good rows are written in one
transaction; importing the same files again changes nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lenhub.knowledge.cordis import CordisFileError, cordis_import


class Command(BaseCommand):
    help = "Import research projects and participations from CORDIS CSV exports (audited)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--projects", metavar="FILE", action="append", required=True,
            help="CORDIS projects CSV (FP7 or Horizon 2020 columns); may be repeated.",
        )  # fmt: skip
        parser.add_argument(
            "--participations", metavar="FILE", action="append", default=[],
            help="CORDIS participations CSV; may be repeated.",
        )  # fmt: skip
        parser.add_argument(
            "--dry-run", action="store_true", help="Check and count; write nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = cordis_import(
                projects=[Path(p) for p in options["projects"]],
                participations=[Path(p) for p in options["participations"]],
                dry_run=options["dry_run"],
            )
        except CordisFileError as error:
            raise CommandError(str(error)) from None
        out = self.stdout.write
        verb = "would be" if report.dry_run else "imported"
        for label, counts in (
            ("projects", report.projects),
            ("participations", report.participations),
            ("organisations", report.organisations),
        ):
            out(
                f"{label}: {counts.total} {verb} ({counts.created} created, "
                f"{counts.updated} updated, {counts.unchanged} unchanged)"
            )
        out(
            f"law-enforcement organisations: {report.lea_organisations}; "
            f"linked to the directory: {report.linked_to_directory}"
        )
        out(f"rejected rows: {len(report.rejected)}")
        for rejected in report.rejected:
            out(f"  rejected: {rejected}")
