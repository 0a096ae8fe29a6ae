"""API: the one search over what the caller may read, and the knowledge factory's
project records."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from lenhub.access.policy import access_item, effective_tlp, record_read, tlp_label
from lenhub.api.auth import OPTIONAL_AUTH, principal
from lenhub.api.errors import COMMON, documented
from lenhub.knowledge.models import Project
from lenhub.search.services import FACETS, search

router = Router(tags=["knowledge"])


class SearchParams(Schema):
    q: str = Field("", max_length=200, description="Words, as a practitioner would ask.")
    type: str | None = Field(None, max_length=30, description="Only this type, e.g. project.")
    programme: str | None = Field(None, max_length=60, description="e.g. H2020 or FP7.")
    status: str | None = Field(None, max_length=20, description="e.g. ongoing or ended.")
    topic: str | None = Field(None, max_length=80, description="A call topic code.")
    country: str | None = Field(None, min_length=2, max_length=2, description="ISO code.")
    year: int | None = Field(None, ge=1900, le=2100, description="Start year.")
    trl: int | None = Field(None, ge=1, le=9, description="Technology readiness level.")
    limit: int = Field(20, ge=1, le=100, description="How many results (1-100).")
    offset: int = Field(0, ge=0, le=10_000, description="How many results to skip.")
    facets: bool = Field(True, description="Count results per facet value.")


class SearchHitOut(Schema):
    type: str
    id: int
    title: str
    score: float
    url: str
    tlp: str
    snippet: str = Field(description="HTML-escaped text with the matching words in <mark>.")
    source_id: str | None = Field(None, description="The CORDIS project id, for imports.")


class FacetValueOut(Schema):
    value: str
    count: int


class SearchOut(Schema):
    results: list[SearchHitOut]
    total: int
    relaxed: bool = Field(
        description="True when too few items match every word: the results then include "
        "items matching some of the words, those matching every word first."
    )
    limit: int
    offset: int
    facets: dict[str, list[FacetValueOut]]


@router.get(
    "/search",
    response={200: SearchOut, **documented(*COMMON, 403)},
    summary="Search what you may read",
    description="Ranked full-text search with filters, facet counts and snippets. "
    "Anonymous callers search what is public; results, totals, facets and snippets only "
    "ever count what the caller may read.",
    openapi_extra=OPTIONAL_AUTH,
)
def search_op(request: HttpRequest, params: Query[SearchParams]) -> dict[str, object]:
    caller = principal(request, "knowledge:read")
    filters = {name: getattr(params, name) for name in FACETS}
    result = search(
        caller.viewer,
        params.q,
        filters=filters,
        limit=params.limit,
        offset=params.offset,
        facets=params.facets,
    )
    # plain dicts: the response schema validates them once (building a Schema per hit
    # and facet value, validated again on the way out, took half of a call's time)
    return {
        "results": [
            {
                "type": hit.kind,
                "id": hit.object_id,
                "title": hit.title,
                "score": hit.score,
                "url": hit.url,
                "tlp": tlp_label(hit.tlp),
                "snippet": hit.snippet,
                "source_id": hit.source_id or None,
            }
            for hit in result.hits
        ],
        "total": result.total,
        "relaxed": result.relaxed,
        "limit": params.limit,
        "offset": params.offset,
        "facets": {
            name: [{"value": v, "count": n} for v, n in values]
            for name, values in result.facets.items()
        },
    }


class ParticipantOut(Schema):
    name: str
    country: str
    role: str
    law_enforcement: bool
    eu_contribution: Decimal | None


class ProjectOut(Schema):
    id: int
    acronym: str
    title: str
    framework: str
    programme: str
    call: str
    topics: list[str]
    funding_scheme: str
    start_date: date | None
    end_date: date | None
    total_cost: Decimal | None
    eu_contribution: Decimal | None
    status: str
    source_id: str | None
    website: str
    summary: str
    tlp: str
    participants: list[ParticipantOut]


@router.get(
    "/projects/{int:project_id}",
    response={200: ProjectOut, **documented(*COMMON, 403, 404)},
    summary="One research project with its participants",
    openapi_extra=OPTIONAL_AUTH,
)
def project_detail(request: HttpRequest, project_id: int) -> ProjectOut:
    caller = principal(request, "knowledge:read")
    project = access_item(caller.viewer, Project.objects.all(), project_id)
    record_read(caller.viewer, project, request=request)
    participations = project.participations.select_related("organisation").order_by(
        "-role", "organisation__name"
    )
    return ProjectOut(
        id=project.pk,
        acronym=project.acronym,
        title=project.title,
        framework=project.framework,
        programme=project.programme,
        call=project.call,
        topics=[t for t in project.topics.split(";") if t],
        funding_scheme=project.funding_scheme,
        start_date=project.start_date,
        end_date=project.end_date,
        total_cost=project.total_cost,
        eu_contribution=project.eu_contribution,
        status=project.status,
        source_id=project.source_id if project.source == "cordis" else None,
        website=project.website,
        summary=project.summary,
        tlp=tlp_label(effective_tlp(project)),
        participants=[
            ParticipantOut(
                name=p.organisation.name,
                country=p.organisation.country_code,
                role=p.role,
                law_enforcement=p.organisation.is_lea,
                eu_contribution=p.eu_contribution,
            )
            for p in participations
        ],
    )
