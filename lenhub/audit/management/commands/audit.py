from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lenhub.audit.services import audit_verify


class Command(BaseCommand):
    help = "Audit trail tools. `lenhub audit verify` checks the chain and its checkpoints."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("verify", help="Verify the hash chain against the key and checkpoints.")

    def handle(self, *args: Any, **options: Any) -> None:
        result = audit_verify()
        if result.ok:
            self.stdout.write(
                f"audit chain intact: {result.entries} entries, "
                f"{result.checkpoints} checkpoints verified"
            )
            return
        where = f"entry #{result.bad_seq}" if result.bad_seq is not None else "checkpoints"
        raise CommandError(f"audit chain broken at {where}: {result.reason}")
