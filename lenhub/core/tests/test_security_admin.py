"""The technical admin opens only to staff in a session signed in with a second factor,
and its own login form is never a way around allauth's sign-in."""

from __future__ import annotations

from urllib.parse import unquote

import pyotp
import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.test import Client

from lenhub.conftest import PASSWORD, World, client_sign_in, make_user, totp_code

pytestmark = pytest.mark.django_db

ADMIN_TITLE = b"lenhub technical administration"


def _refused(client: Client, path: str = "/admin/") -> None:
    """The admin page redirects to the admin login, which refuses: nothing of the admin
    is shown and no password form is offered."""
    response = client.get(path)
    assert response.status_code == 302, response.status_code
    assert response["Location"].startswith("/admin/login/")
    login = client.get(response["Location"])
    assert login.status_code == 403, login.status_code
    assert ADMIN_TITLE not in response.content + login.content
    assert b'name="password"' not in login.content


def test_operator_with_second_factor_gets_in(world: World) -> None:
    client = Client()
    client_sign_in(client, "operator@lenhub.test", world.secrets["operator"])
    response = client.get("/admin/")
    assert response.status_code == 200
    assert ADMIN_TITLE in response.content
    assert client.get("/admin/accounts/organisation/").status_code == 200
    assert client.get("/admin/login/")["Location"] == "/admin/"


def test_staff_session_without_second_factor_is_refused(world: World) -> None:
    """A staff account without a second factor is kept out; enrolling one during that
    session does not help (the session was not signed in with it); signing in again with
    the second factor does."""
    staff = make_user("staff@lenhub.test", is_staff=True, is_superuser=True)
    client = Client()
    client_sign_in(client, staff.email, None)
    _refused(client)
    _refused(client, "/admin/accounts/organisation/")

    response = client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    assert response.status_code == 302
    secret = client.get("/accounts/2fa/totp/activate/").context["form"].secret
    response = client.post("/accounts/2fa/totp/activate/", {"code": totp_code(secret)})
    assert response.status_code == 302, response.content[:500]
    assert Authenticator.objects.filter(user=staff, type=Authenticator.Type.TOTP).exists()
    _refused(client)

    client.post("/accounts/logout/")
    response = client.post("/accounts/login/", {"login": staff.email, "password": PASSWORD})
    assert response["Location"].startswith("/accounts/2fa/authenticate/")
    codes = Authenticator.objects.get(user=staff, type=Authenticator.Type.RECOVERY_CODES)
    recovery_code = RecoveryCodes(codes).get_unused_codes()[0]  # the TOTP code is used up
    response = client.post("/accounts/2fa/authenticate/", {"code": recovery_code})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_vetted_member_who_is_not_staff_is_refused(world: World) -> None:
    client = Client()
    client_sign_in(client, "officer@policja.pl.test", world.secrets["lea_pl"])
    _refused(client)


def test_anonymous_visitors_are_sent_to_the_sign_in(world: World) -> None:
    client = Client()
    response = client.get("/admin/")
    assert response.status_code == 302
    login = client.get(response["Location"])
    assert unquote(login["Location"]) == "/accounts/login/?next=/admin/"
    response = client.post(
        "/admin/login/", {"username": "operator@lenhub.test", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("who", ["staff_without_mfa", "operator"])
def test_admin_login_form_cannot_switch_accounts_by_password(world: World, who: str) -> None:
    """Regression: Django's admin login form, reachable by a signed-in staff session,
    signed any staff account in by password alone. Whoever held a staff session and
    another administrator's password became that administrator without their second
    factor, and could then (re-authenticating by password) remove it."""
    victim = make_user(
        "second-operator@lenhub.test",
        is_staff=True,
        is_superuser=True,
        totp_secret=pyotp.random_base32(),
        display_name="Second operator",
    )
    if who == "operator":
        email, secret = "operator@lenhub.test", world.secrets["operator"]
    else:
        email, secret = make_user("staff@lenhub.test", is_staff=True).email, None
    client = Client()
    client_sign_in(client, email, secret)
    me = client.session["_auth_user_id"]

    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": victim.email, "password": PASSWORD, "next": "/admin/"},
    )

    assert response.status_code in {302, 403}
    assert client.session.get("_auth_user_id") == me
    assert b"Signed in as Second operator" not in client.get("/dashboard/").content
