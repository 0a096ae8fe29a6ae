"""Gap analysis: suggestions from the search engine, stored idempotently; links shown only
to readers who may view both the need and the item; curators confirm (audited); a need
is a gap while no link the reader may see answers it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client

from lenhub.audit.models import AuditEntry
from lenhub.conftest import World
from lenhub.knowledge.models import BestPractice
from lenhub.needs import gaps
from lenhub.needs.models import Coverage, NeedKind, NeedLink
from lenhub.needs.tests.roadmap_world import (
    index_knowledge,
    link,
    make_concept,
    make_item,
    make_need,
    make_result,
    signed_in,
    viewer,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def drone(world: World) -> dict[str, Any]:
    enlets = f"network:{world.enlets.pk}"
    items = {
        "radar": make_result(
            "Counter-drone detection radar", ["public"], "CLEAR",
            "Detects small drones approaching prisons and airports.",
        ),
        "concept": make_concept(
            "Drone detection network for prisons", ["members"], "GREEN",
            "Sensors around prison walls detect drones dropping contraband.",
        ),
        "amber": make_result(
            "Drone detection field trial", [enlets], "AMBER",
            "Results of a drone detection trial at a prison.",
        ),
        "unrelated": make_item(
            BestPractice, ["public"], "CLEAR", title="Boat patrol rotas", topic="Patrols",
            what_was_done="Rotating crews on river patrol boats.",
        ),
    }  # fmt: skip
    index_knowledge()
    need = make_need(
        world, "Detecting drones over prisons", ["members"],
        capability="Detect drones that drop contraband into prisons.",
        problem="Drones deliver phones and drugs over prison walls.",
    )  # fmt: skip
    return {"need": need, **items}


def test_suggestions_come_from_the_search_engine_and_are_idempotent(
    drone: dict[str, Any],
) -> None:
    need = drone["need"]
    links = gaps.need_links_suggest(need=need)
    suggested = {(link.item_kind, link.item_id) for link in links}
    assert ("result", drone["radar"].pk) in suggested
    assert ("concept", drone["concept"].pk) in suggested
    assert ("result", drone["amber"].pk) in suggested  # stored
    assert ("bestpractice", drone["unrelated"].pk) not in suggested
    assert all(link.coverage == Coverage.SUGGESTED and link.similarity > 0 for link in links)
    similarities = [link.similarity for link in links]
    assert similarities == sorted(similarities, reverse=True) and similarities[0] == 1.0
    # a curator's decision survives a second run; nothing is duplicated
    first = links[0]
    first.coverage = Coverage.ADDRESSED
    first.save()
    again = gaps.need_links_suggest(need=need)
    assert len(again) == len(links)
    assert NeedLink.objects.filter(need=need).count() == len(links)
    first.refresh_from_db()
    assert first.coverage == Coverage.ADDRESSED


def test_links_show_only_items_the_reader_may_view(world: World, drone: dict[str, Any]) -> None:
    """The AMBER trial is for ENLETS: a member of another network sees the need (for all
    vetted members) and the other links, never that one; a reader who may not view the
    need sees no link at all."""
    need = drone["need"]
    gaps.need_links_suggest(need=need)
    people = world.people
    amber_title = "Drone detection field trial"
    insider = [v.title for v in gaps.links_visible(viewer(people["lea_pl"]), need)]
    outsider = [v.title for v in gaps.links_visible(viewer(people["lea_fr_aquapol"]), need)]
    assert amber_title in insider
    assert amber_title not in outsider and "Counter-drone detection radar" in outsider
    assert gaps.links_visible(viewer(people["registered"]), need) == []
    page = signed_in(world, "lea_fr_aquapol").get(f"/needs/{need.pk}/links/").content.decode()
    assert "Counter-drone detection radar" in page and amber_title not in page
    assert "TLP:GREEN" in page
    assert Client().get(f"/needs/{need.pk}/links/").status_code == 404


def test_curators_confirm_links_and_the_gap_closes(world: World) -> None:
    people = world.people
    need = make_need(world, "Tracing synthetic drug precursors")
    result = make_result("Precursor tracing toolkit", ["members"])
    suggestion = link(need, result, "result", Coverage.SUGGESTED)
    reader = viewer(people["lea_de"])
    assert gaps.need_is_gap(reader, need)
    with pytest.raises(PermissionDenied):  # lea_de is no curator of a need from Poland
        gaps.need_link_decide(
            viewer=reader, actor=people["lea_de"], need=need, link_id=suggestion.pk,
            coverage=Coverage.ADDRESSED,
        )  # fmt: skip
    nc = people["nc_pl"]  # National Contact for Poland in ENLETS
    gaps.need_link_decide(
        viewer=viewer(nc), actor=nc, need=need, link_id=suggestion.pk,
        coverage=Coverage.NOT_ADDRESSED, note="Different substances.",
    )  # fmt: skip
    assert gaps.need_is_gap(reader, need)
    gaps.need_link_decide(
        viewer=viewer(nc), actor=nc, need=need, link_id=suggestion.pk, coverage=Coverage.PARTLY
    )
    assert not gaps.need_is_gap(reader, need)
    entries = AuditEntry.objects.filter(action="need.link_decided")
    assert entries.count() == 2
    assert entries.order_by("seq").last().data["to"] == Coverage.PARTLY  # type: ignore[union-attr]
    secretariat = people["secretariat"]
    assert gaps.may_curate_links(viewer=viewer(secretariat), user=secretariat, need=need)


def test_gap_status_counts_only_answers_the_reader_may_see(world: World) -> None:
    enlets = f"network:{world.enlets.pk}"
    need = make_need(world, "Undercover chat analysis", ["members"])
    hidden = make_result("Chat analysis pilot", [enlets], "AMBER")
    link(need, hidden, "result", Coverage.ADDRESSED)
    assert not gaps.need_is_gap(viewer(world.people["lea_pl"]), need)
    assert gaps.need_is_gap(viewer(world.people["lea_fr_aquapol"]), need)


def test_gaps_page_and_api_list_unanswered_needs(world: World) -> None:
    answered = make_need(world, "Answered need", kind=NeedKind.RESEARCH_CHALLENGE)
    open_need = make_need(world, "Open need")
    lea_only = make_need(world, "Covert tracker", [f"network:{world.enlets.pk}", "lea"])
    link(answered, make_result("An answer", ["members"]), "result", Coverage.ADDRESSED)
    stakeholder = signed_in(world, "stakeholder")  # a researcher: not LEA
    page = stakeholder.get("/needs/gaps/?network=ENLETS").content.decode()
    assert "Open need" in page and "Answered need" not in page
    assert lea_only.title not in page
    assert (
        "Covert tracker"
        in signed_in(world, "lea_pl").get("/needs/gaps/?network=ENLETS").content.decode()
    )
    api = stakeholder.get("/api/v1/needs/gaps?network=ENLETS").json()
    assert [row["title"] for row in api] == ["Open need"]
    assert api[0]["tlp"] == "TLP:GREEN" and open_need.pk == api[0]["need_id"]
    assert Client().get("/api/v1/needs/gaps?network=ENLETS").json() == []


def test_curator_confirms_through_page_and_api(world: World) -> None:
    need = make_need(world, "Tracing synthetic drug precursors")
    suggestion = link(need, make_result("Toolkit", ["members"]), "result", Coverage.SUGGESTED)
    nc = signed_in(world, "nc_pl")
    page = nc.get(f"/needs/{need.pk}/links/").content.decode()
    assert "Does it answer the need?" in page
    response = nc.post(
        f"/needs/{need.pk}/links/{suggestion.pk}/", {"coverage": "partly", "note": "Half."}
    )
    assert response.status_code == 302
    suggestion.refresh_from_db()
    assert suggestion.coverage == Coverage.PARTLY
    officer = signed_in(world, "lea_pl")
    assert (
        "Does it answer the need?" not in officer.get(f"/needs/{need.pk}/links/").content.decode()
    )
    assert (
        officer.post(
            f"/needs/{need.pk}/links/{suggestion.pk}/", {"coverage": "addressed"}
        ).status_code
        == 404
    )
    body = json.dumps({"coverage": "addressed"})
    refused = officer.post(
        f"/api/v1/needs/{need.pk}/links/{suggestion.pk}", body, content_type="application/json"
    )
    assert refused.status_code == 403
    done = nc.post(
        f"/api/v1/needs/{need.pk}/links/{suggestion.pk}", body, content_type="application/json"
    )
    assert done.status_code == 200 and done.json()["is_gap"] is False
    listed = officer.get(f"/api/v1/needs/{need.pk}/links").json()
    assert [row["coverage"] for row in listed["links"]] == ["addressed"]


def _headers(world: World, who: str, scopes: str = "needs:read,needs:write") -> dict[str, str]:
    from lenhub.accounts.tokens import token_create

    secret = token_create(user=world.people[who], name="t", scopes=scopes).secret
    return {"Authorization": f"Bearer {secret}"}


def test_curators_ask_for_suggestions_through_the_api(world: World, drone: dict[str, Any]) -> None:
    need = drone["need"]
    url = f"/api/v1/needs/{need.pk}/links/suggest"

    response = Client().post(url, headers=_headers(world, "nc_pl"))

    assert response.status_code == 200, response.content
    shown = {(row["kind"], row["item_id"]) for row in response.json()["links"]}
    assert ("result", drone["radar"].pk) in shown
    assert ("bestpractice", drone["unrelated"].pk) not in shown
    listed = Client().get(f"/api/v1/needs/{need.pk}/links", headers=_headers(world, "nc_pl"))
    assert {(row["kind"], row["item_id"]) for row in listed.json()["links"]} == shown
    assert all(row["coverage"] == "suggested" for row in listed.json()["links"])


def test_suggesting_links_is_for_curators_with_the_write_scope(
    world: World, drone: dict[str, Any]
) -> None:
    need = drone["need"]
    url = f"/api/v1/needs/{need.pk}/links/suggest"

    read_only = Client().post(url, headers=_headers(world, "nc_pl", scopes="needs:read"))
    member = Client().post(url, headers=_headers(world, "lea_de"))
    missing = Client().post(
        "/api/v1/needs/2147483647/links/suggest", headers=_headers(world, "nc_pl")
    )
    anonymous = Client().post(url)

    assert read_only.status_code == 403
    assert read_only.json()["error"]["code"] == "insufficient_scope"
    assert member.status_code == 403 and member.json()["error"]["code"] == "permission_denied"
    assert missing.status_code == 404
    assert anonymous.status_code == 401
    assert not NeedLink.objects.filter(need=need).exists()
