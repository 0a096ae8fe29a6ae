"""CSRF protection on every form: a POST without the token is refused with 403 and
changes nothing; the same POST with the token taken from the page goes through.

The clients enforce CSRF checks as a browser's requests would be checked. People sign in
with an ordinary test client whose cookies the enforcing client then shares.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.conf import settings
from django.core import mail
from django.test import Client

from lenhub.accounts.models import AccessToken, Organisation, User, Vetting
from lenhub.accounts.tokens import token_create
from lenhub.conftest import PASSWORD, World, client_sign_in, totp_code
from lenhub.core.tests.security import CSRF_FIELD
from lenhub.monitoring.models import Follow, Preferences

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a different horse battery staple 43"
Data = dict[str, Any]


@dataclass
class Context:
    world: World
    clients: dict[str, Client]
    values: dict[str, str] = field(default_factory=dict)

    def person(self, key: str) -> User:
        return User.objects.get(pk=self.world.people[key].pk)

    def signed_in(self, who: str) -> bool:
        return "_auth_user_id" in self.clients[who].session


@dataclass(frozen=True)
class Form:
    who: str  # whose browser sends it
    path: str  # where it is posted; may name {values}
    page: str  # the page the form is on (the token comes from there)
    accepted: int  # the status with the token
    data: Data | Callable[[Context], Data] = field(default_factory=dict)
    # What the form changes: the same before and after the refused POST, and (unless
    # ``None``) different after the accepted one.
    state: Callable[[Context], object] | None = None
    api: bool = False  # a session call to the JSON API, token in the X-CSRFToken header
    method: str = "post"


def _totp(who: str) -> Callable[[Context], Data]:
    return lambda ctx: {"code": totp_code(ctx.world.secrets[who] or "")}


def _recovery_code(who: str) -> Callable[[Context], Data]:
    def data(ctx: Context) -> Data:
        codes = Authenticator.objects.get(
            user=ctx.world.people[who], type=Authenticator.Type.RECOVERY_CODES
        )
        return {"code": RecoveryCodes(codes).get_unused_codes()[0]}

    return data


def _activation_code(ctx: Context) -> Data:
    """The code for the secret the activation page offered (kept in the session)."""
    response = ctx.clients["registered"].get("/accounts/2fa/totp/activate/")
    assert response.context, (response.status_code, response.get("Location"))
    return {"code": totp_code(response.context["form"].secret)}


def _organisation_form(ctx: Context) -> Data:
    return {
        "name": "Guardia Civil",
        "kind": "police",
        "country": "ES",
        "website": "",
        "domains-TOTAL_FORMS": "0",
        "domains-INITIAL_FORMS": "0",
        "domains-MIN_NUM_FORMS": "0",
        "domains-MAX_NUM_FORMS": "1000",
    }


def _mfa(who: str, kind: str) -> Callable[[Context], object]:
    return lambda ctx: list(
        Authenticator.objects.filter(user=ctx.world.people[who], type=kind).values_list("data")
    )


def _revoked(key: str) -> Callable[[Context], object]:
    return lambda ctx: AccessToken.objects.get(key_id=ctx.values[key]).revoked_at


FORMS = [
    # --- the entrance, anonymous ---
    Form(
        "anonymous",
        "/accounts/login/",
        "/accounts/login/",
        302,
        {"login": "lone@policja.pl.test", "password": PASSWORD},
        # the second step opens only once the password was accepted
        lambda ctx: ctx.clients["anonymous"].get("/accounts/2fa/authenticate/").status_code,
    ),
    Form(
        "anonymous",
        "/accounts/signup/",
        "/accounts/signup/",
        302,
        {
            "email": "someone@uni.be.test",
            "display_name": "Someone",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
        lambda ctx: User.objects.filter(email="someone@uni.be.test").exists(),
    ),
    Form(
        "anonymous",
        "/accounts/password/reset/",
        "/accounts/password/reset/",
        302,
        {"email": "lone@policja.pl.test"},
        lambda ctx: len(mail.outbox),
    ),
    Form(
        "anonymous",
        "/accounts/password/reset/key/{reset_uid}-set-password/",
        "/accounts/password/reset/key/{reset_uid}-set-password/",
        302,
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        lambda ctx: ctx.person("lea_no_network").password,
    ),
    Form(
        "anonymous",
        "/accounts/confirm-email/{confirm_key}/",
        "/accounts/confirm-email/{confirm_key}/",
        302,
        {},
        lambda ctx: EmailAddress.objects.get(email="newcomer@uni.be.test").verified,
    ),
    Form(
        "anonymous",
        "/i18n/setlang/",
        "/",
        302,
        {"language": "fr", "next": "/"},
        lambda ctx: str(ctx.clients["anonymous"].cookies.get(settings.LANGUAGE_COOKIE_NAME)),
    ),
    # --- the second step of signing in ---
    Form(
        "signing_in",
        "/accounts/2fa/authenticate/",
        "/accounts/2fa/authenticate/",
        302,
        _totp("lea_de"),
        lambda ctx: ctx.signed_in("signing_in"),
    ),
    # --- a signed-in officer's own account ---
    Form(
        "lea_pl",
        "/profile/",
        "/profile/",
        302,
        {"display_name": "Renamed officer", "organisation": "{police_pl}"},
        lambda ctx: ctx.person("lea_pl").display_name,
    ),
    Form(
        "lea_pl",
        "/profile/tokens/",
        "/profile/tokens/",
        200,
        {"name": "reporting script", "scopes": ["news:read"], "days": "30"},
        lambda ctx: AccessToken.objects.filter(user=ctx.world.people["lea_pl"]).count(),
    ),
    Form(
        "lea_pl",
        "/profile/tokens/{web_token}/revoke/",
        "/profile/tokens/",
        302,
        {},
        _revoked("web_token"),
    ),
    Form(
        "lea_pl",
        "/api/v1/tokens/{api_token}",
        "/profile/tokens/",
        200,
        {},
        _revoked("api_token"),
        api=True,
        method="delete",
    ),
    Form(
        "lea_pl",
        "/monitoring/follow/",
        "/monitoring/",
        302,
        {"kind": "topic", "topic": "Body-worn cameras"},
        lambda ctx: Follow.objects.filter(user=ctx.world.people["lea_pl"]).count(),
    ),
    Form(
        "lea_pl",
        "/monitoring/preferences/",
        "/monitoring/",
        302,
        {},  # the box unticked: no emails
        lambda ctx: list(Preferences.objects.values_list("email_updates", flat=True)),
    ),
    Form(
        "lea_pl",
        "/api/v1/monitoring/notifications/read",
        "/monitoring/",
        200,
        {},
        api=True,
    ),
    Form(
        "lea_pl",
        "/accounts/reauthenticate/",
        "/accounts/reauthenticate/",
        302,
        {"password": PASSWORD},
    ),
    Form(
        "lea_pl",
        "/accounts/2fa/reauthenticate/",
        "/accounts/2fa/reauthenticate/",
        302,
        _recovery_code("lea_pl"),
        _mfa("lea_pl", Authenticator.Type.RECOVERY_CODES),
    ),
    Form(
        "lea_pl",
        "/accounts/2fa/recovery-codes/generate/",
        "/accounts/2fa/recovery-codes/generate/",
        302,
        {},
        _mfa("lea_pl", Authenticator.Type.RECOVERY_CODES),
    ),
    Form(  # an invalid key: the form answers, and no key is added
        "lea_pl",
        "/accounts/2fa/webauthn/add/",
        "/accounts/2fa/webauthn/add/",
        200,
        {"name": "Security key", "credential": "null"},
    ),
    Form(
        "lea_pl",
        "/accounts/2fa/totp/deactivate/",
        "/accounts/2fa/totp/deactivate/",
        302,
        {},
        _mfa("lea_pl", Authenticator.Type.TOTP),
    ),
    Form(
        "lea_pl",
        "/accounts/logout/",
        "/accounts/logout/",
        302,
        {},
        lambda ctx: ctx.signed_in("lea_pl"),
    ),
    Form(
        "core_de",
        "/accounts/password/change/",
        "/accounts/password/change/",
        302,
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        lambda ctx: ctx.person("core_de").password,
    ),
    Form(
        "lea_fr_aquapol",
        "/profile/sign-out-everywhere/",
        "/profile/",
        302,
        {},
        lambda ctx: ctx.person("lea_fr_aquapol").auth_epoch,
    ),
    # --- people without a second factor add an address, enrol a second factor ---
    Form(
        "vetted_no_mfa",
        "/accounts/email/",
        "/accounts/email/",
        302,
        {"email": "second@policja.pl.test", "action_add": ""},
        lambda ctx: EmailAddress.objects.filter(user=ctx.world.people["vetted_no_mfa"]).count(),
    ),
    Form(
        "registered",
        "/accounts/reauthenticate/",
        "/accounts/reauthenticate/",
        302,
        {"password": PASSWORD},
    ),
    Form(
        "registered",
        "/accounts/2fa/totp/activate/",
        "/accounts/2fa/totp/activate/",
        302,
        _activation_code,
        _mfa("registered", Authenticator.Type.TOTP),
    ),
    # --- vetting and administration ---
    Form(
        "secretariat",
        "/vetting/{queued}/",
        "/vetting/",
        302,
        {},
        lambda ctx: Vetting.objects.filter(user=ctx.world.people["unvetted_mfa"]).count(),
    ),
    Form(
        "operator",
        "/admin/accounts/organisation/add/",
        "/admin/accounts/organisation/add/",
        302,
        _organisation_form,
        lambda ctx: Organisation.objects.filter(name="Guardia Civil").exists(),
    ),
    Form("operator", "/admin/logout/", "/admin/", 302, {}, lambda ctx: ctx.signed_in("operator")),
]


def _prepare(world: World) -> Context:
    """Sign the people in (with ordinary clients) and set up what the forms act on."""
    ctx = Context(world, {})
    for who in sorted({form.who for form in FORMS} - {"anonymous", "signing_in"}):
        plain = Client()
        client_sign_in(plain, world.people[who].email, world.secrets[who])
        ctx.clients[who] = Client(enforce_csrf_checks=True)
        ctx.clients[who].cookies = plain.cookies
    ctx.clients["anonymous"] = Client(enforce_csrf_checks=True)
    plain = Client()
    response = plain.post(
        "/accounts/login/", {"login": "officer@bundespolizei.de.test", "password": PASSWORD}
    )
    assert response["Location"].startswith("/accounts/2fa/authenticate/")
    ctx.clients["signing_in"] = Client(enforce_csrf_checks=True)
    ctx.clients["signing_in"].cookies = plain.cookies

    RecoveryCodes.activate(world.people["lea_pl"])
    lea_pl = world.people["lea_pl"]
    ctx.values["web_token"] = token_create(user=lea_pl, name="a", scopes="news:read").token.key_id
    ctx.values["api_token"] = token_create(user=lea_pl, name="b", scopes="news:read").token.key_id
    ctx.values["queued"] = str(world.people["unvetted_mfa"].pk)
    ctx.values["police_pl"] = str(world.police_pl.pk)

    # A password reset link and an address confirmation link, from the emails sent.
    Client().post("/accounts/password/reset/", {"email": "lone@policja.pl.test"})
    reset = re.search(r"/accounts/password/reset/key/(\w+)-[^/\s]+/", str(mail.outbox[-1].body))
    assert reset, mail.outbox[-1].body
    ctx.values["reset_uid"] = reset.group(1)
    ctx.clients["anonymous"].get(reset.group(0))  # stores the key in the session
    Client().post(
        "/accounts/signup/",
        {
            "email": "newcomer@uni.be.test",
            "display_name": "Newcomer",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    confirm = re.search(r"/accounts/confirm-email/([^/\s]+)/", str(mail.outbox[-1].body))
    assert confirm, mail.outbox[-1].body
    ctx.values["confirm_key"] = confirm.group(1)
    return ctx


def _send(ctx: Context, form: Form, token: str | None) -> Any:
    client = ctx.clients[form.who]
    path = form.path.format(**ctx.values)
    data = form.data(ctx) if callable(form.data) else form.data
    data = {k: v.format(**ctx.values) if isinstance(v, str) else v for k, v in data.items()}
    if form.api:
        headers = {"X-CSRFToken": token} if token else {}
        return getattr(client, form.method)(path, headers=headers)
    if token:
        data = {**data, "csrfmiddlewaretoken": token}
    return client.post(path, data)


def test_every_form_refuses_a_post_without_its_csrf_token(world: World) -> None:
    """For each form: without the token 403 (Django's CSRF failure, or the API's
    ``csrf_failed``) and nothing changes; with the token from the page, the expected
    answer and the change happens."""
    ctx = _prepare(world)
    problems: list[str] = []
    for form in FORMS:
        where = f"{form.who} {form.method.upper()} {form.path.format(**ctx.values)}"
        before = form.state(ctx) if form.state else None

        refused = _send(ctx, form, None)
        csrf_failure = b"CSRF verification failed" in refused.content or (
            form.api and b'"csrf_failed"' in refused.content
        )
        if refused.status_code != 403 or not csrf_failure:
            problems.append(
                f"{where} without token: {refused.status_code} {refused.content[:200]!r}"
            )
        if form.state and form.state(ctx) != before:
            problems.append(f"{where} without token changed something")

        page = ctx.clients[form.who].get(form.page.format(**ctx.values))
        match = CSRF_FIELD.search(page.content.decode())
        if match is None:
            problems.append(f"{where}: no CSRF token on {form.page} ({page.status_code})")
            continue
        accepted = _send(ctx, form, match.group(1))
        if accepted.status_code != form.accepted:
            problems.append(
                f"{where} with token: {accepted.status_code}, expected {form.accepted} "
                f"{accepted.content[:300]!r}"
            )
        if form.state and form.state(ctx) == before:
            problems.append(f"{where} with token changed nothing")
    assert not problems, "\n".join(problems)
