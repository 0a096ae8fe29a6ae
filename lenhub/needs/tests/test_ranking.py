"""The ranking methods, checked by hand-solvable cases and against an independent
reference implementation of Bradley-Terry (``choix``)."""

from __future__ import annotations

import math
import random

import choix
import numpy as np
import pytest
from choix.opt import PairwiseFcts

from lenhub.needs import ranking
from lenhub.needs.ranking import (
    BallotError,
    Comparison,
    CriteriaBallot,
    PointsBallot,
    bradley_terry,
    criteria_rank,
    criteria_summaries,
    pairs_for_voter,
    pairwise_rank,
    points_rank,
    points_validate,
)


def _alpha(prior_sd: float) -> float:
    """choix minimises alpha·Σθ² + NLL; our prior N(0, sd²) adds Σθ²/(2·sd²)."""
    return 1 / (2 * prior_sd * prior_sd)


# --- points ------------------------------------------------------------------------------


def test_points_score_is_the_mean_and_the_interval_is_reproducible() -> None:
    ballots = [
        PointsBallot("PL", {"a": 60, "b": 40}),
        PointsBallot("DE", {"a": 20, "b": 80}),
        PointsBallot("FR", {"a": 100}),
    ]

    first = points_rank(ballots, ["a", "b", "c"], seed=7)
    again = points_rank(ballots, ["a", "b", "c"], seed=7)

    scores = {row.item: row for row in first}
    assert scores["a"].score == pytest.approx(60.0)
    assert scores["b"].score == pytest.approx(40.0)
    assert scores["c"].score == 0.0
    assert [row.item for row in first] == ["a", "b", "c"]
    assert [row.rank for row in first] == [1, 2, 3]
    assert first == again
    assert scores["a"].low <= 60.0 <= scores["a"].high
    assert scores["a"].low >= 20.0 and scores["a"].high <= 100.0
    assert scores["a"].high > scores["a"].low


@pytest.mark.parametrize(
    "points, reason",
    [
        ({"a": 60, "b": 41}, "more points than the budget"),
        ({"a": -1}, "points cannot be negative"),
        ({"a": 1.5}, "points are whole numbers"),
        ({"a": True}, "points are whole numbers"),
        ({"zz": 10}, "not an item of this round"),
    ],
)
def test_points_ballots_outside_the_rules_are_refused(points: dict, reason: str) -> None:
    with pytest.raises(BallotError, match=reason):
        points_validate(points, budget=100, items=["a", "b"])


def test_points_ballot_within_the_budget_is_accepted_without_zeros() -> None:
    assert points_validate({"a": 100, "b": 0}, budget=100, items=["a", "b"]) == {"a": 100}


def test_equal_country_weight_lets_small_countries_outvote_a_large_delegation() -> None:
    """Ten voters of one country favour X; one voter each in three other countries
    favour Y. Counted per ballot X wins (10 to 3); with countries weighing equally Y wins
    (the mean of country means: X 25, Y 75)."""
    ballots = [PointsBallot("PL", {"x": 100}) for _ in range(10)]
    ballots += [PointsBallot(country, {"y": 100}) for country in ("DE", "FR", "BE")]

    by_ballot = points_rank(ballots, ["x", "y"])
    by_country = points_rank(ballots, ["x", "y"], equal_country_weight=True)

    assert [row.item for row in by_ballot] == ["x", "y"]
    assert by_ballot[0].score == pytest.approx(100 * 10 / 13)
    assert [row.item for row in by_country] == ["y", "x"]
    assert {row.item: row.score for row in by_country} == pytest.approx({"x": 25.0, "y": 75.0})


# --- Bradley-Terry -----------------------------------------------------------------------


def test_two_items_three_wins_of_four_has_the_closed_form() -> None:
    """Without a prior the MLE of θa - θb is log(3/1); the Laplace variance of the
    difference is 1 / (n·p·(1 - p)) = 4/3, so each centred log-strength has se √(1/3)."""
    data = [Comparison("a", "b")] * 3 + [Comparison("b", "a")]

    model = bradley_terry(["a", "b"], data, prior_sd=1e5)

    assert model.theta[0] - model.theta[1] == pytest.approx(math.log(3), abs=1e-6)
    assert model.theta[0] == pytest.approx(math.log(3) / 2, abs=1e-6)
    assert model.se[0] == pytest.approx(math.sqrt(1 / 3), abs=1e-6)


def test_two_items_with_a_prior_solve_the_map_equation() -> None:
    """With a prior N(0, s²), the MAP of a beats b k of n times solves
    k - n·sigmoid(2θ) = θ / s² (θa = θ = -θb)."""
    s = 0.8
    model = bradley_terry(
        ["a", "b"], [Comparison("a", "b")] * 3 + [Comparison("b", "a")], prior_sd=s
    )
    theta = model.theta[0]

    assert model.theta[1] == pytest.approx(-theta)
    assert 3 - 4 / (1 + math.exp(-2 * theta)) == pytest.approx(theta / s**2, abs=1e-9)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("prior_sd", [0.5, 1.0, 3.0])
def test_bradley_terry_matches_choix_on_random_data(seed: int, prior_sd: float) -> None:
    rng = random.Random(seed)
    n = rng.randint(3, 9)
    strengths = [rng.gauss(0, 1) for _ in range(n)]
    data = []
    for _ in range(rng.randint(5, 60)):
        i, j = rng.sample(range(n), 2)
        p = 1 / (1 + math.exp(strengths[j] - strengths[i]))
        data.append((i, j) if rng.random() < p else (j, i))

    ours = bradley_terry(list(range(n)), [Comparison(w, lo) for w, lo in data], prior_sd=prior_sd)
    reference = choix.opt_pairwise(n, data, alpha=_alpha(prior_sd), tol=1e-12)
    # the Laplace standard errors from choix's own Hessian, centred
    hessian = PairwiseFcts(data, _alpha(prior_sd)).hessian(reference)
    centre = np.eye(n) - 1 / n
    reference_se = np.sqrt(np.diag(centre @ np.linalg.inv(hessian) @ centre))

    assert np.allclose(ours.theta, reference, atol=1e-6)
    assert np.allclose(ours.se, reference_se, atol=1e-6)


def test_sparse_and_disconnected_comparisons_stay_finite() -> None:
    """A always beats B, C always beats D, nothing links the two pairs: without a prior
    the MLE does not exist; with it every strength and interval is finite."""
    data = [Comparison("a", "b")] * 5 + [Comparison("c", "d")] * 5

    rows = pairwise_rank(data, ["a", "b", "c", "d", "e"])

    assert all(math.isfinite(r.score) and 0 < r.low <= r.score <= r.high < 100 for r in rows)
    by_item = {row.item: row for row in rows}
    assert by_item["a"].score > by_item["e"].score > by_item["b"].score
    assert by_item["a"].score == pytest.approx(by_item["c"].score)


def test_country_weighting_of_comparisons_matches_choix_with_repeated_data() -> None:
    """Two countries: PL makes 4 comparisons, DE 2. Equal weights give each PL comparison
    weight 6/(2·4) = 0.75 and each DE one 1.5: the same MAP as choix on the data with PL's
    comparisons once and DE's twice, scaled by 0.75 (prior penalty scaled to match)."""
    pl = [
        Comparison(0, 1, "PL"),
        Comparison(0, 1, "PL"),
        Comparison(0, 2, "PL"),
        Comparison(1, 2, "PL"),
    ]
    de = [Comparison(2, 0, "DE"), Comparison(1, 0, "DE")]
    weighted = ranking.country_weighted(pl + de)
    assert [c.weight for c in weighted] == [0.75] * 4 + [1.5] * 2

    ours = bradley_terry([0, 1, 2], weighted, prior_sd=1.0)
    data = [(c.winner, c.loser) for c in pl] + [(c.winner, c.loser) for c in de] * 2
    # 0.75·(NLL of data) + θ²/2  ==  0.75·(NLL + θ²/(2·0.75))  → alpha = 1/(2·0.75)
    reference = choix.opt_pairwise(3, data, alpha=1 / (2 * 0.75), tol=1e-12)

    assert np.allclose(ours.theta, reference, atol=1e-6)


def test_equal_country_weight_in_pairwise_lets_small_countries_outvote_a_large_one() -> None:
    big = [Comparison("x", "y", "PL")] * 10
    small = [Comparison("y", "x", country) for country in ("DE", "FR", "BE")]

    by_comparison = pairwise_rank(big + small, ["x", "y"])
    by_country = pairwise_rank(big + small, ["x", "y"], equal_country_weight=True)

    assert by_comparison[0].item == "x"
    assert by_country[0].item == "y"


def test_pairs_all_for_few_needs() -> None:
    pairs = pairs_for_voter(list(range(6)), seed="round:1:voter:2")

    assert len(pairs) == 15
    assert {frozenset(p) for p in pairs} == {frozenset((a, b)) for a in range(6) for b in range(a)}


def test_pairs_for_many_needs_are_balanced_unique_and_seeded() -> None:
    items = list(range(20))

    pairs = pairs_for_voter(items, seed="round:1:voter:2")
    again = pairs_for_voter(items, seed="round:1:voter:2")
    other = pairs_for_voter(items, seed="round:1:voter:3")

    assert pairs == again
    assert pairs != other
    assert len(pairs) == 24
    assert all(a != b for a, b in pairs)
    assert len({frozenset(p) for p in pairs}) == len(pairs)
    appearances = [sum(item in p for p in pairs) for item in items]
    assert min(appearances) >= 2 and max(appearances) - min(appearances) <= 2


# --- multi-criteria ----------------------------------------------------------------------


def _two_needs() -> dict:
    """A is strong on impact (5) and weak on feasibility (1); B the other way round.
    Three voters from three countries; nobody scores impact 4 or more on B, so A reaches
    three countries and B only its own listed one (of three that voted)."""
    ballots = [CriteriaBallot(c, {"A": (5, 3, 1), "B": (2, 3, 5)}) for c in ("PL", "DE", "FR")]
    return criteria_summaries(ballots, ["A", "B"], breadth_countries={"B": ["PL"]})


def test_criteria_means_and_breadth() -> None:
    summaries = _two_needs()

    assert summaries["A"]["impact"] == 5 and summaries["A"]["feasibility"] == 1
    assert summaries["A"]["norm"] == pytest.approx(
        {"impact": 1.0, "urgency": 0.5, "feasibility": 0.0, "breadth": 1.0}
    )
    assert summaries["B"]["norm"] == pytest.approx(
        {"impact": 0.25, "urgency": 0.5, "feasibility": 1.0, "breadth": 1 / 3}
    )
    assert summaries["A"]["breadth_countries"] == ["DE", "FR", "PL"]


def test_changing_the_weights_changes_the_order_as_the_arithmetic_says() -> None:
    """Impact only: A = 100·1.0 = 100, B = 100·0.25 = 25 → A first. Feasibility only:
    A = 0, B = 100 → B first. Impact 1, feasibility 3: A = 100·(1 + 0)/4 = 25,
    B = 100·(0.25 + 3)/4 = 81.25 → B first. Impact 3, urgency 1, breadth 1:
    A = 100·(3 + 0.5 + 1)/5 = 90, B = 100·(0.75 + 0.5 + 1/3)/5 = 31.67 → A first."""
    summaries = _two_needs()

    def order(weights: dict) -> list[tuple[str, float]]:
        return [(row.item, round(row.score, 2)) for row in criteria_rank(summaries, weights)]

    assert order({"impact": 1}) == [("A", 100.0), ("B", 25.0)]
    assert order({"feasibility": 1}) == [("B", 100.0), ("A", 0.0)]
    assert order({"impact": 1, "feasibility": 3}) == [("B", 81.25), ("A", 25.0)]
    assert order({"impact": 3, "urgency": 1, "breadth": 1}) == [("A", 90.0), ("B", 31.67)]


def test_criteria_weights_must_be_usable() -> None:
    summaries = _two_needs()
    with pytest.raises(ValueError):
        criteria_rank(summaries, {"impact": 0, "urgency": 0})
    with pytest.raises(ValueError):
        criteria_rank(summaries, {"impact": -1, "urgency": 2})


def test_criteria_interval_is_the_normal_approximation() -> None:
    """Impact only: scores 1, 3, 5 → normalised 0, 0.5, 1; mean 0.5; sample variance
    0.25; se = √(0.25/3); interval 50 ± 100·1.645·se."""
    ballots = [CriteriaBallot(c, {"A": (v, 3, 3)}) for c, v in (("PL", 1), ("DE", 3), ("FR", 5))]
    summaries = criteria_summaries(ballots, ["A"], breadth_countries={})

    (row,) = criteria_rank(summaries, {"impact": 1})

    spread = 100 * ranking.Z90 * math.sqrt(0.25 / 3)
    assert row.score == pytest.approx(50.0)
    assert (row.low, row.high) == pytest.approx((50 - spread, 50 + spread))


def test_criteria_with_equal_country_weight() -> None:
    """Four PL voters give A impact 5 and B 1; one DE and one FR voter the reverse.
    Per ballot A leads on impact (mean 3.67 against 2.33); countries weighing equally,
    A's impact is (5 + 1 + 1)/3 = 2.33 and B's 3.67: B leads."""
    ballots = [CriteriaBallot("PL", {"A": (5, 3, 3), "B": (1, 3, 3)}) for _ in range(4)]
    ballots += [CriteriaBallot(c, {"A": (1, 3, 3), "B": (5, 3, 3)}) for c in ("DE", "FR")]

    plain = criteria_summaries(ballots, ["A", "B"], breadth_countries={})
    equal = criteria_summaries(ballots, ["A", "B"], breadth_countries={}, equal_country_weight=True)

    assert [r.item for r in criteria_rank(plain, {"impact": 1})] == ["A", "B"]
    assert [r.item for r in criteria_rank(equal, {"impact": 1})] == ["B", "A"]
    assert equal["A"]["impact"] == pytest.approx(7 / 3)
