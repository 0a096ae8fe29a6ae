"""CSV import of member organisations and members (issue 4, items 5 and 7), through
``lenhub import_directory``: a dry run names every bad row with its line and reason and
writes nothing; the default import is all-or-nothing; ``--skip-invalid`` writes exactly
the good rows; importing twice changes nothing; BOM, ``;`` delimiters, blank lines and
trailing spaces are read; a file that is not UTF-8 is refused."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone

from lenhub.accounts.models import Organisation, OrganisationDomain, OrganisationKind, User, Vetting
from lenhub.accounts.selectors import vetting_current
from lenhub.audit.models import AuditEntry
from lenhub.conftest import PASSWORD, World, make_user
from lenhub.networks.models import (
    Group,
    GroupKind,
    GroupMembership,
    MembershipStatus,
    NetworkMembership,
    OrganisationMembership,
    OrganisationStatus,
)

pytestmark = pytest.mark.django_db

ORGANISATIONS_BAD = """\
name,kind,country,domains,status
Guardia Civil,gendarmerie,ES,guardiacivil.es.test,full
Policía Nacional,polizei,ES,,full
Politie,police,XX,politie.nl.test,observer
,police,PL,,full
Bundespolizei,police,DE,bundespolizei.de.test;bpol.de.test,partner
Guardia Civil,gendarmerie,ES,,observer
Hellenic Coast Guard,water_police,GR,not a domain,member
Policie ČR,police,CZ,policja.pl.test,full
"""
# line 2: good (new organisation)
# line 3: unknown kind
# line 4: unknown country
# line 5: empty name
# line 6: good (existing organisation, new domain)
# line 7: the same organisation as line 2
# line 8: bad domain and unknown status
# line 9: domain registered by the Polish Police
BAD_ORGANISATION_LINES = {
    3: ["kind: unknown kind “polizei”"],
    4: ["country: unknown country code “XX”"],
    5: ["name: is empty"],
    7: ["name: the same organisation is already on line 2"],
    8: ["domains: “not” is not a domain", "status: unknown status “member”"],
    9: ["domains: “policja.pl.test” is registered by Polish Police"],
}


def _write(tmp_path: Path, text: str | bytes, name: str = "import.csv") -> Path:
    path = tmp_path / name
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    return path


def _import(*args: Any) -> tuple[str, CommandError | None]:
    out = io.StringIO()
    try:
        call_command("import_directory", *[str(a) for a in args], stdout=out)
    except CommandError as error:
        return out.getvalue(), error
    return out.getvalue(), None


def _state() -> dict[str, Any]:
    """Everything an import may write, to compare before and after."""
    return {
        "organisations": sorted(Organisation.objects.values_list("name", "kind", "country_id")),
        "domains": sorted(OrganisationDomain.objects.values_list("domain", "organisation_id")),
        "org_memberships": sorted(
            OrganisationMembership.objects.values_list("network_id", "organisation_id", "status")
        ),
        "users": sorted(User.objects.values_list("email", "display_name", "organisation_id")),
        "emails": sorted(EmailAddress.objects.values_list("email", "verified")),
        "memberships": sorted(
            NetworkMembership.objects.values_list(
                "user_id", "network_id", "status", "expires_at", "confirmed_at"
            )
        ),
        "groups": sorted(GroupMembership.objects.values_list("user_id", "group_id")),
        "vettings": Vetting.objects.count(),
    }


def _imports_audited() -> list[dict[str, Any]]:
    return list(
        AuditEntry.objects.filter(action="directory.imported")
        .order_by("seq")
        .values_list("data", flat=True)
    )


def _bad_rows(output: str) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for match in re.finditer(r"bad row: line (\d+)(?:, (.*))?$", output, re.MULTILINE):
        found.setdefault(int(match.group(1)), []).append(match.group(2) or "")
    return found


# --- organisations ----------------------------------------------------------------------


def test_dry_run_names_every_bad_row_and_writes_nothing(world: World, tmp_path: Path) -> None:
    """Each bad line is reported with its column and reason; no row is written, not even
    the good ones, and nothing is audited."""
    path = _write(tmp_path, ORGANISATIONS_BAD)
    before, audit_before = _state(), AuditEntry.objects.count()
    output, error = _import("--network", "AQUAPOL", "--organisations", path, "--dry-run")
    assert error is not None, "a dry run that finds bad rows exits non-zero"
    bad = _bad_rows(output)
    assert set(bad) == set(BAD_ORGANISATION_LINES)
    for line, reasons in BAD_ORGANISATION_LINES.items():
        for reason in reasons:
            assert any(found.startswith(reason) for found in bad[line]), (line, reason, bad[line])
    assert "would be: 2 created, 0 updated, 0 unchanged (1 new organisations)" in output
    assert "6 bad row(s) of 8" in output
    assert _state() == before
    assert AuditEntry.objects.count() == audit_before


def test_default_import_writes_nothing_when_a_row_is_bad(world: World, tmp_path: Path) -> None:
    path = _write(tmp_path, ORGANISATIONS_BAD)
    before = _state()
    output, error = _import("--network", "AQUAPOL", "--organisations", path)
    assert error is not None
    assert "6 bad row(s)" in str(error) and "nothing was written" in str(error)
    assert set(_bad_rows(output)) == set(BAD_ORGANISATION_LINES)
    assert _state() == before
    assert not Organisation.objects.filter(name="Guardia Civil").exists()
    assert _imports_audited() == []


def test_skip_invalid_writes_exactly_the_good_rows(world: World, tmp_path: Path) -> None:
    path = _write(tmp_path, ORGANISATIONS_BAD)
    organisations_before = Organisation.objects.count()
    output, error = _import("--network", "AQUAPOL", "--organisations", path, "--skip-invalid")
    assert error is None, output
    assert set(_bad_rows(output)) == set(BAD_ORGANISATION_LINES)
    members = OrganisationMembership.objects.filter(network=world.aquapol)
    assert sorted(members.values_list("organisation__name", "status")) == [
        ("Bundespolizei", OrganisationStatus.PARTNER),
        ("Guardia Civil", OrganisationStatus.FULL),
    ]
    assert Organisation.objects.count() == organisations_before + 1
    guardia = Organisation.objects.get(name="Guardia Civil")
    assert (guardia.kind, guardia.country_id) == (OrganisationKind.GENDARMERIE, "ES")
    assert list(guardia.domains.values_list("domain", flat=True)) == ["guardiacivil.es.test"]
    assert sorted(world.police_de.domains.values_list("domain", flat=True)) == [
        "bpol.de.test",
        "bundespolizei.de.test",
    ]
    assert not Organisation.objects.filter(name__in=["Politie", "Hellenic Coast Guard"]).exists()
    [audited] = _imports_audited()
    assert audited == {
        "what": "organisations",
        "rows": 8,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "new_records": 1,
        "bad_rows": 6,
    }
    entry = AuditEntry.objects.get(action="directory.imported")
    assert entry.target == f"network:{world.aquapol.pk}"


ORGANISATIONS_GOOD = """\
name,kind,country,domains,status
Guardia Civil,gendarmerie,ES,guardiacivil.es.test;gc.es.test,full
Polish Police,police,PL,policja.pl.test,observer
"""


def test_importing_the_same_organisations_twice_changes_nothing(
    world: World, tmp_path: Path
) -> None:
    path = _write(tmp_path, ORGANISATIONS_GOOD)
    output, error = _import("--network", "AQUAPOL", "--organisations", path)
    assert error is None, output
    assert "2 created, 0 updated, 0 unchanged (1 new organisations)" in output
    after_first = _state()
    output, error = _import("--network", "AQUAPOL", "--organisations", path)
    assert error is None, output
    assert "0 created, 0 updated, 2 unchanged (0 new organisations)" in output
    assert _state() == after_first
    # a changed status is an update, and only that row changes
    _write(tmp_path, ORGANISATIONS_GOOD.replace("observer", "partner"))
    output, error = _import("--network", "AQUAPOL", "--organisations", path)
    assert "0 created, 1 updated, 1 unchanged" in output
    assert OrganisationMembership.objects.get(
        network=world.aquapol, organisation=world.police_pl
    ).status == (OrganisationStatus.PARTNER)
    assert [d["created"] for d in _imports_audited()] == [2, 0, 0]


def test_a_changed_kind_resets_the_vetting_of_the_organisations_people(
    world: World, tmp_path: Path
) -> None:
    """One network's file does not change a shared organisation's kind by accident; with
    --allow-kind-change the import changes it through the accounts service, as DESIGN §1
    requires."""
    officer = world.people["lea_pl"]
    assert vetting_current(user=officer) is not None
    path = _write(tmp_path, "name,kind,country,domains,status\nPolish Police,other,PL,,full\n")
    output, error = _import("--network", "AQUAPOL", "--organisations", path)
    assert error is not None
    assert "line 2, kind: Polish Police is “police”: changing its kind resets" in output
    assert vetting_current(user=officer) is not None
    allow = ("--allow-kind-change",)
    output, error = _import("--network", "AQUAPOL", "--organisations", path, "--dry-run", *allow)
    assert error is None
    assert "changes kind: its people need to be vetted again" in output
    assert vetting_current(user=officer) is not None, "a dry run changes nothing"
    output, error = _import("--network", "AQUAPOL", "--organisations", path, *allow)
    assert error is None, output
    world.police_pl.refresh_from_db()
    assert world.police_pl.kind == OrganisationKind.OTHER
    assert vetting_current(user=officer) is None
    assert AuditEntry.objects.filter(action="organisation.kind_changed").count() == 1


def test_organisation_names_differing_only_in_case_are_refused(
    world: World, tmp_path: Path
) -> None:
    path = _write(tmp_path, "name,kind,country,domains,status\npolish police,police,PL,,full\n")
    output, error = _import("--network", "AQUAPOL", "--organisations", path)
    assert error is not None
    assert "line 2, name: “Polish Police” exists; use its exact name" in output


# --- file handling ----------------------------------------------------------------------


def test_bom_semicolons_blank_lines_and_trailing_spaces(world: World, tmp_path: Path) -> None:
    """An Excel "CSV UTF-8" file in a European locale: BOM, ``;`` delimiters, CRLF line
    ends, quoted cells, blank lines and stray spaces. Line numbers count blank lines."""
    text = (
        "\ufeffName ; Kind ;country;domains;status \r\n"
        "\r\n"
        'Guardia Civil ;gendarmerie; es ;"guardiacivil.es.test; gc.es.test";Full \r\n'
        "  \r\n"
        "Carabinieri;GENDARMERIE;IT;;observer;;\r\n"
        "Politie;police;NL;;nonsense\r\n"
    )
    path = _write(tmp_path, text.encode("utf-8"))
    output, error = _import("--network", "AQUAPOL", "--organisations", path, "--skip-invalid")
    assert error is None, output
    reason = "status: unknown status “nonsense” (one of: observer, partner, full)"
    assert _bad_rows(output) == {6: [reason]}
    guardia = Organisation.objects.get(name="Guardia Civil", country_id="ES")
    assert sorted(guardia.domains.values_list("domain", flat=True)) == [
        "gc.es.test",
        "guardiacivil.es.test",
    ]
    carabinieri = Organisation.objects.get(name="Carabinieri")
    assert carabinieri.kind == OrganisationKind.GENDARMERIE
    assert sorted(
        OrganisationMembership.objects.filter(network=world.aquapol).values_list(
            "organisation__name", "status"
        )
    ) == [("Carabinieri", "observer"), ("Guardia Civil", "full")]


def test_a_file_that_is_not_utf8_is_refused(world: World, tmp_path: Path) -> None:
    text = "name,kind,country,domains,status\nPolicía Nacional,police,ES,,full\n"
    path = _write(tmp_path, text.encode("latin-1"))
    before = _state()
    _output, error = _import("--network", "AQUAPOL", "--organisations", path, "--skip-invalid")
    assert error is not None
    assert "is not UTF-8 text (line 2" in str(error)
    assert _state() == before
    path = _write(tmp_path, text.encode("utf-16"), "utf16.csv")
    _output, error = _import("--network", "AQUAPOL", "--organisations", path)
    assert error is not None and "not UTF-8" in str(error)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "The file is empty."),
        ("\n\n", "The file is empty."),
        ("name,kind,country\nX,police,PL\n", "lacks the column(s) domains, status"),
        ("name,kind,country,domains,status,name\n", "names a column twice: name"),
    ],
)
def test_files_without_a_usable_header_are_refused(
    world: World, tmp_path: Path, text: str, message: str
) -> None:
    path = _write(tmp_path, text)
    _output, error = _import("--network", "AQUAPOL", "--organisations", path)
    assert error is not None and message in str(error)


def test_rows_with_too_many_values_are_bad_rows(world: World, tmp_path: Path) -> None:
    """An unquoted delimiter inside a value shifts the row: reported, not guessed."""
    path = _write(tmp_path, "name,kind,country,domains,status\nPolice, Ltd,police,PL,,full\n")
    output, error = _import("--network", "AQUAPOL", "--organisations", path)
    assert error is not None
    assert "line 2: 6 values where the header has 5 columns" in output


def test_unknown_network_and_missing_file(world: World, tmp_path: Path) -> None:
    _output, error = _import("--network", "NOPE", "--organisations", tmp_path / "x.csv")
    assert error is not None and "No network" in str(error)
    _output, error = _import("--network", "enlets", "--members", tmp_path / "missing.csv")
    assert error is not None and "Cannot read" in str(error)


# --- members ----------------------------------------------------------------------------

MEMBERS_BAD = """\
email,display_name,organisation,country,groups
new.officer@policja.pl.test,Kasia,Polish Police,PL,Analysts
not-an-address,Someone,Polish Police,PL,
officer@bundespolizei.de.test,Ignored,Bundespolizei,DE,
second@policja.pl.test,Second,Polizia di Stato,IT,
third@policja.pl.test,Third,Polish Police,PL,Drone TIG
NEW.OFFICER@policja.pl.test,Again,Polish Police,PL,
,Nobody,Polish Police,PL,
fourth@policja.pl.test,,Polish Police,PL,
leaver@policja.pl.test,Leaver,Polish Police,PL,
fifth@policja.pl.test,Fifth,Polish Police,ZZ,
sixth@policja.pl.test,Sixth,Polish Police,PL,Core Group
"""
# line 2: good (new account, Analysts and the default group)
# line 3: invalid address
# line 4: good (existing member of ENLETS: unchanged, or gets the default group)
# line 5: no such organisation in Italy
# line 6: no such group in ENLETS
# line 7: duplicate address (case differs)
# line 8: empty address
# line 9: a new account needs a display name
# line 10: the person left ENLETS
# line 11: unknown country
# line 12: the core group is not joined by import
BAD_MEMBER_LINES = {
    3: ["email: “not-an-address” is not an email address"],
    5: ["organisation: no organisation named “Polizia di Stato” in IT"],
    6: ["groups: ENLETS has no group “Drone TIG”"],
    7: ["email: the same address is already on line 2"],
    8: ["email: is empty"],
    9: ["display_name: is empty (a new account needs one)"],
    10: ["email: the person left ENLETS; only they can apply again"],
    11: ["country: unknown country code “ZZ”"],
    12: ["groups: “Core Group” is a Core group: the secretariat adds its members one by one"],
}


@pytest.fixture(autouse=True)
def analysts(world: World) -> Group:
    return Group.objects.create(network=world.enlets, name="Analysts", kind=GroupKind.WORKING_GROUP)


@pytest.fixture
def welcome_group(world: World) -> Group:
    return Group.objects.create(
        network=world.enlets, name="Welcome", kind=GroupKind.OTHER, is_default=True
    )


def test_members_dry_run_names_every_bad_row(
    world: World, welcome_group: Group, tmp_path: Path
) -> None:
    path = _write(tmp_path, MEMBERS_BAD)
    before = _state()
    output, error = _import("--network", "ENLETS", "--members", path, "--dry-run")
    assert error is not None
    bad = _bad_rows(output)
    assert set(bad) == set(BAD_MEMBER_LINES)
    for line, reasons in BAD_MEMBER_LINES.items():
        for reason in reasons:
            assert any(found.startswith(reason) for found in bad[line]), (line, reason, bad[line])
    assert "would be: 1 created, 1 updated, 0 unchanged (1 new accounts)" in output
    assert _state() == before
    assert not User.objects.filter(email="new.officer@policja.pl.test").exists()


def test_members_default_import_writes_nothing(
    world: World, welcome_group: Group, tmp_path: Path
) -> None:
    path = _write(tmp_path, MEMBERS_BAD)
    before = _state()
    output, error = _import("--network", "ENLETS", "--members", path)
    assert error is not None and "9 bad row(s)" in str(error)
    assert set(_bad_rows(output)) == set(BAD_MEMBER_LINES)
    assert _state() == before
    assert _imports_audited() == []


def test_members_skip_invalid_writes_exactly_the_good_rows(
    world: World, welcome_group: Group, analysts: Group, tmp_path: Path
) -> None:
    """A new account with no usable password and an unverified address, an active
    membership for the network's membership days, the listed and the default groups,
    and no vetting; the existing member keeps their own profile."""
    path = _write(tmp_path, MEMBERS_BAD)
    users_before = User.objects.count()
    memberships_before = set(NetworkMembership.objects.values_list("pk", flat=True))
    vettings_before = Vetting.objects.count()
    output, error = _import("--network", "ENLETS", "--members", path, "--skip-invalid")
    assert error is None, output
    assert set(_bad_rows(output)) == set(BAD_MEMBER_LINES)
    assert "1 created, 1 updated, 0 unchanged (1 new accounts)" in output
    assert "Forgot your password?" in output
    assert User.objects.count() == users_before + 1
    person = User.objects.get(email="new.officer@policja.pl.test")
    assert person.display_name == "Kasia"
    assert person.organisation == world.police_pl
    assert not person.has_usable_password()
    assert list(EmailAddress.objects.filter(user=person).values_list("verified", "primary")) == [
        (False, True)
    ]
    new = NetworkMembership.objects.exclude(pk__in=memberships_before)
    [membership] = new
    assert (membership.user, membership.network, membership.status) == (
        person,
        world.enlets,
        MembershipStatus.ACTIVE,
    )
    assert membership.expires_at is not None
    expected = timezone.now() + timedelta(days=world.enlets.membership_days)
    assert abs(membership.expires_at - expected) < timedelta(minutes=1)
    assert set(GroupMembership.objects.filter(user=person).values_list("group", flat=True)) == {
        analysts.pk,
        welcome_group.pk,
    }
    existing = world.people["lea_de"]
    existing.refresh_from_db()
    assert existing.display_name != "Ignored"
    assert GroupMembership.objects.filter(user=existing, group=welcome_group).exists()
    assert Vetting.objects.count() == vettings_before, "an import vets nobody"
    assert vetting_current(user=person) is None
    [audited] = _imports_audited()
    assert audited["what"] == "members"
    assert (audited["created"], audited["updated"], audited["bad_rows"]) == (1, 1, 9)
    assert not {"email", "emails"} & set(audited), "the audit entry holds counts only"


MEMBERS_GOOD = """\
email;display_name;organisation;country;groups
new.officer@policja.pl.test;Kasia;Polish Police;PL;Analysts
officer@bundespolizei.de.test;;Bundespolizei;DE;
"""


def test_importing_the_same_members_twice_changes_nothing(world: World, tmp_path: Path) -> None:
    path = _write(tmp_path, MEMBERS_GOOD)
    output, error = _import("--network", "ENLETS", "--members", path)
    assert error is None, output
    assert "1 created, 0 updated, 1 unchanged (1 new accounts)" in output
    after_first = _state()
    output, error = _import("--network", "ENLETS", "--members", path)
    assert error is None, output
    assert "0 created, 0 updated, 2 unchanged (0 new accounts)" in output
    assert _state() == after_first


def test_expired_and_suspended_memberships_are_not_brought_back(
    world: World, tmp_path: Path
) -> None:
    """Re-running last year's file must not undo yearly re-confirmation or a suspension."""
    officer, suspended = world.people["lea_pl"], world.people["lea_de"]
    lapsed = world.people["group_leader"]
    NetworkMembership.objects.filter(user=officer, network=world.enlets).update(
        status=MembershipStatus.EXPIRED, expires_at=timezone.now() - timedelta(days=1)
    )
    NetworkMembership.objects.filter(user=lapsed, network=world.enlets).update(
        expires_at=timezone.now() - timedelta(days=1)  # housekeeping has not run yet
    )
    NetworkMembership.objects.filter(user=suspended, network=world.enlets).update(
        status=MembershipStatus.SUSPENDED
    )
    path = _write(
        tmp_path,
        "email,display_name,organisation,country,groups\n"
        "officer@policja.pl.test,,Polish Police,PL,\n"
        "officer@bundespolizei.de.test,,Bundespolizei,DE,\n"
        "leader@policja.pl.test,,Polish Police,PL,\n",
    )
    before = _state()
    output, error = _import("--network", "ENLETS", "--members", path, "--skip-invalid")
    assert error is None, output
    expired = "email: the membership of ENLETS expired: a National Contact re-confirms members"
    bad = _bad_rows(output)
    assert set(bad) == {2, 3, 4}
    assert bad[2][0].startswith(expired) and bad[4][0].startswith(expired)
    assert bad[3] == ["email: the person is suspended from ENLETS"]
    assert _state() == before


def test_an_existing_account_of_another_organisation_is_a_bad_row(
    world: World, tmp_path: Path
) -> None:
    stakeholder = world.people["stakeholder"]  # University, BE
    path = _write(
        tmp_path,
        "email,display_name,organisation,country,groups\n"
        "researcher@uni.be.test,Prof,Polish Police,PL,\n",
    )
    output, error = _import("--network", "AQUAPOL", "--members", path, "--skip-invalid")
    assert error is None, output
    assert _bad_rows(output) == {
        2: ["organisation: the account belongs to University, not to this one"]
    }
    assert not NetworkMembership.objects.filter(user=stakeholder, network=world.aquapol).exists()
    stakeholder.refresh_from_db()
    assert stakeholder.organisation == world.university


def test_an_unterminated_quote_refuses_the_file(world: World, tmp_path: Path) -> None:
    """Lenient CSV reading would fold every later line into one cell and lose them."""
    path = _write(
        tmp_path,
        "email,display_name,organisation,country,groups\n"
        'a@policja.pl.test,"Anna,Polish Police,PL,\n'
        "b@policja.pl.test,Bartek,Polish Police,PL,\n",
    )
    before = _state()
    _output, error = _import("--network", "ENLETS", "--members", path, "--skip-invalid")
    assert error is not None and "cannot be read as CSV" in str(error)
    assert _state() == before


def test_a_header_without_rows_is_refused(world: World, tmp_path: Path) -> None:
    path = _write(tmp_path, "email,display_name,organisation,country,groups\n\n")
    _output, error = _import("--network", "ENLETS", "--members", path)
    assert error is not None and "no rows under its header" in str(error)
    assert _imports_audited() == []


def test_line_breaks_in_a_value_are_a_bad_row(world: World, tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "email,display_name,organisation,country,groups\n"
        'a@policja.pl.test,"Anna\nNowak",Polish Police,PL,\n'
        "b@policja.pl.test,Bartek\u2028Nowak,Polish Police,PL,\n"
        "c@policja.pl.test,Celina,Polish Police,PL,\n",
    )
    output, error = _import("--network", "ENLETS", "--members", path, "--skip-invalid")
    assert error is None, output
    bad = _bad_rows(output)
    assert bad == {
        2: ["display_name: has a line break or a control character"],
        4: ["display_name: has a line break or a control character"],
    }
    assert "1 created" in output
    assert User.objects.filter(email="c@policja.pl.test").exists()


def test_an_imported_person_sets_a_password_through_password_reset(
    world: World, tmp_path: Path, client: Client
) -> None:
    """What the command tells the secretariat works: "Forgot your password?" mails the
    imported person a reset link although their address is not verified yet."""
    path = _write(tmp_path, MEMBERS_GOOD)
    _output, error = _import("--network", "ENLETS", "--members", path)
    assert error is None
    mail.outbox.clear()
    response = client.post("/accounts/password/reset/", {"email": "new.officer@policja.pl.test"})
    assert response.status_code == 302
    assert [message.to for message in mail.outbox] == [["new.officer@policja.pl.test"]]
    body = str(mail.outbox[0].body)
    link = re.search(r"http://[^/\s]+(/accounts/password/reset/key/\S+)", body)
    assert link is not None, body
    form = client.get(link.group(1), follow=True)
    assert form.status_code == 200
    response = client.post(
        form.redirect_chain[-1][0] if form.redirect_chain else link.group(1),
        {"password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    assert User.objects.get(email="new.officer@policja.pl.test").has_usable_password()
    # signing in asks them to verify the address first, and mails them the link
    mail.outbox.clear()
    response = client.post(
        "/accounts/login/", {"login": "new.officer@policja.pl.test", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/confirm-email/")
    assert [message.to for message in mail.outbox] == [["new.officer@policja.pl.test"]]


def test_an_account_without_organisation_gets_it_and_an_alias_is_refused(
    world: World, tmp_path: Path
) -> None:
    """An account that names no organisation gets the row's (an update); an address that
    is another account's secondary address is a bad row, not a second account."""
    loose = make_user("loose@policja.pl.test")
    EmailAddress.objects.create(user=world.people["lea_pl"], email="alias@policja.pl.test")
    path = _write(
        tmp_path,
        "email,display_name,organisation,country,groups\n"
        "loose@policja.pl.test,,Polish Police,PL,\n"
        "alias@policja.pl.test,Alias,Polish Police,PL,\n",
    )
    output, error = _import("--network", "AQUAPOL", "--members", path, "--skip-invalid")
    assert error is None, output
    assert _bad_rows(output) == {3: ["email: another account already uses this address"]}
    assert "1 created, 0 updated, 0 unchanged (0 new accounts)" in output
    loose.refresh_from_db()
    assert loose.organisation == world.police_pl
    assert not User.objects.filter(email="alias@policja.pl.test").exists()
    output, error = _import("--network", "AQUAPOL", "--members", path, "--skip-invalid")
    assert "0 created, 0 updated, 1 unchanged" in output
