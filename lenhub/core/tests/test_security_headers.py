"""Security headers and asset hygiene on every page, anonymous and signed in.

One sweep requests every GET page of the site as the person it is meant for (and the
protected ones also as someone it is not for) and checks every response: a strict
Content-Security-Policy, clickjacking, MIME sniffing and referrer headers, no cache
keeping a signed-in response, and no HTML pulling assets from another host or relying on
inline code the policy would block. A second test makes sure the sweep keeps covering
every page the URL configuration has.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.core import mail
from django.test import Client
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve
from django.utils import timezone

from lenhub.access.policy import viewer_for_user
from lenhub.access.services import restricted_set_audience
from lenhub.accounts.models import Role, RoleAssignment
from lenhub.accounts.tokens import token_create
from lenhub.conftest import PASSWORD, World, client_sign_in
from lenhub.core.tests.security import cache_control_problems, header_problems, html_problems
from lenhub.dissemination.services import guidance_publish, news_publish
from lenhub.knowledge.models import BestPractice, Concept, Project, Result, TechWatch
from lenhub.needs.gaps import need_link_decide
from lenhub.needs.models import Coverage, Method
from lenhub.needs.roadmap import roadmap_create, roadmap_publish
from lenhub.needs.services import need_create, need_submit
from lenhub.needs.services_rounds import (
    BallotContent,
    RoundSpec,
    ballot_cast,
    round_close,
    round_create,
    round_open,
)
from lenhub.needs.tests.roadmap_world import link, make_need, make_result
from lenhub.networks.models import OrganisationMembership
from lenhub.networks.services import application_submit

pytestmark = pytest.mark.django_db

HOST = "testserver"


@dataclass(frozen=True)
class Page:
    who: str  # "anonymous", "signing_in" (password given, second factor not yet) or a person
    path: str  # may name values only known at run time: {public_news}, {reset_key}, ...
    status: int


PAGES = [
    # --- public pages and the entrance ---
    Page("anonymous", "/", 200),
    Page("anonymous", "/news/", 200),
    Page("anonymous", "/news/{public_news}/", 200),
    Page("anonymous", "/news/{lea_news}/", 404),
    Page("anonymous", "/knowledge/", 200),
    Page("anonymous", "/knowledge/?q=drones&programme=H2020", 200),
    Page("anonymous", "/knowledge/projects/{public_project}/", 200),
    Page("anonymous", "/knowledge/projects/{members_project}/", 404),
    Page("anonymous", "/knowledge/funding/", 200),
    Page("anonymous", "/knowledge/funding/?framework=H2020&status=ongoing", 200),
    Page("anonymous", "/knowledge/projects/{public_project}/results/new/", 302),
    Page("anonymous", "/knowledge/results/", 200),
    Page("anonymous", "/knowledge/results/?kind=tool&trl=3", 200),
    Page("anonymous", "/knowledge/results/new/", 302),
    Page("anonymous", "/knowledge/results/{public_result}/", 200),
    Page("anonymous", "/knowledge/results/{members_result}/", 404),
    Page("anonymous", "/knowledge/results/{members_result}/edit/", 302),
    Page("anonymous", "/knowledge/results/{public_result}/uptake/", 302),
    Page("anonymous", "/knowledge/concepts/", 200),
    Page("anonymous", "/knowledge/concepts/new/", 302),
    Page("anonymous", "/knowledge/concepts/{members_concept}/", 404),
    Page("anonymous", "/knowledge/concepts/{members_concept}/edit/", 302),
    Page("anonymous", "/knowledge/best-practices/", 200),
    Page("anonymous", "/knowledge/best-practices/new/", 302),
    Page("anonymous", "/knowledge/best-practices/{members_bestpractice}/", 404),
    Page("anonymous", "/knowledge/best-practices/{members_bestpractice}/edit/", 302),
    Page("anonymous", "/knowledge/tech-watch/", 200),
    Page("anonymous", "/knowledge/tech-watch/new/", 302),
    Page("anonymous", "/knowledge/tech-watch/{members_techwatch}/", 404),
    Page("anonymous", "/knowledge/tech-watch/{members_techwatch}/edit/", 302),
    Page("anonymous", "/knowledge/uptake/", 200),
    Page("anonymous", "/no-such-page/", 404),
    Page("anonymous", "/accounts/login/", 200),
    Page("anonymous", "/accounts/signup/", 200),
    Page("anonymous", "/accounts/password/reset/", 200),
    Page("anonymous", "/accounts/password/reset/done/", 200),
    Page("anonymous", "/accounts/password/reset/key/{reset_key}/", 302),
    Page("anonymous", "/accounts/password/reset/key/{reset_uid}-set-password/", 200),
    Page("anonymous", "/accounts/password/reset/key/done/", 200),
    Page("anonymous", "/accounts/confirm-email/", 200),
    Page("anonymous", "/accounts/confirm-email/{confirm_key}/", 200),
    Page("anonymous", "/accounts/inactive/", 200),
    Page("anonymous", "/accounts/login/code/confirm/", 302),
    Page("anonymous", "/i18n/setlang/", 302),
    # --- probes and the API answer with the same headers ---
    Page("anonymous", "/healthz", 200),
    Page("anonymous", "/readyz", 200),
    Page("anonymous", "/api/v1/openapi.json", 200),
    Page("anonymous", "/api/v1/no-such-endpoint", 404),
    Page("lea_pl", "/api/v1/openapi.json", 200),
    # --- protected pages, anonymous: sent to sign in ---
    Page("anonymous", "/dashboard/", 302),
    Page("anonymous", "/profile/", 302),
    Page("anonymous", "/profile/sign-out-everywhere/", 302),
    Page("anonymous", "/profile/tokens/", 302),
    Page("anonymous", "/profile/tokens/{token}/revoke/", 302),
    Page("anonymous", "/vetting/", 302),
    Page("anonymous", "/vetting/{queued}/", 302),
    Page("anonymous", "/audit/", 302),
    Page("anonymous", "/accounts/email/", 302),
    Page("anonymous", "/accounts/password/change/", 302),
    Page("anonymous", "/accounts/2fa/", 302),
    Page("anonymous", "/accounts/2fa/authenticate/", 302),
    Page("anonymous", "/admin/", 302),
    Page("anonymous", "/admin/login/", 302),
    # --- half-way through signing in ---
    Page("signing_in", "/accounts/2fa/authenticate/", 200),
    Page("signing_in", "/dashboard/", 302),
    # --- a vetted LEA officer ---
    Page("lea_pl", "/", 200),
    Page("lea_pl", "/dashboard/", 200),
    Page("lea_pl", "/profile/", 200),
    Page("lea_pl", "/profile/sign-out-everywhere/", 405),
    Page("lea_pl", "/profile/tokens/", 200),
    Page("lea_pl", "/profile/tokens/{token}/revoke/", 405),
    Page("lea_pl", "/news/", 200),
    Page("lea_pl", "/news/{lea_news}/", 200),
    Page("lea_pl", "/knowledge/?q=drones", 200),
    Page("lea_pl", "/knowledge/projects/{members_project}/", 200),
    Page("lea_pl", "/knowledge/funding/", 200),
    Page("lea_pl", "/knowledge/projects/{public_project}/results/new/", 200),
    Page("lea_pl", "/knowledge/results/", 200),
    Page("lea_pl", "/knowledge/results/new/", 200),
    Page("lea_pl", "/knowledge/results/{members_result}/", 200),
    Page("lea_pl", "/knowledge/results/{members_result}/edit/", 200),
    Page("lea_pl", "/knowledge/results/{members_result}/uptake/", 405),
    Page("lea_pl", "/knowledge/concepts/", 200),
    Page("lea_pl", "/knowledge/concepts/new/", 200),
    Page("lea_pl", "/knowledge/concepts/{members_concept}/", 200),
    Page("lea_pl", "/knowledge/concepts/{members_concept}/edit/", 200),
    Page("lea_pl", "/knowledge/best-practices/", 200),
    Page("lea_pl", "/knowledge/best-practices/new/", 200),
    Page("lea_pl", "/knowledge/best-practices/{members_bestpractice}/", 200),
    Page("lea_pl", "/knowledge/best-practices/{members_bestpractice}/edit/", 200),
    Page("lea_pl", "/knowledge/tech-watch/", 200),
    Page("lea_pl", "/knowledge/tech-watch/new/", 200),
    Page("lea_pl", "/knowledge/tech-watch/{members_techwatch}/", 200),
    Page("lea_pl", "/knowledge/tech-watch/{members_techwatch}/edit/", 200),
    Page("lea_pl", "/knowledge/uptake/", 200),
    Page("lea_pl", "/vetting/", 403),
    Page("lea_pl", "/audit/", 404),
    Page("lea_pl", "/accounts/email/", 200),
    Page("lea_pl", "/accounts/password/change/", 200),
    Page("lea_pl", "/accounts/password/set/", 302),
    Page("lea_pl", "/accounts/logout/", 200),
    Page("lea_pl", "/accounts/reauthenticate/", 200),
    Page("lea_pl", "/accounts/reauthenticate/code/", 200),
    Page("lea_pl", "/accounts/reauthenticate/code/confirm/", 302),
    Page("lea_pl", "/accounts/2fa/", 200),
    Page("lea_pl", "/accounts/2fa/reauthenticate/", 200),
    Page("lea_pl", "/accounts/2fa/totp/activate/", 302),
    Page("lea_pl", "/accounts/2fa/totp/deactivate/", 200),
    Page("lea_pl", "/accounts/2fa/recovery-codes/", 200),
    Page("lea_pl", "/accounts/2fa/recovery-codes/generate/", 200),
    Page("lea_pl", "/accounts/2fa/recovery-codes/download/", 200),
    Page("lea_pl", "/accounts/2fa/webauthn/", 200),
    Page("lea_pl", "/accounts/2fa/webauthn/add/", 200),
    Page("lea_pl", "/accounts/2fa/webauthn/reauthenticate/", 302),
    Page("lea_pl", "/accounts/2fa/webauthn/keys/{missing}/edit/", 404),
    Page("lea_pl", "/accounts/2fa/webauthn/keys/{missing}/remove/", 404),
    Page("lea_pl", "/admin/", 302),
    Page("lea_pl", "/admin/login/", 403),
    # --- vetting, audit and administration roles ---
    Page("secretariat", "/vetting/", 200),
    Page("secretariat", "/vetting/{queued}/", 405),
    Page("auditor", "/audit/", 200),
    Page("auditor", "/audit/?verify=1", 200),
    Page("operator", "/admin/", 200),
    Page("operator", "/admin/accounts/", 200),
    Page("operator", "/admin/accounts/organisation/", 200),
    Page("operator", "/admin/accounts/organisation/add/", 200),
    Page("operator", "/admin/accounts/organisation/{organisation}/change/", 200),
    Page("operator", "/admin/mfa/authenticator/", 200),
    # --- the directory and joining ---
    Page("anonymous", "/networks/", 200),
    Page("anonymous", "/networks/?kind=eu_le_network&q=enlets", 200),
    Page("anonymous", "/networks/ENLETS/", 200),
    Page("anonymous", "/networks/landscape/", 200),
    Page("anonymous", "/networks/export.csv", 200),
    Page("anonymous", "/networks/export.json", 200),
    Page("anonymous", "/networks/ENLETS/members/", 404),
    Page("anonymous", "/networks/ENLETS/members/export.csv", 404),
    Page("anonymous", "/networks/ENLETS/join/", 302),
    Page("anonymous", "/networks/ENLETS/leave/", 302),
    Page("anonymous", "/networks/applications/", 302),
    Page("anonymous", "/networks/applications/{application}/withdraw/", 302),
    Page("anonymous", "/networks/decisions/", 302),
    Page("anonymous", "/networks/decisions/{application}/", 302),
    Page("anonymous", "/networks/ENLETS/manage/", 302),
    Page("anonymous", "/networks/ENLETS/manage/members/", 302),
    Page("anonymous", "/experts/", 302),
    Page("lea_pl", "/networks/ENLETS/", 200),
    Page("lea_pl", "/networks/ENLETS/members/", 200),
    Page("lea_pl", "/networks/ENLETS/members/export.csv", 200),
    Page("lea_pl", "/networks/AQUAPOL/members/", 404),
    Page("lea_pl", "/networks/AQUAPOL/join/", 200),
    Page("lea_pl", "/networks/ENLETS/leave/", 405),
    Page("lea_pl", "/networks/applications/", 200),
    Page("lea_pl", "/networks/decisions/", 403),
    Page("lea_pl", "/networks/ENLETS/manage/", 404),
    Page("lea_pl", "/networks/ENLETS/manage/members/", 404),
    Page("lea_pl", "/experts/", 200),
    Page("nc_pl", "/networks/decisions/", 200),
    Page("nc_pl", "/networks/decisions/{application}/", 405),
    Page("nc_pl", "/networks/ENLETS/manage/members/", 200),
    Page("secretariat", "/networks/ENLETS/manage/", 200),
    Page("secretariat", "/networks/ENLETS/manage/structures/new/", 200),
    Page("secretariat", "/networks/ENLETS/manage/structures/{group}/", 200),
    Page("secretariat", "/networks/ENLETS/manage/structures/{group}/delete/", 405),
    Page("secretariat", "/networks/ENLETS/manage/contacts/", 405),
    Page("secretariat", "/networks/ENLETS/manage/contacts/{contact}/revoke/", 405),
    Page("secretariat", "/networks/ENLETS/manage/organisations/", 405),
    Page("secretariat", "/networks/ENLETS/manage/organisations/{orgmember}/", 405),
    Page("secretariat", "/networks/ENLETS/manage/organisations/{orgmember}/remove/", 405),
    # --- following ---
    Page("anonymous", "/monitoring/", 302),
    Page("anonymous", "/monitoring/follow/", 302),
    Page("anonymous", "/monitoring/follows/{missing}/unfollow/", 302),
    Page("anonymous", "/monitoring/notifications/{missing}/read/", 302),
    Page("anonymous", "/monitoring/notifications/read/", 302),
    Page("anonymous", "/monitoring/preferences/", 302),
    Page("lea_pl", "/monitoring/", 200),
    Page("lea_pl", "/monitoring/follow/", 405),
    Page("lea_pl", "/monitoring/follows/{missing}/unfollow/", 405),
    Page("lea_pl", "/monitoring/notifications/{missing}/read/", 405),
    Page("lea_pl", "/monitoring/notifications/read/", 405),
    Page("lea_pl", "/monitoring/preferences/", 405),
    # --- needs: reporting and curating ---
    Page("anonymous", "/needs/", 200),
    Page("anonymous", "/needs/new/", 302),
    Page("anonymous", "/needs/similar/?text=drones", 302),
    Page("anonymous", "/needs/curate/", 302),
    Page("anonymous", "/needs/{public_need}/", 200),
    Page("anonymous", "/needs/{need}/", 404),
    Page("anonymous", "/needs/{draft_need}/", 404),
    Page("anonymous", "/needs/{draft_need}/edit/", 302),
    Page("anonymous", "/needs/{draft_need}/submit/", 302),
    Page("anonymous", "/needs/{submitted_need}/support/", 302),
    Page("anonymous", "/needs/{submitted_need}/comment/", 302),
    Page("anonymous", "/needs/{submitted_need}/curate/", 302),
    Page("lea_pl", "/needs/", 200),
    Page("lea_pl", "/needs/?status=accepted&urgency=high", 200),
    Page("lea_pl", "/needs/new/", 200),
    Page("lea_pl", "/needs/similar/?text=drones&exclude={draft_need}", 200),
    Page("lea_pl", "/needs/curate/", 200),
    Page("lea_pl", "/needs/{need}/", 200),
    Page("lea_pl", "/needs/{draft_need}/", 200),
    Page("lea_pl", "/needs/{draft_need}/edit/", 200),
    Page("lea_pl", "/needs/{draft_need}/submit/", 405),
    Page("lea_pl", "/needs/{submitted_need}/", 200),
    Page("lea_pl", "/needs/{submitted_need}/support/", 405),
    Page("lea_pl", "/needs/{submitted_need}/comment/", 405),
    Page("lea_pl", "/needs/{submitted_need}/curate/", 405),
    Page("nc_pl", "/needs/curate/", 200),
    Page("nc_pl", "/needs/{submitted_need}/", 200),
    Page("nc_pl", "/needs/{submitted_need}/edit/", 403),
    Page("nc_pl", "/needs/{submitted_need}/curate/", 405),
    Page("nc_pl", "/needs/{draft_need}/", 404),
    Page("nc_pl", "/needs/{draft_need}/edit/", 404),
    # --- needs: gaps and knowledge links ---
    Page("anonymous", "/needs/gaps/", 200),
    Page("anonymous", "/needs/gaps/?network=ENLETS", 200),
    Page("anonymous", "/needs/{public_need}/links/", 200),
    Page("anonymous", "/needs/{need}/links/", 404),
    Page("anonymous", "/needs/{need}/links/suggest/", 302),
    Page("anonymous", "/needs/{need}/links/{need_link}/", 302),
    Page("lea_pl", "/needs/gaps/?network=ENLETS", 200),
    Page("lea_pl", "/needs/{need}/links/", 200),
    Page("lea_pl", "/needs/{need}/links/suggest/", 405),
    Page("lea_pl", "/needs/{need}/links/{need_link}/", 405),
    Page("nc_pl", "/needs/{need}/links/", 200),
    Page("nc_pl", "/needs/{need}/links/suggest/", 405),
    Page("nc_pl", "/needs/{need}/links/{need_link}/", 405),
    # --- prioritisation rounds ---
    Page("anonymous", "/rounds/", 200),
    Page("anonymous", "/rounds/new/?network=ENLETS", 302),
    Page("anonymous", "/rounds/{open_round}/", 404),
    Page("anonymous", "/rounds/{draft_round}/open/", 302),
    Page("anonymous", "/rounds/{open_round}/vote/", 302),
    Page("anonymous", "/rounds/{closed_round}/results/", 404),
    Page("anonymous", "/rounds/{open_round}/close/", 302),
    Page("lea_pl", "/rounds/", 200),
    Page("lea_pl", "/rounds/new/?network=ENLETS", 404),
    Page("lea_pl", "/rounds/{open_round}/", 200),
    Page("lea_pl", "/rounds/{draft_round}/", 404),
    Page("lea_pl", "/rounds/{open_round}/vote/", 200),
    Page("lea_pl", "/rounds/{closed_round}/vote/", 200),
    Page("lea_pl", "/rounds/{closed_round}/", 200),
    Page("lea_pl", "/rounds/{closed_round}/results/", 200),
    Page("lea_pl", "/rounds/{open_round}/results/", 302),
    Page("lea_pl", "/rounds/{open_round}/close/", 405),
    Page("secretariat", "/rounds/", 200),
    Page("secretariat", "/rounds/new/", 404),
    Page("secretariat", "/rounds/new/?network=ENLETS", 200),
    Page("secretariat", "/rounds/{draft_round}/", 200),
    Page("secretariat", "/rounds/{draft_round}/open/", 405),
    Page("secretariat", "/rounds/{open_round}/", 200),
    Page("secretariat", "/rounds/{open_round}/close/", 405),
    Page("secretariat", "/rounds/{closed_round}/results/", 200),
    # --- roadmaps: ENLETS v1 and v2 for its members, v3 public, v4 a draft ---
    Page("anonymous", "/roadmaps/", 200),
    Page("anonymous", "/roadmaps/ENLETS/", 200),
    Page("anonymous", "/roadmaps/ENLETS/new/", 302),
    Page("anonymous", "/roadmaps/ENLETS/v1/", 404),
    Page("anonymous", "/roadmaps/ENLETS/v2/diff/", 404),
    Page("anonymous", "/roadmaps/ENLETS/v1/roadmap.pdf", 404),
    Page("anonymous", "/roadmaps/ENLETS/v3/", 200),
    Page("anonymous", "/roadmaps/ENLETS/v3/diff/", 200),
    Page("anonymous", "/roadmaps/ENLETS/v3/roadmap.pdf", 200),
    Page("anonymous", "/roadmaps/ENLETS/v4/", 404),
    Page("anonymous", "/roadmaps/ENLETS/v4/publish/", 302),
    Page("lea_pl", "/roadmaps/", 200),
    Page("lea_pl", "/roadmaps/ENLETS/", 200),
    Page("lea_pl", "/roadmaps/ENLETS/new/", 404),
    Page("lea_pl", "/roadmaps/ENLETS/v1/", 200),
    Page("lea_pl", "/roadmaps/ENLETS/v2/diff/", 200),
    Page("lea_pl", "/roadmaps/ENLETS/v1/roadmap.pdf", 200),
    Page("lea_pl", "/roadmaps/ENLETS/v4/", 404),
    Page("lea_pl", "/roadmaps/ENLETS/v4/roadmap.pdf", 404),
    Page("lea_pl", "/roadmaps/ENLETS/v4/publish/", 405),
    Page("secretariat", "/roadmaps/ENLETS/", 200),
    Page("secretariat", "/roadmaps/ENLETS/new/", 200),
    Page("secretariat", "/roadmaps/ENLETS/v4/", 200),
    Page("secretariat", "/roadmaps/ENLETS/v4/diff/", 200),
    Page("secretariat", "/roadmaps/ENLETS/v4/roadmap.pdf", 200),
    Page("secretariat", "/roadmaps/ENLETS/v4/publish/", 405),
    # --- top-down guidance ---
    Page("anonymous", "/guidance/", 200),
    Page("anonymous", "/guidance/new/", 302),
    Page("anonymous", "/guidance/{guidance}/", 404),
    Page("anonymous", "/guidance/{guidance}/acknowledge/", 302),
    Page("anonymous", "/guidance/{guidance}/relay/", 302),
    Page("anonymous", "/guidance/{guidance}/reach/", 404),
    Page("lea_pl", "/guidance/", 200),
    Page("lea_pl", "/guidance/new/", 403),
    Page("lea_pl", "/guidance/{guidance}/", 200),
    Page("lea_pl", "/guidance/{guidance}/acknowledge/", 405),
    Page("lea_pl", "/guidance/{guidance}/relay/", 405),
    Page("lea_pl", "/guidance/{guidance}/reach/", 404),
    Page("nc_pl", "/guidance/{guidance}/", 200),
    Page("nc_pl", "/guidance/{guidance}/relay/", 405),
    Page("nc_pl", "/guidance/{guidance}/reach/", 200),
    Page("secretariat", "/guidance/", 200),
    Page("secretariat", "/guidance/new/", 200),
    Page("secretariat", "/guidance/{guidance}/reach/", 200),
    # --- registered, no second factor yet ---
    Page("registered", "/dashboard/", 200),
    Page("registered", "/accounts/2fa/totp/activate/", 200),
]

SIGNED_IN = {page.who for page in PAGES} - {"anonymous", "signing_in"}
# These confirm their password once more after signing in, as the pages managing second
# factors ask, so that those pages render instead of redirecting.
REAUTHENTICATED = {"lea_pl", "registered"}


def _prepare(world: World) -> tuple[dict[str, Client], dict[str, str]]:
    """Sign everybody in and create what the parameterised paths point to."""
    author = world.people["secretariat"]
    public = news_publish(title="Public", body="b", audience=["public"], tlp="CLEAR", author=author)
    lea = news_publish(title="LEA", body="b", audience=["lea"], tlp="GREEN", author=author)
    values = {
        "public_news": str(public.pk),
        "lea_news": str(lea.pk),
        "queued": str(world.people["unvetted_mfa"].pk),
        "organisation": str(world.police_pl.pk),
        "missing": "999999",  # no security key has this id
    }
    for audience, tlp, key in ((["public"], "CLEAR", "public_project"),
                               (["members"], "GREEN", "members_project")):  # fmt: skip
        project = Project.objects.create(acronym=key.upper(), title=f"A {key}")
        restricted_set_audience(item=project, audience=audience, tlp=tlp, actor=None)
        values[key] = str(project.pk)
    officer = world.people["lea_pl"]
    knowledge: dict[str, tuple[Any, dict[str, Any]]] = {
        "public_result": (Result, {"kind": "tool", "title": "Open tool", "trl": 3}),
        "members_result": (Result, {"kind": "dataset", "title": "Members dataset"}),
        "members_concept": (Concept, {"title": "An idea", "idea": "i", "seeking": "both"}),
        "members_bestpractice": (
            BestPractice, {"title": "A practice", "topic": "t", "what_was_done": "w"},
        ),
        "members_techwatch": (
            TechWatch, {"technology": "A technology", "maturity": "mature", "assessment": "a"},
        ),
    }  # fmt: skip
    for key, (model, fields) in knowledge.items():
        audience, tlp = (
            (["public"], "CLEAR") if key.startswith("public") else (["members"], "GREEN")
        )
        item = model.objects.create(author=officer, tlp=tlp, **fields)
        restricted_set_audience(item=item, audience=audience, tlp=tlp, actor=None)
        values[key] = str(item.pk)
    application = application_submit(
        user=world.people["unvetted_mfa"],
        network=world.enlets,
        position="Analyst",
        motivation="I work on drones and want to join.",
    )
    values["application"] = str(application.pk)
    values["group"] = str(world.core_group.pk)
    values["contact"] = str(
        RoleAssignment.objects.get(user=world.people["nc_pl"], role=Role.NATIONAL_CONTACT).pk
    )
    values["orgmember"] = str(
        OrganisationMembership.objects.create(
            network=world.enlets, organisation=world.police_pl, status="full"
        ).pk
    )
    RecoveryCodes.activate(world.people["lea_pl"])
    token = token_create(user=world.people["lea_pl"], name="script", scopes=["news:read"])
    values["token"] = token.token.key_id
    values |= _prepare_needs(world)

    anonymous = Client()
    # A password reset, through the form and the email it sends.
    response = anonymous.post("/accounts/password/reset/", {"email": "lone@policja.pl.test"})
    assert response.status_code == 302
    reset = re.search(r"/accounts/password/reset/key/(\w+)-([^/\s]+)/", str(mail.outbox[-1].body))
    assert reset, mail.outbox[-1].body
    values["reset_uid"], values["reset_key"] = reset.group(1), f"{reset.group(1)}-{reset.group(2)}"
    # A registration, through the form, up to the confirmation link it emails.
    response = Client().post(
        "/accounts/signup/",
        {
            "email": "newcomer@uni.be.test",
            "display_name": "Newcomer",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 302, response.content[:500]
    confirm = re.search(r"/accounts/confirm-email/([^/\s]+)/", str(mail.outbox[-1].body))
    assert confirm, mail.outbox[-1].body
    values["confirm_key"] = confirm.group(1)

    clients = {"anonymous": anonymous}
    for who in sorted(SIGNED_IN):
        clients[who] = Client()
        client_sign_in(clients[who], world.people[who].email, world.secrets[who])
        if who in REAUTHENTICATED:
            response = clients[who].post("/accounts/reauthenticate/", {"password": PASSWORD})
            assert response.status_code == 302, response.content[:500]
    clients["signing_in"] = Client()
    response = clients["signing_in"].post(
        "/accounts/login/", {"login": world.people["lea_de"].email, "password": PASSWORD}
    )
    assert response["Location"].startswith("/accounts/2fa/authenticate/")
    return clients, values


def _prepare_needs(world: World) -> dict[str, str]:
    """Needs (a draft and a submitted one of lea_pl, accepted ones with knowledge links),
    rounds (a draft, an open one, and one voted on and closed, with results), versions of
    the ENLETS roadmap built from the closed round, and guidance: through the services."""
    people = world.people
    secretariat = people["secretariat"]

    def as_(who: str) -> Any:
        return viewer_for_user(people[who], mfa_verified=True)

    fields = {"kind": "technology_need", "title": "Drone detection near prisons",
              "problem": "Drones drop parcels.", "capability_wanted": "Detect them.",
              "crime_area": "drugs", "urgency": "high"}  # fmt: skip
    draft = need_create(
        viewer=as_("lea_pl"), actor=people["lea_pl"], network=world.enlets, fields=fields
    )
    submitted = need_create(
        viewer=as_("lea_pl"), actor=people["lea_pl"], network=world.enlets,
        fields=fields | {"title": "Tracing crypto wallets"},
    )  # fmt: skip
    submitted = need_submit(need=submitted, viewer=as_("lea_pl"), actor=people["lea_pl"])
    # accepted needs of ENLETS: a public one answered by an open result, one for members
    # with a suggestion only
    top = make_need(world, "Detecting drones over prisons", ["public"], "CLEAR")
    gap = make_need(world, "Tracing synthetic drug precursors")
    link(top, make_result("Open drone radar", ["public"], "CLEAR"), "result")
    suggested = link(
        gap, make_result("Precursor database", ["members"]), "result", Coverage.SUGGESTED
    )

    def new_round(title: str) -> Any:
        now = timezone.now()
        spec = RoundSpec(
            title=title, method=Method.POINTS, opens_at=now - timedelta(minutes=1),
            closes_at=now + timedelta(days=7), need_ids=[top.pk, gap.pk],
            audience=[f"network:{world.enlets.pk}"], tlp="GREEN",
        )  # fmt: skip
        return round_create(viewer=as_("secretariat"), actor=secretariat, network=world.enlets,
                            spec=spec)  # fmt: skip

    closed = round_open(viewer=as_("secretariat"), actor=secretariat, round=new_round("Winter"))
    for who, points in (("lea_pl", 70), ("nc_pl", 40), ("lea_de", 55)):
        content = BallotContent(points={top.pk: points, gap.pk: 100 - points})
        ballot_cast(viewer=as_(who), voter=people[who], round=closed, content=content)
    round_close(round=closed, viewer=as_("secretariat"), actor=secretariat)
    opened = round_open(viewer=as_("secretariat"), actor=secretariat, round=new_round("Spring"))
    draft_round = new_round("Autumn")

    # ENLETS roadmap: v1 and v2 for its members (a link confirmed in between, so that v2
    # differs), v3 public (only the public need shows), v4 a draft
    roadmaps = {1: "network", 2: "network", 3: "public", 4: "draft"}
    for number, kind in roadmaps.items():
        if number == 2:
            need_link_decide(viewer=as_("nc_pl"), actor=people["nc_pl"], need=gap,
                             link_id=suggested.pk, coverage=Coverage.PARTLY)  # fmt: skip
        public = kind == "public"
        version = roadmap_create(
            viewer=as_("secretariat"), actor=secretariat, network=world.enlets,
            round_id=closed.pk, title="ENLETS roadmap", introduction="What members asked for.",
            audience=["public"] if public else [f"network:{world.enlets.pk}"],
            tlp="CLEAR" if public else "GREEN",
        )  # fmt: skip
        assert version.version == number
        if kind != "draft":
            roadmap_publish(viewer=as_("secretariat"), actor=secretariat, version=version)
    guidance = guidance_publish(
        actor=secretariat, viewer=as_("secretariat"), network=world.enlets, kind="guideline",
        title="Handling seized drones", body="Keep the flight log.",
        audience=[f"network:{world.enlets.pk}"], tlp="GREEN",
    )  # fmt: skip
    return {
        "draft_need": str(draft.pk),
        "submitted_need": str(submitted.pk),
        "public_need": str(top.pk),
        "need": str(gap.pk),
        "need_link": str(suggested.pk),
        "draft_round": str(draft_round.pk),
        "open_round": str(opened.pk),
        "closed_round": str(closed.pk),
        "guidance": str(guidance.pk),
    }


def _sweep(clients: dict[str, Client], values: dict[str, str], pages: list[Page]) -> list[str]:
    problems: list[str] = []
    for page in pages:
        path = page.path.format(**values)
        response = clients[page.who].get(path)
        where = f"{page.who} GET {path} ({response.status_code})"
        if response.status_code != page.status:
            problems.append(f"{where}: expected {page.status}")
        found = header_problems(response.headers)
        if page.who in SIGNED_IN:
            found += cache_control_problems(response.headers)
        if response.headers.get("Content-Type", "").startswith("text/html") and response.content:
            found += html_problems(response.content.decode(), HOST)
        problems += [f"{where}: {problem}" for problem in found]
    return problems


def test_every_page_sends_the_security_headers(world: World) -> None:
    """Every page, whoever asks and whatever the outcome (200, redirect, 403, 404, 405):
    strict CSP, X-Frame-Options DENY, nosniff, a referrer policy; signed-in responses are
    never stored by a cache; HTML pulls nothing from another host and has no inline code."""
    clients, values = _prepare(world)
    problems = _sweep(clients, values, PAGES)
    assert not problems, "\n".join(problems)


def test_the_sweep_notices_a_weakened_configuration(world: World, settings: Any) -> None:
    """Mutation check: with inline scripts allowed, framing by the same origin, no
    referrer policy and no private-cache middleware, the sweep reports each of them."""
    policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    policy["DIRECTIVES"]["script-src"].append("'unsafe-inline'")
    policy["DIRECTIVES"]["frame-ancestors"] = ["'self'"]
    settings.CONTENT_SECURITY_POLICY = policy
    settings.X_FRAME_OPTIONS = "SAMEORIGIN"
    settings.SECURE_REFERRER_POLICY = None
    settings.MIDDLEWARE = [
        m for m in settings.MIDDLEWARE if not m.endswith("PrivateCacheMiddleware")
    ]
    clients = {"anonymous": Client(), "lea_pl": Client()}
    client_sign_in(clients["lea_pl"], world.people["lea_pl"].email, world.secrets["lea_pl"])
    pages = [Page("anonymous", "/", 200), Page("lea_pl", "/dashboard/", 200)]

    report = "\n".join(_sweep(clients, {}, pages))

    for expected in (
        "anonymous GET / (200): CSP script-src allows [\"'unsafe-inline'\"]",
        "anonymous GET / (200): CSP frame-ancestors is [\"'self'\"]",
        "anonymous GET / (200): X-Frame-Options is 'SAMEORIGIN'",
        "anonymous GET / (200): Referrer-Policy is None",
        "lea_pl GET /dashboard/ (200): Cache-Control",
    ):
        assert expected in report, report
    html = '<link href="https://cdn.example.com/x.css"><script>alert(1)</script><p style="x">'
    assert len(html_problems(html, HOST)) == 3
    assert html_problems('<script type="application/json">{"a": 1}</script>', HOST) == []


# Applications whose pages count as one: the sweep visits a few of each.
NAMESPACES = {"admin", "api_v1"}


def _named_patterns(patterns: list[URLPattern | URLResolver]) -> list[str]:
    found: list[str] = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace in NAMESPACES:
                found.append(pattern.namespace)
            else:
                found += _named_patterns(pattern.url_patterns)
        elif pattern.name:
            found.append(pattern.name)
    return found


def test_the_sweep_covers_every_page() -> None:
    """A page added to the URL configuration without a place in the sweep fails here."""
    sample = {"public_news": "1", "lea_news": "1", "queued": "1", "organisation": "1"}
    sample |= {"confirm_key": "key", "token": "key", "missing": "1"}
    sample |= {"reset_key": "1-key", "reset_uid": "1"}
    sample |= {"application": "1", "group": "1", "contact": "1", "orgmember": "1"}
    sample |= {"public_project": "1", "members_project": "1", "public_result": "1"}
    sample |= {"members_result": "1", "members_concept": "1", "members_bestpractice": "1"}
    sample |= {"members_techwatch": "1"}
    sample |= {"draft_need": "1", "submitted_need": "1", "public_need": "1", "need": "1"}
    sample |= {"need_link": "1"}
    sample |= {"draft_round": "1", "open_round": "1", "closed_round": "1", "guidance": "1"}
    covered: set[str] = set()
    for page in PAGES:
        try:
            match = resolve(page.path.format(**sample).split("?")[0])
        except Resolver404:
            continue
        covered.add(match.namespace if match.namespace in NAMESPACES else match.url_name or "")
    names = set(_named_patterns(get_resolver().url_patterns))
    assert names - covered == set(), f"pages missing from the sweep: {names - covered}"
