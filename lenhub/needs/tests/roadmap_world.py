"""Test data for gap analysis and roadmaps: needs, knowledge items, closed rounds and
their results, made directly with the models (the needs flow and the rounds have their
own services and tests)."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.test import Client
from django.utils import timezone

from lenhub.access.policy import Viewer, viewer_for_user
from lenhub.access.services import restricted_set_audience
from lenhub.accounts.models import User
from lenhub.conftest import World, client_sign_in
from lenhub.knowledge.models import Concept, Result
from lenhub.needs.models import (
    Coverage,
    Method,
    Need,
    NeedKind,
    NeedLink,
    NeedStatus,
    Round,
    RoundResult,
    RoundStatus,
)
from lenhub.search.indexing import reindex

KNOWLEDGE = ["project", "result", "concept", "bestpractice", "techwatch"]


def viewer(user: User) -> Viewer:
    return viewer_for_user(user, mfa_verified=True)


def signed_in(world: World, who: str) -> Client:
    client = Client()
    client_sign_in(client, world.people[who].email, world.secrets[who])
    return client


def make_need(
    world: World,
    title: str,
    audience: list[str] | None = None,
    tlp: str = "GREEN",
    *,
    kind: str = NeedKind.TECHNOLOGY_NEED,
    capability: str = "",
    problem: str = "",
    participants: list[User] | None = None,
    network: Any = None,
) -> Need:
    network = network or world.enlets
    need = Need.objects.create(
        network=network,
        kind=kind,
        title=title,
        problem=problem or f"The problem behind {title}.",
        capability_wanted=capability or f"A capability for {title}.",
        crime_area="cybercrime",
        urgency="high",
        status=NeedStatus.ACCEPTED,
        reporter=world.people["lea_pl"],
        reporter_country="PL",
        tlp=tlp,
    )
    restricted_set_audience(
        item=need, audience=audience or [f"network:{network.pk}"], tlp=tlp, actor=None
    )
    for person in participants or []:
        need.participants.add(person)
    return need


def make_item(model: Any, audience: list[str], tlp: str = "GREEN", **fields: Any) -> Any:
    item = model.objects.create(tlp=tlp, **fields)
    restricted_set_audience(item=item, audience=audience, tlp=tlp, actor=None)
    return item


def make_result(title: str, audience: list[str], tlp: str = "GREEN", body: str = "") -> Result:
    return make_item(
        Result, audience, tlp, kind="tool", title=title, description=body or title, trl=6
    )


def make_concept(title: str, audience: list[str], tlp: str = "GREEN", body: str = "") -> Concept:
    return make_item(Concept, audience, tlp, title=title, idea=body or title, seeking="partners")


def link(need: Need, item: Any, kind: str, coverage: str = Coverage.ADDRESSED) -> NeedLink:
    return NeedLink.objects.create(
        need=need, item_kind=kind, item_id=item.pk, coverage=coverage, similarity=1.0
    )


def closed_round(world: World, ranked: list[Need], *, title: str = "Round") -> Round:
    """A closed points round over ``ranked`` with results in that order."""
    now = timezone.now()
    round_ = Round.objects.create(
        network=world.enlets,
        title=title,
        method=Method.POINTS,
        status=RoundStatus.CLOSED,
        opens_at=now - timedelta(days=10),
        closes_at=now - timedelta(days=1),
        closed_at=now - timedelta(days=1),
        tlp="GREEN",
        voter_count=3,
    )
    restricted_set_audience(
        item=round_, audience=[f"network:{world.enlets.pk}"], tlp="GREEN", actor=None
    )
    for rank, need in enumerate(ranked, start=1):
        score = 100.0 - rank * 10
        RoundResult.objects.create(
            round=round_,
            need=need,
            rank=rank,
            score=score,
            low=score - 5,
            high=score + 5,
            supporting_countries=["PL", "DE"] if rank % 2 else ["FR"],
            voters=3,
        )
    return round_


@dataclass
class RoadmapWorld:
    world: World
    round: Round
    needs: dict[str, Need] = field(default_factory=dict)
    items: dict[str, Any] = field(default_factory=dict)


def build_roadmap_world(world: World) -> RoadmapWorld:
    """Needs at every reach of a GREEN roadmap for ENLETS members."""
    enlets = f"network:{world.enlets.pk}"
    needs: dict[str, Need] = {}
    needs["top"] = make_need(world, "Detecting drones over prisons", [enlets])
    needs["challenge"] = make_need(
        world, "Attributing encrypted phone traffic", ["members"],
        kind=NeedKind.RESEARCH_CHALLENGE,
    )  # fmt: skip
    needs["gap"] = make_need(world, "Tracing synthetic drug precursors", [enlets])
    needs["lea_only"] = make_need(world, "Covert tracker for vehicles", [enlets, "lea"])
    needs["amber"] = make_need(world, "Undercover chat analysis", [enlets], "AMBER")
    needs["red"] = make_need(
        world, "Informant protection tooling", ["participants"], "RED",
        participants=[world.people["nc_pl"]],
    )  # fmt: skip
    items: dict[str, Any] = {}
    items["public_result"] = make_result("Open drone radar", ["public"], "CLEAR")
    items["amber_result"] = make_result("Amber drone jammer", [enlets], "AMBER")
    items["lea_result"] = make_result("Police-only drone catcher", ["lea"], "GREEN")
    items["concept"] = make_concept("Metadata attribution concept", ["members"], "GREEN")
    link(needs["top"], items["public_result"], "result")
    link(needs["top"], items["amber_result"], "result")
    link(needs["top"], items["lea_result"], "result")
    link(needs["challenge"], items["concept"], "concept", Coverage.PARTLY)
    # the lea-only need is answered too, by an item that reaches ENLETS
    link(needs["lea_only"], items["public_result"], "result")
    round_ = closed_round(
        world,
        [needs[k] for k in ("top", "challenge", "gap", "lea_only", "amber", "red")],
    )
    return RoadmapWorld(world=world, round=round_, needs=needs, items=items)


def index_knowledge() -> None:
    reindex(KNOWLEDGE)


def pdf_text(content: bytes, tmp_path: Path) -> list[str]:
    """The text of each page (pdftotext separates pages with form feeds)."""
    path = tmp_path / "roadmap.pdf"
    path.write_bytes(content)
    out = subprocess.run(
        ["/usr/bin/pdftotext", "-enc", "UTF-8", str(path), "-"],
        check=True,
        capture_output=True,
    ).stdout.decode()
    return [page for page in out.split("\f") if page.strip()]
