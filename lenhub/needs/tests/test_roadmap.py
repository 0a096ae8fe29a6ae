"""Roadmap versions: built from a closed round, withholding what does not reach the
roadmap's whole audience (when built, published and read), evidence filtered the same
way, published to the audience, versions compared. Pages and API through real clients."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from lenhub.access.services import restricted_set_audience
from lenhub.accounts.tokens import token_create
from lenhub.audit.models import AuditEntry
from lenhub.conftest import World
from lenhub.monitoring.models import Notification, UpdateKind
from lenhub.needs import roadmap
from lenhub.needs.models import Coverage, RoadmapVersion, Section
from lenhub.needs.tests.roadmap_world import (
    RoadmapWorld,
    build_roadmap_world,
    closed_round,
    link,
    make_need,
    signed_in,
    viewer,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def rw(world: World) -> RoadmapWorld:
    return build_roadmap_world(world)


def create(rw: RoadmapWorld, *, tlp: str = "GREEN", round_: Any = None) -> RoadmapVersion:
    world = rw.world
    secretariat = world.people["secretariat"]
    return roadmap.roadmap_create(
        viewer=viewer(secretariat),
        actor=secretariat,
        network=world.enlets,
        round_id=(round_ or rw.round).pk,
        title="ENLETS roadmap",
        introduction="What ENLETS members asked for.",
        audience=[f"network:{world.enlets.pk}"],
        tlp=tlp,
    )


def publish(rw: RoadmapWorld, version: RoadmapVersion) -> RoadmapVersion:
    secretariat = rw.world.people["secretariat"]
    return roadmap.roadmap_publish(viewer=viewer(secretariat), actor=secretariat, version=version)


def titles(view: roadmap.RoadmapView) -> list[str]:
    return [entry.title for entry in view.entries]


def test_narrower_and_stricter_needs_are_withheld_from_a_network_green_roadmap(
    rw: RoadmapWorld,
) -> None:
    """A need for LEA only, an AMBER need and a RED need never reach a roadmap for all
    ENLETS members at TLP:GREEN; the rest is ranked into its section."""
    version = create(rw)
    entries = {e.need_id: e for e in version.entries.all()}
    needs = rw.needs
    assert entries[needs["lea_only"].pk].withheld_reason == roadmap.WITHHELD_AUDIENCE
    assert entries[needs["amber"].pk].withheld_reason == roadmap.WITHHELD_LABEL
    assert entries[needs["red"].pk].withheld_reason == roadmap.WITHHELD_PARTICIPANTS
    assert not entries[needs["top"].pk].withheld
    assert entries[needs["top"].pk].section == Section.TECHNOLOGY_NEEDS
    assert entries[needs["challenge"].pk].section == Section.RESEARCH_CHALLENGES
    assert entries[needs["gap"].pk].section == Section.GAPS
    # lea_pl is LEA and may read the lea-only and AMBER needs, yet the roadmap leaves them out
    view = roadmap.roadmap_view(viewer(rw.world.people["lea_pl"]), version)
    assert titles(view) == [needs[k].title for k in ("challenge", "top", "gap")]
    assert view.withheld is None


def test_only_the_secretariat_sees_what_was_withheld_and_why(rw: RoadmapWorld) -> None:
    version = publish(rw, create(rw))
    world = rw.world
    secretariat = signed_in(world, "secretariat")
    officer = signed_in(world, "lea_pl")
    url = version.get_absolute_url()
    mine = secretariat.get(url).content.decode()
    assert "Withheld from this roadmap" in mine
    assert rw.needs["amber"].title in mine and "TLP label is stricter" in mine
    # the secretariat (not LEA) may not read the LEA-only need: the reason, not its title
    assert "audience is narrower" in mine and "(a need you may not read)" in mine
    assert rw.needs["lea_only"].title not in mine
    theirs = officer.get(url).content.decode()
    assert "TLP:GREEN" in theirs and rw.needs["top"].title in theirs
    assert "Withheld" not in theirs
    for key in ("lea_only", "amber", "red"):
        assert rw.needs[key].title not in theirs
    api = officer.get(f"/api/v1/roadmaps/ENLETS/versions/{version.version}").json()
    assert api["withheld"] is None
    assert [e["title"] for s in api["sections"] for e in s["entries"]] == [
        rw.needs[k].title for k in ("challenge", "top", "gap")
    ]
    managed = secretariat.get(f"/api/v1/roadmaps/ENLETS/versions/{version.version}").json()
    assert {w["need_id"] for w in managed["withheld"]} == {
        rw.needs[k].pk for k in ("lea_only", "amber", "red")
    }


def test_evidence_is_shown_only_when_it_reaches_the_whole_audience(rw: RoadmapWorld) -> None:
    """The AMBER and the LEA-only results confirmed for the top need are left out: only
    the public result is evidence, even for a reader who may read all three."""
    version = create(rw)
    view = roadmap.roadmap_view(viewer(rw.world.people["lea_pl"]), version)
    top = view.entry_for(rw.needs["top"].pk)
    assert top is not None
    assert [e.title for e in top.evidence] == ["Open drone radar"]


def test_a_need_narrowed_after_publication_disappears(rw: RoadmapWorld) -> None:
    version = publish(rw, create(rw))
    gap = rw.needs["gap"]
    officer = signed_in(rw.world, "lea_pl")
    assert gap.title in officer.get(version.get_absolute_url()).content.decode()
    restricted_set_audience(
        item=gap, audience=[f"network:{rw.world.enlets.pk}", "lea"], tlp="GREEN", actor=None
    )
    page = officer.get(version.get_absolute_url()).content.decode()
    assert gap.title not in page  # lea_pl may read the need, but not all the audience may
    view = roadmap.roadmap_view(viewer(rw.world.people["secretariat"]), version, manage=True)
    assert view.withheld is not None
    assert gap.pk in {w.entry.need_id for w in view.withheld}


def test_drafts_are_for_the_secretariat_and_published_versions_for_the_audience(
    rw: RoadmapWorld,
) -> None:
    world = rw.world
    version = create(rw)
    url = version.get_absolute_url()
    officer = signed_in(world, "lea_pl")
    outsider = signed_in(world, "lea_fr_aquapol")
    assert officer.get(url).status_code == 404
    secretariat = signed_in(world, "secretariat")
    draft = secretariat.get(url).content.decode()
    assert "Publish this version" in draft
    response = secretariat.post(f"/roadmaps/ENLETS/v{version.version}/publish/")
    assert response.status_code == 302
    version.refresh_from_db()
    assert version.status == "published"
    assert AuditEntry.objects.filter(action="roadmap.published").exists()
    assert officer.get(url).status_code == 200
    assert officer.get("/roadmaps/ENLETS/").status_code == 200
    assert "ENLETS roadmap" in officer.get("/roadmaps/").content.decode()
    assert outsider.get(url).status_code == 404
    assert outsider.get("/roadmaps/ENLETS/").status_code == 404
    assert "ENLETS roadmap" not in outsider.get("/roadmaps/").content.decode()
    from django.test import Client

    assert Client().get(url).status_code == 404
    with pytest.raises(ValidationError):
        publish(rw, version)  # frozen


def test_publishing_notifies_audience_members_who_may_read_it(rw: RoadmapWorld) -> None:
    version = publish(rw, create(rw))
    notified = set(
        Notification.objects.filter(
            update__kind=UpdateKind.ROADMAP_PUBLISHED, update__roadmap=version
        ).values_list("user_id", flat=True)
    )
    people = rw.world.people
    assert people["lea_pl"].pk in notified and people["stakeholder"].pk in notified
    assert people["lea_fr_aquapol"].pk not in notified  # another network
    assert people["leaver"].pk not in notified and people["vetted_no_mfa"].pk not in notified
    again = roadmap.roadmap_notify(version=version)
    assert again == 0


def test_only_the_secretariat_builds_a_roadmap(rw: RoadmapWorld) -> None:
    world = rw.world
    officer = world.people["lea_pl"]
    with pytest.raises(PermissionDenied):
        roadmap.roadmap_create(
            viewer=viewer(officer), actor=officer, network=world.enlets, round_id=rw.round.pk,
            title="Mine", introduction="", audience=[f"network:{world.enlets.pk}"], tlp="GREEN",
        )  # fmt: skip
    assert signed_in(world, "lea_pl").get("/roadmaps/ENLETS/new/").status_code == 404
    client = signed_in(world, "secretariat")
    page = client.get("/roadmaps/ENLETS/new/")
    assert page.status_code == 200 and "Round" in page.content.decode()
    response = client.post(
        "/roadmaps/ENLETS/new/",
        {
            "round": rw.round.pk,
            "title": "Built on the page",
            "introduction": "",
            "audience": f"network:{world.enlets.pk}",
            "tlp": "GREEN",
        },
    )
    assert response.status_code == 302
    assert RoadmapVersion.objects.get(title="Built on the page").version == 1


def test_versions_count_per_network_and_the_diff_says_what_moved(rw: RoadmapWorld) -> None:
    world = rw.world
    needs = rw.needs
    first = publish(rw, create(rw))
    # the gap is now answered (technology section), the research challenge drops out,
    # a new need arrives first, and the top need falls behind the former gap
    link(needs["gap"], rw.items["public_result"], "result", Coverage.PARTLY)
    new = make_need(world, "Body-worn camera redaction")
    second_round = closed_round(world, [new, needs["gap"], needs["top"]], title="Round 2")
    second = publish(rw, create(rw, round_=second_round))
    assert (first.version, second.version) == (1, 2)
    diff = roadmap.roadmap_diff(viewer(world.people["lea_pl"]), second)
    assert diff.old is not None and diff.old.pk == first.pk
    assert [r.title for r in diff.added] == [new.title]
    assert [r.title for r in diff.removed] == [needs["challenge"].title]
    assert [(r.title, r.old_section, r.new_section) for r in diff.changed_section] == [
        (needs["gap"].title, Section.GAPS, Section.TECHNOLOGY_NEEDS)
    ]
    assert [(r.title, r.old_position, r.new_position) for r in diff.moved_down] == [
        (needs["top"].title, 1, 2)  # the new need has no answer: it is a gap
    ]
    client = signed_in(world, "lea_pl")
    page = client.get("/roadmaps/ENLETS/v2/diff/").content.decode()
    assert new.title in page and needs["challenge"].title in page and "TLP:GREEN" in page
    api = client.get("/api/v1/roadmaps/ENLETS/versions/2/diff").json()
    assert api["old_version"] == 1 and [r["title"] for r in api["added"]] == [new.title]
    assert client.get("/roadmaps/ENLETS/").content.decode().count("ENLETS roadmap") >= 1
    listing = client.get("/api/v1/roadmaps").json()
    assert listing["total"] == 2
    assert all(r["tlp"] == "TLP:GREEN" and r["pdf_url"] for r in listing["results"])


def test_api_needs_the_needs_read_scope(rw: RoadmapWorld) -> None:
    publish(rw, create(rw))
    officer = rw.world.people["lea_pl"]
    without = token_create(user=officer, name="t1", scopes=["profile:read"]).secret
    with_scope = token_create(user=officer, name="t2", scopes=["needs:read"]).secret
    from django.test import Client

    client = Client()
    refused = client.get("/api/v1/roadmaps", headers={"Authorization": f"Bearer {without}"})
    assert refused.status_code == 403
    allowed = client.get("/api/v1/roadmaps", headers={"Authorization": f"Bearer {with_scope}"})
    assert allowed.status_code == 200 and allowed.json()["total"] == 1
    assert json.loads(client.get("/api/v1/roadmaps").content)["total"] == 0  # anonymous


# --- building and publishing through the API ---------------------------------------------


def _headers(user: Any, scopes: str = "needs:read,needs:write") -> dict[str, str]:
    return {"Authorization": f"Bearer {token_create(user=user, name='t', scopes=scopes).secret}"}


def _body(rw: RoadmapWorld, **changes: Any) -> dict[str, Any]:
    body = {
        "round_id": rw.round.pk,
        "title": "ENLETS roadmap 2027",
        "introduction": "What ENLETS members asked for.",
        "audience": [f"network:{rw.world.enlets.pk}"],
        "tlp": "GREEN",
    }
    return body | changes


def _post(path: str, body: Any, headers: dict[str, str]) -> Any:
    from django.test import Client

    return Client().post(path, body, content_type="application/json", headers=headers)


def test_api_secretariat_builds_and_publishes_a_version(rw: RoadmapWorld) -> None:
    from django.test import Client

    people = rw.world.people
    secretariat, officer = _headers(people["secretariat"]), _headers(people["lea_pl"])

    created = _post("/api/v1/roadmaps/enlets/versions", _body(rw), secretariat)

    assert created.status_code == 201, created.content
    data = created.json()
    assert (data["version"], data["status"], data["tlp"]) == (1, "draft", "TLP:GREEN")
    assert data["round_id"] == rw.round.pk and data["withheld"] is not None
    assert data["sections"]
    url = "/api/v1/roadmaps/ENLETS/versions/1"
    assert Client().get(url, headers=secretariat).json()["status"] == "draft"
    assert Client().get(url, headers=officer).status_code == 404
    assert Client().get("/api/v1/roadmaps", headers=officer).json()["total"] == 0

    published = _post(f"{url}/publish", None, secretariat)

    assert published.status_code == 200, published.content
    assert published.json()["status"] == "published" and published.json()["published_at"]
    seen = Client().get(url, headers=officer)
    assert seen.status_code == 200 and seen.json()["withheld"] is None
    assert Client().get("/api/v1/roadmaps", headers=officer).json()["total"] == 1
    assert AuditEntry.objects.filter(action="roadmap.published").count() == 1
    again = _post(f"{url}/publish", None, secretariat)
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"


def test_api_roadmap_writes_need_the_write_scope(rw: RoadmapWorld) -> None:
    headers = _headers(rw.world.people["secretariat"], scopes="needs:read")
    draft = create(rw)

    created = _post("/api/v1/roadmaps/ENLETS/versions", _body(rw), headers)
    published = _post(f"/api/v1/roadmaps/ENLETS/versions/{draft.version}/publish", None, headers)

    assert created.status_code == 403 and created.json()["error"]["code"] == "insufficient_scope"
    assert published.status_code == 403
    assert list(RoadmapVersion.objects.values_list("status", flat=True)) == ["draft"]


def test_api_members_neither_build_nor_publish(rw: RoadmapWorld) -> None:
    officer = _headers(rw.world.people["lea_pl"])
    draft = create(rw)

    created = _post("/api/v1/roadmaps/ENLETS/versions", _body(rw), officer)
    published = _post(f"/api/v1/roadmaps/ENLETS/versions/{draft.version}/publish", None, officer)

    assert created.status_code == 403 and created.json()["error"]["code"] == "permission_denied"
    assert published.status_code == 404  # a draft is the secretariat's alone
    assert list(RoadmapVersion.objects.values_list("status", flat=True)) == ["draft"]


@pytest.mark.parametrize(
    "changes",
    [
        {"round_id": 2**31 - 1},
        {"round_id": "1"},
        {"title": " "},
        {"tlp": "RED"},
        {"audience": ["participants"]},
        {"audience": [""]},
        {"introduction": "nul\x00"},
    ],
)
def test_api_invalid_roadmap_bodies_change_nothing(
    rw: RoadmapWorld, changes: dict[str, Any]
) -> None:
    response = _post(
        "/api/v1/roadmaps/ENLETS/versions", _body(rw, **changes),
        _headers(rw.world.people["secretariat"]),
    )  # fmt: skip

    assert response.status_code == 422, response.content
    assert response.json()["error"]["message"]
    assert not RoadmapVersion.objects.exists()


def test_api_a_roadmap_comes_from_a_closed_round_of_its_network(rw: RoadmapWorld) -> None:
    from lenhub.needs.models import RoundStatus

    rw.round.status = RoundStatus.OPEN
    rw.round.save(update_fields=["status"])
    headers = _headers(rw.world.people["secretariat"])

    response = _post("/api/v1/roadmaps/ENLETS/versions", _body(rw), headers)
    unknown = _post("/api/v1/roadmaps/NOPE/versions", _body(rw), headers)

    assert response.status_code == 422
    assert "closed round" in response.json()["error"]["message"]
    assert unknown.status_code == 404
    assert not RoadmapVersion.objects.exists()
