"""The access matrix: every person kind by every audience and label by every read surface.

Expectations are written out by hand from DESIGN §1-2 (``EXPECTED``), not computed by
the policy module, so that the matrix tests the policy rather than restating it. Each
restricted item carries a unique canary string; a case passes when the surface answers
with the expected status and the canary appears exactly where it may.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lenhub.conftest import World
from lenhub.dissemination.models import News
from lenhub.dissemination.services import news_publish

PERSONAS = [
    "anonymous",
    "registered",
    "unvetted_mfa",
    "vetted_no_mfa",
    "stakeholder",
    "lea_pl",
    "lea_fr_aquapol",
    "lea_de",
    "lea_no_network",
    "nc_pl",
    "core_de",
    "group_leader",
    "secretariat",
    "expired",
    "leaver",
    "operator",
    "auditor",
]

# Vetted, signed in with a second factor, vetting in force (the leaver only left ENLETS).
VETTED = {
    "stakeholder",
    "lea_pl",
    "lea_fr_aquapol",
    "lea_de",
    "lea_no_network",
    "nc_pl",
    "core_de",
    "group_leader",
    "secretariat",
    "leaver",
}
LEA = VETTED - {"stakeholder", "secretariat"}
ENLETS_MEMBERS = {"stakeholder", "lea_pl", "lea_de", "nc_pl", "core_de", "group_leader",
                  "secretariat"}  # fmt: skip

EXPECTED: dict[str, set[str]] = {
    "public_clear": set(PERSONAS),
    "members_green": VETTED,
    "lea_green": LEA,
    "enlets_amber": ENLETS_MEMBERS,
    "aquapol_amber": {"lea_fr_aquapol"},
    "core_group_amber": {"nc_pl", "core_de", "group_leader"},
    "enlets_lea_pl_amber": {"lea_pl", "nc_pl", "group_leader"},
    "participants_red": {"lea_de", "leaver"},  # "expired" is named but no longer vetted
    "polish_police_strict": {"lea_pl", "nc_pl", "group_leader"},
}


@dataclass
class Item:
    name: str
    news: News
    canary: str
    tlp: str


def plant_items(world: World) -> dict[str, Item]:
    """One news item per audience/label combination, each with its own canary."""
    enlets, aquapol, core = world.enlets.pk, world.aquapol.pk, world.core_group.pk
    specs: dict[str, tuple[list[str], str]] = {
        "public_clear": (["public"], "CLEAR"),
        "members_green": (["members"], "GREEN"),
        "lea_green": (["lea"], "GREEN"),
        "enlets_amber": ([f"network:{enlets}"], "AMBER"),
        "aquapol_amber": ([f"network:{aquapol}"], "AMBER"),
        "core_group_amber": ([f"group:{core}"], "AMBER"),
        "enlets_lea_pl_amber": ([f"network:{enlets}", "lea", "country:PL"], "AMBER"),
        "participants_red": (["participants"], "RED"),
        "polish_police_strict": (
            [f"network:{enlets}", f"org:{world.police_pl.pk}"],
            "AMBER+STRICT",
        ),
    }
    items = {}
    for name, (audience, tlp) in specs.items():
        canary = f"CANARY{secrets.token_hex(6)}"
        news = news_publish(
            title=f"{name} {canary}",
            summary=f"summary {canary}",
            body=f"body {canary}",
            audience=audience,
            tlp=tlp,
            author=world.people["secretariat"],
        )
        items[name] = Item(name, news, canary, tlp)
    red = items["participants_red"].news
    red.participants.add(world.people["lea_de"], world.people["leaver"], world.people["expired"])
    items["polish_police_strict"].news.originator_organisation = world.police_pl
    items["polish_police_strict"].news.save(update_fields=["originator_organisation"])
    return items


@dataclass
class Case:
    persona: str
    surface: str
    item: str
    allowed: bool
    status: int
    canary_seen: bool
    ok: bool
    label_shown: bool = True


Fetch = Callable[[str, str], tuple[int, str]]  # (persona, path) -> (status, body)

SURFACES = [
    "detail",
    "list",
    "home",
    "dashboard",
    "audit",
    "vetting",
    "api_detail",
    "api_list",
    "token_detail",
    "token_list",
    "search",
    "token_search",
    "search_page",
]
SEARCH_SURFACES = {"search", "token_search", "search_page"}
STAFF_PAGES = {"audit": {"auditor"}, "vetting": {"nc_pl", "secretariat"}}
# People whose tokens do not act: never vetted, or vetting lapsed; the anonymous visitor
# presents a made-up token. Their token requests are refused outright.
TOKEN_REFUSED = {"anonymous", "registered", "unvetted_mfa", "expired"}
TOKEN = "token:"  # path prefix: make the request with the persona's access token


def run_matrix(
    fetch: Fetch,
    items: dict[str, Item],
    surfaces: list[str] = SURFACES,
    personas: list[str] = PERSONAS,
) -> list[Case]:
    """Make one real request per (persona, surface, item) and judge it."""
    cases = []
    for persona in personas:
        for surface in surfaces:
            for name, item in items.items():
                allowed = persona in EXPECTED[name]
                path = {
                    "detail": f"/news/{item.news.pk}/",
                    "list": "/news/",
                    "home": "/",
                    "dashboard": "/dashboard/",
                    "audit": "/audit/",
                    "vetting": "/vetting/",
                    "api_detail": f"/api/v1/news/{item.news.pk}",
                    "api_list": "/api/v1/news?limit=100",
                    "token_detail": f"{TOKEN}/api/v1/news/{item.news.pk}",
                    "token_list": f"{TOKEN}/api/v1/news?limit=100",
                    "search": f"/api/v1/search?q={item.canary}&limit=100",
                    "token_search": f"{TOKEN}/api/v1/search?q={item.canary}&limit=100",
                    "search_page": f"/knowledge/?q={item.canary}",
                }[surface]
                status, body = fetch(persona, path)
                if surface == "search_page":  # the form echoes the query: judge the results
                    body = body[body.find('id="results-heading"') :]
                seen = item.canary in body
                label_shown = True
                if surface.startswith("token_") and persona in TOKEN_REFUSED:
                    ok = status == 401 and not seen
                elif surface in SEARCH_SURFACES:
                    # found by those who may read it; for everyone else the engine finds
                    # nothing at all: no result, no count
                    ok = (
                        status == 200
                        and seen == allowed
                        and _search_total(body) == (1 if allowed else 0)
                    )
                elif surface in ("detail", "api_detail", "token_detail"):
                    ok = (status == 200 and seen) if allowed else (status == 404 and not seen)
                    if allowed:
                        label_shown = f"TLP:{item.tlp}" in body
                        ok = ok and label_shown
                elif surface in STAFF_PAGES:
                    # Pages that carry no content: right status, and never a canary.
                    if persona == "anonymous":
                        wanted = 302
                    elif persona in STAFF_PAGES[surface]:
                        wanted = 200
                    else:
                        wanted = 404 if surface == "audit" else 403
                    ok = status == wanted and not seen
                elif surface == "dashboard" and persona == "anonymous":
                    ok = status == 302 and not seen
                elif surface == "home":
                    # The home page shows only the five newest items: check for leaks.
                    ok = status == 200 and (allowed or not seen)
                else:
                    ok = status == 200 and seen == allowed
                cases.append(Case(persona, surface, name, allowed, status, seen, ok, label_shown))
    return cases


def _search_total(body: str) -> int | None:
    """The number of results a search surface reports (API JSON or the page heading)."""
    if body.lstrip().startswith("{"):
        return int(json.loads(body)["total"])
    found = re.search(r'id="results-count"[^>]*>(\d+) result', body)
    return int(found.group(1)) if found else None


def summarise(cases: list[Case]) -> str:
    bad = [c for c in cases if not c.ok]
    lines = [f"{len(cases)} cases, {len(bad)} failed"]
    lines += [
        f"  {c.persona:<16} {c.surface:<10} {c.item:<22} allowed={c.allowed} "
        f"status={c.status} canary_seen={c.canary_seen} label_shown={c.label_shown}"
        for c in bad[:40]
    ]
    return "\n".join(lines)


def expected_reads_audited(items: dict[str, Item], surfaces: list[str] = SURFACES) -> int:
    """Detail reads (page, API by session, API by token) of AMBER and RED items by
    allowed readers: each must be audited."""
    details = len([s for s in surfaces if s in ("detail", "api_detail", "token_detail")])
    return details * sum(len(EXPECTED[name]) for name, item in items.items() if item.tlp not in
                         ("CLEAR", "GREEN"))  # fmt: skip


def persona_user(world: World, persona: str) -> Any:
    return None if persona == "anonymous" else world.people[persona]
