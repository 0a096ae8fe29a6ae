from __future__ import annotations

import getpass
from typing import Any

from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from lenhub.accounts.models import Role, User
from lenhub.accounts.services import role_grant
from lenhub.audit.services import audit_log


class Command(BaseCommand):
    help = "Create a platform operator (the first account of a production installation)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--email", required=True)
        parser.add_argument("--display-name", default="Operator")
        parser.add_argument(
            "--password-stdin", action="store_true", help="Read the password from stdin."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from django.contrib.auth.password_validation import validate_password

        email = options["email"].strip().lower()
        if User.objects.filter(email=email).exists():
            raise CommandError(f"An account with {email} exists already.")
        if options["password_stdin"]:
            import sys

            password = sys.stdin.readline().rstrip("\n")
        else:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The passwords differ.")
        try:
            validate_password(password)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        with transaction.atomic():
            # Staff and superuser: the technical admin needs model permissions; the
            # access policy never consults either flag.
            user = User.objects.create_superuser(
                email, password, display_name=options["display_name"]
            )
            EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
            role_grant(user=user, role=Role.OPERATOR, actor=None)
            audit_log(
                action="account.operator_created", actor=user, target=f"person:{user.audit_pid}"
            )
        self.stdout.write(
            f"Operator {email} created. Sign in and set up a second factor before anything else."
        )
