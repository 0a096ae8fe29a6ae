"""The roadmap (issue 6, item 4): versions built from a closed round, published to an
audience, as a page and a PDF.

**Withholding.** A roadmap shows only needs whose audience includes the roadmap's whole
audience: every reader of the roadmap must be a reader of the need (the roadmap does not
let in anyone the need's audience does not), and the need's effective label is not
stricter than the roadmap's. Needs shared with named participants are always withheld
(roadmaps are never for named participants). Evidence (knowledge items confirmed as
answering a need) follows the same rule. The rule is applied when a version is built,
again when it is published, and again at every read: a need narrowed after publication
disappears from the roadmap. Withheld entries, with the reason, are shown only to the
people who manage the roadmap (the network's secretariat).

A need is in the *gaps* section when no evidence that reaches the roadmap's audience
answers it; otherwise in *research challenges* or *technology needs* by its kind.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lenhub.access.choices import audience_may_address
from lenhub.access.models import TLP, Restricted
from lenhub.access.policy import (
    MEMBERS,
    PARTICIPANTS,
    PUBLIC,
    TLP_ORDER,
    Viewer,
    can_view,
    effective_tlp,
    filter_visible,
    is_wider,
    item_audience,
    normalize_audience,
    tlp_label,
)
from lenhub.access.services import restricted_set_audience
from lenhub.audit.services import audit_log
from lenhub.needs.gaps import ANSWERED, item_title, kind_label, kind_model
from lenhub.needs.models import (
    Coverage,
    Need,
    NeedKind,
    NeedLink,
    RoadmapEntry,
    RoadmapStatus,
    RoadmapVersion,
    Round,
    RoundResult,
    RoundStatus,
    Section,
)

if TYPE_CHECKING:
    from lenhub.accounts.models import User
    from lenhub.networks.models import Network

logger = logging.getLogger("lenhub.needs")

SECTIONS = (Section.RESEARCH_CHALLENGES, Section.TECHNOLOGY_NEEDS, Section.GAPS)

# Why an entry is withheld: stored as a code, explained in the reader's language.
WITHHELD_AUDIENCE = "audience"
WITHHELD_LABEL = "label"
WITHHELD_PARTICIPANTS = "participants"
WITHHELD_NO_AUDIENCE = "no_audience"
WITHHELD_REASONS = {
    WITHHELD_AUDIENCE: gettext_lazy(
        "The need's audience is narrower than the roadmap's: some readers of the roadmap "
        "may not read it."
    ),
    WITHHELD_LABEL: gettext_lazy("The need's TLP label is stricter than the roadmap's."),
    WITHHELD_PARTICIPANTS: gettext_lazy(
        "The need is shared with named participants only (TLP:RED)."
    ),
    WITHHELD_NO_AUDIENCE: gettext_lazy("The need has no audience: nobody may read it."),
}


def withheld_reason_text(code: str) -> str:
    return str(WITHHELD_REASONS.get(code, code))


# --- the rule -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Reach:
    """A roadmap's audience and label, as the withholding rule needs them."""

    audience: frozenset[str]
    tlp: str
    participants: frozenset[int] = frozenset()


def roadmap_reach(version: RoadmapVersion) -> Reach:
    audience = item_audience(version)
    participants: frozenset[int] = frozenset()
    if PARTICIPANTS in audience:
        participants = frozenset(version.participants.values_list("pk", flat=True))
    return Reach(audience=audience, tlp=effective_tlp(version), participants=participants)


def withheld_because(item: Restricted, reach: Reach) -> str:
    """Why ``item`` may not appear in a roadmap of this reach ('' when it may)."""
    if not reach.audience:
        return WITHHELD_NO_AUDIENCE
    required = item_audience(item)
    if not required:
        return WITHHELD_NO_AUDIENCE
    if PARTICIPANTS in required:
        if PARTICIPANTS not in reach.audience:
            return WITHHELD_PARTICIPANTS
        named = frozenset(item.participants.values_list("pk", flat=True))
        if not reach.participants or not reach.participants <= named:
            return WITHHELD_PARTICIPANTS
    # every reader of the roadmap must be a reader of the item
    if is_wider(reach.audience, required):
        return WITHHELD_AUDIENCE
    if TLP_ORDER[effective_tlp(item)] > TLP_ORDER[reach.tlp]:
        return WITHHELD_LABEL
    return ""


def audience_viewer(version: RoadmapVersion) -> Viewer:
    """A reader holding exactly the roadmap's audience: the roadmap "as its audience sees
    it" (the export command). Holds no name, so nothing for named participants."""
    keys = set(item_audience(version)) | {PUBLIC}
    if keys != {PUBLIC}:
        keys.add(MEMBERS)
    return Viewer(user_id=None, keys=frozenset(keys))


# --- who manages --------------------------------------------------------------------------


def may_manage_roadmap(*, viewer: Viewer, user: Any, network: Network) -> bool:
    """The network's secretariat, vetted and signed in with a second factor."""
    from lenhub.accounts.selectors import user_has_role

    if user is None or not getattr(user, "is_authenticated", False) or not viewer.is_member:
        return False
    if viewer.user_id != user.pk:
        return False
    return user_has_role(user=user, role="secretariat", network_id=network.pk)


def rounds_closed(*, viewer: Viewer, network: Network) -> QuerySet[Round]:
    """Closed rounds of ``network`` this reader may see (a roadmap is built from one)."""
    return filter_visible(
        viewer, Round.objects.filter(network=network, status=RoundStatus.CLOSED)
    ).order_by("-closed_at", "-pk")


# --- building a version -----------------------------------------------------------------


def _evidence(need: Need) -> list[dict[str, Any]]:
    links = NeedLink.objects.filter(need=need, coverage__in=ANSWERED).order_by(
        "coverage", "-similarity", "pk"
    )
    return [{"kind": l.item_kind, "id": l.item_id, "coverage": l.coverage} for l in links]  # noqa: E741


def _evidence_items(evidence: Iterable[dict[str, Any]]) -> dict[tuple[str, int], Any]:
    found: dict[tuple[str, int], Any] = {}
    by_kind: dict[str, list[int]] = {}
    for row in evidence:
        by_kind.setdefault(str(row["kind"]), []).append(int(row["id"]))
    for kind, ids in by_kind.items():
        model = kind_model(kind)
        if model is None:
            continue
        for item in model._default_manager.filter(pk__in=ids):
            found[(kind, item.pk)] = item
    return found


def _reaching_evidence(evidence: list[dict[str, Any]], reach: Reach) -> list[dict[str, Any]]:
    items = _evidence_items(evidence)
    kept = []
    for row in evidence:
        item = items.get((str(row["kind"]), int(row["id"])))
        if item is not None and not withheld_because(item, reach):
            kept.append(row)
    return kept


def _section(need: Need, evidence: list[dict[str, Any]]) -> str:
    if not evidence:
        return Section.GAPS
    if need.kind == NeedKind.RESEARCH_CHALLENGE:
        return Section.RESEARCH_CHALLENGES
    return Section.TECHNOLOGY_NEEDS


def _build_entries(version: RoadmapVersion) -> None:
    """(Re)build the entries of a draft from its round's results, ranked by the round."""
    reach = roadmap_reach(version)
    version.entries.all().delete()
    positions: dict[str, int] = dict.fromkeys(SECTIONS, 0)
    results = RoundResult.objects.filter(round=version.round).select_related("need")
    entries = []
    for result in results.order_by("rank", "pk"):
        need = result.need
        evidence = _evidence(need)
        section = _section(need, _reaching_evidence(evidence, reach))
        positions[section] += 1
        reason = withheld_because(need, reach)
        entries.append(
            RoadmapEntry(
                version=version,
                section=section,
                position=positions[section],
                need=need,
                rank=result.rank,
                score=result.score,
                low=result.low,
                high=result.high,
                supporting_countries=sorted(result.supporting_countries or []),
                evidence=evidence,
                withheld=bool(reason),
                withheld_reason=reason,
            )
        )
    RoadmapEntry.objects.bulk_create(entries)


def _check_audience(*, viewer: Viewer, actor: User, audience: Iterable[str], tlp: str) -> None:
    atoms = normalize_audience(audience)
    if tlp == TLP.RED or PARTICIPANTS in atoms:
        raise ValidationError(_("A roadmap is not for named participants."))
    if not audience_may_address(viewer=viewer, actor=actor, audience=atoms):
        raise ValidationError(_("You may not address this audience."))


@transaction.atomic
def roadmap_create(
    *,
    viewer: Viewer,
    actor: User,
    network: Network,
    round_id: Any,
    title: str,
    introduction: str,
    audience: Iterable[str],
    tlp: str,
) -> RoadmapVersion:
    """A new draft version of ``network``'s roadmap from one of its closed rounds."""
    if not may_manage_roadmap(viewer=viewer, user=actor, network=network):
        raise PermissionDenied(_("Only the network's secretariat may build its roadmap."))
    try:
        round_ = rounds_closed(viewer=viewer, network=network).get(pk=int(round_id))
    except (Round.DoesNotExist, ValueError, TypeError, OverflowError):
        raise ValidationError(_("Choose a closed round of this network.")) from None
    audience = list(audience)
    _check_audience(viewer=viewer, actor=actor, audience=audience, tlp=tlp)
    from lenhub.networks.models import Network as NetworkModel

    NetworkModel.objects.select_for_update().filter(pk=network.pk).first()  # number in turn
    last = RoadmapVersion.objects.filter(network=network).aggregate(n=Max("version"))["n"] or 0
    version = RoadmapVersion.objects.create(
        network=network,
        version=last + 1,
        round=round_,
        title=title.strip()[:200],
        introduction=introduction.strip(),
        created_by=actor,
        tlp=tlp,
    )
    restricted_set_audience(item=version, audience=audience, tlp=tlp, actor=actor)
    _build_entries(version)
    audit_log(
        action="roadmap.created",
        actor=actor,
        target=f"needs.roadmapversion:{version.pk}",
        data={"network": network.pk, "version": version.version, "round": round_.pk},
    )
    return version


@transaction.atomic
def roadmap_publish(*, viewer: Viewer, actor: User, version: RoadmapVersion) -> RoadmapVersion:
    """Publish a draft: its entries are built again (needs may have changed since the
    draft), then frozen. Audited; the roadmap's audience is notified."""
    version = RoadmapVersion.objects.select_for_update().get(pk=version.pk)
    if not may_manage_roadmap(viewer=viewer, user=actor, network=version.network):
        raise PermissionDenied(_("Only the network's secretariat may publish its roadmap."))
    if version.status != RoadmapStatus.DRAFT:
        raise ValidationError(_("This version is already published."))
    _build_entries(version)
    version.status = RoadmapStatus.PUBLISHED
    version.published_at = timezone.now()
    version.save(update_fields=["status", "published_at"])
    audit_log(
        action="roadmap.published",
        actor=actor,
        target=f"needs.roadmapversion:{version.pk}",
        data={
            "network": version.network_id,
            "version": version.version,
            "tlp": version.tlp,
            "withheld": version.entries.filter(withheld=True).count(),
        },
    )
    roadmap_notify(version=version)
    return version


def roadmap_notify(*, version: RoadmapVersion) -> int:
    """Tell the members of the roadmap's network who may read it now (one update, once
    each); emails follow the label (monitoring's rules)."""
    from lenhub.monitoring.models import Update, UpdateKind
    from lenhub.monitoring.services import update_notify_people
    from lenhub.networks.selectors import network_members

    update, _created = Update.objects.get_or_create(
        key=f"roadmap_published:{version.pk}",
        defaults={"kind": UpdateKind.ROADMAP_PUBLISHED, "roadmap": version},
    )
    members = network_members(network=version.network)
    return update_notify_people(update, users=[m.user for m in members if m.user.is_active])


# --- reading ----------------------------------------------------------------------------


def roadmaps_visible(*, viewer: Viewer) -> QuerySet[RoadmapVersion]:
    """Published versions this reader may see."""
    return filter_visible(
        viewer, RoadmapVersion.objects.filter(status=RoadmapStatus.PUBLISHED)
    ).select_related("network")


def roadmaps_latest(*, viewer: Viewer) -> list[RoadmapVersion]:
    """The latest published version of each network this reader may see."""
    latest: dict[int, RoadmapVersion] = {}
    for version in roadmaps_visible(viewer=viewer).order_by("network__acronym", "-version"):
        latest.setdefault(version.network_id, version)
    return list(latest.values())


def network_get(*, acronym: str) -> Network:
    from lenhub.networks.models import Network

    network = Network.objects.filter(acronym__iexact=acronym).first()
    if network is None:
        raise Http404
    return network


def roadmap_get(*, viewer: Viewer, user: Any, acronym: str, number: Any) -> RoadmapVersion:
    """One version: published ones for readers of its audience; drafts only for the
    people who manage the roadmap (and who are in its audience). 404 otherwise."""
    network = network_get(acronym=acronym)
    try:
        version = filter_visible(
            viewer, RoadmapVersion.objects.filter(network=network).select_related("network")
        ).get(version=int(number))
    except (RoadmapVersion.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None
    if version.status != RoadmapStatus.PUBLISHED and not may_manage_roadmap(
        viewer=viewer, user=user, network=network
    ):
        raise Http404
    return version


def roadmap_latest_get(*, viewer: Viewer, acronym: str) -> RoadmapVersion:
    network = network_get(acronym=acronym)
    version = roadmaps_visible(viewer=viewer).filter(network=network).order_by("-version").first()
    if version is None:
        raise Http404
    return version


def roadmap_drafts(*, viewer: Viewer, user: Any, network: Network) -> list[RoadmapVersion]:
    if not may_manage_roadmap(viewer=viewer, user=user, network=network):
        return []
    drafts = RoadmapVersion.objects.filter(network=network, status=RoadmapStatus.DRAFT)
    return list(filter_visible(viewer, drafts).order_by("-version"))


def need_url(need: Need) -> str:
    """The need's page (``/needs/<id>/``)."""
    return need.get_absolute_url()


@dataclass(frozen=True)
class EvidenceView:
    kind: str
    id: int
    title: str
    url: str
    coverage: str
    tlp: str

    @property
    def kind_label(self) -> str:
        return kind_label(self.kind)

    @property
    def coverage_label(self) -> str:
        return str(Coverage(self.coverage).label)

    @property
    def tlp_label(self) -> str:
        return tlp_label(self.tlp)

    @property
    def tlp_css(self) -> str:
        return self.tlp.lower().replace("+", "-")


@dataclass(frozen=True)
class EntryView:
    entry: RoadmapEntry
    need: Need
    title: str
    capability_wanted: str
    url: str
    tlp: str
    evidence: list[EvidenceView]
    # place in its section and rank, among the entries this reader is shown
    position: int = 0
    rank: int = 0

    @property
    def section(self) -> str:
        return self.entry.section

    @property
    def countries(self) -> list[str]:
        return list(self.entry.supporting_countries)

    @property
    def tlp_label(self) -> str:
        return tlp_label(self.tlp)

    @property
    def tlp_css(self) -> str:
        return self.tlp.lower().replace("+", "-")


@dataclass(frozen=True)
class WithheldView:
    entry: RoadmapEntry
    title: str
    url: str
    reason: str


@dataclass
class SectionView:
    key: str
    entries: list[EntryView] = field(default_factory=list)

    @property
    def heading(self) -> str:
        return str(Section(self.key).label)

    @property
    def countries(self) -> list[str]:
        """The countries that support at least one need of the section."""
        return sorted({c for entry in self.entries for c in entry.countries})


@dataclass
class RoadmapView:
    version: RoadmapVersion
    tlp: str
    sections: list[SectionView]
    withheld: list[WithheldView] | None  # None: the reader may not see what was withheld

    @property
    def tlp_label(self) -> str:
        return tlp_label(self.tlp)

    @property
    def tlp_css(self) -> str:
        return self.tlp.lower().replace("+", "-")

    @property
    def entries(self) -> list[EntryView]:
        return [entry for section in self.sections for entry in section.entries]

    def entry_for(self, need_id: int) -> EntryView | None:
        for entry in self.entries:
            if entry.need.pk == need_id:
                return entry
        return None


def roadmap_view(viewer: Viewer, version: RoadmapVersion, *, manage: bool = False) -> RoadmapView:
    """The version as this reader sees it, the rule checked again now. ``manage``: also
    the withheld entries, with the reasons (for the people who manage the roadmap)."""
    reach = roadmap_reach(version)
    entries = list(version.entries.select_related("need").prefetch_related("need__audience_keys"))
    readable = set(
        filter_visible(
            viewer, Need.objects.filter(pk__in=[e.need_id for e in entries])
        ).values_list("pk", flat=True)
    )
    all_evidence = [row for e in entries for row in e.evidence]
    items = _evidence_items(all_evidence)
    visible_items: set[tuple[str, int]] = set()
    for (kind, pk), item in items.items():
        if not withheld_because(item, reach) and can_view(viewer, item):
            visible_items.add((kind, pk))
    sections: dict[str, SectionView] = {key: SectionView(key=key) for key in SECTIONS}
    withheld: list[WithheldView] = []
    for entry in sorted(entries, key=lambda e: (SECTIONS.index(Section(e.section)), e.position)):
        need = entry.need
        reason = entry.withheld_reason if entry.withheld else withheld_because(need, reach)
        if reason:
            if manage:
                withheld.append(
                    WithheldView(
                        entry=entry,
                        title=need.title
                        if can_view(viewer, need)
                        else _("(a need you may not read)"),
                        url=need_url(need) if can_view(viewer, need) else "",
                        reason=withheld_reason_text(reason),
                    )
                )
            continue
        if need.pk not in readable:  # the rule holds, so this only guards against a slip
            continue
        evidence = []
        for row in entry.evidence:
            key = (str(row["kind"]), int(row["id"]))
            if key in visible_items:
                item = items[key]
                evidence.append(
                    EvidenceView(
                        kind=key[0], id=key[1], title=item_title(item),
                        url=item.get_absolute_url(), coverage=str(row["coverage"]),
                        tlp=effective_tlp(item),
                    )
                )  # fmt: skip
        sections[entry.section].entries.append(
            EntryView(
                entry=entry,
                need=need,
                title=need.title,
                capability_wanted=need.capability_wanted,
                url=need_url(need),
                tlp=effective_tlp(need),
                evidence=evidence,
            )
        )
    # Places and ranks count only the entries shown: the stored places and the round's
    # ranks count withheld needs too, and a gap in the numbering would tell that one was
    # withheld (DESIGN §2: counts only use items the reader may see).
    shown = sorted(
        (e for s in sections.values() for e in s.entries), key=lambda e: (e.entry.rank, e.entry.pk)
    )
    ranks = {e.entry.pk: n for n, e in enumerate(shown, start=1)}
    for section_view in sections.values():
        section_view.entries = [
            replace(e, position=n, rank=ranks[e.entry.pk])
            for n, e in enumerate(section_view.entries, start=1)
        ]
    return RoadmapView(
        version=version,
        tlp=reach.tlp,
        sections=[sections[key] for key in SECTIONS],
        withheld=withheld if manage else None,
    )


# --- differences between versions ---------------------------------------------------------


@dataclass(frozen=True)
class DiffRow:
    title: str
    url: str
    old_section: str = ""
    new_section: str = ""
    old_position: int | None = None
    new_position: int | None = None

    @property
    def old_section_label(self) -> str:
        return str(Section(self.old_section).label) if self.old_section else ""

    @property
    def new_section_label(self) -> str:
        return str(Section(self.new_section).label) if self.new_section else ""


@dataclass
class RoadmapDiff:
    old: RoadmapVersion | None
    new: RoadmapVersion
    added: list[DiffRow] = field(default_factory=list)
    removed: list[DiffRow] = field(default_factory=list)
    moved_up: list[DiffRow] = field(default_factory=list)
    moved_down: list[DiffRow] = field(default_factory=list)
    changed_section: list[DiffRow] = field(default_factory=list)
    unchanged: int = 0


def previous_version(*, viewer: Viewer, version: RoadmapVersion) -> RoadmapVersion | None:
    """The published version before this one that this reader may see."""
    return (
        roadmaps_visible(viewer=viewer)
        .filter(network_id=version.network_id, version__lt=version.version)
        .order_by("-version")
        .first()
    )


def roadmap_diff(viewer: Viewer, version: RoadmapVersion) -> RoadmapDiff:
    """What changed from the previous published version to this one, each side as this
    reader sees it (withheld entries count on neither side)."""
    old = previous_version(viewer=viewer, version=version)
    diff = RoadmapDiff(old=old, new=version)
    new_entries = {e.need.pk: e for e in roadmap_view(viewer, version).entries}
    old_entries = {e.need.pk: e for e in roadmap_view(viewer, old).entries} if old else {}
    for pk, entry in new_entries.items():
        before = old_entries.get(pk)
        row = DiffRow(
            title=entry.title,
            url=entry.url,
            old_section=before.section if before else "",
            new_section=entry.section,
            old_position=before.position if before else None,
            new_position=entry.position,
        )
        if before is None:
            diff.added.append(row)
        elif before.section != entry.section:
            diff.changed_section.append(row)
        elif entry.position < before.position:
            diff.moved_up.append(row)
        elif entry.position > before.position:
            diff.moved_down.append(row)
        else:
            diff.unchanged += 1
    for pk, before in old_entries.items():
        if pk not in new_entries:
            diff.removed.append(
                DiffRow(
                    title=before.title, url=before.url, old_section=before.section,
                    old_position=before.position,
                )
            )  # fmt: skip
    return diff


# --- charts -------------------------------------------------------------------------------

CHART_WIDTH = 800
BAR_AREA = 520
LABEL_HEIGHT = 18
BAR_HEIGHT = 14
ROW_GAP = 12


@dataclass(frozen=True)
class IntervalBar:
    label: str
    figures: str
    label_y: str
    bar_y: str
    width: str
    low_x: str
    high_x: str
    whisker_y: str
    figures_x: str
    figures_y: str


@dataclass(frozen=True)
class IntervalChart:
    height: str
    bar_height: str
    bars: list[IntervalBar]

    @property
    def viewbox(self) -> str:
        return f"0 0 {CHART_WIDTH} {self.height}"


def figure(value: float) -> str:
    return f"{value:.2f}"


def score_chart(entries: list[EntryView]) -> IntervalChart:
    """A bar per ranked need: its score, with a line over its interval (low to high).
    Coordinates are strings so no language's number format reaches them."""
    largest = max([max(e.entry.high, e.entry.score) for e in entries] + [0.0])
    smallest = min([min(e.entry.low, 0.0) for e in entries] + [0.0])
    span = (largest - smallest) or 1.0

    def x(value: float) -> float:
        return 1 + (value - smallest) / span * BAR_AREA

    step = LABEL_HEIGHT + BAR_HEIGHT + ROW_GAP
    bars = []
    for index, entry in enumerate(entries):
        top = index * step + 4
        bar_y = top + LABEL_HEIGHT
        high_x = x(entry.entry.high)
        bars.append(
            IntervalBar(
                label=f"{entry.position}. {entry.title}",
                figures=_("%(score)s (%(low)s to %(high)s)")
                % {
                    "score": figure(entry.entry.score),
                    "low": figure(entry.entry.low),
                    "high": figure(entry.entry.high),
                },
                label_y=f"{top + 13}",
                bar_y=f"{bar_y}",
                width=f"{max(x(entry.entry.score) - x(smallest), 1.0):.1f}",
                low_x=f"{x(entry.entry.low):.1f}",
                high_x=f"{high_x:.1f}",
                whisker_y=f"{bar_y + BAR_HEIGHT / 2:.1f}",
                figures_x=f"{max(high_x, x(entry.entry.score)) + 8:.1f}",
                figures_y=f"{bar_y + 11}",
            )
        )
    return IntervalChart(height=f"{len(bars) * step + 4}", bar_height=f"{BAR_HEIGHT}", bars=bars)


@dataclass(frozen=True)
class CountBar:
    label: str
    count: int
    label_y: str
    bar_y: str
    width: str
    figures_x: str
    figures_y: str


@dataclass(frozen=True)
class CountChart:
    height: str
    bar_height: str
    bars: list[CountBar]

    @property
    def viewbox(self) -> str:
        return f"0 0 {CHART_WIDTH} {self.height}"


def countries_chart(sections: list[SectionView]) -> CountChart:
    """A bar per section: how many countries support at least one of its needs."""
    largest = max([len(s.countries) for s in sections] + [0])
    step = LABEL_HEIGHT + BAR_HEIGHT + ROW_GAP
    bars = []
    for index, section in enumerate(sections):
        top = index * step + 4
        count = len(section.countries)
        width = (count / largest * BAR_AREA) if largest else 0.0
        bar_y = top + LABEL_HEIGHT
        bars.append(
            CountBar(
                label=section.heading,
                count=count,
                label_y=f"{top + 13}",
                bar_y=f"{bar_y}",
                width=f"{max(width, 1.0) if count else 0.0:.1f}",
                figures_x=f"{width + 8:.1f}",
                figures_y=f"{bar_y + 11}",
            )
        )
    return CountChart(height=f"{len(bars) * step + 4}", bar_height=f"{BAR_HEIGHT}", bars=bars)
