"""Pages: roadmaps (list, versions, differences, PDF, building and publishing), the gaps
of a network, and the knowledge links of a need. Adapters only: every read goes through
``lenhub.needs.roadmap`` / ``lenhub.needs.gaps``, which ask the access policy."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from lenhub.access.policy import (
    AudienceError,
    Viewer,
    handling,
    record_read,
)
from lenhub.access.policy import viewer_for_request as _viewer
from lenhub.audit.services import audit_log
from lenhub.knowledge.forms import AudienceForm
from lenhub.needs import gaps, roadmap
from lenhub.needs.models import Coverage, RoadmapVersion
from lenhub.needs.pdf import roadmap_pdf

# --- forms --------------------------------------------------------------------------------


class RoadmapForm(AudienceForm):
    round = forms.TypedChoiceField(label=gettext_lazy("Closed round"), coerce=int)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    introduction = forms.CharField(
        label=gettext_lazy("Introduction"), widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
    )  # fmt: skip

    field_order = ["round", "title", "introduction", "audience", "tlp"]

    def __init__(self, *args: Any, rounds: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["round"].choices = rounds  # type: ignore[attr-defined]


class LinkDecisionForm(forms.Form):
    coverage = forms.ChoiceField(
        label=gettext_lazy("Does it answer the need?"),
        choices=[(c, Coverage(c).label) for c in gaps.DECISIONS],
    )
    note = forms.CharField(label=gettext_lazy("Note"), max_length=2000, required=False)


# --- roadmaps -----------------------------------------------------------------------------


def roadmap_list(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    latest = roadmap.roadmaps_latest(viewer=viewer)
    return render(request, "needs/roadmap_list.html", {"roadmaps": latest})


def _page(
    request: HttpRequest, viewer: Viewer, version: RoadmapVersion, template: str, **context: Any
) -> HttpResponse:
    manage = roadmap.may_manage_roadmap(viewer=viewer, user=request.user, network=version.network)
    view = roadmap.roadmap_view(viewer, version, manage=manage)
    record_read(viewer, version, request=request)
    sections = [s for s in view.sections if s.entries]
    context |= {
        "view": view,
        "version": version,
        "manage": manage,
        "charts": [(s, roadmap.score_chart(s.entries)) for s in sections],
        "countries_chart": roadmap.countries_chart(view.sections),
        "pdf_allowed": handling(view.tlp).download_allowed,
        "watermarked": handling(view.tlp).watermark,
        "previous": roadmap.previous_version(viewer=viewer, version=version),
    }
    return render(request, template, context)


def roadmap_latest(request: HttpRequest, acronym: str) -> HttpResponse:
    viewer = _viewer(request)
    version = roadmap.roadmap_latest_get(viewer=viewer, acronym=acronym)
    network = version.network
    drafts = roadmap.roadmap_drafts(viewer=viewer, user=request.user, network=network)
    return _page(request, viewer, version, "needs/roadmap_detail.html", drafts=drafts)


def roadmap_version(request: HttpRequest, acronym: str, version: int) -> HttpResponse:
    viewer = _viewer(request)
    found = roadmap.roadmap_get(viewer=viewer, user=request.user, acronym=acronym, number=version)
    return _page(request, viewer, found, "needs/roadmap_detail.html")


def roadmap_diff(request: HttpRequest, acronym: str, version: int) -> HttpResponse:
    viewer = _viewer(request)
    found = roadmap.roadmap_get(viewer=viewer, user=request.user, acronym=acronym, number=version)
    record_read(viewer, found, request=request)
    diff = roadmap.roadmap_diff(viewer, found)
    return render(
        request,
        "needs/roadmap_diff.html",
        {"diff": diff, "version": found, "view": roadmap.roadmap_view(viewer, found)},
    )


def roadmap_pdf_view(request: HttpRequest, acronym: str, version: int) -> HttpResponse:
    viewer = _viewer(request)
    found = roadmap.roadmap_get(viewer=viewer, user=request.user, acronym=acronym, number=version)
    manage = roadmap.may_manage_roadmap(viewer=viewer, user=request.user, network=found.network)
    view = roadmap.roadmap_view(viewer, found)
    rules = handling(view.tlp)
    if not rules.download_allowed:
        return render(
            request, "needs/roadmap_no_download.html", {"version": found, "view": view}, status=403
        )
    watermark = ""
    if rules.watermark:
        watermark = _("Copy for %(name)s") % {"name": viewer.display_name or str(viewer.user_id)}
    content = roadmap_pdf(view, watermark=watermark)
    if rules.audit_exports or manage:
        audit_log(
            action="roadmap.downloaded",
            actor_id=viewer.user_id,
            target=f"needs.roadmapversion:{found.pk}",
            data={"tlp": view.tlp, "watermarked": bool(watermark)},
            request=request,
        )
    response = HttpResponse(content, content_type="application/pdf")
    name = f"{found.network.acronym.lower()}-roadmap-v{found.version}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    if view.tlp != "CLEAR" or not viewer.is_anonymous:
        request._lenhub_nonpublic = True  # type: ignore[attr-defined]
    return response


@login_required
def roadmap_new(request: HttpRequest, acronym: str) -> HttpResponse:
    viewer = _viewer(request)
    network = roadmap.network_get(acronym=acronym)
    if not roadmap.may_manage_roadmap(viewer=viewer, user=request.user, network=network):
        raise Http404
    rounds = [
        (r.pk, f"{r.title} ({r.get_method_display()})")
        for r in roadmap.rounds_closed(viewer=viewer, network=network)
    ]
    initial = {
        "title": _("%(network)s research and technology roadmap") % {"network": network.acronym},
        "audience": f"network:{network.pk}",
    }
    form = RoadmapForm(
        request.POST or None, initial=initial, viewer=viewer, actor=request.user, rounds=rounds
    )
    if request.method == "POST" and form.is_valid():
        try:
            version = roadmap.roadmap_create(
                viewer=viewer,
                actor=request.user,  # type: ignore[arg-type]
                network=network,
                round_id=form.cleaned_data["round"],
                title=form.cleaned_data["title"],
                introduction=form.cleaned_data["introduction"],
                audience=form.audience_atoms(),
                tlp=form.cleaned_data["tlp"],
            )
        except (AudienceError, PermissionDenied) as error:
            form.add_error(None, str(error))
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, _("Draft created. Check it, then publish it."))
            return redirect(version.get_absolute_url())
    return render(
        request, "needs/roadmap_new.html", {"form": form, "network": network, "rounds": rounds}
    )


@login_required
@require_POST
def roadmap_publish(request: HttpRequest, acronym: str, version: int) -> HttpResponse:
    viewer = _viewer(request)
    found = roadmap.roadmap_get(viewer=viewer, user=request.user, acronym=acronym, number=version)
    try:
        roadmap.roadmap_publish(viewer=viewer, actor=request.user, version=found)  # type: ignore[arg-type]
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The roadmap is published."))
    return redirect(found.get_absolute_url())


# --- gaps and links -----------------------------------------------------------------------


def gap_list(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    from lenhub.networks.models import Network

    acronym = request.GET.get("network", "")
    networks = list(Network.objects.order_by("acronym").values_list("acronym", "name"))
    network = Network.objects.filter(acronym__iexact=acronym).first() if acronym else None
    rows = gaps.gaps_of_network(viewer, network) if network else []
    return render(
        request,
        "needs/gap_list.html",
        {"network": network, "networks": networks, "rows": rows, "asked": acronym},
    )


def need_links(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = _viewer(request)
    need = gaps.need_get_for_links(viewer=viewer, pk=pk)
    record_read(viewer, need, request=request)
    curator = gaps.may_curate_links(viewer=viewer, user=request.user, need=need)
    links = gaps.links_for_curation(viewer, need) if curator else gaps.links_visible(viewer, need)
    return render(
        request,
        "needs/gap_links.html",
        {
            "need": need,
            "need_url": roadmap.need_url(need),
            "links": links,
            "curator": curator,
            "is_gap": gaps.need_is_gap(viewer, need),
            "form": LinkDecisionForm(),
        },
    )


@login_required
@require_POST
def need_link_decide(request: HttpRequest, pk: int, link_id: int) -> HttpResponse:
    viewer = _viewer(request)
    need = gaps.need_get_for_links(viewer=viewer, pk=pk)
    form = LinkDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose whether the item answers the need."))
        return redirect("need_links", pk=need.pk)
    try:
        gaps.need_link_decide(
            viewer=viewer,
            actor=request.user,  # type: ignore[arg-type]
            need=need,
            link_id=link_id,
            coverage=form.cleaned_data["coverage"],
            note=form.cleaned_data["note"],
        )
    except PermissionDenied:
        raise Http404 from None
    messages.success(request, _("Your decision was recorded."))
    return redirect("need_links", pk=need.pk)


@login_required
@require_POST
def need_links_suggest(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = _viewer(request)
    need = gaps.need_get_for_links(viewer=viewer, pk=pk)
    if not gaps.may_curate_links(viewer=viewer, user=request.user, need=need):
        raise Http404
    gaps.need_links_suggest(need=need)
    messages.success(request, _("Suggestions were looked for again."))
    return redirect("need_links", pk=need.pk)
