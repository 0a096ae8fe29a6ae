"""Roles: who may grant what, the scope each role needs, and the `lenhub role` and
`lenhub createoperator` commands (DESIGN §1)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction
from django.test import Client

from lenhub.accounts.models import Country, Role, RoleAssignment, User
from lenhub.accounts.selectors import user_has_role
from lenhub.accounts.services import role_grant, role_revoke
from lenhub.audit.models import AuditEntry
from lenhub.conftest import PASSWORD, World, client_sign_in, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """Argon2 costs ~0.2 s per account; these tests are not about hashing."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _pl() -> Country:
    return Country.objects.get(pk="PL")


def _person(world: World, email: str = "someone@policja.pl.test") -> User:
    return make_user(email, organisation=world.police_pl)


# --- who may grant ----------------------------------------------------------------------


def test_operator_grants_any_role(world: World) -> None:
    operator = world.people["operator"]
    grants: list[dict[str, Any]] = [
        {"role": Role.OPERATOR},
        {"role": Role.AUDITOR},
        {"role": Role.SECRETARIAT, "network_id": world.aquapol.pk},
        {"role": Role.NATIONAL_CONTACT, "network_id": world.aquapol.pk, "country": _pl()},
        {"role": Role.CORE_GROUP, "network_id": world.enlets.pk},
        {"role": Role.GROUP_LEADER, "group_id": world.core_group.pk},
    ]
    assert {g["role"] for g in grants} == set(Role.values)
    person = _person(world)
    for grant in grants:
        assignment = role_grant(user=person, actor=operator, **grant)
        assert assignment.pk is not None
        assert assignment.granted_by == operator
    assert set(person.roles.values_list("role", flat=True)) == set(Role.values)
    entries = AuditEntry.objects.filter(action="role.granted")
    assert entries.count() == len(grants)
    assert set(entries.values_list("actor", flat=True)) == {operator.audit_pid}
    assert set(entries.values_list("target", flat=True)) == {f"person:{person.audit_pid}"}


def test_secretariat_grants_scoped_roles_of_its_own_network(world: World) -> None:
    secretariat = world.people["secretariat"]  # ENLETS
    person = _person(world)
    nc = role_grant(
        user=person,
        role=Role.NATIONAL_CONTACT,
        actor=secretariat,
        network_id=world.enlets.pk,
        country=_pl(),
    )
    assert (nc.network_id, nc.country_id, nc.granted_by) == (world.enlets.pk, "PL", secretariat)
    role_grant(user=person, role=Role.CORE_GROUP, actor=secretariat, network_id=world.enlets.pk)
    leader = role_grant(
        user=person, role=Role.GROUP_LEADER, actor=secretariat, group_id=world.core_group.pk
    )
    assert leader.group_id == world.core_group.pk
    assert user_has_role(user=person, role=Role.NATIONAL_CONTACT, network_id=world.enlets.pk)


def test_secretariat_cannot_grant_outside_its_remit(world: World) -> None:
    """The ENLETS secretariat: nothing for AQUAPOL, no secretariats, no platform roles."""
    person = _person(world)
    refused: list[dict[str, Any]] = [
        {"role": Role.NATIONAL_CONTACT, "network_id": world.aquapol.pk, "country": _pl()},
        {"role": Role.CORE_GROUP, "network_id": world.aquapol.pk},
        {"role": Role.SECRETARIAT, "network_id": world.enlets.pk},
        {"role": Role.SECRETARIAT, "network_id": world.aquapol.pk},
        {"role": Role.OPERATOR},
        {"role": Role.AUDITOR},
    ]
    for grant in refused:
        with pytest.raises(PermissionDenied):
            role_grant(user=person, actor=world.people["secretariat"], **grant)
    assert not person.roles.exists()
    assert not AuditEntry.objects.filter(action="role.granted").exists()


def test_secretariat_cannot_grant_leader_of_another_networks_group(world: World) -> None:
    from lenhub.networks.models import Group, GroupKind

    aquapol_group = Group.objects.create(
        network=world.aquapol, name="Hub North", kind=GroupKind.WORKING_GROUP
    )
    with pytest.raises(PermissionDenied):
        role_grant(
            user=_person(world),
            role=Role.GROUP_LEADER,
            actor=world.people["secretariat"],
            group_id=aquapol_group.pk,
        )


def test_people_without_the_right_cannot_grant(world: World) -> None:
    person = _person(world)
    attempts: list[dict[str, Any]] = [
        {"role": Role.NATIONAL_CONTACT, "network_id": world.enlets.pk, "country": _pl()},
        {"role": Role.CORE_GROUP, "network_id": world.enlets.pk},
        {"role": Role.GROUP_LEADER, "group_id": world.core_group.pk},
        {"role": Role.SECRETARIAT, "network_id": world.enlets.pk},
        {"role": Role.OPERATOR},
        {"role": Role.AUDITOR},
    ]
    for actor_key in ("lea_pl", "nc_pl", "core_de", "group_leader", "auditor", "stakeholder"):
        for attempt in attempts:
            with pytest.raises(PermissionDenied):
                role_grant(user=person, actor=world.people[actor_key], **attempt)
    assert not person.roles.exists()


def test_nobody_grants_themselves_more(world: World) -> None:
    officer = world.people["lea_pl"]
    with pytest.raises(PermissionDenied):
        role_grant(user=officer, role=Role.OPERATOR, actor=officer)
    assert not officer.roles.exists()


def test_revoking_follows_the_same_rule(world: World) -> None:
    assignment = role_grant(
        user=_person(world),
        role=Role.NATIONAL_CONTACT,
        actor=world.people["operator"],
        network_id=world.enlets.pk,
        country=_pl(),
    )
    with pytest.raises(PermissionDenied):
        role_revoke(assignment=assignment, actor=world.people["lea_pl"])
    assert RoleAssignment.objects.filter(pk=assignment.pk).exists()
    operator_role = RoleAssignment.objects.get(user=world.people["operator"])
    with pytest.raises(PermissionDenied):
        role_revoke(assignment=operator_role, actor=world.people["secretariat"])
    role_revoke(assignment=assignment, actor=world.people["secretariat"])
    assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()
    entry = AuditEntry.objects.filter(action="role.revoked").get()
    assert entry.actor == world.people["secretariat"].audit_pid


def test_revoked_role_no_longer_counts(world: World) -> None:
    nc = world.people["nc_pl"]
    assignment = RoleAssignment.objects.get(user=nc, role=Role.NATIONAL_CONTACT)
    role_revoke(assignment=assignment, actor=None)
    assert not user_has_role(user=nc, role=Role.NATIONAL_CONTACT)
    client = Client()
    client_sign_in(client, nc.email, world.secrets["nc_pl"])
    assert client.get("/vetting/").status_code in (403, 404)


def test_roles_of_a_deactivated_person_do_not_count(world: World) -> None:
    operator = world.people["operator"]
    User.objects.filter(pk=operator.pk).update(is_active=False)
    operator.refresh_from_db()
    assert not user_has_role(user=operator, role=Role.OPERATOR)
    with pytest.raises(PermissionDenied):
        role_grant(user=_person(world), role=Role.AUDITOR, actor=operator)


# --- scope constraint -------------------------------------------------------------------


def test_role_scope_constraint(world: World) -> None:
    """Each role needs its scope: the database refuses the others."""
    person = _person(world)
    wrong: list[dict[str, Any]] = [
        {"role": Role.NATIONAL_CONTACT, "network": world.enlets},  # no country
        {"role": Role.NATIONAL_CONTACT, "country": _pl()},  # no network
        {"role": Role.SECRETARIAT},
        {"role": Role.CORE_GROUP, "country": _pl()},
        {"role": Role.GROUP_LEADER, "network": world.enlets},  # no group
        {"role": Role.OPERATOR, "network": world.enlets},
        {"role": Role.AUDITOR, "group": world.core_group},
        {"role": "superhero"},
    ]
    for fields in wrong:
        with pytest.raises(IntegrityError), transaction.atomic():
            RoleAssignment.objects.create(user=person, **fields)
    assert not person.roles.exists()
    right: list[dict[str, Any]] = [
        {"role": Role.NATIONAL_CONTACT, "network": world.enlets, "country": _pl()},
        {"role": Role.SECRETARIAT, "network": world.enlets},
        {"role": Role.CORE_GROUP, "network": world.enlets},
        {"role": Role.GROUP_LEADER, "group": world.core_group},
        {"role": Role.OPERATOR},
        {"role": Role.AUDITOR},
    ]
    for fields in right:
        RoleAssignment.objects.create(user=person, **fields)
    assert person.roles.count() == len(right)


def test_service_cannot_store_a_national_contact_without_country(world: World) -> None:
    person = _person(world)
    with pytest.raises(IntegrityError), transaction.atomic():
        role_grant(
            user=person,
            role=Role.NATIONAL_CONTACT,
            actor=world.people["operator"],
            network_id=world.enlets.pk,
        )
    assert not person.roles.exists()


# --- `lenhub role` ----------------------------------------------------------------------


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_role_command_grant_list_revoke(world: World) -> None:
    person = _person(world, "deputy@policja.pl.test")
    out = _run(
        "role",
        "grant",
        "--email",
        "Deputy@Policja.pl.test",
        "--role",
        "national_contact",
        "--network",
        "ENLETS",
        "--country",
        "pl",
        "--deputy",
    )
    assert "granted national_contact to deputy@policja.pl.test" in out
    assignment = RoleAssignment.objects.get(user=person)
    assert (assignment.role, assignment.network_id, assignment.country_id) == (
        Role.NATIONAL_CONTACT,
        world.enlets.pk,
        "PL",
    )
    assert assignment.is_deputy and assignment.granted_by is None
    granted = AuditEntry.objects.filter(action="role.granted").get()
    assert granted.actor == "" and granted.target == f"person:{person.audit_pid}"

    listing = _run("role", "list", "--email", person.email)
    assert listing.strip() == f"{person.email}\t{assignment}"
    assert "ENLETS" in listing and "PL" in listing
    everyone = _run("role", "list")
    for key in ("nc_pl", "secretariat", "operator", "auditor", "core_de", "group_leader"):
        assert world.people[key].email in everyone, key

    out = _run(
        "role",
        "revoke",
        "--email",
        person.email,
        "--role",
        "national_contact",
        "--network",
        "ENLETS",
        "--country",
        "PL",
    )
    assert "revoked" in out
    assert not RoleAssignment.objects.filter(user=person).exists()
    assert AuditEntry.objects.filter(action="role.revoked").count() == 1
    assert _run("role", "list", "--email", person.email).strip() == ""


def test_role_command_group_leader_round_trip(world: World) -> None:
    person = _person(world)
    group = str(world.core_group.pk)
    _run("role", "grant", "--email", person.email, "--role", "group_leader", "--group", group)
    assert user_has_role(user=person, role=Role.GROUP_LEADER)
    _run("role", "revoke", "--email", person.email, "--role", "group_leader", "--group", group)
    assert not person.roles.exists()


def test_role_command_refuses_bad_grants(world: World) -> None:
    person = _person(world)
    email = person.email
    bad: list[tuple[str, ...]] = [
        ("--email", "nobody@policja.pl.test", "--role", "auditor"),  # unknown person
        ("--email", email, "--role", "secretariat", "--network", "NOPE"),  # unknown network
        ("--email", email, "--role", "national_contact", "--network", "ENLETS"),  # no country
        ("--email", email, "--role", "secretariat"),  # no network
        ("--email", email, "--role", "national_contact", "--network", "ENLETS", "--country", "XX"),
        ("--email", email, "--role", "god"),  # no such role
    ]
    for args in bad:
        with pytest.raises(CommandError):
            _run("role", "grant", *args)
    assert not person.roles.exists()
    assert not AuditEntry.objects.filter(action="role.granted").exists()


def test_role_command_revoke_of_missing_assignment_fails(world: World) -> None:
    _person(world)
    with pytest.raises(CommandError):
        _run("role", "revoke", "--email", "someone@policja.pl.test", "--role", "auditor")


# --- `lenhub createoperator` ------------------------------------------------------------


def _create_operator(
    monkeypatch: pytest.MonkeyPatch, email: str, password: str = PASSWORD, **kw: Any
) -> str:
    monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    out = io.StringIO()
    call_command("createoperator", "--email", email, "--password-stdin", stdout=out, **kw)
    return out.getvalue()


def test_createoperator_creates_an_operator(monkeypatch: pytest.MonkeyPatch, db: Any) -> None:
    out = _create_operator(monkeypatch, "  Ops@Example.ORG ", display_name="Ops team")
    assert "ops@example.org" in out
    user = User.objects.get(email="ops@example.org")
    assert user.display_name == "Ops team"
    assert user.check_password(PASSWORD)
    assert user.is_active and user.is_staff and user.is_superuser
    assert not user.is_demo
    assert user_has_role(user=user, role=Role.OPERATOR)
    assert EmailAddress.objects.filter(user=user, email=user.email, verified=True).exists()
    assert not user.vettings.exists()
    actions = list(AuditEntry.objects.filter(actor=user.audit_pid).values_list("action", flat=True))
    assert "account.operator_created" in actions
    assert AuditEntry.objects.filter(
        action="role.granted", target=f"person:{user.audit_pid}"
    ).exists()


def test_createoperator_operator_can_use_the_technical_admin(
    monkeypatch: pytest.MonkeyPatch, db: Any
) -> None:
    """The operator runs the installation: after signing in with a second factor they
    can edit the technical configuration (organisations, countries) in the admin."""
    _create_operator(monkeypatch, "ops@example.org")
    user = User.objects.get(email="ops@example.org")
    secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    TOTP.activate(user, secret)
    client = Client()
    client_sign_in(client, user.email, secret)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/accounts/organisation/").status_code == 200
    assert client.get("/admin/accounts/organisation/add/").status_code == 200


def test_createoperator_refuses_weak_password_and_duplicates(
    monkeypatch: pytest.MonkeyPatch, world: World
) -> None:
    with pytest.raises(CommandError):
        _create_operator(monkeypatch, "ops@example.org", password="short")
    assert not User.objects.filter(email="ops@example.org").exists()
    with pytest.raises(CommandError):
        _create_operator(monkeypatch, world.people["lea_pl"].email.upper())
    assert not user_has_role(user=world.people["lea_pl"], role=Role.OPERATOR)


def test_createoperator_requires_an_email(db: Any) -> None:
    with pytest.raises(CommandError):
        call_command("createoperator", "--password-stdin")
