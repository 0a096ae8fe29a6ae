"""The directory's part of the access matrix: member lists, exports, the expert finder,
the decisions queue and the secretariat's pages (DESIGN §1-2, §4).

Canaries here are people and what they wrote: a member's display name, an expert's
expertise, an applicant's motivation, a hidden organisation. Each has, for every surface,
the set of personas who must see it there; everywhere else nobody may. Expected statuses
and sets are written out by hand from DESIGN, not computed by the code under test. One
request per (persona, surface) is judged against every canary.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from lenhub.access.tests.matrix import ENLETS_MEMBERS, LEA, PERSONAS, TOKEN, TOKEN_REFUSED, Fetch
from lenhub.accounts.models import Organisation, OrganisationKind, Role, RoleAssignment, User
from lenhub.conftest import World, join, make_org, make_user, vet_directly
from lenhub.networks.services import application_submit

# Tokens in this part of the matrix carry the scopes the surfaces ask for.
TOKEN_SCOPES = "directory:read,applications:read"

SURFACES: dict[str, str] = {
    "directory": "/networks/",
    "enlets_page": "/networks/ENLETS/",
    "aquapol_page": "/networks/AQUAPOL/",
    "directory_csv": "/networks/export.csv",
    "directory_json": "/networks/export.json",
    "api_networks": "/api/v1/networks?limit=100",
    "api_enlets": "/api/v1/networks/ENLETS",
    "home": "/",
    "dashboard": "/dashboard/",
    "enlets_members": "/networks/ENLETS/members/",
    "enlets_members_csv": "/networks/ENLETS/members/export.csv",
    "aquapol_members": "/networks/AQUAPOL/members/",
    "api_enlets_members": "/api/v1/networks/ENLETS/members?limit=100",
    "token_enlets_members": f"{TOKEN}/api/v1/networks/ENLETS/members?limit=100",
    "token_aquapol_members": f"{TOKEN}/api/v1/networks/AQUAPOL/members?limit=100",
    "experts": "/experts/",
    "my_applications": "/networks/applications/",
    "decisions": "/networks/decisions/",
    "api_to_decide": "/api/v1/applications/to-decide?limit=100",
    "token_to_decide": f"{TOKEN}/api/v1/applications/to-decide?limit=100",
    "enlets_manage": "/networks/ENLETS/manage/",
    "enlets_manage_members": "/networks/ENLETS/manage/members/",
}

EVERYONE = set(PERSONAS)
SIGNED_IN = EVERYONE - {"anonymous"}
AQUAPOL_MEMBERS = {"lea_fr_aquapol"}
DECIDERS_PL = {"nc_pl", "secretariat"}  # the Polish National Contact, the secretariat
ENLETS_SECRETARIAT = {"secretariat"}


def _members_page(members: set[str]) -> dict[str, int]:
    """A page for a network's members: everyone else is told it does not exist."""
    return {p: 200 if p in members else 404 for p in PERSONAS}


def _signed_in_page(allowed: set[str], refused: int) -> dict[str, int]:
    """A page behind sign-in: the anonymous visitor is sent to sign in."""
    wanted = {p: 200 if p in allowed else refused for p in PERSONAS}
    wanted["anonymous"] = 302
    return wanted


def _api(allowed: set[str], refused: int, *, token: bool) -> dict[str, int]:
    wanted = {p: 200 if p in allowed else refused for p in PERSONAS}
    wanted["anonymous"] = 401
    if token:
        wanted.update(dict.fromkeys(TOKEN_REFUSED, 401))
    return wanted


PUBLIC_SURFACES = ("directory", "enlets_page", "aquapol_page", "directory_csv",
                   "directory_json", "api_networks", "api_enlets", "home")  # fmt: skip

STATUS: dict[str, dict[str, int]] = {
    **{s: dict.fromkeys(PERSONAS, 200) for s in PUBLIC_SURFACES},
    "dashboard": _signed_in_page(SIGNED_IN, 200),
    "enlets_members": _members_page(ENLETS_MEMBERS),
    "enlets_members_csv": _members_page(ENLETS_MEMBERS),
    "aquapol_members": _members_page(AQUAPOL_MEMBERS),
    "api_enlets_members": _api(ENLETS_MEMBERS, 404, token=False),
    "token_enlets_members": _api(ENLETS_MEMBERS, 404, token=True),
    "token_aquapol_members": _api(AQUAPOL_MEMBERS, 404, token=True),
    "experts": _signed_in_page(LEA, 404),
    "my_applications": _signed_in_page(SIGNED_IN, 200),
    "decisions": _signed_in_page(DECIDERS_PL, 403),
    "api_to_decide": _api(DECIDERS_PL, 403, token=False),
    "token_to_decide": _api(DECIDERS_PL, 403, token=True),
    "enlets_manage": _signed_in_page(ENLETS_SECRETARIAT, 404),
    "enlets_manage_members": _signed_in_page(DECIDERS_PL, 404),
}

ENLETS_LISTS = ("enlets_members", "enlets_members_csv", "api_enlets_members",
                "token_enlets_members")  # fmt: skip
AQUAPOL_LISTS = ("aquapol_members", "token_aquapol_members")
DECISIONS = ("decisions", "api_to_decide", "token_to_decide")

# canary -> surface -> personas who must see it there (nobody, on surfaces not named)
SEEN: dict[str, dict[str, set[str]]] = {
    # a Polish officer in ENLETS: on ENLETS' member lists; in the manage list of the
    # secretariat and the Polish National Contact
    "enlets_member_pl": {
        **dict.fromkeys(ENLETS_LISTS, ENLETS_MEMBERS),
        "enlets_manage_members": DECIDERS_PL,
    },
    # a German officer in ENLETS: the Polish National Contact does not manage them
    "enlets_member_de": {
        **dict.fromkeys(ENLETS_LISTS, ENLETS_MEMBERS),
        "enlets_manage_members": ENLETS_SECRETARIAT,
    },
    # an officer in AQUAPOL only
    "aquapol_member": dict.fromkeys(AQUAPOL_LISTS, AQUAPOL_MEMBERS),
    # the organisation of an ENLETS member who chose not to show it: only those who
    # manage the member see it; the secretariat also picks member organisations from
    # the register of organisations, which names it without naming the person
    "hidden_organisation": {
        "enlets_manage_members": DECIDERS_PL,
        "enlets_manage": ENLETS_SECRETARIAT,
    },
    # an opted-in, vetted police officer's expertise: LEA members signed in with MFA
    "expert_lea": {"experts": LEA},
    # never listed: not opted in; opted in but not LEA; opted in with vetting lapsed
    "expert_not_opted_in": {},
    "expert_not_lea": {},
    "expert_lapsed": {},
    # what applicants wrote: only for those who decide
    "motivation_pl": dict.fromkeys(DECISIONS, DECIDERS_PL),
    "motivation_de": dict.fromkeys(DECISIONS, ENLETS_SECRETARIAT),
    # a German deputy National Contact who is not a member: the secretariat's page only
    "deputy_contact": {"enlets_manage": ENLETS_SECRETARIAT},
}


def _canary() -> str:
    return f"CANARY{secrets.token_hex(6)}"


def plant_people(world: World) -> dict[str, str]:
    """People and applications carrying the canaries of ``SEEN``."""
    canaries = {name: _canary() for name in SEEN}
    police_pl, police_de = world.police_pl, world.police_de
    enlets, aquapol = world.enlets, world.aquapol

    def person(key: str, org: Organisation, *, vetted: bool = True, **extra: Any) -> User:
        extra.setdefault("display_name", canaries.get(key, key))
        domain = {police_pl.pk: "policja.pl.test", police_de.pk: "bundespolizei.de.test"}
        return make_user(
            f"{key}-{secrets.token_hex(3)}@{domain.get(org.pk, 'example.test')}",
            organisation=org,
            vetted=vetted,
            **extra,
        )

    join(person("enlets_member_pl", police_pl), enlets)
    join(person("enlets_member_de", police_de), enlets)
    join(person("aquapol_member", world.gendarmerie_fr), aquapol)
    hidden_org = make_org(canaries["hidden_organisation"], country="PL")
    join(person("hidden_org_member", hidden_org, show_organisation=False), enlets)

    def expert(key: str, org: Organisation, *, listed: bool = True, **extra: Any) -> User:
        return person(
            key,
            org,
            display_name=f"expert {key}",
            expertise=f"Drone forensics {canaries[key]}",
            show_in_expert_finder=listed,
            **extra,
        )

    expert("expert_lea", police_pl)
    expert("expert_not_opted_in", police_pl, listed=False)
    expert("expert_not_lea", make_org("Research Institute", OrganisationKind.RESEARCH, "DE"))
    vet_directly(expert("expert_lapsed", police_de, vetted=False), days_ago=400)

    for key, org in (("motivation_pl", police_pl), ("motivation_de", police_de)):
        applicant = person(key, org, vetted=False, display_name=f"applicant {key}")
        application_submit(
            user=applicant,
            network=enlets,
            position="Analyst",
            motivation=f"I work on cross-border cases {canaries[key]}",
        )

    deputy = person("deputy_contact", police_de)
    RoleAssignment.objects.create(
        user=deputy, role=Role.NATIONAL_CONTACT, network=enlets, country_id="DE", is_deputy=True
    )
    return canaries


@dataclass
class DirectoryCase:
    persona: str
    surface: str
    canary: str
    allowed: bool
    status: int
    wanted_status: int
    seen: bool

    @property
    def ok(self) -> bool:
        return self.status == self.wanted_status and self.seen == self.allowed


def run_directory_matrix(
    fetch: Fetch, canaries: dict[str, str], personas: list[str] = PERSONAS
) -> list[DirectoryCase]:
    cases = []
    for persona in personas:
        for surface, path in SURFACES.items():
            status, body = fetch(persona, path)
            for name, canary in canaries.items():
                allowed = persona in SEEN[name].get(surface, set())
                cases.append(
                    DirectoryCase(
                        persona,
                        surface,
                        name,
                        allowed,
                        status,
                        STATUS[surface][persona],
                        canary in body,
                    )
                )
    return cases


def summarise_directory(cases: list[DirectoryCase]) -> str:
    bad = [c for c in cases if not c.ok]
    lines = [f"{len(cases)} directory cases, {len(bad)} failed"]
    lines += [
        f"  {c.persona:<16} {c.surface:<22} {c.canary:<20} allowed={c.allowed} "
        f"status={c.status} wanted={c.wanted_status} canary_seen={c.seen}"
        for c in bad[:40]
    ]
    return "\n".join(lines)
