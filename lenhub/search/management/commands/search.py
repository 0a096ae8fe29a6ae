"""``lenhub search reindex [KIND ...]``: rebuild the search index (after a restore, or
after changing search settings)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lenhub.search.engines import engine
from lenhub.search.indexing import reindex
from lenhub.search.registry import KINDS


class Command(BaseCommand):
    help = "Rebuild the search index."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        rebuild = sub.add_parser("reindex", help="Rebuild the index for some or all kinds.")
        rebuild.add_argument("kinds", nargs="*", help=f"Kinds: {', '.join(sorted(KINDS))}.")

    def handle(self, *args: Any, **options: Any) -> None:
        unknown = [k for k in options["kinds"] if k not in KINDS]
        if unknown:
            raise CommandError(f"Unknown kinds: {', '.join(unknown)}.")
        counts = reindex(options["kinds"] or None)
        for name, count in counts.items():
            self.stdout.write(f"{name}: {count} indexed ({engine().name} engine)")
