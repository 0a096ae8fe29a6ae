"""``lenhub token create|list|revoke``: personal access tokens from the command line."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from lenhub.accounts.models import AccessToken, User
from lenhub.accounts.tokens import SCOPES, token_create, token_revoke


class Command(BaseCommand):
    help = "Create, list or revoke personal access tokens (audited)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a token and print it (shown once).")
        create.add_argument("--email", required=True)
        create.add_argument(
            "--scopes",
            required=True,
            help="Comma-separated scopes: " + ", ".join(sorted(SCOPES)),
        )
        create.add_argument("--name", default="command line")
        create.add_argument("--days", type=int, default=None, help="Lifetime in days.")
        listing = sub.add_parser("list", help="List a person's tokens (never the secrets).")
        listing.add_argument("--email", required=True)
        revoke = sub.add_parser("revoke", help="Revoke a token by its key id.")
        revoke.add_argument("key_id")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "revoke":
            token = AccessToken.objects.filter(key_id=options["key_id"]).first()
            if token is None:
                raise CommandError(f"No token with key id {options['key_id']}.")
            changed = token_revoke(token=token, actor=None)
            self.stdout.write("revoked" if changed else "was already revoked")
            return
        user = User.objects.filter(email__iexact=options["email"].strip()).first()
        if user is None:
            raise CommandError(f"No account with the address {options['email']}.")
        if action == "list":
            for token in AccessToken.objects.filter(user=user):
                state = "active" if token.is_active else "inactive"
                self.stdout.write(
                    f"{token.key_id}\t{token.name}\t{','.join(token.scopes)}\t"
                    f"expires {token.expires_at:%Y-%m-%d}\t{state}"
                )
            return
        try:
            new = token_create(
                user=user,
                name=options["name"],
                scopes=options["scopes"],
                days=options["days"],
                via="command",
            )
        except (ValidationError, PermissionDenied) as error:
            messages = error.messages if isinstance(error, ValidationError) else [str(error)]
            raise CommandError(" ".join(str(m) for m in messages)) from None
        self.stdout.write(new.secret)
