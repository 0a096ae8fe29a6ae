"""API: top-down guidance. Lists and items go through the access policy; opening an item
records the caller's first reading (members of its network); acknowledging and relaying
are writes (scope ``guidance:write``); reach is for the network's secretariat and, for
their own country, its National Contacts (404 for everyone else)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from lenhub.access.models import TLP
from lenhub.access.policy import AudienceError, effective_tlp, record_read, tlp_label
from lenhub.api.auth import OPTIONAL_AUTH, Principal, principal
from lenhub.api.errors import COMMON, ApiError, documented
from lenhub.api.fields import NO_NUL, SOME_WORDS, AudienceAtom, AuthorTlp, Flag
from lenhub.api.pagination import Page, PageParams, paginate
from lenhub.dissemination.api import _handling_line
from lenhub.dissemination.models import Guidance, GuidanceKind, GuidanceReceipt, GuidanceRelay
from lenhub.dissemination.selectors import (
    guidance_get,
    guidance_reach,
    guidance_visible,
    reach_scope,
    receipts_of,
)
from lenhub.dissemination.services import (
    guidance_acknowledge,
    guidance_open,
    guidance_publish,
    guidance_relay,
)
from lenhub.networks.models import Network

router = Router(tags=["guidance"])


class ReceiptOut(Schema):
    opened_at: datetime
    acknowledged_at: datetime | None


class GuidanceOut(Schema):
    id: int
    network_id: int
    network: str = Field(description="The network's acronym.")
    kind: GuidanceKind
    title: str
    summary: str
    reference: str
    source_url: str
    requires_acknowledgement: bool
    published_at: datetime
    tlp: str = Field(description="The effective label, e.g. TLP:AMBER.")
    handling: str = Field(description="What the label allows, in one line.")
    audience: list[str] = Field(description="Audience keys a reader must all hold.")
    receipt: ReceiptOut | None = Field(
        description="Your own reading: when you first opened it and acknowledged it."
    )


class GuidanceDetailOut(GuidanceOut):
    body: str


class GuidanceFilter(Schema):
    network_id: int | None = Field(None, ge=1, le=2**31 - 1, description="Only this network's.")
    kind: GuidanceKind | None = Field(None, description="Only this kind.")
    tlp: TLP | None = Field(None, description="Only items with this label.")
    q: str | None = Field(None, max_length=200, description="Words in the title.")


class RelayIn(Schema):
    country: str = Field(
        "",
        max_length=2,
        description="Your country (ISO code); may be left out when you are National "
        "Contact for one country only.",
    )
    note: str = Field("", max_length=2000, description="A note to your country's members.")


class RelayOut(Schema):
    id: int
    guidance_id: int
    country: str
    note: str
    recipients: int = Field(description="How many people were notified.")
    created_at: datetime


class ReachRowOut(Schema):
    country: str = Field(description="ISO code of the organisations' country ('' unknown).")
    audience: int
    opened: int
    acknowledged: int
    opened_percent: int
    acknowledged_percent: int


class ReachOut(Schema):
    guidance_id: int
    tlp: str
    countries: list[ReachRowOut]
    total: ReachRowOut
    relays: list[RelayOut]


def _receipt(receipt: GuidanceReceipt | None) -> ReceiptOut | None:
    if receipt is None:
        return None
    return ReceiptOut(opened_at=receipt.opened_at, acknowledged_at=receipt.acknowledged_at)


def _out(
    item: Guidance, receipt: GuidanceReceipt | None, cls: type[GuidanceOut] = GuidanceOut
) -> GuidanceOut:
    label = effective_tlp(item)
    fields: dict[str, Any] = {
        "id": item.pk,
        "network_id": item.network_id,
        "network": item.network.acronym,
        "kind": GuidanceKind(item.kind),
        "title": item.title,
        "summary": item.summary,
        "reference": item.reference,
        "source_url": item.source_url,
        "requires_acknowledgement": item.requires_acknowledgement,
        "published_at": item.published_at,
        "tlp": tlp_label(label),
        "handling": _handling_line(label),
        "audience": sorted(key.key for key in item.audience_keys.all()),
        "receipt": _receipt(receipt),
    }
    if cls is GuidanceDetailOut:
        fields["body"] = item.body
    return cls(**fields)


def _relay_out(relay: GuidanceRelay) -> RelayOut:
    return RelayOut(
        id=relay.pk,
        guidance_id=relay.guidance_id,
        country=relay.country_code,
        note=relay.note,
        recipients=relay.recipients,
        created_at=relay.created_at,
    )


def _row(row: Any) -> ReachRowOut:
    return ReachRowOut(
        country=row.country,
        audience=row.audience,
        opened=row.opened,
        acknowledged=row.acknowledged,
        opened_percent=row.opened_percent,
        acknowledged_percent=row.acknowledged_percent,
    )


def _detail(caller: Principal, guidance_id: int, request: HttpRequest) -> Guidance:
    item = guidance_get(viewer=caller.viewer, pk=guidance_id)
    record_read(caller.viewer, item, request=request)
    return item


@router.get(
    "",
    response={200: Page[GuidanceOut], **documented(*COMMON, 403)},
    summary="Guidance",
    description="Directives, guidelines and recommendations you may see, newest first.",
    openapi_extra=OPTIONAL_AUTH,
)
def guidance_list(
    request: HttpRequest, page: Query[PageParams], filters: Query[GuidanceFilter]
) -> dict[str, Any]:
    caller = principal(request, "guidance:read")
    items = guidance_visible(
        viewer=caller.viewer,
        filters={"network": filters.network_id, "kind": filters.kind, "q": filters.q},
    ).prefetch_related("audience_keys")
    if filters.tlp:
        items = items.filter(tlp=filters.tlp)
    result = paginate(items, page)
    receipts = receipts_of(user=caller.user, guidance_ids=[item.pk for item in result["results"]])
    result["results"] = [_out(item, receipts.get(item.pk)) for item in result["results"]]
    return result


class GuidancePublishIn(Schema):
    network: str = Field(max_length=40, pattern=NO_NUL, description="The network's acronym.")
    kind: GuidanceKind
    title: str = Field(min_length=1, max_length=200, pattern=SOME_WORDS)
    summary: str = Field("", max_length=300, pattern=NO_NUL)
    body: str = Field(min_length=1, max_length=100_000, pattern=SOME_WORDS)
    reference: str = Field(
        "", max_length=200, pattern=NO_NUL,
        description="The issuing body's reference, e.g. a document number.",
    )  # fmt: skip
    source_url: str = Field("", max_length=200, pattern=NO_NUL, description="An http(s) link.")
    requires_acknowledgement: Flag = Field(
        True, description="Readers confirm they have read and understood it."
    )
    audience: list[AudienceAtom] | None = Field(
        None, max_length=5,
        description="network:<id> of the network, or narrower (with lea, a group of the "
        "network…); public only for those who may widen. The network's members when absent.",
    )  # fmt: skip
    tlp: AuthorTlp = Field(
        "GREEN",
        description="TLP:CLEAR and TLP:GREEN guidance is emailed in full; for TLP:AMBER and "
        "TLP:AMBER+STRICT the email says only that there is new guidance.",
    )


@router.post(
    "",
    response={201: GuidanceDetailOut, **documented(*COMMON, 403, 404)},
    summary="Publish guidance (the network's secretariat)",
    description="As the publishing page does: everyone in the audience is notified.",
)
def guidance_publish_api(request: HttpRequest, body: GuidancePublishIn) -> Status[GuidanceOut]:
    caller = principal(request, "guidance:write", account=True)
    assert caller.user is not None
    network = Network.objects.filter(acronym__iexact=body.network).first()
    if network is None:
        raise ApiError("not_found", _("Not found."))
    source_url = body.source_url.strip()
    if source_url:
        try:
            URLValidator(schemes=["http", "https"])(source_url)
        except ValidationError:
            raise ApiError(
                "invalid_request", _("Enter a valid URL."),
                [{"field": "source_url", "message": _("Enter a valid URL.")}],
            ) from None  # fmt: skip
    try:
        item = guidance_publish(
            actor=caller.user, viewer=caller.viewer, network=network, kind=body.kind,
            title=body.title.strip(), summary=body.summary.strip(), body=body.body.strip(),
            reference=body.reference.strip(), source_url=source_url,
            requires_acknowledgement=body.requires_acknowledgement,
            audience=body.audience or [f"network:{network.pk}"], tlp=body.tlp,
        )  # fmt: skip
    except PermissionDenied as error:
        raise ApiError("permission_denied", str(error) or _("You may not do this.")) from None
    except AudienceError as error:
        raise ApiError("invalid_request", str(error)) from None
    return Status(201, _out(item, None, GuidanceDetailOut))


@router.get(
    "/{int:guidance_id}",
    response={200: GuidanceDetailOut, **documented(*COMMON, 403, 404)},
    summary="One guidance item",
    description="Opening it records your first reading when you are a member of its network.",
    openapi_extra=OPTIONAL_AUTH,
)
def guidance_detail(request: HttpRequest, guidance_id: int) -> GuidanceOut:
    caller = principal(request, "guidance:read")
    item = _detail(caller, guidance_id, request)
    receipt = guidance_open(user=caller.user, guidance=item)
    return _out(item, receipt, GuidanceDetailOut)


@router.post(
    "/{int:guidance_id}/acknowledge",
    response={200: ReceiptOut, **documented(*COMMON, 403, 404)},
    summary="Acknowledge: I have read and understood",
    description="Recorded once: acknowledging again keeps the first time. For members of "
    "the guidance's network.",
)
def guidance_acknowledge_api(request: HttpRequest, guidance_id: int) -> ReceiptOut:
    caller = principal(request, "guidance:write", account=True)
    item = _detail(caller, guidance_id, request)
    receipt = guidance_acknowledge(user=caller.user, viewer=caller.viewer, guidance=item)
    out = _receipt(receipt)
    assert out is not None
    return out


@router.post(
    "/{int:guidance_id}/relays",
    response={201: RelayOut, **documented(*COMMON, 403, 404)},
    summary="Relay to your country",
    description="For the network's National Contacts: notifies the members of your "
    "country who may see the guidance.",
)
def guidance_relay_api(request: HttpRequest, guidance_id: int, body: RelayIn) -> Status[RelayOut]:
    caller = principal(request, "guidance:write", account=True)
    assert caller.user is not None
    item = guidance_get(viewer=caller.viewer, pk=guidance_id)
    relay = guidance_relay(
        actor=caller.user, viewer=caller.viewer, guidance=item, country=body.country.upper(),
        note=body.note,
    )  # fmt: skip
    return Status(201, _relay_out(relay))


@router.get(
    "/{int:guidance_id}/reach",
    response={200: ReachOut, **documented(*COMMON, 403, 404)},
    summary="Reach per country",
    description="For the network's secretariat (every country) and its National Contacts "
    "(their own country): people in the audience, how many opened and acknowledged it.",
)
def guidance_reach_api(request: HttpRequest, guidance_id: int) -> ReachOut:
    caller = principal(request, "guidance:read", account=True)
    item = guidance_get(viewer=caller.viewer, pk=guidance_id)
    countries = reach_scope(user=caller.user, viewer=caller.viewer, guidance=item)
    reach = guidance_reach(guidance=item, countries=countries)
    return ReachOut(
        guidance_id=item.pk,
        tlp=tlp_label(effective_tlp(item)),
        countries=[_row(row) for row in reach.rows],
        total=_row(reach.total),
        relays=[_relay_out(relay) for relay in reach.relays],
    )
