"""The knowledge factory's part of the access matrix: project pages, the project API, the
one search (results, totals, facet counts and snippets) by page, API session and API
token, the search narrowed by a facet value, and "more like this" (DESIGN §2: derived
data reads the items it comes from).

Canaries are items with the audience/label combinations of the news matrix, plus one
country audience. Each carries a unique nonsense word in its title and text, and facet
values no other item has (a programme, a participant country), so a leak shows in the
results, in a total or in a facet count. Who may see each canary is written out by hand
in ``EXPECTED`` (not computed by the policy under test). A public seed project shares
words with every canary: its "more like this" list may name only canaries the reader may
see. Responses are fetched once per (persona, path) and judged for every canary.

How to grow it:

- A new kind of item (result, concept, best practice, technology watch entry): write a
  planter that creates one item from a ``Spec`` (title and text carrying ``spec.word``;
  ``spec.programme`` and ``spec.country`` wherever the kind's search entry takes its
  facets from, or leave them out if it has none) and add a ``Kind`` to ``KINDS`` with its
  page and API paths. Every combination in ``AUDIENCES`` is then planted for it, given its
  audience through ``restricted_set_audience`` in the same transaction (the index is
  written on commit, by ``lenhub.search.indexing``), and judged on every surface.
- A new read surface: add a row to ``SURFACES``: the path, in which placeholders
  ``{page}``, ``{api}``, ``{words}``, ``{programme}``, ``{country}``, ``{kind}`` and
  ``{seed}`` are filled in for each canary, and how the answer is judged (``DETAIL``: 200
  with the canary and its label, else 404; ``SEARCH``: results, total, facet counts and
  snippets; ``SIMILAR``: the "more like this" list). A surface judged some other way (a
  chart, a list page) gets its own judge in ``_judge``.
- A new audience/label combination: a row in ``AUDIENCES``, one in ``EXPECTED``.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction

from lenhub.access.models import Restricted
from lenhub.access.services import restricted_set_audience
from lenhub.access.tests.matrix import (
    ENLETS_MEMBERS,
    LEA,
    PERSONAS,
    TOKEN,
    TOKEN_REFUSED,
    VETTED,
    Fetch,
)
from lenhub.conftest import World
from lenhub.knowledge.models import ActivityType, Participation, Project, ResearchOrganisation
from lenhub.search.models import SearchDocument

# persona sets as in the news matrix (see matrix.py for who is who)
EXPECTED: dict[str, set[str]] = {
    "public_clear": set(PERSONAS),
    "members_green": VETTED,
    "lea_green": LEA,
    "germany_green": {"lea_de", "core_de"},  # vetted, organisation in Germany
    "enlets_amber": ENLETS_MEMBERS,
    "aquapol_amber": {"lea_fr_aquapol"},
    "core_group_amber": {"nc_pl", "core_de", "group_leader"},
    "enlets_lea_pl_amber": {"lea_pl", "nc_pl", "group_leader"},
    "participants_red": {"lea_de", "leaver"},  # "expired" is named but no longer vetted
    "polish_police_strict": {"lea_pl", "nc_pl", "group_leader"},
}

# Who gets a search snippet of the canary: everyone who finds it, except that lenhub
# shows no snippet of a TLP:RED item to anyone (DESIGN asks this of non-participants).
SNIPPETS: dict[str, set[str]] = {**EXPECTED, "participants_red": set()}

SIMILAR_LIMIT = 5  # the project page lists five similar items


@dataclass(frozen=True)
class Spec:
    """What a planter needs to make one canary item."""

    name: str
    word: str
    programme: str
    country: str
    title: str
    text: str


@dataclass(frozen=True)
class Kind:
    plant: Callable[[World, Spec], Restricted]
    page: str  # path of the item's page, with {pk}
    api: str  # path of the item in the API, with {pk}
    facets: bool = True  # the kind's search entry carries spec.programme and spec.country


@dataclass(frozen=True)
class Canary:
    name: str  # the audience/label combination: a key of EXPECTED
    kind: str
    pk: int
    word: str
    programme: str
    country: str
    country_name: str
    tlp: str


@dataclass
class Planted:
    canaries: list[Canary]
    seed: int  # the public project whose "more like this" is judged
    seed_kind: str = "project"


# --- canaries --------------------------------------------------------------------------

# (audience, label); {enlets}, {aquapol}, {core}, {police_pl} are filled in from the world
AUDIENCES: dict[str, tuple[list[str], str]] = {
    "public_clear": (["public"], "CLEAR"),
    "members_green": (["members"], "GREEN"),
    "lea_green": (["lea"], "GREEN"),
    "germany_green": (["country:DE"], "GREEN"),
    "enlets_amber": (["network:{enlets}"], "AMBER"),
    "aquapol_amber": (["network:{aquapol}"], "AMBER"),
    "core_group_amber": (["group:{core}"], "AMBER"),
    "enlets_lea_pl_amber": (["network:{enlets}", "lea", "country:PL"], "AMBER"),
    "participants_red": (["participants"], "RED"),
    "polish_police_strict": (["network:{enlets}", "org:{police_pl}"], "AMBER+STRICT"),
}
NAMED = ("lea_de", "leaver", "expired")  # the participants of participants_red

# Participant countries no other item has (none is a world organisation's country).
COUNTRIES = [("AD", "Andorra"), ("MC", "Monaco"), ("SM", "San Marino"),
             ("LI", "Liechtenstein"), ("MT", "Malta"), ("IS", "Iceland"), ("CY", "Cyprus"),
             ("LU", "Luxembourg"), ("TV", "Tuvalu"), ("NR", "Nauru"), ("PW", "Palau"),
             ("KI", "Kiribati"), ("TO", "Tonga"), ("VU", "Vanuatu"), ("FJ", "Fiji"),
             ("BT", "Bhutan"), ("MV", "Maldives"), ("SC", "Seychelles"),
             ("MU", "Mauritius")]  # fmt: skip

# What the seed project is about; every canary shares it, so each is "like" the seed.
THEME = "networked sonar buoys guard harbour approaches against divers"


def plant_project(world: World, spec: Spec) -> Project:
    project = Project.objects.create(
        acronym=f"KM{spec.word[-4:].upper()}",
        title=spec.title,
        summary=spec.text,
        framework=spec.programme,
        programme="Secure societies",
        start_date=date(2024, 1, 1),
    )
    organisation = ResearchOrganisation.objects.create(
        name=f"Harbour institute {spec.name}",
        activity_type=ActivityType.REC,
        country_code=spec.country,
    )
    Participation.objects.create(project=project, organisation=organisation, role="coordinator")
    return project


KINDS: dict[str, Kind] = {
    "project": Kind(plant_project, "/knowledge/projects/{pk}/", "/api/v1/projects/{pk}"),
}


def plant_knowledge(world: World) -> Planted:
    """Every audience/label combination for every kind, and the public seed project."""
    ids = {"enlets": world.enlets.pk, "aquapol": world.aquapol.pk,
           "core": world.core_group.pk, "police_pl": world.police_pl.pk}  # fmt: skip
    actor = world.people["secretariat"]
    countries = iter(COUNTRIES)
    canaries = []
    for kind_name, kind in KINDS.items():
        for name, (audience, tlp) in AUDIENCES.items():
            word = f"CAN{secrets.token_hex(5)}"
            country, country_name = next(countries) if kind.facets else ("", "")
            programme = f"FP{secrets.token_hex(4)}" if kind.facets else ""
            spec = Spec(
                name, word, programme, country, f"{word} {THEME}", f"The {word} pilot: {THEME}."
            )
            with transaction.atomic():  # indexed once, on commit, with audience and facets
                item = kind.plant(world, spec)
                if tlp == "AMBER+STRICT":
                    item.originator_organisation = world.police_pl
                    item.save(update_fields=["originator_organisation"])
                restricted_set_audience(
                    item=item,
                    audience=[atom.format(**ids) for atom in audience],
                    tlp=tlp,
                    actor=actor,
                )
                if "participants" in audience:
                    item.participants.add(*(world.people[p] for p in NAMED))
            assert SearchDocument.objects.filter(kind=kind_name, object_id=item.pk).exists()
            canaries.append(
                Canary(name, kind_name, item.pk, word, programme, country, country_name, tlp)
            )
    with transaction.atomic():
        seed = Project.objects.create(
            acronym="SEED", title=THEME, summary=f"{THEME}.", framework="H2020"
        )
        restricted_set_audience(item=seed, audience=["public"], tlp="CLEAR", actor=actor)
    return Planted(canaries, seed.pk)


# --- surfaces --------------------------------------------------------------------------

DETAIL, SEARCH, SIMILAR = "detail", "search", "similar"


@dataclass(frozen=True)
class Surface:
    path: str
    judge: str
    # which planted items a search may find: "canary" (only this one), "kind" (every
    # canary of its kind), "kind+seed" (and the seed when it is of that kind)
    scope: str = "canary"


SEARCH_API = "/api/v1/search?limit=100&"
SURFACES: dict[str, Surface] = {
    "page": Surface("{page}", DETAIL),
    "api": Surface("{api}", DETAIL),
    "token_api": Surface(TOKEN + "{api}", DETAIL),
    # one search for all canaries of a kind (words are ORed): results, total, facets
    "search": Surface(SEARCH_API + "q={words}", SEARCH, "kind"),
    "token_search": Surface(TOKEN + SEARCH_API + "q={words}", SEARCH, "kind"),
    "search_page": Surface("/knowledge/?q={words}", SEARCH, "kind"),
    # the same search narrowed by a facet value only this canary has
    "facet": Surface(SEARCH_API + "q={words}&country={country}", SEARCH),
    "facet_page": Surface("/knowledge/?q={words}&programme={programme}", SEARCH),
    # no words: every item of the kind, and facet counts over all of them
    "browse": Surface(SEARCH_API + "type={kind}", SEARCH, "kind+seed"),
    "browse_page": Surface("/knowledge/?type={kind}", SEARCH, "kind+seed"),
    "similar": Surface("/knowledge/projects/{seed}/", SIMILAR),
}
FACET_SURFACES = {"facet", "facet_page"}
KNOWLEDGE_SURFACES = SURFACES  # under a name that reads well beside the news matrix


@dataclass
class Case:
    persona: str
    surface: str
    kind: str
    item: str
    allowed: bool
    status: int
    seen: bool
    ok: bool
    detail: str = ""


@dataclass
class Reading:
    """What a search surface says: result text, total, facet counts, snippets."""

    results: str
    total: int | None
    facets: dict[str, int] = field(default_factory=dict)  # "name=value" or page label
    snippets: str = ""
    page: bool = False


def _read_search(body: str) -> Reading:
    if body.lstrip().startswith("{"):
        data = json.loads(body)
        return Reading(
            results=" ".join(hit["title"] + " " + hit["snippet"] for hit in data["results"]),
            total=int(data["total"]),
            facets={
                f"{name}={v['value']}": v["count"]
                for name, values in data["facets"].items()
                for v in values
            },
            snippets=" ".join(hit["snippet"] for hit in data["results"]),
        )
    # the form and the facet links echo the query: judge the results and facets apart
    start, aside = body.find('id="results-heading"'), body.find('id="facets-heading"')
    results = body[start:aside] if start >= 0 else ""
    count = re.search(r'id="results-count"[^>]*>(\d+) result', results)
    labels = re.findall(r'>([^<>]+)</a> <span class="count">\((\d+)\)</span>', body[aside:])
    return Reading(
        results=results,
        total=int(count.group(1)) if count else None,
        facets={label: int(n) for label, n in labels},
        snippets=" ".join(re.findall(r'<p class="snippet">(.*?)</p>', results, re.S)),
        page=True,
    )


def _facet(reading: Reading, name: str, value: str, label: str) -> int | None:
    return reading.facets.get(label if reading.page else f"{name}={value}")


def _path(surface: Surface, canary: Canary, planted: Planted, words: str) -> str:
    kind = KINDS[canary.kind]
    return surface.path.format(
        page=kind.page.format(pk=canary.pk),
        api=kind.api.format(pk=canary.pk),
        words=words,
        programme=canary.programme,
        country=canary.country,
        kind=canary.kind,
        seed=planted.seed,
    )


def run_knowledge_matrix(
    fetch: Fetch,
    planted: Planted,
    surfaces: list[str] | None = None,
    personas: list[str] = PERSONAS,
) -> list[Case]:
    """One request per (persona, distinct path), judged for every canary."""
    words = {kind: "+".join(c.word for c in planted.canaries if c.kind == kind) for kind in KINDS}
    assert all(len(w) <= 200 for w in words.values()), "a search takes 200 characters"
    cases = []
    for persona in personas:
        answers: dict[str, tuple[int, str]] = {}
        for surface_name in surfaces or list(SURFACES):
            surface = SURFACES[surface_name]
            for canary in planted.canaries:
                if surface_name in FACET_SURFACES and not KINDS[canary.kind].facets:
                    continue
                path = _path(surface, canary, planted, words[canary.kind])
                if path not in answers:
                    answers[path] = fetch(persona, path)
                status, body = answers[path]
                cases.append(_judge(persona, surface_name, canary, planted, status, body))
    return cases


def _expected_total(persona: str, surface: Surface, canary: Canary, planted: Planted) -> int:
    if surface.scope == "canary":
        return int(persona in EXPECTED[canary.name])
    found = [c for c in planted.canaries if c.kind == canary.kind and persona in EXPECTED[c.name]]
    seed = surface.scope == "kind+seed" and canary.kind == planted.seed_kind
    return len(found) + seed


def _judge(
    persona: str, surface_name: str, canary: Canary, planted: Planted, status: int, body: str
) -> Case:
    surface = SURFACES[surface_name]
    allowed = persona in EXPECTED[canary.name]
    case = Case(persona, surface_name, canary.kind, canary.name, allowed, status, False, False)
    if surface_name.startswith("token_") and persona in TOKEN_REFUSED:
        case.seen = canary.word in body
        case.ok = status == 401 and not case.seen
    elif surface.judge == DETAIL:
        case.seen = canary.word in body
        if allowed:
            labelled = f"TLP:{canary.tlp}" in body
            case.ok = status == 200 and case.seen and labelled
            case.detail = "" if labelled else "no label"
        else:
            case.ok = status == 404 and not case.seen
    elif surface.judge == SIMILAR:
        start = body.find("More like this")
        similar = body[start : body.find("</ul>", start)] if start >= 0 else ""
        case.seen = canary.word in similar
        full = similar.count("<li>") >= SIMILAR_LIMIT  # allowed, but five others came first
        case.ok = status == 200 and ((case.seen or full) if allowed else not case.seen)
    else:
        reading = _read_search(body) if status == 200 else Reading("", None)
        case.seen = canary.word in reading.results
        total = _expected_total(persona, surface, canary, planted)
        wanted = 1 if allowed else None
        problems = []
        if reading.total != total:
            problems.append(f"total {reading.total} not {total}")
        facets = [("programme", canary.programme, canary.programme),
                  ("country", canary.country, canary.country_name)]  # fmt: skip
        for name, value, label in facets:
            if value and _facet(reading, name, value, label) != wanted:
                problems.append(f"{name} facet {_facet(reading, name, value, label)}")
        if "q=" in surface.path:
            snippet = f"<mark>{canary.word}</mark>" in reading.snippets
            if snippet != (persona in SNIPPETS[canary.name]):
                problems.append(f"snippet={snippet}")
        case.detail = ", ".join(problems)
        case.ok = status == 200 and case.seen == allowed and not problems
    return case


def summarise_knowledge(cases: list[Case]) -> str:
    bad = [c for c in cases if not c.ok]
    lines = [f"{len(cases)} cases, {len(bad)} failed"]
    lines += [
        f"  {c.persona:<16} {c.surface:<12} {c.kind}:{c.item:<22} allowed={c.allowed} "
        f"status={c.status} seen={c.seen} {c.detail}"
        for c in bad[:40]
    ]
    return "\n".join(lines)


def expected_knowledge_reads(planted: Planted) -> int:
    """Detail reads (page, API by session, API by token) of AMBER and RED canaries by the
    people allowed them: each must be audited."""
    details = sum(1 for s in SURFACES.values() if s.judge == DETAIL)
    return details * sum(
        len(EXPECTED[c.name]) for c in planted.canaries if c.tlp not in ("CLEAR", "GREEN")
    )
