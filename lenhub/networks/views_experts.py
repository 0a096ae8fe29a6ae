"""The expert finder page: vetted LEA members signed in with a second factor only."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control

from lenhub.access.policy import viewer_for_request
from lenhub.networks.experts import ExpertFilter, as_experts, find_experts, languages_listed

PER_PAGE = 50


@login_required
def expert_finder(request: HttpRequest) -> HttpResponse:
    """Anonymous visitors are sent to sign in; anyone signed in who is not a vetted LEA
    member with a second factor gets "not found", as if there were no such page."""
    viewer = viewer_for_request(request)
    if not viewer.is_lea:
        raise Http404
    form = ExpertFilter(request.GET or None, viewer=viewer, languages=languages_listed())
    people = find_experts(viewer=viewer, form=form)
    page = Paginator(people, PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    response = render(
        request,
        "networks/experts.html",
        {
            "form": form,
            "page": page,
            "experts": as_experts(page.object_list),
            "query": query.urlencode(),
        },
    )
    patch_cache_control(response, private=True, no_store=True)
    return response
