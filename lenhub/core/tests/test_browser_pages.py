"""Every page lenhub serves, in a real browser, as the people who can see it: each must
pass axe-core's WCAG 2.0/2.1 A and AA rules and its best practices (landmarks, heading
order), keep the strict Content-Security-Policy without a violation or a script error,
and load nothing from another machine (every request is intercepted; any not for
127.0.0.1 or localhost is aborted and fails the test). One Chromium serves every page;
each person gets their own browser context. Run with ``-s`` (or ``-rP``) to see the
table of pages, violations and timings.

The list of pages is checked against the URL configuration: a named route that is
neither visited here nor listed in ``NOT_VISITED`` (with the reason) fails the test, so a
new page cannot be added without being checked.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.account.utils import user_pk_to_url_str
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404
from playwright.sync_api import Browser, BrowserContext, Page, expect

from lenhub.access.services import restricted_set_audience
from lenhub.accounts.models import User
from lenhub.conftest import PASSWORD, World, http_sign_in, make_user
from lenhub.core.testing.axe import STRICT_TAGS, axe_violations, format_violations
from lenhub.core.testing.browser import (
    CHROMIUM_MISSING,
    PageWatch,
    RequestLog,
    adopt_session,
    assert_strict_csp,
    chromium_available,
    confirm_password_if_asked,
    keep_local,
    new_context,
    totp_code_for_form,
    watch,
)
from lenhub.dissemination.services import news_publish
from lenhub.knowledge.models import (
    BestPractice,
    Concept,
    Participation,
    Project,
    ResearchOrganisation,
    Result,
    TechWatch,
    Uptake,
)
from lenhub.networks.services import application_submit

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not chromium_available(), reason=CHROMIUM_MISSING),
]

CYCLE = "visited and checked with axe: lenhub/needs/tests/test_browser_cycle.py"
GUIDANCE = "the guidance story runs in test_browser_guidance, with axe"

# Named routes this test does not open, and why. Everything else must be visited.
NOT_VISITED = {
    "healthz": "a JSON health probe, not a page",
    "readyz": "a JSON readiness probe, not a page",
    "sign_out_everywhere": "POST only",
    "token_revoke": "POST only",
    "vetting_decide": "POST only",
    "application_withdraw": "POST only",
    "application_decide": "POST only",
    "network_leave": "POST only",
    "result_uptake": "POST only (its form is on the result's page)",
    "network_manage_group_delete": "POST only",
    "network_manage_contact_add": "POST only",
    "network_manage_contact_revoke": "POST only",
    "network_manage_organisation_add": "POST only",
    "network_manage_organisation_status": "POST only",
    "network_manage_organisation_remove": "POST only",
    "directory_export_csv": "a CSV download, not a page",
    "directory_export_json": "a JSON download, not a page",
    "network_members_export_csv": "a CSV download, not a page",
    "set_language": "POST only (the language form is on every page)",
    "monitoring_follow": "POST only (the forms are on /monitoring/ and project pages)",
    "monitoring_unfollow": "POST only",
    "monitoring_notification_read": "POST only",
    "monitoring_read_all": "POST only",
    "monitoring_preferences": "POST only",
    "mfa_download_recovery_codes": "a text/plain download, not a page",
    "account_request_reauthentication_code": "sign-in codes are not enabled",
    "account_confirm_reauthentication_code": "sign-in codes are not enabled",
    "account_confirm_login_code": "sign-in codes are not enabled",
    "mfa_reauthenticate_webauthn": "needs a registered key: test_browser_webauthn",
    "mfa_edit_webauthn": "needs a registered key: test_browser_webauthn",
    "mfa_remove_webauthn": "needs a registered key: test_browser_webauthn",
    # needs, rounds and roadmaps: the whole cycle runs in test_browser_cycle, with axe
    "need_list": CYCLE,
    "need_new": CYCLE,
    "need_edit": CYCLE,
    "need_detail": CYCLE,
    "need_curate_queue": CYCLE,
    "gap_list": CYCLE,
    "need_links": CYCLE,
    "round_list": CYCLE,
    "round_new": CYCLE,
    "round_detail": CYCLE,
    "round_vote": CYCLE,
    "round_results": CYCLE,
    "roadmap_list": CYCLE,
    "roadmap_latest": CYCLE,
    "roadmap_version": CYCLE,
    "roadmap_new": CYCLE,
    "roadmap_diff": CYCLE,
    "need_submit": "POST only (test_browser_cycle submits its form)",
    "need_support": "POST only (its form is on the need's page)",
    "need_comment": "POST only (its form is on the need's page)",
    "need_curate": "POST only (test_browser_cycle submits its form)",
    "need_links_suggest": "POST only (test_browser_cycle submits its form)",
    "need_link_decide": "POST only (test_browser_cycle submits its form)",
    "round_open": "POST only (test_browser_cycle submits its form)",
    "round_close": "POST only (test_browser_cycle submits its form)",
    "roadmap_publish": "POST only (test_browser_cycle submits its form)",
    "need_similar": "an HTML fragment the need form fetches (test_browser_cycle)",
    "roadmap_pdf": "a PDF download (test_browser_cycle reads it with pdftotext)",
    # guidance: published, relayed, acknowledged and its reach read in
    # lenhub/dissemination/tests/test_browser_guidance.py, with axe
    "guidance_list": GUIDANCE,
    "guidance_new": GUIDANCE,
    "guidance_detail": GUIDANCE,
    "guidance_reach": GUIDANCE,
    "guidance_acknowledge": "POST only (test_browser_guidance submits its form)",
    "guidance_relay": "POST only (test_browser_guidance submits its form)",
}


@dataclass
class Visit:
    who: str
    path: str
    final_path: str
    status: int
    violations: list[dict[str, Any]]
    load_seconds: float
    axe_seconds: float


@dataclass
class Tour:
    """Pages visited so far, in contexts (people) that all keep requests local."""

    browser: Browser
    base_url: str
    visits: list[Visit] = field(default_factory=list)
    watches: list[PageWatch] = field(default_factory=list)
    requests: list[RequestLog] = field(default_factory=list)
    contexts: list[BrowserContext] = field(default_factory=list)

    def person(self, locale: str = "en-GB") -> Page:
        """A new browser context (its own cookies): one person's browser."""
        context = new_context(self.browser, self.base_url, locale=locale)
        self.contexts.append(context)
        self.requests.append(keep_local(context))
        page = context.new_page()
        self.watches.append(watch(page))
        return page

    def signed_in(self, user: User, secret: str | None) -> Page:
        """A new browser context holding a session of ``user``, signed in (password and
        authenticator app) over plain HTTP: quicker than through the pages, which other
        parts of this test and the sign-in tests cover."""
        if secret is not None:
            totp_code_for_form(secret)  # waits when the code is about to change
        session = http_sign_in(self.base_url, user.email, secret)
        page = self.person()
        adopt_session(page.context, self.base_url, session.cookies)
        return page

    def check(self, page: Page, who: str, path: str | None = None, *, status: int = 200) -> None:
        """Open ``path`` (or take the page as it is) and run axe-core on it."""
        started = time.monotonic()
        requested = path or urlsplit(page.url).path
        if path is not None:
            response = page.goto(path)
            assert response is not None, path
            got = response.status
        else:
            got = status
        assert got == status, f"{who} {requested}: HTTP {got}, expected {status}"
        loaded = time.monotonic()
        violations = axe_violations(page, STRICT_TAGS)
        self.visits.append(
            Visit(
                who,
                requested,
                urlsplit(page.url).path,
                got,
                violations,
                loaded - started,
                time.monotonic() - loaded,
            )
        )

    def close(self) -> None:
        for context in self.contexts:
            context.close()


def _named_routes() -> set[str]:
    """Every named route outside the API and Django's admin (whose start page is
    visited; its model pages are Django's own templates)."""
    names: set[str] = set()

    def walk(patterns: list[Any], namespace: str = "") -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace in {"admin"} or str(pattern.pattern).startswith("api/"):
                    continue
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)

    walk(get_resolver().url_patterns)
    return names


def _route_name(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.view_name


def _summary(visits: list[Visit]) -> str:
    lines = [f"{'who':<16} {'path':<58} {'HTTP':>4} {'axe':>4} {'load s':>6} {'axe s':>6}"]
    for visit in visits:
        moved = urlsplit(visit.path).path != visit.final_path
        where = f"{visit.path} -> {visit.final_path}" if moved else visit.path
        lines.append(
            f"{visit.who:<16} {where[:58]:<58} {visit.status:>4} "
            f"{len(visit.violations):>4} {visit.load_seconds:>6.2f} {visit.axe_seconds:>6.2f}"
        )
    load = sum(visit.load_seconds for visit in visits)
    axe = sum(visit.axe_seconds for visit in visits)
    lines.append(f"{len(visits)} pages: loading {load:.1f} s, axe-core {axe:.1f} s")
    return "\n".join(lines)


def _plant(world: World) -> dict[str, Any]:
    """What the pages need beyond the world: news, recovery codes, links from emails."""
    author = world.people["secretariat"]
    public = news_publish(
        title="Cross-border pursuit: new guidance",
        summary="What changes for hot pursuit across internal borders.",
        body="The guidance covers notification, radio contact and handover.\n\nMore soon.",
        audience=["public"],
        tlp="CLEAR",
        author=author,
    )
    members = news_publish(
        title="ENLETS workshop on drones",
        summary="Registration is open to ENLETS members.",
        body="The workshop takes place in Warsaw.",
        audience=[f"network:{world.enlets.pk}"],
        tlp="AMBER",
        author=author,
    )
    news_publish(
        title="Members' note",
        summary="For vetted members.",
        body="Green note.",
        audience=["members"],
        tlp="GREEN",
        author=author,
    )
    project = Project.objects.create(
        acronym="SKYGUARD",
        title="Detecting and stopping unauthorised drones near prisons",
        summary="A counter-drone pilot with two police forces.\n\nResults are public.",
        framework="H2020",
        status="ongoing",
    )
    restricted_set_audience(item=project, audience=["public"], tlp="CLEAR", actor=None)
    for name, country in (("Polish Police", "PL"), ("Drone Lab", "DE")):
        organisation = ResearchOrganisation.objects.create(
            name=name, country_code=country, is_lea=name.endswith("Police")
        )
        Participation.objects.create(project=project, organisation=organisation, role="participant")
    officer = world.people["lea_pl"]
    knowledge = {}
    for key, model, fields, audience, tlp in (
        ("result", Result, {"project": project, "kind": "tool", "title": "Net launcher",
                            "trl": 6}, ["public"], "CLEAR"),
        ("concept", Concept, {"title": "Shared test range", "idea": "One range for all.",
                              "seeking": "both"}, ["members"], "GREEN"),
        ("bestpractice", BestPractice, {"title": "Joint tender", "topic": "Procurement",
                                        "country_code": "PL", "what_was_done": "One tender."},
         ["lea"], "GREEN"),
        ("techwatch", TechWatch, {"technology": "Platform radar", "maturity": "maturing",
                                  "assessment": "Promising."},
         [f"network:{world.enlets.pk}"], "AMBER"),
    ):  # fmt: skip
        item = model.objects.create(author=officer, tlp=tlp, **fields)
        restricted_set_audience(item=item, audience=audience, tlp=tlp, actor=None)
        knowledge[key] = item.pk
    Uptake.objects.create(
        result_id=knowledge["result"], organisation=world.police_pl, country_code="PL",
        stage="pilot", tlp="CLEAR",
    )  # fmt: skip
    restricted_set_audience(
        item=Uptake.objects.get(result_id=knowledge["result"]), audience=["public"],
        tlp="CLEAR", actor=None,
    )  # fmt: skip
    RecoveryCodes.activate(world.people["lea_pl"])
    # someone asking to join ENLETS, for the National Contact's decisions queue
    application_submit(
        user=world.people["unvetted_mfa"],
        network=world.enlets,
        position="Analyst, cybercrime unit",
        motivation="I work on cross-border cases with ENLETS colleagues every week.",
    )
    # an account whose address is not confirmed yet, and a password reset link
    pending = make_user("pending@policja.pl.test", organisation=world.police_pl)
    address = EmailAddress.objects.get(user=pending)
    address.verified = False
    address.save(update_fields=["verified"])
    confirm_key = EmailConfirmationHMAC.create(address).key
    resetting: User = world.people["registered"]
    reset_key = f"{user_pk_to_url_str(resetting)}-{default_token_generator.make_token(resetting)}"
    return {
        "public_news": public.pk,
        "member_news": members.pk,
        "project": project.pk,
        **knowledge,
        "confirm_email": f"/accounts/confirm-email/{confirm_key}/",
        "reset_password": f"/accounts/password/reset/key/{reset_key}/",
    }


def test_every_page_is_accessible_strict_and_local(
    live_server: Any, browser: Browser, world: World
) -> None:
    planted = _plant(world)
    tour = Tour(browser, live_server.url)
    secrets = world.secrets

    # --- anonymous visitors -------------------------------------------------------------
    page = tour.person()
    for path in [
        "/",
        "/news/",
        f"/news/{planted['public_news']}/",
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/confirm-email/",
        planted["confirm_email"],
        "/accounts/password/reset/",
        "/accounts/password/reset/done/",
        "/accounts/password/reset/key/done/",
        "/accounts/password/reset/key/1-not-a-valid-key/",
        "/accounts/inactive/",
        "/networks/",
        "/networks/?q=enlets",
        "/networks/ENLETS/",
        "/networks/landscape/",
        "/knowledge/",
        "/knowledge/?q=drones",
        f"/knowledge/projects/{planted['project']}/",
        "/knowledge/funding/",
        "/knowledge/results/",
        f"/knowledge/results/{planted['result']}/",
        "/knowledge/concepts/",
        "/knowledge/best-practices/",
        "/knowledge/tech-watch/",
        "/knowledge/uptake/",
    ]:
        tour.check(page, "anonymous", path)
    # the link from a password-reset email leads to the form for the new password
    tour.check(page, "anonymous", planted["reset_password"])
    expect(page.locator('input[name="password1"]')).to_be_visible()
    tour.check(page, "anonymous", "/no-such-page/", status=404)
    # a page for members only sends visitors to sign in
    tour.check(page, "anonymous", "/dashboard/")
    assert urlsplit(page.url).path == "/accounts/login/", page.url

    # someone reading in French gets the page in French, and says so
    french = tour.person(locale="fr-FR")
    tour.check(french, "anonymous (fr)", "/")
    expect(french.locator("html")).to_have_attribute("lang", "fr")
    tour.check(french, "anonymous (fr)", "/accounts/login/")

    # --- a vetted member: the second-factor page, then everything a member uses ---------
    member = world.people["lea_pl"]
    page = tour.person()
    page.goto("/accounts/login/")
    main = page.locator("main")
    main.get_by_label("Email").fill(member.email)
    main.get_by_label("Password").fill(PASSWORD)
    main.get_by_role("button", name="Sign In").click()
    page.wait_for_url(re.compile(r"/accounts/2fa/authenticate/$"))
    # no security key registered: the security-key option is not offered
    expect(main.get_by_role("button", name="Use a security key")).to_be_hidden()
    tour.check(page, "lea_pl")
    assert member.pk is not None and secrets["lea_pl"] is not None
    main.get_by_label(re.compile(r"^Code:?$")).fill(totp_code_for_form(secrets["lea_pl"]))
    main.get_by_role("button", name="Sign In").click()
    page.wait_for_url(re.compile(r"/dashboard/$"))
    for path in [
        "/dashboard/",
        "/news/",
        f"/news/{planted['member_news']}/",
        "/knowledge/?q=drones+workshop",
        "/knowledge/funding/",
        f"/knowledge/projects/{planted['project']}/",
        "/monitoring/",
        "/profile/",
        "/profile/tokens/",
        "/accounts/email/",
        "/accounts/password/change/",
        "/accounts/password/set/",  # has a password: allauth sends them to change it
        "/accounts/2fa/",
        "/accounts/2fa/webauthn/",
        "/accounts/logout/",
        "/accounts/reauthenticate/",
        "/accounts/2fa/reauthenticate/",
        "/networks/ENLETS/",
        "/networks/ENLETS/members/",
        "/networks/AQUAPOL/join/",
        "/networks/applications/",
        "/experts/",
        "/knowledge/results/?kind=tool&trl=6",
        f"/knowledge/results/{planted['result']}/",
        f"/knowledge/results/{planted['result']}/edit/",
        "/knowledge/results/new/",
        f"/knowledge/projects/{planted['project']}/results/new/",
        f"/knowledge/concepts/{planted['concept']}/",
        f"/knowledge/concepts/{planted['concept']}/edit/",
        "/knowledge/concepts/new/",
        "/knowledge/best-practices/?country=PL",
        f"/knowledge/best-practices/{planted['bestpractice']}/",
        f"/knowledge/best-practices/{planted['bestpractice']}/edit/",
        "/knowledge/best-practices/new/",
        "/knowledge/tech-watch/?maturity=maturing",
        f"/knowledge/tech-watch/{planted['techwatch']}/",
        f"/knowledge/tech-watch/{planted['techwatch']}/edit/",
        "/knowledge/tech-watch/new/",
        "/knowledge/uptake/",
        "/vetting/",  # not a vetter: refused
    ]:
        tour.check(page, "lea_pl", path, status=403 if path == "/vetting/" else 200)
    # sensitive pages ask for the password first
    page.goto("/accounts/2fa/recovery-codes/")
    confirm_password_if_asked(page, PASSWORD)
    for path in [
        "/accounts/2fa/recovery-codes/",
        "/accounts/2fa/recovery-codes/generate/",
        "/accounts/2fa/totp/deactivate/",
        "/accounts/2fa/webauthn/add/",
    ]:
        tour.check(page, "lea_pl", path)
    # a personal access token: the secret is shown once
    page.goto("/profile/tokens/")
    main.get_by_label("Name").fill("reporting script")
    main.get_by_role("checkbox").first.check()
    main.get_by_role("button", name="Create token").click()
    expect(main.locator("code.secret")).to_be_visible()
    tour.check(page, "lea_pl", status=200)

    # --- a National Contact: the vetting queue --------------------------------------------
    page = tour.signed_in(world.people["nc_pl"], secrets["nc_pl"])
    tour.check(page, "nc_pl", "/vetting/")
    expect(page.locator("main table")).to_contain_text(world.people["unvetted_mfa"].email)
    tour.check(page, "nc_pl", "/networks/decisions/")
    expect(page.locator("main")).to_contain_text("Analyst, cybercrime unit")
    tour.check(page, "nc_pl", "/networks/ENLETS/manage/members/")

    # --- the secretariat of a network: managing its structures ----------------------------
    page = tour.signed_in(world.people["secretariat"], secrets["secretariat"])
    for path in [
        "/networks/ENLETS/manage/",
        "/networks/ENLETS/manage/structures/new/",
        f"/networks/ENLETS/manage/structures/{world.core_group.pk}/",
    ]:
        tour.check(page, "secretariat", path)

    # --- an auditor: the audit trail, and its verification --------------------------------
    page = tour.signed_in(world.people["auditor"], secrets["auditor"])
    tour.check(page, "auditor", "/audit/")
    tour.check(page, "auditor", "/audit/?verify=1")
    expect(page.get_by_role("status")).to_contain_text("Chain intact")

    # --- the operator: the technical admin's start page (Django's admin; its model pages
    # are Django's own templates and are not held to these rules here) --------------------
    page = tour.signed_in(world.people["operator"], secrets["operator"])
    tour.check(page, "operator", "/admin/")

    # --- a member without a second factor: dashboard, setting up the authenticator app --
    page = tour.signed_in(world.people["vetted_no_mfa"], None)
    tour.check(page, "vetted_no_mfa", "/dashboard/")
    tour.check(page, "vetted_no_mfa", "/profile/tokens/")
    page.goto("/accounts/2fa/totp/activate/")
    confirm_password_if_asked(page, PASSWORD)
    tour.check(page, "vetted_no_mfa", "/accounts/2fa/totp/activate/")

    tour.close()

    # --- the verdict ----------------------------------------------------------------------
    print("\n" + _summary(tour.visits))  # shown with -s or -rP
    visited_routes = {
        name
        for visit in tour.visits
        for name in (_route_name(urlsplit(visit.path).path), _route_name(visit.final_path))
        if name
    }
    missing = _named_routes() - visited_routes - set(NOT_VISITED)
    assert not missing, f"pages nobody visited (add them, or say why in NOT_VISITED): {missing}"
    problems = {f"{v.who} {v.path}": v.violations for v in tour.visits if v.violations}
    assert not problems, format_violations(problems) + "\n\n" + _summary(tour.visits)
    documents = [d for seen in tour.watches for d in seen.documents]
    for document in documents:
        assert_strict_csp(document)
    csp = [message for seen in tour.watches for message in seen.csp_violations]
    assert csp == [], csp
    errors = [message for seen in tour.watches for message in seen.script_errors]
    assert errors == [], errors
    refused = [url for log in tour.requests for url in log.refused]
    assert refused == [], f"requests for other machines (aborted): {refused}"
    hosts = {host for log in tour.requests for host in log.hosts()}
    assert hosts == {"localhost"}, hosts
    urls = [url for log in tour.requests for url in log.urls]
    assert len(urls) >= len(tour.visits), urls  # the interception saw the traffic


def test_the_checks_catch_what_they_look_for(live_server: Any, browser: Browser) -> None:
    """The tour above passes only if its checks can fail: a request for another machine
    is aborted and recorded, and axe-core reports a page that breaks its rules."""
    context = new_context(browser, live_server.url)
    try:
        requests = keep_local(context)
        page = context.new_page()
        page.set_content(
            '<html><head><title>t</title></head><body><main><h1>t</h1><img src="x.png">'
            '<img alt="remote" src="https://example.com/pixel.png"></main></body></html>'
        )
        assert requests.refused == ["https://example.com/pixel.png"], requests.refused
        found = {violation["id"] for violation in axe_violations(page, STRICT_TAGS)}
        assert {"html-has-lang", "image-alt"} <= found, found
    finally:
        context.close()
