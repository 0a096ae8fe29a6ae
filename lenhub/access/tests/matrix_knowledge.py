"""The knowledge factory's part of the access matrix. Canaries of every kind (research
projects, results, project concepts, best practices, technology watch entries, uptake
records, and top-down guidance) at every audience/label combination, judged on every
read surface: each item's
page and API (session and token); the list pages and API lists; the one search (results,
totals, facet counts and snippets) by page, API session and API token, the search
narrowed by a facet value and with no words at all; "more like this" and the results
listed on a project page; uptake counts (a result's page, the uptake summary page, the
uptake API); and the EU funding sums (page and API). DESIGN §2: derived data (counts,
facets, sums, similar items) reads the items it comes from.

Each canary carries a unique nonsense word in its title and text, and, where its kind's
search entry takes facets, facet values no other item has (a programme, a country, a
year, a topic), so a leak shows in the results, in a total or in a facet count. Each
project canary has an EU contribution of its own (``AMOUNT + n``), so a leak shows in
the funding sums; each uptake record comes from an organisation in a country of its own,
so a leak shows in the counts by country. Who may see each canary is written out by hand
in ``EXPECTED`` (not computed by the policy under test). A public seed project shares
words with every canary: its "more like this" list may name only canaries the reader may
see; the result canaries are its results, and its page lists only those the reader may
see. The uptake canaries are all uptake of the public result canary. Responses are
fetched once per (persona, path) and judged for every canary.

How to grow it:

- A new kind of item: write a planter that creates one item from a ``Spec`` (title and
  text carrying ``spec.word``; ``spec.programme``, ``spec.country``, ``spec.year`` and
  ``spec.topic`` wherever the kind's search entry takes its facets from, named in
  ``Kind.facets``) through the module's own service where one exists, and add a ``Kind``
  to ``KINDS`` with its page, API and list paths. Every combination in ``AUDIENCES`` is
  then planted for it, given its audience through ``restricted_set_audience`` in the same
  transaction (the index is written on commit, by ``lenhub.search.indexing``), and judged
  on every surface whose ``kinds`` name it.
- A new read surface: add a row to ``SURFACES``: the path, in which placeholders
  ``{page}``, ``{api}``, ``{list_page}``, ``{list_api}``, ``{words}``, ``{narrow_api}``,
  ``{narrow_page}``, ``{kind}``, ``{seed}`` and ``{uptake_result}`` are filled in for
  each canary, the kinds it applies to, and how the answer is judged (``DETAIL``: 200
  with the canary and its label, else 404; ``LIST``: the canary listed and counted;
  ``SEARCH``: results, total, facet counts and snippets; ``SIMILAR``: the "more like
  this" list; ``PROJECT_RESULTS``: the results on the seed's page; ``UPTAKE`` and
  ``FUNDING``: counts and sums; ``NEED_SIMILAR``: "similar needs"). A surface judged some
  other way gets its own judge in
  ``_judge``.
- A new audience/label combination: a row in ``AUDIENCES``, one in ``EXPECTED``.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pyotp
from django.db import transaction

from lenhub.access.models import Restricted
from lenhub.access.policy import viewer_for_user
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
from lenhub.accounts.models import OrganisationKind
from lenhub.conftest import World, make_org, make_user
from lenhub.dissemination.models import Guidance
from lenhub.dissemination.services import guidance_publish
from lenhub.knowledge.models import (
    ActivityType,
    BestPractice,
    Concept,
    Participation,
    Project,
    ResearchOrganisation,
    Result,
    TechWatch,
    UptakeStage,
)
from lenhub.knowledge.services import knowledge_item_create, uptake_record
from lenhub.networks.models import Group, GroupKind
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

# TLP labels from the least to the most restrictive (the funding sums carry the most
# restrictive label among the projects counted)
LABEL_ORDER = ["CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"]

SIMILAR_LIMIT = 5  # the project page lists five similar items
AMOUNT = 1_234_567  # the n-th project canary's EU contribution is AMOUNT + n euros
COST = 9_000_000  # and its total cost COST + 1000 n euros


@dataclass(frozen=True)
class Spec:
    """What a planter needs to make one canary item."""

    name: str  # the audience/label combination
    word: str
    title: str
    text: str
    programme: str = ""
    country: str = ""
    country_name: str = ""
    year: int | None = None
    topic: str = ""
    amount: int | None = None


@dataclass
class Planted:
    canaries: list[Canary] = field(default_factory=list)
    seed: int = 0  # the public project whose "more like this" and results are judged
    seed_kind: str = "project"
    uptake_result: int = 0  # the public result the uptake canaries are uptake of


Planter = Callable[[World, Spec, Planted], Restricted]


@dataclass(frozen=True)
class Kind:
    plant: Planter
    page: str = ""  # path of the item's page, with {pk}
    api: str = ""  # path of the item in the API, with {pk}
    list_page: str = ""
    list_api: str = ""
    # the facets its search entry takes from the spec: programme, country, year, topic
    facets: tuple[str, ...] = ()
    # the facet the API search, and the search page, are narrowed by ("": not narrowed).
    # Narrowing is the same SQL for every kind and costs a request per canary: the
    # project narrows both, the other kinds one each, between them every facet.
    narrow_api: str = ""
    narrow_page: str = ""
    countries: tuple[tuple[str, str], ...] = ()  # where spec.country comes from
    indexed: bool = True


@dataclass(frozen=True)
class Canary:
    name: str  # the audience/label combination: a key of EXPECTED
    kind: str
    pk: int
    tlp: str
    spec: Spec

    @property
    def word(self) -> str:
        return self.spec.word

    def facet(self, name: str) -> tuple[str, str]:
        """The canary's (value, label on the search page) of a facet."""
        spec = self.spec
        return {
            "programme": (spec.programme, spec.programme),
            "country": (spec.country, spec.country_name),
            "year": (str(spec.year), str(spec.year)),
            "topic": (spec.topic, spec.topic),
        }[name]


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

# Countries no other item has (none is a world organisation's country), for facets.
COUNTRIES = (("AD", "Andorra"), ("MC", "Monaco"), ("SM", "San Marino"),
             ("LI", "Liechtenstein"), ("MT", "Malta"), ("IS", "Iceland"), ("CY", "Cyprus"),
             ("LU", "Luxembourg"), ("TV", "Tuvalu"), ("NR", "Nauru"), ("PW", "Palau"),
             ("KI", "Kiribati"), ("TO", "Tonga"), ("VU", "Vanuatu"), ("FJ", "Fiji"),
             ("BT", "Bhutan"), ("MV", "Maldives"), ("SC", "Seychelles"),
             ("MU", "Mauritius"), ("WS", "Samoa"), ("SB", "Solomon Islands"))  # fmt: skip
# Countries of the organisations that record uptake: in the directory's country list,
# none a world organisation's or a facet country.
UPTAKE_COUNTRIES = (("EE", "Estonia"), ("LV", "Latvia"), ("LT", "Lithuania"),
                    ("FI", "Finland"), ("HU", "Hungary"), ("SK", "Slovakia"),
                    ("SI", "Slovenia"), ("NO", "Norway"), ("GE", "Georgia"),
                    ("AL", "Albania"))  # fmt: skip

# Countries affected by the need canaries: in the directory's country list, none a world
# organisation's, an uptake or another facet country.
NEED_COUNTRIES = (("AT", "Austria"), ("BG", "Bulgaria"), ("HR", "Croatia"),
                  ("DK", "Denmark"), ("IE", "Ireland"), ("IT", "Italy"), ("PT", "Portugal"),
                  ("RO", "Romania"), ("ES", "Spain"), ("SE", "Sweden"))  # fmt: skip

# What the seed project is about; every canary shares it, so each is "like" the seed.
THEME = "networked sonar buoys guard harbour approaches against divers"


def _author(world: World) -> Any:
    """Knowledge items are contributed by a vetted member through the service; the
    matrix then gives each its canary audience."""
    return world.people["secretariat"]


def _contribute(
    world: World, model: type[Restricted], groups: list[Group] | None = None, **fields: Any
) -> Any:
    author = _author(world)
    return knowledge_item_create(
        model=model,
        viewer=viewer_for_user(author, mfa_verified=True),
        actor=author,
        fields=fields,
        audience=["members"],
        tlp="GREEN",
        groups=groups,
    )


def plant_project(world: World, spec: Spec, planted: Planted) -> Project:
    assert spec.amount is not None
    project = Project.objects.create(
        acronym=f"KM{spec.word[-4:].upper()}",
        title=spec.title,
        summary=spec.text,
        framework=spec.programme,
        programme="Secure societies",
        start_date=date(2024, 1, 1),
        eu_contribution=Decimal(spec.amount),
        total_cost=Decimal(COST + 1000 * (spec.amount - AMOUNT)),
    )
    organisation = ResearchOrganisation.objects.create(
        name=f"Harbour institute {spec.name}",
        activity_type=ActivityType.REC,
        country_code=spec.country,
    )
    Participation.objects.create(project=project, organisation=organisation, role="coordinator")
    return project


def plant_result(world: World, spec: Spec, planted: Planted) -> Result:
    """A result of the public seed project (a result is never wider than its project)."""
    assert spec.year is not None
    return _contribute(
        world, Result, project=Project.objects.get(pk=planted.seed), kind="tool",
        title=spec.title, description=spec.text, trl=6, availability="on_request",
        published_on=date(spec.year, 6, 1),
    )  # fmt: skip


def plant_concept(world: World, spec: Spec, planted: Planted) -> Concept:
    assert spec.year is not None
    concept = _contribute(world, Concept, title=spec.title, idea=spec.text, seeking="partners")
    # proposed in a year of its own (its search entry's year is when it was proposed)
    Concept.objects.filter(pk=concept.pk).update(created_at=datetime(spec.year, 6, 1, tzinfo=UTC))
    return concept


def plant_bestpractice(world: World, spec: Spec, planted: Planted) -> BestPractice:
    return _contribute(
        world, BestPractice, title=spec.title, topic=spec.topic, country_code=spec.country,
        what_was_done=spec.text, lessons="Train the crews first.",
    )  # fmt: skip


def plant_techwatch(world: World, spec: Spec, planted: Planted) -> TechWatch:
    """Relevant to a group of its own: its name is the entry's topic, and the list page
    offers it as a filter."""
    assert spec.year is not None
    group = Group.objects.create(network=world.enlets, name=spec.topic, kind=GroupKind.TIG)
    return _contribute(
        world, TechWatch, [group], technology=spec.title, maturity="emerging",
        assessment=spec.text, reviewed_on=date(spec.year, 6, 1),
    )  # fmt: skip


def plant_uptake(world: World, spec: Spec, planted: Planted) -> Restricted:
    """Uptake of the public result canary, recorded through the service by a member of
    an organisation of its own in a country of its own."""
    organisation = make_org(f"Uptake {spec.word}", OrganisationKind.POLICE, spec.country)
    person = make_user(
        f"{spec.word.lower()}@uptake.test",
        organisation=organisation,
        totp_secret=pyotp.random_base32(),
        vetted=True,
    )
    stages = UptakeStage.values
    uptake, created = uptake_record(
        viewer=viewer_for_user(person, mfa_verified=True),
        actor=person,
        result=Result.objects.get(pk=planted.uptake_result),
        stage=stages[len(planted.canaries) % len(stages)],
    )
    assert created
    return uptake


def plant_need(world: World, spec: Spec, planted: Planted) -> Restricted:
    """Reported to ENLETS by a member through the service and submitted (a draft is its
    reporter's alone and never indexed); the matrix then gives it its canary audience.
    Reported in a year of its own (its search entry's year is when it was reported)."""
    from lenhub.accounts.models import Country
    from lenhub.needs.models import Need
    from lenhub.needs.services import need_create, need_submit

    assert spec.year is not None
    reporter = world.people["secretariat"]
    viewer = viewer_for_user(reporter, mfa_verified=True)
    need = need_create(
        viewer=viewer, actor=reporter, network=world.enlets,
        fields={"title": spec.title, "problem": spec.text, "capability_wanted": spec.text,
                "crime_area": "border", "urgency": "medium"},
        countries=[Country.objects.get(pk=spec.country)],
    )  # fmt: skip
    need = need_submit(need=need, viewer=viewer, actor=reporter)
    Need.objects.filter(pk=need.pk).update(created_at=datetime(spec.year, 6, 1, tzinfo=UTC))
    return need


def plant_guidance(world: World, spec: Spec, planted: Planted) -> Guidance:
    """Published by ENLETS's secretariat to the network through the service (which
    notifies, on commit, the members who may see it as its audience then stands); the
    matrix then gives it its canary audience. Published in a year of its own."""
    assert spec.year is not None
    actor = world.people["secretariat"]
    guidance = guidance_publish(
        actor=actor, viewer=viewer_for_user(actor, mfa_verified=True), network=world.enlets,
        kind="guideline", title=spec.title, summary="", body=spec.text,
        audience=[f"network:{world.enlets.pk}"], tlp="GREEN",
    )  # fmt: skip
    Guidance.objects.filter(pk=guidance.pk).update(
        published_at=datetime(spec.year, 6, 1, tzinfo=UTC)
    )
    return guidance


KINDS: dict[str, Kind] = {
    "project": Kind(
        plant_project, "/knowledge/projects/{pk}/", "/api/v1/projects/{pk}",
        facets=("programme", "country"), narrow_api="country", narrow_page="programme",
        countries=COUNTRIES,
    ),
    "result": Kind(
        plant_result, "/knowledge/results/{pk}/", "/api/v1/results/{pk}",
        "/knowledge/results/", "/api/v1/results?limit=100",
        facets=("year",), narrow_api="year",
    ),
    "concept": Kind(
        plant_concept, "/knowledge/concepts/{pk}/", "/api/v1/concepts/{pk}",
        "/knowledge/concepts/", "/api/v1/concepts?limit=100",
        facets=("year",), narrow_page="year",
    ),
    "bestpractice": Kind(
        plant_bestpractice, "/knowledge/best-practices/{pk}/", "/api/v1/best-practices/{pk}",
        "/knowledge/best-practices/", "/api/v1/best-practices?limit=100",
        facets=("country", "topic"), narrow_page="country", countries=COUNTRIES,
    ),
    "techwatch": Kind(
        plant_techwatch, "/knowledge/tech-watch/{pk}/", "/api/v1/tech-watch/{pk}",
        "/knowledge/tech-watch/", "/api/v1/tech-watch?limit=100",
        facets=("year", "topic"), narrow_api="topic",
    ),
    "need": Kind(
        plant_need, "/needs/{pk}/", "/api/v1/needs/{pk}",
        "/needs/", "/api/v1/needs?limit=100",
        facets=("country", "year"), narrow_api="country", countries=NEED_COUNTRIES,
    ),
    "guidance": Kind(
        plant_guidance, "/guidance/{pk}/", "/api/v1/guidance/{pk}",
        "/guidance/", "/api/v1/guidance?limit=100",
        facets=("year",), narrow_page="year",
    ),
    # after "result": uptake of the public result canary
    "uptake": Kind(plant_uptake, countries=UPTAKE_COUNTRIES, indexed=False),
}  # fmt: skip


def _specs(kind_name: str, kind: Kind, used: set[str], counter: Iterator[int]) -> Iterator[Spec]:
    amounts = iter(range(AMOUNT, AMOUNT + len(AUDIENCES)))
    for name in AUDIENCES:
        word = f"CAN{secrets.token_hex(5)}"
        country, country_name = "", ""
        if kind.countries:  # a country no canary of another kind has
            country, country_name = next((c, n) for c, n in kind.countries if c not in used)
            used.add(country)
        yield Spec(
            name=name,
            word=word,
            title=f"{word} {THEME}",
            text=f"The {word} pilot: {THEME}.",
            programme=f"FP{secrets.token_hex(4)}" if "programme" in kind.facets else "",
            country=country,
            country_name=country_name,
            year=next(counter) if "year" in kind.facets else None,
            topic=f"Watch{secrets.token_hex(4)}" if "topic" in kind.facets else "",
            amount=next(amounts) if kind_name == "project" else None,
        )


def plant_knowledge(
    world: World,
    kinds: tuple[str, ...] = tuple(KINDS),
    follow: Callable[[World, Project], None] | None = None,
) -> Planted:
    """The public seed project, then every audience/label combination for every kind (or
    for ``kinds``: a mutation check needs only some; "uptake" needs "result"). ``follow``
    is called with the seed before any canary is planted (the monitoring matrix has
    people follow it, so that publishing the canaries notifies them)."""
    ids = {"enlets": world.enlets.pk, "aquapol": world.aquapol.pk,
           "core": world.core_group.pk, "police_pl": world.police_pl.pk}  # fmt: skip
    actor = world.people["secretariat"]
    planted = Planted()
    with transaction.atomic():
        seed = Project.objects.create(
            acronym="SEED", title=THEME, summary=f"{THEME}.", framework="H2020"
        )
        restricted_set_audience(item=seed, audience=["public"], tlp="CLEAR", actor=actor)
    planted.seed = seed.pk
    if follow is not None:
        follow(world, seed)
    used: set[str] = set()
    years = iter(range(1901, 2000))  # a year of its own for every canary with a year facet
    for kind_name, kind in KINDS.items():
        if kind_name not in kinds:
            continue
        for spec in _specs(kind_name, kind, used, years):
            audience, tlp = AUDIENCES[spec.name]
            with transaction.atomic():  # indexed once, on commit, with audience and facets
                item = kind.plant(world, spec, planted)
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
            if kind.indexed:
                assert SearchDocument.objects.filter(kind=kind_name, object_id=item.pk).exists()
            planted.canaries.append(Canary(spec.name, kind_name, item.pk, tlp, spec))
            if kind_name == "result" and spec.name == "public_clear":
                planted.uptake_result = item.pk
    return planted


# --- surfaces --------------------------------------------------------------------------

DETAIL, LIST, SEARCH, SIMILAR, PROJECT_RESULTS, UPTAKE, FUNDING, NEED_SIMILAR = (
    "detail", "list", "search", "similar", "project_results", "uptake", "funding",
    "need_similar",
)  # fmt: skip

ITEMS = tuple(name for name, kind in KINDS.items() if kind.page)
LISTED = tuple(name for name, kind in KINDS.items() if kind.list_page)
INDEXED = tuple(name for name, kind in KINDS.items() if kind.indexed)
NARROW_API = tuple(name for name, kind in KINDS.items() if kind.narrow_api)
NARROW_PAGE = tuple(name for name, kind in KINDS.items() if kind.narrow_page)


@dataclass(frozen=True)
class Surface:
    path: str
    judge: str
    kinds: tuple[str, ...]  # the kinds of canary it is judged for
    # which planted items a search or list may find: "canary" (only this one), "kind"
    # (every canary of its kind), "kind+seed" (and the seed when it is of that kind)
    scope: str = "canary"


SEARCH_API = "/api/v1/search?limit=100&"
UPTAKE_RESULT = "/knowledge/results/{uptake_result}/"  # also the public result's page
SURFACES: dict[str, Surface] = {
    "page": Surface("{page}", DETAIL, ITEMS),
    "api": Surface("{api}", DETAIL, ITEMS),
    "token_api": Surface(TOKEN + "{api}", DETAIL, ITEMS),
    # every item of the kind: listed and counted
    "list_page": Surface("{list_page}", LIST, LISTED, "kind"),
    "list_api": Surface("{list_api}", LIST, LISTED, "kind"),
    "token_list_api": Surface(TOKEN + "{list_api}", LIST, LISTED, "kind"),
    # one search for all canaries of a kind (words are ORed): results, total, facets
    "search": Surface(SEARCH_API + "q={words}", SEARCH, INDEXED, "kind"),
    "token_search": Surface(TOKEN + SEARCH_API + "q={words}", SEARCH, INDEXED, "kind"),
    "search_page": Surface("/knowledge/?q={words}", SEARCH, INDEXED, "kind"),
    # the same search narrowed by a facet value only this canary has
    "facet": Surface(SEARCH_API + "q={words}&{narrow_api}", SEARCH, NARROW_API),
    "facet_page": Surface("/knowledge/?q={words}&{narrow_page}", SEARCH, NARROW_PAGE),
    # no words: every item of the kind, and facet counts over all of them
    "browse": Surface(SEARCH_API + "type={kind}", SEARCH, INDEXED, "kind+seed"),
    "browse_page": Surface("/knowledge/?type={kind}", SEARCH, INDEXED, "kind+seed"),
    "similar": Surface("/knowledge/projects/{seed}/", SIMILAR, INDEXED),
    "project_results": Surface("/knowledge/projects/{seed}/", PROJECT_RESULTS, ("result",)),
    # uptake of the public result: counted by stage and country only where visible
    "uptake_page": Surface(UPTAKE_RESULT, UPTAKE, ("uptake",), "kind"),
    "uptake_summary_page": Surface("/knowledge/uptake/", UPTAKE, ("uptake",), "kind"),
    "uptake_api": Surface(
        "/api/v1/results/{uptake_result}/uptake?limit=100", UPTAKE, ("uptake",), "kind"
    ),
    "uptake_summary_api": Surface("/api/v1/uptake/summary", UPTAKE, ("uptake",), "kind"),
    "token_uptake_summary_api": Surface(
        TOKEN + "/api/v1/uptake/summary", UPTAKE, ("uptake",), "kind"
    ),
    # "similar needs" for a text carrying every need canary's word (words are ORed)
    "need_similar": Surface("/api/v1/needs/similar?text={words}", NEED_SIMILAR, ("need",)),
    "token_need_similar": Surface(
        TOKEN + "/api/v1/needs/similar?text={words}", NEED_SIMILAR, ("need",)
    ),
    # EU funding sums over the projects the reader may see
    "funding_page": Surface("/knowledge/funding/", FUNDING, ("project",), "kind+seed"),
    "funding_api": Surface("/api/v1/knowledge/funding", FUNDING, ("project",), "kind+seed"),
    "token_funding_api": Surface(
        TOKEN + "/api/v1/knowledge/funding", FUNDING, ("project",), "kind+seed"
    ),
}
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


def _narrow(canary: Canary, facet: str) -> str:
    return f"{facet}={canary.facet(facet)[0]}" if facet else ""


def _path(surface: Surface, canary: Canary, planted: Planted, words: str) -> str:
    kind = KINDS[canary.kind]
    return surface.path.format(
        page=kind.page.format(pk=canary.pk),
        api=kind.api.format(pk=canary.pk),
        list_page=kind.list_page,
        list_api=kind.list_api,
        words=words,
        narrow_api=_narrow(canary, kind.narrow_api),
        narrow_page=_narrow(canary, kind.narrow_page),
        kind=canary.kind,
        seed=planted.seed,
        uptake_result=planted.uptake_result,
    )


def cases_per_persona(planted: Planted, surfaces: list[str] | None = None) -> int:
    return sum(
        1
        for name in surfaces or list(SURFACES)
        for canary in planted.canaries
        if canary.kind in SURFACES[name].kinds
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
                if canary.kind not in surface.kinds:
                    continue
                path = _path(surface, canary, planted, words[canary.kind])
                if path not in answers:
                    answers[path] = fetch(persona, path)
                status, body = answers[path]
                cases.append(_judge(persona, surface_name, canary, planted, status, body))
    return cases


def _visible(persona: str, canary: Canary, planted: Planted) -> list[Canary]:
    """The canaries of this one's kind the persona may see."""
    return [c for c in planted.canaries if c.kind == canary.kind and persona in EXPECTED[c.name]]


def _expected_total(persona: str, surface: Surface, canary: Canary, planted: Planted) -> int:
    if surface.scope == "canary":
        return int(persona in EXPECTED[canary.name])
    seed = surface.scope == "kind+seed" and canary.kind == planted.seed_kind
    return len(_visible(persona, canary, planted)) + seed


def _euros(amount: int | Decimal) -> str:
    """An amount as the funding page writes it in English: whole euros, grouped."""
    return f"€{int(amount):,}"


def _shown(text: str, figure: str) -> bool:
    """Whether the page shows exactly this figure (not as the start of a longer one)."""
    return re.search(re.escape(figure) + r"(?![\d,])", text) is not None


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
    elif surface.judge == LIST:
        _judge_list(case, surface, canary, planted, status, body)
    elif surface.judge == SIMILAR:
        start = body.find("More like this")
        similar = body[start : body.find("</ul>", start)] if start >= 0 else ""
        case.seen = canary.word in similar
        full = similar.count("<li>") >= SIMILAR_LIMIT  # allowed, but five others came first
        case.ok = status == 200 and ((case.seen or full) if allowed else not case.seen)
    elif surface.judge == NEED_SIMILAR:
        hits = json.loads(body) if status == 200 else []
        case.seen = any(canary.word in hit["title"] for hit in hits)
        full = len(hits) >= SIMILAR_LIMIT  # allowed, but five others came first
        case.ok = status == 200 and ((case.seen or full) if case.allowed else not case.seen)
    elif surface.judge == PROJECT_RESULTS:
        start = body.find(">Results</h2>")
        listed = body[start : body.find("</ul>", start)] if start >= 0 else ""
        case.seen = canary.word in listed
        case.ok = status == 200 and start >= 0 and case.seen == allowed
    elif surface.judge == UPTAKE:
        _judge_uptake(case, surface, canary, planted, status, body)
    elif surface.judge == FUNDING:
        _judge_funding(case, surface, canary, planted, status, body)
    else:
        _judge_search(case, surface, canary, planted, status, body)
    return case


def _judge_search(
    case: Case, surface: Surface, canary: Canary, planted: Planted, status: int, body: str
) -> None:
    reading = _read_search(body) if status == 200 else Reading("", None)
    case.seen = canary.word in reading.results
    total = _expected_total(case.persona, surface, canary, planted)
    wanted = 1 if case.allowed else None
    problems = []
    if reading.total != total:
        problems.append(f"total {reading.total} not {total}")
    for name in KINDS[canary.kind].facets:
        value, label = canary.facet(name)
        if _facet(reading, name, value, label) != wanted:
            problems.append(f"{name} facet {_facet(reading, name, value, label)}")
    if "q=" in surface.path:
        snippet = f"<mark>{canary.word}</mark>" in reading.snippets
        if snippet != (case.persona in SNIPPETS[canary.name]):
            problems.append(f"snippet={snippet}")
    case.detail = ", ".join(problems)
    case.ok = status == 200 and case.seen == case.allowed and not problems


def _judge_list(
    case: Case, surface: Surface, canary: Canary, planted: Planted, status: int, body: str
) -> None:
    """A list page or API list: the canary listed (with its topic, which list pages also
    offer as a filter) exactly when allowed, and counted in the total."""
    case.seen = canary.word in body
    if body.lstrip().startswith("{"):
        total: int | None = int(json.loads(body)["total"]) if status == 200 else None
    else:
        count = re.search(r'<p role="status">(\d+) items?</p>', body)
        total = int(count.group(1)) if count else None
    wanted = _expected_total(case.persona, surface, canary, planted)
    problems = [] if total == wanted else [f"total {total} not {wanted}"]
    if canary.spec.topic and (canary.spec.topic in body) != case.allowed:
        problems.append("topic")
    case.detail = ", ".join(problems)
    case.ok = status == 200 and case.seen == case.allowed and not problems


def _judge_uptake(
    case: Case, surface: Surface, canary: Canary, planted: Planted, status: int, body: str
) -> None:
    """Uptake counts: the record counted, and its country (or organisation) named,
    exactly when allowed."""
    spec = canary.spec
    wanted = _expected_total(case.persona, surface, canary, planted)
    total: int | None = None
    problems = []
    if status == 200 and body.lstrip().startswith("{"):
        data = json.loads(body)
        total = int(data["total"])
        if "by_country" in data:  # the summary
            case.seen = spec.country in {row["country"] for row in data["by_country"]}
            rows = [r for r in data["by_result"] if r["result_id"] == planted.uptake_result]
            if sum(r["total"] for r in rows) != wanted:
                problems.append("result row")
            if sum(n["count"] for n in data["by_stage"]) != wanted:
                problems.append("stages")
        else:  # the records of the result
            countries = {row["country"] for row in data["results"]}
            case.seen = spec.country in countries or spec.word in body
    elif status == 200:
        if surface.path == UPTAKE_RESULT:
            start = body.find('id="uptake-heading"')
            body = body[start : body.find("</article>", start)] if start >= 0 else ""
            count = re.search(r"<p>(\d+) organisations? recorded uptake", body)
        else:
            count = re.search(r'<p role="status">(\d+) uptake records?</p>', body)
        total = int(count.group(1)) if count else None
        case.seen = spec.country_name in body
    if total != wanted:
        problems.append(f"total {total} not {wanted}")
    case.detail = ", ".join(problems)
    case.ok = status == 200 and case.seen == case.allowed and not problems


def _judge_funding(
    case: Case, surface: Surface, canary: Canary, planted: Planted, status: int, body: str
) -> None:
    """Sums: the canary's amount, programme and country appear exactly when allowed, and
    the totals add up to the projects the persona may see (the seed, and the canaries
    ``EXPECTED`` lets them see), under the most restrictive of their labels."""
    spec = canary.spec
    assert spec.amount is not None
    visible = _visible(case.persona, canary, planted)
    projects = _expected_total(case.persona, surface, canary, planted)
    eu = sum(c.spec.amount or 0 for c in visible)
    label = max(["CLEAR", *(c.tlp for c in visible)], key=LABEL_ORDER.index)
    problems = []
    marks: list[bool] = []
    if status == 200 and body.lstrip().startswith("{"):
        data = json.loads(body)
        totals = data["totals"]
        if (totals["projects"], Decimal(totals["eu_contribution"])) != (projects, eu):
            problems.append(f"totals {totals['projects']} {totals['eu_contribution']}")
        if data["tlp"] != f"TLP:{label}":
            problems.append(f"label {data['tlp']}")
        programmes = {row["framework"]: Decimal(row["eu_contribution"])
                      for row in data["by_programme"]}  # fmt: skip
        countries = {row["country"] for row in data["by_country"]}
        marks = [programmes.get(spec.programme) == spec.amount, spec.programme in programmes,
                 spec.country in countries]  # fmt: skip
    elif status == 200:
        start = body.find('id="funding-totals"')
        totals_text = body[start : body.find("</p>", start)] if start >= 0 else ""
        wanted = f"{projects} project{'s' if projects != 1 else ''}, with an EU " \
            f"contribution of {_euros(eu)} "  # fmt: skip
        if wanted not in totals_text:
            problems.append("totals")
        if f"TLP:{label}</span>" not in totals_text:
            problems.append("label")
        marks = [_shown(body, _euros(spec.amount)), spec.programme in body,
                 spec.country_name in body]  # fmt: skip
    else:
        problems.append("status")
    case.seen = any(marks)
    if case.allowed and not all(marks):
        problems.append(f"partly shown {marks}")
    case.detail = ", ".join(problems)
    case.ok = case.seen == case.allowed and not problems


def summarise_knowledge(cases: list[Case]) -> str:
    bad = [c for c in cases if not c.ok]
    lines = [f"{len(cases)} cases, {len(bad)} failed"]
    lines += [
        f"  {c.persona:<16} {c.surface:<18} {c.kind}:{c.item:<22} allowed={c.allowed} "
        f"status={c.status} seen={c.seen} {c.detail}"
        for c in bad[:40]
    ]
    return "\n".join(lines)


def expected_knowledge_reads(planted: Planted) -> int:
    """Detail reads (page, API by session, API by token) of AMBER and RED canaries by the
    people allowed them: each must be audited."""
    return sum(
        len(EXPECTED[c.name])
        for surface in SURFACES.values()
        if surface.judge == DETAIL
        for c in planted.canaries
        if c.kind in surface.kinds and c.tlp not in ("CLEAR", "GREEN")
    )
