"""Gap analysis (issue 6, item 3): which knowledge-factory items may answer a need.

Suggestions come from the one search engine (``lenhub.search.services.search``), with the
need's own words as the query, so they are ranked by the same machinery as every other
search. They are stored for every item the engine indexes for a readable audience, and
filtered at read time: a link is shown only to a reader who may view both the need and
the item (``links_visible``). Items shared with named participants are never suggested:
the engine only returns them to their participants, and a suggestion is made for no one
in particular.

Curators (the National Contacts of the need's network for the reporter's country, and
the network's secretariat) confirm each link as addressing, partly addressing or not
addressing the need; each decision is audited. A need is a *gap* for a reader when no
link they may see addresses it, fully or partly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Model, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from lenhub.access.models import Restricted
from lenhub.access.policy import (
    PUBLIC,
    Viewer,
    can_view,
    effective_tlp,
    filter_visible,
    tlp_label,
)
from lenhub.audit.services import audit_log
from lenhub.needs.models import Coverage, Need, NeedLink, NeedStatus

if TYPE_CHECKING:
    from lenhub.accounts.models import User
    from lenhub.networks.models import Network

# The knowledge factory's search kinds (lenhub/knowledge/search.py).
KNOWLEDGE_KINDS = ("project", "result", "concept", "bestpractice", "techwatch")
ANSWERED = (Coverage.ADDRESSED, Coverage.PARTLY)
SUGGESTIONS = 8  # stored per need
CANDIDATES = 40  # read from the engine, before keeping knowledge items only
DECISIONS = (Coverage.ADDRESSED, Coverage.PARTLY, Coverage.NOT_ADDRESSED)


def kind_label(kind: str) -> str:
    labels = {
        "project": _("Research project"),
        "result": _("Result"),
        "concept": _("Project concept"),
        "bestpractice": _("Best practice"),
        "techwatch": _("Technology watch"),
    }
    return labels.get(kind, kind)


def kind_model(kind: str) -> type[Model] | None:
    from lenhub.search.registry import KINDS

    if kind not in KNOWLEDGE_KINDS or kind not in KINDS:
        return None
    return KINDS[kind].model


def item_title(item: Any) -> str:
    if hasattr(item, "acronym") and hasattr(item, "title"):
        return f"{item.acronym}: {item.title}"
    return str(getattr(item, "title", None) or getattr(item, "technology", None) or item)


# --- suggesting ---------------------------------------------------------------------------


def _indexing_viewer() -> Viewer:
    """A reader holding every audience the index knows, but no name: what the engine
    returns to them is every item readable by some audience, never one shared with named
    participants. Used only to store suggestions, which are filtered at read time."""
    from lenhub.search.models import AudienceSet

    keys = {PUBLIC}
    for row in AudienceSet.objects.values_list("keys", flat=True):
        keys.update(row.split())
    return Viewer(user_id=None, keys=frozenset(keys))


def need_seed_text(need: Need) -> str:
    """The need's words, most telling first (the engine reads the first words only)."""
    return " ".join([need.title, need.capability_wanted[:400], need.problem[:400]])


@transaction.atomic
def need_links_suggest(*, need: Need, limit: int = SUGGESTIONS) -> list[NeedLink]:
    """Suggest knowledge items for ``need``, ranked by the search engine. Idempotent: a
    second run updates similarities, keeps curators' decisions, and drops undecided
    suggestions that no longer rank."""
    from lenhub.search.query import parse
    from lenhub.search.services import search

    words = parse(need_seed_text(need), expand=False).words[:20]
    hits = []
    if words:
        found = search(
            _indexing_viewer(),
            " ".join(words),
            limit=CANDIDATES,
            facets=False,
            snippets=False,
            expand=False,
            require_all=False,
            feedback=False,
        )
        hits = [hit for hit in found.hits if hit.kind in KNOWLEDGE_KINDS][:limit]
    kept: list[int] = []
    links = []
    for index, hit in enumerate(hits):
        # The engine's own ranks are on each engine's scale (and may tie at 0 for the
        # documents it ranks again): the order it gives, as a score in (0, 1], 1 first.
        similarity = round(1 - index / max(len(hits), 1), 4)
        link, created = NeedLink.objects.get_or_create(
            need=need,
            item_kind=hit.kind,
            item_id=hit.object_id,
            defaults={"similarity": similarity},
        )
        if not created and link.similarity != similarity:
            link.similarity = similarity
            link.save(update_fields=["similarity"])
        kept.append(link.pk)
        links.append(link)
    NeedLink.objects.filter(need=need, coverage=Coverage.SUGGESTED).exclude(pk__in=kept).delete()
    return links


# --- who curates ------------------------------------------------------------------------


def curators(*, need: Need) -> QuerySet[User]:
    """The National Contacts of the need's network for the reporter's country, and the
    network's secretariat."""
    from django.db.models import Q

    from lenhub.accounts.models import Role, User

    condition = Q(roles__role=Role.SECRETARIAT, roles__network_id=need.network_id)
    if need.reporter_country:
        condition |= Q(
            roles__role=Role.NATIONAL_CONTACT,
            roles__network_id=need.network_id,
            roles__country_id=need.reporter_country,
        )
    return User.objects.filter(condition, is_active=True).distinct()


def may_curate_links(*, viewer: Viewer, user: Any, need: Need) -> bool:
    """A curator of the need, vetted and signed in with a second factor (the viewer holds
    ``members`` only then), who may read the need."""
    if user is None or not getattr(user, "is_authenticated", False) or not viewer.is_member:
        return False
    if viewer.user_id != user.pk:
        return False
    if not curators(need=need).filter(pk=user.pk).exists():
        return False
    return can_view(viewer, need)


# --- reading links ----------------------------------------------------------------------


@dataclass(frozen=True)
class LinkView:
    link: NeedLink
    item: Restricted
    kind: str
    title: str
    url: str
    tlp: str  # the item's effective label

    @property
    def kind_label(self) -> str:
        return kind_label(self.kind)

    @property
    def tlp_label(self) -> str:
        return tlp_label(self.tlp)

    @property
    def tlp_css(self) -> str:
        return self.tlp.lower().replace("+", "-")

    @property
    def coverage_label(self) -> str:
        return str(Coverage(self.link.coverage).label)

    @property
    def answers(self) -> bool:
        return self.link.coverage in ANSWERED


def _items(viewer: Viewer | None, pairs: set[tuple[str, int]]) -> dict[tuple[str, int], Any]:
    """The items named by ``pairs`` (kind, id); with a viewer, only those they may view."""
    found: dict[tuple[str, int], Any] = {}
    by_kind: dict[str, list[int]] = {}
    for kind, pk in pairs:
        by_kind.setdefault(kind, []).append(pk)
    for kind, ids in by_kind.items():
        model = kind_model(kind)
        if model is None:
            continue
        queryset = model._default_manager.filter(pk__in=ids)
        if viewer is not None:
            queryset = filter_visible(viewer, queryset)
        for item in queryset:
            found[(kind, item.pk)] = item
    return found


def link_views(viewer: Viewer | None, links: list[NeedLink]) -> list[LinkView]:
    items = _items(viewer, {(link.item_kind, link.item_id) for link in links})
    views = []
    for link in links:
        item = items.get((link.item_kind, link.item_id))
        if item is None:
            continue
        views.append(
            LinkView(
                link=link,
                item=item,
                kind=link.item_kind,
                title=item_title(item),
                url=item.get_absolute_url(),
                tlp=effective_tlp(item),
            )
        )
    return views


def links_visible(viewer: Viewer, need: Need) -> list[LinkView]:
    """The need's knowledge links this reader may see: none unless they may view the
    need, and of those only the links to items they may view. Best first: confirmed
    answers, then by similarity."""
    if not can_view(viewer, need):
        return []
    links = list(need.links.exclude(coverage=Coverage.NOT_ADDRESSED).order_by("-similarity", "pk"))
    order = {Coverage.ADDRESSED: 0, Coverage.PARTLY: 1, Coverage.SUGGESTED: 2}
    views = link_views(viewer, links)
    return sorted(
        views, key=lambda v: (order.get(Coverage(v.link.coverage), 3), -v.link.similarity)
    )


def links_for_curation(viewer: Viewer, need: Need) -> list[LinkView]:
    """Every link a curator may see, "not addressed" ones included."""
    if not can_view(viewer, need):
        return []
    return link_views(viewer, list(need.links.order_by("-similarity", "pk")))


def need_is_gap(viewer: Viewer, need: Need) -> bool:
    """No link this reader may see answers the need (DESIGN §2: a derived fact only uses
    items the reader may see)."""
    return not any(view.answers for view in links_visible(viewer, need))


def need_link_get(*, viewer: Viewer, need: Need, link_id: Any) -> NeedLink:
    """A link of ``need`` to an item this reader may view; 404 otherwise."""
    try:
        link = need.links.get(pk=int(link_id))
    except (NeedLink.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None
    if not link_views(viewer, [link]):
        raise Http404
    return link


@transaction.atomic
def need_link_decide(
    *, viewer: Viewer, actor: User, need: Need, link_id: Any, coverage: str, note: str = ""
) -> NeedLink:
    """A curator confirms whether a linked item addresses the need (audited)."""
    if not may_curate_links(viewer=viewer, user=actor, need=need):
        raise PermissionDenied(_("Only the need's curators may confirm knowledge links."))
    if coverage not in DECISIONS:
        raise PermissionDenied(_("Choose addressed, partly addressed or not addressed."))
    link = need_link_get(viewer=viewer, need=need, link_id=link_id)
    previous = link.coverage
    link.coverage = coverage
    link.note = note.strip()[:2000]
    link.decided_by = actor
    link.decided_at = timezone.now()
    link.save(update_fields=["coverage", "note", "decided_by", "decided_at"])
    audit_log(
        action="need.link_decided",
        actor=actor,
        target=f"needs.need:{need.pk}",
        data={
            "link": link.pk,
            "item": f"{link.item_kind}:{link.item_id}",
            "from": previous,
            "to": coverage,
        },
    )
    return link


# --- the gaps of a network --------------------------------------------------------------


@dataclass(frozen=True)
class GapRow:
    need: Need
    suggestions: int  # undecided suggestions the reader may see

    @property
    def tlp(self) -> str:
        return effective_tlp(self.need)

    @property
    def tlp_label(self) -> str:
        return tlp_label(self.tlp)

    @property
    def tlp_css(self) -> str:
        return self.tlp.lower().replace("+", "-")


def gaps_of_network(viewer: Viewer, network: Network) -> list[GapRow]:
    """The accepted needs of ``network`` this reader may see that no link they may see
    answers, most urgent first."""
    needs = filter_visible(
        viewer, Need.objects.filter(network=network, status=NeedStatus.ACCEPTED)
    ).prefetch_related("audience_keys")
    needs_list = list(needs)
    links = list(NeedLink.objects.filter(need__in=[n.pk for n in needs_list]))
    by_need: dict[int, list[NeedLink]] = {}
    for link in links:
        by_need.setdefault(link.need_id, []).append(link)
    visible = link_views(viewer, links)
    answered = {view.link.need_id for view in visible if view.answers}
    suggested: dict[int, int] = {}
    for view in visible:
        if view.link.coverage == Coverage.SUGGESTED:
            suggested[view.link.need_id] = suggested.get(view.link.need_id, 0) + 1
    urgency = {"critical": 0, "high": 1, "medium": 2, "low": 3}
    rows = [
        GapRow(need=need, suggestions=suggested.get(need.pk, 0))
        for need in needs_list
        if need.pk not in answered
    ]
    return sorted(rows, key=lambda r: (urgency.get(r.need.urgency, 4), r.need.title.lower()))


def need_get_for_links(*, viewer: Viewer, pk: Any) -> Need:
    from lenhub.access.policy import access_item

    return access_item(viewer, Need.objects.select_related("network"), pk)
