"""`lenhub demo`: idempotent, an account for every role, every account with a second
factor and flagged as demo, printed so that people can sign in with it."""

from __future__ import annotations

import io
import re
from typing import Any

import pyotp
import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.utils import decrypt
from django.core.management import call_command
from django.db.models import F
from django.test import Client

from lenhub.accounts.models import Role, RoleAssignment, User, Vetting
from lenhub.accounts.selectors import vetting_current
from lenhub.audit.models import AuditEntry
from lenhub.core.management.commands.demo import PEOPLE
from lenhub.dissemination.models import News
from lenhub.networks.experts import listed_experts

pytestmark = pytest.mark.django_db

PASSWORD_LINE = re.compile(r"password for every demo account: (\S+)")
ACCOUNT_LINE = re.compile(
    r"^  (\S+@\S+)\s+(.+)\n\s+TOTP secret ([A-Z2-7]+)\s+recovery codes ((?:\S+ ?)+)$", re.M
)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """Argon2 costs ~0.2 s per account; these tests are not about hashing."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _demo() -> str:
    out = io.StringIO()
    call_command("demo", stdout=out)
    return out.getvalue()


def _totp_secrets() -> dict[str, str]:
    return {
        a.user.email: decrypt(a.data["secret"])
        for a in Authenticator.objects.filter(type=Authenticator.Type.TOTP).select_related("user")
    }


def _state() -> dict[str, Any]:
    return {
        "users": User.objects.count(),
        "roles": sorted(
            RoleAssignment.objects.values_list(
                "user__email", "role", "network_id", "group_id", "country_id", "is_deputy"
            )
        ),
        "vettings": sorted(Vetting.objects.values_list("user__email", "vetted_by__email", "pk")),
        "news": News.objects.count(),
        "authenticators": sorted(Authenticator.objects.values_list("user__email", "type", "pk")),
        "secrets": _totp_secrets(),
    }


def test_demo_is_idempotent(db: Any) -> None:
    first_output = _demo()
    first = _state()
    audit_entries = AuditEntry.objects.count()
    second_output = _demo()
    assert _state() == first
    assert first_output == second_output
    assert AuditEntry.objects.count() == audit_entries  # nothing was granted again
    assert first["users"] == len(PEOPLE)


def test_demo_creates_an_account_for_every_role(db: Any) -> None:
    _demo()
    held = set(RoleAssignment.objects.values_list("role", flat=True))
    assert held == set(Role.values)
    for role in Role.values:
        holders = User.objects.filter(roles__role=role)
        assert holders.exists() and all(u.is_demo for u in holders), role


def test_every_demo_account_has_a_second_factor_and_is_flagged(db: Any) -> None:
    _demo()
    people = User.objects.all()
    assert people.count() == len(PEOPLE)
    for person in people:
        assert person.is_demo, person.email
        types = set(Authenticator.objects.filter(user=person).values_list("type", flat=True))
        assert types == {Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES}, person.email
        assert EmailAddress.objects.filter(user=person, email=person.email, verified=True).exists()
        codes = Authenticator.objects.get(user=person, type=Authenticator.Type.RECOVERY_CODES)
        assert len(RecoveryCodes(codes).get_unused_codes()) >= 4, person.email
    assert len(set(_totp_secrets().values())) == len(PEOPLE)  # no shared secret


def test_demo_vets_everyone_with_an_organisation_except_the_newcomer(db: Any) -> None:
    _demo()
    for spec in PEOPLE:
        person = User.objects.get(email=spec.email)
        vetted = vetting_current(user=person) is not None
        expected = spec.organisation is not None and not spec.email.startswith("newcomer@")
        assert vetted is expected, spec.email
    assert not Vetting.objects.filter(vetted_by=F("user")).exists()


def test_demo_operator_can_use_the_technical_admin(db: Any) -> None:
    """Like an operator made with `lenhub createoperator`."""
    output = _demo()
    password = PASSWORD_LINE.search(output)
    assert password is not None
    operator = User.objects.get(email="operator@lenhub.test")
    assert operator.is_staff and operator.is_superuser
    secret = _totp_secrets()[operator.email]
    client = Client()
    client.post("/accounts/login/", {"login": operator.email, "password": password.group(1)})
    client.post("/accounts/2fa/authenticate/", {"code": pyotp.TOTP(secret).now()})
    assert client.get("/admin/accounts/organisation/").status_code == 200
    # and still reads no restricted content
    assert "public content only" in client.get("/dashboard/").content.decode()
    for user in User.objects.exclude(pk=operator.pk):
        assert not user.is_staff and not user.is_superuser, user.email


def test_demo_output_lists_every_account_with_its_second_factor(db: Any) -> None:
    output = _demo()
    password = PASSWORD_LINE.search(output)
    assert password is not None
    accounts = {m.group(1): m for m in ACCOUNT_LINE.finditer(output)}
    assert set(accounts) == {spec.email for spec in PEOPLE}
    secrets = _totp_secrets()
    for email, match in accounts.items():
        assert match.group(3) == secrets[email], email
        person = User.objects.get(email=email)
        printed_codes = match.group(4).split()
        codes = Authenticator.objects.get(user=person, type=Authenticator.Type.RECOVERY_CODES)
        assert printed_codes and set(printed_codes) <= set(RecoveryCodes(codes).get_unused_codes())
        assert person.check_password(password.group(1)), email


def test_demo_account_signs_in_with_the_printed_password_and_secret(db: Any) -> None:
    """No bypass: the printed password and then a code from the printed secret."""
    output = _demo()
    password = PASSWORD_LINE.search(output)
    assert password is not None
    account = next(
        m for m in ACCOUNT_LINE.finditer(output) if m.group(1) == "officer@gendarmerie.fr.test"
    )
    client = Client()
    response = client.post(
        "/accounts/login/", {"login": account.group(1), "password": password.group(1)}
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/authenticate/")
    assert client.get("/dashboard/").status_code == 302  # not signed in yet
    response = client.post(
        "/accounts/2fa/authenticate/", {"code": pyotp.TOTP(account.group(3)).now()}
    )
    assert response.status_code == 302
    assert "member content" in client.get("/dashboard/").content.decode()


def test_demo_quiet_prints_nothing(db: Any) -> None:
    out = io.StringIO()
    call_command("demo", "--quiet", stdout=out)
    assert out.getvalue() == ""
    assert User.objects.filter(is_demo=True).count() == len(PEOPLE)


def test_demo_refuses_production(db: Any, settings: Any) -> None:
    settings.PRODUCTION = True
    with pytest.raises(SystemExit):
        call_command("demo", stdout=io.StringIO(), stderr=io.StringIO())
    assert not User.objects.exists()


def test_demo_lists_vetted_police_experts_in_the_finder(db: Any) -> None:
    """A newcomer trying the expert finder finds someone: the LEA demo experts."""
    _demo()
    listed = set(listed_experts().values_list("email", flat=True))
    assert listed == {
        "nc@policja.pl.test",
        "leader@bundespolizei.de.test",
        "officer@gendarmerie.fr.test",
    }
