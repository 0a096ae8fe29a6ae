"""Keeping up a network's members: National Contacts (for their own country) and the
network's secretariat re-confirm memberships in bulk and suspend members with a reason
(DESIGN §1, §4). Everyone else gets "not found"."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lenhub.access.policy import session_is_mfa_verified
from lenhub.accounts.models import Role, RoleAssignment, User
from lenhub.accounts.selectors import vetting_current
from lenhub.networks.models import MembershipStatus, Network, NetworkMembership
from lenhub.networks.services import (
    MIN_REASON,
    may_manage_member,
    membership_reconfirm,
    membership_suspend,
)


class ReconfirmForm(forms.Form):
    members = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Members to re-confirm"), coerce=int, choices=()
    )

    def __init__(self, *args: object, memberships: list[NetworkMembership], **kwargs: object):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["members"].choices = [(m.pk, m.pk) for m in memberships]  # type: ignore[attr-defined]


class SuspendForm(forms.Form):
    member = forms.TypedChoiceField(label=gettext_lazy("Member"), coerce=int, choices=())
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        min_length=MIN_REASON,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Required. The member receives it by email."),
    )

    def __init__(self, *args: object, memberships: list[NetworkMembership], **kwargs: object):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["member"].choices = [  # type: ignore[attr-defined]
            ("", "—"),
            *((m.pk, m.user.display_name) for m in memberships),
        ]


def _manageable(actor: User, network: Network) -> QuerySet[NetworkMembership] | None:
    """Active memberships ``actor`` may manage in ``network`` (the same rule as
    ``may_manage_member``), or None when they may manage nobody there."""
    roles = RoleAssignment.objects.filter(user=actor, network=network)
    members = (
        NetworkMembership.objects.filter(network=network, status=MembershipStatus.ACTIVE)
        .exclude(user=actor)
        .select_related("user", "user__organisation", "user__organisation__country", "network")
        .order_by("user__organisation__country__name", "user__display_name", "pk")
    )
    if roles.filter(role=Role.SECRETARIAT).exists():
        return members
    countries = list(
        roles.filter(role=Role.NATIONAL_CONTACT).values_list("country_id", flat=True).distinct()
    )
    if not countries or vetting_current(user=actor) is None:
        return None
    return members.filter(Q(user__organisation__country_id__in=countries))


@login_required
def manage_members(request: HttpRequest, acronym: str) -> HttpResponse:
    network = get_object_or_404(Network, acronym=acronym)
    actor: User = request.user  # type: ignore[assignment]
    found = _manageable(actor, network) if session_is_mfa_verified(request) else None
    if found is None:
        raise Http404
    memberships = list(found)
    reconfirm = ReconfirmForm(memberships=memberships)
    suspend = SuspendForm(memberships=memberships)
    if request.method == "POST":
        action = request.POST.get("action")
        by_pk = {m.pk: m for m in memberships}
        try:
            if action == "reconfirm":
                reconfirm = ReconfirmForm(request.POST, memberships=memberships)
                if reconfirm.is_valid():
                    chosen = [by_pk[pk] for pk in reconfirm.cleaned_data["members"]]
                    count = membership_reconfirm(memberships=chosen, actor=actor)
                    messages.success(
                        request,
                        _("Re-confirmed %(count)d memberships of %(network)s.")
                        % {"count": count, "network": network.acronym},
                    )
                    return redirect("network_manage_members", network.acronym)
            elif action == "suspend":
                suspend = SuspendForm(request.POST, memberships=memberships)
                if suspend.is_valid():
                    membership = by_pk[suspend.cleaned_data["member"]]
                    if not may_manage_member(actor=actor, membership=membership):
                        raise Http404
                    membership_suspend(
                        membership=membership, actor=actor, reason=suspend.cleaned_data["reason"]
                    )
                    messages.success(
                        request,
                        _("%(name)s's membership of %(network)s is suspended; they are told why.")
                        % {"name": membership.user.display_name, "network": network.acronym},
                    )
                    return redirect("network_manage_members", network.acronym)
            else:
                messages.error(request, _("Choose what to do."))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        except PermissionDenied:
            raise Http404 from None
    context = {
        "network": network,
        "memberships": memberships,
        "reconfirm": reconfirm,
        "suspend": suspend,
    }
    return render(request, "networks/manage/members.html", context)


def may_manage_network(request: HttpRequest, network: Network) -> bool:
    """Whether the signed-in person may open the members page of ``network`` now."""
    user = request.user
    if not user.is_authenticated or not session_is_mfa_verified(request):
        return False
    return _manageable(user, network) is not None
