"""Pages for prioritisation rounds. Rounds are fetched through ``selectors_rounds``
(404 for what the reader may not see, someone else's draft included); ballots are
parsed here at the edge and written by ``services_rounds``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lenhub.access.policy import record_read
from lenhub.access.policy import viewer_for_request as _viewer
from lenhub.needs import selectors_rounds as selectors
from lenhub.needs.forms_rounds import CRITERIA_NAMES, RoundForm, WeightsForm
from lenhub.needs.models import Method, Need, Round, RoundStatus
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

SCORES = range(1, 6)


def round_list(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    rounds = selectors.rounds_visible(viewer=viewer).order_by("-opens_at", "-pk")
    networks = Network.objects.filter(
        pk__in=selectors.secretariat_network_ids(viewer=viewer)
    ).order_by("acronym")
    return render(
        request, "needs/round_list.html", {"rounds": rounds, "may_create_in": list(networks)}
    )


@login_required
def round_new(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    network = get_object_or_404(Network, acronym=request.GET.get("network", ""))
    if not selectors.is_secretariat(viewer=viewer, network_id=network.pk):
        raise Http404
    needs = list(selectors.needs_selectable(viewer=viewer, network_id=network.pk))
    form = RoundForm(
        request.POST or None,
        viewer=viewer,
        actor=request.user,
        network=network,
        needs=needs,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        spec = RoundSpec(
            title=data["title"],
            description=data["description"],
            method=data["method"],
            opens_at=data["opens_at"],
            closes_at=data["closes_at"],
            need_ids=data["needs"],
            audience=data["audience"].split(),
            tlp=data["tlp"],
            electorate_role=data["electorate_role"],
            group_ids=tuple(data["groups"]),
            country_codes=tuple(data["countries"]),
            equal_country_weight=data["equal_country_weight"],
            points_budget=data["points_budget"],
            weights={name: data[f"weight_{name}"] for name in CRITERIA_NAMES},
        )
        try:
            created = round_create(
                viewer=viewer,
                actor=request.user,  # type: ignore[arg-type]
                network=network,
                spec=spec,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The round was saved as a draft. Open it when ready."))
            return redirect(created.get_absolute_url())
    return render(request, "needs/round_form.html", {"form": form, "network": network})


def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = _viewer(request)
    round = selectors.round_get(viewer=viewer, pk=pk)
    record_read(viewer, round, request=request)
    context = {
        "round": round,
        "needs": selectors.round_needs_visible(viewer=viewer, round=round),
        "may_vote": selectors.may_vote(viewer=viewer, round=round),
        "has_voted": selectors.ballot_own(viewer=viewer, round=round) is not None,
        "is_secretariat": selectors.is_secretariat(viewer=viewer, network_id=round.network_id),
        "turnout": selectors.turnout(round=round) if round.status == RoundStatus.OPEN else None,
        "groups": list(round.electorate_groups.order_by("name")),
        "countries": list(round.electorate_countries.order_by("name")),
        "weights": selectors.weights_default(round),
    }
    return render(request, "needs/round_detail.html", context)


@login_required
@require_POST
def round_open_view(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = _viewer(request)
    round = selectors.round_get(viewer=viewer, pk=pk)
    try:
        round_open(viewer=viewer, actor=request.user, round=round)  # type: ignore[arg-type]
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The round is open; the electorate was told."))
    return redirect(round.get_absolute_url())


@login_required
@require_POST
def round_close_view(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = _viewer(request)
    round = selectors.round_get(viewer=viewer, pk=pk)
    try:
        round_close(round=round, viewer=viewer, actor=request.user)  # type: ignore[arg-type]
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(round.get_absolute_url())
    messages.success(request, _("The round is closed."))
    return redirect(reverse("round_results", args=[round.pk]))


# --- voting ------------------------------------------------------------------------------


def _int(value: str) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _parse_ballot(round: Round, post: Any, needs: list[Need]) -> tuple[BallotContent, list[str]]:
    """The ballot as the form sent it; blank fields are "nothing given"."""
    errors: list[str] = []
    if round.method == Method.POINTS:
        points = {}
        for need in needs:
            raw = (post.get(f"points-{need.pk}") or "").strip()
            if not raw:
                continue
            value = _int(raw)
            if value is None:
                errors.append(_("Points are whole numbers."))
                continue
            points[need.pk] = value
        return BallotContent(points=points), errors
    if round.method == Method.PAIRWISE:
        by_pk = {need.pk for need in needs}
        pairs = []
        for key, raw in post.items():
            if not key.startswith("pair-") or not raw:
                continue
            parts = key.split("-")
            first, second, chosen = _int(parts[1]), _int(parts[-1]), _int(raw)
            if len(parts) != 3 or chosen not in (first, second) or first not in by_pk:
                errors.append(_("A comparison was not understood."))
                continue
            other = second if chosen == first else first
            pairs.append((chosen, other))
        return BallotContent(pairs=pairs), errors  # type: ignore[arg-type]
    scores = {}
    for need in needs:
        values = [(post.get(f"{name}-{need.pk}") or "").strip() for name in CRITERIA_NAMES[:3]]
        if not any(values):
            continue
        numbers = [_int(v) for v in values]
        if any(n is None for n in numbers):
            errors.append(
                _("Give impact, urgency and feasibility for %(need)s, or none.")
                % {"need": need.title}
            )
            continue
        scores[need.pk] = tuple(numbers)
    return BallotContent(scores=scores), errors  # type: ignore[arg-type]


def _ballot_values(round: Round, ballot: Any) -> dict[str, Any]:
    """The voter's own ballot, to fill the form again."""
    if ballot is None:
        return {}
    values: dict[str, Any] = {}
    for p in ballot.points.all():
        values[f"points-{p.need_id}"] = p.points
    for pair in ballot.pairs.all():
        values[
            f"pair:{min(pair.winner_id, pair.loser_id)}:{max(pair.winner_id, pair.loser_id)}"
        ] = pair.winner_id
    for s in ballot.scores.all():
        values[f"impact-{s.need_id}"] = s.impact
        values[f"urgency-{s.need_id}"] = s.urgency
        values[f"feasibility-{s.need_id}"] = s.feasibility
    return values


@login_required
def round_vote(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = _viewer(request)
    round = selectors.round_get(viewer=viewer, pk=pk)
    if not selectors.may_vote(viewer=viewer, round=round):
        return render(request, "needs/round_vote.html", {"round": round, "refused": True})
    needs = selectors.round_needs_visible(viewer=viewer, round=round)
    errors: list[str] = []
    if request.method == "POST":
        content, errors = _parse_ballot(round, request.POST, needs)
        if not errors:
            try:
                ballot_cast(
                    viewer=viewer,
                    voter=request.user,  # type: ignore[arg-type]
                    round=round,
                    content=content,
                )
            except BallotRefused as error:
                errors.append(str(error))
            except ValidationError as error:
                errors.extend(error.messages)
            else:
                messages.success(
                    request, _("Your ballot was saved. You may change it until the round closes.")
                )
                return redirect(round.get_absolute_url())
        values = dict(request.POST.items())
    else:
        values = _ballot_values(round, selectors.ballot_own(viewer=viewer, round=round))
    pairs = []
    if round.method == Method.PAIRWISE:
        for a, b in selectors.pairs_for(round=round, viewer=viewer, needs=needs):
            low, high = min(a.pk, b.pk), max(a.pk, b.pk)
            chosen = values.get(f"pair:{low}:{high}") or _int(
                str(values.get(f"pair-{a.pk}-{b.pk}", ""))
            )
            pairs.append({"a": a, "b": b, "name": f"pair-{a.pk}-{b.pk}", "chosen": chosen})
    rows = [
        {
            "need": need,
            "points": values.get(f"points-{need.pk}", ""),
            "scores": [
                (name, _int(str(values.get(f"{name}-{need.pk}", ""))))
                for name in CRITERIA_NAMES[:3]
            ],
        }
        for need in needs
    ]
    context = {
        "round": round,
        "rows": rows,
        "pairs": pairs,
        "errors": errors,
        "score_range": SCORES,
        "criteria_labels": {
            "impact": _("Impact"),
            "urgency": _("Urgency"),
            "feasibility": _("Feasibility"),
        },
    }
    return render(request, "needs/round_vote.html", context)


# --- results -----------------------------------------------------------------------------


def round_results(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = _viewer(request)
    round = selectors.round_get(viewer=viewer, pk=pk)
    if round.status != RoundStatus.CLOSED:
        messages.info(request, _("Results are shown once the round has closed."))
        return redirect(round.get_absolute_url())
    record_read(viewer, round, request=request)
    defaults = selectors.weights_default(round)
    form = WeightsForm(request.GET or None, initial=defaults)
    weights = form.weights(defaults) if round.method == Method.CRITERIA else None
    rows = selectors.results_visible(viewer=viewer, round=round, weights=weights)
    scale = _scale(round, rows)
    context = {
        "round": round,
        "rows": [_bar(row, scale) for row in rows],
        "form": form if round.method == Method.CRITERIA else None,
        "weights": weights,
        "scale": scale,
        "is_secretariat": selectors.is_secretariat(viewer=viewer, network_id=round.network_id),
    }
    return render(request, "needs/round_results.html", context)


def _scale(round: Round, rows: list[selectors.ResultRow]) -> float:
    """The value at the right end of the interval bars."""
    if round.method == Method.POINTS:
        return float(max([row.high for row in rows] + [1.0]))
    return 100.0


def _bar(row: selectors.ResultRow, scale: float) -> dict[str, Any]:
    """Where the interval bar and the score mark go, in percent of the scale."""

    def at(value: float) -> str:
        return f"{max(0.0, min(100.0, 100 * value / scale)):.2f}"

    return {
        "row": row,
        "x": at(row.low),
        "width": f"{max(0.5, float(at(row.high)) - float(at(row.low))):.2f}",
        "mark": f"{min(98.5, float(at(row.score))):.2f}",
    }
