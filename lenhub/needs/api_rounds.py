"""API: prioritisation rounds, one's own ballot, aggregate results, closing.

Rounds are read through the policy (404 for what the caller may not see). A ballot is
read and written only by its voter: there is no way to ask for anyone else's. Results
exist once a round is closed, only in aggregate, and only for needs the caller may see,
ranked among themselves.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from lenhub.access.policy import Viewer, effective_tlp, record_read, tlp_label
from lenhub.api.auth import OPTIONAL_AUTH, principal
from lenhub.api.errors import COMMON, ApiError, documented, service_call
from lenhub.api.fields import (
    NO_NUL,
    SOME_WORDS,
    AudienceAtom,
    AuthorTlp,
    CountryCode,
    Flag,
    Id,
    Instant,
    Whole,
)
from lenhub.api.pagination import Page, PageParams, paginate
from lenhub.needs import selectors_rounds as selectors
from lenhub.needs.forms_rounds import CRITERIA_NAMES
from lenhub.needs.models import Ballot, ElectorateRole, Method, Round, RoundStatus
from lenhub.needs.services_rounds import (
    BallotContent,
    BallotRefused,
    RoundSpec,
    ballot_cast,
    round_close,
    round_create,
    round_open,
)
from lenhub.networks.models import Network

router = Router(tags=["rounds"])

READ = "needs:read"
WRITE = "needs:write"


class RoundNeedOut(Schema):
    id: int
    title: str
    tlp: str
    url: str


class RoundOut(Schema):
    id: int
    tlp: str = Field(description="The effective label, e.g. TLP:GREEN.")
    audience: list[str]
    url: str
    network: str
    title: str
    method: Method
    status: RoundStatus
    opens_at: datetime
    closes_at: datetime


class RoundElectorateOut(Schema):
    role: ElectorateRole
    groups: list[str]
    countries: list[str]


class RoundDetailOut(RoundOut):
    description: str
    electorate: RoundElectorateOut
    equal_country_weight: bool
    points_budget: int
    weights: dict[str, float]
    needs: list[RoundNeedOut] = Field(description="The round's needs the caller may see.")
    may_vote: bool
    turnout: int | None = Field(description="Ballots cast so far; only while open.")
    voter_count: int | None = Field(description="Ballots cast; once closed.")


def _need(need: Any) -> RoundNeedOut:
    return RoundNeedOut(
        id=need.pk,
        title=need.title,
        tlp=tlp_label(effective_tlp(need)),
        url=selectors.need_url(need),
    )


def _round(item: Round) -> dict[str, Any]:
    return {
        "id": item.pk,
        "tlp": tlp_label(effective_tlp(item)),
        "audience": sorted(key.key for key in item.audience_keys.all()),
        "url": item.get_absolute_url(),
        "network": item.network.acronym,
        "title": item.title,
        "method": item.method,
        "status": item.status,
        "opens_at": item.opens_at,
        "closes_at": item.closes_at,
    }


def _detail(viewer: Viewer, item: Round) -> RoundDetailOut:
    is_open = item.status == RoundStatus.OPEN
    return RoundDetailOut(
        **_round(item),
        description=item.description,
        electorate=RoundElectorateOut(
            role=ElectorateRole(item.electorate_role),
            groups=[g.name for g in item.electorate_groups.order_by("name")],
            countries=sorted(item.electorate_countries.values_list("pk", flat=True)),
        ),
        equal_country_weight=item.equal_country_weight,
        points_budget=item.points_budget,
        weights=selectors.weights_default(item),
        needs=[_need(n) for n in selectors.round_needs_visible(viewer=viewer, round=item)],
        may_vote=selectors.may_vote(viewer=viewer, round=item),
        turnout=selectors.turnout(round=item) if is_open else None,
        voter_count=item.voter_count if item.status == RoundStatus.CLOSED else None,
    )


@router.get(
    "",
    response={200: Page[RoundOut], **documented(*COMMON, 403)},
    summary="Prioritisation rounds",
    openapi_extra=OPTIONAL_AUTH,
)
def round_list(request: HttpRequest, page: Query[PageParams]) -> dict[str, object]:
    viewer = principal(request, READ).viewer
    items = selectors.rounds_visible(viewer=viewer).prefetch_related("audience_keys")
    return paginate(items, page, lambda item: RoundOut(**_round(item)))


@router.get(
    "/{int:round_id}",
    response={200: RoundDetailOut, **documented(*COMMON, 403, 404)},
    summary="One prioritisation round",
    openapi_extra=OPTIONAL_AUTH,
)
def round_detail(request: HttpRequest, round_id: int) -> RoundDetailOut:
    viewer = principal(request, READ).viewer
    item = selectors.round_get(viewer=viewer, pk=round_id)
    record_read(viewer, item, request=request)
    return _detail(viewer, item)


# --- my ballot ---------------------------------------------------------------------------


class RoundPointsIn(Schema):
    need: int
    points: int = Field(ge=0, le=1000)


class RoundPairIn(Schema):
    winner: int
    loser: int


class RoundScoreIn(Schema):
    need: int
    impact: int = Field(ge=1, le=5)
    urgency: int = Field(ge=1, le=5)
    feasibility: int = Field(ge=1, le=5)


class RoundBallotIn(Schema):
    points: list[RoundPointsIn] | None = Field(None, max_length=500)
    pairs: list[RoundPairIn] | None = Field(None, max_length=2000)
    scores: list[RoundScoreIn] | None = Field(None, max_length=500)


class RoundBallotOut(Schema):
    round_id: int
    cast_at: datetime
    changed_at: datetime
    points: list[RoundPointsIn]
    pairs: list[RoundPairIn]
    scores: list[RoundScoreIn]


def _ballot(ballot: Ballot) -> RoundBallotOut:
    return RoundBallotOut(
        round_id=ballot.round_id,
        cast_at=ballot.cast_at,
        changed_at=ballot.changed_at,
        points=[RoundPointsIn(need=p.need_id, points=p.points) for p in ballot.points.all()],
        pairs=[RoundPairIn(winner=p.winner_id, loser=p.loser_id) for p in ballot.pairs.all()],
        scores=[
            RoundScoreIn(
                need=s.need_id, impact=s.impact, urgency=s.urgency, feasibility=s.feasibility
            )
            for s in ballot.scores.all()
        ],
    )


@router.get(
    "/{int:round_id}/ballot",
    response={200: RoundBallotOut, **documented(*COMMON, 403, 404)},
    summary="Your own ballot in a round",
    description="Only ever the caller's own ballot; 404 when they have not voted, and "
    "after the round closed (the link between ballots and voters is then erased).",
)
def ballot_get(request: HttpRequest, round_id: int) -> RoundBallotOut:
    caller = principal(request, READ, account=True)
    item = selectors.round_get(viewer=caller.viewer, pk=round_id)
    ballot = selectors.ballot_own(viewer=caller.viewer, round=item)
    if ballot is None:
        raise ApiError("not_found", _("Not found."))
    return _ballot(ballot)


@router.put(
    "/{int:round_id}/ballot",
    response={200: RoundBallotOut, **documented(*COMMON, 403, 404)},
    summary="Cast or change your ballot",
    description="Replaces your whole ballot. Give `points` (points rounds), `pairs` "
    "(pairwise rounds: the winner of each pair) or `scores` (multi-criteria rounds). "
    "Only while the round is open and you are in its electorate.",
)
def ballot_put(request: HttpRequest, round_id: int, body: RoundBallotIn) -> RoundBallotOut:
    caller = principal(request, WRITE, account=True)
    item = selectors.round_get(viewer=caller.viewer, pk=round_id)
    content = BallotContent(
        points={p.need: p.points for p in body.points or []},
        pairs=[(p.winner, p.loser) for p in body.pairs or []],
        scores={s.need: (s.impact, s.urgency, s.feasibility) for s in body.scores or []},
    )
    if body.points and len(content.points or {}) != len(body.points):
        raise ApiError("invalid_request", _("Give each need once."))
    if body.scores and len(content.scores or {}) != len(body.scores):
        raise ApiError("invalid_request", _("Give each need once."))
    try:
        ballot = ballot_cast(
            viewer=caller.viewer,
            voter=caller.user,  # type: ignore[arg-type]
            round=item,
            content=content,
        )
    except BallotRefused as error:
        raise ApiError("permission_denied", str(error)) from None
    own = selectors.ballot_own(viewer=caller.viewer, round=item)
    return _ballot(own or ballot)


# --- results -----------------------------------------------------------------------------


class RoundResultOut(Schema):
    rank: int = Field(description="Among the needs the caller may see.")
    need: RoundNeedOut
    score: float
    low: float = Field(description="Lower end of the 90% interval.")
    high: float = Field(description="Upper end of the 90% interval.")
    voters: int
    supporting_countries: list[str]
    criteria: dict[str, float | None] = Field(
        description="Multi-criteria rounds: mean impact, urgency and feasibility (1-5) "
        "and breadth (0-1)."
    )


class RoundResultsOut(Schema):
    round_id: int
    method: Method
    voter_count: int
    weights: dict[str, float] | None
    results: list[RoundResultOut]


class RoundWeightsQuery(Schema):
    impact: float | None = Field(None, ge=0, le=100)
    urgency: float | None = Field(None, ge=0, le=100)
    feasibility: float | None = Field(None, ge=0, le=100)
    breadth: float | None = Field(None, ge=0, le=100)


def _criteria(criteria: dict[str, Any]) -> dict[str, float | None]:
    if not criteria:
        return {}
    out: dict[str, float | None] = {
        name: criteria.get(name) for name in ("impact", "urgency", "feasibility")
    }
    out["breadth"] = (criteria.get("norm") or {}).get("breadth")
    return out


@router.get(
    "/{int:round_id}/results",
    response={200: RoundResultsOut, **documented(*COMMON, 403, 404, 409)},
    summary="A closed round's results, in aggregate",
    description="Only needs the caller may see, ranked among themselves. Multi-criteria "
    "rounds take weights (`impact`, `urgency`, `feasibility`, `breadth`): any left out "
    "keep the round's published weight.",
    openapi_extra=OPTIONAL_AUTH,
)
def round_results(
    request: HttpRequest, round_id: int, weights: Query[RoundWeightsQuery]
) -> RoundResultsOut:
    viewer = principal(request, READ).viewer
    item = selectors.round_get(viewer=viewer, pk=round_id)
    if item.status != RoundStatus.CLOSED:
        raise ApiError("conflict", _("The round is not closed yet."))
    chosen = None
    given = {k: v for k, v in weights.model_dump().items() if v is not None}
    if item.method == Method.CRITERIA:
        chosen = selectors.weights_default(item) | given
        if sum(chosen.values()) <= 0:
            raise ApiError("invalid_request", _("At least one weight must be positive."))
    elif given:
        raise ApiError("invalid_request", _("Weights apply to multi-criteria rounds only."))
    rows = selectors.results_visible(viewer=viewer, round=item, weights=chosen)
    return RoundResultsOut(
        round_id=item.pk,
        method=Method(item.method),
        voter_count=item.voter_count,
        weights=chosen,
        results=[
            RoundResultOut(
                rank=row.rank,
                need=_need(row.need),
                score=row.score,
                low=row.low,
                high=row.high,
                voters=row.voters,
                supporting_countries=row.supporting_countries,
                criteria=_criteria(row.criteria),
            )
            for row in rows
        ],
    )


@router.post(
    "/{int:round_id}/close",
    response={200: RoundDetailOut, **documented(*COMMON, 403, 404, 409)},
    summary="Close a round now (its network's secretariat)",
    description="Computes the results and erases the link between ballots and voters. "
    "Closing a closed round changes nothing; a draft that was never opened cannot be "
    "closed (409).",
)
def round_close_now(request: HttpRequest, round_id: int) -> RoundDetailOut:
    caller = principal(request, WRITE, account=True)
    item = selectors.round_get(viewer=caller.viewer, pk=round_id)
    try:
        round_close(round=item, viewer=caller.viewer, actor=caller.user)
    except PermissionDenied as error:
        raise ApiError("permission_denied", str(error)) from None
    except ValidationError as error:  # the round's state: a draft is opened, not closed
        raise ApiError("conflict", " ".join(error.messages)) from None
    item = selectors.round_get(viewer=caller.viewer, pk=round_id)
    return _detail(caller.viewer, item)


# --- creating and opening ----------------------------------------------------------------


class RoundCriteriaWeightsIn(Schema):
    impact: float = Field(0.4, ge=0, le=100, strict=True)
    urgency: float = Field(0.3, ge=0, le=100, strict=True)
    feasibility: float = Field(0.2, ge=0, le=100, strict=True)
    breadth: float = Field(0.1, ge=0, le=100, strict=True)


class RoundCreateIn(Schema):
    network: str = Field(max_length=40, pattern=NO_NUL, description="The network's acronym.")
    title: str = Field(min_length=1, max_length=200, pattern=SOME_WORDS)
    description: str = Field("", max_length=20_000, pattern=NO_NUL)
    method: Method
    opens_at: Instant
    closes_at: Instant = Field(description="After `opens_at`.")
    needs: list[Id] = Field(
        min_length=2, max_length=500,
        description="At least two accepted needs of the network that you may see, in order.",
    )  # fmt: skip
    electorate_role: ElectorateRole = ElectorateRole.MEMBERS
    groups: list[Id] = Field(
        default_factory=list, max_length=100,
        description="Only members of these groups of the network may vote.",
    )  # fmt: skip
    countries: list[CountryCode] = Field(
        default_factory=list, max_length=60,
        description="Only people from these countries (ISO codes) may vote.",
    )  # fmt: skip
    equal_country_weight: Flag = Field(
        False, description="Each country's voters together carry the same weight."
    )
    points_budget: Whole = Field(100, ge=1, le=1000, description="Points rounds.")
    weights: RoundCriteriaWeightsIn | None = Field(
        None, description="Multi-criteria rounds: the published weights; the defaults when absent."
    )
    audience: list[AudienceAtom] | None = Field(
        None, max_length=5,
        description="Who may see the round and its results: network:<id> of the network, or "
        "narrower (one of its groups); the network's members when absent.",
    )  # fmt: skip
    tlp: AuthorTlp = "GREEN"


@router.post(
    "",
    response={201: RoundDetailOut, **documented(*COMMON, 403, 404)},
    summary="Create a prioritisation round, as a draft (its network's secretariat)",
    description="The same choices as the new-round page. The round is a draft that only "
    "the network's secretariat sees until it is opened.",
)
def round_create_api(request: HttpRequest, body: RoundCreateIn) -> Status[RoundDetailOut]:
    caller = principal(request, WRITE, account=True)
    network = Network.objects.filter(acronym__iexact=body.network).first()
    if network is None:
        raise ApiError("not_found", _("Not found."))
    weights = body.weights.model_dump() if body.weights else None
    if weights is not None and not sum(weights[name] for name in CRITERIA_NAMES) > 0:
        raise ApiError("invalid_request", _("At least one criterion weight must be positive."))
    spec = RoundSpec(
        title=body.title,
        description=body.description,
        method=body.method,
        opens_at=body.opens_at,
        closes_at=body.closes_at,
        need_ids=list(body.needs),
        audience=body.audience or [f"network:{network.pk}"],
        tlp=body.tlp,
        electorate_role=body.electorate_role,
        group_ids=tuple(body.groups),
        country_codes=tuple(body.countries),
        equal_country_weight=body.equal_country_weight,
        points_budget=body.points_budget,
        weights=weights,
    )
    created = service_call(
        lambda: round_create(
            viewer=caller.viewer,
            actor=caller.user,  # type: ignore[arg-type]
            network=network,
            spec=spec,
        )
    )
    return Status(201, _detail(caller.viewer, created))


@router.post(
    "/{int:round_id}/open",
    response={200: RoundDetailOut, **documented(*COMMON, 403, 404, 409)},
    summary="Open a draft round for voting (its network's secretariat)",
    description="The electorate is told. Only a draft whose closing time has not passed "
    "(409 otherwise).",
)
def round_open_api(request: HttpRequest, round_id: int) -> RoundDetailOut:
    caller = principal(request, WRITE, account=True)
    item = selectors.round_get(viewer=caller.viewer, pk=round_id)
    service_call(
        lambda: round_open(
            viewer=caller.viewer,
            actor=caller.user,  # type: ignore[arg-type]
            round=item,
        ),
        refused="conflict",
    )
    item = selectors.round_get(viewer=caller.viewer, pk=round_id)
    return _detail(caller.viewer, item)
