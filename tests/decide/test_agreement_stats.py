"""The agreement statistics against scipy (Spearman) and against kappa worked by hand."""

from __future__ import annotations

import random

import numpy as np
import pytest
from scipy.stats import spearmanr

from scoregate.decide import agreement_stats as stats


def _pairs(seed: int, n: int, noise: int) -> tuple[list[float], list[float]]:
    rng = random.Random(seed)
    expected = [float(rng.randint(0, 10)) for _ in range(n)]
    judged = [min(10.0, max(0.0, e + rng.randint(-noise, noise))) for e in expected]
    return expected, judged


@pytest.mark.parametrize(("seed", "n", "noise"), [(1, 5, 2), (2, 30, 3), (3, 200, 6), (4, 12, 10)])
def test_spearman_matches_scipy_with_ties(seed: int, n: int, noise: int) -> None:
    expected, judged = _pairs(seed, n, noise)
    assert len(set(expected)) < n  # integer scores on 0-10: ties, which rho must average
    ours = stats.spearman(expected, judged)
    assert ours is not None
    assert ours == pytest.approx(float(spearmanr(expected, judged).statistic), abs=1e-12)


def test_each_resamples_rho_matches_scipy_on_the_resample() -> None:
    rng = np.random.default_rng(7)
    x = rng.integers(0, 5, size=9).astype(float)  # few values: many ties in every resample
    y = rng.integers(0, 5, size=9).astype(float)
    rows = rng.integers(0, 9, size=(60, 9))
    found = stats._rho_counts(stats._counts(rows, 9), x, y)
    for k in range(60):
        want = spearmanr(x[rows[k]], y[rows[k]]).statistic
        if np.isnan(want):
            assert np.isnan(found[k])
        else:
            assert found[k] == pytest.approx(want, abs=1e-9)


def test_spearman_is_undefined_for_a_constant_side_or_fewer_than_three_pairs() -> None:
    assert stats.spearman([1, 2, 3], [5, 5, 5]) is None
    assert stats.spearman([1, 2], [1, 2]) is None
    assert stats.spearman([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)


def test_kappa_matches_the_hand_computed_table() -> None:
    # 10 ratings: both pass 4, both fail 3, reference pass/judge fail 2, reference fail/judge
    # pass 1. p_o = 7/10; reference passes 6/10, judge 5/10; p_e = .6*.5 + .4*.5 = 0.5;
    # kappa = (0.7 - 0.5) / (1 - 0.5) = 0.4.
    expected = [True] * 4 + [False] * 3 + [True] * 2 + [False]
    judged = [True] * 4 + [False] * 3 + [False] * 2 + [True]
    assert stats.kappa(expected, judged) == pytest.approx(0.4)
    assert stats.kappa(expected, expected) == pytest.approx(1.0)
    assert stats.kappa(expected, [not v for v in expected]) < 0
    # Both sides one rating throughout: chance agreement is total, kappa is not defined.
    assert stats.kappa([True, True], [True, True]) is None


def test_each_resamples_kappa_matches_kappa_on_the_resample() -> None:
    rng = np.random.default_rng(3)
    a = rng.random(8) > 0.4
    b = rng.random(8) > 0.5
    rows = rng.integers(0, 8, size=(40, 8))
    found = stats._kappa_counts(stats._counts(rows, 8), a, b)
    for k in range(40):
        want = stats.kappa(a[rows[k]].tolist(), b[rows[k]].tolist())
        assert (np.isnan(found[k]) and want is None) or found[k] == pytest.approx(want)


def test_mae_is_on_the_judges_scale() -> None:
    assert stats.mae([8, 2, 5], [7, 4, 5]) == pytest.approx(1.0)
    assert stats.mae([], []) is None


def test_figures_are_seeded_and_their_interval_holds_the_estimate() -> None:
    expected, judged = _pairs(11, 40, 3)
    first = stats.figures(expected, judged, pass_mark=5, seed=stats.seed_for("correctness"))
    again = stats.figures(expected, judged, pass_mark=5, seed=stats.seed_for("correctness"))
    other = stats.figures(expected, judged, pass_mark=5, seed=stats.seed_for("helpfulness"))
    assert first == again
    assert first != other  # another seed draws other resamples (same estimates)
    for figure in first:
        assert figure is not None and figure.value is not None and figure.ci is not None
        low, high = figure.ci
        assert low <= figure.value <= high
        assert low < high
    mae, rho, kappa = first
    assert mae.value == pytest.approx(stats.mae(expected, judged))
    assert rho.value == pytest.approx(float(spearmanr(expected, judged).statistic))
    assert kappa is not None
    assert kappa.value == stats.kappa([e >= 5 for e in expected], [j >= 5 for j in judged])


def test_figures_without_a_pass_mark_have_no_kappa_and_one_pair_has_no_interval() -> None:
    _, rho, kappa = stats.figures([3, 5, 9], [2, 6, 9], pass_mark=None, seed=1)
    assert kappa is None
    assert rho.value == pytest.approx(1.0)
    one = stats.figures([3], [4], pass_mark=None, seed=1)
    assert one[0].value == 1.0 and one[0].ci is None
    assert one[1].value is None
    none = stats.figures([], [], pass_mark=None, seed=1)
    assert none[0].value is None and none[1].value is None
