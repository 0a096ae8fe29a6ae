"""Directory exports: the public directory for everyone; a network's member list for
that network's members only ("not found" for everyone else), audited."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.text import slugify
from django.views.decorators.http import require_GET

from lenhub.access.policy import is_network_member, viewer_for_request
from lenhub.networks.exporting import directory_csv, directory_json, member_list_csv
from lenhub.networks.models import Network


def _attachment(body: str, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
def directory_export_csv(request: HttpRequest) -> HttpResponse:
    return _attachment(directory_csv(), "text/csv; charset=utf-8", "lenhub-directory.csv")


@require_GET
def directory_export_json(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(directory_json(), content_type="application/json")
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
def network_members_export_csv(request: HttpRequest, acronym: str) -> HttpResponse:
    """The member list as the members' page shows it, for the network's members."""
    network = get_object_or_404(Network, acronym=acronym)
    viewer = viewer_for_request(request)
    if not is_network_member(viewer, network.pk):
        raise Http404
    request._lenhub_nonpublic = True  # type: ignore[attr-defined]
    body = member_list_csv(network=network, viewer=viewer, request=request)
    return _attachment(body, "text/csv; charset=utf-8", f"{slugify(network.acronym)}-members.csv")
