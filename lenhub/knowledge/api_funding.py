"""API: EU funding of the research projects the caller may read, summed by start year,
programme and participant country (the figures of the funding page)."""

from __future__ import annotations

from decimal import Decimal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from lenhub.access.policy import tlp_label
from lenhub.api.auth import OPTIONAL_AUTH, principal
from lenhub.api.errors import COMMON, documented
from lenhub.knowledge.funding import funding_summary, programme_label
from lenhub.knowledge.models import ProjectStatus
from lenhub.knowledge.views import country_name

router = Router(tags=["knowledge"])


class FundingParams(Schema):
    framework: str | None = Field(None, max_length=20, description="e.g. H2020 or FP7.")
    programme: str | None = Field(
        None, max_length=200, description="A programme exactly as recorded, e.g. FP7-SECURITY."
    )
    status: ProjectStatus | None = Field(None, description="Only projects with this status.")


class FundingTotalsOut(Schema):
    projects: int
    eu_contribution: Decimal = Field(description="Sum of the projects' EU contribution (EUR).")
    total_cost: Decimal = Field(description="Sum of the projects' total cost (EUR).")
    projects_without_eu_contribution: int = Field(description="Counted as 0 in the sum.")
    projects_without_total_cost: int = Field(description="Counted as 0 in the sum.")


class FundingYearOut(Schema):
    year: int | None = Field(description="Start year; null when no start date is recorded.")
    projects: int
    eu_contribution: Decimal
    total_cost: Decimal


class FundingProgrammeOut(Schema):
    framework: str
    programme: str = Field(description="As recorded; CORDIS joins several with ';'.")
    label: str
    projects: int
    eu_contribution: Decimal
    total_cost: Decimal


class FundingCountryOut(Schema):
    country: str = Field(description="ISO 3166-1 code; empty when not recorded.")
    name: str
    participations: int
    projects: int
    eu_contribution: Decimal = Field(
        description="Sum of the EU contribution recorded for each participant from the "
        "country (EUR). No total cost is recorded per participant."
    )
    participations_without_amount: int = Field(description="Counted as 0 in the sum.")


class FundingOut(Schema):
    tlp: str = Field(description="The most restrictive label among the projects counted.")
    totals: FundingTotalsOut
    by_year: list[FundingYearOut]
    by_programme: list[FundingProgrammeOut]
    by_country: list[FundingCountryOut]


@router.get(
    "/funding",
    response={200: FundingOut, **documented(*COMMON, 403)},
    summary="EU funding by start year, programme and country",
    description="Sums of the EU contribution and total cost of the research projects the "
    "caller may read, by start year and by programme, and of each participant's EU "
    "contribution by the participant's country. Anonymous callers get sums over public "
    "projects only; a project the caller may not read is never added in.",
    openapi_extra=OPTIONAL_AUTH,
)
def funding(request: HttpRequest, params: Query[FundingParams]) -> FundingOut:
    caller = principal(request, "knowledge:read")
    summary = funding_summary(
        caller.viewer,
        framework=params.framework or "",
        programme=params.programme or "",
        status=params.status or "",
    )
    totals = summary.totals
    return FundingOut(
        tlp=tlp_label(summary.tlp),
        totals=FundingTotalsOut(
            projects=totals.projects,
            eu_contribution=totals.eu_contribution,
            total_cost=totals.total_cost,
            projects_without_eu_contribution=totals.projects_without_eu_contribution,
            projects_without_total_cost=totals.projects_without_total_cost,
        ),
        by_year=[
            FundingYearOut(
                year=row.year,
                projects=row.projects,
                eu_contribution=row.eu_contribution,
                total_cost=row.total_cost,
            )
            for row in summary.by_year
        ],
        by_programme=[
            FundingProgrammeOut(
                framework=row.framework,
                programme=row.programme,
                label=programme_label(row.framework, row.programme),
                projects=row.projects,
                eu_contribution=row.eu_contribution,
                total_cost=row.total_cost,
            )
            for row in summary.by_programme
        ],
        by_country=[
            FundingCountryOut(
                country=row.country_code,
                name=country_name(row.country_code) if row.country_code else "",
                participations=row.participations,
                projects=row.projects,
                eu_contribution=row.eu_contribution,
                participations_without_amount=row.participations_without_amount,
            )
            for row in summary.by_country
        ],
    )
