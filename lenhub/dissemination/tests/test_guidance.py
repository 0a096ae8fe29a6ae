"""Top-down guidance: publishing to an audience, relaying to a country, reading and
acknowledging, and reach per country, through the services, the pages and the API."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import Client

from lenhub.access.policy import AudienceError, viewer_for_user
from lenhub.access.services import restricted_set_audience
from lenhub.accounts.models import Role, RoleAssignment, User
from lenhub.accounts.tokens import token_create
from lenhub.audit.models import AuditEntry
from lenhub.conftest import World, client_sign_in, join
from lenhub.dissemination.models import Guidance, GuidanceReceipt, GuidanceRelay
from lenhub.dissemination.services import guidance_acknowledge, guidance_publish, guidance_relay
from lenhub.monitoring.models import Notification, UpdateKind
from lenhub.monitoring.services import preferences_set
from lenhub.networks.models import Network

pytestmark = pytest.mark.django_db

TITLE = "Handling seized drones"
BODY = "Keep the batteries apart and photograph the flight controller first."


@pytest.fixture
def commit(django_capture_on_commit_callbacks: Any) -> Any:
    """Run what waits for the commit (notifications, emails) at the end of the block."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def publish(
    world: World,
    *,
    audience: list[str] | None = None,
    tlp: str = "GREEN",
    network: Network | None = None,
    by: str = "secretariat",
    **fields: Any,
) -> Guidance:
    actor = world.people[by]
    network = network or world.enlets
    return guidance_publish(
        actor=actor,
        viewer=viewer_for_user(actor, mfa_verified=True),
        network=network,
        kind=fields.pop("kind", "guideline"),
        title=fields.pop("title", TITLE),
        summary=fields.pop("summary", "What to do with a seized drone."),
        body=fields.pop("body", BODY),
        audience=audience or [f"network:{network.pk}"],
        tlp=tlp,
        **fields,
    )


def narrow(world: World, guidance: Guidance, atom: str) -> None:
    restricted_set_audience(
        item=guidance,
        audience=[f"network:{world.enlets.pk}", atom],
        tlp=guidance.tlp,
        actor=world.people["secretariat"],
        published=True,
    )


def notified(guidance: Guidance, kind: str = UpdateKind.GUIDANCE_PUBLISHED) -> set[str]:
    return set(
        Notification.objects.filter(update__guidance=guidance, update__kind=kind).values_list(
            "user__email", flat=True
        )
    )


def emails(world: World, *personas: str) -> set[str]:
    return {world.people[p].email for p in personas}


def token(user: User, scopes: str = "guidance:read,guidance:write") -> dict[str, str]:
    return {"Authorization": f"Bearer {token_create(user=user, name='t', scopes=scopes).secret}"}


# --- publishing -------------------------------------------------------------------------


def test_publishing_notifies_everyone_in_the_audience_who_may_see_it(
    world: World, commit: Any
) -> None:
    """The network's active members who may read it are notified once; members without
    a second factor or with lapsed vetting, and members of other networks, are not. A
    TLP:GREEN email carries the full content; publishing is audited."""
    mail.outbox = []
    with commit():
        guidance = publish(world)

    members = ("stakeholder", "lea_pl", "lea_de", "nc_pl", "core_de", "group_leader", "secretariat")
    assert notified(guidance) == emails(world, *members)
    sent = {m.to[0]: m for m in mail.outbox}
    assert set(sent) == emails(world, *members)
    message = sent[world.people["lea_pl"].email]
    assert TITLE in message.subject
    assert BODY in message.body and "TLP:GREEN" in message.body
    assert f"/guidance/{guidance.pk}/" in message.body
    entry = AuditEntry.objects.get(action="guidance.published")
    assert entry.target == f"dissemination.guidance:{guidance.pk}"


def test_an_amber_email_says_only_that_there_is_new_guidance(world: World, commit: Any) -> None:
    """TLP:AMBER: the email has neither the title nor the text, only a link."""
    mail.outbox = []
    with commit():
        guidance = publish(world, tlp="AMBER", title="Sealed title xq", body="Sealed text zq")

    assert len(mail.outbox) == 7
    for message in mail.outbox:
        text = f"{message.subject}\n{message.body}"
        assert "xq" not in text and "zq" not in text and "What to do" not in text
        assert f"/guidance/{guidance.pk}/" in message.body


def test_people_who_opted_out_get_the_notice_but_no_email(world: World, commit: Any) -> None:
    preferences_set(user=world.people["lea_pl"], email_updates=False)
    mail.outbox = []
    with commit():
        guidance = publish(world)

    assert world.people["lea_pl"].email in notified(guidance)
    assert world.people["lea_pl"].email not in {m.to[0] for m in mail.outbox}


def test_only_the_secretariat_publishes(world: World) -> None:
    with pytest.raises(PermissionDenied):
        publish(world, by="nc_pl")
    with pytest.raises(PermissionDenied):  # secretariat of ENLETS, not of AQUAPOL
        publish(world, network=world.aquapol, audience=[f"network:{world.enlets.pk}"])


@pytest.mark.parametrize(
    "audience",
    [["members"], ["lea"], ["network:{aquapol}"], ["country:PL"]],
)
def test_the_audience_is_the_network_or_narrower(world: World, audience: list[str]) -> None:
    atoms = [a.format(aquapol=world.aquapol.pk) for a in audience]
    with pytest.raises(AudienceError):
        publish(world, audience=atoms)
    assert not Guidance.objects.exists()


def test_narrower_and_public_audiences(world: World) -> None:
    """A group of the network (one the secretariat belongs to: authors address only
    readers they are among), and (for the secretariat, who may widen) the public with
    TLP:CLEAR."""
    join(world.people["secretariat"], world.enlets, world.core_group)
    publish(world, audience=[f"group:{world.core_group.pk}"], tlp="AMBER")
    publish(world, audience=["public"], tlp="CLEAR")
    with pytest.raises(AudienceError):
        publish(world, audience=["public"], tlp="GREEN")


def _guidance_body(world: World, changes: dict[str, Any] | None = None) -> dict[str, Any]:
    body = {
        "network": "enlets",
        "kind": "directive",
        "title": TITLE,
        "summary": "What to do with a seized drone.",
        "body": BODY,
        "reference": "ENLETS/2026/7",
        "source_url": "https://enlets.example/drones",
        "requires_acknowledgement": False,
        "audience": [f"network:{world.enlets.pk}"],
        "tlp": "AMBER",
    }
    return body | (changes or {})


def _publish_api(body: Any, headers: dict[str, str]) -> Any:
    return Client().post("/api/v1/guidance", body, content_type="application/json", headers=headers)


def test_publish_by_api(world: World, commit: Any) -> None:
    with commit():
        response = _publish_api(_guidance_body(world), token(world.people["secretariat"]))

    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["kind"], data["tlp"], data["network"]) == ("directive", "TLP:AMBER", "ENLETS")
    assert data["audience"] == [f"network:{world.enlets.pk}"]
    assert data["requires_acknowledgement"] is False and data["body"] == BODY
    officer = Client().get(f"/api/v1/guidance/{data['id']}", headers=token(world.people["lea_pl"]))
    assert officer.status_code == 200 and officer.json()["reference"] == "ENLETS/2026/7"
    outsider = Client().get(
        f"/api/v1/guidance/{data['id']}", headers=token(world.people["lea_fr_aquapol"])
    )
    assert outsider.status_code == 404  # another network's officer: not in the audience
    guidance = Guidance.objects.get()
    assert world.people["lea_pl"].email in notified(guidance)
    assert world.people["lea_fr_aquapol"].email not in notified(guidance)
    assert AuditEntry.objects.filter(action="guidance.published").count() == 1


@pytest.mark.parametrize(
    "persona, scopes",
    [
        ("secretariat", "guidance:read"),
        ("nc_pl", "guidance:read,guidance:write"),
        ("lea_pl", "guidance:read,guidance:write"),
    ],
)
def test_publish_by_api_is_for_the_secretariat_with_the_write_scope(
    world: World, persona: str, scopes: str
) -> None:
    response = _publish_api(_guidance_body(world), token(world.people[persona], scopes))

    assert response.status_code == 403
    expected = "insufficient_scope" if persona == "secretariat" else "permission_denied"
    assert response.json()["error"]["code"] == expected
    assert not Guidance.objects.exists()


@pytest.mark.parametrize(
    "changes",
    [
        {"kind": "order"},
        {"title": "  "},
        {"body": ""},
        {"tlp": "RED"},
        {"audience": ["members"]},
        {"audience": ["public"]},  # GREEN can never be public
        {"audience": ["network:{aquapol}"]},
        {"source_url": "javascript:alert(1)"},
        {"requires_acknowledgement": "yes"},
        {"network": "AQUAPOL", "audience": ["network:{aquapol}"]},  # not its secretariat
        {"network": "NOPE"},
    ],
)
def test_publish_by_api_refuses_invalid_bodies(world: World, changes: dict[str, Any]) -> None:
    if "audience" in changes:
        changes["audience"] = [a.format(aquapol=world.aquapol.pk) for a in changes["audience"]]
    body = _guidance_body(world, {"tlp": "GREEN"} | changes)

    response = _publish_api(body, token(world.people["secretariat"]))

    assert response.status_code in (403, 404, 422), response.content
    assert response.json()["error"]["message"]
    assert not Guidance.objects.exists()


# --- relaying ---------------------------------------------------------------------------


def test_a_national_contact_relays_to_their_own_country(world: World, commit: Any) -> None:
    """Notified: the people of Poland in the audience who may see it (not the National
    Contact, not the Germans, not members without a second factor or vetting)."""
    with commit():
        guidance = publish(world)
    mail.outbox = []
    nc = world.people["nc_pl"]
    with commit():
        relay = guidance_relay(
            actor=nc,
            viewer=viewer_for_user(nc, mfa_verified=True),
            guidance=guidance,
            note="Please read before Friday.",
        )

    relayed = notified(guidance, UpdateKind.GUIDANCE_RELAYED)
    assert relayed == emails(world, "lea_pl", "group_leader", "secretariat")
    assert (relay.country_code, relay.recipients) == ("PL", 3)
    assert all("Please read before Friday." in m.body for m in mail.outbox)
    assert AuditEntry.objects.filter(action="guidance.relayed").count() == 1


def test_a_relay_reaches_only_those_who_may_see_it(world: World, commit: Any) -> None:
    """Guidance narrowed to the network's LEA after publication: the secretariat (a
    research body) is not relayed to."""
    guidance = publish(world)
    narrow(world, guidance, "lea")
    nc = world.people["nc_pl"]
    relay = guidance_relay(
        actor=nc, viewer=viewer_for_user(nc, mfa_verified=True), guidance=guidance
    )

    assert notified(guidance, UpdateKind.GUIDANCE_RELAYED) == emails(
        world, "lea_pl", "group_leader"
    )
    assert relay.recipients == 2


def test_relaying_is_for_national_contacts_of_their_country_only(world: World) -> None:
    guidance = publish(world)
    nc, officer = world.people["nc_pl"], world.people["lea_pl"]
    with pytest.raises(PermissionDenied):
        guidance_relay(
            actor=nc, viewer=viewer_for_user(nc, mfa_verified=True), guidance=guidance, country="DE"
        )
    with pytest.raises(PermissionDenied):
        guidance_relay(
            actor=officer, viewer=viewer_for_user(officer, mfa_verified=True), guidance=guidance
        )
    hidden = publish(world)
    narrow(world, hidden, "country:DE")
    with pytest.raises(Http404):
        guidance_relay(actor=nc, viewer=viewer_for_user(nc, mfa_verified=True), guidance=hidden)
    assert not GuidanceRelay.objects.exists()


def test_relay_by_api(world: World) -> None:
    guidance = publish(world)
    client = Client()

    relayed = client.post(
        f"/api/v1/guidance/{guidance.pk}/relays",
        {"note": "n"},
        content_type="application/json",
        headers=token(world.people["nc_pl"]),
    )
    refused = client.post(
        f"/api/v1/guidance/{guidance.pk}/relays",
        {"country": "PL"},
        content_type="application/json",
        headers=token(world.people["lea_pl"]),
    )

    assert relayed.status_code == 201, relayed.content
    assert (relayed.json()["country"], relayed.json()["recipients"]) == ("PL", 3)
    assert refused.status_code == 403


# --- reading, acknowledging, reach ------------------------------------------------------


@pytest.fixture
def atlas(world: World) -> tuple[Network, Guidance]:
    """A network of three: the secretariat and an officer in Poland, one in Germany."""
    atlas = Network.objects.create(acronym="ATLAS", name="ATLAS")
    for persona in ("secretariat", "lea_pl", "lea_de"):
        join(world.people[persona], atlas)
    RoleAssignment.objects.create(
        user=world.people["secretariat"], role=Role.SECRETARIAT, network=atlas
    )
    return atlas, publish(world, network=atlas)


def test_acknowledging_twice_keeps_the_first_time(world: World, atlas: Any) -> None:
    _network, guidance = atlas
    officer = world.people["lea_pl"]
    viewer = viewer_for_user(officer, mfa_verified=True)

    first = guidance_acknowledge(user=officer, viewer=viewer, guidance=guidance)
    second = guidance_acknowledge(user=officer, viewer=viewer, guidance=guidance)

    assert first.acknowledged_at is not None
    assert second.acknowledged_at == first.acknowledged_at
    assert GuidanceReceipt.objects.filter(guidance=guidance).count() == 1
    assert first.country_code == "PL"


def test_reach_per_country(world: World, atlas: Any) -> None:
    """Three people in two countries; two open it, one acknowledges: the figures per
    country and in total, by API and on the page."""
    _network, guidance = atlas
    client = Client()
    opened = {}
    for persona in ("lea_pl", "lea_de"):
        response = client.get(
            f"/api/v1/guidance/{guidance.pk}", headers=token(world.people[persona])
        )
        assert response.status_code == 200
        opened[persona] = response.json()["receipt"]
        assert opened[persona]["acknowledged_at"] is None
    again = client.get(f"/api/v1/guidance/{guidance.pk}", headers=token(world.people["lea_pl"]))
    acked = client.post(
        f"/api/v1/guidance/{guidance.pk}/acknowledge", headers=token(world.people["lea_de"])
    )
    assert acked.status_code == 200 and acked.json()["acknowledged_at"]
    assert again.json()["receipt"]["opened_at"] == opened["lea_pl"]["opened_at"]  # the first

    reach = client.get(
        f"/api/v1/guidance/{guidance.pk}/reach", headers=token(world.people["secretariat"])
    ).json()

    rows = {row["country"]: row for row in reach["countries"]}
    assert set(rows) == {"PL", "DE"}
    assert (rows["PL"]["audience"], rows["PL"]["opened"], rows["PL"]["acknowledged"]) == (2, 1, 0)
    assert (rows["PL"]["opened_percent"], rows["PL"]["acknowledged_percent"]) == (50, 0)
    assert (rows["DE"]["audience"], rows["DE"]["opened"], rows["DE"]["acknowledged"]) == (1, 1, 1)
    assert (rows["DE"]["opened_percent"], rows["DE"]["acknowledged_percent"]) == (100, 100)
    total = reach["total"]
    assert (total["audience"], total["opened"], total["acknowledged"]) == (3, 2, 1)
    assert (total["opened_percent"], total["acknowledged_percent"]) == (67, 33)

    client_sign_in(client, world.people["secretariat"].email, world.secrets["secretariat"])
    page = client.get(f"/guidance/{guidance.pk}/reach/").content.decode()
    assert '<tr data-country="DE">' in page
    row = page[page.find('<tr data-country="PL">') :]
    assert "<td>2</td><td>1</td><td>50%</td>" in row
    total_row = page[page.find('<tr data-country="total">') :]
    assert "<td>3</td><td>2</td><td>67%</td>" in total_row


def test_a_national_contact_sees_the_reach_of_their_country_only(world: World, commit: Any) -> None:
    with commit():
        guidance = publish(world)
    client = Client()

    reach = client.get(
        f"/api/v1/guidance/{guidance.pk}/reach", headers=token(world.people["nc_pl"])
    ).json()

    assert [row["country"] for row in reach["countries"]] == ["PL"]
    # lea_pl, nc_pl, group_leader, secretariat (PPHS is Polish)
    assert reach["total"]["audience"] == 4


@pytest.mark.parametrize("persona", ["lea_pl", "core_de", "stakeholder", "lea_fr_aquapol"])
def test_nobody_else_sees_reach(world: World, persona: str) -> None:
    guidance = publish(world, audience=["public"], tlp="CLEAR")
    client = Client()

    api = client.get(f"/api/v1/guidance/{guidance.pk}/reach", headers=token(world.people[persona]))
    client_sign_in(client, world.people[persona].email, world.secrets[persona])
    page = client.get(f"/guidance/{guidance.pk}/reach/")

    assert api.status_code == 404
    assert page.status_code == 404


def test_the_page_records_opening_and_takes_the_acknowledgement(world: World) -> None:
    guidance = publish(world)
    client = Client()
    client_sign_in(client, world.people["lea_pl"].email, world.secrets["lea_pl"])

    page = client.get(f"/guidance/{guidance.pk}/").content.decode()
    listed = client.get("/guidance/").content.decode()
    client.post(f"/guidance/{guidance.pk}/acknowledge/")
    client.post(f"/guidance/{guidance.pk}/acknowledge/")
    after = client.get(f"/guidance/{guidance.pk}/").content.decode()

    assert "TLP:GREEN" in page and BODY in page
    assert "I have read and understood" in page
    assert "To acknowledge" in listed
    assert "I have read and understood" not in after
    assert "You acknowledged that you have read and understood it" in after
    receipt = GuidanceReceipt.objects.get(guidance=guidance, user=world.people["lea_pl"])
    assert receipt.acknowledged_at is not None
    assert "Relay to your country" not in page and "Reach per country" not in page


def test_the_national_contact_page_offers_relay_and_reach(world: World) -> None:
    guidance = publish(world)
    client = Client()
    client_sign_in(client, world.people["nc_pl"].email, world.secrets["nc_pl"])

    page = client.get(f"/guidance/{guidance.pk}/").content.decode()
    relayed = client.post(f"/guidance/{guidance.pk}/relay/", {"country": "PL", "note": ""})

    assert "Relay to your country" in page and "Reach per country" in page
    assert relayed.status_code == 302
    assert GuidanceRelay.objects.get().recipients == 3


def test_anonymous_visitors_see_only_public_guidance(world: World) -> None:
    public = publish(world, audience=["public"], tlp="CLEAR", title="Open advice pq")
    closed = publish(world, title="Members advice rq")
    client = Client()

    listed = client.get("/guidance/").content.decode()
    api = client.get("/api/v1/guidance").json()

    assert "Open advice pq" in listed and "Members advice rq" not in listed
    assert [item["id"] for item in api["results"]] == [public.pk]
    assert client.get(f"/guidance/{closed.pk}/").status_code == 404
    assert client.get(f"/api/v1/guidance/{closed.pk}").status_code == 404
    assert client.get(f"/guidance/{public.pk}/").status_code == 200
    assert not GuidanceReceipt.objects.exists()  # a visitor's reading is not recorded


def test_publishing_page(world: World, commit: Any) -> None:
    client = Client()
    client_sign_in(client, world.people["secretariat"].email, world.secrets["secretariat"])
    form = client.get("/guidance/new/").content.decode()
    assert f'value="network:{world.enlets.pk}"' in form
    assert f'value="network:{world.aquapol.pk}"' not in form

    with commit():
        response = client.post(
            "/guidance/new/",
            {
                "network": world.enlets.pk,
                "kind": "directive",
                "title": "New rule",
                "body": "Text.",
                "audience": f"network:{world.enlets.pk}",
                "tlp": "AMBER",
                "requires_acknowledgement": "on",
            },
        )

    guidance = Guidance.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/guidance/{guidance.pk}/"
    assert (guidance.kind, guidance.tlp, guidance.published_by) == (
        "directive",
        "AMBER",
        world.people["secretariat"],
    )
    assert len(notified(guidance)) == 7


def test_the_publishing_page_is_for_the_secretariat(world: World) -> None:
    client = Client()
    client_sign_in(client, world.people["nc_pl"].email, world.secrets["nc_pl"])

    assert client.get("/guidance/new/").status_code == 403


def test_notifications_name_guidance_for_who_may_see_it(world: World, commit: Any) -> None:
    with commit():
        guidance = publish(world, tlp="AMBER", title="Amber advice kq")
    client = Client()

    mine = client.get(
        "/api/v1/monitoring/notifications", headers=token(world.people["lea_pl"], "monitoring:read")
    ).json()

    (row,) = mine["results"]
    assert "Amber advice kq" in row["update"]["title"]
    assert row["update"]["tlp"] == "TLP:AMBER"
    assert row["update"]["url"] == f"/guidance/{guidance.pk}/"
