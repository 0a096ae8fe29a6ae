"""Knowledge factory pages: one search with facets, and a page per project."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pycountry
from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from lenhub.access.policy import access_item, filter_visible, record_read, viewer_for_request
from lenhub.knowledge.models import (
    Availability,
    Maturity,
    Project,
    ProjectStatus,
    Seeking,
)
from lenhub.needs.models import NeedStatus
from lenhub.search.models import SearchDocument
from lenhub.search.services import FACETS, more_like_this, search

PER_PAGE = 20
FACET_LABELS = {
    "type": _("Type"),
    "programme": _("Programme"),
    "status": _("Status"),
    "year": _("Start year"),
    "country": _("Participant country"),
    "topic": _("Topic"),
    "trl": _("Readiness level"),
}


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    type = forms.CharField(required=False, max_length=30)
    programme = forms.CharField(required=False, max_length=60)
    status = forms.CharField(required=False, max_length=20)
    topic = forms.CharField(required=False, max_length=80)
    country = forms.CharField(required=False, max_length=2)
    year = forms.IntegerField(required=False, min_value=1900, max_value=2100)
    trl = forms.IntegerField(required=False, min_value=1, max_value=9)
    page = forms.IntegerField(required=False, min_value=1, max_value=500)


def country_name(code: str) -> str:
    found = pycountry.countries.get(alpha_2=code) if len(code) == 2 else None
    return found.name if found else ("Kosovo" if code == "XK" else code)


KIND_LABELS = {
    "project": _("Research project"),
    "result": _("Result"),
    "concept": _("Project concept"),
    "bestpractice": _("Best practice"),
    "techwatch": _("Technology watch"),
    "news": _("News"),
    "need": _("Practitioners' need"),
    "guidance": _("Guidance"),
}
STATUS_LABELS = {
    **dict(ProjectStatus.choices),
    **dict(Availability.choices),
    **dict(Seeking.choices),
    **dict(Maturity.choices),
    **dict(NeedStatus.choices),
}


def _facet_label(name: str, value: str) -> str:
    if name == "country":
        return country_name(value)
    if name == "status":
        return str(STATUS_LABELS.get(value, value))
    if name == "type":
        return str(KIND_LABELS.get(value, value))
    return value


def knowledge_search(request: HttpRequest) -> HttpResponse:
    viewer = viewer_for_request(request)
    form = SearchForm(request.GET or None)
    data: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    filters = {name: data.get(name) for name in FACETS if data.get(name) not in (None, "")}
    page = data.get("page") or 1
    result = search(
        viewer, data.get("q") or "", filters=filters, limit=PER_PAGE,
        offset=(page - 1) * PER_PAGE,
    )  # fmt: skip
    base = request.GET.copy()
    base.pop("page", None)
    facets = []
    for name in FACETS:
        values = []
        for value, count in result.facets.get(name, []):
            link = base.copy()
            chosen = str(filters.get(name, "")) == value
            if chosen:
                link.pop(name, None)
            else:
                link[name] = value
            label = _facet_label(name, value)
            values.append(
                {"value": value, "label": label, "count": count, "chosen": chosen,
                 "query": link.urlencode()}
            )  # fmt: skip
        if values:
            facets.append({"name": name, "label": FACET_LABELS[name], "values": values})
    for hit in result.hits:
        hit.snippet = mark_safe(hit.snippet)  # noqa: S308 - escaped by search._marked
        hit.kind_label = str(KIND_LABELS.get(hit.kind, hit.kind))  # type: ignore[attr-defined]
    pages = (result.total + PER_PAGE - 1) // PER_PAGE
    context = {
        "form": form,
        "result": result,
        "facets": facets,
        "page": page,
        "pages": pages,
        "previous": base.urlencode() + f"&page={page - 1}" if page > 1 else "",
        "next": base.urlencode() + f"&page={page + 1}" if page < pages else "",
        "filtered": bool(filters),
    }
    return render(request, "knowledge/search.html", context)


def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = viewer_for_request(request)
    project = access_item(viewer, Project.objects.all(), pk)
    record_read(viewer, project, request=request)
    by_country: dict[str, list[Any]] = defaultdict(list)
    participations = list(
        project.participations.select_related(
            "organisation", "organisation__directory_organisation"
        ).order_by("-role", "organisation__name")
    )
    for participation in participations:
        by_country[participation.organisation.country_code].append(participation)
    countries = sorted(
        ((country_name(code), code, rows) for code, rows in by_country.items()),
        key=lambda row: row[0],
    )
    results = filter_visible(viewer, project.results.all()).prefetch_related("audience_keys")
    document = SearchDocument.objects.filter(kind="project", object_id=project.pk).first()
    similar = more_like_this(viewer, document).hits if document else []
    context = {
        "project": project,
        "countries": countries,
        "lea_count": sum(1 for p in participations if p.organisation.is_lea),
        "similar": similar,
        "results": list(results.select_related("project")),
        "may_add_result": viewer.is_member and viewer.organisation_id is not None,
    }
    return render(request, "knowledge/project_detail.html", context)
