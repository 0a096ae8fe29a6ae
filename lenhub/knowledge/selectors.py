"""Reads of the knowledge factory: each takes the reader and returns only what they may
see (DESIGN §2). Counts of uptake are derived data: they only count uptake records the
reader may see, of results the reader may see."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet

from lenhub.access.policy import Viewer, access_item, filter_visible
from lenhub.knowledge.models import (
    BestPractice,
    Concept,
    Project,
    Result,
    TechWatch,
    Uptake,
    UptakeStage,
)

STAGES = [stage for stage, _label in UptakeStage.choices]


def projects_visible(*, viewer: Viewer) -> QuerySet[Project]:
    return filter_visible(viewer, Project.objects.all())


def results_visible(*, viewer: Viewer, filters: dict[str, Any] | None = None) -> QuerySet[Result]:
    items = filter_visible(viewer, Result.objects.select_related("project"))
    filters = filters or {}
    if filters.get("kind"):
        items = items.filter(kind=filters["kind"])
    if filters.get("trl"):
        items = items.filter(trl=filters["trl"])
    if filters.get("availability"):
        items = items.filter(availability=filters["availability"])
    if filters.get("project"):
        items = items.filter(project_id=filters["project"])
    if filters.get("q"):
        items = items.filter(
            Q(title__icontains=filters["q"]) | Q(description__icontains=filters["q"])
        )
    return items


def result_get(*, viewer: Viewer, pk: object) -> Result:
    return access_item(viewer, Result.objects.select_related("project"), pk)


def concepts_visible(*, viewer: Viewer, filters: dict[str, Any] | None = None) -> QuerySet[Concept]:
    items = filter_visible(viewer, Concept.objects.all())
    filters = filters or {}
    if filters.get("seeking"):
        items = items.filter(seeking=filters["seeking"])
    if filters.get("q"):
        items = items.filter(Q(title__icontains=filters["q"]) | Q(idea__icontains=filters["q"]))
    return items


def concept_get(*, viewer: Viewer, pk: object) -> Concept:
    return access_item(viewer, Concept.objects.all(), pk)


def bestpractices_visible(
    *, viewer: Viewer, filters: dict[str, Any] | None = None
) -> QuerySet[BestPractice]:
    items = filter_visible(viewer, BestPractice.objects.all())
    filters = filters or {}
    if filters.get("topic"):
        items = items.filter(topic__icontains=filters["topic"])
    if filters.get("country"):
        items = items.filter(country_code=filters["country"])
    if filters.get("q"):
        items = items.filter(
            Q(title__icontains=filters["q"]) | Q(what_was_done__icontains=filters["q"])
        )
    return items


def bestpractice_get(*, viewer: Viewer, pk: object) -> BestPractice:
    return access_item(viewer, BestPractice.objects.all(), pk)


def techwatch_visible(
    *, viewer: Viewer, filters: dict[str, Any] | None = None
) -> QuerySet[TechWatch]:
    items = filter_visible(viewer, TechWatch.objects.prefetch_related("relevant_groups"))
    filters = filters or {}
    if filters.get("maturity"):
        items = items.filter(maturity=filters["maturity"])
    if filters.get("group"):
        items = items.filter(relevant_groups=filters["group"])
    if filters.get("q"):
        items = items.filter(
            Q(technology__icontains=filters["q"]) | Q(assessment__icontains=filters["q"])
        )
    return items


def techwatch_get(*, viewer: Viewer, pk: object) -> TechWatch:
    return access_item(viewer, TechWatch.objects.prefetch_related("relevant_groups"), pk)


def project_ids_visible(*, viewer: Viewer, ids: set[int]) -> set[int]:
    """Which of these projects the reader may see (to link to them, or not)."""
    found = filter_visible(viewer, Project.objects.filter(pk__in=ids))
    return set(found.values_list("pk", flat=True))


# --- uptake -----------------------------------------------------------------------------


def uptake_visible(*, viewer: Viewer) -> QuerySet[Uptake]:
    """Uptake records the reader may see. A record is never wider than its result, and
    the result's own visibility is checked too, so a result narrowed later never shows
    through its uptake."""
    results = filter_visible(viewer, Result.objects.all()).values("pk")
    return filter_visible(viewer, Uptake.objects.all()).filter(result__in=results)


@dataclass
class UptakeCounts:
    by_stage: list[tuple[str, str, int]]  # (stage, label, count), every stage
    by_country: list[tuple[str, int]]  # (country code, count)
    total: int


def uptake_counts(*, viewer: Viewer, result: Result | None = None) -> UptakeCounts:
    records = uptake_visible(viewer=viewer)
    if result is not None:
        records = records.filter(result=result)
    stages = dict(records.values_list("stage").annotate(n=Count("pk")).order_by())
    countries = records.values_list("country_code").annotate(n=Count("pk")).order_by()
    return UptakeCounts(
        by_stage=[
            (value, str(label), stages.get(value, 0)) for value, label in UptakeStage.choices
        ],
        by_country=sorted(countries, key=lambda row: row[0]),
        total=sum(stages.values()),
    )


@dataclass
class UptakeRow:
    key: Any  # a Result or a country code
    counts: list[int]
    total: int


@dataclass
class UptakeSummary:
    by_result: list[UptakeRow] = field(default_factory=list)
    by_country: list[UptakeRow] = field(default_factory=list)
    by_stage: list[int] = field(default_factory=list)
    total: int = 0


def uptake_summary(*, viewer: Viewer) -> UptakeSummary:
    """Visible uptake counted per result and per country, one column per stage."""
    records = uptake_visible(viewer=viewer)
    per_result: dict[int, dict[str, int]] = defaultdict(dict)
    per_country: dict[str, dict[str, int]] = defaultdict(dict)
    rows = records.values_list("result_id", "country_code", "stage").annotate(n=Count("pk"))
    for result_id, country, stage, n in rows.order_by():
        per_result[result_id][stage] = per_result[result_id].get(stage, 0) + n
        per_country[country][stage] = per_country[country].get(stage, 0) + n
    results = Result.objects.select_related("project").in_bulk(list(per_result))

    def row(key: Any, counts: dict[str, int]) -> UptakeRow:
        cells = [counts.get(stage, 0) for stage in STAGES]
        return UptakeRow(key=key, counts=cells, total=sum(cells))

    summary = UptakeSummary(
        by_result=sorted(
            (row(results[pk], counts) for pk, counts in per_result.items()),
            key=lambda r: (-r.total, r.key.title),
        ),
        by_country=sorted(
            (row(code, counts) for code, counts in per_country.items()), key=lambda r: r.key
        ),
    )
    summary.by_stage = [sum(r.counts[i] for r in summary.by_result) for i in range(len(STAGES))]
    summary.total = sum(summary.by_stage)
    return summary


def uptake_of_organisation(*, viewer: Viewer, result: Result) -> Uptake | None:
    """The reader's own organisation's record of this result, if they may see it."""
    if viewer.organisation_id is None:
        return None
    return (
        uptake_visible(viewer=viewer)
        .filter(result=result, organisation_id=viewer.organisation_id)
        .first()
    )
