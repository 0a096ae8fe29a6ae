"""Secretariat tools (issue 4, item 7) over HTTP: only the network's own secretariat,
signed in with a second factor, reaches them ("not found" for everyone else); structures,
National Contact assignments and member organisations can be added, changed and removed;
every write is audited; every form needs its CSRF token."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from lenhub.accounts.models import Role, RoleAssignment, User
from lenhub.audit.models import AuditEntry
from lenhub.conftest import World, client_sign_in, make_user
from lenhub.dissemination.services import news_publish
from lenhub.networks.models import (
    Group,
    GroupKind,
    GroupMembership,
    OrganisationMembership,
    OrganisationStatus,
)

pytestmark = pytest.mark.django_db

MANAGE = "/networks/ENLETS/manage/"
CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


def _client(world: World, key: str | None = "secretariat") -> Client:
    client = Client()
    if key is not None:
        person = world.people[key]
        client_sign_in(client, person.email, world.secrets[key])
    return client


def _audited(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("seq"))


@pytest.fixture
def aquapol_secretariat(world: World) -> Client:
    """Someone on AQUAPOL's secretariat (and nobody's on ENLETS')."""
    RoleAssignment.objects.create(
        user=world.people["lea_fr_aquapol"], role=Role.SECRETARIAT, network=world.aquapol
    )
    return _client(world, "lea_fr_aquapol")


# --- who gets in ------------------------------------------------------------------------


def test_the_network_s_secretariat_gets_the_tools(world: World) -> None:
    client = _client(world)
    response = client.get(MANAGE)
    assert response.status_code == 200
    html = response.content.decode()
    for heading in ("Structures", "National Contacts", "Member organisations"):
        assert heading in html
    assert "Core Group" in html
    assert 'href="/networks/ENLETS/manage/"' in client.get("/networks/ENLETS/").content.decode()


@pytest.mark.parametrize(
    "key",
    [
        None,
        "registered",
        "lea_pl",
        "nc_pl",  # ENLETS National Contact
        "core_de",  # ENLETS core group
        "group_leader",
        "stakeholder",
        "operator",  # platform operator and Django superuser
        "auditor",
    ],
)
def test_everyone_else_gets_not_found(world: World, key: str | None) -> None:
    """Signed-in people get "not found"; the anonymous visitor is sent to sign in."""
    client = _client(world, key)
    refused = 404 if key else 302
    assert client.get(MANAGE).status_code == refused
    assert client.get(MANAGE + "structures/new/").status_code == refused
    group = world.core_group
    assert client.post(MANAGE + f"structures/{group.pk}/delete/").status_code == refused
    assert Group.objects.filter(pk=group.pk).exists()
    if key is not None:
        page = client.get("/networks/ENLETS/").content.decode()
        assert 'href="/networks/ENLETS/manage/"' not in page


def test_another_network_s_secretariat_gets_not_found(
    world: World, aquapol_secretariat: Client
) -> None:
    assert aquapol_secretariat.get("/networks/AQUAPOL/manage/").status_code == 200
    assert aquapol_secretariat.get(MANAGE).status_code == 404
    response = aquapol_secretariat.post(
        MANAGE + "structures/new/", {"name": "Sneaky", "kind": GroupKind.OTHER}
    )
    assert response.status_code == 404
    assert not Group.objects.filter(name="Sneaky").exists()
    # and ENLETS' secretariat is nobody on AQUAPOL
    assert _client(world).get("/networks/AQUAPOL/manage/").status_code == 404


def test_the_secretariat_needs_a_second_factor_in_this_session(world: World) -> None:
    person = world.people["vetted_no_mfa"]
    RoleAssignment.objects.create(user=person, role=Role.SECRETARIAT, network=world.enlets)
    client = Client()
    client_sign_in(client, person.email, None)
    assert client.get(MANAGE).status_code == 404


def test_an_unknown_network_is_not_found(world: World) -> None:
    assert _client(world).get("/networks/NOPE/manage/").status_code == 404


# --- structures -------------------------------------------------------------------------


def test_add_edit_and_delete_a_structure(world: World) -> None:
    client = _client(world)
    assert client.get(MANAGE + "structures/new/").status_code == 200
    response = client.post(
        MANAGE + "structures/new/",
        {
            "name": "Drones TIG",
            "kind": GroupKind.TIG,
            "area": "Counter-drone technology",
            "leader_note": "Dutch police",
            "is_default": "on",
        },
    )
    assert response.status_code == 302 and response["Location"] == MANAGE
    group = Group.objects.get(network=world.enlets, name="Drones TIG")
    assert (group.kind, group.area, group.leader_note, group.is_default) == (
        GroupKind.TIG,
        "Counter-drone technology",
        "Dutch police",
        True,
    )
    [created] = _audited("group.created")
    assert created.target == f"group:{group.pk}"
    assert created.actor == world.people["secretariat"].audit_pid

    edit = MANAGE + f"structures/{group.pk}/"
    assert client.get(edit).status_code == 200
    response = client.post(
        edit, {"name": "Counter-drone TIG", "kind": GroupKind.TIG, "leader_note": "Dutch police"}
    )
    assert response.status_code == 302
    group.refresh_from_db()
    assert (group.name, group.area, group.is_default) == ("Counter-drone TIG", "", False)
    [updated] = _audited("group.updated")
    assert updated.data["fields"] == ["area", "is_default", "name"]
    # saving without a change writes and audits nothing
    client.post(
        edit, {"name": "Counter-drone TIG", "kind": GroupKind.TIG, "leader_note": "Dutch police"}
    )
    assert len(_audited("group.updated")) == 1

    GroupMembership.objects.create(user=world.people["lea_pl"], group=group)
    response = client.post(MANAGE + f"structures/{group.pk}/delete/")
    assert response.status_code == 302
    assert not Group.objects.filter(pk=group.pk).exists()
    assert not GroupMembership.objects.filter(group_id=group.pk).exists()
    [deleted] = _audited("group.deleted")
    assert deleted.data == {"network": world.enlets.pk, "members": 1}


def test_a_structure_name_is_unique_within_the_network(world: World) -> None:
    client = _client(world)
    response = client.post(MANAGE + "structures/new/", {"name": "core group", "kind": "tig"})
    assert response.status_code == 400
    assert b"already has a group of this name" in response.content
    assert Group.objects.filter(network=world.enlets).count() == 1
    assert not _audited("group.created")


def test_groups_of_other_networks_are_not_found(world: World) -> None:
    hub = Group.objects.create(network=world.aquapol, name="North Sea hub", kind=GroupKind.HUB)
    client = _client(world)
    assert client.get(MANAGE + f"structures/{hub.pk}/").status_code == 404
    assert client.post(MANAGE + f"structures/{hub.pk}/delete/").status_code == 404
    assert Group.objects.filter(pk=hub.pk).exists()


# --- National Contacts ------------------------------------------------------------------


def test_assign_and_revoke_a_national_contact(world: World) -> None:
    client = _client(world)
    candidate = make_user("deputy@policja.pl.test", organisation=world.police_pl, vetted=True)
    response = client.post(
        MANAGE + "contacts/",
        {"email": "Deputy@Policja.pl.test", "country": "PL", "is_deputy": "on"},
    )
    assert response.status_code == 302
    assignment = RoleAssignment.objects.get(user=candidate, role=Role.NATIONAL_CONTACT)
    assert (assignment.network, assignment.country_id, assignment.is_deputy) == (
        world.enlets,
        "PL",
        True,
    )
    assert assignment.granted_by == world.people["secretariat"]
    [granted] = _audited("role.granted")
    assert granted.target == f"person:{candidate.audit_pid}"
    assert granted.data["deputy"] is True and granted.data["country"] == "PL"
    html = client.get(MANAGE).content.decode()
    assert candidate.display_name in html and "Deputy" in html

    response = client.post(MANAGE + f"contacts/{assignment.pk}/revoke/")
    assert response.status_code == 302
    assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()
    [revoked] = _audited("role.revoked")
    assert revoked.target == f"person:{candidate.audit_pid}"


@pytest.mark.parametrize(
    ("email", "country", "message"),
    [
        ("nobody@nowhere.test", "PL", b"No active account has this email address."),
        ("nc@policja.pl.test", "PL", b"is already a National Contact for Poland"),
        ("not an address", "PL", b"Enter a valid email address."),
        ("lea@policja.pl.test", "XX", b"Select a valid choice."),
    ],
)
def test_national_contact_form_errors(
    world: World, email: str, country: str, message: bytes
) -> None:
    client = _client(world)
    before = RoleAssignment.objects.count()
    response = client.post(MANAGE + "contacts/", {"email": email, "country": country})
    assert response.status_code == 400
    assert message in response.content
    assert RoleAssignment.objects.count() == before
    assert not _audited("role.granted")


def test_national_contacts_of_other_networks_cannot_be_revoked(world: World) -> None:
    other = RoleAssignment.objects.create(
        user=world.people["lea_fr_aquapol"],
        role=Role.NATIONAL_CONTACT,
        network=world.aquapol,
        country_id="FR",
    )
    secretariat_role = RoleAssignment.objects.get(role=Role.SECRETARIAT, network=world.enlets)
    client = _client(world)
    assert client.post(MANAGE + f"contacts/{other.pk}/revoke/").status_code == 404
    # only National Contact assignments are managed here, not the secretariat's own role
    assert client.post(MANAGE + f"contacts/{secretariat_role.pk}/revoke/").status_code == 404
    assert RoleAssignment.objects.filter(pk__in=[other.pk, secretariat_role.pk]).count() == 2
    assert not _audited("role.revoked")


# --- member organisations ---------------------------------------------------------------


def test_add_change_and_remove_a_member_organisation(world: World) -> None:
    client = _client(world)
    response = client.post(
        MANAGE + "organisations/",
        {"organisation": world.police_de.pk, "status": OrganisationStatus.OBSERVER},
    )
    assert response.status_code == 302
    membership = OrganisationMembership.objects.get(
        network=world.enlets, organisation=world.police_de
    )
    assert membership.status == OrganisationStatus.OBSERVER
    [added] = _audited("organisation_membership.added")
    assert added.target == f"organisation:{world.police_de.pk}"
    assert "Bundespolizei" in client.get("/networks/ENLETS/").content.decode()

    response = client.post(
        MANAGE + f"organisations/{membership.pk}/", {"status": OrganisationStatus.FULL}
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.status == OrganisationStatus.FULL
    [changed] = _audited("organisation_membership.changed")
    assert (changed.data["from"], changed.data["to"]) == ("observer", "full")

    response = client.post(MANAGE + f"organisations/{membership.pk}/remove/")
    assert response.status_code == 302
    assert not OrganisationMembership.objects.filter(pk=membership.pk).exists()
    assert len(_audited("organisation_membership.removed")) == 1


def test_an_organisation_is_added_once(world: World) -> None:
    OrganisationMembership.objects.create(
        network=world.enlets, organisation=world.police_de, status=OrganisationStatus.FULL
    )
    client = _client(world)
    response = client.post(
        MANAGE + "organisations/", {"organisation": world.police_de.pk, "status": "partner"}
    )
    assert response.status_code == 400
    assert OrganisationMembership.objects.filter(network=world.enlets).count() == 1
    assert not _audited("organisation_membership.added")


def test_member_organisations_of_other_networks_are_not_found(world: World) -> None:
    other = OrganisationMembership.objects.create(
        network=world.aquapol, organisation=world.gendarmerie_fr, status=OrganisationStatus.FULL
    )
    client = _client(world)
    assert (
        client.post(MANAGE + f"organisations/{other.pk}/", {"status": "observer"}).status_code
        == 404
    )
    assert client.post(MANAGE + f"organisations/{other.pk}/remove/").status_code == 404
    other.refresh_from_db()
    assert other.status == OrganisationStatus.FULL


# --- CSRF -------------------------------------------------------------------------------


def _csrf_client(world: World) -> Client:
    """A session of the secretariat in a client that checks CSRF tokens as browsers
    meet them."""
    signed_in = _client(world)
    client = Client(enforce_csrf_checks=True)
    client.cookies = signed_in.cookies
    return client


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("structures/new/", {"name": "Forged", "kind": "tig"}),
        ("contacts/", {"email": "lone@policja.pl.test", "country": "PL"}),
        ("organisations/", {"organisation": "{police_de}", "status": "full"}),
        ("structures/{core}/delete/", {}),
    ],
)
def test_forms_need_their_csrf_token(world: World, path: str, data: dict[str, Any]) -> None:
    client = _csrf_client(world)
    ids = {"core": world.core_group.pk, "police_de": world.police_de.pk}
    url = MANAGE + path.format(**ids)
    data = {key: str(value).format(**ids) for key, value in data.items()}
    audit_before = AuditEntry.objects.count()
    state_before = (
        Group.objects.count(),
        RoleAssignment.objects.count(),
        OrganisationMembership.objects.count(),
    )
    assert client.post(url, data).status_code == 403
    assert AuditEntry.objects.count() == audit_before
    assert (
        Group.objects.count(),
        RoleAssignment.objects.count(),
        OrganisationMembership.objects.count(),
    ) == state_before
    # with the token from the page's form, the same request goes through
    page = client.get(MANAGE)
    token = CSRF.search(page.content)
    assert token is not None
    response = client.post(url, {**data, "csrfmiddlewaretoken": token.group(1).decode()})
    assert response.status_code == 302, response.content[:300]
    assert AuditEntry.objects.count() > audit_before


def test_pages_never_show_email_addresses_of_other_people(world: World) -> None:
    """The National Contacts list names people by display name, like the rest of lenhub."""
    html = _client(world).get(MANAGE).content.decode()
    others = User.objects.exclude(pk=world.people["secretariat"].pk).values_list("email", flat=True)
    assert not [email for email in others if email in html]


def test_core_groups_and_secretariats_are_never_joined_by_default(world: World) -> None:
    client = _client(world)
    response = client.post(
        MANAGE + "structures/new/",
        {"name": "Inner circle", "kind": GroupKind.CORE_GROUP, "is_default": "on"},
    )
    assert response.status_code == 400
    assert "Nobody joins a core group or a secretariat by default" in response.content.decode()
    assert not Group.objects.filter(name="Inner circle").exists()
    response = client.post(
        MANAGE + f"structures/{world.core_group.pk}/",
        {"name": "Core Group", "kind": GroupKind.CORE_GROUP, "is_default": "on"},
    )
    assert response.status_code == 400
    world.core_group.refresh_from_db()
    assert not world.core_group.is_default


def test_a_structure_whose_content_is_addressed_to_it_is_not_deleted(world: World) -> None:
    """Content names its group only in its audience: deleting the group would leave that
    content readable by nobody, so the deletion is refused."""
    news_publish(
        title="For the core group",
        summary="s",
        body="b",
        audience=[f"group:{world.core_group.pk}"],
        tlp="AMBER",
        author=world.people["secretariat"],
    )
    response = _client(world).post(MANAGE + f"structures/{world.core_group.pk}/delete/")
    assert response.status_code == 302
    assert Group.objects.filter(pk=world.core_group.pk).exists()
    assert _audited("group.deleted") == []


def test_deleting_a_structure_revokes_its_leaders_role_on_the_record(world: World) -> None:
    group = Group.objects.create(network=world.enlets, name="Drones TIG", kind=GroupKind.TIG)
    leader = world.people["lea_pl"]
    RoleAssignment.objects.create(user=leader, role=Role.GROUP_LEADER, group=group)
    response = _client(world).post(MANAGE + f"structures/{group.pk}/delete/")
    assert response.status_code == 302
    assert not RoleAssignment.objects.filter(user=leader, role=Role.GROUP_LEADER).exists()
    [revoked] = _audited("role.revoked")
    assert revoked.target == f"person:{leader.audit_pid}"
    assert revoked.data["role"] == Role.GROUP_LEADER
