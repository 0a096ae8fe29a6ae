"""Reads for prioritisation rounds. Each takes the person asking and returns only what
they may see (DESIGN §2).

- A round is read through the policy (its own audience); a draft round only by its
  network's secretariat.
- ``may_vote`` evaluates the electorate now: the round is open, the voter may see it and
  holds, right now, the network's key (vetting, second factor, membership), and the
  role, group and country conditions.
- Results name needs: a reader sees only the rows of needs they may see, ranked among
  themselves, so neither a title, a score nor a gap in the ranks tells them that a need
  they may not see was in the round.
- A ballot is read only by its voter (and not at all once the round has closed: the link
  to the voter is then erased).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from lenhub.access.policy import (
    Viewer,
    access_item,
    can_view,
    filter_visible,
    is_network_member,
    viewer_for_user,
)
from lenhub.accounts.models import Role, RoleAssignment
from lenhub.needs import ranking
from lenhub.needs.models import (
    Ballot,
    ElectorateRole,
    Method,
    Need,
    NeedStatus,
    Round,
    RoundResult,
    RoundStatus,
)

if TYPE_CHECKING:
    from lenhub.accounts.models import User


def is_secretariat(*, viewer: Viewer, network_id: int) -> bool:
    """The network's secretariat, signed in with a second factor, vetted and a current
    member of the network (the network key is only granted then)."""
    if viewer.user_id is None or not is_network_member(viewer, network_id):
        return False
    return RoleAssignment.objects.filter(
        user_id=viewer.user_id,
        user__is_active=True,
        role=Role.SECRETARIAT,
        network_id=network_id,
    ).exists()


def secretariat_network_ids(*, viewer: Viewer) -> list[int]:
    if viewer.user_id is None:
        return []
    ids = RoleAssignment.objects.filter(
        user_id=viewer.user_id, role=Role.SECRETARIAT, network__isnull=False
    ).values_list("network_id", flat=True)
    return sorted({pk for pk in ids if pk is not None and is_network_member(viewer, pk)})


def rounds_visible(*, viewer: Viewer) -> QuerySet[Round]:
    """Rounds the reader may see; drafts only for the network's secretariat."""
    rounds = filter_visible(viewer, Round.objects.all())
    drafting = secretariat_network_ids(viewer=viewer)
    return rounds.filter(~Q(status=RoundStatus.DRAFT) | Q(network_id__in=drafting)).select_related(
        "network"
    )


def round_get(*, viewer: Viewer, pk: Any) -> Round:
    """Fetch and authorise; missing, not allowed and someone else's draft look alike."""
    return access_item(viewer, rounds_visible(viewer=viewer), pk)


def needs_selectable(*, viewer: Viewer, network_id: int) -> QuerySet[Need]:
    """Needs a secretariat may put in a round: accepted needs of the network that they
    may see."""
    return filter_visible(
        viewer, Need.objects.filter(network_id=network_id, status=NeedStatus.ACCEPTED)
    ).order_by("title", "pk")


def round_needs_visible(*, viewer: Viewer, round: Round) -> list[Need]:
    """The round's needs this reader may see, in the round's order."""
    visible = filter_visible(viewer, Need.objects.filter(rounds=round)).values_list("pk", flat=True)
    allowed = set(visible)
    ordered = round.round_needs.select_related("need").order_by("position", "pk")
    return [row.need for row in ordered if row.need_id in allowed]


# --- the electorate ----------------------------------------------------------------------


def is_open_now(round: Round, *, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return round.status == RoundStatus.OPEN and round.opens_at <= now < round.closes_at


def in_electorate(*, viewer: Viewer, round: Round) -> bool:
    """The electorate's conditions, all of them, for this person as they are now."""
    if viewer.user_id is None or not is_network_member(viewer, round.network_id):
        return False
    if round.electorate_role == ElectorateRole.LEA and not viewer.is_lea:
        return False
    if (
        round.electorate_role == ElectorateRole.NATIONAL_CONTACTS
        and not RoleAssignment.objects.filter(
            user_id=viewer.user_id, role=Role.NATIONAL_CONTACT, network_id=round.network_id
        ).exists()
    ):
        return False
    groups = {f"group:{pk}" for pk in round.electorate_groups.values_list("pk", flat=True)}
    if groups and not groups & viewer.keys:
        return False
    countries = {f"country:{c}" for c in round.electorate_countries.values_list("pk", flat=True)}
    return not (countries and not countries & viewer.keys)


def may_vote(*, viewer: Viewer, round: Round) -> bool:
    """Whether this person may cast or change a ballot now."""
    return (
        is_open_now(round) and can_view(viewer, round) and in_electorate(viewer=viewer, round=round)
    )


def viewer_country(viewer: Viewer) -> str:
    for key in sorted(viewer.keys):
        if key.startswith("country:"):
            return key.split(":", 1)[1]
    return ""


def electorate_people(*, round: Round) -> list[tuple[User, Viewer]]:
    """Everyone in the electorate who may see the round now, with their viewer (as for a
    token: their rights now, with the second factor they hold)."""
    from lenhub.networks.selectors import network_members

    people = []
    for membership in network_members(network=round.network):
        user = membership.user
        if not user.is_active:
            continue
        viewer = viewer_for_user(user, mfa_verified=True)
        if can_view(viewer, round) and in_electorate(viewer=viewer, round=round):
            people.append((user, viewer))
    return people


def ballot_own(*, viewer: Viewer, round: Round) -> Ballot | None:
    """The reader's own ballot in this round, if any. Nobody else's, ever."""
    if viewer.user_id is None:
        return None
    return (
        Ballot.objects.filter(round=round, voter_id=viewer.user_id)
        .prefetch_related("points", "pairs", "scores")
        .first()
    )


def turnout(*, round: Round) -> int:
    """Ballots cast so far (shown while the round is open)."""
    return Ballot.objects.filter(round=round).count()


def pairs_for(*, round: Round, viewer: Viewer, needs: list[Need]) -> list[tuple[Need, Need]]:
    """The pairs this voter is asked to compare, drawn from their own seed."""
    by_pk = {need.pk: need for need in needs}
    pairs = ranking.pairs_for_voter(list(by_pk), seed=f"round:{round.pk}:voter:{viewer.user_id}")
    return [(by_pk[a], by_pk[b]) for a, b in pairs]


# --- results -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ResultRow:
    need: Need
    rank: int
    score: float
    low: float
    high: float
    voters: int
    supporting_countries: list[str]
    criteria: dict[str, Any] = field(default_factory=dict)


def weights_default(round: Round) -> dict[str, float]:
    return {
        "impact": round.weight_impact,
        "urgency": round.weight_urgency,
        "feasibility": round.weight_feasibility,
        "breadth": round.weight_breadth,
    }


def results_visible(
    *, viewer: Viewer, round: Round, weights: dict[str, float] | None = None
) -> list[ResultRow]:
    """The closed round's results for this reader: only needs they may see, ranked among
    themselves (1, 2, 3 … with no gaps). For multi-criteria rounds ``weights`` re-rank
    by the reader's own weights. Raises ``Http404`` while the round is not closed."""
    if round.status != RoundStatus.CLOSED:
        raise Http404
    visible = set(
        filter_visible(viewer, Need.objects.filter(rounds=round)).values_list("pk", flat=True)
    )
    results = [
        row
        for row in RoundResult.objects.filter(round=round).select_related("need")
        if row.need_id in visible
    ]
    if round.method == Method.CRITERIA and weights is not None:
        summaries = {row.need_id: row.criteria for row in sorted(results, key=lambda r: r.rank)}
        scored = {s.item: s for s in ranking.criteria_rank(summaries, weights)}
        rows = [
            ResultRow(
                need=row.need,
                rank=scored[row.need_id].rank,
                score=scored[row.need_id].score,
                low=scored[row.need_id].low,
                high=scored[row.need_id].high,
                voters=row.voters,
                supporting_countries=list(row.supporting_countries),
                criteria=dict(row.criteria),
            )
            for row in results
        ]
        return sorted(rows, key=lambda r: r.rank)
    rows = []
    for rank, row in enumerate(sorted(results, key=lambda r: (r.rank, r.pk)), start=1):
        rows.append(
            ResultRow(
                need=row.need,
                rank=rank,
                score=row.score,
                low=row.low,
                high=row.high,
                voters=row.voters,
                supporting_countries=list(row.supporting_countries),
                criteria=dict(row.criteria),
            )
        )
    return rows


def need_url(need: Need) -> str:
    """A need's page (``/needs/<id>/``)."""
    return need.get_absolute_url()


@dataclass(frozen=True)
class NeedRound:
    """A round a need was in, as one reader sees it: the rank is among the round's needs
    this reader may see (as on the results page), and only once the round has closed."""

    round: Round
    rank: int | None
    ranked: int  # how many needs the reader sees ranked in the round


def need_rounds(*, viewer: Viewer, need: Need) -> list[NeedRound]:
    """The rounds this reader may see that ``need`` was in, newest first."""
    rows = []
    rounds = rounds_visible(viewer=viewer).filter(round_needs__need=need).distinct()
    for round in rounds.order_by("-opens_at", "-pk"):
        rank, ranked = None, 0
        if round.status == RoundStatus.CLOSED:
            results = results_visible(viewer=viewer, round=round)
            ranked = len(results)
            rank = next((row.rank for row in results if row.need.pk == need.pk), None)
        rows.append(NeedRound(round=round, rank=rank, ranked=ranked))
    return rows
