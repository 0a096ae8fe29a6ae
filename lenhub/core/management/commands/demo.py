"""Load demo data: organisations, networks, an account for every role, news at every label.

Idempotent: running it again changes nothing and prints the same accounts. Demo
accounts sign in like everyone else (password, then the TOTP code from the printed
secret or a recovery code); there is no bypass. ``lenhub check --deploy`` fails while
they exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from allauth.mfa.utils import decrypt
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from lenhub.accounts.models import (
    Country,
    Organisation,
    OrganisationDomain,
    OrganisationKind,
    Role,
    User,
)
from lenhub.accounts.selectors import vetting_current
from lenhub.accounts.services import role_grant, vetting_grant
from lenhub.dissemination.demo import guidance_demo_load
from lenhub.dissemination.models import News
from lenhub.dissemination.services import news_publish
from lenhub.knowledge.models import Project
from lenhub.monitoring.demo import demo_monitoring
from lenhub.needs.demo import needs_demo_load
from lenhub.networks.landscape import landscape_load
from lenhub.networks.models import Group, GroupKind, GroupMembership, Network, NetworkMembership
from lenhub.settings import _local_secret

ORGANISATIONS = [
    # name, kind, country, domain
    ("Polish Police", OrganisationKind.POLICE, "PL", "policja.pl.test"),
    ("Gendarmerie nationale", OrganisationKind.GENDARMERIE, "FR", "gendarmerie.fr.test"),
    ("Bundespolizei", OrganisationKind.POLICE, "DE", "bundespolizei.de.test"),
    ("Dutch National Police", OrganisationKind.POLICE, "NL", "politie.nl.test"),
    ("Polish Platform for Homeland Security", OrganisationKind.RESEARCH, "PL", "pphs.pl.test"),
    ("University of Ghent", OrganisationKind.ACADEMIA, "BE", "ugent.be.test"),
]

NETWORKS = [
    ("ENLETS", "European Network of Law Enforcement Technology Services"),
    ("RAILPOL", "RAILPOL, the European network of railway police organisations"),
    ("AQUAPOL", "AQUAPOL, the European network of water and maritime police"),
]


@dataclass(frozen=True)
class DemoPerson:
    email: str
    display_name: str
    organisation: str | None
    label: str
    networks: tuple[str, ...] = ()
    groups: tuple[tuple[str, str], ...] = ()
    pseudonym: bool = False
    # listed in the expert finder: (position, expertise, languages), our own words
    expert: tuple[str, str, str] | None = None


PEOPLE = [
    DemoPerson("operator@lenhub.test", "Platform operator", None, "platform operator"),
    DemoPerson("auditor@lenhub.test", "Auditor", None, "auditor"),
    DemoPerson(
        "secretariat@pphs.pl.test",
        "ENLETS secretariat",
        "Polish Platform for Homeland Security",
        "secretariat (ENLETS), not LEA",
        ("ENLETS",),
        # the secretariat sits in the core group, and so curates the group's needs
        (("ENLETS", "Secretariat and Communication lead"), ("ENLETS", "Core Group")),
    ),
    DemoPerson(
        "nc@policja.pl.test",
        "Anna (NC Poland)",
        "Polish Police",
        "National Contact ENLETS/PL, core group",
        ("ENLETS",),
        (("ENLETS", "Core Group"),),
        expert=(
            "Head of a digital forensics unit",
            "Mobile device forensics, body-worn cameras, procurement of forensic tools",
            "pl,en,de",
        ),
    ),
    DemoPerson(
        "deputy@policja.pl.test",
        "Piotr (deputy NC Poland)",
        "Polish Police",
        "deputy National Contact ENLETS/PL",
        ("ENLETS",),
    ),
    DemoPerson(
        "leader@bundespolizei.de.test",
        "Kestrel",
        "Bundespolizei",
        "group leader RAILPOL Counter Terrorism",
        ("RAILPOL", "ENLETS"),
        (("RAILPOL", "Counter Terrorism"),),
        pseudonym=True,
        expert=(
            "Railway security officer",
            "Protection of railway stations and trains, explosives detection, crowd safety",
            "de,en",
        ),
    ),
    DemoPerson(
        "core@politie.nl.test",
        "Joost (core group)",
        "Dutch National Police",
        "core group member ENLETS",
        ("ENLETS",),
        (("ENLETS", "Core Group"),),
    ),
    DemoPerson(
        "officer@gendarmerie.fr.test",
        "Heron",
        "Gendarmerie nationale",
        "LEA practitioner",
        ("ENLETS", "AQUAPOL"),
        pseudonym=True,
        expert=(
            "Maritime gendarmerie officer",
            "Vessel tracking with AIS, inspections at sea, drones for coastal surveillance",
            "fr,en,es",
        ),
    ),
    DemoPerson(
        "researcher@ugent.be.test",
        "Dr. Lena (researcher)",
        "University of Ghent",
        "other stakeholder (academia)",
        ("ENLETS",),
    ),
    # More ENLETS practitioners, so that the demo round has several voters per country
    DemoPerson(
        "officer@bundespolizei.de.test",
        "Falk",
        "Bundespolizei",
        "LEA practitioner (ENLETS voter)",
        ("ENLETS",),
        pseudonym=True,
    ),
    DemoPerson(
        "analyst@politie.nl.test",
        "Marit (analyst)",
        "Dutch National Police",
        "LEA practitioner (ENLETS voter)",
        ("ENLETS",),
    ),
    DemoPerson(
        "brigade@gendarmerie.fr.test",
        "Loïc",
        "Gendarmerie nationale",
        "LEA practitioner (ENLETS voter)",
        ("ENLETS",),
    ),
    DemoPerson(
        "newcomer@gendarmerie.fr.test",
        "Newcomer",
        "Gendarmerie nationale",
        "registered, not yet vetted",
    ),
]


class Command(BaseCommand):
    help = "Load demo data and print the demo accounts (never on a production installation)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--quiet", action="store_true", help="Do not print the accounts.")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            self.stderr.write("Refusing to load demo data with LENHUB_PRODUCTION set.")
            raise SystemExit(2)
        password = _local_secret("demo_password", nbytes=12)
        with transaction.atomic():
            people = self._load(password)
        # After the commit above: the search index (filled on commit) then holds the demo
        # knowledge items that the needs' knowledge links are suggested from.
        needs_demo_load(people=people)
        guidance_demo_load(people=people)
        if not options["quiet"]:
            self._print(people, password)

    # --- loading ------------------------------------------------------------------------

    def _load(self, password: str) -> dict[str, User]:
        orgs: dict[str, Organisation] = {}
        for name, kind, country, domain in ORGANISATIONS:
            org, _ = Organisation.objects.get_or_create(
                name=name, defaults={"kind": kind, "country": Country.objects.get(pk=country)}
            )
            OrganisationDomain.objects.get_or_create(organisation=org, domain=domain)
            orgs[name] = org
        landscape_load()  # the 26 bodies of the directory, with their stated facts
        networks: dict[str, Network] = {}
        for acronym, name in NETWORKS:
            networks[acronym], _ = Network.objects.get_or_create(
                acronym=acronym, defaults={"name": name}
            )
        groups: dict[tuple[str, str], str] = {
            ("ENLETS", "Core Group"): GroupKind.CORE_GROUP,
            ("ENLETS", "Secretariat and Communication lead"): GroupKind.SECRETARIAT,
            ("RAILPOL", "Counter Terrorism"): GroupKind.WORKING_GROUP,
        }
        group_objs: dict[tuple[str, str], Group] = {}
        for (acronym, name), group_kind in groups.items():
            group_objs[(acronym, name)], _ = Group.objects.get_or_create(
                network=networks[acronym], name=name, defaults={"kind": group_kind}
            )

        people: dict[str, User] = {}
        for spec in PEOPLE:
            user = User.objects.filter(email=spec.email).first()
            if user is None:
                user = User.objects.create_user(
                    spec.email,
                    password,
                    display_name=spec.display_name,
                    display_name_is_pseudonym=spec.pseudonym,
                    organisation=orgs.get(spec.organisation or ""),
                    is_demo=True,
                    is_staff=spec.email.startswith("operator@"),
                    is_superuser=spec.email.startswith("operator@"),
                )
                if spec.expert:
                    user.position, user.expertise, user.languages = spec.expert
                    user.show_in_expert_finder = user.show_position = True
                    user.save(
                        update_fields=[
                            "position", "expertise", "languages",
                            "show_in_expert_finder", "show_position",
                        ]
                    )  # fmt: skip
                EmailAddress.objects.create(
                    user=user, email=spec.email, verified=True, primary=True
                )
                TOTP.activate(user, generate_totp_secret())
                RecoveryCodes.activate(user)
            people[spec.email] = user
            for acronym in spec.networks:
                NetworkMembership.objects.get_or_create(user=user, network=networks[acronym])
            for key in spec.groups:
                GroupMembership.objects.get_or_create(user=user, group=group_objs[key])

        pl = Country.objects.get(pk="PL")
        grants: list[dict[str, Any]] = [
            {"email": "operator@lenhub.test", "role": Role.OPERATOR},
            {"email": "auditor@lenhub.test", "role": Role.AUDITOR},
            {"email": "secretariat@pphs.pl.test", "role": Role.SECRETARIAT, "network": "ENLETS"},
            {
                "email": "nc@policja.pl.test",
                "role": Role.NATIONAL_CONTACT,
                "network": "ENLETS",
                "country": pl,
            },
            {"email": "nc@policja.pl.test", "role": Role.CORE_GROUP, "network": "ENLETS"},
            {
                "email": "deputy@policja.pl.test",
                "role": Role.NATIONAL_CONTACT,
                "network": "ENLETS",
                "country": pl,
                "is_deputy": True,
            },
            {"email": "core@politie.nl.test", "role": Role.CORE_GROUP, "network": "ENLETS"},
            {
                "email": "leader@bundespolizei.de.test",
                "role": Role.GROUP_LEADER,
                "group": ("RAILPOL", "Counter Terrorism"),
            },
        ]
        for grant in grants:
            user = people[grant["email"]]
            network = networks[grant["network"]] if "network" in grant else None
            group = group_objs[grant["group"]] if "group" in grant else None
            if user.roles.filter(
                role=grant["role"], network=network, group=group, country=grant.get("country")
            ).exists():
                continue
            role_grant(
                user=user,
                role=grant["role"],
                actor=None,
                network_id=network.pk if network else None,
                group_id=group.pk if group else None,
                country=grant.get("country"),
                is_deputy=grant.get("is_deputy", False),
            )

        secretariat = people["secretariat@pphs.pl.test"]
        nc = people["nc@policja.pl.test"]
        # The secretariat vets the Polish National Contact, who then vets the secretariat
        # (a Polish organisation); the secretariat vets everyone else.
        order = [("nc@policja.pl.test", secretariat), ("secretariat@pphs.pl.test", nc)]
        order += [
            (spec.email, secretariat)
            for spec in PEOPLE
            if spec.organisation
            and spec.email not in {"nc@policja.pl.test", "secretariat@pphs.pl.test"}
            and not spec.email.startswith("newcomer@")
        ]
        for email, vetter in order:
            if vetting_current(user=people[email]) is None:
                vetting_grant(subject=people[email], vetter=vetter)

        if not News.objects.exists():
            self._news(people, networks, group_objs)
        if not Project.objects.filter(source="demo").exists():
            self._knowledge(people, networks, group_objs)
        demo_monitoring(people, networks, group_objs)
        return people

    def _knowledge(
        self,
        people: dict[str, User],
        networks: dict[str, Network],
        groups: dict[tuple[str, str], Group],
    ) -> None:
        """Two demo projects with results, concepts, best practices, technology watch
        entries and uptake in several countries, at a mix of audiences and labels."""
        from lenhub.knowledge.demo import knowledge_demo_load

        knowledge_demo_load(people=people, networks=networks, groups=groups)

    def _news(
        self,
        people: dict[str, User],
        networks: dict[str, Network],
        groups: dict[tuple[str, str], Group],
    ) -> None:
        secretariat = people["secretariat@pphs.pl.test"]
        enlets = networks["ENLETS"].pk
        items: list[dict[str, Any]] = [
            {
                "title": "lenhub opens for the practitioner networks",
                "summary": "The shared platform is live; registration is open to everyone.",
                "body": "Practitioners, researchers and industry can register now. Law-enforcement "
                "officers are vetted by their National Contact before they see member content.",
                "audience": ["public"],
                "tlp": "CLEAR",
            },
            {
                "title": "Member briefing: annual workshop planning",
                "summary": "Dates and themes proposed for the next annual workshop.",
                "body": "Members are invited to propose themes for the annual workshop. The "
                "secretariat collects proposals until the end of the month.",
                "audience": ["members"],
                "tlp": "GREEN",
            },
            {
                "title": "LEA-only: procurement experiences with body-worn cameras",
                "summary": "Practitioners compare notes on tenders and evaluations.",
                "body": "Three forces shared their evaluation criteria and the lessons they "
                "drew from pilots. Contact the authors through the messenger.",
                "audience": ["lea"],
                "tlp": "GREEN",
            },
            {
                "title": "ENLETS members: Core Group meeting outcomes",
                "summary": "Summary of the decisions for the network's members.",
                "body": "The Core Group agreed to review the Technology Interest Groups and to "
                "publish the review to members in spring.",
                "audience": [f"network:{enlets}"],
                "tlp": "AMBER",
            },
            {
                "title": "Core Group: draft strategy for comment",
                "summary": "A draft for the Core Group only.",
                "body": "The draft strategy is open for comment by Core Group members until "
                "the next meeting.",
                "audience": [f"group:{groups[('ENLETS', 'Core Group')].pk}"],
                "tlp": "AMBER",
            },
            {
                "title": "Named recipients: operational contact list update",
                "summary": "For the named recipients only.",
                "body": "The updated contact arrangements are attached to the operational "
                "channel. Do not forward.",
                "audience": ["participants"],
                "tlp": "RED",
                "participants": [
                    people["nc@policja.pl.test"],
                    people["officer@gendarmerie.fr.test"],
                ],
            },
        ]
        for item in items:
            news_publish(author=secretariat, **item)

    # --- printing -----------------------------------------------------------------------

    def _print(self, people: dict[str, User], password: str) -> None:
        lines = [
            "",
            "lenhub demo accounts (sign in with the password, then a TOTP code from the",
            "secret, or one of the recovery codes; every code works once):",
            f"  password for every demo account: {password}",
            "",
        ]
        for spec in PEOPLE:
            user = people[spec.email]
            totp = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
            codes = Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES)
            secret = decrypt(totp.data["secret"])
            unused = RecoveryCodes(codes).get_unused_codes()
            lines.append(f"  {spec.email:<32} {spec.label}")
            lines.append(f"      TOTP secret {secret}   recovery codes {' '.join(unused[:4])}")
        lines += [
            "",
            '  A TOTP code from a secret:  .venv/bin/python -c "import pyotp; '
            "print(pyotp.TOTP('SECRET').now())\"",
            "",
            "  Needs, rounds and the roadmap of ENLETS (sign in as a member):",
            "    /needs/  reported needs; /needs/gaps/?network=ENLETS  needs nothing answers",
            "    /rounds/  a closed round with its results, and an open one to vote in",
            "    /roadmaps/ENLETS/  the published roadmap, its PDF and what changed since v1;",
            "    signed in as secretariat@pphs.pl.test it also lists what it withholds",
            "    /guidance/  a guideline to acknowledge, relayed to Poland; its reach per",
            "    country on /guidance/<id>/reach/ (secretariat, National Contacts)",
            "",
        ]
        self.stdout.write("\n".join(lines))
