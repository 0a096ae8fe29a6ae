"""Demo content for the knowledge factory (``lenhub demo``). Every text here is written
for the demo: the projects, results and people's experiences are invented."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from lenhub.access.policy import viewer_for_user
from lenhub.access.services import restricted_set_audience
from lenhub.knowledge.models import (
    BestPractice,
    Concept,
    Project,
    ProjectStatus,
    Result,
    TechWatch,
)
from lenhub.knowledge.services import knowledge_item_create, uptake_record

if TYPE_CHECKING:
    from lenhub.accounts.models import User
    from lenhub.networks.models import Group, Network

SECRETARIAT = "secretariat@pphs.pl.test"
NC_PL = "nc@policja.pl.test"
LEADER_DE = "leader@bundespolizei.de.test"
CORE_NL = "core@politie.nl.test"
OFFICER_FR = "officer@gendarmerie.fr.test"
RESEARCHER = "researcher@ugent.be.test"

PROJECTS = [
    {
        "source_id": "demo-1",
        "acronym": "TRACEWAVE",
        "title": "Demo project: shared tools for examining seized phones at the roadside",
        "summary": "An invented project for the demo. Forces from three countries try out "
        "a portable kit that copies and triages phone content during a traffic stop, "
        "with a common report format that a prosecutor in another country can read.",
        "start_date": date(2023, 1, 1),
        "end_date": date(2027, 12, 31),
        "status": ProjectStatus.ONGOING,
        "framework": "HORIZON",
        "programme": "HORIZON.2.3",
        "total_cost": Decimal("3950000"),
        "eu_contribution": Decimal("3500000"),
    },
    {
        "source_id": "demo-2",
        "acronym": "HARBOURLINK",
        "title": "Demo project: joining up small-harbour patrol data",
        "summary": "An invented project for the demo. Water police units pool what their "
        "patrol boats see in small harbours, so that a boat checked in one country is "
        "known to the next patrol across the border.",
        "start_date": date(2021, 9, 1),
        "end_date": date(2024, 8, 31),
        "status": ProjectStatus.ENDED,
        "framework": "H2020",
        "programme": "H2020-EU.3.7.",
        "total_cost": Decimal("2480000"),
        "eu_contribution": Decimal("2480000"),
    },
]


def _viewer(user: User) -> Any:
    return viewer_for_user(user, mfa_verified=True)


def _create(model: Any, author: User, audience: list[str], tlp: str, **fields: Any) -> Any:
    groups = fields.pop("groups", None)
    return knowledge_item_create(
        model=model,
        viewer=_viewer(author),
        actor=author,
        fields=fields,
        audience=audience,
        tlp=tlp,
        groups=groups,
    )


def knowledge_demo_load(
    *,
    people: dict[str, User],
    networks: dict[str, Network],
    groups: dict[tuple[str, str], Group],
) -> None:
    enlets = f"network:{networks['ENLETS'].pk}"
    core_group = groups[("ENLETS", "Core Group")]
    projects = []
    for spec in PROJECTS:
        project = Project.objects.create(source="demo", tlp="CLEAR", **spec)
        restricted_set_audience(item=project, audience=["public"], tlp="CLEAR", actor=None)
        projects.append(project)
    tracewave, harbourlink = projects
    secretariat, nc, leader = people[SECRETARIAT], people[NC_PL], people[LEADER_DE]
    officer_fr, researcher = people[OFFICER_FR], people[RESEARCHER]

    kit = _create(
        Result, secretariat, ["public"], "CLEAR",
        project=tracewave, kind="tool", title="Roadside phone triage kit (demo)",
        description="A carry case with a write blocker and a small triage program. The "
        "demo write-up explains what it copies, how long it takes and where it fails.",
        trl=7, availability="on_request", licence="EUPL-1.2", published_on=date(2024, 6, 1),
    )  # fmt: skip
    report_format = _create(
        Result, nc, ["members"], "GREEN",
        project=tracewave, kind="standard", title="Common cross-border triage report (demo)",
        description="A short report layout, field by field, agreed by the demo project's "
        "partners so that a foreign prosecutor can read the findings without a translator.",
        trl=5, availability="lea_only", published_on=date(2024, 9, 15),
    )  # fmt: skip
    harbour_data = _create(
        Result, nc, [enlets], "AMBER",
        project=harbourlink, kind="dataset", title="Annotated harbour patrol sightings (demo)",
        description="Members-only demo item: a sample of patrol sightings with the "
        "annotations partners used to test their matching rules.",
        trl=4, availability="lea_only", published_on=date(2024, 3, 1),
    )  # fmt: skip
    guide = _create(
        Result, leader, ["lea"], "GREEN",
        kind="deliverable", title="Checklist for searching a train after an alert (demo)",
        description="A one-page checklist written for the demo: who searches which car, "
        "in which order, and when to stop the train.",
        trl=9, availability="lea_only", published_on=date(2023, 11, 20),
    )  # fmt: skip

    _create(
        Concept, researcher, ["members"], "GREEN",
        title="Measuring how long evidence waits before analysis (demo)",
        idea="A small study, invented for the demo, that follows seized devices from the "
        "scene to the lab and times each hand-over, to show where queues build up.",
        seeking="partners", needs_addressed="Backlogs in digital forensics laboratories.",
    )  # fmt: skip
    _create(
        Concept, nc, [enlets], "AMBER",
        title="Shared training range for counter-drone teams (demo)",
        idea="Members-only demo concept: neighbouring forces share one test range and "
        "its booking calendar instead of each building their own.",
        seeking="both",
    )  # fmt: skip

    _create(
        BestPractice, nc, ["lea"], "GREEN",
        title="Buying body-worn cameras in one joint tender (demo)",
        topic="Procurement", country_code="PL",
        what_was_done="In this demo story, several regional units wrote one specification "
        "and one tender instead of five.",
        lessons="Agree on the storage and deletion rules before the tender, not after.",
    )  # fmt: skip
    _create(
        BestPractice, officer_fr, ["members"], "GREEN",
        title="Boarding small craft with a two-boat approach (demo)",
        topic="Maritime patrols", country_code="FR",
        what_was_done="A demo account of how a second boat covers the far side of a "
        "vessel during an inspection.",
        lessons="Brief both crews together; radio silence on the approach.",
    )  # fmt: skip
    _create(
        BestPractice, secretariat, ["public"], "CLEAR",
        title="Running a practitioner workshop online and on site at once (demo)",
        topic="Networking", country_code="NL",
        what_was_done="The demo secretariat streamed the plenary and kept the break-out "
        "rooms on site only, so that sensitive discussions stayed in the room.",
    )  # fmt: skip

    _create(
        TechWatch, leader, ["members"], "GREEN",
        technology="Radar sensors small enough for a station platform (demo)",
        maturity="maturing", reviewed_on=date(2024, 10, 1),
        assessment="A demo assessment: cheaper units now see people and objects through "
        "light clothing at short range; false alarms in crowds remain the open question.",
        groups=[core_group],
    )  # fmt: skip
    _create(
        TechWatch, nc, [enlets], "AMBER",
        technology="Automated transcription of seized voice messages (demo)",
        maturity="emerging",
        assessment="Members-only demo entry: accuracy on regional dialects is still too "
        "low for evidence, but good enough to decide what a human should listen to first.",
    )  # fmt: skip

    uptakes = [
        (nc, kit, "pilot"),
        (leader, kit, "operational"),
        (officer_fr, kit, "evaluation"),
        (people[CORE_NL], kit, "interest"),
        (nc, report_format, "operational"),
        (officer_fr, report_format, "procurement"),
        (leader, guide, "operational"),
        (people[CORE_NL], guide, "evaluation"),
        (nc, harbour_data, "evaluation"),
    ]
    for person, result, stage in uptakes:
        uptake_record(viewer=_viewer(person), actor=person, result=result, stage=stage)
