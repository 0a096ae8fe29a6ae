"""Sign-in, lockout, second factors and the life of a session (DESIGN §1-2)."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.conf import settings as django_settings
from django.test import Client

from lenhub.accounts.middleware import SESSION_EPOCH, SESSION_RENEWED_AT, SESSION_SIGNED_IN_AT
from lenhub.accounts.models import User
from lenhub.audit.models import AuditEntry
from lenhub.conftest import PASSWORD, World, client_sign_in
from lenhub.dissemination.services import news_publish

pytestmark = pytest.mark.django_db

LOCKED_OUT = "Too many failed login attempts"
SESSION_ENDED = "Your session has ended"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """Argon2 costs ~0.2 s per account; these tests are not about hashing."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _redirected_to_sign_in(response: Any) -> bool:
    return response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def _password_step(client: Client, email: str, password: str = PASSWORD) -> Any:
    return client.post("/accounts/login/", {"login": email, "password": password})


# --- failed sign-ins ------------------------------------------------------------------------


def test_lockout_after_the_allowed_failed_attempts(world: World) -> None:
    email = world.people["lea_pl"].email
    attempts = django_settings.LOGIN_ATTEMPTS
    assert attempts >= 1
    client = Client()
    for n in range(attempts):
        response = _password_step(client, email, f"wrong password {n}")
        assert response.status_code == 200, n
        assert LOCKED_OUT not in response.content.decode(), n
    response = _password_step(client, email)  # the right password, too late
    assert response.status_code == 200
    assert LOCKED_OUT in response.content.decode()
    assert "_auth_user_id" not in client.session
    # another browser (same address) is refused too: the limit is per account
    other = Client()
    response = _password_step(other, email)
    assert response.status_code == 200
    assert LOCKED_OUT in response.content.decode()
    assert _redirected_to_sign_in(other.get("/dashboard/"))


def test_fewer_failures_than_the_limit_do_not_lock_out(world: World) -> None:
    email = world.people["lea_pl"].email
    client = Client()
    for n in range(django_settings.LOGIN_ATTEMPTS - 1):
        assert _password_step(client, email, f"wrong password {n}").status_code == 200
    response = _password_step(client, email)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/authenticate/")


def test_lockout_of_one_account_leaves_others_alone(world: World) -> None:
    client = Client()
    for n in range(django_settings.LOGIN_ATTEMPTS + 1):
        _password_step(client, world.people["lea_pl"].email, f"wrong {n}")
    client_sign_in(Client(), world.people["lea_de"].email, world.secrets["lea_de"])


def test_failed_sign_in_is_audited_without_the_password(world: World) -> None:
    officer = world.people["lea_pl"]
    wrong = "Sup3r-secret-guess!"
    _password_step(Client(), officer.email, wrong)
    _password_step(Client(), "nobody@nowhere.test", wrong)
    entries = list(AuditEntry.objects.filter(action="auth.sign_in_failed").order_by("seq"))
    assert len(entries) == 2
    assert entries[0].actor == officer.audit_pid
    assert entries[1].actor == ""
    everything = json.dumps(
        [[e.actor, e.action, e.target, e.data] for e in AuditEntry.objects.all()]
    )
    assert wrong not in everything
    assert PASSWORD not in everything
    assert officer.email not in everything
    assert "nobody@nowhere.test" not in everything
    assert not AuditEntry.objects.filter(action="auth.signed_in").exists()


def test_successful_sign_in_is_audited(world: World) -> None:
    client_sign_in(Client(), world.people["lea_pl"].email, world.secrets["lea_pl"])
    entry = AuditEntry.objects.filter(action="auth.signed_in").get()
    assert entry.actor == world.people["lea_pl"].audit_pid


# --- sessions ---------------------------------------------------------------------------


def test_sign_out_everywhere_ends_every_session(world: World) -> None:
    officer = world.people["lea_pl"]
    laptop = Client()
    client_sign_in(laptop, officer.email, world.secrets["lea_pl"])
    phone = Client()
    phone.force_login(officer)  # a second session of the same person
    assert laptop.get("/dashboard/").status_code == 200
    assert phone.get("/dashboard/").status_code == 200
    epoch = User.objects.get(pk=officer.pk).auth_epoch

    response = phone.post("/profile/sign-out-everywhere/")
    assert response.status_code == 302
    assert User.objects.get(pk=officer.pk).auth_epoch == epoch + 1

    response = laptop.get("/dashboard/")
    assert _redirected_to_sign_in(response)
    assert _redirected_to_sign_in(phone.get("/dashboard/"))
    assert SESSION_ENDED in laptop.get("/accounts/login/").content.decode()
    entry = AuditEntry.objects.filter(action="auth.signed_out_everywhere").get()
    assert entry.actor == officer.audit_pid
    assert entry.target == f"person:{officer.audit_pid}"
    # signing in again works
    again = Client()
    again.force_login(User.objects.get(pk=officer.pk))
    assert again.get("/dashboard/").status_code == 200
    assert again.session[SESSION_EPOCH] == epoch + 1


def test_sign_out_everywhere_leaves_other_people_signed_in(world: World) -> None:
    mine, theirs = Client(), Client()
    mine.force_login(world.people["lea_pl"])
    theirs.force_login(world.people["lea_de"])
    mine.post("/profile/sign-out-everywhere/")
    assert theirs.get("/dashboard/").status_code == 200


def test_sign_out_everywhere_needs_post(world: World) -> None:
    client = Client()
    client.force_login(world.people["lea_pl"])
    assert client.get("/profile/sign-out-everywhere/").status_code == 405
    assert client.get("/dashboard/").status_code == 200
    assert not AuditEntry.objects.filter(action="auth.signed_out_everywhere").exists()


def test_session_older_than_the_maximum_ends(world: World) -> None:
    client = Client()
    client_sign_in(client, world.people["lea_pl"].email, world.secrets["lea_pl"])
    assert client.get("/dashboard/").status_code == 200
    max_seconds = django_settings.SESSION_MAX_HOURS * 3600
    session = client.session
    session[SESSION_SIGNED_IN_AT] = time.time() - max_seconds + 120  # still within
    session.save()
    assert client.get("/dashboard/").status_code == 200
    session = client.session
    session[SESSION_SIGNED_IN_AT] = time.time() - max_seconds - 60
    session.save()
    assert _redirected_to_sign_in(client.get("/dashboard/"))
    assert "_auth_user_id" not in client.session


def test_idle_session_ends_and_requests_renew_it_at_most_once_a_minute(world: World) -> None:
    """A session ends ``SESSION_COOKIE_AGE`` after its last renewal; a request renews it
    when the last renewal is ``SESSION_RENEW_SECONDS`` old, and otherwise writes nothing."""
    from datetime import timedelta

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    client = Client()
    client_sign_in(client, world.people["lea_pl"].email, world.secrets["lea_pl"])
    assert client.get("/dashboard/").status_code == 200
    key = client.session.session_key

    def expiry() -> float:
        return Session.objects.get(session_key=key).expire_date.timestamp()

    age = django_settings.SESSION_COOKIE_AGE
    renewed = expiry()
    assert abs(renewed - (time.time() + age)) < 30
    assert client.get("/dashboard/").status_code == 200
    assert expiry() == renewed  # renewed moments ago: no write
    session = client.session
    session[SESSION_RENEWED_AT] = time.time() - django_settings.SESSION_RENEW_SECONDS - 1
    session.save()
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() + timedelta(seconds=age - 120)
    )
    before = expiry()
    assert client.get("/dashboard/").status_code == 200
    assert expiry() > before + 100  # renewed by the request
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    assert _redirected_to_sign_in(client.get("/dashboard/"))  # idle too long: ended


def test_a_short_idle_limit_renews_a_session_at_half_its_age(world: World, settings: Any) -> None:
    """With an idle limit of a minute, a request renews the session after 30 s (a
    renewal every minute would end it while the person is still busy)."""
    from django.contrib.sessions.models import Session

    settings.SESSION_COOKIE_AGE = 60
    client = Client()
    client_sign_in(client, world.people["lea_pl"].email, world.secrets["lea_pl"])

    def renewed(seconds_ago: float) -> bool:
        session = client.session
        session[SESSION_RENEWED_AT] = time.time() - seconds_ago
        session.save()
        before = Session.objects.get(session_key=session.session_key).expire_date
        assert client.get("/dashboard/").status_code == 200
        return bool(Session.objects.get(session_key=session.session_key).expire_date > before)

    assert client.get("/dashboard/").status_code == 200  # shows the sign-in message
    assert not renewed(25)
    assert renewed(31)


def test_signing_out_leaves_nothing_to_renew(world: World) -> None:
    """Only a signed-in person's session is renewed: after signing out, the session's
    flash message does not keep an anonymous session alive."""
    client = Client()
    client_sign_in(client, world.people["lea_pl"].email, world.secrets["lea_pl"])
    assert client.get("/dashboard/").status_code == 200
    client.post("/accounts/logout/")
    client.get("/")  # shows the "signed out" message
    client.get("/")
    assert SESSION_RENEWED_AT not in client.session


def test_session_without_a_sign_in_stamp_is_not_trusted(world: World) -> None:
    client = Client()
    client.force_login(world.people["lea_pl"])
    session = client.session
    del session[SESSION_SIGNED_IN_AT]
    session.save()
    assert _redirected_to_sign_in(client.get("/dashboard/"))


def test_maximum_session_age_follows_the_setting(world: World, settings: Any) -> None:
    client = Client()
    client.force_login(world.people["lea_pl"])
    session = client.session
    session[SESSION_SIGNED_IN_AT] = time.time() - 2 * 3600
    session.save()
    settings.SESSION_MAX_HOURS = 3
    assert client.get("/dashboard/").status_code == 200
    settings.SESSION_MAX_HOURS = 1
    assert _redirected_to_sign_in(client.get("/dashboard/"))


def test_deactivated_person_loses_access_at_once(world: World) -> None:
    officer = world.people["lea_pl"]
    client = Client()
    client_sign_in(client, officer.email, world.secrets["lea_pl"])
    User.objects.filter(pk=officer.pk).update(is_active=False)
    assert _redirected_to_sign_in(client.get("/dashboard/"))


# --- what a session may see -------------------------------------------------------------


def _publish_news(world: World) -> dict[str, int]:
    author = world.people["secretariat"]
    specs = {
        "public": (["public"], "CLEAR"),
        "members": (["members"], "GREEN"),
        "lea": (["lea"], "GREEN"),
        "network": ([f"network:{world.enlets.pk}"], "AMBER"),
    }
    return {
        name: news_publish(
            title=f"Headline for {name} readers",
            body=f"Body for {name} readers",
            audience=audience,
            tlp=tlp,
            author=author,
        ).pk
        for name, (audience, tlp) in specs.items()
    }


def test_vetted_account_without_mfa_sees_only_public_content(world: World) -> None:
    items = _publish_news(world)
    person = world.people["vetted_no_mfa"]  # vetted, LEA, ENLETS member, no second factor
    assert not Authenticator.objects.filter(user=person).exists()
    client = Client()
    client_sign_in(client, person.email, None)
    for path in ("/dashboard/", "/news/", "/"):
        html = client.get(path).content.decode()
        assert "Headline for public readers" in html, path
        for name in ("members", "lea", "network"):
            assert f"Headline for {name} readers" not in html, (path, name)
    assert "public content only" in client.get("/dashboard/").content.decode()
    for name in ("members", "lea", "network"):
        assert client.get(f"/news/{items[name]}/").status_code == 404, name
    assert client.get(f"/news/{items['public']}/").status_code == 200


def test_same_pages_show_restricted_content_with_mfa(world: World) -> None:
    """The control for the test above: a vetted LEA member of ENLETS with TOTP."""
    items = _publish_news(world)
    client = Client()
    client_sign_in(client, world.people["lea_pl"].email, world.secrets["lea_pl"])
    html = client.get("/news/").content.decode()
    for name in ("public", "members", "lea", "network"):
        assert f"Headline for {name} readers" in html, name
        assert client.get(f"/news/{items[name]}/").status_code == 200, name
    assert "member content" in client.get("/dashboard/").content.decode()


# --- recovery codes ---------------------------------------------------------------------


def test_recovery_code_works_once_as_second_factor(world: World) -> None:
    officer = world.people["lea_pl"]
    codes = RecoveryCodes.activate(officer).get_unused_codes()
    assert len(codes) >= 2
    first, second = codes[0], codes[1]

    client = Client()
    response = _password_step(client, officer.email)
    assert response["Location"].startswith("/accounts/2fa/authenticate/")
    response = client.post("/accounts/2fa/authenticate/", {"code": first})
    assert response.status_code == 302
    assert client.get("/dashboard/").status_code == 200
    assert "member content" in client.get("/dashboard/").content.decode()
    assert (
        first
        not in RecoveryCodes(
            Authenticator.objects.get(user=officer, type=Authenticator.Type.RECOVERY_CODES)
        ).get_unused_codes()
    )

    again = Client()
    _password_step(again, officer.email)
    response = again.post("/accounts/2fa/authenticate/", {"code": first})
    assert response.status_code == 200  # the form again, with an error
    assert "_auth_user_id" not in again.session
    assert _redirected_to_sign_in(again.get("/dashboard/"))
    assert AuditEntry.objects.filter(action="mfa.failed", actor=officer.audit_pid).exists()
    response = again.post("/accounts/2fa/authenticate/", {"code": second})
    assert response.status_code == 302
    assert again.get("/dashboard/").status_code == 200


def test_wrong_second_factor_does_not_sign_in(world: World) -> None:
    officer = world.people["lea_pl"]
    client = Client()
    _password_step(client, officer.email)
    response = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    if response.status_code == 302:  # the one-in-a-million chance that it is the code
        pytest.skip("000000 happened to be the current code")
    assert response.status_code == 200
    assert _redirected_to_sign_in(client.get("/dashboard/"))
    assert AuditEntry.objects.filter(action="mfa.failed", actor=officer.audit_pid).exists()


# --- sign-up ----------------------------------------------------------------------------


def _sign_up(email: str) -> Any:
    return Client().post(
        "/accounts/signup/",
        {
            "email": email,
            "display_name": "Newcomer",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )


@pytest.mark.parametrize(
    ("email", "org_attr"),
    [
        ("Jan.Kowalski@Policja.PL.test", "police_pl"),
        ("jan@kwp.policja.pl.test", "police_pl"),  # sub-domain of a registered domain
        ("researcher@pphs.pl.test", "pphs"),
        ("someone@mail.example", None),
        ("someone@notpolicja.pl.test", None),
    ],
)
def test_sign_up_sets_the_organisation_from_the_domain(
    world: World, email: str, org_attr: str | None
) -> None:
    response = _sign_up(email)
    assert response.status_code == 302, response.content[:1000]
    user = User.objects.get(email=email.lower())
    assert user.display_name == "Newcomer"
    expected = getattr(world, org_attr) if org_attr else None
    assert user.organisation == expected
    # registering grants nothing: no vetting, no roles, no demo flag
    assert not user.vettings.exists()
    assert not user.roles.exists()
    assert not user.is_demo and not user.is_staff and not user.is_superuser
    assert AuditEntry.objects.filter(action="account.registered", actor=user.audit_pid).exists()


def test_signed_up_person_is_in_the_national_contacts_queue(world: World) -> None:
    _sign_up("jan@policja.pl.test")
    client = Client()
    client_sign_in(client, world.people["nc_pl"].email, world.secrets["nc_pl"])
    assert "jan@policja.pl.test" in client.get("/vetting/").content.decode()


def test_sign_up_on_an_existing_address_creates_no_second_account(world: World) -> None:
    before = User.objects.count()
    _sign_up(world.people["lea_pl"].email.upper())
    assert User.objects.count() == before
