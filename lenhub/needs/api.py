"""API: practitioners' needs. Every read goes through the access policy: lists are
filtered, single needs answer 404 for what the caller may not see (a draft is its
reporter's alone), "similar needs" is the one search narrowed to needs."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from lenhub.access.policy import AudienceError, effective_tlp, record_read, tlp_label
from lenhub.api.auth import OPTIONAL_AUTH, principal
from lenhub.api.errors import COMMON, ApiError, documented
from lenhub.api.pagination import Page, PageParams, paginate
from lenhub.needs import selectors, services
from lenhub.needs.models import CrimeArea, Need, NeedKind, NeedStatus, Urgency
from lenhub.networks.models import Network

router = Router(tags=["needs"])

READ = "needs:read"
WRITE = "needs:write"


class NeedOut(Schema):
    id: int
    tlp: str = Field(description="The effective label, e.g. TLP:AMBER.")
    audience: list[str] = Field(description="Audience keys a reader must all hold.")
    url: str
    network: str
    title: str
    kind: NeedKind
    crime_area: CrimeArea
    urgency: Urgency
    status: NeedStatus
    countries: list[str]
    reporter_country: str
    created_at: datetime
    submitted_at: datetime | None


class EventOut(Schema):
    from_status: str
    to_status: str
    reason: str
    at: datetime


class NeedDetailOut(NeedOut):
    problem: str
    current_practice: str
    capability_wanted: str
    operational_context: str
    decision_reason: str
    merged_into: int | None = Field(description="Set only when the caller may see that need.")
    supports: int
    supports_by_country: dict[str, int]
    supported_by_me: bool
    history: list[EventOut]


def _user(caller: Any) -> Any:
    """The signed-in person behind a principal (``account=True`` made sure of one)."""
    return caller.user


def _need(need: Need) -> dict[str, Any]:
    return {
        "id": need.pk,
        "tlp": tlp_label(effective_tlp(need)),
        "audience": sorted(key.key for key in need.audience_keys.all()),
        "url": need.get_absolute_url(),
        "network": need.network.acronym,
        "title": need.title,
        "kind": need.kind,
        "crime_area": need.crime_area,
        "urgency": need.urgency,
        "status": need.status,
        "countries": sorted(country.code for country in need.countries.all()),
        "reporter_country": need.reporter_country,
        "created_at": need.created_at,
        "submitted_at": need.submitted_at,
    }


def _detail(need: Need, viewer: Any) -> NeedDetailOut:
    counts = selectors.need_support_counts(need=need)
    target = selectors.merged_into_visible(viewer=viewer, need=need)
    return NeedDetailOut(
        **_need(need),
        problem=need.problem,
        current_practice=need.current_practice,
        capability_wanted=need.capability_wanted,
        operational_context=need.operational_context,
        decision_reason=need.decision_reason,
        merged_into=target.pk if target else None,
        supports=counts.total,
        supports_by_country=dict(counts.by_country),
        supported_by_me=selectors.need_supported_by(need=need, user_id=viewer.user_id),
        history=[
            EventOut(
                from_status=e.from_status, to_status=e.to_status, reason=e.reason, at=e.created_at
            )
            for e in selectors.need_events(need=need)
        ],
    )


class NeedFilter(Schema):
    network: str | None = Field(None, max_length=20, description="A network's acronym.")
    status: NeedStatus | None = None
    kind: NeedKind | None = None
    crime_area: CrimeArea | None = None
    urgency: Urgency | None = None
    country: str | None = Field(None, min_length=2, max_length=2, description="ISO code.")


@router.get(
    "/needs",
    response={200: Page[NeedOut], **documented(*COMMON, 403)},
    summary="Practitioners' needs",
    description="The needs the caller may see; drafts only the caller's own.",
    openapi_extra=OPTIONAL_AUTH,
)
def need_list(
    request: HttpRequest, page: Query[PageParams], filters: Query[NeedFilter]
) -> dict[str, object]:
    viewer = principal(request, READ).viewer
    values = filters.model_dump()
    if values.get("network"):
        network = Network.objects.filter(acronym__iexact=values["network"]).first()
        values["network"] = network.pk if network else -1
    if values.get("country"):
        values["country"] = values["country"].upper()
    items = selectors.needs_visible(viewer=viewer, filters=values)
    items = items.prefetch_related("audience_keys", "countries")
    return paginate(items, page, lambda need: NeedOut(**_need(need)))


class SimilarOut(Schema):
    id: int
    title: str
    url: str
    tlp: str


@router.get(
    "/needs/similar",
    response={200: list[SimilarOut], **documented(*COMMON, 403, 404)},
    summary="Needs similar to a text",
    description="Needs the caller may see that look like ``text`` (a title and problem "
    "being written); ``exclude`` leaves out the caller's own need being edited.",
    openapi_extra=OPTIONAL_AUTH,
)
def need_similar(
    request: HttpRequest,
    text: str = Query(..., max_length=1000),
    exclude: int | None = None,
) -> list[SimilarOut]:
    viewer = principal(request, READ).viewer
    excluded = selectors.need_get(viewer=viewer, pk=exclude) if exclude is not None else None
    hits = selectors.similar_needs(viewer=viewer, text=text, exclude=excluded)
    return [
        SimilarOut(id=hit.object_id, title=hit.title, url=hit.url, tlp=tlp_label(hit.tlp))
        for hit in hits
    ]


@router.get(
    "/needs/{int:need_id}",
    response={200: NeedDetailOut, **documented(*COMMON, 403, 404)},
    summary="One need",
    openapi_extra=OPTIONAL_AUTH,
)
def need_detail(request: HttpRequest, need_id: int) -> NeedDetailOut:
    viewer = principal(request, READ).viewer
    need = selectors.need_get(viewer=viewer, pk=need_id)
    record_read(viewer, need, request=request)
    return _detail(need, viewer)


class NeedIn(Schema):
    network: str = Field(..., max_length=20, description="The network's acronym.")
    title: str = Field(..., min_length=1, max_length=200)
    kind: NeedKind = NeedKind.TECHNOLOGY_NEED
    problem: str = Field(..., min_length=1, max_length=20_000)
    current_practice: str = Field("", max_length=20_000)
    capability_wanted: str = Field(..., min_length=1, max_length=20_000)
    operational_context: str = Field("", max_length=20_000)
    crime_area: CrimeArea
    urgency: Urgency
    countries: list[str] = Field(default_factory=list, max_length=60)
    audience: list[str] | None = Field(
        None, max_length=5,
        description="network:<id> of the need's network, optionally with lea, a group of "
        "that network or participants; the network's members when absent.",
    )  # fmt: skip
    tlp: str = Field("GREEN", json_schema_extra={"enum": list(services.NEED_LABELS)})


class NeedUpdateIn(Schema):
    title: str | None = Field(None, min_length=1, max_length=200)
    kind: NeedKind | None = None
    problem: str | None = Field(None, min_length=1, max_length=20_000)
    current_practice: str | None = Field(None, max_length=20_000)
    capability_wanted: str | None = Field(None, min_length=1, max_length=20_000)
    operational_context: str | None = Field(None, max_length=20_000)
    crime_area: CrimeArea | None = None
    urgency: Urgency | None = None
    countries: list[str] | None = Field(None, max_length=60)
    audience: list[str] | None = Field(None, max_length=5)
    tlp: str | None = Field(None, json_schema_extra={"enum": list(services.NEED_LABELS)})


def _countries(codes: list[str]) -> list[Any]:
    from lenhub.accounts.models import Country

    found = list(Country.objects.filter(code__in=[c.upper() for c in codes]))
    if len(found) != len({c.upper() for c in codes}):
        raise ApiError("invalid_request", _("Unknown country."), [{"field": "countries",
                                                                   "message": ""}])  # fmt: skip
    return found


def _write(call: Any) -> Any:
    try:
        return call()
    except AudienceError as error:
        raise ApiError("invalid_request", str(error)) from None
    except PermissionDenied as error:
        raise ApiError("permission_denied", str(error) or _("You may not do this.")) from None
    except services.NeedStateError as error:
        raise ApiError("conflict", str(error)) from None
    except DjangoValidationError as error:
        raise ApiError("invalid_request", " ".join(error.messages)) from None


def _reload(viewer: Any, need: Need) -> NeedDetailOut:
    return _detail(selectors.need_get(viewer=viewer, pk=need.pk), viewer)


@router.post(
    "/needs",
    response={201: NeedDetailOut, **documented(*COMMON, 403, 404)},
    summary="Report a need (as a draft)",
    description="The need is a draft that only you can see until you submit it.",
)
def need_create(request: HttpRequest, body: NeedIn) -> Status[NeedDetailOut]:
    caller = principal(request, WRITE, account=True)
    network = Network.objects.filter(acronym__iexact=body.network).first()
    if network is None:
        raise ApiError("not_found", _("Not found."))
    fields = body.model_dump(exclude={"network", "countries", "audience", "tlp"})
    need = _write(
        lambda: services.need_create(
            viewer=caller.viewer,
            actor=_user(caller),
            network=network,
            fields=fields,
            countries=_countries(body.countries),
            audience=body.audience,
            tlp=body.tlp,
        )
    )
    return Status(201, _reload(caller.viewer, need))


@router.patch(
    "/needs/{int:need_id}",
    response={200: NeedDetailOut, **documented(*COMMON, 403, 404)},
    summary="Edit your need before it is curated",
)
def need_update(request: HttpRequest, need_id: int, body: NeedUpdateIn) -> NeedDetailOut:
    caller = principal(request, WRITE, account=True)
    need = selectors.need_get(viewer=caller.viewer, pk=need_id)
    values = body.model_dump(exclude_none=True, exclude={"countries", "audience", "tlp"})
    countries = _countries(body.countries) if body.countries is not None else None
    _write(
        lambda: services.need_update(
            need=need, viewer=caller.viewer, actor=_user(caller),
            fields=values, countries=countries, audience=body.audience, tlp=body.tlp,
        )
    )  # fmt: skip
    return _reload(caller.viewer, need)


@router.post(
    "/needs/{int:need_id}/submit",
    response={200: NeedDetailOut, **documented(*COMMON, 403, 404, 409)},
    summary="Submit your draft for curation",
)
def need_submit(request: HttpRequest, need_id: int) -> NeedDetailOut:
    caller = principal(request, WRITE, account=True)
    need = selectors.need_get(viewer=caller.viewer, pk=need_id)
    _write(lambda: services.need_submit(need=need, viewer=caller.viewer, actor=_user(caller)))
    return _reload(caller.viewer, need)


class CurateAcceptIn(Schema):
    action: Literal["accept"]


class CurateRejectIn(Schema):
    action: Literal["reject"]
    reason: str = Field(..., min_length=1, max_length=5000, pattern=r"\S")


class CurateMergeIn(Schema):
    action: Literal["merge"]
    target: int = Field(description="The need to merge into.")


# Each action with what it requires, in the schema: a request the schema accepts is
# never refused for a missing reason or target.
CurateIn = Annotated[CurateAcceptIn | CurateRejectIn | CurateMergeIn, Field(discriminator="action")]


@router.post(
    "/needs/{int:need_id}/curate",
    response={200: NeedDetailOut, **documented(*COMMON, 403, 404, 409)},
    summary="Accept, merge or reject a submitted need",
    description="For the network's secretariat and its National Contacts for the "
    "reporter's country. A merge moves supports and comments to the target, which the "
    "curator must see and whose audience must be the duplicate's or narrower.",
)
def need_curate(request: HttpRequest, need_id: int, body: CurateIn) -> NeedDetailOut:
    caller = principal(request, WRITE, account=True)
    viewer, user = caller.viewer, _user(caller)
    need = selectors.need_get(viewer=viewer, pk=need_id)
    if isinstance(body, CurateAcceptIn):
        _write(lambda: services.need_accept(need=need, viewer=viewer, actor=user))
    elif isinstance(body, CurateRejectIn):
        reason = body.reason
        _write(lambda: services.need_reject(need=need, viewer=viewer, actor=user, reason=reason))
    else:
        target = selectors.need_get(viewer=viewer, pk=body.target)
        _write(lambda: services.need_merge(need=need, target=target, viewer=viewer, actor=user))
    return _reload(viewer, need)


class CommentOut(Schema):
    id: int
    author: str
    body: str
    created_at: datetime


class CommentIn(Schema):
    body: str = Field(..., min_length=1, max_length=10_000)


def _comment(comment: Any) -> CommentOut:
    author = comment.author.display_name if comment.author else ""
    return CommentOut(id=comment.pk, author=author, body=comment.body,
                      created_at=comment.created_at)  # fmt: skip


@router.get(
    "/needs/{int:need_id}/comments",
    response={200: Page[CommentOut], **documented(*COMMON, 403, 404)},
    summary="Comments on a need",
    openapi_extra=OPTIONAL_AUTH,
)
def need_comments(request: HttpRequest, need_id: int, page: Query[PageParams]) -> dict[str, object]:
    viewer = principal(request, READ).viewer
    need = selectors.need_get(viewer=viewer, pk=need_id)
    return paginate(selectors.need_comments(need=need), page, _comment)


@router.post(
    "/needs/{int:need_id}/comments",
    response={201: CommentOut, **documented(*COMMON, 403, 404)},
    summary="Comment on a need",
)
def need_comment_add(request: HttpRequest, need_id: int, body: CommentIn) -> Status[CommentOut]:
    caller = principal(request, WRITE, account=True)
    need = selectors.need_get(viewer=caller.viewer, pk=need_id)
    comment = _write(
        lambda: services.need_comment_add(
            need=need,
            viewer=caller.viewer,
            actor=_user(caller),
            body=body.body,
        )
    )
    return Status(201, _comment(comment))


class SupportOut(Schema):
    supported: bool
    supports: int
    supports_by_country: dict[str, int]


def _support(need: Need, supported: bool) -> SupportOut:
    counts = selectors.need_support_counts(need=need)
    return SupportOut(supported=supported, supports=counts.total,
                      supports_by_country=dict(counts.by_country))  # fmt: skip


@router.post(
    "/needs/{int:need_id}/support",
    response={200: SupportOut, **documented(*COMMON, 403, 404)},
    summary="Support a need (once per member)",
)
def need_support(request: HttpRequest, need_id: int) -> SupportOut:
    caller = principal(request, WRITE, account=True)
    need = selectors.need_get(viewer=caller.viewer, pk=need_id)
    supported = _write(
        lambda: services.need_support_set(
            need=need,
            viewer=caller.viewer,
            actor=_user(caller),
            support=True,
        )
    )
    return _support(need, supported)


@router.delete(
    "/needs/{int:need_id}/support",
    response={200: SupportOut, **documented(*COMMON, 403, 404)},
    summary="Withdraw your support of a need",
)
def need_unsupport(request: HttpRequest, need_id: int) -> SupportOut:
    caller = principal(request, WRITE, account=True)
    need = selectors.need_get(viewer=caller.viewer, pk=need_id)
    supported = _write(
        lambda: services.need_support_set(
            need=need,
            viewer=caller.viewer,
            actor=_user(caller),
            support=False,
        )
    )
    return _support(need, supported)
