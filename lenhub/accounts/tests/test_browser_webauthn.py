"""Security keys (WebAuthn) as a second factor, end to end in a real browser: a member
signs in with password and authenticator app, registers a security key, signs out, and
signs in again with password and the key instead of a code. Chromium's virtual
authenticator (DevTools' WebAuthn domain) plays the key.

WebAuthn refuses IP addresses as relying-party ids, so the browser goes to
``http://localhost:<port>`` (pytest-django's live server binds localhost; allauth takes
the relying-party id from the request's host). Every page keeps the strict
Content-Security-Policy: the ceremonies run from static files, never inline script.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from allauth.mfa.models import Authenticator
from playwright.sync_api import Browser, Page, expect

from lenhub.conftest import PASSWORD, World
from lenhub.core.testing.axe import STRICT_TAGS, axe_violations, format_violations
from lenhub.core.testing.browser import (
    CHROMIUM_MISSING,
    assert_strict_csp,
    chromium_available,
    confirm_password_if_asked,
    csp_directives,
    keep_local,
    new_context,
    sign_in,
    virtual_authenticator,
    watch,
)
from lenhub.dissemination.services import news_publish

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not chromium_available(), reason=CHROMIUM_MISSING),
]

KEY_NAME = "Office key"
# a script element the browser would run from the page itself (JSON data blocks are not run)
INLINE_SCRIPT = 'script:not([src]):not([type="application/json"])'


def _path(path: str) -> re.Pattern[str]:
    """A URL matcher for ``path`` on any host, without a query string."""
    return re.compile(r"^https?://[^/]+" + re.escape(path) + r"$")


def _sign_out(page: Page) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"^https?://[^/]+/(accounts/logout/)?$"))
    if page.url.endswith("/accounts/logout/"):  # allauth's confirmation page, if shown
        page.locator("main").get_by_role("button", name="Sign Out").click()
    expect(page).to_have_url(_path("/"))


def test_sign_in_with_a_security_key_as_second_factor(
    live_server: Any, browser: Browser, world: World
) -> None:
    assert urlsplit(live_server.url).hostname == "localhost", live_server.url
    person = world.people["lea_pl"]  # vetted, in a network, authenticator app enrolled
    secret = world.secrets["lea_pl"]
    assert secret is not None
    restricted = news_publish(
        title="ENLETS members' briefing",
        body="For ENLETS members signed in with a second factor.",
        audience=[f"network:{world.enlets.pk}"],
        tlp="AMBER",
        author=world.people["secretariat"],
    )
    context = new_context(browser, live_server.url)
    requests = keep_local(context)
    page = context.new_page()
    seen = watch(page)
    key = virtual_authenticator(page)
    main = page.locator("main")
    axe: dict[str, list[dict[str, Any]]] = {}

    # --- sign in with password and authenticator app ---------------------------------
    sign_in(page, person.email, PASSWORD, secret)
    expect(page).to_have_url(_path("/dashboard/"))
    expect(main.get_by_role("link", name=restricted.title)).to_be_visible()

    # --- register a security key from the two-factor page -------------------------------
    page.goto("/accounts/2fa/")
    keys_panel = main.locator("section").filter(
        has=page.get_by_role("heading", name="Security Keys")
    )
    expect(keys_panel).to_contain_text("No security keys have been added.")
    keys_panel.get_by_role("link", name="Add").click()
    confirm_password_if_asked(page, PASSWORD)
    expect(page).to_have_url(_path("/accounts/2fa/webauthn/add/"))
    expect(main.get_by_role("heading", level=1)).to_have_text("Add Security Key")
    expect(page.locator(INLINE_SCRIPT)).to_have_count(0)
    axe["add key"] = axe_violations(page, STRICT_TAGS)
    main.get_by_label("Name").fill(KEY_NAME)
    main.get_by_role("button", name="Add", exact=True).click()
    page.wait_for_url(lambda url: "/accounts/2fa/webauthn/add/" not in url)
    assert len(key.credentials()) == 1
    stored = Authenticator.objects.get(user=person, type=Authenticator.Type.WEBAUTHN)
    assert stored.wrap().name == KEY_NAME
    page.goto("/accounts/2fa/webauthn/")
    expect(main.get_by_role("table")).to_contain_text(KEY_NAME)
    axe["key list"] = axe_violations(page, STRICT_TAGS)

    # --- sign out, then sign in with password and the key ------------------------------
    _sign_out(page)
    expect(page.get_by_role("link", name=restricted.title)).to_have_count(0)
    page.goto("/accounts/login/")
    main.get_by_label("Email").fill(person.email)
    main.get_by_label("Password").fill(PASSWORD)
    main.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(_path("/accounts/2fa/authenticate/"))
    use_key = main.get_by_role("button", name="Use a security key")
    expect(use_key).to_be_visible()
    expect(page.locator(INLINE_SCRIPT)).to_have_count(0)
    axe["second factor with a key"] = axe_violations(page, STRICT_TAGS)
    use_key.click()
    expect(page).to_have_url(_path("/dashboard/"))

    # --- the session counts as signed in with a second factor ---------------------------
    second_factor = main.locator("ul.status > li").filter(has_text="Second factor")
    expect(second_factor).to_have_text(re.compile(r"^\s*Second factor:\s*enrolled\s*$"))
    reading = main.locator("ul.status > li").filter(has_text="What you can read")
    expect(reading).to_contain_text("member content")
    expect(main.get_by_role("link", name=restricted.title)).to_be_visible()
    stored.refresh_from_db()
    assert stored.last_used_at is not None  # the key, not the app, completed the sign-in

    # --- the key also confirms access to sensitive pages ---------------------------------
    page.goto("/accounts/2fa/webauthn/add/")
    expect(page).to_have_url(re.compile(r"/accounts/reauthenticate/\?next="))
    main.get_by_role("link", name="Use a security key").click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/webauthn/reauthenticate/\?next="))
    axe["confirm access with a key"] = axe_violations(page, STRICT_TAGS)
    main.get_by_role("button", name="Use a security key").click()
    expect(page).to_have_url(_path("/accounts/2fa/webauthn/add/"))
    # the same key twice: the browser refuses (the key is excluded), the page says so
    main.get_by_label("Name").fill("Same key again")
    main.get_by_role("button", name="Add", exact=True).click()
    expect(main.get_by_role("alert")).to_have_text(re.compile("The security key was not added"))
    expect(page).to_have_url(_path("/accounts/2fa/webauthn/add/"))
    assert Authenticator.objects.filter(user=person, type=Authenticator.Type.WEBAUTHN).count() == 1
    axe["add key, refused"] = axe_violations(page, STRICT_TAGS)
    for name, path in [
        ("rename key", f"/accounts/2fa/webauthn/keys/{stored.pk}/edit/"),
        ("remove key", f"/accounts/2fa/webauthn/keys/{stored.pk}/remove/"),
    ]:
        page.goto(path)
        expect(page).to_have_url(_path(path))
        axe[name] = axe_violations(page, STRICT_TAGS)

    # --- no inline script was needed, nothing left the machine ----------------------------
    visited = {urlsplit(d.url).path for d in seen.documents if d.status == 200}
    assert {
        "/accounts/2fa/webauthn/add/",
        "/accounts/2fa/authenticate/",
        "/dashboard/",
        "/accounts/2fa/webauthn/reauthenticate/",
    } <= visited, visited
    for document in seen.documents:
        assert_strict_csp(document)
        policy = csp_directives(document.headers["content-security-policy"])
        assert policy["script-src"] == ["'self'"], (document.url, policy)  # no hash, no nonce
    assert seen.csp_violations == []
    assert seen.script_errors == []
    assert requests.refused == [], requests.refused
    assert requests.hosts() == {"localhost"}, requests.hosts()
    problems = {name: found for name, found in axe.items() if found}
    assert not problems, format_violations(problems)
    context.close()
