"""The knowledge factory's items in the search index."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

from lenhub.knowledge.models import (
    BestPractice,
    Concept,
    Participation,
    Project,
    Result,
    TechWatch,
)
from lenhub.search.registry import Entry, search_register


def _projects() -> QuerySet[Project]:
    return Project.objects.prefetch_related(
        "audience_keys",
        Prefetch(
            "participations",
            queryset=Participation.objects.select_related("organisation"),
        ),
    )


def project_entry(project: Any) -> Entry:
    organisations = [p.organisation for p in project.participations.all()]
    # not the participants' names: "police" or "border guard" in a participant's name
    # says little about what the project does, and ranked such projects first
    # (bench/RESULTS.md)
    keywords = " ".join(
        [project.acronym, project.topics.replace(";", " "), project.call, project.programme]
    )
    return Entry(
        title=f"{project.acronym}: {project.title}",
        keywords=keywords,
        body=project.summary,
        url=project.get_absolute_url(),
        source_id=project.source_id if project.source == "cordis" else "",
        programme=project.framework,
        status=project.status,
        year=project.start_date.year if project.start_date else None,
        sort_date=project.start_date,
        countries=sorted({o.country_code for o in organisations if o.country_code}),
        topics=[t.strip() for t in project.topics.split(";") if t.strip()],
    )


def result_entry(result: Any) -> Entry:
    project = result.project
    return Entry(
        title=result.title,
        keywords=" ".join(
            [result.get_kind_display(), project.acronym if project else "", result.licence]
        ),
        body=result.description,
        url=result.get_absolute_url(),
        status=result.availability,
        trl=result.trl,
        year=result.published_on.year if result.published_on else None,
        sort_date=result.published_on or result.created_at.date(),
        topics=[str(result.get_kind_display())],
    )


def concept_entry(concept: Any) -> Entry:
    return Entry(
        title=concept.title,
        keywords=concept.needs_addressed,
        body=concept.idea,
        url=concept.get_absolute_url(),
        status=concept.seeking,
        year=concept.created_at.year,
        sort_date=concept.created_at.date(),
    )


def bestpractice_entry(practice: Any) -> Entry:
    return Entry(
        title=practice.title,
        keywords=practice.topic,
        body="\n\n".join([practice.what_was_done, practice.lessons]),
        url=practice.get_absolute_url(),
        year=practice.created_at.year,
        sort_date=practice.created_at.date(),
        countries=[practice.country_code] if practice.country_code else [],
        topics=[practice.topic],
    )


def techwatch_entry(entry: Any) -> Entry:
    groups = list(entry.relevant_groups.all())
    return Entry(
        title=entry.technology,
        keywords=" ".join(group.name for group in groups),
        body=entry.assessment,
        url=entry.get_absolute_url(),
        status=entry.maturity,
        year=(entry.reviewed_on or entry.created_at).year,
        sort_date=entry.reviewed_on or entry.created_at.date(),
        topics=[group.name for group in groups],
    )


def register() -> None:
    search_register("project", Project, project_entry, queryset=_projects)
    search_register(
        "result", Result, result_entry, queryset=lambda: Result.objects.select_related("project")
    )
    search_register("concept", Concept, concept_entry)
    search_register("bestpractice", BestPractice, bestpractice_entry)
    search_register(
        "techwatch",
        TechWatch,
        techwatch_entry,
        queryset=lambda: TechWatch.objects.prefetch_related("relevant_groups"),
    )
