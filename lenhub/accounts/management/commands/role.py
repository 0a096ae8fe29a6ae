from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from lenhub.accounts.models import Country, Role, RoleAssignment, User
from lenhub.accounts.services import role_grant, role_revoke
from lenhub.networks.models import Group, Network


class Command(BaseCommand):
    help = "Grant, revoke or list roles (run by whoever runs the installation; audited)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        for name in ("grant", "revoke"):
            p = sub.add_parser(name)
            p.add_argument("--email", required=True)
            p.add_argument("--role", required=True, choices=Role.values)
            p.add_argument("--network", help="network acronym")
            p.add_argument("--group", help="group id")
            p.add_argument("--country", help="ISO 3166 code, for National Contacts")
            p.add_argument("--deputy", action="store_true")
        listing = sub.add_parser("list")
        listing.add_argument("--email")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "list":
            qs = RoleAssignment.objects.select_related("user", "network", "group")
            if options.get("email"):
                qs = qs.filter(user__email=options["email"].lower())
            for ra in qs.order_by("user__email", "role"):
                self.stdout.write(f"{ra.user.email}\t{ra}")
            return
        try:
            user = User.objects.get(email=options["email"].lower())
            network = (
                Network.objects.get(acronym=options["network"]) if options["network"] else None
            )
            group = Group.objects.get(pk=options["group"]) if options["group"] else None
            country = (
                Country.objects.get(pk=options["country"].upper()) if options["country"] else None
            )
        except (
            User.DoesNotExist,
            Network.DoesNotExist,
            Group.DoesNotExist,
            Country.DoesNotExist,
        ) as e:
            raise CommandError(str(e)) from None
        try:
            if options["action"] == "grant":
                role_grant(
                    user=user,
                    role=options["role"],
                    actor=None,
                    network_id=network.pk if network else None,
                    group_id=group.pk if group else None,
                    country=country,
                    is_deputy=options["deputy"],
                )
                self.stdout.write(f"granted {options['role']} to {user.email}")
            else:
                found = RoleAssignment.objects.filter(
                    user=user, role=options["role"], network=network, group=group, country=country
                )
                if not found.exists():
                    raise CommandError("No such role assignment.")
                for assignment in found:
                    role_revoke(assignment=assignment, actor=None)
                self.stdout.write(f"revoked {options['role']} from {user.email}")
        except (PermissionDenied, ValueError) as error:
            raise CommandError(str(error)) from None
        except Exception as error:  # integrity errors from the role_scope constraint
            if error.__class__.__name__ == "IntegrityError":
                raise CommandError(f"This role needs a different scope: {error}") from None
            raise
