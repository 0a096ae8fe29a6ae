"""Secretariat tools: a network's structures, National Contacts and member organisations.

Only the network's secretariat, signed in with a second factor, reaches these pages;
everyone else (other networks' secretariats included) gets "not found". Each view
parses, authorises through ``access_network_as_secretariat``, calls one service and
redirects; the services audit every write.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from lenhub.access.policy import session_is_mfa_verified
from lenhub.accounts.models import User
from lenhub.accounts.selectors import vetting_current
from lenhub.networks.forms_secretariat import (
    GroupForm,
    NationalContactForm,
    OrganisationMembershipForm,
    OrganisationStatusForm,
)
from lenhub.networks.models import Group, Network, OrganisationStatus
from lenhub.networks.secretariat import (
    access_national_contact,
    access_network_as_secretariat,
    access_organisation_membership,
    group_create,
    group_delete,
    group_update,
    member_organisations,
    national_contact_assign,
    national_contact_revoke,
    national_contacts,
    organisation_membership_add,
    organisation_membership_remove,
    organisation_membership_set_status,
)


def _manage(request: HttpRequest, acronym: str) -> tuple[Network, User]:
    user = request.user
    mfa = user.is_authenticated and session_is_mfa_verified(request)
    network = access_network_as_secretariat(user=user, acronym=acronym, mfa=mfa)
    return network, user  # type: ignore[return-value]


def _group(network: Network, pk: int) -> Group:
    group = network.groups.filter(pk=pk).first()
    if group is None:
        raise Http404
    return group


def _error(request: HttpRequest, error: ValidationError) -> None:
    messages.error(request, " ".join(error.messages))


def _overview(
    request: HttpRequest, network: Network, status: int = 200, **forms: Any
) -> HttpResponse:
    contacts = [
        (assignment, vetting_current(user=assignment.user) is not None)
        for assignment in national_contacts(network=network)
    ]
    context = {
        "network": network,
        "groups": network.groups.annotate(members=Count("memberships")).order_by("kind", "name"),
        "contacts": contacts,
        "organisations": member_organisations(network=network),
        "statuses": OrganisationStatus.choices,
        "contact_form": forms.get("contact_form") or NationalContactForm(),
        "organisation_form": forms.get("organisation_form")
        or OrganisationMembershipForm(network=network),
    }
    return render(request, "networks/secretariat/manage.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD"])
def network_manage(request: HttpRequest, acronym: str) -> HttpResponse:
    network, _user = _manage(request, acronym)
    return _overview(request, network)


# --- structures -------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def group_add(request: HttpRequest, acronym: str) -> HttpResponse:
    network, user = _manage(request, acronym)
    form = GroupForm(request.POST or None, network=network)
    if request.method == "POST" and form.is_valid():
        try:
            group = group_create(network=network, actor=user, data=form.cleaned_data)
        except PermissionDenied:
            raise Http404 from None
        messages.success(request, _("%(group)s was added.") % {"group": group.name})
        return redirect("network_manage", network.acronym)
    status = 400 if request.method == "POST" else 200
    context = {"network": network, "form": form, "group": None}
    return render(request, "networks/secretariat/group_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def group_edit(request: HttpRequest, acronym: str, pk: int) -> HttpResponse:
    network, user = _manage(request, acronym)
    group = _group(network, pk)
    form = GroupForm(request.POST or None, instance=Group.objects.get(pk=group.pk), network=network)
    if request.method == "POST" and form.is_valid():
        try:
            changed = group_update(group=group, actor=user, data=form.cleaned_data)
        except PermissionDenied:
            raise Http404 from None
        if changed:
            messages.success(request, _("%(group)s was saved.") % {"group": group.name})
        return redirect("network_manage", network.acronym)
    status = 400 if request.method == "POST" else 200
    context = {"network": network, "form": form, "group": group}
    return render(request, "networks/secretariat/group_form.html", context, status=status)


@login_required
@require_POST
def group_delete_view(request: HttpRequest, acronym: str, pk: int) -> HttpResponse:
    network, user = _manage(request, acronym)
    group = _group(network, pk)
    try:
        group_delete(group=group, actor=user)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as error:
        _error(request, error)
    else:
        messages.success(request, _("%(group)s was deleted.") % {"group": group.name})
    return redirect("network_manage", network.acronym)


# --- National Contacts ------------------------------------------------------------------


@login_required
@require_POST
def contact_add(request: HttpRequest, acronym: str) -> HttpResponse:
    network, user = _manage(request, acronym)
    form = NationalContactForm(request.POST)
    if not form.is_valid():
        return _overview(request, network, status=400, contact_form=form)
    data = form.cleaned_data
    try:
        assignment = national_contact_assign(
            network=network,
            actor=user,
            email=data["email"],
            country=data["country"],
            is_deputy=data["is_deputy"],
        )
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as error:
        form.add_error(None, error)
        return _overview(request, network, status=400, contact_form=form)
    if assignment.is_deputy:
        text = _("%(person)s is now a deputy National Contact for %(country)s.")
    else:
        text = _("%(person)s is now the National Contact for %(country)s.")
    messages.success(
        request, text % {"person": assignment.user.display_name, "country": assignment.country}
    )
    return redirect("network_manage", network.acronym)


@login_required
@require_POST
def contact_revoke(request: HttpRequest, acronym: str, pk: int) -> HttpResponse:
    network, user = _manage(request, acronym)
    assignment = access_national_contact(network=network, pk=pk)
    try:
        national_contact_revoke(assignment=assignment, actor=user)
    except PermissionDenied:
        raise Http404 from None
    messages.success(
        request,
        _("%(person)s is no longer a National Contact for %(country)s.")
        % {"person": assignment.user.display_name, "country": assignment.country},
    )
    return redirect("network_manage", network.acronym)


# --- member organisations ---------------------------------------------------------------


@login_required
@require_POST
def organisation_add(request: HttpRequest, acronym: str) -> HttpResponse:
    network, user = _manage(request, acronym)
    form = OrganisationMembershipForm(request.POST, network=network)
    if not form.is_valid():
        return _overview(request, network, status=400, organisation_form=form)
    try:
        membership = organisation_membership_add(
            network=network,
            actor=user,
            organisation=form.cleaned_data["organisation"],
            status=form.cleaned_data["status"],
            since=form.cleaned_data["since"],
        )
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as error:
        form.add_error(None, error)
        return _overview(request, network, status=400, organisation_form=form)
    messages.success(
        request,
        _("%(organisation)s is now a member organisation (%(status)s).")
        % {"organisation": membership.organisation.name, "status": membership.get_status_display()},
    )
    return redirect("network_manage", network.acronym)


@login_required
@require_POST
def organisation_status(request: HttpRequest, acronym: str, pk: int) -> HttpResponse:
    network, user = _manage(request, acronym)
    membership = access_organisation_membership(network=network, pk=pk)
    form = OrganisationStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a status."))
        return redirect("network_manage", network.acronym)
    try:
        changed = organisation_membership_set_status(
            membership=membership, actor=user, status=form.cleaned_data["status"]
        )
    except PermissionDenied:
        raise Http404 from None
    if changed:
        messages.success(
            request,
            _("%(organisation)s is now: %(status)s.")
            % {
                "organisation": membership.organisation.name,
                "status": membership.get_status_display(),
            },
        )
    return redirect("network_manage", network.acronym)


@login_required
@require_POST
def organisation_remove(request: HttpRequest, acronym: str, pk: int) -> HttpResponse:
    network, user = _manage(request, acronym)
    membership = access_organisation_membership(network=network, pk=pk)
    try:
        organisation_membership_remove(membership=membership, actor=user)
    except PermissionDenied:
        raise Http404 from None
    messages.success(
        request,
        _("%(organisation)s is no longer a member organisation.")
        % {"organisation": membership.organisation.name},
    )
    return redirect("network_manage", network.acronym)
