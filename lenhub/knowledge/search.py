"""The knowledge factory's items in the search index."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

from lenhub.knowledge.models import Participation, Project
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


def register() -> None:
    search_register("project", Project, project_entry, queryset=_projects)
