"""The rank test of max_drop (``test: rank``): the sign-flip test on signed ranks is the
Wilcoxon signed-rank test, through the exact and the Monte Carlo paths."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as sps  # type: ignore[import-untyped]

from scoregate.decide import ranks, stats


def wilcoxon_mid_p(x: np.ndarray) -> float:
    """scipy's exact one-sided Wilcoxon as a mid-p: P(W < w) + P(W = w) / 2, from its
    P(W <= w) ("less") and P(W >= w) ("greater")."""
    less = sps.wilcoxon(x, alternative="less", method="exact").pvalue
    greater = sps.wilcoxon(x, alternative="greater", method="exact").pvalue
    return float(0.5 * (less + 1.0 - greater))


def test_signed_ranks_average_ties_and_keep_zeros() -> None:
    units = np.array([0.3, -0.1, 0.0, -0.3, 0.2, 0.1 + 0.2 - 0.2])
    # |u|: 0.3, 0.1, -, 0.3, 0.2, 0.1 (to float noise) -> ranks 4.5, 1.5, 0, 4.5, 3, 1.5
    assert ranks.signed_ranks(units).tolist() == [4.5, -1.5, 0.0, -4.5, 3.0, 1.5]
    assert ranks.signed_ranks(np.zeros(3)).tolist() == [0.0, 0.0, 0.0]


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("n", [5, 12, 20, 30])
def test_rank_p_is_scipys_exact_wilcoxon(seed: int, n: int) -> None:
    rng = np.random.default_rng([7, seed, n])
    x = rng.standard_t(2.0, n) * 0.1 - 0.03  # tie-free, heavy-tailed, a small drop
    found = stats.paired_stats(x.tolist(), test="rank")
    assert found is not None and found.test == "rank"
    assert found.p_worse == pytest.approx(wilcoxon_mid_p(x), rel=1e-9, abs=1e-12)
    assert found.method.startswith("signed-rank (Wilcoxon), sign-flip exact")
    # The delta and interval stay the mean's.
    mean = stats.paired_stats(x.tolist())
    assert mean is not None and mean.test == "mean"
    assert (found.mean_delta, found.ci_low, found.ci_high) == (
        mean.mean_delta,
        mean.ci_low,
        mean.ci_high,
    )


def test_monte_carlo_path_agrees_with_the_normal_wilcoxon() -> None:
    # 600 distinct ranks: no lattice convolution, Monte Carlo draws on the ranks.
    rng = np.random.default_rng(3)
    x = rng.standard_t(2.0, 600) * 0.1 - 0.006
    found = stats.paired_stats(x.tolist(), test="rank")
    assert found is not None
    assert "monte-carlo" in found.method
    normal = sps.wilcoxon(x, alternative="less", method="approx").pvalue
    assert found.p_worse == pytest.approx(normal, abs=0.01)


def test_clusters_rank_their_sums() -> None:
    rng = np.random.default_rng(5)
    x = rng.standard_t(2.0, 60) * 0.1 - 0.02
    labels = [i % 12 for i in range(60)]
    found = stats.paired_stats(x.tolist(), clusters=labels, test="rank")
    assert found is not None and found.clusters == 12
    sums = np.bincount(labels, weights=x)
    assert found.p_worse == pytest.approx(wilcoxon_mid_p(sums), rel=1e-9)
    assert found.method.endswith("over 12 cluster sums")


def test_heavy_tails_rank_sees_what_the_mean_does_not() -> None:
    deltas = [-0.06] * 26 + [0.25] * 4
    mean, rank = stats.paired_stats(deltas), stats.paired_stats(deltas, test="rank")
    assert mean is not None and rank is not None
    assert mean.p_worse > 0.1 and rank.p_worse < 0.01


def test_one_item_and_an_unknown_test() -> None:
    one = stats.paired_stats([-0.2], test="rank")
    assert one is not None and one.test == "rank" and one.p_worse == 0.25
    with pytest.raises(ValueError, match="test must be one of mean, rank"):
        stats.paired_stats([0.1, -0.2], test="median")
