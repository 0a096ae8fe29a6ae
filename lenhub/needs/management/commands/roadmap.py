"""``lenhub roadmap export --network ACRONYM --out FILE.pdf``: the latest published
roadmap of a network, as its audience sees it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

EXPORT_HELP = (
    "Write the latest published roadmap of a network as a PDF, as its audience sees it: "
    "withheld needs left out, evidence limited to items its whole audience may read. "
    "TLP:AMBER roadmaps are watermarked with the audience they are for; TLP:RED ones are "
    "never exported. The export is recorded in the audit trail."
)


class Command(BaseCommand):
    help = "Roadmaps of the networks."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export", help=EXPORT_HELP, description=EXPORT_HELP)
        export.add_argument("--network", required=True, help="The network's acronym.")
        export.add_argument("--out", required=True, help="The PDF file to write.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] != "export":
            return
        from lenhub.needs.export import RoadmapExportError, roadmap_export

        try:
            content, version = roadmap_export(acronym=options["network"])
        except RoadmapExportError as error:
            raise CommandError(str(error)) from None
        out = Path(options["out"])
        out.write_bytes(content)
        self.stdout.write(
            f"wrote {out} ({version.network.acronym} roadmap v{version.version}, "
            f"TLP:{version.tlp}, {len(content)} bytes)"
        )
