"""Tests for the paired statistics: exact small cases, determinism, and scipy cross-checks."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
from scipy import stats as scipy_stats

from scoregate.decide import exactp
from scoregate.decide.stats import (
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


def test_three_equal_drops_give_one_sixteenth() -> None:
    # Flipped sets of [-1, -1, -1] and their sums: {} 0 (the identity, a tie: counts 1/2),
    # the 7 others are < 0 (flipping them makes the mean larger): p = 0.5 / 8.
    result = _stats([-1.0, -1.0, -1.0])
    assert result == PairedStats(
        n=3,
        mean_delta=-1.0,
        ci_low=-1.0,
        ci_high=-1.0,
        p_worse=1 / 16,
        sd_delta=0.0,
        mde=0.0,
        method="sign-flip exact, mid-p",
    )


def test_three_equal_gains_give_one_minus_one_sixteenth() -> None:
    # The identity ties (1/2), the 7 other flipped sets have a sum > 0: p = 7.5 / 8.
    assert _stats([1.0, 1.0, 1.0]).p_worse == 1 - 1 / 16


def test_ties_count_one_half() -> None:
    # Flipped sets of [-1, 1]: {} 0 (tie), {-1} -1, {1} +1 (counts), {-1, 1} 0 (tie):
    # (1 + 0.5 * 2) / 4.
    assert _stats([-1.0, 1.0]).p_worse == 0.5
    # Flipped sets of [0.3, -0.1, -0.2]: {} 0 and the whole set (0.3 - 0.1 - 0.2 is -2.8e-17 in
    # floating point, still a tie) tie; {0.3}, {0.3, -0.1}, {0.3, -0.2} are > 0: (3 + 1) / 8.
    assert _stats([0.3, -0.1, -0.2]).p_worse == 4 / 8


def test_mixed_deltas_by_hand_and_zeros_are_ignored() -> None:
    # Flipped sets of [-0.5, -0.25, 0.1] with a sum > 0: {0.1} only; a tie: {} only.
    assert _stats([-0.5, -0.25, 0.1]).p_worse == 1.5 / 8
    with_zeros = _stats([0.0, -0.5, 0.0, -0.25, 0.1, 0.0])
    assert with_zeros.p_worse == 1.5 / 8
    assert with_zeros.method == "sign-flip exact, mid-p"
    assert with_zeros.mean_delta == pytest.approx(-0.65 / 6)


def test_drop_concentrated_on_few_items_is_detected() -> None:
    # Five items of fifty lose 0.5, the others are unchanged: only the identity ties, no flipped
    # set has a sum > 0: exactly 0.5 / 2**5.
    result = _stats([-0.5] * 5 + [0.0] * 45)
    assert result.p_worse == 1 / 64
    assert result.mean_delta == pytest.approx(-0.05)


def test_exact_path_does_not_depend_on_item_order() -> None:
    deltas = [-0.4, 0.1, -0.2, 0.05, -0.3, 0.2, 0.0, -0.1]
    shuffled = deltas[::-1]
    assert _stats(deltas).p_worse == _stats(shuffled).p_worse


def _scipy_mid_p(candidate: np.ndarray, baseline: np.ndarray) -> tuple[float, float]:
    """(scipy's p-value, the mid-p of scipy's exact null distribution) for "candidate worse".

    scipy's permutation_test counts draws that tie with the observed statistic in full; the
    mid-p counts them one half, so it is scipy's p-value minus half the tie mass.
    """
    result = scipy_stats.permutation_test(
        (candidate, baseline),
        lambda x, y, axis: np.mean(x - y, axis=axis),
        permutation_type="samples",
        alternative="less",
        n_resamples=np.inf,
        vectorized=True,
    )
    null = np.asarray(result.null_distribution)
    observed = float(result.statistic)
    # scipy's own tolerance for a tie with the observed statistic (relative, 1e-14 x 100).
    tie = np.abs(null - observed) <= 1e-12 * max(1.0, abs(observed))
    strict = np.count_nonzero((null < observed) & ~tie)
    return float(result.pvalue), (strict + 0.5 * np.count_nonzero(tie)) / null.size


def test_exact_matches_mid_p_of_scipy_permutation_test() -> None:
    rng = np.random.default_rng(7)
    candidate = rng.uniform(0, 1, 12)
    baseline = np.clip(candidate + rng.normal(0.05, 0.2, 12), 0, 1)
    baseline[3] = candidate[3]  # one unchanged item: a zero delta
    scipy_p, mid_p = _scipy_mid_p(candidate, baseline)
    result = _stats(candidate - baseline)
    assert result.method == "sign-flip exact, mid-p"
    assert result.p_worse == pytest.approx(mid_p, rel=1e-12)
    # The zero delta doubles scipy's 2**12 draws: every draw has a twin through it, so the
    # observed statistic ties twice (identity and its twin) out of 2**12, i.e. 1 / 2**11.
    assert result.p_worse == pytest.approx(scipy_p - 0.5 * 2 / 2**12, rel=1e-12)


def test_exact_matches_mid_p_of_scipy_on_pass_fail_deltas_with_many_ties() -> None:
    # Pass/fail scores: deltas in {-1, 0, 1}, where ties are common and mid-p differs most.
    candidate = np.array([1, 0, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 1, 1], dtype=float)
    baseline = np.array([1, 1, 1, 0, 1, 1, 0, 1, 0, 1, 1, 0, 1, 1], dtype=float)
    # Nonzero deltas: five -1 and two +1 (m = 7).
    scipy_p, mid_p = _scipy_mid_p(candidate, baseline)
    # By hand: a flipped set F counts if sum(d[F]) > 0 and half if = 0. With a of the five -1
    # and b of the two +1 flipped, sum = b - a: b=1: a=0 (2 sets); b=2: a=0, 1 (1 + 5 sets);
    # strict = 8. Ties b = a: 1 + 2*5 + 10 = 21. p = (8 + 10.5) / 128.
    assert mid_p == pytest.approx(18.5 / 128, rel=1e-12)
    assert scipy_p == pytest.approx((8 + 21) / 128, rel=1e-12)
    result = _stats(candidate - baseline)
    assert result.method == "sign-flip exact, mid-p"
    assert result.p_worse == 18.5 / 128


def test_exact_p_values_of_opposite_deltas_add_to_exactly_one() -> None:
    rng = np.random.default_rng(3)
    deltas = rng.normal(0, 0.3, 10)
    # A flipped set is strictly above for d exactly when it is strictly below for -d, and ties
    # are shared and count one half each time: p(d) + p(-d) = 1 (the identity's tie included).
    total = _stats(deltas).p_worse + _stats(-deltas).p_worse
    assert total == pytest.approx(1.0, abs=1e-15)
    pass_fail = np.array([-1.0, -1.0, 1.0, -1.0, 1.0, -1.0])  # many ties
    assert _stats(pass_fail).p_worse + _stats(-pass_fail).p_worse == 1.0


# --- edges ---------------------------------------------------------------------------------------


def test_no_items_gives_none() -> None:
    assert paired_stats([]) is None


@pytest.mark.parametrize(
    ("delta", "p_worse", "method"),
    [
        (-0.3, 0.25, "sign-flip exact, mid-p"),
        (0.0, 1.0, "sign-flip exact"),
        (0.4, 0.75, "sign-flip exact, mid-p"),
    ],
)
def test_one_item(delta: float, p_worse: float, method: str) -> None:
    assert _stats([delta]) == PairedStats(
        n=1,
        mean_delta=delta,
        ci_low=delta,
        ci_high=delta,
        p_worse=p_worse,
        sd_delta=None,
        mde=None,
        method=method,
    )


def test_one_nonzero_delta_among_zeros_by_hand() -> None:
    # Flipped sets of [-0.3]: {} 0 (tie), {-0.3} below: 0.5 / 2. Of [0.4]: 0.5 + 1 of 2.
    assert _stats([-0.3, 0.0]).p_worse == 0.25
    assert _stats([0.4, 0.0]).p_worse == 0.75


@pytest.mark.parametrize("delta", [-0.3, 0.4])
def test_one_item_agrees_with_the_same_delta_among_zeros(delta: float) -> None:
    assert _stats([delta]).p_worse == _stats([delta, 0.0]).p_worse


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
    # Irrational steps: the deltas are on no lattice, so the test is Monte Carlo.
    drops = [-0.1 - 0.01 * i - 0.001 * math.sqrt(i + 2) for i in range(100)]
    result = _stats(drops)
    assert result.method == "sign-flip monte-carlo (4000), mid-p"
    # No random flip reaches the observed mean (the all-keep draw has probability 2**-100):
    # only the observed arrangement counts, as a tie, one half.
    assert result.p_worse == 0.5 / 4001
    assert _stats(drops, resamples=999).p_worse == 0.5 / 1000
    # Every random flip is strictly above: 0.5 + 4000 of 4001.
    assert _stats([-d for d in drops]).p_worse == 4000.5 / 4001


def test_lattice_deltas_get_the_exact_mid_p() -> None:
    # Pass/fail deltas: 20 drops and 20 gains (m = 40, too many to enumerate); the flipped sum
    # ties with the observed one in C(40, 20) / 2**40 = 12.5% of the sign vectors, so mid-p
    # and the full count differ. On a lattice the convolution gives the exact mid-p: 1/2.
    deltas = [-1.0] * 20 + [1.0] * 20
    result = _stats(deltas)
    assert result.method == "sign-flip exact (lattice), mid-p"
    assert result.p_worse == pytest.approx(0.5, abs=1e-12)
    assert result.p_worse + _stats([-d for d in deltas]).p_worse == pytest.approx(1.0, abs=1e-12)


def test_lattice_p_matches_enumeration_and_binomial() -> None:
    # 16 nonzero deltas are enumerated; the same deltas scaled by 1/4 (ratings) and shifted
    # into the lattice path by two more cancelling deltas must give the same p.
    rng = np.random.default_rng(3)
    k = rng.integers(-4, 5, 16)
    k[k == 0] = -1
    deltas = (k / 4.0).tolist()
    exact = _stats(deltas)
    assert exact.method == "sign-flip exact, mid-p"
    longer = _stats([*deltas, 0.25, -0.25])
    assert longer.method == "sign-flip exact (lattice), mid-p"
    # Enumerated by hand over all 2**18 flipped sets:
    subsets = np.array([0.0])
    for value in [*deltas, 0.25, -0.25]:
        subsets = np.concatenate((subsets, subsets + value))
    by_hand = np.count_nonzero(subsets > 1e-9) + 0.5 * np.count_nonzero(abs(subsets) <= 1e-9)
    assert longer.p_worse == pytest.approx(by_hand / subsets.size, abs=1e-12)
    # Pass/fail with only drops and gains of 1: p is a binomial tail, mid-p.
    drops, gains = 30, 18
    pf = _stats([-1.0] * drops + [1.0] * gains)
    m = drops + gains
    tail = scipy_stats.binom.sf(drops, m, 0.5) + 0.5 * scipy_stats.binom.pmf(drops, m, 0.5)
    # (Flipping F counts when it holds more gains than drops: the sign test's statistic.)
    assert pf.p_worse == pytest.approx(tail, rel=1e-9)


def test_monte_carlo_near_the_level_draws_more() -> None:
    # A p-value near 0.05 is refined with more draws until it is clearly on one side.
    rng = np.random.default_rng(11)
    deltas = rng.normal(-0.02, 0.2, 300)
    near = _stats(deltas)
    assert near.method != "sign-flip monte-carlo (4000), mid-p"
    far = _stats(deltas, alpha=0.3)
    assert far.method == "sign-flip monte-carlo (4000), mid-p"
    assert near.p_worse == pytest.approx(far.p_worse, abs=0.01)


def test_same_input_same_output() -> None:
    rng = np.random.default_rng(11)
    deltas = rng.normal(-0.02, 0.2, 300)
    first = _stats(deltas.tolist())
    assert _stats(deltas.tolist()) == first
    assert _stats(deltas) == first  # a numpy array is accepted and gives the same numbers
    clear_cache()
    assert _stats(deltas) == first  # cached draws change nothing
    assert first.method.startswith("sign-flip monte-carlo (")
    other_seed = _stats(deltas, seed=1)
    assert other_seed.p_worse != first.p_worse
    assert other_seed.p_worse == pytest.approx(first.p_worse, abs=0.03)


def test_draws_too_large_to_cache_are_consistent() -> None:
    rng = np.random.default_rng(12)
    deltas = rng.normal(-0.01, 0.2, 400)
    many = _stats(deltas, resamples=20_000)
    assert many == _stats(deltas, resamples=20_000)
    assert many.method == "sign-flip monte-carlo (20000), mid-p"
    assert many.p_worse == pytest.approx(_stats(deltas).p_worse, abs=0.03)


def test_up_to_32_deltas_are_exact_by_meeting_in_the_middle() -> None:
    rng = np.random.default_rng(5)
    deltas = rng.normal(-0.05, 0.3, 18)
    subsets = np.array([0.0])
    for value in deltas.tolist():
        subsets = np.concatenate((subsets, subsets + value))
    tolerance = 1e-10 * float(np.abs(deltas).sum())
    by_hand = np.count_nonzero(subsets > tolerance) + 0.5 * np.count_nonzero(
        np.abs(subsets) <= tolerance
    )
    result = _stats(deltas)
    assert result.method == "sign-flip exact, mid-p"
    assert result.p_worse == pytest.approx(by_hand / subsets.size, abs=1e-12)


def test_monte_carlo_matches_exact_on_the_same_deltas() -> None:
    rng = np.random.default_rng(5)
    deltas = rng.normal(-0.02, 0.3, 40)
    result = _stats(deltas, resamples=20_000)
    assert result.method == "sign-flip monte-carlo (20000), mid-p"
    exact = exactp.split_mid_p(deltas, 1e-10 * float(np.abs(deltas).sum()))
    assert result.p_worse == pytest.approx(exact, abs=0.01)


def test_symmetry_of_opposite_deltas() -> None:
    rng = np.random.default_rng(8)
    deltas = rng.normal(0.01, 0.25, 500)
    up, down = _stats(deltas), _stats(-deltas)
    assert down.mean_delta == -up.mean_delta
    assert down.sd_delta == up.sd_delta
    assert (down.ci_low, down.ci_high) == pytest.approx((-up.ci_high, -up.ci_low), abs=1e-12)
    # The same draws serve d and -d (they depend on the seed and m only); a draw strictly above
    # for one is strictly below for the other, ties count one half for both, and so does the
    # observed arrangement: (0.5 + s + t/2) + (0.5 + (B - s - t) + t/2) = B + 1. Exactly one.
    assert up.p_worse + down.p_worse == pytest.approx(1.0, abs=1e-12)


# --- agreement with classical tests --------------------------------------------------------------


def test_monte_carlo_agrees_with_t_test_on_large_normal_sample() -> None:
    rng = np.random.default_rng(21)
    deltas = rng.normal(-0.005, 0.2, 2000)
    expected = scipy_stats.ttest_1samp(deltas, 0.0, alternative="less").pvalue
    result = _stats(deltas)
    assert result.method == "sign-flip monte-carlo (4000), mid-p"
    assert 0.05 < expected < 0.95  # a p-value in the middle, where the comparison means something
    assert result.p_worse == pytest.approx(expected, abs=0.025)


def test_normal_approximation_agrees_with_t_test_and_monte_carlo() -> None:
    rng = np.random.default_rng(22)
    deltas = rng.normal(-0.004, 0.2, 3001)
    normal = _stats(deltas)
    monte_carlo = _stats(deltas[:3000])
    assert normal.method == "sign-flip normal approx."
    assert monte_carlo.method == "sign-flip monte-carlo (4000), mid-p"
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
