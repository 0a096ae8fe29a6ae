"""API: the public directory, members' lists, and joining and leaving networks.

The directory is public (no person's name in it). A network's member list answers its
members only; everyone else gets "not found". Applying, withdrawing and leaving need an
account; deciding needs the National Contact (or deputy) role for the applicant's
country, or the network's secretariat, and a second factor.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status

from lenhub.access.policy import is_network_member
from lenhub.accounts.models import Role, RoleAssignment, User
from lenhub.api.auth import OPTIONAL_AUTH, Principal, principal
from lenhub.api.errors import COMMON, ApiError, documented
from lenhub.api.pagination import Page, PageParams, paginate
from lenhub.networks.models import (
    ApplicationStatus,
    BodyKind,
    CountryRole,
    GroupKind,
    JoinApplication,
    Network,
    NetworkMembership,
    OrganisationStatus,
    PartnershipKind,
    Source,
)
from lenhub.networks.selectors import applications_to_decide, may_decide, network_members
from lenhub.networks.services import (
    application_approve,
    application_reject,
    application_submit,
    application_withdraw,
    membership_leave,
)

router = Router(tags=["networks"])

# Free text never holds NUL (PostgreSQL cannot store it); a position or a reason must
# say something once surrounding spaces are stripped, as the services require.
NO_NUL = r"^[^\x00]*$"
SOME_WORDS = r"^[^\x00]*[^\x00\s][^\x00]*$"
TEN_CHARACTERS = r"^[^\x00]*[^\x00\s][^\x00]{8,}[^\x00\s][^\x00]*$"

Acronym = Path(..., max_length=40, pattern=r"^[^\x00/]+$", description="The body's acronym.")


# --- schemas ----------------------------------------------------------------------------


class FocusOut(Schema):
    slug: str
    name: str


class SourceOut(Schema):
    key: str
    title: str
    publisher: str
    date: str = Field(description="YYYY-MM-DD or YYYY, as the source states it.")
    url: str


class NetworkOut(Schema):
    acronym: str
    name: str
    kind: BodyKind
    kind_label: str
    umbrella: str | None = Field(description="Acronym of the umbrella body, if any.")
    focus: list[FocusOut]
    website: str
    member_countries: int
    partner_countries: int
    accepts_applications: bool


class FactOut(Schema):
    key: str
    label: str
    value: str
    note: str
    source: SourceOut


class NetworkCountryOut(Schema):
    code: str
    name: str
    role: CountryRole
    source: str | None = Field(description="Key of the source that states it.")


class StructureOut(Schema):
    name: str
    kind: GroupKind
    kind_label: str
    area: str
    led_by: str = Field(description="A role or organisation; never a person's name.")
    source: str | None


class MemberOrganisationOut(Schema):
    name: str
    country: str | None
    status: OrganisationStatus
    since: str | None


class PartnershipOut(Schema):
    name: str
    kind: PartnershipKind
    partner: str | None = Field(description="Acronym of the partner if it is in the directory.")
    source: str | None


class NetworkDetailOut(NetworkOut):
    chair: str
    description: str
    sources: list[SourceOut]
    facts: list[FactOut] = Field(
        description="Each fact as a source states it; sources may disagree."
    )
    countries: list[NetworkCountryOut]
    structures: list[StructureOut]
    organisations: list[MemberOrganisationOut]
    partnerships: list[PartnershipOut]
    member_bodies: list[str] = Field(description="Acronyms of the bodies under this umbrella.")
    contact_countries: list[str] = Field(description="Countries with a National Contact on lenhub.")


class DirectoryFilter(Schema):
    kind: BodyKind | None = Field(None, description="Only bodies of this kind.")
    country: str | None = Field(
        None, pattern=r"^[A-Za-z]{2}$", description="Member or partner country (ISO code)."
    )
    focus: str | None = Field(None, max_length=80, pattern=NO_NUL, description="Focus area slug.")
    q: str | None = Field(
        None,
        max_length=100,
        pattern=NO_NUL,
        description="Words in the acronym, name, text or focus.",
    )


class MemberOut(Schema):
    display_name: str = Field(description="As the member chose it; it may be a pseudonym.")
    organisation: str | None = Field(description="Only if the member shows it.")
    country: str | None


class ApplicationOut(Schema):
    id: int
    network: str
    organisation: str
    country: str
    position: str
    motivation: str
    status: ApplicationStatus
    created_at: datetime
    decided_at: datetime | None
    reason: str = Field(description="Why it was rejected (empty otherwise).")


class ApplicantOut(Schema):
    display_name: str
    email: str


class ApplicationToDecideOut(ApplicationOut):
    applicant: ApplicantOut
    escalated: bool = Field(description="Passed to the secretariat after the decision days.")


class ApplicationIn(Schema):
    position: str = Field(..., min_length=1, max_length=120, pattern=SOME_WORDS)
    motivation: str = Field(..., min_length=10, max_length=4000, pattern=TEN_CHARACTERS)


class ApproveIn(Schema):
    vetting_reason: str = Field(
        "",
        max_length=2000,
        pattern=NO_NUL,
        description="Needed when the applicant is not yet vetted and their email address "
        "does not match their organisation.",
    )


class RejectIn(Schema):
    reason: str = Field(
        ..., min_length=10, max_length=2000, pattern=TEN_CHARACTERS,
        description="The applicant sees it.",
    )  # fmt: skip


# --- helpers ----------------------------------------------------------------------------


def _source_out(source: Source) -> SourceOut:
    return SourceOut(
        key=source.key,
        title=source.title,
        publisher=source.publisher,
        date=source.date,
        url=source.url,
    )


def _bodies() -> Any:
    return (
        Network.objects.select_related("umbrella")
        .prefetch_related("focus")
        .annotate(
            member_countries=Count(
                "countries", filter=Q(countries__role=CountryRole.MEMBER), distinct=True
            ),
            partner_countries=Count(
                "countries", filter=Q(countries__role=CountryRole.PARTNER), distinct=True
            ),
        )
    )


def _network_fields(network: Any) -> dict[str, Any]:
    return {
        "acronym": network.acronym,
        "name": network.name,
        "kind": network.kind,
        "kind_label": str(network.get_kind_display()),
        "umbrella": network.umbrella.acronym if network.umbrella else None,
        "focus": [FocusOut(slug=area.slug, name=area.name) for area in network.focus.all()],
        "website": network.website,
        "member_countries": network.member_countries,
        "partner_countries": network.partner_countries,
        "accepts_applications": network.accepts_applications,
    }


def _network(acronym: str) -> Network:
    network = Network.objects.filter(acronym=acronym).first()
    if network is None:
        raise Http404
    return network


def _application_out(application: JoinApplication) -> ApplicationOut:
    return ApplicationOut(**_application_fields(application))


def _application_fields(application: JoinApplication) -> dict[str, Any]:
    return {
        "id": application.pk,
        "network": application.network.acronym,
        "organisation": application.organisation.name,
        "country": application.country_id,
        "position": application.position,
        "motivation": application.motivation,
        "status": application.status,
        "created_at": application.created_at,
        "decided_at": application.decided_at,
        "reason": application.reason if application.status == ApplicationStatus.REJECTED else "",
    }


def _to_decide_out(application: JoinApplication) -> ApplicationToDecideOut:
    return ApplicationToDecideOut(
        **_application_fields(application),
        applicant=ApplicantOut(
            display_name=application.user.display_name, email=application.user.email
        ),
        escalated=application.escalated_at is not None,
    )


def _account(caller: Principal) -> User:
    assert caller.user is not None  # principal(..., account=True) made sure
    return caller.user


def _decidable(caller: Principal, application_id: int) -> JoinApplication:
    """A pending application the caller may decide now; "not found" otherwise."""
    user = _account(caller)
    application = applications_to_decide(user=user).filter(pk=application_id).first()
    if application is None or not may_decide(user=user, application=application, mfa=caller.mfa):
        raise Http404
    return application


# --- the directory ----------------------------------------------------------------------


@router.get(
    "/networks",
    response={200: Page[NetworkOut], **documented(*COMMON, 403)},
    summary="The directory of networks and other bodies",
    openapi_extra=OPTIONAL_AUTH,
)
def networks_list(
    request: HttpRequest, page: Query[PageParams], filters: Query[DirectoryFilter]
) -> dict[str, object]:
    principal(request, "directory:read")
    matching = Network.objects.all()
    if filters.kind:
        matching = matching.filter(kind=filters.kind)
    if filters.country:
        matching = matching.filter(countries__country_id=filters.country.upper())
    if filters.focus:
        matching = matching.filter(focus__slug=filters.focus)
    if filters.q:
        words = filters.q
        matching = matching.filter(
            Q(acronym__icontains=words)
            | Q(name__icontains=words)
            | Q(description__icontains=words)
            | Q(focus__name__icontains=words)
        )
    # Filter by id so joins for the filters never multiply the counted countries.
    bodies = _bodies().filter(pk__in=matching.values("pk")).order_by("acronym", "pk")
    return paginate(bodies, page, lambda network: NetworkOut(**_network_fields(network)))


@router.get(
    "/networks/{acronym}",
    response={200: NetworkDetailOut, **documented(*COMMON, 403, 404)},
    summary="One network or body: facts with their sources, structure, countries",
    openapi_extra=OPTIONAL_AUTH,
)
def network_detail(request: HttpRequest, acronym: str = Acronym) -> NetworkDetailOut:
    principal(request, "directory:read")
    network = _bodies().prefetch_related("sources").filter(acronym=acronym).first()
    if network is None:
        raise Http404
    contact_countries = set(
        RoleAssignment.objects.filter(network=network, role=Role.NATIONAL_CONTACT)
        .exclude(country_id=None)
        .values_list("country_id", flat=True)
    )
    return NetworkDetailOut(
        **_network_fields(network),
        chair=network.chair,
        description=network.description,
        sources=[_source_out(source) for source in network.sources.all()],
        facts=[
            FactOut(
                key=fact.key,
                label=fact.label,
                value=fact.value,
                note=fact.note,
                source=_source_out(fact.source),
            )
            for fact in network.facts.select_related("source")
        ],
        countries=[
            NetworkCountryOut(
                code=row.country_id,
                name=row.country.name,
                role=row.role,
                source=row.source.key if row.source else None,
            )
            for row in network.countries.select_related("country", "source")
        ],
        structures=[
            StructureOut(
                name=group.name,
                kind=group.kind,
                kind_label=str(group.get_kind_display()),
                area=group.area,
                led_by=group.leader_note,
                source=group.source.key if group.source else None,
            )
            for group in network.groups.select_related("source").order_by("kind", "name", "pk")
        ],
        organisations=[
            MemberOrganisationOut(
                name=row.organisation.name,
                country=row.organisation.country_id,
                status=row.status,
                since=row.since.isoformat() if row.since else None,
            )
            for row in network.organisation_memberships.select_related("organisation").order_by(
                "organisation__country_id", "organisation__name", "pk"
            )
        ],
        partnerships=[
            PartnershipOut(
                name=row.name,
                kind=row.kind,
                partner=row.partner.acronym if row.partner else None,
                source=row.source.key if row.source else None,
            )
            for row in network.partnerships.select_related("partner", "source")
        ],
        member_bodies=list(network.networks.order_by("acronym").values_list("acronym", flat=True)),
        contact_countries=sorted(contact_countries),
    )


@router.get(
    "/networks/{acronym}/members",
    response={200: Page[MemberOut], **documented(*COMMON, 403, 404)},
    summary="Members of a network (for its members only)",
)
def members_list(
    request: HttpRequest, page: Query[PageParams], acronym: str = Acronym
) -> dict[str, object]:
    caller = principal(request, "directory:read", account=True)
    network = _network(acronym)
    if not is_network_member(caller.viewer, network.pk):
        raise Http404  # to others the list does not exist
    members = network_members(network=network).order_by(
        "user__organisation__country__name", "user__display_name", "pk"
    )

    def out(membership: NetworkMembership) -> MemberOut:
        person = membership.user
        organisation = person.organisation
        return MemberOut(
            display_name=person.display_name,
            organisation=organisation.name if organisation and person.show_organisation else None,
            country=organisation.country_id if organisation else None,
        )

    return paginate(members, page, out)


# --- joining and leaving ----------------------------------------------------------------


@router.post(
    "/networks/{acronym}/applications",
    response={201: ApplicationOut, **documented(*COMMON, 403, 404, 409)},
    summary="Apply to join a network",
    description="Goes to the National Contact of your organisation's country for the "
    "network (or a deputy, or the secretariat). 409 when you are already a member, an "
    "application is already waiting, or your profile lacks an organisation.",
)
def application_create(
    request: HttpRequest, body: ApplicationIn, acronym: str = Acronym
) -> Status[ApplicationOut]:
    caller = principal(request, "applications:write", account=True)
    network = _network(acronym)
    try:
        application = application_submit(
            user=_account(caller),
            network=network,
            position=body.position,
            motivation=body.motivation,
        )
    except DjangoValidationError as error:
        # The body was checked above: what is left is the state of things.
        raise ApiError("conflict", " ".join(error.messages)) from None
    except IntegrityError:  # a second application sent at the same moment
        raise ApiError(
            "conflict", _("Your application to %(network)s is already waiting.")
            % {"network": network.acronym},
        ) from None  # fmt: skip
    return Status(201, _application_out(application))


@router.get(
    "/applications/mine",
    response={200: Page[ApplicationOut], **documented(*COMMON, 403)},
    summary="Your applications, newest first",
)
def applications_mine(request: HttpRequest, page: Query[PageParams]) -> dict[str, object]:
    caller = principal(request, "applications:read", account=True)
    rows = (
        JoinApplication.objects.filter(user=caller.user)
        .select_related("network", "organisation")
        .order_by("-created_at", "-pk")
    )
    return paginate(rows, page, _application_out)


@router.post(
    "/applications/{int:application_id}/withdraw",
    response={200: ApplicationOut, **documented(*COMMON, 403, 404)},
    summary="Withdraw one of your applications while it waits",
)
def application_withdraw_op(request: HttpRequest, application_id: int) -> ApplicationOut:
    caller = principal(request, "applications:write", account=True)
    user = _account(caller)
    application = JoinApplication.objects.filter(
        pk=application_id, user=user, status=ApplicationStatus.PENDING
    ).first()
    if application is None:
        raise Http404
    application_withdraw(application=application, user=user)
    application.refresh_from_db()
    return _application_out(application)


@router.delete(
    "/networks/{acronym}/membership",
    response={204: None, **documented(*COMMON, 403, 404)},
    summary="Leave a network",
    description="Takes effect at once, for every session and token of yours.",
)
def membership_delete(request: HttpRequest, acronym: str = Acronym) -> Status[None]:
    caller = principal(request, "memberships:write", account=True)
    network = _network(acronym)
    try:
        membership_leave(user=_account(caller), network=network)
    except NetworkMembership.DoesNotExist:
        raise Http404 from None
    return Status(204, None)


# --- deciding ---------------------------------------------------------------------------


@router.get(
    "/applications/to-decide",
    response={200: Page[ApplicationToDecideOut], **documented(*COMMON, 403)},
    summary="Applications waiting for your decision",
    description="For National Contacts, their deputies and secretariats, signed in with a "
    "second factor (a token's owner must have one).",
)
def applications_waiting(request: HttpRequest, page: Query[PageParams]) -> dict[str, object]:
    caller = principal(request, "applications:read", account=True)
    user = _account(caller)
    decides = user.roles.filter(role__in=[Role.NATIONAL_CONTACT, Role.SECRETARIAT]).exists()
    if not caller.mfa or not decides:
        raise ApiError(
            "permission_denied",
            _("For National Contacts and secretariats signed in with a second factor."),
        )
    rows = applications_to_decide(user=user).order_by("created_at", "pk")
    return paginate(rows, page, _to_decide_out)


@router.post(
    "/applications/{int:application_id}/approve",
    response={200: ApplicationOut, **documented(*COMMON, 403, 404)},
    summary="Approve an application",
    description="Makes the applicant a member and joins them to the network's default "
    "groups; if they are not vetted yet, records your vetting of them.",
)
def application_approve_op(
    request: HttpRequest, application_id: int, body: ApproveIn
) -> ApplicationOut:
    caller = principal(request, "applications:decide", account=True)
    application = _decidable(caller, application_id)
    try:
        application_approve(
            application=application,
            decider=_account(caller),
            mfa=caller.mfa,
            vetting_reason=body.vetting_reason,
        )
    except PermissionDenied as error:  # may decide, but may not vet this person
        raise ApiError("permission_denied", str(error) or _("You may not do this.")) from None
    application.refresh_from_db()
    return _application_out(application)


@router.post(
    "/applications/{int:application_id}/reject",
    response={200: ApplicationOut, **documented(*COMMON, 403, 404)},
    summary="Reject an application, with a reason the applicant sees",
)
def application_reject_op(
    request: HttpRequest, application_id: int, body: RejectIn
) -> ApplicationOut:
    caller = principal(request, "applications:decide", account=True)
    application = _decidable(caller, application_id)
    try:
        application = application_reject(
            application=application, decider=_account(caller), mfa=caller.mfa, reason=body.reason
        )
    except PermissionDenied:
        raise Http404 from None
    return _application_out(application)
