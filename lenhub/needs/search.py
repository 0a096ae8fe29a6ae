"""Needs in the one search. Only submitted and accepted needs are indexed: a draft is
its reporter's alone, and rejected or merged needs are kept out of search (their page
says what became of them); a need leaving the indexed states is removed on commit."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from lenhub.needs.models import Need, NeedStatus
from lenhub.search.registry import Entry, search_register

INDEXED_STATUSES = (NeedStatus.SUBMITTED, NeedStatus.ACCEPTED)


def _needs() -> QuerySet[Need]:
    return Need.objects.filter(status__in=INDEXED_STATUSES).prefetch_related("countries")


def need_entry(need: Any) -> Entry:
    return Entry(
        title=need.title,
        keywords=" ".join([str(need.get_kind_display()), str(need.get_crime_area_display())]),
        body="\n\n".join(
            part
            for part in (
                need.problem,
                need.capability_wanted,
                need.current_practice,
                need.operational_context,
            )
            if part
        ),
        url=need.get_absolute_url(),
        status=need.status,
        year=need.created_at.year,
        sort_date=need.created_at.date(),
        countries=sorted(country.code for country in need.countries.all()),
        topics=[str(need.get_crime_area_display())],
    )


def register() -> None:
    search_register("need", Need, need_entry, queryset=_needs)
