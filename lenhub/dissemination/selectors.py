"""Reads of dissemination: news and top-down guidance. Each takes the reader and returns
only what they may see (DESIGN §2).

Guidance reaches "everyone in its audience": the active members of its network whom the
policy lets see it, each judged as a token would be (their rights now, with the second
factor they hold), as monitoring judges followers. Reach (opened, acknowledged) is
counted over those people only, per country of their organisation.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.http import Http404

from lenhub.access.policy import (
    PUBLIC,
    Viewer,
    access_item,
    can_view,
    filter_visible,
    network_key,
    viewer_for_user,
)
from lenhub.dissemination.models import Guidance, GuidanceReceipt, GuidanceRelay, News

if TYPE_CHECKING:
    from lenhub.accounts.models import User
    from lenhub.networks.models import Network


def news_visible(*, viewer: Viewer) -> QuerySet[News]:
    return filter_visible(viewer, News.objects.all())


def news_get(*, viewer: Viewer, pk: object) -> News:
    return access_item(viewer, News.objects.all(), pk)


# --- guidance: reading ------------------------------------------------------------------


def guidance_visible(
    *, viewer: Viewer, filters: dict[str, Any] | None = None
) -> QuerySet[Guidance]:
    items = filter_visible(viewer, Guidance.objects.select_related("network"))
    filters = filters or {}
    if filters.get("network"):
        items = items.filter(network_id=filters["network"])
    if filters.get("kind"):
        items = items.filter(kind=filters["kind"])
    if filters.get("q"):
        items = items.filter(title__icontains=filters["q"])
    return items.order_by("-published_at", "-pk")


def guidance_get(*, viewer: Viewer, pk: object) -> Guidance:
    """The guidance, if the reader may see it; ``Http404`` otherwise."""
    return access_item(viewer, Guidance.objects.select_related("network"), pk)


def receipts_of(*, user: Any, guidance_ids: list[int]) -> dict[int, GuidanceReceipt]:
    """The reader's own receipts for these guidance items."""
    if user is None or not user.is_authenticated or not guidance_ids:
        return {}
    receipts = GuidanceReceipt.objects.filter(user_id=user.pk, guidance_id__in=guidance_ids)
    return {receipt.guidance_id: receipt for receipt in receipts}


def is_network_member_now(*, user: Any, network_id: int) -> bool:
    """An active, unexpired membership of the network (as ``network_members`` counts)."""
    from lenhub.networks.models import Network
    from lenhub.networks.selectors import network_members

    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    network = Network(pk=network_id)
    return network_members(network=network).filter(user_id=user.pk).exists()


def guidance_to_acknowledge(*, viewer: Viewer, user: Any) -> QuerySet[Guidance]:
    """Guidance the reader may see, in networks they are a member of, that asks for an
    acknowledgement they have not given yet."""
    if viewer.user_id is None or user is None:
        return Guidance.objects.none()
    from lenhub.access.policy import member_network_ids

    acknowledged = GuidanceReceipt.objects.filter(
        user_id=viewer.user_id, acknowledged_at__isnull=False
    ).values("guidance_id")
    return (
        guidance_visible(viewer=viewer)
        .filter(requires_acknowledgement=True, network_id__in=member_network_ids(viewer))
        .exclude(pk__in=acknowledged)
    )


# --- guidance: who may publish, relay and see reach ---------------------------------------


def may_publish(*, user: Any, viewer: Viewer, network_id: int | None = None) -> bool:
    """A network's secretariat, signed in with a second factor and vetted."""
    from lenhub.accounts.models import Role
    from lenhub.accounts.selectors import user_has_role

    if not viewer.is_member:
        return False
    return user_has_role(user=user, role=Role.SECRETARIAT, network_id=network_id)


def publishing_networks(*, user: Any, viewer: Viewer) -> QuerySet[Network]:
    from lenhub.accounts.models import Role, RoleAssignment
    from lenhub.networks.models import Network

    if not viewer.is_member or user is None or not user.is_authenticated:
        return Network.objects.none()
    roles = RoleAssignment.objects.filter(user_id=user.pk, role=Role.SECRETARIAT)
    return Network.objects.filter(pk__in=roles.values("network_id")).order_by("acronym")


def relay_countries(*, user: Any, viewer: Viewer, guidance: Guidance) -> list[str]:
    """The countries this person is National Contact for in the guidance's network
    (empty for anyone else, or without vetting and second factor)."""
    from lenhub.accounts.models import Role, RoleAssignment

    if not viewer.is_member or user is None or not user.is_authenticated:
        return []
    return sorted(
        set(
            RoleAssignment.objects.filter(
                user_id=user.pk, role=Role.NATIONAL_CONTACT, network_id=guidance.network_id
            ).values_list("country_id", flat=True)
        )
    )


def reach_scope(*, user: Any, viewer: Viewer, guidance: Guidance) -> set[str] | None:
    """Which countries' reach this reader may see: ``None`` for all (the network's
    secretariat), their own countries for a National Contact; ``Http404`` for anyone
    else, as if there were no such page."""
    if may_publish(user=user, viewer=viewer, network_id=guidance.network_id):
        return None
    countries = relay_countries(user=user, viewer=viewer, guidance=guidance)
    if countries:
        return set(countries)
    raise Http404


def audience_keys_allow_network(*, atoms: frozenset[str], network_id: int) -> bool:
    """An audience the network's guidance may have: the network or narrower (one of its
    groups), or the public."""
    from lenhub.networks.models import Group

    if atoms == {PUBLIC}:
        return True
    if network_key(network_id) in atoms:
        return True
    groups = [int(atom.split(":", 1)[1]) for atom in atoms if atom.startswith("group:")]
    return Group.objects.filter(pk__in=groups, network_id=network_id).exists()


# --- guidance: the audience -------------------------------------------------------------


@dataclass(frozen=True)
class Reader:
    user: User
    viewer: Viewer
    country: str  # the country of their organisation ("" when it has none)


def guidance_audience(*, guidance: Guidance, country: str | None = None) -> list[Reader]:
    """Everyone in the guidance's audience: active members of its network (of one
    country, when given) whom the policy lets see it now."""
    from lenhub.networks.selectors import network_members

    readers = []
    for membership in network_members(network=guidance.network):
        user = membership.user
        if not user.is_active:
            continue
        organisation = user.organisation
        user_country = (organisation.country_id or "") if organisation else ""
        if country is not None and user_country != country:
            continue
        viewer = viewer_for_user(user, mfa_verified=True)
        if can_view(viewer, guidance):
            readers.append(Reader(user=user, viewer=viewer, country=user_country))
    return readers


# --- guidance: reach --------------------------------------------------------------------


@dataclass
class ReachRow:
    country: str
    audience: int = 0
    opened: int = 0
    acknowledged: int = 0

    @property
    def opened_percent(self) -> int:
        return round(100 * self.opened / self.audience) if self.audience else 0

    @property
    def acknowledged_percent(self) -> int:
        return round(100 * self.acknowledged / self.audience) if self.audience else 0


@dataclass
class Reach:
    rows: list[ReachRow] = field(default_factory=list)
    total: ReachRow = field(default_factory=lambda: ReachRow(country=""))
    relays: list[GuidanceRelay] = field(default_factory=list)


def guidance_reach(*, guidance: Guidance, countries: set[str] | None) -> Reach:
    """Per country of the audience (or of ``countries`` only): how many people are in the
    audience, how many opened the guidance on the platform, how many acknowledged it."""
    readers = [
        reader
        for reader in guidance_audience(guidance=guidance)
        if countries is None or reader.country in countries
    ]
    country_of = {reader.user.pk: reader.country for reader in readers}
    rows: dict[str, ReachRow] = defaultdict(lambda: ReachRow(country=""))
    for reader in readers:
        row = rows[reader.country]
        row.country = reader.country
        row.audience += 1
    receipts = GuidanceReceipt.objects.filter(
        guidance=guidance, user_id__in=list(country_of)
    ).values_list("user_id", "acknowledged_at")
    for user_id, acknowledged_at in receipts:
        row = rows[country_of[user_id]]
        row.opened += 1
        row.acknowledged += acknowledged_at is not None
    reach = Reach(rows=sorted(rows.values(), key=lambda row: (row.country == "", row.country)))
    for row in reach.rows:
        reach.total.audience += row.audience
        reach.total.opened += row.opened
        reach.total.acknowledged += row.acknowledged
    relays = GuidanceRelay.objects.filter(guidance=guidance).select_related("relayed_by")
    if countries is not None:
        relays = relays.filter(country_code__in=countries)
    reach.relays = list(relays)
    return reach
