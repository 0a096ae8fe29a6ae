"""Demo content for practitioners' needs, prioritisation rounds, gap analysis and the
roadmap (``lenhub demo``), for ENLETS. Every text is written for the demo; the needs are
invented, though they are the kind of challenge practitioners raise.

Everything goes through the services, as people would do it on the pages: members report
and submit needs, National Contacts and the secretariat curate them (one duplicate
merged, one rejected with a reason), members support and comment, curators confirm
suggested knowledge links, the secretariat runs a points round (countries weighed
equally) that members of five countries vote in and that the secretariat closes, then
publishes the roadmap twice (version 2 after one more link was confirmed, so the
differences page shows something). A second round, pairwise, stays open for visitors.

Dates are the services' own (now): the closed round opened three weeks ago and was
closed by hand, before its planned end, when every country had voted; nothing is
back-dated with raw writes.

Idempotent: each step looks for what it would make (a need by its title, a round by its
title, a roadmap version by its number) and only does what is still missing, so a second
run changes nothing.

Run after the rest of the demo data has been committed: link suggestions come from the
search index, which is written when a transaction commits.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from lenhub.accounts.models import Country
from lenhub.knowledge.models import Concept, Project, Result, TechWatch
from lenhub.needs import gaps, services, services_rounds
from lenhub.needs.models import (
    Coverage,
    CrimeArea,
    Method,
    Need,
    NeedComment,
    NeedKind,
    NeedLink,
    NeedStatus,
    RoadmapVersion,
    Round,
    RoundStatus,
    Urgency,
)
from lenhub.needs.roadmap import roadmap_create, roadmap_publish
from lenhub.needs.selectors_rounds import ballot_own
from lenhub.networks.models import Group, Network

if TYPE_CHECKING:
    from lenhub.accounts.models import User

logger = logging.getLogger("lenhub.needs")

SECRETARIAT = "secretariat@pphs.pl.test"
NC_PL = "nc@policja.pl.test"
DEPUTY_PL = "deputy@policja.pl.test"
LEADER_DE = "leader@bundespolizei.de.test"
CORE_NL = "core@politie.nl.test"
OFFICER_FR = "officer@gendarmerie.fr.test"
RESEARCHER_BE = "researcher@ugent.be.test"
OFFICER_DE = "officer@bundespolizei.de.test"
ANALYST_NL = "analyst@politie.nl.test"
BRIGADE_FR = "brigade@gendarmerie.fr.test"

# audiences, resolved against the demo network and its core group
NETWORK = "network"
CORE_GROUP = "core_group"
LEA_ONLY = "lea"

# what becomes of a need after it is submitted
ACCEPT = "accept"
REJECT = "reject"
MERGE = "merge"


@dataclass(frozen=True)
class DemoNeed:
    key: str
    reporter: str
    kind: str
    title: str
    problem: str
    capability_wanted: str
    crime_area: str
    urgency: str
    countries: tuple[str, ...]
    current_practice: str = ""
    operational_context: str = ""
    audience: tuple[str, ...] = (NETWORK,)
    tlp: str = "GREEN"
    outcome: str = ACCEPT
    curator: str = SECRETARIAT
    reason: str = ""
    merge_into: str = ""
    supporters: tuple[str, ...] = ()
    comments: tuple[tuple[str, str], ...] = field(default=())


NEEDS = [
    DemoNeed(
        key="phones",
        reporter=LEADER_DE,
        kind=NeedKind.TECHNOLOGY_NEED,
        title="Triage of seized mobile phones within hours, not months",
        problem="Every search now brings in several phones per suspect. Laboratories "
        "copy each one completely before anyone looks at it, so investigators wait "
        "months for material they needed in the first two days of custody.",
        current_practice="Full extraction in the laboratory, in the order devices arrive; "
        "urgent cases jump the queue by telephone.",
        capability_wanted="A triage tool that an investigator can use at the station to "
        "copy and search a seized phone for the few things that matter now (contacts, "
        "recent messages, locations), with a record that stands up in court.",
        operational_context="Arrests in drug and burglary investigations; custody time "
        "limits of 48 hours.",
        crime_area=CrimeArea.FORENSICS,
        urgency=Urgency.HIGH,
        countries=("DE", "PL", "NL"),
        supporters=(CORE_NL, RESEARCHER_BE),
        comments=(
            (
                NC_PL,
                "Our regional units tried a roadside kit last year: the copying works, "
                "the report format was the hard part.",
            ),
        ),
    ),
    DemoNeed(
        key="phones_border",
        reporter=DEPUTY_PL,
        kind=NeedKind.TECHNOLOGY_NEED,
        title="Faster examination of phones seized at border crossings",
        problem="Border guards seize phones from smuggling suspects, but the devices "
        "sit in a laboratory queue until the suspect has long been released.",
        capability_wanted="Quick, court-proof triage of a seized phone at the border post.",
        crime_area=CrimeArea.MIGRANT_SMUGGLING,
        urgency=Urgency.HIGH,
        countries=("PL",),
        outcome=MERGE,
        curator=NC_PL,
        merge_into="phones",
        supporters=(OFFICER_FR,),
    ),
    DemoNeed(
        key="anpr",
        reporter=DEPUTY_PL,
        kind=NeedKind.TECHNOLOGY_NEED,
        title="Exchanging number-plate reader hits across borders in real time",
        problem="Stolen cars cross two borders within hours. Each country's number-plate "
        "readers see them, but a hit reaches the neighbouring force by email the next "
        "day, if at all.",
        current_practice="Bilateral requests through the police cooperation centres, "
        "answered in office hours.",
        capability_wanted="A way for a hit on a wanted plate in one country to reach "
        "patrols in the next country within minutes, with the legal basis and the "
        "data-protection rules built in.",
        crime_area=CrimeArea.PROPERTY,
        urgency=Urgency.HIGH,
        countries=("PL", "DE", "NL"),
        curator=NC_PL,
        supporters=(LEADER_DE, CORE_NL),
    ),
    DemoNeed(
        key="drones",
        reporter=CORE_NL,
        kind=NeedKind.TECHNOLOGY_NEED,
        title="Detecting drones over stadiums and summits",
        problem="Small drones fly over match days, concerts and high-level meetings. "
        "Teams borrow detection systems for each event and cannot compare what they "
        "see with the neighbouring country's systems at a border venue.",
        capability_wanted="Drone detection that a police unit can set up for a single "
        "event, that tells a hobby flight from a threat, and whose alerts can be shared "
        "with another country's team.",
        operational_context="Major events, often close to a border, with teams from "
        "several countries.",
        crime_area=CrimeArea.PUBLIC_ORDER,
        urgency=Urgency.CRITICAL,
        countries=("NL", "FR", "DE", "BE"),
        supporters=(OFFICER_FR, LEADER_DE),
        comments=(
            (
                OFFICER_FR,
                "Same problem on the coast during the summer season: drones over "
                "crowded beaches and ports.",
            ),
        ),
    ),
    DemoNeed(
        key="firearms",
        reporter=OFFICER_FR,
        kind=NeedKind.RESEARCH_CHALLENGE,
        title="Recognising 3D-printed firearms and their parts",
        problem="Printed guns and parts turn up in searches and parcels. Officers do not "
        "always recognise them, and scanners at mail centres are not trained on them.",
        capability_wanted="Research on how printed firearms and parts can be detected in "
        "parcels and recognised during searches, and which printer traces link a part "
        "to the printer that made it.",
        crime_area=CrimeArea.FIREARMS,
        urgency=Urgency.HIGH,
        countries=("FR", "BE", "DE", "NL"),
        supporters=(RESEARCHER_BE,),
    ),
    DemoNeed(
        key="maritime",
        reporter=OFFICER_FR,
        kind=NeedKind.RESEARCH_CHALLENGE,
        title="Spotting small boats at night along long coastlines",
        problem="Small boats used for smuggling people and drugs land on long stretches "
        "of coast where radar sees nothing at night and patrol boats arrive too late.",
        capability_wanted="Research on cheap sensors along the shore that detect small "
        "boats at night and share the picture between neighbouring countries' patrols.",
        operational_context="Coastal and maritime surveillance by water police and "
        "gendarmerie units.",
        crime_area=CrimeArea.MIGRANT_SMUGGLING,
        urgency=Urgency.CRITICAL,
        countries=("FR", "ES", "IT", "GR"),
        supporters=(LEADER_DE,),
    ),
    DemoNeed(
        key="darknet",
        reporter=RESEARCHER_BE,
        kind=NeedKind.RESEARCH_CHALLENGE,
        title="Following vendors across darknet marketplaces",
        problem="When a marketplace is taken down, its vendors reappear elsewhere under "
        "new names. Investigators start again from zero each time.",
        capability_wanted="Methods to recognise the same vendor across marketplaces "
        "(writing style, product photos, shipping habits) that hold up as evidence.",
        crime_area=CrimeArea.CYBERCRIME,
        urgency=Urgency.MEDIUM,
        countries=("BE", "NL", "DE", "PL"),
        supporters=(NC_PL,),
        comments=(
            (
                CORE_NL,
                "We would add cryptocurrency traces to the list of habits; they often "
                "survive a change of name.",
            ),
        ),
    ),
    DemoNeed(
        key="audio",
        reporter=NC_PL,
        kind=NeedKind.RESEARCH_CHALLENGE,
        title="Translating intercepted audio in rare languages",
        problem="Lawfully intercepted calls and voice messages come in dozens of "
        "languages and dialects. Sworn interpreters for some of them are scarce, so "
        "hours of audio are never listened to.",
        capability_wanted="Research on transcription and translation of voice messages "
        "in less common languages, good enough to decide what an interpreter should "
        "hear first.",
        crime_area=CrimeArea.TERRORISM,
        urgency=Urgency.HIGH,
        countries=("PL", "DE", "FR"),
        supporters=(LEADER_DE,),
    ),
    DemoNeed(
        key="rail",
        reporter=LEADER_DE,
        kind=NeedKind.TECHNOLOGY_NEED,
        title="Sharing station incident reports between railway police and operators",
        problem="Railway police and station operators each keep their own incident "
        "reports. Patterns across stations, and across borders on international lines, "
        "go unnoticed.",
        capability_wanted="A common format and a simple exchange for station incident "
        "reports, so that patrols can be planned from the same picture.",
        crime_area=CrimeArea.TRANSPORT,
        urgency=Urgency.MEDIUM,
        countries=("DE", "NL", "BE"),
        supporters=(CORE_NL,),
    ),
    DemoNeed(
        key="insider",
        reporter=CORE_NL,
        kind=NeedKind.TECHNOLOGY_NEED,
        title="Detecting misuse of police databases by insiders",
        problem="Several forces found staff looking up people in police databases for "
        "criminal contacts. Access logs exist but nobody reads them until a leak is "
        "already public.",
        capability_wanted="Tools that flag unusual look-ups in police databases early, "
        "with the safeguards staff representatives accept.",
        crime_area=CrimeArea.OTHER,
        urgency=Urgency.HIGH,
        countries=("NL", "PL"),
        audience=(NETWORK, CORE_GROUP),
        tlp="AMBER",
        supporters=(NC_PL,),
    ),
    DemoNeed(
        key="opioids",
        reporter=DEPUTY_PL,
        kind=NeedKind.TECHNOLOGY_NEED,
        title="Identifying synthetic opioids safely during searches",
        problem="Officers meet unknown powders during searches. Some synthetic opioids "
        "are dangerous in tiny amounts, and field tests do not recognise the newest "
        "ones.",
        capability_wanted="A handheld test that recognises new synthetic opioids "
        "without opening the packet, and guidance on protective equipment.",
        crime_area=CrimeArea.DRUGS,
        urgency=Urgency.CRITICAL,
        countries=("PL", "DE", "FR"),
        audience=(NETWORK, LEA_ONLY),
        curator=NC_PL,
        supporters=(OFFICER_FR,),
    ),
    DemoNeed(
        key="vehicles",
        reporter=OFFICER_FR,
        kind=NeedKind.TECHNOLOGY_NEED,
        title="More patrol vehicles for rural brigades",
        problem="Rural brigades share too few vehicles and cannot patrol at night.",
        capability_wanted="Funding for more patrol vehicles.",
        crime_area=CrimeArea.OTHER,
        urgency=Urgency.MEDIUM,
        countries=("FR",),
        outcome=REJECT,
        reason="Buying vehicles is a matter for each force's own budget, not a research "
        "or technology need the network can take forward. Raise it with your national "
        "procurement office; a need about technology in patrol vehicles is welcome.",
    ),
]

# Knowledge links curators confirm: (need key, model, title, coverage, curator). The
# items are the demo knowledge items (lenhub/knowledge/demo.py, lenhub/monitoring/demo.py).
LINKS: list[tuple[str, type[Any], str, str]] = [
    ("phones", Result, "Roadside phone triage kit (demo)", Coverage.PARTLY),
    ("phones", Result, "Common cross-border triage report (demo)", Coverage.PARTLY),
    ("maritime", Project, "TIDELINE", Coverage.PARTLY),
    ("maritime", Result, "Sensor placement guide", Coverage.ADDRESSED),
    ("audio", TechWatch, "Automated transcription of seized voice messages (demo)",
     Coverage.PARTLY),
    ("drones", Concept, "Shared training range for counter-drone teams (demo)",
     Coverage.NOT_ADDRESSED),
]  # fmt: skip
# Confirmed after version 1 of the roadmap was published, so version 2 differs.
LATER_LINK = ("rail", Result, "Incident data exchange format, first version", Coverage.ADDRESSED)

CLOSED_ROUND = "ENLETS priorities (demo): technology and research needs"
OPEN_ROUND = "ENLETS follow-up (demo): which needs first? Compare them in pairs"
ROADMAP_TITLE = "ENLETS research and technology roadmap (demo)"

# Points ballots in the closed round (100 points each; only needs the voter may see).
BALLOTS: dict[str, dict[str, int]] = {
    NC_PL: {"phones": 30, "anpr": 25, "audio": 20, "insider": 15, "drones": 10},
    DEPUTY_PL: {"anpr": 40, "phones": 30, "rail": 20, "darknet": 10},
    LEADER_DE: {"rail": 35, "phones": 25, "audio": 20, "drones": 20},
    CORE_NL: {"drones": 40, "insider": 20, "phones": 20, "anpr": 20},
    OFFICER_FR: {"maritime": 45, "firearms": 30, "drones": 25},
    RESEARCHER_BE: {"darknet": 50, "firearms": 30, "phones": 20},
    OFFICER_DE: {"anpr": 40, "drones": 30, "firearms": 30},
    ANALYST_NL: {"darknet": 40, "phones": 35, "audio": 25},
    BRIGADE_FR: {"drones": 40, "phones": 30, "maritime": 30},
}


def _viewer(user: User) -> Any:
    return services.viewer_of(user)


def _audience(spec: DemoNeed, network: Network, core_group: Group) -> list[str]:
    atoms = {NETWORK: f"network:{network.pk}", CORE_GROUP: f"group:{core_group.pk}",
             LEA_ONLY: "lea"}  # fmt: skip
    return [atoms[a] for a in spec.audience]


def needs_demo_load(*, people: dict[str, User]) -> None:
    """Load the needs demo for ENLETS (see the module's docstring). Each part runs in
    its own transaction: needs accepted in the first are given knowledge-link
    suggestions when it commits."""
    network = Network.objects.get(acronym="ENLETS")
    core_group = Group.objects.get(network=network, name="Core Group")
    with transaction.atomic():
        needs = _needs(people, network, core_group)
    with transaction.atomic():
        _links(people, needs, LINKS)
        closed = _closed_round(people, network, needs)
        _open_round(people, network, needs)
        _roadmap(people, network, closed)


# --- needs ----------------------------------------------------------------------------


def _needs(people: dict[str, User], network: Network, core_group: Group) -> dict[str, Need]:
    needs: dict[str, Need] = {}
    for spec in NEEDS:
        needs[spec.key] = _need(spec, people, network, core_group)
    for spec in NEEDS:  # before curation: the duplicate's supporters move with the merge
        _take_part(spec, needs[spec.key], people)
    for spec in NEEDS:
        _curate(spec, needs, people)
    return needs


def _need(spec: DemoNeed, people: dict[str, User], network: Network, core_group: Group) -> Need:
    need = Need.objects.filter(network=network, title=spec.title).first()
    reporter = people[spec.reporter]
    if need is None:
        fields = {
            "kind": spec.kind,
            "title": spec.title,
            "problem": spec.problem,
            "current_practice": spec.current_practice,
            "capability_wanted": spec.capability_wanted,
            "operational_context": spec.operational_context,
            "crime_area": spec.crime_area,
            "urgency": spec.urgency,
        }
        need = services.need_create(
            viewer=_viewer(reporter),
            actor=reporter,
            network=network,
            fields=fields,
            countries=list(Country.objects.filter(pk__in=spec.countries)),
            audience=_audience(spec, network, core_group),
            tlp=spec.tlp,
        )
    if need.status == NeedStatus.DRAFT:
        need = services.need_submit(need=need, viewer=_viewer(reporter), actor=reporter)
    return need


def _take_part(spec: DemoNeed, need: Need, people: dict[str, User]) -> None:
    need.refresh_from_db()
    if need.status not in services.OPEN_STATUSES:
        return
    for email in spec.supporters:
        person = people[email]
        if not need.supports.filter(user=person).exists():
            services.need_support_set(need=need, viewer=_viewer(person), actor=person,
                                      support=True)  # fmt: skip
    for email, body in spec.comments:
        person = people[email]
        if not NeedComment.objects.filter(author=person, body=body).exists():
            services.need_comment_add(need=need, viewer=_viewer(person), actor=person,
                                      body=body)  # fmt: skip


def _curate(spec: DemoNeed, needs: dict[str, Need], people: dict[str, User]) -> None:
    need = needs[spec.key]
    need.refresh_from_db()
    if need.status != NeedStatus.SUBMITTED:
        return  # curated already
    curator = people[spec.curator]
    viewer = _viewer(curator)
    if spec.outcome == ACCEPT:
        needs[spec.key] = services.need_accept(need=need, viewer=viewer, actor=curator)
    elif spec.outcome == REJECT:
        needs[spec.key] = services.need_reject(
            need=need, viewer=viewer, actor=curator, reason=spec.reason
        )
    else:
        target = needs[spec.merge_into]
        needs[spec.key] = services.need_merge(
            need=need, target=target, viewer=viewer, actor=curator
        )


# --- gap analysis -----------------------------------------------------------------------


def _item(model: type[Any], title: str) -> Any:
    if model is Project:
        return Project.objects.filter(acronym=title).first()
    if model is TechWatch:
        return TechWatch.objects.filter(technology=title).first()
    return model.objects.filter(title=title).first()


def _curator_of(need: Need, people: dict[str, User]) -> User:
    nc = people[NC_PL]
    if need.reporter_country == "PL" and need.reporter_id != nc.pk:
        return nc
    return people[SECRETARIAT]


def _links(
    people: dict[str, User],
    needs: dict[str, Need],
    decisions: list[tuple[str, type[Any], str, str]],
) -> None:
    """Curators confirm suggested links. A need accepted in an earlier transaction was
    given its suggestions when that one committed; one that has none yet (say the
    suggestions failed) is given them here."""
    from lenhub.search.registry import kind_for_model

    for key, model, title, coverage in decisions:
        need = needs[key]
        if not need.links.exists():
            gaps.need_links_suggest(need=need)
        item, kind = _item(model, title), kind_for_model(model)
        if item is None or kind is None:
            continue
        link = NeedLink.objects.filter(need=need, item_kind=kind.name, item_id=item.pk).first()
        if link is None:
            logger.warning("demo: %s was not suggested for need %s", title, need.pk)
            continue
        if link.coverage != Coverage.SUGGESTED:
            continue  # decided already
        curator = _curator_of(need, people)
        gaps.need_link_decide(
            viewer=_viewer(curator), actor=curator, need=need, link_id=link.pk,
            coverage=coverage, note="",
        )  # fmt: skip


# --- rounds -----------------------------------------------------------------------------


def _round(people: dict[str, User], network: Network, spec: Any) -> Round:
    secretariat = people[SECRETARIAT]
    found = Round.objects.filter(network=network, title=spec.title).first()
    if found is None:
        found = services_rounds.round_create(
            viewer=_viewer(secretariat), actor=secretariat, network=network, spec=spec
        )
    if found.status == RoundStatus.DRAFT:
        found = services_rounds.round_open(
            viewer=_viewer(secretariat), actor=secretariat, round=found
        )
    return found


def _round_needs(needs: dict[str, Need]) -> list[int]:
    """The accepted needs the secretariat may see: the LEA-only need is not among them
    (the secretariat is not a law-enforcement organisation), which is the policy at
    work."""
    keys = ["phones", "anpr", "drones", "firearms", "maritime", "darknet", "audio", "rail",
            "insider"]  # fmt: skip
    return [needs[key].pk for key in keys]


def _closed_round(people: dict[str, User], network: Network, needs: dict[str, Need]) -> Round:
    existing = Round.objects.filter(network=network, title=CLOSED_ROUND).first()
    if existing is not None and existing.status == RoundStatus.CLOSED:
        return existing
    now = timezone.now()
    spec = services_rounds.RoundSpec(
        title=CLOSED_ROUND,
        description="The first round of the demo: every member had 100 points to spread "
        "over the needs they consider most pressing. Each country's voters together "
        "carry the same weight.",
        method=Method.POINTS,
        opens_at=now - timedelta(days=21),
        closes_at=now + timedelta(days=1),
        need_ids=_round_needs(needs),
        audience=[f"network:{network.pk}"],
        tlp="GREEN",
        equal_country_weight=True,
    )
    round = _round(people, network, spec)
    for email, points in BALLOTS.items():
        voter = people[email]
        viewer = _viewer(voter)
        if ballot_own(viewer=viewer, round=round) is not None:
            continue
        services_rounds.ballot_cast(
            viewer=viewer,
            voter=voter,
            round=round,
            content=services_rounds.BallotContent(
                points={needs[key].pk: value for key, value in points.items()}
            ),
        )
    secretariat = people[SECRETARIAT]
    services_rounds.round_close(round=round, viewer=_viewer(secretariat), actor=secretariat)
    round.refresh_from_db()
    return round


def _open_round(people: dict[str, User], network: Network, needs: dict[str, Need]) -> Round:
    existing = Round.objects.filter(network=network, title=OPEN_ROUND).first()
    if existing is not None and existing.status != RoundStatus.DRAFT:
        return existing
    now = timezone.now()
    spec = services_rounds.RoundSpec(
        title=OPEN_ROUND,
        description="Try it: you are shown pairs of needs and say which should come "
        "first. A few comparisons are enough; the ranking shows how sure it is.",
        method=Method.PAIRWISE,
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=30),
        need_ids=_round_needs(needs),
        audience=[f"network:{network.pk}"],
        tlp="GREEN",
        equal_country_weight=True,
    )
    return _round(people, network, spec)


# --- the roadmap ------------------------------------------------------------------------


def _roadmap(people: dict[str, User], network: Network, round: Round) -> None:
    """Version 1 from the closed round; then one more confirmed link and version 2."""
    secretariat = people[SECRETARIAT]
    viewer = _viewer(secretariat)
    versions = RoadmapVersion.objects.filter(network=network)
    if not versions.exists():
        _publish(viewer, secretariat, network, round, "First version, from the demo's "
                 "first prioritisation round.")  # fmt: skip
    needs = {spec.key: Need.objects.get(network=network, title=spec.title) for spec in NEEDS}
    _links(people, needs, [LATER_LINK])
    if versions.count() == 1:
        _publish(viewer, secretariat, network, round, "Second version: the rail incident "
                 "reporting need is now answered by a published exchange format, so it "
                 "left the gaps.")  # fmt: skip


def _publish(viewer: Any, actor: User, network: Network, round: Round, intro: str) -> None:
    version = roadmap_create(
        viewer=viewer,
        actor=actor,
        network=network,
        round_id=round.pk,
        title=ROADMAP_TITLE,
        introduction="The research challenges, technology needs and gaps ENLETS members "
        "ranked, with the knowledge that answers them. " + intro,
        audience=[f"network:{network.pk}"],
        tlp="GREEN",
    )
    roadmap_publish(viewer=viewer, actor=actor, version=version)
