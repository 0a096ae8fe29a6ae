"""Shared test fixtures: people in every role, signed in through the real sign-in flow."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyotp
import pytest
import requests
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP
from django.core.servers.basehttp import WSGIRequestHandler
from django.test import Client
from django.utils import timezone

from lenhub.accounts.countries import load_countries
from lenhub.accounts.models import (
    Country,
    Organisation,
    OrganisationDomain,
    OrganisationKind,
    Role,
    RoleAssignment,
    User,
    Vetting,
    VettingBasis,
)
from lenhub.core.testing.browser import SMTPServer, chromium, smtp_server
from lenhub.networks.models import Group, GroupKind, GroupMembership, Network, NetworkMembership

if TYPE_CHECKING:
    from playwright.sync_api import Browser

PASSWORD = "correct horse battery staple 42"  # noqa: S105 (test accounts only)
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

# The live server writes a response in several small pieces; with Nagle's algorithm each
# later piece waits for the client's delayed acknowledgement, about 40 ms a request.
WSGIRequestHandler.disable_nagle_algorithm = True


@pytest.fixture(autouse=True)
def _audit_outside_db(settings: Any, tmp_path: Path) -> None:
    """Each test gets its own audit key and checkpoint file (both live outside the DB)."""
    settings.AUDIT_KEY_FILE = tmp_path / "secrets" / "audit.key"
    settings.AUDIT_CHECKPOINT_FILE = tmp_path / "audit" / "checkpoints.log"
    os.environ.pop("LENHUB_AUDIT_KEY", None)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """Argon2 still, with test-sized costs (production keeps Django's defaults)."""
    settings.PASSWORD_HASHERS = [
        "lenhub.core.testing.hashers.FastArgon2PasswordHasher",
        *settings.PASSWORD_HASHERS,
    ]


@pytest.fixture(autouse=True)
def _clear_cache() -> Iterator[None]:
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


# --- builders -------------------------------------------------------------------------


def make_org(
    name: str, kind: str = OrganisationKind.POLICE, country: str = "PL", domain: str = ""
) -> Organisation:
    org, _ = Organisation.objects.get_or_create(
        name=name, defaults={"kind": kind, "country": Country.objects.get(pk=country)}
    )
    if domain:
        OrganisationDomain.objects.get_or_create(organisation=org, domain=domain)
    return org


def make_user(
    email: str,
    *,
    organisation: Organisation | None = None,
    totp_secret: str | None = None,
    vetted: bool = False,
    display_name: str = "",
    **extra: Any,
) -> User:
    user = User.objects.create_user(
        email,
        PASSWORD,
        display_name=display_name or email.split("@")[0],
        organisation=organisation,
        **extra,
    )
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    if totp_secret:
        TOTP.activate(user, totp_secret)
    if vetted:
        vet_directly(user)
    return user


def vet_directly(user: User, *, days_ago: int = 0) -> Vetting:
    """Record a vetting without a vetter's session: for test set-up only."""
    vetter = User.objects.filter(
        email="fixture-vetter@lenhub.test"
    ).first() or User.objects.create_user(
        "fixture-vetter@lenhub.test", PASSWORD, display_name="Fixture vetter"
    )
    assert user.organisation is not None
    at = timezone.now() - timedelta(days=days_ago)
    return Vetting.objects.create(
        user=user,
        organisation=user.organisation,
        organisation_kind=user.organisation.kind,
        basis=VettingBasis.DOMAIN_MATCH,
        vetted_by=vetter,
        vetted_at=at,
        expires_at=at + timedelta(days=365),
    )


def join(user: User, network: Network, *groups: Group, **membership: Any) -> None:
    NetworkMembership.objects.get_or_create(user=user, network=network, defaults=membership)
    for group in groups:
        GroupMembership.objects.get_or_create(user=user, group=group)


def totp_code(secret: str, *, not_code: str | None = None) -> str:
    """The current code; waits for the next period when the current one was used, or
    when the period ends within two seconds (the server might see the next one)."""
    if 30 - time.time() % 30 < 2:
        time.sleep(30 - time.time() % 30 + 0.1)
    code = pyotp.TOTP(secret).now()
    while code == not_code:
        time.sleep(1)
        code = pyotp.TOTP(secret).now()
    return code


# --- signing in -----------------------------------------------------------------------


def client_sign_in(client: Client, email: str, secret: str | None) -> None:
    """Sign in through allauth's pages, as a browser would (password, then TOTP)."""
    response = client.post("/accounts/login/", {"login": email, "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]
    if secret is not None:
        assert response["Location"].startswith("/accounts/2fa/authenticate/")
        response = client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)})
        assert response.status_code == 302, response.content[:500]


def http_sign_in(base_url: str, email: str, secret: str | None) -> requests.Session:
    """Sign in over real HTTP against a live server, returning the cookie session."""
    session = requests.Session()
    page = session.get(f"{base_url}/accounts/login/", timeout=10)
    token = CSRF_FIELD.search(page.text)
    assert token, "no CSRF token on the sign-in page"
    response = session.post(
        f"{base_url}/accounts/login/",
        data={"login": email, "password": PASSWORD, "csrfmiddlewaretoken": token.group(1)},
        headers={"Referer": f"{base_url}/accounts/login/"},
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 302, response.text[:500]
    if secret is not None:
        page = session.get(f"{base_url}/accounts/2fa/authenticate/", timeout=10)
        token = CSRF_FIELD.search(page.text)
        assert token, "no CSRF token on the second-factor page"
        response = session.post(
            f"{base_url}/accounts/2fa/authenticate/",
            data={"code": totp_code(secret), "csrfmiddlewaretoken": token.group(1)},
            headers={"Referer": f"{base_url}/accounts/2fa/authenticate/"},
            allow_redirects=False,
            timeout=10,
        )
        assert response.status_code == 302, response.text[:500]
    return session


# --- a small world --------------------------------------------------------------------


@dataclass
class World:
    """Two networks, a core group, organisations of several kinds and people in every
    role the access model knows."""

    enlets: Network
    aquapol: Network
    core_group: Group
    police_pl: Organisation
    police_de: Organisation
    gendarmerie_fr: Organisation
    pphs: Organisation
    university: Organisation
    people: dict[str, User] = field(default_factory=dict)
    secrets: dict[str, str | None] = field(default_factory=dict)


def build_world() -> World:
    load_countries(Country)  # transactional tests flush what the data migration loaded
    enlets = Network.objects.create(acronym="ENLETS", name="ENLETS")
    aquapol = Network.objects.create(acronym="AQUAPOL", name="AQUAPOL")
    core = Group.objects.create(network=enlets, name="Core Group", kind=GroupKind.CORE_GROUP)
    world = World(
        enlets=enlets,
        aquapol=aquapol,
        core_group=core,
        police_pl=make_org("Polish Police", domain="policja.pl.test"),
        police_de=make_org("Bundespolizei", country="DE", domain="bundespolizei.de.test"),
        gendarmerie_fr=make_org(
            "Gendarmerie nationale", OrganisationKind.GENDARMERIE, "FR", "gendarmerie.fr.test"
        ),
        pphs=make_org("PPHS", OrganisationKind.RESEARCH, "PL", "pphs.pl.test"),
        university=make_org("University", OrganisationKind.ACADEMIA, "BE", "uni.be.test"),
    )

    def person(
        key: str,
        email: str,
        org: Organisation | None,
        *,
        mfa: bool = True,
        vetted: bool = True,
        **extra: Any,
    ) -> User:
        secret = pyotp.random_base32() if mfa else None
        user = make_user(email, organisation=org, totp_secret=secret, vetted=vetted, **extra)
        world.people[key] = user
        world.secrets[key] = secret
        return user

    # unvetted or without a second factor: public only
    person(
        "registered",
        "registered@gendarmerie.fr.test",
        world.gendarmerie_fr,
        mfa=False,
        vetted=False,
    )
    person("unvetted_mfa", "newcomer@policja.pl.test", world.police_pl, vetted=False)
    no_mfa = person("vetted_no_mfa", "nomfa@policja.pl.test", world.police_pl, mfa=False)
    join(no_mfa, enlets)
    # vetted
    stakeholder = person("stakeholder", "researcher@uni.be.test", world.university)
    join(stakeholder, enlets)
    officer = person("lea_pl", "officer@policja.pl.test", world.police_pl)
    join(officer, enlets)
    officer_fr = person("lea_fr_aquapol", "officer@gendarmerie.fr.test", world.gendarmerie_fr)
    join(officer_fr, aquapol)
    officer_de = person("lea_de", "officer@bundespolizei.de.test", world.police_de)
    join(officer_de, enlets)
    person("lea_no_network", "lone@policja.pl.test", world.police_pl)
    nc = person("nc_pl", "nc@policja.pl.test", world.police_pl)
    join(nc, enlets, core)
    RoleAssignment.objects.create(
        user=nc, role=Role.NATIONAL_CONTACT, network=enlets, country_id="PL"
    )
    core_member = person("core_de", "core@bundespolizei.de.test", world.police_de)
    join(core_member, enlets, core)
    RoleAssignment.objects.create(user=core_member, role=Role.CORE_GROUP, network=enlets)
    leader = person("group_leader", "leader@policja.pl.test", world.police_pl)
    join(leader, enlets, core)
    RoleAssignment.objects.create(user=leader, role=Role.GROUP_LEADER, group=core)
    secretariat = person("secretariat", "secretariat@pphs.pl.test", world.pphs)
    join(secretariat, enlets)
    RoleAssignment.objects.create(user=secretariat, role=Role.SECRETARIAT, network=enlets)
    # lapsed: expired vetting, left network, core-group member whose network membership ended
    expired = person("expired", "expired@policja.pl.test", world.police_pl, vetted=False)
    vet_directly(expired, days_ago=400)
    join(expired, enlets)
    leaver = person("leaver", "leaver@policja.pl.test", world.police_pl)
    join(leaver, enlets, core, status="left")
    # platform roles without vetting; the operator is also a Django superuser
    operator = person(
        "operator", "operator@lenhub.test", None, vetted=False, is_staff=True, is_superuser=True
    )
    RoleAssignment.objects.create(user=operator, role=Role.OPERATOR)
    auditor = person("auditor", "auditor@lenhub.test", None, vetted=False)
    RoleAssignment.objects.create(user=auditor, role=Role.AUDITOR)
    return world


@pytest.fixture
def browser(live_server: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Browser]:
    """Headless Chromium for the browser tests. Playwright keeps an event loop running
    in this thread, hence the (test-only) permission for synchronous ORM calls."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with chromium() as browser:
        yield browser


@pytest.fixture
def mailbox(settings: Any, live_server: Any) -> Iterator[SMTPServer]:
    """A real SMTP server on 127.0.0.1 that Django sends all mail to; links in mail point
    at the live server."""
    settings.SITE_URL = live_server.url
    with smtp_server() as server:
        server.configure_django(settings)
        yield server


@pytest.fixture
def world(db: Any) -> World:
    return build_world()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``own_installation`` start lenhub in subprocesses on a SQLite
    installation of their own, so they would run the same twice: only the embedded run
    (SQLite) runs them. Browser tests drive pages whose database work the HTTP tests
    already run on PostgreSQL; there, only those also marked ``both_databases`` (the
    whole needs cycle) run, so that both runs fit CI's half hour. The PostgreSQL run
    says why it skips the others."""
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        return
    skip = pytest.mark.skip(
        reason="own_installation: runs on its own SQLite installation, in the embedded run"
    )
    browser = pytest.mark.skip(
        reason="browser: runs in the embedded run; on PostgreSQL only the whole needs cycle"
    )
    for item in items:
        if item.get_closest_marker("own_installation"):
            item.add_marker(skip)
        elif item.get_closest_marker("browser") and not item.get_closest_marker("both_databases"):
            item.add_marker(browser)
