"""The public directory, joining a network, deciding applications, members' pages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lenhub.access.policy import is_network_member, session_is_mfa_verified, viewer_for_request
from lenhub.accounts.models import Country, Role, RoleAssignment, User
from lenhub.networks.forms import ApplicationForm, DecisionForm, DirectoryFilter
from lenhub.networks.models import (
    ApplicationStatus,
    BodyKind,
    CountryRole,
    FocusArea,
    GroupKind,
    JoinApplication,
    MembershipStatus,
    Network,
    NetworkMembership,
)
from lenhub.networks.selectors import applications_to_decide as pending_for
from lenhub.networks.selectors import network_members as members_of
from lenhub.networks.services import (
    application_approve,
    application_reject,
    application_submit,
    application_withdraw,
    membership_leave,
)
from lenhub.networks.views_manage import may_manage_network


def directory(request: HttpRequest) -> HttpResponse:
    """Every body in the directory, filtered by kind, country, focus and words."""
    form = DirectoryFilter(request.GET or None)
    bodies = (
        Network.objects.select_related("umbrella")
        .prefetch_related("focus")
        .annotate(
            # distinct: the filters below join focus areas and countries again
            member_countries=Count(
                "countries", filter=Q(countries__role=CountryRole.MEMBER), distinct=True
            ),
            partner_countries=Count(
                "countries", filter=Q(countries__role=CountryRole.PARTNER), distinct=True
            ),
        )
        .order_by("acronym")
    )
    if form.is_valid():
        data = form.cleaned_data
        if data.get("kind"):
            bodies = bodies.filter(kind=data["kind"])
        if data.get("country"):
            bodies = bodies.filter(countries__country=data["country"]).distinct()
        if data.get("focus"):
            bodies = bodies.filter(focus=data["focus"]).distinct()
        if data.get("q"):
            words = data["q"]
            bodies = bodies.filter(
                Q(acronym__icontains=words)
                | Q(name__icontains=words)
                | Q(description__icontains=words)
                | Q(focus__name__icontains=words)
            ).distinct()
    context = {
        "form": form,
        "bodies": bodies,
        "kinds": BodyKind.choices,
        "total": Network.objects.count(),
    }
    return render(request, "networks/directory.html", context)


def _is_member(request: HttpRequest, network: Network) -> bool:
    return is_network_member(viewer_for_request(request), network.pk)


def network_detail(request: HttpRequest, acronym: str) -> HttpResponse:
    network = get_object_or_404(
        Network.objects.select_related("umbrella").prefetch_related("focus", "sources"),
        acronym=acronym,
    )
    countries = network.countries.select_related("country", "source")
    structures = network.groups.select_related("source").order_by("kind", "name")
    contact_roles = RoleAssignment.objects.filter(network=network, role=Role.NATIONAL_CONTACT)
    contacts = list(Country.objects.filter(pk__in=contact_roles.values("country_id")))
    user = request.user
    state = None
    if user.is_authenticated:
        membership = NetworkMembership.objects.filter(user=user, network=network).first()
        pending = JoinApplication.objects.filter(
            user=user, network=network, status=ApplicationStatus.PENDING
        ).exists()
        state = {"membership": membership, "pending": pending}
    context = {
        "network": network,
        "facts": network.facts.select_related("source"),
        "members": [c for c in countries if c.role == CountryRole.MEMBER],
        "partners": [c for c in countries if c.role == CountryRole.PARTNER],
        "structures": structures,
        "structure_kinds": dict(GroupKind.choices),
        "organisations": network.organisation_memberships.select_related(
            "organisation", "organisation__country"
        ).order_by("organisation__country__name", "organisation__name"),
        "partnerships": network.partnerships.select_related("partner", "source"),
        "member_bodies": network.networks.order_by("acronym"),
        "contact_countries": contacts,
        "state": state,
        "is_member": _is_member(request, network),
        "may_manage": may_manage_network(request, network),
    }
    return render(request, "networks/network_detail.html", context)


@login_required
def network_join(request: HttpRequest, acronym: str) -> HttpResponse:
    network = get_object_or_404(Network, acronym=acronym)
    user: User = request.user  # type: ignore[assignment]
    form = ApplicationForm(request.POST or None, initial={"position": user.position})
    if request.method == "POST" and form.is_valid():
        try:
            application_submit(
                user=user,
                network=network,
                position=form.cleaned_data["position"],
                motivation=form.cleaned_data["motivation"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Your application to %(network)s was sent to your National Contact.")
                % {"network": network.acronym},
            )
            return redirect("my_applications")
    return render(request, "networks/join.html", {"network": network, "form": form})


@login_required
def my_applications(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    context = {
        "applications": JoinApplication.objects.filter(user=user).select_related("network"),
        "memberships": NetworkMembership.objects.filter(user=user).select_related("network"),
    }
    return render(request, "networks/my_applications.html", context)


@login_required
@require_POST
def application_withdraw_view(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_object_or_404(JoinApplication, pk=pk, user=request.user)
    try:
        application_withdraw(application=application, user=request.user)  # type: ignore[arg-type]
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("my_applications")


@login_required
@require_POST
def membership_leave_view(request: HttpRequest, acronym: str) -> HttpResponse:
    network = get_object_or_404(Network, acronym=acronym)
    try:
        membership_leave(user=request.user, network=network)  # type: ignore[arg-type]
    except NetworkMembership.DoesNotExist:
        raise Http404 from None
    messages.success(request, _("You have left %(network)s.") % {"network": network.acronym})
    return redirect("my_applications")


@login_required
def applications_to_decide(request: HttpRequest) -> HttpResponse:
    """The decisions queue of National Contacts, their deputies and secretariats."""
    user: User = request.user  # type: ignore[assignment]
    pending = pending_for(user=user)
    if not session_is_mfa_verified(request) or not (
        pending.exists()
        or user.roles.filter(role__in=[Role.NATIONAL_CONTACT, Role.SECRETARIAT]).exists()
    ):
        raise PermissionDenied
    return render(
        request,
        "networks/decide.html",
        {"applications": pending, "form": DecisionForm()},
    )


@login_required
@require_POST
def application_decide(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    application = pending_for(user=user).filter(pk=pk).first()
    if application is None:
        raise Http404
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose approve or reject."))
        return redirect("applications_to_decide")
    mfa = session_is_mfa_verified(request)
    try:
        if form.cleaned_data["decision"] == "approve":
            application_approve(
                application=application,
                decider=user,
                mfa=mfa,
                vetting_reason=form.cleaned_data["reason"],
            )
            messages.success(
                request,
                _("%(name)s is now a member of %(network)s.")
                % {"name": application.user, "network": application.network.acronym},
            )
        else:
            application_reject(
                application=application, decider=user, mfa=mfa, reason=form.cleaned_data["reason"]
            )
            messages.success(request, _("The application was rejected; the applicant is told why."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except PermissionDenied:
        raise Http404 from None
    return redirect("applications_to_decide")


def network_members(request: HttpRequest, acronym: str) -> HttpResponse:
    """Members only: who is in the network, by country. Others get "not found"."""
    network = get_object_or_404(Network, acronym=acronym)
    if not _is_member(request, network):
        raise Http404
    members = members_of(network=network)
    user: User = request.user  # type: ignore[assignment]
    groups = network.groups.filter(memberships__user=user).order_by("name")
    return render(
        request,
        "networks/members.html",
        {"network": network, "members": members, "my_groups": groups,
         "focus_areas": FocusArea.objects.filter(network=network),
         "status_active": MembershipStatus.ACTIVE},
    )  # fmt: skip
