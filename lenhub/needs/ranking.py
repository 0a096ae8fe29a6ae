"""The arithmetic of prioritisation rounds: plain Python, no Django, no database.

Three methods, each turning ballots into a score and a 90% interval per item:

- **Points budget.** Each voter spreads up to ``budget`` points. An item's score is the
  mean number of points a ballot gave it. With ``equal_country_weight`` each country's
  ballots are averaged first and the score is the mean of the country means, so every
  country carries the same weight however many voted. Uncertainty: a percentile
  bootstrap over ballots (resampled within each country when countries weigh equally),
  with a seeded generator so the same ballots always give the same interval.
- **Pairwise comparison.** A Bradley-Terry model, P(i preferred to j) = sigmoid(θi - θj), with
  an independent Gaussian prior N(0, prior_sd²) on each log-strength θ. The prior keeps
  the estimate finite when comparisons are few, one-sided or disconnected. The MAP
  estimate is found by Newton's method; uncertainty is the Laplace approximation: the
  inverse Hessian of the negative log-posterior at the MAP, projected onto centred
  log-strengths (only differences between items are identified by the comparisons),
  gives standard errors and θ ± 1.645·se. The published score is 100·sigmoid(θ): the chance,
  in percent, that the item is preferred to an average item (the MAP is centred, Σθ = 0).
  With ``equal_country_weight`` each comparison of a country with n_c comparisons weighs
  N / (C · n_c) (N comparisons, C countries): every country's comparisons then weigh
  N / C in total and the total weight stays N.
- **Multi-criteria scoring.** Voters score impact, urgency and feasibility from 1 to 5;
  the means (country-weighted if asked) are mapped to 0..1 by (m - 1) / 4. Breadth is
  counted, not voted: the number of distinct countries concerned by the item, divided
  by the number of countries that took part in the round (capped at 1). The score is
  100 · Σ wₖ·cₖ / Σ wₖ for weights any reader may change. Uncertainty: a normal
  approximation, the (weighted) sample covariance of the three voted criteria
  (linearisation of a weighted mean) gives the variance of the score for any weights;
  breadth adds none. An item nobody scored counts 0 on the voted criteria and has an
  interval over the whole range.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

Z90 = 1.6448536269514722  # the 95th percentile of the standard normal: a 90% interval
BOOTSTRAP_SAMPLES = 1000
DEFAULT_PRIOR_SD = 1.0
CRITERIA = ("impact", "urgency", "feasibility", "breadth")
VOTED_CRITERIA = ("impact", "urgency", "feasibility")

Item = Hashable


class BallotError(ValueError):
    """A ballot the rules of the round do not allow."""


@dataclass(frozen=True)
class Scored:
    """One item's result: its score, the 90% interval around it, and its rank (1 first)."""

    item: Any
    score: float
    low: float
    high: float
    rank: int = 0
    extra: dict[str, Any] = field(default_factory=dict, compare=False)


def _ranked(rows: Iterable[Scored], order: Sequence[Any]) -> list[Scored]:
    """Sort by score (highest first), ties in the given item order; number the ranks."""
    position = {item: n for n, item in enumerate(order)}
    ordered = sorted(rows, key=lambda row: (-row.score, position.get(row.item, 0)))
    return [
        Scored(row.item, row.score, row.low, row.high, rank, row.extra)
        for rank, row in enumerate(ordered, start=1)
    ]


def _country_weights(countries: Sequence[str], equal_country_weight: bool) -> list[float]:
    """A weight per ballot, summing to 1: equal, or equal per country and then equal
    within each country."""
    n = len(countries)
    if not equal_country_weight:
        return [1.0 / n] * n
    sizes: dict[str, int] = defaultdict(int)
    for country in countries:
        sizes[country] += 1
    return [1.0 / (len(sizes) * sizes[country]) for country in countries]


def _percentile(values: Sequence[float], q: float) -> float:
    """Linear interpolation between order statistics (NumPy's default)."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    position = (len(ordered) - 1) * q
    lower = math.floor(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


# --- points budget -----------------------------------------------------------------------


@dataclass(frozen=True)
class PointsBallot:
    country: str
    points: Mapping[Any, int]


def points_validate(points: Mapping[Any, Any], *, budget: int, items: Iterable[Any]) -> dict:
    """Check one ballot: whole non-negative numbers, only the round's items, in total no
    more than the budget. Returns the ballot without its zeros."""
    allowed = set(items)
    clean = {}
    for item, value in points.items():
        if item not in allowed:
            raise BallotError("not an item of this round")
        if isinstance(value, bool) or not isinstance(value, int):
            raise BallotError("points are whole numbers")
        if value < 0:
            raise BallotError("points cannot be negative")
        if value:
            clean[item] = value
    if sum(clean.values()) > budget:
        raise BallotError("more points than the budget")
    return clean


def _points_means(
    ballots: Sequence[PointsBallot], weights: Sequence[float], items: Sequence[Any]
) -> dict[Any, float]:
    totals = dict.fromkeys(items, 0.0)
    for ballot, weight in zip(ballots, weights, strict=True):
        for item, value in ballot.points.items():
            if item in totals:
                totals[item] += weight * value
    return totals


def points_rank(
    ballots: Sequence[PointsBallot],
    items: Sequence[Any],
    *,
    equal_country_weight: bool = False,
    samples: int = BOOTSTRAP_SAMPLES,
    seed: int = 0,
) -> list[Scored]:
    """Mean points per ballot (or mean of country means), with a bootstrap interval."""
    if not ballots:
        return _ranked((Scored(item, 0.0, 0.0, 0.0) for item in items), items)
    countries = [ballot.country for ballot in ballots]
    means = _points_means(ballots, _country_weights(countries, equal_country_weight), items)
    rng = random.Random(seed)  # noqa: S311 (a reproducible bootstrap, not a secret)
    if equal_country_weight:
        strata: dict[str, list[int]] = defaultdict(list)
        for index, country in enumerate(countries):
            strata[country].append(index)
        groups = [strata[country] for country in sorted(strata)]
    else:
        groups = [list(range(len(ballots)))]
    replicates: dict[Any, list[float]] = {item: [] for item in items}
    for _ in range(samples):
        chosen: list[PointsBallot] = []
        for group in groups:
            chosen.extend(ballots[rng.choice(group)] for _ in group)
        weights = _country_weights([b.country for b in chosen], equal_country_weight)
        for item, value in _points_means(chosen, weights, items).items():
            replicates[item].append(value)
    rows = [
        Scored(
            item,
            means[item],
            min(means[item], _percentile(replicates[item], 0.05)),
            max(means[item], _percentile(replicates[item], 0.95)),
        )
        for item in items
    ]
    return _ranked(rows, items)


# --- pairwise comparison: Bradley-Terry with a Gaussian prior ----------------------------


@dataclass(frozen=True)
class Comparison:
    winner: Any
    loser: Any
    country: str = ""
    weight: float = 1.0


@dataclass(frozen=True)
class BradleyTerry:
    """The fitted model: log-strengths (centred) and their standard errors."""

    items: list[Any]
    theta: list[float]
    se: list[float]
    iterations: int


def _solve(matrix: list[list[float]], vector: list[float]) -> list[float]:
    """Solve a symmetric positive-definite system by Cholesky decomposition."""
    n = len(vector)
    lower = [[0.0] * n for _ in range(n)]
    for i in range(n):
        for j in range(i + 1):
            total = matrix[i][j] - sum(lower[i][k] * lower[j][k] for k in range(j))
            if i == j:
                lower[i][i] = math.sqrt(max(total, 1e-300))
            else:
                lower[i][j] = total / lower[j][j]
    y = [0.0] * n
    for i in range(n):
        y[i] = (vector[i] - sum(lower[i][k] * y[k] for k in range(i))) / lower[i][i]
    x = [0.0] * n
    for i in reversed(range(n)):
        x[i] = (y[i] - sum(lower[k][i] * x[k] for k in range(i + 1, n))) / lower[i][i]
    return x


def _inverse(matrix: list[list[float]]) -> list[list[float]]:
    n = len(matrix)
    columns = [_solve(matrix, [1.0 if r == c else 0.0 for r in range(n)]) for c in range(n)]
    return [[columns[c][r] for c in range(n)] for r in range(n)]


def _log1pexp(x: float) -> float:
    return x + math.log1p(math.exp(-x)) if x > 0 else math.log1p(math.exp(x))


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def country_weighted(comparisons: Sequence[Comparison]) -> list[Comparison]:
    """Weights so that every country's comparisons together weigh the same (N / C) and
    the total weight stays the number of comparisons N."""
    counts: dict[str, int] = defaultdict(int)
    for comparison in comparisons:
        counts[comparison.country] += 1
    total, countries = len(comparisons), len(counts)
    return [
        Comparison(c.winner, c.loser, c.country, total / (countries * counts[c.country]))
        for c in comparisons
    ]


def bradley_terry(
    items: Sequence[Any],
    comparisons: Sequence[Comparison],
    *,
    prior_sd: float = DEFAULT_PRIOR_SD,
    tolerance: float = 1e-10,
    max_iterations: int = 100,
) -> BradleyTerry:
    """MAP log-strengths under N(0, prior_sd²) priors, by Newton's method with step
    halving, and Laplace standard errors of the centred log-strengths.

    The negative log-posterior is Σ w·log(1 + exp(-(θw - θl))) + Σ θ² / (2·prior_sd²);
    ``choix.opt_pairwise(n, data, alpha)`` minimises the same with
    alpha = 1 / (2·prior_sd²) and unit weights.
    """
    index = {item: n for n, item in enumerate(items)}
    n = len(items)
    precision = 1.0 / (prior_sd * prior_sd)
    data = [
        (index[c.winner], index[c.loser], c.weight)
        for c in comparisons
        if c.winner in index and c.loser in index and c.winner != c.loser and c.weight > 0
    ]

    def objective(theta: list[float]) -> float:
        value = 0.5 * precision * sum(t * t for t in theta)
        for w, lo, weight in data:
            value += weight * _log1pexp(-(theta[w] - theta[lo]))
        return value

    def derivatives(theta: list[float]) -> tuple[list[float], list[list[float]]]:
        gradient = [precision * t for t in theta]
        hessian = [[precision if r == c else 0.0 for c in range(n)] for r in range(n)]
        for w, lo, weight in data:
            p = _sigmoid(theta[w] - theta[lo])
            gradient[w] -= weight * (1.0 - p)
            gradient[lo] += weight * (1.0 - p)
            h = weight * p * (1.0 - p)
            hessian[w][w] += h
            hessian[lo][lo] += h
            hessian[w][lo] -= h
            hessian[lo][w] -= h
        return gradient, hessian

    theta = [0.0] * n
    iterations = 0
    current = objective(theta)
    for iterations in range(1, max_iterations + 1):  # noqa: B007 (reported below)
        gradient, hessian = derivatives(theta)
        step = _solve(hessian, gradient)
        size = 1.0
        while True:
            candidate = [t - size * s for t, s in zip(theta, step, strict=True)]
            value = objective(candidate)
            if value <= current or size < 1e-8:
                break
            size /= 2
        theta, previous, current = candidate, current, value
        if max(abs(s) for s in step) * size < tolerance or previous - current < tolerance**2:
            break
    _, hessian = derivatives(theta)
    covariance = _inverse(hessian) if n else []
    # Only differences are identified by comparisons: the covariance of centred
    # log-strengths, P·Σ·P with P = I - 11ᵀ/n.
    row_means = [sum(row) / n for row in covariance]
    grand = sum(row_means) / n if n else 0.0
    se = [math.sqrt(max(covariance[i][i] - 2 * row_means[i] + grand, 0.0)) for i in range(n)]
    return BradleyTerry(list(items), theta, se, iterations)


def pairwise_rank(
    comparisons: Sequence[Comparison],
    items: Sequence[Any],
    *,
    equal_country_weight: bool = False,
    prior_sd: float = DEFAULT_PRIOR_SD,
) -> list[Scored]:
    """Score 100·sigmoid(θ) with the 90% Laplace interval, highest first."""
    if equal_country_weight and comparisons:
        comparisons = country_weighted(comparisons)
    model = bradley_terry(items, comparisons, prior_sd=prior_sd)
    rows = [
        Scored(
            item,
            100 * _sigmoid(theta),
            100 * _sigmoid(theta - Z90 * se),
            100 * _sigmoid(theta + Z90 * se),
            extra={"theta": theta, "se": se},
        )
        for item, theta, se in zip(model.items, model.theta, model.se, strict=True)
    ]
    return _ranked(rows, items)


def pairs_for_voter(
    items: Sequence[Any], *, seed: int | str, all_up_to: int = 8, most: int = 24
) -> list[tuple[Any, Any]]:
    """The pairs one voter is asked to compare: every pair for a few items, otherwise a
    balanced random subset (random cycles through all items, so each item appears
    about equally often), in an order and orientation drawn from the voter's seed."""
    rng = random.Random(str(seed))  # noqa: S311 (reproducible pairs, not a secret)
    unique = list(dict.fromkeys(items))
    if len(unique) < 2:
        return []
    if len(unique) <= all_up_to:
        pairs = [p if rng.random() < 0.5 else (p[1], p[0]) for p in combinations(unique, 2)]
        rng.shuffle(pairs)
        return pairs
    wanted = min(most, len(unique) * (len(unique) - 1) // 2)
    seen: set[frozenset[Any]] = set()
    pairs = []
    while len(pairs) < wanted:
        cycle = unique[:]
        rng.shuffle(cycle)
        for a, b in zip(cycle, cycle[1:] + cycle[:1], strict=True):
            key = frozenset((a, b))
            if key in seen:
                continue
            seen.add(key)
            pairs.append((a, b) if rng.random() < 0.5 else (b, a))
            if len(pairs) == wanted:
                break
    return pairs


def pairs_validate(pairs: Iterable[tuple[Any, Any]], *, items: Iterable[Any]) -> list:
    """Each pair of two different items of the round, each unordered pair once."""
    allowed = set(items)
    seen: set[frozenset[Any]] = set()
    clean = []
    for winner, loser in pairs:
        if winner not in allowed or loser not in allowed:
            raise BallotError("not an item of this round")
        if winner == loser:
            raise BallotError("an item cannot be compared with itself")
        key = frozenset((winner, loser))
        if key in seen:
            raise BallotError("each pair is compared once")
        seen.add(key)
        clean.append((winner, loser))
    return clean


# --- multi-criteria scoring --------------------------------------------------------------


@dataclass(frozen=True)
class CriteriaBallot:
    country: str
    scores: Mapping[Any, tuple[int, int, int]]  # item -> (impact, urgency, feasibility)


def criteria_validate(scores: Mapping[Any, Any], *, items: Iterable[Any]) -> dict:
    allowed = set(items)
    clean = {}
    for item, triple in scores.items():
        if item not in allowed:
            raise BallotError("not an item of this round")
        values = tuple(triple)
        if len(values) != 3:
            raise BallotError("three scores per item: impact, urgency, feasibility")
        for value in values:
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
                raise BallotError("scores are whole numbers from 1 to 5")
        clean[item] = values
    return clean


def _normalise_weights(weights: Mapping[str, float]) -> dict[str, float]:
    clean = {name: float(weights.get(name, 0.0) or 0.0) for name in CRITERIA}
    if any(value < 0 or math.isnan(value) or math.isinf(value) for value in clean.values()):
        raise ValueError("weights are finite and not negative")
    return clean


def criteria_summaries(
    ballots: Sequence[CriteriaBallot],
    items: Sequence[Any],
    *,
    breadth_countries: Mapping[Any, Iterable[str]],
    equal_country_weight: bool = False,
    high_impact: int = 4,
) -> dict[Any, dict[str, Any]]:
    """Per item: the mean of each voted criterion (1..5), their normalised values
    (0..1), the covariance of the normalised means, the countries concerned and how
    many ballots scored it. Everything the results need, and nothing per ballot.

    Countries concerned: those given in ``breadth_countries`` (the item's countries and
    its supporters') and those of voters who scored its impact ``high_impact`` or more.
    Breadth is their number divided by the number of countries that voted (at most 1).
    """
    voting_countries = {ballot.country for ballot in ballots if ballot.country}
    summaries = {}
    for item in items:
        scored = [(b.country, b.scores[item]) for b in ballots if item in b.scores]
        concerned = {c for c in breadth_countries.get(item, ()) if c}
        concerned |= {country for country, s in scored if country and s[0] >= high_impact}
        breadth = min(1.0, len(concerned) / len(voting_countries)) if voting_countries else 0.0
        summary: dict[str, Any] = {
            "n": len(scored),
            "breadth_countries": sorted(concerned),
            "norm": {"breadth": breadth},
        }
        if not scored:
            summary |= dict.fromkeys(VOTED_CRITERIA)
            summary["norm"] |= dict.fromkeys(VOTED_CRITERIA, 0.0)
            summary["cov"] = None
            summaries[item] = summary
            continue
        weights = _country_weights([country for country, _ in scored], equal_country_weight)
        normalised = [[(value - 1) / 4 for value in s] for _, s in scored]
        means = [sum(w * x[k] for w, x in zip(weights, normalised, strict=True)) for k in range(3)]
        n = len(scored)
        if n > 1:
            # Linearisation of a weighted mean: Σ w²(x - m)(x - m)ᵀ · n / (n - 1).
            cov = [
                [
                    sum(
                        w * w * (x[a] - means[a]) * (x[b] - means[b])
                        for w, x in zip(weights, normalised, strict=True)
                    )
                    * n
                    / (n - 1)
                    for b in range(3)
                ]
                for a in range(3)
            ]
        else:
            cov = None
        for k, name in enumerate(VOTED_CRITERIA):
            summary[name] = 1 + 4 * means[k]
            summary["norm"][name] = means[k]
        summary["cov"] = cov
        summaries[item] = summary
    return summaries


def criteria_score(summary: Mapping[str, Any], weights: Mapping[str, float]) -> Scored:
    """One item's score under these weights: 100·Σ wₖ·cₖ / Σ wₖ, with a 90% interval."""
    w = _normalise_weights(weights)
    total = sum(w.values())
    if total <= 0:
        raise ValueError("at least one weight must be positive")
    norm = summary["norm"]
    score = sum(w[name] * float(norm[name]) for name in CRITERIA) / total
    cov = summary.get("cov")
    if cov is None:
        low, high = 0.0, 1.0
    else:
        voted = [w[name] / total for name in VOTED_CRITERIA]
        variance = sum(voted[a] * voted[b] * cov[a][b] for a in range(3) for b in range(3))
        spread = Z90 * math.sqrt(max(variance, 0.0))
        low, high = max(0.0, score - spread), min(1.0, score + spread)
    return Scored(summary.get("item"), 100 * score, 100 * low, 100 * high)


def criteria_rank(
    summaries: Mapping[Any, Mapping[str, Any]], weights: Mapping[str, float]
) -> list[Scored]:
    """Rank items by their criteria under these weights (ties keep the given order)."""
    rows = []
    for item, summary in summaries.items():
        scored = criteria_score(summary, weights)
        rows.append(Scored(item, scored.score, scored.low, scored.high))
    return _ranked(rows, list(summaries))


def supporting_countries_points(ballots: Sequence[PointsBallot]) -> dict[Any, list[str]]:
    found: dict[Any, set[str]] = defaultdict(set)
    for ballot in ballots:
        for item, value in ballot.points.items():
            if value > 0 and ballot.country:
                found[item].add(ballot.country)
    return {item: sorted(countries) for item, countries in found.items()}


def supporting_countries_pairwise(comparisons: Sequence[Comparison]) -> dict[Any, list[str]]:
    found: dict[Any, set[str]] = defaultdict(set)
    for comparison in comparisons:
        if comparison.country:
            found[comparison.winner].add(comparison.country)
    return {item: sorted(countries) for item, countries in found.items()}
