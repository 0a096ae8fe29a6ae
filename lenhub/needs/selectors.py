"""Reads for practitioners' needs. Each takes the person asking and returns only what
they may see: lists through ``filter_visible``, single needs through ``access_item``
(404 for missing and not allowed alike), similar needs through the one search. A draft's
audience names its reporter alone, so drafts reach nobody else by the same policy."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from lenhub.access.choices import AudienceOption
from lenhub.access.policy import (
    LEA,
    PARTICIPANTS,
    PUBLIC,
    Viewer,
    access_item,
    can_view,
    filter_visible,
    normalize_audience,
)
from lenhub.needs.models import Need, NeedComment, NeedEvent, NeedStatus, NeedSupport
from lenhub.needs.services import curation_scope

SIMILAR_LIMIT = 5
FILTERS = ("network", "status", "kind", "crime_area", "urgency", "country")


def needs_visible(*, viewer: Viewer, filters: dict[str, Any] | None = None) -> QuerySet[Need]:
    """Needs this reader may see, filtered by network, status, kind, crime area, urgency
    and country affected."""
    items = filter_visible(viewer, Need.objects.all())
    for name, value in (filters or {}).items():
        if value in (None, "") or name not in FILTERS:
            continue
        if name == "network":
            items = items.filter(network_id=getattr(value, "pk", value))
        elif name == "country":
            items = items.filter(countries__code=getattr(value, "pk", value))
        else:
            items = items.filter(**{name: value})
    return items.select_related("network").order_by("-created_at", "-pk")


def need_get(*, viewer: Viewer, pk: object) -> Need:
    return access_item(viewer, Need.objects.select_related("network", "merged_into"), pk)


def curation_queue(*, viewer: Viewer, actor: Any) -> QuerySet[Need]:
    """Submitted needs this person curates by role and may read; never their own."""
    if viewer.user_id is None or not viewer.is_member:
        return Need.objects.none()
    return (
        needs_visible(viewer=viewer)
        .filter(status=NeedStatus.SUBMITTED)
        .filter(curation_scope(actor=actor))
        .exclude(reporter_id=actor.pk)
    )


def merge_targets(*, viewer: Viewer, need: Need) -> QuerySet[Need]:
    """Needs of the same network, open, that the curator may see (the service still
    refuses any whose audience is wider than the duplicate's)."""
    return (
        needs_visible(viewer=viewer)
        .filter(network_id=need.network_id, status__in=[NeedStatus.SUBMITTED, NeedStatus.ACCEPTED])
        .exclude(pk=need.pk)
    )


def need_events(*, need: Need) -> list[NeedEvent]:
    """The need's history (read only with the need)."""
    return list(need.events.select_related("actor", "other_need"))


def need_comments(*, need: Need) -> QuerySet[NeedComment]:
    return need.comments.select_related("author")


@dataclass(frozen=True)
class SupportCounts:
    total: int
    by_country: list[tuple[str, int]]


def need_support_counts(*, need: Need) -> SupportCounts:
    """How many support the need, and from which countries (never who)."""
    codes = list(NeedSupport.objects.filter(need=need).values_list("country_code", flat=True))
    counted = Counter(code or "" for code in codes)
    return SupportCounts(total=len(codes), by_country=sorted(counted.items()))


def need_supported_by(*, need: Need, user_id: int | None) -> bool:
    return user_id is not None and NeedSupport.objects.filter(need=need, user_id=user_id).exists()


def merged_into_visible(*, viewer: Viewer, need: Need) -> Need | None:
    """The need this one was merged into, only for readers who may see it."""
    target = need.merged_into
    return target if target is not None and can_view(viewer, target) else None


def similar_needs(
    *, viewer: Viewer, text: str, exclude: Need | None = None, limit: int = SIMILAR_LIMIT
) -> list[Any]:
    """Needs that look like ``text``, among those this reader may see: the one search,
    narrowed to needs, with the reader's rights (drafts, rejected and merged needs are
    not in the index)."""
    from lenhub.search.models import SearchDocument
    from lenhub.search.services import search

    text = " ".join(text.split())[:400]
    if not text:
        return []
    excluded = None
    if exclude is not None and exclude.pk is not None:
        excluded = (
            SearchDocument.objects.filter(kind="need", object_id=exclude.pk)
            .values_list("pk", flat=True)
            .first()
        )
    result = search(
        viewer,
        text,
        filters={"type": "need"},
        limit=limit,
        facets=False,
        snippets=False,
        exclude=excluded,
        expand=False,
        require_all=False,
        feedback=False,
    )
    return result.hits


def need_audience_options(*, viewer: Viewer, actor: Any, network: Any) -> list[AudienceOption]:
    """The audiences a reporter may give a need of ``network``: its members, narrowed to
    law enforcement, to one of its groups the reporter is in, or to named people; public
    only for holders of the right to widen."""
    from lenhub.access.services import may_widen
    from lenhub.networks.models import Group

    def option(atoms: set[str], label: str) -> AudienceOption:
        return AudienceOption(" ".join(sorted(normalize_audience(atoms))), label)

    key = f"network:{network.pk}"
    if key not in viewer.keys:
        return []
    name = network.acronym
    options = []
    if actor is not None and may_widen(actor=actor):
        options.append(option({PUBLIC}, _("Everyone (public)")))
    options.append(option({key}, _("Members of %(network)s") % {"network": name}))
    if viewer.is_lea:
        options.append(
            option({key, LEA}, _("Law-enforcement members of %(network)s") % {"network": name})
        )
    group_ids = [int(k.split(":")[1]) for k in viewer.keys if k.startswith("group:")]
    for group in Group.objects.filter(pk__in=group_ids, network=network).order_by("name"):
        options.append(
            option(
                {key, f"group:{group.pk}"},
                _("Group %(group)s (%(network)s)") % {"group": group.name, "network": name},
            )
        )
    options.append(
        option({key, PARTICIPANTS}, _("Only me and the people I name (%(network)s)")
               % {"network": name})
    )  # fmt: skip
    return options


def country_name(code: str) -> str:
    """A country's name in the reader's language, from its ISO code (the code itself
    when unknown). No query: the names are lenhub's own list."""
    from lenhub.accounts.countries import EU, PARTNERS

    name = EU.get(code) or PARTNERS.get(code)
    return _(name) if name else code


def country_names(codes: Any) -> str:
    """Country names, comma-separated, in alphabetical order of the names."""
    return ", ".join(sorted(country_name(code) for code in codes if code))
