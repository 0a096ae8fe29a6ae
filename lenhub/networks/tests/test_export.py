"""Directory exports (issue 4, item 7) within the access policy: the public directory as
CSV and JSON is the same for everyone and names no person; a network's member list is
for that network's members only ("not found" for everyone else), shows an organisation
only where its person allows it, and is audited."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from lenhub.accounts.models import Country, Organisation, OrganisationKind, User
from lenhub.audit.models import AuditEntry
from lenhub.conftest import World, client_sign_in, join, make_user
from lenhub.networks.models import (
    CountryRole,
    Group,
    GroupKind,
    MembershipStatus,
    Network,
    NetworkCountry,
    NetworkMembership,
    OrganisationMembership,
    OrganisationStatus,
    Partnership,
    PartnershipKind,
    Source,
    StatedFact,
)

pytestmark = pytest.mark.django_db

PSEUDONYM = "Agent Nightingale"


@pytest.fixture
def directory(world: World) -> World:
    """ENLETS with two sources that disagree, countries, a TIG, a partnership and member
    organisations; a member with a pseudonym who hides their organisation."""
    leaflet = Source.objects.create(key="leaflet", title="ENLETS leaflet", date="2023")
    website = Source.objects.create(
        key="web", title="ENLETS website", publisher="ENLETS", date="2025-01-10",
        url="https://enlets.example/about",
    )  # fmt: skip
    enlets = world.enlets
    enlets.umbrella = Network.objects.create(acronym="LENWG", name="LENWG")
    enlets.save()
    StatedFact.objects.create(
        network=enlets, key="ncps", label="National Contact Points", value="28", source=leaflet
    )
    StatedFact.objects.create(
        network=enlets, key="ncps", label="National Contact Points", value="27", source=website
    )
    NetworkCountry.objects.create(
        network=enlets, country_id="PL", role=CountryRole.MEMBER, source=website
    )
    NetworkCountry.objects.create(network=enlets, country_id="NO", role=CountryRole.PARTNER)
    Group.objects.create(
        network=enlets, name="Drones TIG", kind=GroupKind.TIG, leader_note="Dutch police"
    )
    Partnership.objects.create(
        network=enlets, name="iProcureSecurity", kind=PartnershipKind.PROJECT, source=leaflet
    )
    OrganisationMembership.objects.create(
        network=enlets, organisation=world.police_pl, status=OrganisationStatus.FULL
    )
    OrganisationMembership.objects.create(
        network=enlets, organisation=world.university, status=OrganisationStatus.OBSERVER
    )
    hidden = make_user(
        "hidden@policja.pl.test",
        organisation=world.police_pl,
        vetted=True,
        display_name=PSEUDONYM,
        show_organisation=False,
    )
    join(hidden, enlets)
    return world


def _sign_in(client: Client, world: World, key: str) -> User:
    person = world.people[key]
    client_sign_in(client, person.email, world.secrets[key])
    return person


def _csv_rows(body: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8"))))


# --- the public directory ---------------------------------------------------------------


def test_json_export_holds_the_public_directory(directory: World, client: Client) -> None:
    response = client.get("/networks/export.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = json.loads(response.content)
    bodies = {body["acronym"]: body for body in data["networks"]}
    assert set(bodies) == {"ENLETS", "AQUAPOL", "LENWG"}
    enlets = bodies["ENLETS"]
    assert enlets["umbrella"] == "LENWG"
    assert [(f["value"], f["source"]["title"], f["source"]["date"]) for f in enlets["facts"]] == [
        ("28", "ENLETS leaflet", "2023"),
        ("27", "ENLETS website", "2025-01-10"),
    ]
    assert enlets["member_countries"] == ["PL"] and enlets["partner_countries"] == ["NO"]
    assert {(s["name"], s["kind"], s["led_by"]) for s in enlets["structures"]} == {
        ("Core Group", "core_group", ""),
        ("Drones TIG", "tig", "Dutch police"),
    }
    assert enlets["partnerships"][0]["name"] == "iProcureSecurity"
    assert enlets["organisations"] == [
        {"name": "University", "kind": "academia", "country": "BE", "status": "observer"},
        {"name": "Polish Police", "kind": "police", "country": "PL", "status": "full"},
    ]


def _no_person_in(body: bytes) -> None:
    text = body.decode("utf-8")
    emails = list(User.objects.values_list("email", flat=True))
    assert emails
    assert not [email for email in emails if email in text]
    assert PSEUDONYM not in text


def test_csv_export_is_one_row_per_record_with_sources(directory: World, client: Client) -> None:
    response = client.get("/networks/export.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="lenhub-directory.csv"'
    rows = _csv_rows(response.content)
    enlets = [row for row in rows if row["network"] == "ENLETS"]
    records = [row["record"] for row in enlets]
    assert records[0] == "body"
    assert {"umbrella", "country", "fact", "structure", "partnership", "organisation"} <= set(
        records
    )
    facts = [(r["value"], r["source"], r["source_date"]) for r in enlets if r["record"] == "fact"]
    assert facts == [
        ("28", "ENLETS leaflet", "2023"),
        ("27", "ENLETS website, ENLETS", "2025-01-10"),
    ]
    organisations = {
        (r["name"], r["country"], r["status"]) for r in enlets if r["record"] == "organisation"
    }
    assert organisations == {("Polish Police", "PL", "full"), ("University", "BE", "observer")}
    countries = {(r["country"], r["kind"]) for r in enlets if r["record"] == "country"}
    assert countries == {("PL", "member"), ("NO", "partner")}


@pytest.mark.parametrize("path", ["/networks/export.csv", "/networks/export.json"])
def test_everyone_gets_the_same_public_export(directory: World, client: Client, path: str) -> None:
    """A member (even the secretariat) gets public data only, and no person appears."""
    anonymous = client.get(path).content
    _no_person_in(anonymous)
    member = Client()
    _sign_in(member, directory, "secretariat")
    signed_in = member.get(path).content
    _no_person_in(signed_in)
    if path.endswith(".json"):
        anonymous_data, member_data = json.loads(anonymous), json.loads(signed_in)
        anonymous_data.pop("generated_at"), member_data.pop("generated_at")
        assert member_data == anonymous_data
    else:
        assert signed_in == anonymous
    assert not AuditEntry.objects.filter(action="directory.exported").exists()


def test_csv_cells_never_run_as_formulas(directory: World, client: Client) -> None:
    evil = Organisation.objects.create(
        name='=HYPERLINK("http://evil.example","x")', kind=OrganisationKind.OTHER, country_id="PL"
    )
    OrganisationMembership.objects.create(
        network=directory.enlets, organisation=evil, status=OrganisationStatus.PARTNER
    )
    rows = _csv_rows(client.get("/networks/export.csv").content)
    names = [row["name"] for row in rows if row["record"] == "organisation"]
    assert '\'=HYPERLINK("http://evil.example","x")' in names
    assert not [name for name in names if name.startswith("=")]


def test_export_query_count_does_not_grow_with_the_directory(
    directory: World, client: Client
) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/networks/export.json").status_code == 200
        return len(captured)

    few = queries()
    for n in range(5):
        network = Network.objects.create(acronym=f"NET{n}", name=f"Network {n}")
        StatedFact.objects.create(
            network=network,
            key="k",
            label="Members",
            value=str(n),
            source=Source.objects.get(key="leaflet"),
        )
        Group.objects.create(network=network, name="Hub", kind=GroupKind.HUB)
        NetworkCountry.objects.create(network=network, country_id="DE", role=CountryRole.MEMBER)
    assert queries() == few


def test_export_command_writes_what_the_pages_serve(directory: World, client: Client) -> None:
    out = io.StringIO()
    call_command("export_directory", "--format", "csv", stdout=out)
    assert out.getvalue().encode() == client.get("/networks/export.csv").content
    out = io.StringIO()
    call_command("export_directory", "--format", "json", stdout=out)
    from_command = json.loads(out.getvalue())
    from_page = json.loads(client.get("/networks/export.json").content)
    from_command.pop("generated_at"), from_page.pop("generated_at")
    assert from_command == from_page


def test_export_command_writes_a_file(directory: World, tmp_path: Any) -> None:
    target = tmp_path / "directory.json"
    call_command("export_directory", "--format", "json", "--output", str(target))
    assert {b["acronym"] for b in json.loads(target.read_text())["networks"]} >= {"ENLETS"}


# --- a network's member list ------------------------------------------------------------

MEMBERS_EXPORT = "/networks/ENLETS/members/export.csv"


def test_members_export_their_network_s_member_list(directory: World) -> None:
    client = Client()
    officer = _sign_in(client, directory, "lea_pl")
    response = client.get(MEMBERS_EXPORT)
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="enlets-members.csv"'
    cache_control = response["Cache-Control"]
    assert "private" in cache_control and "no-store" in cache_control
    rows = _csv_rows(response.content)
    assert list(rows[0]) == ["display_name", "organisation", "country"]
    by_name = {row["display_name"]: row for row in rows}
    assert by_name[PSEUDONYM] == {"display_name": PSEUDONYM, "organisation": "", "country": "PL"}
    assert by_name["officer"]["organisation"] in {"Polish Police", "Bundespolizei"}
    assert by_name["secretariat"] == {
        "display_name": "secretariat",
        "organisation": "PPHS",
        "country": "PL",
    }
    active = NetworkMembership.objects.filter(
        network=directory.enlets, status=MembershipStatus.ACTIVE
    ).values_list("user__display_name", flat=True)
    assert sorted(by_name) == sorted(set(active))
    assert "leaver" not in by_name, "people who left are not listed"
    [entry] = AuditEntry.objects.filter(action="directory.exported")
    assert entry.actor == officer.audit_pid
    assert entry.target == f"network:{directory.enlets.pk}"
    assert entry.data["rows"] == len(rows)


@pytest.mark.parametrize(
    "key",
    [
        None,  # anonymous
        "registered",  # no vetting, no second factor
        "unvetted_mfa",
        "vetted_no_mfa",  # an ENLETS member who signed in without a second factor
        "lea_fr_aquapol",  # a member of another network
        "lea_no_network",
        "expired",  # vetting lapsed
        "leaver",  # left ENLETS
        "operator",
        "auditor",
    ],
)
def test_members_export_is_not_found_for_everyone_else(directory: World, key: str | None) -> None:
    client = Client()
    if key is not None:
        _sign_in(client, directory, key)
    assert client.get(MEMBERS_EXPORT).status_code == 404
    assert not AuditEntry.objects.filter(action="directory.exported").exists()


def test_members_export_of_an_unknown_network_is_not_found(directory: World) -> None:
    client = Client()
    _sign_in(client, directory, "lea_pl")
    assert client.get("/networks/NOPE/members/export.csv").status_code == 404
    assert client.get("/networks/AQUAPOL/members/export.csv").status_code == 404


def test_members_page_links_to_the_export(directory: World) -> None:
    client = Client()
    _sign_in(client, directory, "lea_pl")
    assert MEMBERS_EXPORT.encode() in client.get("/networks/ENLETS/members/").content


def test_countries_without_an_organisation_country(directory: World) -> None:
    """A member whose organisation names no country is exported with an empty country."""
    stateless = Organisation.objects.create(name="EU body", kind=OrganisationKind.EU_AGENCY)
    person = make_user("eu@eu.test", organisation=stateless, vetted=True, display_name="EU member")
    join(person, directory.enlets)
    client = Client()
    _sign_in(client, directory, "lea_pl")
    rows = _csv_rows(client.get(MEMBERS_EXPORT).content)
    assert {"display_name": "EU member", "organisation": "EU body", "country": ""} in rows
    assert Country.objects.filter(pk="PL").exists()
