"""Demo data for monitoring (called by ``lenhub demo``): two research projects of our
own invention, results at two labels, a few follows, then the scan, so that the demo
people find a timeline and notifications on their Following page. Idempotent."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from lenhub.access.services import restricted_set_audience
from lenhub.knowledge.models import (
    Maturity,
    Project,
    ProjectStatus,
    Result,
    ResultKind,
    TechWatch,
)
from lenhub.monitoring.models import Follow, FollowKind
from lenhub.monitoring.services import monitoring_scan

if TYPE_CHECKING:
    from lenhub.accounts.models import User
    from lenhub.networks.models import Group, Network


def _project(source_id: str, **fields: Any) -> Project:
    project, created = Project.objects.get_or_create(
        source="demo", source_id=source_id, defaults=fields
    )
    if created:
        restricted_set_audience(item=project, audience=["public"], tlp="CLEAR", actor=None)
    return project


def _result(project: Project, title: str, audience: list[str], tlp: str, **fields: Any) -> None:
    result, created = Result.objects.get_or_create(project=project, title=title, defaults=fields)
    if created:
        restricted_set_audience(item=result, audience=audience, tlp=tlp, actor=None)


def demo_monitoring(
    people: dict[str, User], networks: dict[str, Network], groups: dict[tuple[str, str], Group]
) -> None:
    today = timezone.localdate()
    rail = _project(
        "demo-rail",
        acronym="SAFESTATION",
        title="Safer railway stations through shared incident data",
        topics="DEMO-RAIL-2024",
        framework="HORIZON",
        programme="HORIZON.2.3",
        total_cost=Decimal("4200000"),
        eu_contribution=Decimal("3990000"),
        start_date=today - timedelta(days=900),
        end_date=today + timedelta(days=45),
        status=ProjectStatus.ONGOING,
        summary="A demonstration project: railway police and operators pool incident "
        "reports to plan patrols.",
    )
    coast = _project(
        "demo-coast",
        acronym="TIDELINE",
        title="Coastal surveillance with low-cost sensors",
        topics="DEMO-MARITIME-2023",
        framework="H2020",
        programme="H2020-EU.3.7.",
        total_cost=Decimal("1750000"),
        eu_contribution=Decimal("1500000"),
        start_date=today - timedelta(days=1200),
        end_date=today - timedelta(days=20),
        status=ProjectStatus.ENDED,
        summary="A demonstration project: cheap shore sensors feed a shared picture of "
        "small-boat traffic.",
    )
    _result(
        rail,
        "Incident data exchange format, first version",
        ["public"],
        "CLEAR",
        kind=ResultKind.STANDARD,
        description="An open format for sharing station incident reports.",
        published_on=today - timedelta(days=3),
    )
    _result(
        rail,
        "Pilot evaluation for ENLETS members",
        [f"network:{networks['ENLETS'].pk}"],
        "AMBER",
        kind=ResultKind.DELIVERABLE,
        description="How the pilot went at two stations, for ENLETS members only.",
        published_on=today - timedelta(days=1),
    )
    _result(
        coast,
        "Sensor placement guide",
        ["members"],
        "GREEN",
        kind=ResultKind.PUBLICATION,
        description="Where to put shore sensors, and what they miss.",
        published_on=today - timedelta(days=10),
    )
    follows: list[tuple[str, dict[str, Any]]] = [
        ("officer@gendarmerie.fr.test", {"kind": FollowKind.PROJECT, "project": rail}),
        ("officer@gendarmerie.fr.test", {"kind": FollowKind.PROJECT, "project": coast}),
        ("officer@gendarmerie.fr.test", {"kind": FollowKind.TOPIC, "topic": "demo-rail-2024"}),
        ("researcher@ugent.be.test", {"kind": FollowKind.PROJECT, "project": rail}),
        (
            "leader@bundespolizei.de.test",
            {"kind": FollowKind.GROUP, "group": groups[("RAILPOL", "Counter Terrorism")]},
        ),
    ]
    for email, target in follows:
        Follow.objects.get_or_create(user=people[email], **target)
    entry, created = TechWatch.objects.get_or_create(
        technology="Thermal cameras for tunnel inspections",
        defaults={
            "maturity": Maturity.MATURING,
            "assessment": "Useful to spot people in dark tunnels; costs are falling and "
            "several railway operators are testing them.",
            "reviewed_on": today,
        },
    )
    if created:
        railpol = networks["RAILPOL"].pk
        restricted_set_audience(item=entry, audience=[f"network:{railpol}"], tlp="GREEN",
                                actor=None)  # fmt: skip
        entry.relevant_groups.add(groups[("RAILPOL", "Counter Terrorism")])
    monitoring_scan()
