"""The funding page: EU funding by start year, programme and participant country, as
charts with the same figures in tables, over the projects the reader may see."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from django import forms
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from lenhub.access.policy import viewer_for_request
from lenhub.knowledge.funding import (
    bar_chart,
    euros,
    funding_choices,
    funding_summary,
    programme_label,
)
from lenhub.knowledge.models import ProjectStatus
from lenhub.knowledge.views import country_name

Row = TypeVar("Row")
CHART_COUNTRIES = 20  # the country chart shows the largest; the table lists every one


class FundingForm(forms.Form):
    framework = forms.ChoiceField(label=_("Framework programme"), required=False)
    programme = forms.ChoiceField(label=_("Programme"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any")), *ProjectStatus.choices]
    )

    def __init__(self, *args: Any, frameworks: list[str], programmes: list[tuple[str, str]],
                 **kwargs: Any) -> None:  # fmt: skip
        super().__init__(*args, **kwargs)
        any_ = ("", _("Any"))
        framework = cast(forms.ChoiceField, self.fields["framework"])
        framework.choices = [any_, *((f, f) for f in frameworks)]
        cast(forms.ChoiceField, self.fields["programme"]).choices = [any_] + [
            (programme, programme_label(framework, programme))
            for framework, programme in programmes
        ]


def _search_link(filters: dict[str, str], **extra: str) -> str:
    """The knowledge search narrowed to one year or country, keeping the framework and
    status chosen here (the search calls the framework ``programme``)."""
    query = QueryDict(mutable=True)
    if filters.get("framework"):
        query["programme"] = filters["framework"]
    if filters.get("status"):
        query["status"] = filters["status"]
    query.update(extra)
    return "?" + query.urlencode()


@dataclass(frozen=True)
class Labelled(Generic[Row]):
    """A row of figures with what the page calls it, and where it leads (if anywhere)."""

    row: Row
    label: str
    link: str = ""


def knowledge_funding(request: HttpRequest) -> HttpResponse:
    viewer = viewer_for_request(request)
    frameworks, programmes = funding_choices(viewer)
    form = FundingForm(request.GET or None, frameworks=frameworks, programmes=programmes)
    filters: dict[str, str] = {}
    if form.is_valid():
        filters = {name: value for name, value in form.cleaned_data.items() if value}
    summary = funding_summary(viewer, **filters)

    years = [
        Labelled(year, str(year.year), _search_link(filters, year=str(year.year)))
        if year.year
        else Labelled(year, gettext("Start date not recorded"))
        for year in summary.by_year
    ]
    programme_rows = [
        Labelled(programme, programme_label(programme.framework, programme.programme))
        for programme in summary.by_programme
    ]
    countries = [
        Labelled(
            country,
            gettext(country_name(country.country_code)),
            _search_link(filters, country=country.country_code),
        )
        if country.country_code
        else Labelled(country, gettext("Country not recorded"))
        for country in summary.by_country
    ]
    charted = countries[:CHART_COUNTRIES]
    country_note = ""
    if len(charted) < len(countries):
        country_note = ngettext(
            "The chart shows the country with the largest sum; the table lists every country.",
            "The chart shows the %(count)d countries with the largest sums; the table lists "
            "every country.",
            len(charted),
        ) % {"count": len(charted)}
    context = {
        "form": form,
        "filtered": bool(filters),
        "summary": summary,
        "totals": {
            "eu_contribution": euros(summary.totals.eu_contribution),
            "total_cost": euros(summary.totals.total_cost),
        },
        "years": years,
        "programmes": programme_rows,
        "countries": countries,
        "year_chart": bar_chart([y.row for y in years], [y.label for y in years], with_cost=True),
        "programme_chart": bar_chart(
            [p.row for p in programme_rows], [p.label for p in programme_rows], with_cost=True
        ),
        "country_chart": bar_chart(
            [c.row for c in charted], [c.label for c in charted], with_cost=False
        ),
        "country_note": country_note,
    }
    return render(request, "knowledge/funding.html", context)
