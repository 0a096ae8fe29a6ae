"""Joining ENLETS end to end in Chromium (issue 4, "Must show"): a Polish police officer
applies, the Polish National Contact approves, the officer sees the members' pages and a
network-only TLP:AMBER news item; a second applicant is rejected and reads the reason;
the officer leaves and is refused at once in a second open browser session and through
their API token. Mail goes through a real local SMTP server."""

from __future__ import annotations

import re
from typing import Any

import pyotp
import pytest
import requests
from django.core.cache import cache
from playwright.sync_api import Browser, Page, expect

from lenhub.accounts.tokens import token_create
from lenhub.conftest import PASSWORD, build_world, make_user
from lenhub.core.testing.axe import STRICT_TAGS, axe_violations
from lenhub.core.testing.browser import (
    CHROMIUM_MISSING,
    PageWatch,
    SMTPServer,
    assert_strict_csp,
    chromium_available,
    new_context,
    totp_code_for_form,
    watch,
)
from lenhub.dissemination.services import news_publish
from lenhub.networks.models import (
    ApplicationStatus,
    Group,
    GroupKind,
    JoinApplication,
    MembershipStatus,
    NetworkMembership,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not chromium_available(), reason=CHROMIUM_MISSING),
]

OFFICER = "anna.kowalska@policja.pl.test"
SECOND = "jan.wisniewski@policja.pl.test"
NEWS_TITLE = "Counter-drone field trial: findings for members"
REASON = "Your unit already takes part through the Border Guard delegation."


def _path(path: str) -> re.Pattern[str]:
    return re.compile(r"^https?://[^/]+" + re.escape(path) + r"$")


def _sign_in(page: Page, email: str, secret: str) -> None:
    """Password, then a TOTP code, through the real pages. The codes this process used
    are forgotten first, so the same person may open a second session within one
    30-second period (the server accepts a code once)."""
    cache.clear()
    main = page.locator("main")
    page.goto("/accounts/login/")
    main.get_by_label("Email").fill(email)
    main.get_by_label("Password").fill(PASSWORD)
    main.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(_path("/accounts/2fa/authenticate/"))
    main.get_by_label(re.compile(r"^Code:?$")).fill(totp_code_for_form(secret))
    main.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(_path("/dashboard/"))


def test_apply_approve_reject_and_leave(
    live_server: Any, browser: Browser, mailbox: SMTPServer
) -> None:
    world = build_world()
    enlets = world.enlets
    Group.objects.create(
        network=enlets, name="ENLETS members", kind=GroupKind.OTHER, is_default=True
    )
    nc = world.people["nc_pl"]
    nc_secret = world.secrets["nc_pl"]
    assert nc.email == "nc@policja.pl.test" and nc_secret
    officer_secret, second_secret = pyotp.random_base32(), pyotp.random_base32()
    officer = make_user(
        OFFICER, organisation=world.police_pl, totp_secret=officer_secret, display_name="Anna K."
    )
    second = make_user(
        SECOND, organisation=world.police_pl, totp_secret=second_secret, display_name="Jan W."
    )
    news = news_publish(
        title=NEWS_TITLE,
        body="What worked at the border crossing, and what did not.",
        audience=[f"network:{enlets.pk}"],
        tlp="AMBER",
        author=nc,
    )
    watches: list[PageWatch] = []

    def person() -> Page:
        page = new_context(browser, live_server.url).new_page()
        watches.append(watch(page))
        return page

    # --- the officer applies ------------------------------------------------------------
    officer_page = person()
    main = officer_page.locator("main")
    _sign_in(officer_page, OFFICER, officer_secret)
    assert officer_page.goto(f"/news/{news.pk}/").status == 404  # type: ignore[union-attr]
    assert officer_page.goto("/networks/ENLETS/members/").status == 404  # type: ignore[union-attr]
    officer_page.goto("/networks/ENLETS/")
    main.get_by_role("link", name="Apply to join ENLETS").click()
    expect(officer_page).to_have_url(_path("/networks/ENLETS/join/"))
    main.get_by_label("Your position").fill("Drone-countermeasures officer")
    main.get_by_label("Why you want to join").fill(
        "I test counter-drone equipment for the Polish Police and want to share results."
    )
    main.locator("#apply").click()
    expect(officer_page).to_have_url(_path("/networks/applications/"))
    expect(officer_page.get_by_role("status")).to_contain_text("was sent to your National")
    received = mailbox.wait_for(to=OFFICER)
    assert "ENLETS" in received.subject
    to_decide = mailbox.wait_for(to=nc.email)
    assert "Anna K." in to_decide.text
    assert to_decide.links("/networks/decisions/") == [f"{live_server.url}/networks/decisions/"]
    application = JoinApplication.objects.get(user=officer)

    # --- a second Polish applicant (applying is shown above; here by the service) -------
    from lenhub.networks.services import application_submit

    rejected = application_submit(
        user=second,
        network=enlets,
        position="Analyst",
        motivation="I would like to follow the Technology Interest Groups.",
    )

    # --- the Polish National Contact decides --------------------------------------------
    nc_page = person()
    nc_main = nc_page.locator("main")
    _sign_in(nc_page, nc.email, nc_secret)
    nc_page.goto("/networks/decisions/")
    approve_card = nc_main.locator("article", has=nc_page.locator(f"#application-{application.pk}"))
    expect(approve_card).to_contain_text("Anna K. → ENLETS")
    approve_card.get_by_label("Approve").check()
    approve_card.locator(f"#decide-{application.pk}").click()
    expect(nc_page.get_by_role("status")).to_contain_text("is now a member of ENLETS")
    reject_card = nc_main.locator("article", has=nc_page.locator(f"#application-{rejected.pk}"))
    reject_card.get_by_label("Reject").check()
    reject_card.get_by_label("Reason").fill(REASON)
    reject_card.locator(f"#decide-{rejected.pk}").click()
    expect(nc_page.get_by_role("status")).to_contain_text("The application was rejected")
    expect(nc_main).to_contain_text("Nothing is waiting for you.")
    # ... and keeps the members of their country up to date (re-confirmation)
    nc_page.goto("/networks/ENLETS/")
    nc_main.locator("#manage-members").click()
    expect(nc_page).to_have_url(_path("/networks/ENLETS/manage/members/"))
    new_membership = NetworkMembership.objects.get(user=officer, network=enlets)
    nc_main.get_by_label("Anna K.").check()
    nc_main.locator("#reconfirm").click()
    expect(nc_page.get_by_role("status")).to_contain_text("Re-confirmed 1 memberships of ENLETS")
    assert axe_violations(nc_page, STRICT_TAGS) == []
    reconfirmed = NetworkMembership.objects.get(pk=new_membership.pk)
    assert reconfirmed.confirmed_at is not None and new_membership.confirmed_at is not None
    assert reconfirmed.confirmed_at > new_membership.confirmed_at

    # --- the officer hears, and sees the members' pages and the AMBER item --------------
    welcome = mailbox.wait_for(to=OFFICER, match=lambda m: "Welcome to ENLETS" in m.subject)
    assert NEWS_TITLE not in welcome.text
    (members_link,) = welcome.links("/networks/ENLETS/members/")
    officer_page.reload()  # still on their applications page
    expect(main.locator("tr.application-approved")).to_contain_text("ENLETS")
    officer_page.goto("/networks/ENLETS/")
    expect(main).to_contain_text("You are a member of ENLETS.")
    response = officer_page.goto(members_link)
    assert response is not None and response.status == 200
    expect(main.get_by_role("heading", level=1)).to_have_text("ENLETS: members' pages")
    expect(main).to_contain_text("ENLETS members")  # joined the default group
    expect(main).to_contain_text("Anna K.")
    response = officer_page.goto(f"/news/{news.pk}/")
    assert response is not None and response.status == 200
    expect(main).to_contain_text(NEWS_TITLE)
    expect(main).to_contain_text("TLP:AMBER")
    membership = NetworkMembership.objects.get(user=officer, network=enlets)
    assert membership.status == MembershipStatus.ACTIVE

    # --- the second applicant reads the reason, by email and on the page -----------------
    refusal = mailbox.wait_for(to=SECOND, match=lambda m: "not approved" in m.subject)
    assert REASON in refusal.text
    second_page = person()
    _sign_in(second_page, SECOND, second_secret)
    second_page.goto("/networks/applications/")
    row = second_page.locator("main tr.application-rejected")
    expect(row).to_contain_text("ENLETS")
    expect(row).to_contain_text(REASON)
    assert JoinApplication.objects.get(pk=rejected.pk).status == ApplicationStatus.REJECTED

    # --- a second open session of the officer, and a token --------------------------------
    other_session = person()
    _sign_in(other_session, OFFICER, officer_secret)
    assert other_session.goto("/networks/ENLETS/members/").status == 200  # type: ignore[union-attr]
    token = token_create(user=officer, name="scripts", scopes="news:read").secret
    api_url = f"{live_server.url}/api/v1/news/{news.pk}"
    bearer = {"Authorization": f"Bearer {token}"}
    assert requests.get(api_url, headers=bearer, timeout=10).status_code == 200

    # --- the officer leaves ----------------------------------------------------------------
    officer_page.goto("/networks/applications/")
    main.locator("#leave-ENLETS").click()
    expect(officer_page.get_by_role("status")).to_contain_text("You have left ENLETS.")

    # --- refused at once: the other open session and the token ------------------------------
    response = other_session.goto("/networks/ENLETS/members/")
    assert response is not None and response.status == 404
    response = other_session.goto(f"/news/{news.pk}/")
    assert response is not None and response.status == 404
    expect(other_session.locator("main")).not_to_contain_text(NEWS_TITLE)
    answer = requests.get(api_url, headers=bearer, timeout=10)
    assert answer.status_code == 404, answer.text
    assert answer.json()["error"]["code"] == "not_found"
    assert NEWS_TITLE not in answer.text
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.LEFT

    # --- every page kept the strict Content-Security-Policy, none broke it ----------------
    documents = [d for seen in watches for d in seen.documents]
    assert len(documents) > 15
    for document in documents:
        assert_strict_csp(document)
    assert [v for seen in watches for v in seen.csp_violations] == []
    assert [e for seen in watches for e in seen.script_errors] == []
    # no email named the AMBER item or quoted the motivation
    for message in mailbox.messages:
        assert NEWS_TITLE not in message.text and "counter-drone equipment" not in message.text
