"""Tests for the paired statistics: exact small cases, determinism, and scipy cross-checks."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
from scipy import stats as scipy_stats

from scoregate.stats import (
    PairedStats,
    clear_cache,
    items_needed,
    mean_and_sd,
    minimum_detectable_drop,
    paired_stats,
)

Z_SUM_5_80 = 1.6448536269514722 + 0.8416212335729143  # z[0.95] + z[0.80]


def _stats(deltas: list[float] | np.ndarray, **kwargs: float) -> PairedStats:
    result = paired_stats(deltas, **kwargs)  # type: ignore[arg-type]
    assert result is not None
    return result


# --- exact enumeration, by hand ----------------------------------------------------------------


def test_three_equal_drops_give_one_eighth() -> None:
    result = _stats([-1.0, -1.0, -1.0])
    assert result == PairedStats(
        n=3,
        mean_delta=-1.0,
        ci_low=-1.0,
        ci_high=-1.0,
        p_worse=0.125,
        sd_delta=0.0,
        mde=0.0,
        method="sign-flip exact",
    )


def test_three_equal_gains_give_one() -> None:
    assert _stats([1.0, 1.0, 1.0]).p_worse == 1.0


def test_ties_count_as_at_least_as_extreme() -> None:
    # Flipped sets of [-1, 1]: {} 0, {-1} -1, {1} +1, {-1, 1} 0: three of four are >= 0.
    assert _stats([-1.0, 1.0]).p_worse == 0.75
    # 0.3 - 0.1 - 0.2 is -2.8e-17 in floating point; the flip of all three is still a tie.
    assert _stats([0.3, -0.1, -0.2]).p_worse == 5 / 8


def test_mixed_deltas_by_hand_and_zeros_are_ignored() -> None:
    # Flipped sets with a sum >= 0: {} and {0.1} only.
    assert _stats([-0.5, -0.25, 0.1]).p_worse == 0.25
    with_zeros = _stats([0.0, -0.5, 0.0, -0.25, 0.1, 0.0])
    assert with_zeros.p_worse == 0.25
    assert with_zeros.method == "sign-flip exact"
    assert with_zeros.mean_delta == pytest.approx(-0.65 / 6)


def test_drop_concentrated_on_few_items_is_detected() -> None:
    # Five items of fifty lose 0.5, the others are unchanged: exactly 1 / 2**5.
    result = _stats([-0.5] * 5 + [0.0] * 45)
    assert result.p_worse == 1 / 32
    assert result.mean_delta == pytest.approx(-0.05)


def test_exact_path_does_not_depend_on_item_order() -> None:
    deltas = [-0.4, 0.1, -0.2, 0.05, -0.3, 0.2, 0.0, -0.1]
    shuffled = deltas[::-1]
    assert _stats(deltas).p_worse == _stats(shuffled).p_worse


def test_exact_matches_scipy_permutation_test() -> None:
    rng = np.random.default_rng(7)
    candidate = rng.uniform(0, 1, 12)
    baseline = np.clip(candidate + rng.normal(0.05, 0.2, 12), 0, 1)
    baseline[3] = candidate[3]  # one unchanged item: a zero delta
    expected = scipy_stats.permutation_test(
        (candidate, baseline),
        lambda x, y, axis: np.mean(x - y, axis=axis),
        permutation_type="samples",
        alternative="less",
        n_resamples=np.inf,
        vectorized=True,
    ).pvalue
    result = _stats(candidate - baseline)
    assert result.method == "sign-flip exact"
    assert result.p_worse == pytest.approx(expected, rel=1e-12)


def test_exact_p_values_of_opposite_deltas_add_to_one_plus_the_identity() -> None:
    rng = np.random.default_rng(3)
    deltas = rng.normal(0, 0.3, 10)
    # Only the empty flip ties, for both signs: p(d) + p(-d) = 1 + 2**-10.
    total = _stats(deltas).p_worse + _stats(-deltas).p_worse
    assert total == pytest.approx(1 + 2**-10, abs=1e-15)


# --- edges ---------------------------------------------------------------------------------------


def test_no_items_gives_none() -> None:
    assert paired_stats([]) is None


@pytest.mark.parametrize(("delta", "p_worse"), [(-0.3, 0.5), (0.0, 1.0), (0.4, 1.0)])
def test_one_item(delta: float, p_worse: float) -> None:
    assert _stats([delta]) == PairedStats(
        n=1,
        mean_delta=delta,
        ci_low=delta,
        ci_high=delta,
        p_worse=p_worse,
        sd_delta=None,
        mde=None,
        method="sign-flip exact",
    )


def test_all_zero_deltas() -> None:
    result = _stats([0.0] * 200)
    assert (result.p_worse, result.mean_delta, result.ci_low, result.ci_high) == (1.0, 0, 0, 0)
    assert result.sd_delta == 0.0
    assert result.method == "sign-flip exact"


@pytest.mark.parametrize(
    ("deltas", "kwargs", "message"),
    [
        ([0.1, float("nan")], {}, "finite"),
        ([0.1, float("inf")], {}, "finite"),
        ([0.1, 0.2], {"alpha": 0.0}, "alpha"),
        ([0.1, 0.2], {"confidence": 1.0}, "confidence"),
        ([0.1, 0.2], {"resamples": 0}, "resamples"),
        ([0.1, 0.2], {"seed": -1}, "seed"),
        ([[0.1, 0.2]], {}, "one-dimensional"),
    ],
)
def test_invalid_input_is_refused(
    deltas: list[float], kwargs: dict[str, float], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        paired_stats(deltas, **kwargs)  # type: ignore[arg-type]


# --- Monte Carlo path ----------------------------------------------------------------------------


def test_monte_carlo_extremes_are_exact() -> None:
    drops = [-0.1 - 0.01 * i for i in range(100)]
    result = _stats(drops)
    assert result.method == "sign-flip monte-carlo (4000)"
    assert result.p_worse == 1 / 4001  # no random flip reaches the observed mean
    assert _stats(drops, resamples=999).p_worse == 1 / 1000
    assert _stats([-d for d in drops]).p_worse == 1.0


def test_same_input_same_output() -> None:
    rng = np.random.default_rng(11)
    deltas = rng.normal(-0.02, 0.2, 300)
    first = _stats(deltas.tolist())
    assert _stats(deltas.tolist()) == first
    assert _stats(deltas) == first  # a numpy array is accepted and gives the same numbers
    clear_cache()
    assert _stats(deltas) == first  # cached draws change nothing
    assert first.method == "sign-flip monte-carlo (4000)"
    other_seed = _stats(deltas, seed=1)
    assert other_seed.p_worse != first.p_worse
    assert other_seed.p_worse == pytest.approx(first.p_worse, abs=0.03)


def test_draws_too_large_to_cache_are_consistent() -> None:
    rng = np.random.default_rng(12)
    deltas = rng.normal(-0.01, 0.2, 400)
    many = _stats(deltas, resamples=20_000)
    assert many == _stats(deltas, resamples=20_000)
    assert many.method == "sign-flip monte-carlo (20000)"
    assert many.p_worse == pytest.approx(_stats(deltas).p_worse, abs=0.03)


def test_monte_carlo_matches_exact_on_the_same_deltas() -> None:
    rng = np.random.default_rng(5)
    deltas = rng.normal(-0.05, 0.3, 16)
    exact = _stats(deltas)
    assert exact.method == "sign-flip exact"
    # Two more zero-free deltas that cancel push the test onto Monte Carlo with ~ the same p.
    longer = _stats(np.concatenate([deltas, [1e-9, -1e-9]]), resamples=20_000)
    assert longer.method == "sign-flip monte-carlo (20000)"
    assert longer.p_worse == pytest.approx(exact.p_worse, abs=0.01)


def test_symmetry_of_opposite_deltas() -> None:
    rng = np.random.default_rng(8)
    deltas = rng.normal(0.01, 0.25, 500)
    up, down = _stats(deltas), _stats(-deltas)
    assert down.mean_delta == -up.mean_delta
    assert down.sd_delta == up.sd_delta
    assert (down.ci_low, down.ci_high) == pytest.approx((-up.ci_high, -up.ci_low), abs=1e-12)
    assert up.p_worse + down.p_worse == pytest.approx(1.0, abs=2 / 4001)


# --- agreement with classical tests --------------------------------------------------------------


def test_monte_carlo_agrees_with_t_test_on_large_normal_sample() -> None:
    rng = np.random.default_rng(21)
    deltas = rng.normal(-0.005, 0.2, 2000)
    expected = scipy_stats.ttest_1samp(deltas, 0.0, alternative="less").pvalue
    result = _stats(deltas)
    assert result.method == "sign-flip monte-carlo (4000)"
    assert 0.05 < expected < 0.95  # a p-value in the middle, where the comparison means something
    assert result.p_worse == pytest.approx(expected, abs=0.025)


def test_normal_approximation_agrees_with_t_test_and_monte_carlo() -> None:
    rng = np.random.default_rng(22)
    deltas = rng.normal(-0.004, 0.2, 3001)
    normal = _stats(deltas)
    monte_carlo = _stats(deltas[:3000])
    assert normal.method == "sign-flip normal approx."
    assert monte_carlo.method == "sign-flip monte-carlo (4000)"
    expected = scipy_stats.ttest_rel(deltas, np.zeros_like(deltas), alternative="less").pvalue
    assert 0.05 < expected < 0.95
    assert normal.p_worse == pytest.approx(expected, abs=0.01)
    assert monte_carlo.p_worse == pytest.approx(normal.p_worse, abs=0.025)


def test_normal_approximation_by_hand() -> None:
    deltas = [0.1, -0.2] * 2000
    # z = sum(d) / sqrt(sum(d**2)) = -200 / sqrt(2000 * 0.05) = -20
    result = _stats(deltas)
    assert result.method == "sign-flip normal approx."
    assert result.p_worse == pytest.approx(2.7536241186062337e-89, rel=1e-9)


# --- confidence interval -------------------------------------------------------------------------


def test_bootstrap_interval_has_roughly_nominal_coverage() -> None:
    rng = np.random.default_rng(31)
    true_mean, covered, trials = 0.1, 0, 300
    for _ in range(trials):
        result = _stats(rng.normal(true_mean, 0.3, 40))
        assert result.ci_low < result.mean_delta < result.ci_high
        covered += result.ci_low <= true_mean <= result.ci_high
    assert 0.89 <= covered / trials <= 0.99


def test_interval_narrows_with_confidence() -> None:
    deltas = np.random.default_rng(32).normal(0, 0.2, 100)
    wide, narrow = _stats(deltas, confidence=0.99), _stats(deltas, confidence=0.8)
    assert wide.ci_low < narrow.ci_low < narrow.ci_high < wide.ci_high


def test_bootstrap_close_to_normal_interval_at_the_switch() -> None:
    rng = np.random.default_rng(33)
    deltas = rng.normal(-0.01, 0.2, 5001)
    normal = _stats(deltas)
    half = 1.959963984540054 * float(np.std(deltas, ddof=1)) / math.sqrt(5001)
    assert (normal.ci_low, normal.ci_high) == pytest.approx(
        (normal.mean_delta - half, normal.mean_delta + half), abs=1e-12
    )
    bootstrap = _stats(deltas[:5000])
    assert bootstrap.ci_high - bootstrap.ci_low == pytest.approx(2 * half, rel=0.1)
    assert bootstrap.ci_low < bootstrap.mean_delta < bootstrap.ci_high


@pytest.mark.parametrize("n", [30, 100, 101, 2000, 2001])
def test_bootstrap_interval_is_near_the_normal_one_in_every_regime(n: int) -> None:
    deltas = np.random.default_rng(n).normal(-0.02, 0.25, n)
    result = _stats(deltas)
    half = 1.959963984540054 * float(np.std(deltas, ddof=1)) / math.sqrt(n)
    assert result.ci_low < result.mean_delta < result.ci_high
    assert result.ci_high - result.ci_low == pytest.approx(2 * half, rel=0.12)
    assert (result.ci_low + result.ci_high) / 2 == pytest.approx(result.mean_delta, abs=0.2 * half)


def test_results_do_not_depend_on_what_was_computed_before() -> None:
    rng = np.random.default_rng(34)
    small, large = rng.normal(0, 0.2, 150), rng.normal(0, 0.2, 1500)
    clear_cache()
    first_small = _stats(small)
    first_large = _stats(large)  # the shared bootstrap weights grow to 1500 items
    assert _stats(small) == first_small
    clear_cache()
    assert _stats(large) == first_large
    assert _stats(small) == first_small


def test_poisson_bootstrap_coverage() -> None:
    rng = np.random.default_rng(35)
    true_mean, covered, trials = -0.05, 0, 200
    for _ in range(trials):
        result = _stats(rng.normal(true_mean, 0.3, 150))
        covered += result.ci_low <= true_mean <= result.ci_high
    assert 0.89 <= covered / trials <= 0.99


def test_interval_stays_inside_the_deltas() -> None:
    result = _stats([0.1, 0.1, 0.1, 0.1, 0.2])
    assert 0.1 <= result.ci_low <= result.mean_delta <= result.ci_high <= 0.2


# --- detectable drop and items needed ------------------------------------------------------------


def test_minimum_detectable_drop() -> None:
    deltas = [0.0, 0.5] * 50
    result = _stats(deltas)
    sd = statistics_sd(deltas)
    assert result.sd_delta == pytest.approx(sd, rel=1e-12)
    assert result.mde == pytest.approx(Z_SUM_5_80 * sd / 10, rel=1e-12)
    assert _stats(deltas, alpha=0.01).mde == pytest.approx(
        (2.3263478740408408 + 0.8416212335729143) * sd / 10, rel=1e-12
    )
    assert minimum_detectable_drop(None, 10) is None
    assert minimum_detectable_drop(0.2, 1) is None


def statistics_sd(values: list[float]) -> float:
    mean = sum(values) / len(values)
    return math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))


@pytest.mark.parametrize(
    ("sd", "drop", "alpha", "power", "expected"),
    [
        (1.0, 1.0, 0.05, 0.8, 7),  # 2.4865**2 = 6.18
        (0.3, 0.05, 0.05, 0.8, 223),  # (2.4865 * 6)**2 = 222.6
        (1.0, 0.5, 0.025, 0.9, 43),  # (1.96 + 1.2816)**2 * 4 = 42.03
        (0.2, 0.1, 0.05, 0.8, 25),  # 6.18 * 4 = 24.7
        (0.0, 0.1, 0.05, 0.8, 1),
        (0.01, 1.0, 0.05, 0.8, 1),
    ],
)
def test_items_needed(sd: float, drop: float, alpha: float, power: float, expected: int) -> None:
    assert items_needed(sd, drop, alpha=alpha, power=power) == expected


def test_items_needed_is_enough_for_the_minimum_detectable_drop() -> None:
    needed = items_needed(0.25, 0.05)
    assert minimum_detectable_drop(0.25, needed) <= 0.05  # type: ignore[operator]
    assert minimum_detectable_drop(0.25, needed - 1) > 0.05  # type: ignore[operator]


@pytest.mark.parametrize(("sd", "drop"), [(0.2, 0.0), (0.2, -0.1), (-0.1, 0.1), (math.nan, 0.1)])
def test_items_needed_refuses_meaningless_input(sd: float, drop: float) -> None:
    with pytest.raises(ValueError, match="must be"):
        items_needed(sd, drop)


# --- helper --------------------------------------------------------------------------------------


def test_mean_and_sd() -> None:
    assert mean_and_sd([1.0, 2.0, 3.0, 4.0]) == pytest.approx((2.5, 1.2909944487358056))
    assert mean_and_sd([5.0]) == (5.0, None)
    values = [random.Random(1).random() for _ in range(50)]
    mean, sd = mean_and_sd(values)
    assert (mean, sd) == pytest.approx((np.mean(values), np.std(values, ddof=1)), rel=1e-12)
    with pytest.raises(ValueError, match="at least one value"):
        mean_and_sd([])
