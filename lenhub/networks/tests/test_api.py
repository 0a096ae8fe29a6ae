"""The directory and joining through the API: public directory, members-only lists,
apply → National Contact decides → member, leaving, scopes, CSRF and one error shape."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from lenhub.accounts.models import Role, RoleAssignment, User
from lenhub.accounts.selectors import vetting_current
from lenhub.accounts.tokens import SCOPES, token_create
from lenhub.api.errors import STATUS
from lenhub.conftest import CSRF_FIELD, World, client_sign_in
from lenhub.networks.landscape import landscape_load
from lenhub.networks.landscape_data import BODIES
from lenhub.networks.models import (
    ApplicationStatus,
    Group,
    GroupKind,
    GroupMembership,
    JoinApplication,
    MembershipStatus,
    NetworkMembership,
)

pytestmark = pytest.mark.django_db

API = "/api/v1"
DECIDER_SCOPES = ["applications:read", "applications:decide"]
APPLICANT_SCOPES = [
    "directory:read",
    "applications:read",
    "applications:write",
    "memberships:write",
]
MOTIVATION = "I buy body-worn cameras for the Polish Police and want to compare notes."


def _token(world: World, who: str, scopes: list[str]) -> str:
    return token_create(user=world.people[who], name="test", scopes=scopes).secret


def _call(method: str, path: str, token: str | None = None, body: Any = None) -> Any:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    data = json.dumps(body) if body is not None else None
    return getattr(Client(), method)(
        f"{API}{path}", data=data, content_type="application/json", **headers
    )


def _error(response: Any) -> dict[str, Any]:
    """The one error shape, with a code that matches the status."""
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "fields"}, body
    assert STATUS[body["error"]["code"]] == response.status_code, body
    assert body["error"]["message"]
    return dict(body["error"])


def _apply(token: str, acronym: str = "ENLETS", **body: str) -> Any:
    payload = {"position": "Procurement officer", "motivation": MOTIVATION, **body}
    return _call("post", f"/networks/{acronym}/applications", token, payload)


# --- the directory ----------------------------------------------------------------------


def test_public_directory_lists_every_body_to_anonymous(world: World) -> None:
    landscape_load()

    first = _call("get", "/networks?limit=100").json()
    second_page = _call("get", "/networks?limit=5&offset=5").json()

    assert first["total"] == len(BODIES) == 26
    assert {row["acronym"] for row in first["results"]} == {body["acronym"] for body in BODIES}
    assert [row["acronym"] for row in second_page["results"]] == [
        row["acronym"] for row in first["results"][5:10]
    ]
    atlas = next(row for row in first["results"] if row["acronym"] == "ATLAS")
    assert atlas["member_countries"] == 27
    assert atlas["kind"] == "eu_le_network"
    enlets = next(row for row in first["results"] if row["acronym"] == "ENLETS")
    assert enlets["umbrella"] == "LENWG"


def test_directory_filters_by_kind_country_focus_and_words(world: World) -> None:
    landscape_load()

    def acronyms(query: str) -> set[str]:
        return {
            row["acronym"] for row in _call("get", f"/networks?limit=100&{query}").json()["results"]
        }

    assert acronyms("kind=council_working_party") == {"LEWP", "HDG", "DAPIX", "CCWP"}
    assert "ATLAS" in acronyms("country=pl")
    assert "AIRPOL" not in acronyms("country=PL")  # AIRPOL lists partner countries only
    assert acronyms("focus=forensic-science") == {"ENFSI"}
    assert acronyms("q=railway") == {"RAILPOL"}
    # words matching several focus areas of one body do not multiply its counts
    matched = _call("get", "/networks?limit=100&q=o").json()["results"]
    assert next(r for r in matched if r["acronym"] == "ATLAS")["member_countries"] == 27
    assert "27 member countries" in Client().get("/networks/?q=o").content.decode()  # page too
    assert _error(_call("get", "/networks?kind=sect"))["code"] == "invalid_request"
    assert _error(_call("get", "/networks?country=POL"))["fields"][0]["field"] == "country"


def test_network_page_shows_facts_with_sources_and_no_person_names(world: World) -> None:
    landscape_load()
    for person in User.objects.all():  # names that cannot turn up by chance
        person.display_name = f"Zofia Kowalska-{person.pk}"
        person.save(update_fields=["display_name"])

    response = _call("get", "/networks/ENLETS")

    assert response.status_code == 200
    body = response.json()
    facts = {(fact["key"], fact["value"]): fact["source"] for fact in body["facts"]}
    # The sources disagree about ENLETS' size; every statement stays, with its source.
    assert facts[("member_states", "27")]["title"].startswith("ENLETS: Leading Network")
    assert facts[("national_contact_points", "28")]["date"] == "2022"
    assert facts[("member_count", "29")]["publisher"]
    assert {s["kind"] for s in body["structures"]} >= {"core_group", "tig", "secretariat"}
    assert body["umbrella"] == "LENWG"
    assert body["contact_countries"] == ["PL"]  # the world's Polish National Contact
    assert "law enforcement technology" in {area["name"] for area in body["focus"]}
    lenwg = _call("get", "/networks/LENWG").json()
    assert "ENLETS" in lenwg["member_bodies"]
    text = response.content.decode()
    for person in User.objects.all():
        assert person.email not in text
    assert "Zofia Kowalska" not in text
    assert _error(_call("get", "/networks/NOPE"))["code"] == "not_found"


# --- members only -----------------------------------------------------------------------


def test_member_list_is_for_members_of_that_network_only(world: World) -> None:
    officer = world.people["lea_de"]
    officer.show_organisation = False
    officer.display_name = "Kommissarin K"
    officer.save(update_fields=["show_organisation", "display_name"])
    member = _token(world, "lea_pl", APPLICANT_SCOPES)
    other_network = _token(world, "lea_fr_aquapol", APPLICANT_SCOPES)

    listed = _call("get", "/networks/ENLETS/members?limit=100", member)

    assert listed.status_code == 200
    rows = {row["display_name"]: row for row in listed.json()["results"]}
    assert rows["officer"] == {"display_name": "officer", "organisation": "Polish Police",
                               "country": "PL"}  # fmt: skip
    assert rows["Kommissarin K"] == {"display_name": "Kommissarin K", "organisation": None,
                                     "country": "DE"}  # fmt: skip
    assert rows["nc"]["organisation"] == "Polish Police"
    assert "leaver" not in rows  # left the network
    assert _error(_call("get", "/networks/ENLETS/members", other_network))["code"] == "not_found"
    assert _error(_call("get", "/networks/ENLETS/members"))["code"] == "not_authenticated"
    assert _error(_call("get", "/networks/NOPE/members", member))["code"] == "not_found"
    # the unvetted, the second-factor-less and leavers: not members in the policy's eyes
    no_mfa_session = Client()
    client_sign_in(no_mfa_session, "nomfa@policja.pl.test", None)
    assert no_mfa_session.get(f"{API}/networks/ENLETS/members").status_code == 404


def test_after_leaving_the_member_list_is_gone(world: World) -> None:
    token = _token(world, "lea_pl", APPLICANT_SCOPES)
    assert _call("get", "/networks/ENLETS/members", token).status_code == 200

    left = _call("delete", "/networks/ENLETS/membership", token)

    assert left.status_code == 204
    membership = NetworkMembership.objects.get(user=world.people["lea_pl"], network=world.enlets)
    assert membership.status == MembershipStatus.LEFT
    assert _error(_call("get", "/networks/ENLETS/members", token))["code"] == "not_found"
    assert _error(_call("delete", "/networks/ENLETS/membership", token))["code"] == "not_found"
    assert _error(_call("delete", "/networks/AQUAPOL/membership", token))["code"] == "not_found"


# --- joining ----------------------------------------------------------------------------


def test_apply_then_national_contact_approves_by_token(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    """An unvetted Polish officer applies from a browser session; the Polish National
    Contact approves with a token; the officer is vetted, a member, in the default group."""
    welcome = Group.objects.create(
        network=world.enlets, name="Welcome", kind=GroupKind.OTHER, is_default=True
    )
    applicant = world.people["unvetted_mfa"]
    session = Client()
    client_sign_in(session, applicant.email, world.secrets["unvetted_mfa"])
    nc = _token(world, "nc_pl", DECIDER_SCOPES)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        sent = session.post(
            f"{API}/networks/ENLETS/applications",
            data={"position": "Analyst", "motivation": MOTIVATION},
            content_type="application/json",
        )

    assert sent.status_code == 201, sent.content
    application = sent.json()
    assert {"network": "ENLETS", "status": "pending", "country": "PL",
            "organisation": "Polish Police"}.items() <= application.items()  # fmt: skip
    assert {m.to[0] for m in mail.outbox} >= {applicant.email, "nc@policja.pl.test"}
    waiting = _call("get", "/applications/to-decide", nc).json()
    assert [row["id"] for row in waiting["results"]] == [application["id"]]
    assert waiting["results"][0]["applicant"]["email"] == applicant.email
    assert session.get(f"{API}/networks/ENLETS/members").status_code == 404

    approved = _call("post", f"/applications/{application['id']}/approve", nc, {})

    assert approved.status_code == 200, approved.content
    assert approved.json()["status"] == "approved"
    assert NetworkMembership.objects.get(user=applicant, network=world.enlets).status == "active"
    assert GroupMembership.objects.filter(user=applicant, group=welcome).exists()
    assert not GroupMembership.objects.filter(user=applicant, group=world.core_group).exists()
    assert vetting_current(user=applicant) is not None  # the approval recorded the vetting
    assert session.get(f"{API}/networks/ENLETS/members").status_code == 200
    mine = session.get(f"{API}/applications/mine").json()
    assert [row["status"] for row in mine["results"]] == ["approved"]
    assert _call("get", "/applications/to-decide", nc).json()["total"] == 0
    again = _call("post", f"/applications/{application['id']}/approve", nc, {})
    assert _error(again)["code"] == "not_found"


def test_reject_needs_a_reason_the_applicant_then_sees(world: World) -> None:
    applicant = _token(world, "lea_no_network", APPLICANT_SCOPES)
    nc = _token(world, "nc_pl", DECIDER_SCOPES)
    application_id = _apply(applicant).json()["id"]
    path = f"/applications/{application_id}/reject"

    missing = _error(_call("post", path, nc, {}))
    short = _error(_call("post", path, nc, {"reason": "no"}))
    padded = _error(_call("post", path, nc, {"reason": "   no     .     "}))

    assert missing["code"] == short["code"] == padded["code"] == "invalid_request"
    assert [f["field"] for f in short["fields"]] == ["reason"]
    assert JoinApplication.objects.get(pk=application_id).status == ApplicationStatus.PENDING
    rejected = _call("post", path, nc, {"reason": "Your unit is not a technology service."})
    assert rejected.status_code == 200
    assert rejected.json()["status"] == "rejected"
    mine = _call("get", "/applications/mine", applicant).json()["results"]
    assert mine[0]["reason"] == "Your unit is not a technology service."
    assert not NetworkMembership.objects.filter(user=world.people["lea_no_network"]).exists()


def test_only_deciders_with_a_second_factor_may_decide(world: World) -> None:
    application_id = _apply(_token(world, "lea_no_network", APPLICANT_SCOPES)).json()["id"]
    no_mfa_nc = world.people["vetted_no_mfa"]
    RoleAssignment.objects.create(
        user=no_mfa_nc, role=Role.NATIONAL_CONTACT, network=world.enlets, country_id="PL"
    )
    strangers = {
        "core_de": _token(world, "core_de", DECIDER_SCOPES),  # no role for Poland
        "lea_pl": _token(world, "lea_pl", DECIDER_SCOPES),  # a plain member
        "vetted_no_mfa": _token(world, "vetted_no_mfa", DECIDER_SCOPES),  # no second factor
        "lea_no_network": _token(world, "lea_no_network", DECIDER_SCOPES),  # the applicant
    }

    for name, token in strangers.items():
        approve = _call("post", f"/applications/{application_id}/approve", token, {})
        assert _error(approve)["code"] == "not_found", name
        queue = _call("get", "/applications/to-decide", token)
        assert _error(queue)["code"] == "permission_denied", name

    assert JoinApplication.objects.get(pk=application_id).status == ApplicationStatus.PENDING
    secretariat = _token(world, "secretariat", DECIDER_SCOPES)
    approved = _call("post", f"/applications/{application_id}/approve", secretariat, {})
    assert approved.status_code == 200


def test_applying_twice_withdrawing_and_conflicts(world: World) -> None:
    token = _token(world, "lea_no_network", APPLICANT_SCOPES)
    other = _token(world, "lea_pl", APPLICANT_SCOPES)

    first = _apply(token)
    twice = _apply(token)
    member = _apply(other)  # already a member of ENLETS
    no_org = _apply(_token(world, "operator", APPLICANT_SCOPES))

    assert first.status_code == 201
    assert _error(twice)["code"] == "conflict"
    assert _error(member)["code"] == "conflict"
    assert _error(no_org)["code"] == "conflict"
    application_id = first.json()["id"]
    assert _error(_call("post", f"/applications/{application_id}/withdraw", other))["code"] == (
        "not_found"
    )
    withdrawn = _call("post", f"/applications/{application_id}/withdraw", token)
    assert withdrawn.status_code == 200
    assert withdrawn.json()["status"] == "withdrawn"
    again = _call("post", f"/applications/{application_id}/withdraw", token)
    assert _error(again)["code"] == "not_found"
    assert _apply(token).status_code == 201  # may apply again after withdrawing


def test_application_bodies_are_validated(world: World) -> None:
    token = _token(world, "lea_no_network", APPLICANT_SCOPES)

    cases = [
        {"position": "", "motivation": MOTIVATION},
        {"position": "   ", "motivation": MOTIVATION},
        {"position": "x" * 121, "motivation": MOTIVATION},
        {"position": "Analyst", "motivation": "too short"},
        {"position": "Analyst", "motivation": " " * 20 + "x"},
        {"position": "Analyst\x00", "motivation": MOTIVATION},
        {"position": "Analyst"},
    ]
    for body in cases:
        response = _call("post", "/networks/ENLETS/applications", token, body)
        assert _error(response)["code"] == "invalid_request", body
    assert not JoinApplication.objects.exists()
    assert _error(_apply(token, acronym="NOPE"))["code"] == "not_found"
    assert _error(_apply(None))["code"] == "not_authenticated"  # type: ignore[arg-type]
    # a path that matches no operation answers in the same shape, for unsafe methods too
    strict = Client(enforce_csrf_checks=True)  # as a real HTTP client: no CSRF exemption
    assert _error(strict.post(f"{API}/applications/abc/withdraw"))["code"] == "not_found"
    assert _error(_call("post", "/applications/abc/withdraw", token))["code"] == "not_found"


# --- conventions ------------------------------------------------------------------------


def test_token_scopes_are_enforced(world: World) -> None:
    assert {"directory:read", "applications:read", "applications:write",
            "applications:decide", "memberships:write"} <= set(SCOPES)  # fmt: skip
    news_only = _token(world, "lea_pl", ["news:read"])
    directory_only = _token(world, "lea_no_network", ["directory:read"])
    reader = _token(world, "nc_pl", ["applications:read"])
    application_id = _apply(_token(world, "lea_no_network", APPLICANT_SCOPES)).json()["id"]

    refused = [
        _call("get", "/networks", news_only),
        _call("get", "/networks/ENLETS", news_only),
        _call("get", "/networks/ENLETS/members", news_only),
        _call("delete", "/networks/ENLETS/membership", news_only),
        _apply(directory_only),
        _call("get", "/applications/mine", directory_only),
        _call("post", f"/applications/{application_id}/withdraw", directory_only),
        _call("post", f"/applications/{application_id}/approve", reader, {}),
        _call("post", f"/applications/{application_id}/reject", reader, {"reason": "x" * 12}),
    ]

    assert [_error(r)["code"] for r in refused] == ["insufficient_scope"] * len(refused)
    membership = NetworkMembership.objects.get(user=world.people["lea_pl"], network=world.enlets)
    assert membership.status == MembershipStatus.ACTIVE
    assert JoinApplication.objects.get(pk=application_id).status == ApplicationStatus.PENDING
    scopes = {row["name"] for row in _call("get", "/scopes").json()}
    assert "applications:decide" in scopes


def test_session_callers_need_the_csrf_token(world: World) -> None:
    client = Client()
    client_sign_in(client, "lone@policja.pl.test", world.secrets["lea_no_network"])
    client.handler.enforce_csrf_checks = True  # from here on, as a browser
    body = {"position": "Analyst", "motivation": MOTIVATION}

    refused = client.post(
        f"{API}/networks/ENLETS/applications", data=body, content_type="application/json"
    )
    left = client.delete(f"{API}/networks/ENLETS/membership")

    assert _error(refused)["code"] == _error(left)["code"] == "csrf_failed"
    form = CSRF_FIELD.search(client.get("/networks/ENLETS/join/").content.decode())
    assert form  # the cookie is HttpOnly: a script takes the token from the page
    accepted = client.post(
        f"{API}/networks/ENLETS/applications",
        data=body,
        content_type="application/json",
        HTTP_X_CSRFTOKEN=form.group(1),
    )
    assert accepted.status_code == 201, accepted.content


def test_every_new_operation_is_in_the_schema_with_its_errors(db: Any) -> None:
    schema = Client().get(f"{API}/openapi.json").json()
    expected = {
        ("get", "/api/v1/networks"): {"401", "403", "422"},
        ("get", "/api/v1/networks/{acronym}"): {"401", "404", "422"},
        ("get", "/api/v1/networks/{acronym}/members"): {"401", "403", "404", "422"},
        ("post", "/api/v1/networks/{acronym}/applications"): {"201", "401", "404", "409", "422"},
        ("delete", "/api/v1/networks/{acronym}/membership"): {"204", "401", "404", "422"},
        ("get", "/api/v1/applications/mine"): {"401", "403", "422"},
        ("get", "/api/v1/applications/to-decide"): {"401", "403", "422"},
        ("post", "/api/v1/applications/{application_id}/withdraw"): {"401", "404", "422"},
        ("post", "/api/v1/applications/{application_id}/approve"): {"401", "403", "404", "422"},
        ("post", "/api/v1/applications/{application_id}/reject"): {"401", "404", "422"},
    }
    for (method, path), statuses in expected.items():
        assert statuses <= set(schema["paths"][path][method]["responses"]), (method, path)
    reject = schema["paths"]["/api/v1/applications/{application_id}/reject"]["post"]
    assert reject["requestBody"]["required"] is True
