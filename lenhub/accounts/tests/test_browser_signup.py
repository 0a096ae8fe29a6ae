"""A newcomer's first visit, end to end in a real browser: register, verify the address
from the email the platform sent (over SMTP), sign in, enrol an authenticator app, sign
out and sign in again with password and TOTP code."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from playwright.sync_api import Page, expect

from lenhub.accounts.models import User
from lenhub.conftest import PASSWORD
from lenhub.core.testing.browser import (
    CHROMIUM_MISSING,
    SMTPServer,
    assert_strict_csp,
    chromium,
    chromium_available,
    smtp_server,
    totp_code_for_form,
    watch,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not chromium_available(), reason=CHROMIUM_MISSING),
]

EMAIL = "anna.nowak@lenhub.test"
DISPLAY_NAME = "Anna N."


@pytest.fixture
def mailbox(settings: Any) -> Iterator[SMTPServer]:
    """A real SMTP server on 127.0.0.1 that Django sends all mail to."""
    with smtp_server() as server:
        server.configure_django(settings)
        yield server


@pytest.fixture
def browser_page(live_server: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Page]:
    """A fresh page in headless Chromium, with relative URLs resolved against the live
    server. Playwright keeps an event loop running in this thread, hence the
    (test-only) permission for synchronous ORM calls."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with chromium() as browser:
        context = browser.new_context(base_url=live_server.url, locale="en-GB")
        context.set_default_timeout(15_000)
        try:
            yield context.new_page()
        finally:
            context.close()


def _path(path: str) -> re.Pattern[str]:
    """A URL matcher for ``path`` on any host, without a query string."""
    return re.compile(r"^https?://[^/]+" + re.escape(path) + r"$")


def _sign_in_with_password(page: Page) -> None:
    page.goto("/accounts/login/")
    main = page.locator("main")
    main.get_by_label("Email").fill(EMAIL)
    main.get_by_label("Password").fill(PASSWORD)
    main.get_by_role("button", name="Sign In").click()


def test_register_verify_enrol_totp_and_sign_in_with_it(
    live_server: Any, browser_page: Page, mailbox: SMTPServer
) -> None:
    page = browser_page
    seen = watch(page)
    main = page.locator("main")
    nav = page.get_by_role("navigation", name="Main")

    # --- register ------------------------------------------------------------------
    page.goto("/")
    nav.get_by_role("link", name="Register").click()
    expect(page).to_have_url(_path("/accounts/signup/"))
    page.locator('input[name="email"]').fill(EMAIL)
    page.locator('input[name="display_name"]').fill(DISPLAY_NAME)
    page.locator('input[name="password1"]').fill(PASSWORD)
    page.locator('input[name="password2"]').fill(PASSWORD)
    main.get_by_role("button", name="Sign Up").click()
    expect(page).to_have_url(_path("/accounts/confirm-email/"))
    expect(nav.get_by_role("link", name="Sign in")).to_be_visible()  # not signed in yet

    # --- verify the address from the email -----------------------------------------
    mail = mailbox.wait_for(to=EMAIL)
    assert mail.subject.startswith("[lenhub] "), mail.subject
    links = mail.links("/accounts/confirm-email/")
    assert len(links) == 1, mail.text
    assert links[0].startswith(live_server.url), (links[0], live_server.url)
    page.goto(links[0])
    expect(main).to_contain_text(EMAIL)
    main.get_by_role("button", name="Confirm").click()  # confirming takes a POST
    expect(page).to_have_url(_path("/accounts/login/"))
    expect(page.get_by_role("status")).to_contain_text("You have confirmed")

    # --- sign in with the password: no second factor yet ---------------------------
    _sign_in_with_password(page)
    expect(page).to_have_url(_path("/dashboard/"))
    expect(main).to_contain_text(f"Signed in as {DISPLAY_NAME}.")
    second_factor = main.locator("ul.status > li").filter(has_text="Second factor")
    expect(second_factor).to_contain_text("not enrolled")

    # --- enrol an authenticator app --------------------------------------------------
    page.goto("/accounts/2fa/totp/activate/")
    # adding a second factor needs the password again, however recent the sign-in
    expect(page).to_have_url(re.compile(r"/accounts/reauthenticate/\?next=%2Faccounts%2F2fa%2F"))
    main.locator('input[name="password"]').fill(PASSWORD)
    main.get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(_path("/accounts/2fa/totp/activate/"))
    secret = page.locator("#authenticator_secret").input_value()
    assert re.fullmatch(r"[A-Z2-7]{16,}=*", secret), secret
    enrol_code = totp_code_for_form(secret)
    main.get_by_label("Authenticator code").fill(enrol_code)
    main.get_by_role("button", name="Activate").click()
    expect(page).to_have_url(_path("/accounts/2fa/recovery-codes/"))
    page.goto("/dashboard/")
    # enrolled, but this session was not signed in with it
    expect(second_factor).to_have_text(
        re.compile(r"^\s*Second factor:\s*enrolled\s*—\s*sign in again with it")
    )

    # --- sign out ---------------------------------------------------------------------
    nav.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"^https?://[^/]+/(accounts/logout/)?$"))
    if page.url.endswith("/accounts/logout/"):  # allauth's confirmation page, if shown
        main.get_by_role("button", name="Sign Out").click()
    expect(page).to_have_url(_path("/"))
    expect(page.get_by_role("status")).to_contain_text("You have signed out")
    expect(nav.get_by_role("link", name="Sign in")).to_be_visible()
    expect(nav.get_by_role("button", name="Sign out")).to_have_count(0)

    # --- sign in again: password, then a fresh TOTP code ---------------------------
    _sign_in_with_password(page)
    expect(page).to_have_url(_path("/accounts/2fa/authenticate/"))
    # a code already used is refused: this waits for the next one when needed
    sign_in_code = totp_code_for_form(secret, not_code=enrol_code)
    main.get_by_label(re.compile(r"^Code:?$")).fill(sign_in_code)
    main.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(_path("/dashboard/"))
    expect(main).to_contain_text(f"Signed in as {DISPLAY_NAME}.")
    expect(second_factor).to_have_text(re.compile(r"^\s*Second factor:\s*enrolled\s*$"))
    expect(nav.get_by_role("button", name="Sign out")).to_be_visible()

    # --- every page carried a strict Content-Security-Policy, and none broke it -----
    pages = [d for d in seen.documents if d.status == 200]
    visited = {re.sub(r"^https?://[^/]+", "", d.url) for d in pages}
    assert {
        "/",
        "/accounts/signup/",
        "/accounts/login/",
        "/dashboard/",
        "/accounts/2fa/totp/activate/",
        "/accounts/2fa/authenticate/",
    } <= visited, visited
    for document in seen.documents:
        assert_strict_csp(document)
    assert seen.csp_violations == []

    # --- and the database agrees ---------------------------------------------------------
    user = User.objects.get(email=EMAIL)
    assert user.display_name == DISPLAY_NAME
    assert EmailAddress.objects.filter(user=user, email=EMAIL, verified=True).exists()
    kinds = set(Authenticator.objects.filter(user=user).values_list("type", flat=True))
    assert kinds == {Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES}
