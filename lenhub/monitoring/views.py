"""The "Following" page and the small forms that follow, unfollow and mark read."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lenhub.access.policy import viewer_for_request
from lenhub.monitoring.forms import FollowForm, PreferencesForm
from lenhub.monitoring.models import FollowKind
from lenhub.monitoring.selectors import (
    follows_of,
    group_may_follow,
    notifications_visible,
    timeline,
    update_view,
)
from lenhub.monitoring.services import (
    FollowLimitError,
    follow_add,
    follow_remove,
    notification_mark_read,
    notifications_mark_all_read,
    preferences_get,
    preferences_set,
)
from lenhub.networks.models import Group

PER_PAGE = 50


def _back(request: HttpRequest, fallback: str = "monitoring_home") -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(fallback)


@login_required
def monitoring_home(request: HttpRequest) -> HttpResponse:
    viewer = viewer_for_request(request)
    notifications = list(notifications_visible(viewer=viewer)[:PER_PAGE])
    context = {
        "follows": follows_of(viewer=viewer),
        "timeline": [update_view(update) for update in timeline(viewer=viewer)[:PER_PAGE]],
        "notifications": [(n, update_view(n.update)) for n in notifications],
        "unread": sum(1 for n in notifications if n.read_at is None),
        "topic_form": FollowForm(initial={"kind": FollowKind.TOPIC}),
        "preferences_form": PreferencesForm(
            initial={"email_updates": preferences_get(user=request.user).email_updates}
        ),
        "followable_groups": _followable_groups(request),
    }
    return render(request, "monitoring/home.html", context)


def _followable_groups(request: HttpRequest) -> list[Group]:
    viewer = viewer_for_request(request)
    if not viewer.is_member:
        return []
    groups = Group.objects.select_related("network").order_by("network__acronym", "name")
    return [group for group in groups if group_may_follow(viewer=viewer, group=group)]


@login_required
@require_POST
def follow(request: HttpRequest) -> HttpResponse:
    form = FollowForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose something to follow."))
        return _back(request)
    data = form.cleaned_data
    try:
        _follow, created = follow_add(
            user=request.user,  # type: ignore[arg-type]
            viewer=viewer_for_request(request),
            kind=data["kind"],
            project_id=data.get("project"),
            group_id=data.get("group"),
            topic=data.get("topic") or "",
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _back(request)
    except FollowLimitError:
        messages.error(request, _("You follow as many things as one person may."))
        return _back(request)
    if created:
        messages.success(request, _("You now follow it. Updates appear on your Following page."))
    return _back(request)


@login_required
@require_POST
def unfollow(request: HttpRequest, pk: int) -> HttpResponse:
    follow_remove(user=request.user, follow_id=pk)  # type: ignore[arg-type]
    messages.success(request, _("You no longer follow it."))
    return _back(request)


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    notification_mark_read(viewer=viewer_for_request(request), notification_id=pk)
    return _back(request)


@login_required
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    notifications_mark_all_read(viewer=viewer_for_request(request))
    messages.success(request, _("All notifications are marked as read."))
    return _back(request)


@login_required
@require_POST
def preferences(request: HttpRequest) -> HttpResponse:
    form = PreferencesForm(request.POST)
    if form.is_valid():
        preferences_set(user=request.user, email_updates=form.cleaned_data["email_updates"])
        messages.success(request, _("Your preferences are saved."))
    return _back(request)
