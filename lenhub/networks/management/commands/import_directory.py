"""``lenhub import_directory``: a network's member organisations or members from CSV.

    lenhub import_directory --network AQUAPOL --organisations organisations.csv --dry-run
    lenhub import_directory --network ENLETS --members members.csv [--skip-invalid]

Columns (header row required, ``,`` or ``;`` as delimiter, UTF-8):

- organisations: ``name,kind,country,domains,status`` (domains ``;``-separated);
- members: ``email,display_name,organisation,country,groups`` (groups ``;``-separated).

Every row is checked first. ``--dry-run`` lists every bad row and writes nothing; by
default one bad row means nothing is written (exit status 1); ``--skip-invalid`` writes
the good rows and lists the others. See ``lenhub.networks.importing``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lenhub.networks.importing import (
    ImportFileError,
    ImportReport,
    members_import,
    organisations_import,
)
from lenhub.networks.models import Network


class Command(BaseCommand):
    help = "Import a network's member organisations or members from a CSV file (audited)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--network", required=True, help="The network's acronym.")
        what = parser.add_mutually_exclusive_group(required=True)
        what.add_argument(
            "--organisations",
            metavar="FILE",
            help="CSV with the columns name,kind,country,domains,status.",
        )
        what.add_argument(
            "--members",
            metavar="FILE",
            help="CSV with the columns email,display_name,organisation,country,groups.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Check every row and report; write nothing."
        )
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="Write the good rows and report the bad ones (default: all or nothing).",
        )

        parser.add_argument(
            "--allow-kind-change",
            action="store_true",
            help="Let the organisations file change an organisation's kind (this resets the "
            "vetting of all its people, on every network).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        network = Network.objects.filter(acronym__iexact=options["network"].strip()).first()
        if network is None:
            raise CommandError(f"No network with the acronym {options['network']}.")
        path = Path(options["organisations"] or options["members"])
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.") from None
        common = {
            "network": network,
            "data": data,
            "actor": None,  # the person running the installation's command line
            "dry_run": options["dry_run"],
            "skip_invalid": options["skip_invalid"],
        }
        try:
            if options["organisations"]:
                report = organisations_import(
                    **common, allow_kind_change=options["allow_kind_change"]
                )
            else:
                report = members_import(**common)
        except ImportFileError as error:
            raise CommandError(f"{path}: {error}") from None
        self._print(report, network, path)
        if report.errors and not options["skip_invalid"]:
            raise CommandError(
                f"{len(report.bad_lines)} bad row(s) in {path}: nothing was written. "
                "Correct them, or import the good rows with --skip-invalid."
                + (" (This was a dry run.)" if report.dry_run else "")
            )

    def _print(self, report: ImportReport, network: Network, path: Path) -> None:
        if report.errors or report.notes:
            self.stdout.write(f"{path}:")
        for error in report.errors:
            self.stdout.write(f"  bad row: {error}")
        for note in report.notes:
            self.stdout.write(f"  note: {note}")
        new = "organisations" if report.what == "organisations" else "accounts"
        counts = (
            f"{report.created} created, {report.updated} updated, "
            f"{report.unchanged} unchanged ({report.new_records} new {new}); "
            f"{len(report.bad_lines)} bad row(s) of {report.rows}"
        )
        if report.dry_run:
            self.stdout.write(
                f"Dry run, nothing written. {network.acronym} {report.what} would be: {counts}"
            )
        elif report.written:
            self.stdout.write(f"{network.acronym} {report.what}: {counts}")
            if report.what == "members" and report.new_records:
                self.stdout.write(
                    "New accounts have no password and an unverified address: ask these "
                    "people to use “Forgot your password?” on the sign-in page, then "
                    "verify their address and add a second factor. Their National "
                    "Contact still vets them."
                )
