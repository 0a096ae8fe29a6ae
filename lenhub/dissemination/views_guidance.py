"""Pages for top-down guidance: the list, publishing, a guidance page (acknowledge,
relay), and reach per country. Items come through the policy (``guidance_get``: 404 for
what the reader may not see); reach is shown to the network's secretariat and, for their
own country, its National Contacts, and is 404 for everyone else."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lenhub.access.policy import AudienceError, record_read
from lenhub.access.policy import viewer_for_request as _viewer
from lenhub.accounts.models import Country
from lenhub.dissemination import selectors
from lenhub.dissemination.forms import GuidanceFilter, GuidanceForm, RelayForm
from lenhub.dissemination.services import (
    guidance_acknowledge,
    guidance_open,
    guidance_publish,
    guidance_relay,
)
from lenhub.networks.models import Network

PER_PAGE = 20


def _country_names(codes: list[str]) -> dict[str, str]:
    names = dict(Country.objects.filter(code__in=codes).values_list("code", "name"))
    return {code: names.get(code, code) or _("Unknown") for code in codes}


def guidance_list(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    visible = selectors.guidance_visible(viewer=viewer)
    networks = Network.objects.filter(pk__in=visible.values("network_id")).order_by("acronym")
    form = GuidanceFilter(request.GET or None, networks=[(n.pk, n.acronym) for n in networks])
    filters = dict(form.cleaned_data) if form.is_valid() else {}
    items = selectors.guidance_visible(viewer=viewer, filters=filters)
    page = Paginator(items.prefetch_related("audience_keys"), PER_PAGE).get_page(
        filters.get("page") or 1
    )
    receipts = selectors.receipts_of(
        user=request.user, guidance_ids=[item.pk for item in page.object_list]
    )
    member_of = {int(key.split(":", 1)[1]) for key in viewer.keys if key.startswith("network:")}
    rows = [(item, receipts.get(item.pk), item.network_id in member_of) for item in page]
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page_obj": page,
        "rows": rows,
        "query": query.urlencode(),
        "may_publish": selectors.publishing_networks(user=request.user, viewer=viewer).exists(),
    }
    return render(request, "dissemination/guidance_list.html", context)


def guidance_detail(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = _viewer(request)
    item = selectors.guidance_get(viewer=viewer, pk=pk)
    record_read(viewer, item, request=request)
    receipt = guidance_open(user=request.user, guidance=item)
    countries = selectors.relay_countries(user=request.user, viewer=viewer, guidance=item)
    names = _country_names(countries)
    context: dict[str, Any] = {
        "item": item,
        "receipt": receipt,
        "relay_form": RelayForm(countries=[(c, names[c]) for c in countries])
        if countries
        else None,
        "may_see_reach": bool(countries)
        or selectors.may_publish(user=request.user, viewer=viewer, network_id=item.network_id),
    }
    return render(request, "dissemination/guidance_detail.html", context)


@login_required
@require_POST
def guidance_acknowledge_view(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = _viewer(request)
    item = selectors.guidance_get(viewer=viewer, pk=pk)
    try:
        guidance_acknowledge(user=request.user, viewer=viewer, guidance=item)
    except PermissionDenied as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Thank you: your acknowledgement is recorded."))
    return redirect(item.get_absolute_url())


@login_required
@require_POST
def guidance_relay_view(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = _viewer(request)
    item = selectors.guidance_get(viewer=viewer, pk=pk)
    countries = selectors.relay_countries(user=request.user, viewer=viewer, guidance=item)
    if not countries:
        raise PermissionDenied
    form = RelayForm(request.POST, countries=[(c, c) for c in countries])
    if not form.is_valid():
        messages.error(request, _("Choose your country."))
        return redirect(item.get_absolute_url())
    relay = guidance_relay(
        actor=request.user,  # type: ignore[arg-type]
        viewer=viewer,
        guidance=item,
        country=form.cleaned_data["country"],
        note=form.cleaned_data["note"],
    )
    messages.success(
        request,
        _("Relayed to %(count)d people in your country.") % {"count": relay.recipients},
    )
    return redirect(item.get_absolute_url())


@login_required
def guidance_new(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    networks = list(selectors.publishing_networks(user=request.user, viewer=viewer))
    if not networks:
        raise PermissionDenied
    form = GuidanceForm(
        request.POST or None,
        viewer=viewer,
        actor=request.user,
        networks=[(n.pk, f"{n.acronym}: {n.name}") for n in networks],
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            item = guidance_publish(
                actor=request.user,  # type: ignore[arg-type]
                viewer=viewer,
                network=next(n for n in networks if n.pk == data["network"]),
                kind=data["kind"],
                title=data["title"],
                summary=data["summary"],
                body=data["body"],
                reference=data["reference"],
                source_url=data["source_url"],
                requires_acknowledgement=data["requires_acknowledgement"],
                audience=data["audience"].split(),
                tlp=data["tlp"],
            )
        except (AudienceError, PermissionDenied) as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Published; everyone in its audience is notified."))
            return redirect(item.get_absolute_url())
    return render(request, "dissemination/guidance_form.html", {"form": form})


def guidance_reach_view(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = _viewer(request)
    item = selectors.guidance_get(viewer=viewer, pk=pk)
    countries = selectors.reach_scope(user=request.user, viewer=viewer, guidance=item)
    reach = selectors.guidance_reach(guidance=item, countries=countries)
    codes = [row.country for row in reach.rows] + [relay.country_code for relay in reach.relays]
    names = _country_names(codes)
    context = {
        "item": item,
        "reach": reach,
        "rows": [(names[row.country], row) for row in reach.rows],
        "relays": [(names[relay.country_code], relay) for relay in reach.relays],
        "all_countries": countries is None,
    }
    return render(request, "dissemination/guidance_reach.html", context)
