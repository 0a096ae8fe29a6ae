"""Pages for practitioners' needs. Lists go through ``filter_visible``, single needs
through ``access_item`` (404 for what the reader may not see); AMBER and RED reads are
audited (``record_read``). Views parse, call one service or selector, and respond."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from lenhub.access.policy import AudienceError, Viewer, member_network_ids, record_read
from lenhub.access.policy import viewer_for_request as _viewer
from lenhub.needs import gaps, selectors, selectors_rounds, services
from lenhub.needs.forms import CommentForm, MergeForm, NeedFilter, NeedForm, RejectForm
from lenhub.needs.models import Need, NeedStatus
from lenhub.networks.models import Network

PER_PAGE = 20


def _networks(viewer: Viewer) -> list[Network]:
    return list(Network.objects.filter(pk__in=member_network_ids(viewer)).order_by("acronym"))


def need_list(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    networks = _networks(viewer)
    form = NeedFilter(request.GET or None, networks=[(n.pk, n.acronym) for n in networks])
    form.is_valid()
    filters = dict(getattr(form, "cleaned_data", {}))
    items = selectors.needs_visible(viewer=viewer, filters=filters)
    page = Paginator(items, PER_PAGE).get_page(filters.get("page") or 1)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page_obj": page,
        "query": query.urlencode(),
        "may_report": any(services.may_report(viewer=viewer, network_id=n.pk) for n in networks),
        "may_curate": request.user.is_authenticated
        and selectors.curation_queue(viewer=viewer, actor=request.user).exists(),
    }
    return render(request, "needs/need_list.html", context)


def need_detail(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = _viewer(request)
    need = selectors.need_get(viewer=viewer, pk=pk)
    record_read(viewer, need, request=request)
    user = request.user if request.user.is_authenticated else None
    curate = user is not None and services.may_curate(viewer=viewer, actor=user, need=need)
    context: dict[str, Any] = {
        "need": need,
        "events": selectors.need_events(need=need),
        "comments": selectors.need_comments(need=need),
        "supports": selectors.need_support_counts(need=need),
        "supported": selectors.need_supported_by(need=need, user_id=viewer.user_id),
        "merged_into": selectors.merged_into_visible(viewer=viewer, need=need),
        "may_edit": services.may_edit(viewer=viewer, need=need),
        "may_take_part": services.may_take_part(viewer=viewer, need=need),
        "may_curate": curate and need.status in services.OPEN_STATUSES,
        "comment_form": CommentForm(),
        "is_reporter": need.reporter_id is not None and need.reporter_id == viewer.user_id,
    }
    context |= {
        "links": gaps.links_visible(viewer, need),
        "is_gap": gaps.need_is_gap(viewer, need),
        "links_curator": gaps.may_curate_links(viewer=viewer, user=user, need=need),
        "rounds": selectors_rounds.need_rounds(viewer=viewer, need=need),
    }
    if context["may_curate"]:
        targets = selectors.merge_targets(viewer=viewer, need=need)
        context["reject_form"] = RejectForm()
        context["merge_form"] = MergeForm(targets=[(t.pk, f"#{t.pk} {t.title}") for t in targets])
        context["may_accept"] = need.status == NeedStatus.SUBMITTED
    return render(request, "needs/need_detail.html", context)


def _form_network(request: HttpRequest, viewer: Viewer) -> Network | None:
    """The network a new need is reported to: the one asked for, or the reader's only one."""
    allowed = [n for n in _networks(viewer) if services.may_report(viewer=viewer, network_id=n.pk)]
    wanted = request.POST.get("network") or request.GET.get("network")
    if wanted:
        found = [n for n in allowed if str(n.pk) == str(wanted)]
        if not found:
            raise Http404
        return found[0]
    return allowed[0] if len(allowed) == 1 else None


def _similar(viewer: Viewer, form: NeedForm, need: Need | None) -> list[Any]:
    text = " ".join(str(form.data.get(name, "")) for name in ("title", "problem"))
    return selectors.similar_needs(viewer=viewer, text=text, exclude=need)


def _edit(request: HttpRequest, need: Need | None) -> HttpResponse:
    viewer = _viewer(request)
    user: Any = request.user
    if need is None:
        network = _form_network(request, viewer)
        if network is None:
            networks = [
                n for n in _networks(viewer) if services.may_report(viewer=viewer, network_id=n.pk)
            ]
            if not networks:
                raise PermissionDenied
            return render(request, "needs/need_network.html", {"networks": networks})
        initial: dict[str, Any] = {}
    else:
        if not services.may_edit(viewer=viewer, need=need):
            raise PermissionDenied
        network = need.network
        initial = {name: getattr(need, name) for name in services.FIELDS}
        initial |= {"countries": list(need.countries.all()), "tlp": need.tlp,
                    "audience": need.intended_audience}  # fmt: skip
    form = NeedForm(
        request.POST or None, initial=initial, viewer=viewer, actor=user, network=network
    )
    similar = None
    action = request.POST.get("action", "save")
    if request.method == "POST" and action == "check":
        similar = _similar(viewer, form, need)
    elif request.method == "POST" and form.is_valid():
        try:
            kwargs = {
                "viewer": viewer,
                "actor": user,
                "fields": form.fields_for_service(),
                "countries": form.cleaned_data["countries"],
                "audience": form.cleaned_data["audience"].split(),
                "tlp": form.cleaned_data["tlp"],
            }
            if need is None:
                saved = services.need_create(network=network, **kwargs)
            else:
                saved = services.need_update(need=need, **kwargs)
        except (AudienceError, PermissionDenied) as error:
            form.add_error(None, str(error))
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            if saved.status == NeedStatus.DRAFT:
                messages.success(
                    request, _("Saved as a draft: only you can see it until you submit it.")
                )
            else:
                messages.success(request, _("Saved."))
            return redirect(saved.get_absolute_url())
    context = {"form": form, "need": need, "network": network, "similar": similar}
    return render(request, "needs/need_form.html", context)


@login_required
def need_new(request: HttpRequest) -> HttpResponse:
    return _edit(request, None)


@login_required
def need_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _edit(request, selectors.need_get(viewer=_viewer(request), pk=pk))


@login_required
@require_GET
def need_similar(request: HttpRequest) -> HttpResponse:
    """The "similar needs" fragment the form asks for while the reporter types."""
    viewer = _viewer(request)
    exclude = None
    if request.GET.get("exclude"):
        exclude = selectors.need_get(viewer=viewer, pk=request.GET["exclude"])
    text = request.GET.get("text", "")[:1000]
    similar = selectors.similar_needs(viewer=viewer, text=text, exclude=exclude)
    return render(
        request, "needs/_similar.html", {"similar": similar, "checked": bool(text.strip())}
    )


def _act(request: HttpRequest, pk: int, act: Any, done: str) -> HttpResponse:
    viewer = _viewer(request)
    need = selectors.need_get(viewer=viewer, pk=pk)
    try:
        act(viewer, need)
    except (PermissionDenied, AudienceError, services.NeedStateError) as error:
        messages.error(request, str(error) or _("You may not do this."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done)
    return redirect(need.get_absolute_url())


@login_required
@require_POST
def need_submit(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    return _act(
        request, pk,
        lambda viewer, need: services.need_submit(need=need, viewer=viewer, actor=user),
        _("Submitted: the National Contacts of your country will curate it."),
    )  # fmt: skip


@login_required
@require_POST
def need_support(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    wanted = request.POST.get("support") != "0"
    return _act(
        request, pk,
        lambda viewer, need: services.need_support_set(
            need=need, viewer=viewer, actor=user, support=wanted
        ),
        _("You support this need.") if wanted else _("You no longer support this need."),
    )  # fmt: skip


@login_required
@require_POST
def need_comment(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    body = request.POST.get("body", "")
    return _act(
        request, pk,
        lambda viewer, need: services.need_comment_add(
            need=need, viewer=viewer, actor=user, body=body
        ),
        _("Your comment was added."),
    )  # fmt: skip


@login_required
@require_POST
def need_curate(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    action = request.POST.get("action")

    def act(viewer: Viewer, need: Need) -> None:
        if action == "accept":
            services.need_accept(need=need, viewer=viewer, actor=user)
        elif action == "reject":
            services.need_reject(
                need=need, viewer=viewer, actor=user, reason=request.POST.get("reason", "")
            )
        elif action == "merge":
            target = selectors.need_get(viewer=viewer, pk=request.POST.get("target"))
            services.need_merge(need=need, target=target, viewer=viewer, actor=user)
        else:
            raise ValidationError(_("Choose accept, merge or reject."))

    return _act(request, pk, act, _("The need was curated."))


@login_required
def curate_queue(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    items = selectors.curation_queue(viewer=viewer, actor=request.user)
    page = Paginator(items, PER_PAGE).get_page(request.GET.get("page") or 1)
    return render(request, "needs/curate_queue.html", {"page_obj": page, "query": ""})
