"""Writes for prioritisation rounds: create, open, vote, close.

A network's secretariat creates a round over accepted needs of the network it may see,
for an electorate of conditions, with an audience no wider than the network; opens it
(the electorate is notified); the round closes by hand or when ``closes_at`` passes
(``lenhub rounds close-due``). Ballots are secret: one per voter, changeable until the
round closes, the audit says only that someone voted; on closing the results are
computed and the link between each ballot and its voter is erased.

Voting and closing both lock the round's row first, so a ballot is never written after
the results were computed or after the voters were erased.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lenhub.access.choices import audience_may_address
from lenhub.access.policy import Viewer, normalize_audience
from lenhub.access.services import restricted_set_audience
from lenhub.accounts.models import Country
from lenhub.audit.services import audit_log
from lenhub.needs import ranking
from lenhub.needs.models import (
    Ballot,
    BallotPair,
    BallotPoints,
    BallotScore,
    ElectorateRole,
    Method,
    Need,
    NeedSupport,
    Round,
    RoundNeed,
    RoundResult,
    RoundStatus,
)
from lenhub.needs.selectors_rounds import (
    electorate_people,
    is_secretariat,
    may_vote,
    needs_selectable,
    round_needs_visible,
    viewer_country,
    weights_default,
)
from lenhub.networks.models import Group, Network

if TYPE_CHECKING:
    from lenhub.accounts.models import User
    from lenhub.monitoring.models import Update


@dataclass(frozen=True)
class RoundSpec:
    """What a secretariat chooses for a new round."""

    title: str
    method: str
    opens_at: datetime
    closes_at: datetime
    need_ids: list[int]
    audience: list[str]
    tlp: str
    description: str = ""
    electorate_role: str = ElectorateRole.MEMBERS
    group_ids: tuple[int, ...] = ()
    country_codes: tuple[str, ...] = ()
    equal_country_weight: bool = False
    points_budget: int = 100
    weights: Mapping[str, float] | None = None


def _audience_within_network(audience: Iterable[str], network: Network) -> frozenset[str]:
    """The round's audience must be the network or narrower: it names the network, or
    one of the network's groups."""
    atoms = normalize_audience(audience)
    if f"network:{network.pk}" in atoms:
        return atoms
    group_ids = [int(a.split(":", 1)[1]) for a in atoms if a.startswith("group:")]
    if group_ids and Group.objects.filter(pk__in=group_ids, network=network).exists():
        return atoms
    raise ValidationError(_("A round's audience is its network, or narrower."))


@transaction.atomic
def round_create(*, viewer: Viewer, actor: User, network: Network, spec: RoundSpec) -> Round:
    """A draft round. Only the network's secretariat; only accepted needs of the network
    the secretariat may see; an audience the secretariat may address, within the
    network."""
    if not is_secretariat(viewer=viewer, network_id=network.pk):
        raise PermissionDenied(_("Only the network's secretariat runs prioritisation rounds."))
    if spec.method not in Method.values:
        raise ValidationError(_("Choose a method."))
    if spec.electorate_role not in ElectorateRole.values:
        raise ValidationError(_("Choose who may vote."))
    if spec.closes_at <= spec.opens_at:
        raise ValidationError(_("A round closes after it opens."))
    if not spec.title.strip():
        raise ValidationError(_("Give the round a title."))
    if not 1 <= spec.points_budget <= 1000:
        raise ValidationError(_("Each voter has between 1 and 1000 points."))
    wanted = list(dict.fromkeys(int(pk) for pk in spec.need_ids))
    selectable = set(
        needs_selectable(viewer=viewer, network_id=network.pk)
        .filter(pk__in=wanted)
        .values_list("pk", flat=True)
    )
    if len(wanted) < 2 or set(wanted) - selectable:
        raise ValidationError(
            _("Choose at least two accepted needs of this network that you may see.")
        )
    audience = _audience_within_network(spec.audience, network)
    if not audience_may_address(viewer=viewer, actor=actor, audience=audience):
        raise ValidationError(_("You may not address this audience."))
    weights = dict(weights_default(Round()) if spec.weights is None else spec.weights)
    ranking.criteria_score({"norm": dict.fromkeys(ranking.CRITERIA, 0.0)}, weights)  # checks
    groups = list(Group.objects.filter(pk__in=spec.group_ids, network=network))
    if len(groups) != len(set(spec.group_ids)):
        raise ValidationError(_("Only groups of this network can form the electorate."))
    codes = {code.upper() for code in spec.country_codes}
    countries = list(Country.objects.filter(pk__in=codes))
    if len(countries) != len(codes):
        # An unknown code silently dropped would widen the electorate.
        raise ValidationError(_("Unknown country in the electorate."))
    round = Round.objects.create(
        network=network,
        title=spec.title.strip(),
        description=spec.description.strip(),
        method=spec.method,
        opens_at=spec.opens_at,
        closes_at=spec.closes_at,
        electorate_role=spec.electorate_role,
        equal_country_weight=spec.equal_country_weight,
        points_budget=spec.points_budget,
        weight_impact=weights.get("impact", 0.0),
        weight_urgency=weights.get("urgency", 0.0),
        weight_feasibility=weights.get("feasibility", 0.0),
        weight_breadth=weights.get("breadth", 0.0),
        created_by=actor,
    )
    restricted_set_audience(item=round, audience=audience, tlp=spec.tlp, actor=actor)
    RoundNeed.objects.bulk_create(
        RoundNeed(round=round, need_id=pk, position=n) for n, pk in enumerate(wanted)
    )
    round.electorate_groups.set(groups)
    round.electorate_countries.set(countries)
    audit_log(action="round.created", actor=actor, target=f"needs.round:{round.pk}")
    return round


# --- notifying the electorate ------------------------------------------------------------


def _notify(update: Update, people: list[tuple[User, Viewer]]) -> int:
    """A notification (and an email by the label's rules) to each person who may see the
    update now; once each: monitoring's ``update_notify_people``."""
    from lenhub.monitoring.services import update_notify_people

    return update_notify_people(update, users=[user for user, _viewer in people])


def _record_update(round: Round, kind: str) -> tuple[Update, bool]:
    from lenhub.monitoring.models import Update

    try:
        with transaction.atomic():
            return Update.objects.get_or_create(
                key=f"{kind}:{round.pk}", defaults={"kind": kind, "round": round}
            )
    except IntegrityError:
        return Update.objects.get(key=f"{kind}:{round.pk}"), False


def _secretariat_people(round: Round) -> list[tuple[User, Viewer]]:
    from lenhub.access.policy import viewer_for_user
    from lenhub.networks.selectors import secretariat

    return [
        (u, viewer_for_user(u, mfa_verified=True)) for u in secretariat(network_id=round.network_id)
    ]


# --- opening and closing -----------------------------------------------------------------


@transaction.atomic
def round_open(*, viewer: Viewer, actor: User, round: Round) -> Round:
    """Open a draft round for voting and tell the electorate."""
    from lenhub.monitoring.models import UpdateKind

    round = Round.objects.select_for_update().get(pk=round.pk)
    if not is_secretariat(viewer=viewer, network_id=round.network_id):
        raise PermissionDenied(_("Only the network's secretariat runs prioritisation rounds."))
    if round.status != RoundStatus.DRAFT:
        raise ValidationError(_("Only a draft round can be opened."))
    if round.closes_at <= timezone.now():
        raise ValidationError(_("This round's closing time has passed."))
    round.status = RoundStatus.OPEN
    round.save(update_fields=["status"])
    audit_log(action="round.opened", actor=actor, target=f"needs.round:{round.pk}")
    update, created = _record_update(round, UpdateKind.ROUND_OPENED)
    if created:
        _notify(update, electorate_people(round=round))
    return round


def _breadth_countries(round: Round, need_ids: list[int]) -> dict[int, set[str]]:
    found: dict[int, set[str]] = {pk: set() for pk in need_ids}
    for need_id, code in Need.countries.through.objects.filter(need_id__in=need_ids).values_list(
        "need_id", "country_id"
    ):
        found[need_id].add(code)
    for need_id, code in NeedSupport.objects.filter(need_id__in=need_ids).values_list(
        "need_id", "country_code"
    ):
        if code:
            found[need_id].add(code)
    return found


def round_results_compute(*, round: Round) -> list[RoundResult]:
    """The aggregate of the round's ballots, one row per need (not saved)."""
    items = list(round.round_needs.order_by("position", "pk").values_list("need_id", flat=True))
    ballots = list(
        Ballot.objects.filter(round=round)
        .order_by("pk")
        .prefetch_related("points", "pairs", "scores")
    )
    equal = round.equal_country_weight
    voters: dict[int, int] = dict.fromkeys(items, 0)
    criteria: dict[int, dict[str, Any]] = {}
    if round.method == Method.POINTS:
        points_ballots = [
            ranking.PointsBallot(b.country_code, {p.need_id: p.points for p in b.points.all()})
            for b in ballots
        ]
        scored = ranking.points_rank(
            points_ballots, items, equal_country_weight=equal, seed=round.pk
        )
        supporting = ranking.supporting_countries_points(points_ballots)
        for ballot in points_ballots:
            for item, value in ballot.points.items():
                if value > 0 and item in voters:
                    voters[item] += 1
    elif round.method == Method.PAIRWISE:
        comparisons = []
        for b in ballots:
            seen: set[int] = set()
            for pair in b.pairs.all():
                comparisons.append(
                    ranking.Comparison(pair.winner_id, pair.loser_id, b.country_code)
                )
                seen |= {pair.winner_id, pair.loser_id}
            for item in seen & voters.keys():
                voters[item] += 1
        scored = ranking.pairwise_rank(comparisons, items, equal_country_weight=equal)
        supporting = ranking.supporting_countries_pairwise(comparisons)
    else:
        criteria_ballots = [
            ranking.CriteriaBallot(
                b.country_code,
                {s.need_id: (s.impact, s.urgency, s.feasibility) for s in b.scores.all()},
            )
            for b in ballots
        ]
        criteria = ranking.criteria_summaries(
            criteria_ballots,
            items,
            breadth_countries=_breadth_countries(round, items),
            equal_country_weight=equal,
        )
        scored = ranking.criteria_rank(criteria, weights_default(round))
        supporting = {
            item: sorted(
                {
                    b.country
                    for b in criteria_ballots
                    if b.country and item in b.scores and b.scores[item][0] >= 4
                }
            )
            for item in items
        }
        voters = {item: criteria[item]["n"] for item in items}
    return [
        RoundResult(
            round=round,
            need_id=row.item,
            rank=row.rank,
            score=round_float(row.score),
            low=round_float(row.low),
            high=round_float(row.high),
            criteria=criteria.get(row.item, {}),
            supporting_countries=supporting.get(row.item, []),
            voters=voters.get(row.item, 0),
        )
        for row in scored
    ]


def round_float(value: float) -> float:
    return float(f"{value:.6g}")


@transaction.atomic
def round_close(*, round: Round, viewer: Viewer | None = None, actor: User | None = None) -> bool:
    """Close a round: compute its results, erase who cast which ballot, tell the
    electorate. By hand (``viewer`` and ``actor``: the secretariat) or by the scheduler
    (neither). Closing a closed round changes nothing; returns whether it closed now."""
    from lenhub.monitoring.models import UpdateKind

    round = Round.objects.select_for_update().get(pk=round.pk)
    if actor is not None and (
        viewer is None or not is_secretariat(viewer=viewer, network_id=round.network_id)
    ):
        raise PermissionDenied(_("Only the network's secretariat runs prioritisation rounds."))
    if round.status == RoundStatus.CLOSED:
        return False
    if round.status == RoundStatus.DRAFT:
        if actor is None:
            return False  # never opened: the scheduler leaves drafts alone
        raise ValidationError(_("A round that was never opened cannot be closed."))
    results = round_results_compute(round=round)
    RoundResult.objects.filter(round=round).delete()
    RoundResult.objects.bulk_create(results)
    round.closed_at = timezone.now()
    round.voter_count = _ballots_anonymise(round=round, at=round.closed_at)
    round.status = RoundStatus.CLOSED
    round.save(update_fields=["status", "closed_at", "voter_count"])
    audit_log(
        action="round.closed",
        actor=actor,
        target=f"needs.round:{round.pk}",
        data={"by": "secretariat" if actor else "schedule"},
    )
    update, created = _record_update(round, UpdateKind.ROUND_CLOSED)
    if created:
        people = {user.pk: (user, v) for user, v in electorate_people(round=round)}
        people |= {user.pk: (user, v) for user, v in _secretariat_people(round)}
        _notify(update, list(people.values()))
    return True


def _ballots_anonymise(*, round: Round, at: datetime) -> int:
    """Secrecy against a later reader of the database: no ballot names its voter, and
    nothing ties a ballot to the audit's "voted" entries. Those entries carry a time and
    come in order, so each ballot is written anew, in a random order, stamped with the
    closing time, and the originals (with their times and sequential ids) are deleted.
    The voter's country stays, for weighing countries equally."""
    shuffle = secrets.SystemRandom().shuffle
    old = list(Ballot.objects.filter(round=round).prefetch_related("points", "pairs", "scores"))
    shuffle(old)
    for ballot in old:
        new = Ballot.objects.create(
            round=round, voter=None, country_code=ballot.country_code, cast_at=at, changed_at=at
        )
        points = [
            BallotPoints(ballot=new, need_id=p.need_id, points=p.points)
            for p in ballot.points.all()
        ]
        pairs = [
            BallotPair(ballot=new, winner_id=p.winner_id, loser_id=p.loser_id)
            for p in ballot.pairs.all()
        ]
        scores = [
            BallotScore(
                ballot=new, need_id=s.need_id, impact=s.impact, urgency=s.urgency,
                feasibility=s.feasibility,
            )
            for s in ballot.scores.all()
        ]  # fmt: skip
        for rows in (points, pairs, scores):
            shuffle(rows)
        BallotPoints.objects.bulk_create(points)
        BallotPair.objects.bulk_create(pairs)
        BallotScore.objects.bulk_create(scores)
    Ballot.objects.filter(pk__in=[ballot.pk for ballot in old]).delete()
    return len(old)


def rounds_close_due(*, now: datetime | None = None) -> int:
    """Close every open round whose closing time has passed. Safe to run again."""
    now = now or timezone.now()
    due = Round.objects.filter(status=RoundStatus.OPEN, closes_at__lte=now).order_by("pk")
    return sum(1 for round in list(due) if round_close(round=round))


# --- ballots -----------------------------------------------------------------------------


@dataclass(frozen=True)
class BallotContent:
    """What a voter submits; the part matching the round's method is used."""

    points: Mapping[int, int] | None = None
    pairs: list[tuple[int, int]] | None = None
    scores: Mapping[int, tuple[int, int, int]] | None = None


class BallotRefused(Exception):  # noqa: N818 (a refusal, not a programming error)
    """The voter may not vote in this round now (not open, not in the electorate)."""


@transaction.atomic
def ballot_cast(*, viewer: Viewer, voter: User, round: Round, content: BallotContent) -> Ballot:
    """Cast or replace the voter's ballot. Only needs the voter may see count as the
    round's needs for them. The audit records that they voted, never what."""
    round = Round.objects.select_for_update().get(pk=round.pk)
    if viewer.user_id != voter.pk or not may_vote(viewer=viewer, round=round):
        raise BallotRefused(_("You may not vote in this round now."))
    items = [need.pk for need in round_needs_visible(viewer=viewer, round=round)]
    try:
        if round.method == Method.POINTS:
            points = ranking.points_validate(
                content.points or {}, budget=round.points_budget, items=items
            )
        elif round.method == Method.PAIRWISE:
            pairs = ranking.pairs_validate(content.pairs or [], items=items)
        else:
            scores = ranking.criteria_validate(content.scores or {}, items=items)
    except ranking.BallotError as error:
        raise ValidationError(_ballot_message(str(error))) from None
    now = timezone.now()
    ballot, created = Ballot.objects.get_or_create(
        round=round,
        voter=voter,
        defaults={"country_code": viewer_country(viewer), "cast_at": now, "changed_at": now},
    )
    if not created:
        ballot.points.all().delete()
        ballot.pairs.all().delete()
        ballot.scores.all().delete()
        ballot.changed_at = now
        ballot.country_code = viewer_country(viewer)
        ballot.save(update_fields=["changed_at", "country_code"])
    if round.method == Method.POINTS:
        BallotPoints.objects.bulk_create(
            BallotPoints(ballot=ballot, need_id=k, points=v) for k, v in points.items()
        )
    elif round.method == Method.PAIRWISE:
        BallotPair.objects.bulk_create(
            BallotPair(ballot=ballot, winner_id=w, loser_id=lo) for w, lo in pairs
        )
    else:
        BallotScore.objects.bulk_create(
            BallotScore(ballot=ballot, need_id=k, impact=i, urgency=u, feasibility=f)
            for k, (i, u, f) in scores.items()
        )
    audit_log(action="round.voted", actor=voter, target=f"needs.round:{round.pk}")
    return ballot


def _ballot_message(reason: str) -> str:
    messages = {
        "not an item of this round": _("A need is not one of this round's needs."),
        "points are whole numbers": _("Points are whole numbers."),
        "points cannot be negative": _("Points cannot be negative."),
        "more points than the budget": _("You gave more points than you have."),
        "an item cannot be compared with itself": _("A need cannot be compared with itself."),
        "each pair is compared once": _("Each pair is compared once."),
        "scores are whole numbers from 1 to 5": _("Scores are whole numbers from 1 to 5."),
        "three scores per item: impact, urgency, feasibility": _(
            "Give impact, urgency and feasibility for each need you score."
        ),
    }
    return messages.get(reason, _("This ballot is not valid."))
