"""Paired statistics for noise-aware gating.

For one score of one experiment, the comparison pairs candidate and baseline by item id and
hands this module the per-item deltas ``d_i = candidate_item_mean - baseline_item_mean``
(canonical 0-1 scores, an item with repeats contributes the mean of its samples). This module
answers three questions about them, with fixed seeds so the same deltas always give the same
numbers:

* **Is the candidate worse?** A sign-flip (paired randomisation) test of the mean delta,
  one-sided for "worse": under "no difference" each delta is as likely to have either sign, so
  ``p = P(mean(s * d) <= mean(d))`` over random signs ``s``. It has power on drops concentrated
  on a few items, where a rank test (Wilcoxon) has little. Zero deltas are invariant under a
  flip, so only the ``m`` nonzero deltas are used. Flipping the set ``F`` of deltas turns the
  sum into ``sum(d) - 2 * sum(d[F])``, so a draw counts when ``sum(d[F]) > 0``, and half
  when ``sum(d[F]) == 0`` (a tie with the observed sum: Lancaster's mid-p, which keeps the test
  at its nominal level on scores that take few values, such as pass/fail judges, where counting
  ties in full makes it conservative and costs power).

  - ``m <= 16``: all ``2**m`` sign vectors are enumerated (``[-1, -1, -1]`` give ``0.5/8``);
  - deltas on a lattice (pass/fail, ratings, their means over repeats): the exact mid-p by
    convolution, for any ``m`` (:mod:`scoregate.decide.exactp`); others up to ``m = 32``:
    exact, by meeting in the middle;
  - other ``m <= 3000``: Monte Carlo, at least ``B`` draws (default 4000) from
    ``PCG64(seed)``, ``p = (0.5 + hits) / (B + 1)`` (never 0), one random byte per group of 8
    deltas looked up in a 256-entry table of the group's subset sums; while ``p`` is within
    4 standard errors of the level ``alpha``, four times as many draws (up to 256,000), so a
    decision near the level is the exact test's;
  - ``m > 3000``: the normal approximation ``p = Phi(sum(d) / sqrt(sum(d**2)))`` (the
    sign-flip distribution's exact mean and variance).

  With ``clusters`` the test runs on the cluster sums (:mod:`scoregate.decide.clusters`);
  with ``test="rank"`` on the units' signed ranks (:mod:`scoregate.decide.ranks`). All zero: 1.

* **How large is the change?** The mean delta with a percentile bootstrap confidence interval
  (default 95%) over 2000 resamples, drawn from an independent stream of the same seed
  (``PCG64(seed).jumped()``): the classic bootstrap up to 100 items, the Poisson bootstrap
  (each item weighted by a Poisson(1) count; rows of one shared matrix) up to 2000, the classic
  bootstrap in chunks up to 5000, then the normal interval ``mean ± z * sd / sqrt(n)``.
  One item gives the interval ``(d, d)``; the interval never leaves ``[min(d), max(d)]``.

* **Could a drop have been seen at all?** The minimum detectable drop at one-sided level
  ``alpha`` with 80% power, ``(z[1 - alpha] + z[0.8]) * sd / sqrt(n)``, and
  :func:`items_needed`, the number of items a chosen drop needs.

numpy is imported inside the functions, never at import time. The random draws depend only on
the seed and on the number of items (or nonzero deltas), never on the values, so they are kept
in a bounded cache (64 MiB at most) and the results are the same whether or not they were
cached. Matrix products avoid BLAS (whose threads fight over a busy CI runner's cores).
"""

from __future__ import annotations

import functools
import math
import numbers
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from scoregate.decide import ranks
from scoregate.decide.draws import (
    BOOTSTRAP_RESAMPLES,
    CACHE_LARGEST_BYTES,
    DRAWS,
    MULTINOMIAL_MAX_ITEMS,
    POISSON_MAX_ITEMS,
    bootstrap_generator,
    cached,
    draw_sign_index,
    multinomial_weights,
    poisson_weights,
    row_chunks,
)

if TYPE_CHECKING:
    from statistics import NormalDist

    import numpy as np
    from numpy.typing import NDArray

__all__ = [
    "BOOTSTRAP_RESAMPLES",
    "EXACT_MAX_NONZERO",
    "NORMAL_CI_MIN_ITEMS",
    "NORMAL_P_MIN_NONZERO",
    "PairedStats",
    "clear_cache",
    "items_needed",
    "mean_and_sd",
    "minimum_detectable_drop",
    "paired_stats",
]

EXACT_MAX_NONZERO = 16
"""Up to this many nonzero deltas, the sign-flip test enumerates every sign vector."""
NORMAL_P_MIN_NONZERO = 3001
"""From this many nonzero deltas on, the sign-flip test uses its normal approximation."""
NORMAL_CI_MIN_ITEMS = 5001
"""From this many items on, the confidence interval is the normal one, not the bootstrap."""
DEFAULT_POWER = 0.8


@functools.cache
def _standard_normal() -> NormalDist:
    # Here, not at import: the statistics module costs the command line's start-up.
    from statistics import NormalDist

    return NormalDist()


@dataclass(frozen=True, slots=True)
class PairedStats:
    """Paired comparison of one score over the items present in candidate and baseline."""

    n: int
    """Number of paired items."""
    mean_delta: float
    """Mean over items of candidate - baseline."""
    ci_low: float
    ci_high: float
    p_worse: float
    """One-sided p-value for "the candidate is worse" (small when mean_delta is clearly < 0)."""
    sd_delta: float | None
    """Sample standard deviation of the deltas (ddof=1); None with fewer than 2 items."""
    mde: float | None
    """Smallest drop detectable at `alpha` with 80% power; None with fewer than 2 items."""
    method: str
    """How p_worse was computed, e.g. "sign-flip exact"."""
    clusters: int | None = None
    """With clusters: how many (the test's units); None when every item is its own unit."""
    unit_sd: float | None = None
    """With clusters: sd(cluster sum - mean × size) / mean size, one unit's spread."""
    test: str = "mean"  # behind p_worse: "mean" (sign-flip of the mean), "rank" (signed ranks)

    @property
    def units(self) -> int:  # the test's independent units: the clusters, or else the items
        return self.n if self.clusters is None else self.clusters

    @property
    def spread(self) -> float | None:  # one unit's standard deviation
        return self.sd_delta if self.clusters is None else self.unit_sd


def paired_stats(
    deltas: Sequence[float],
    *,
    alpha: float = 0.05,
    confidence: float = 0.95,
    seed: int = 0,
    resamples: int = 4000,
    clusters: Sequence[Hashable] | None = None,
    test: str = "mean",
) -> PairedStats | None:
    """Return the paired statistics of per-item deltas, or None when there is no item.

    `deltas` are candidate - baseline per item (a sequence of floats or a 1-d numpy array);
    `alpha` is the one-sided level of the test (a Monte Carlo p-value near it is refined with
    more draws) and of the minimum detectable drop; `confidence` the level of the interval;
    `seed` fixes every random draw; `resamples` is the number of Monte Carlo sign-flip draws
    (at least; more near `alpha`). `clusters`, one label per delta, makes the clusters the
    units: the test flips the signs of cluster sums, the interval resamples clusters, and the
    minimum detectable drop counts clusters (see :mod:`scoregate.decide.clusters`). `test`:
    "rank" tests the units' signed ranks, not their mean (:mod:`scoregate.decide.ranks`)."""
    _check_probability("alpha", alpha)
    _check_probability("confidence", confidence)
    if resamples < 1:
        raise ValueError(f"resamples must be at least 1, got {resamples}.")
    if seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed}.")
    n = len(deltas)
    if n == 0:
        return None
    if n == 1:
        return _single_item(deltas[0], ranks.check(test))

    import numpy as np

    d = np.asarray(deltas, dtype=np.float64)
    if d.ndim != 1:
        raise ValueError(f"deltas must be one-dimensional, got shape {d.shape}.")
    if not np.isfinite(d).all():
        raise ValueError("deltas must be finite numbers (no NaN or infinity).")
    mean = float(d.sum()) / n
    sd = float(d.std(ddof=1))
    count: int | None = None
    unit_sd: float | None = sd
    flip = ranks.of(
        test, functools.partial(sign_flip_p, seed=seed, resamples=resamples, level=alpha)
    )
    if clusters is None:
        p_worse, method = flip(d)
        ci_low, ci_high = _confidence_interval(
            d, mean=mean, sd=sd, confidence=confidence, seed=seed
        )
    else:
        from scoregate.decide.clusters import clustered_test

        found = clustered_test(d, clusters, confidence=confidence, seed=seed, sign_flip=flip)
        p_worse, method, ci_low, ci_high = found.p_worse, found.method, found.ci_low, found.ci_high
        count, unit_sd = found.clusters, found.unit_sd
    return PairedStats(
        n=n,
        mean_delta=mean,
        ci_low=ci_low,
        ci_high=ci_high,
        p_worse=p_worse,
        sd_delta=sd,
        mde=minimum_detectable_drop(unit_sd, n if count is None else count, alpha=alpha),
        method=method,
        clusters=count,
        unit_sd=None if count is None else unit_sd,
        test=test,
    )


def minimum_detectable_drop(
    sd_delta: float | None, n: int, *, alpha: float = 0.05, power: float = DEFAULT_POWER
) -> float | None:
    """Smallest mean drop a one-sided test at `alpha` detects with `power` over `n` items.

    None when it is undefined: fewer than 2 items, or no standard deviation.
    """
    _check_probability("alpha", alpha)
    _check_probability("power", power)
    if sd_delta is None or n < 2:
        return None
    return _z_sum(alpha, power) * sd_delta / math.sqrt(n)


def items_needed(
    sd_delta: float, drop: float, *, alpha: float = 0.05, power: float = DEFAULT_POWER
) -> int:
    """Number of paired items needed to detect a mean drop of `drop` (> 0).

    ``ceil(((z[1 - alpha] + z[power]) * sd_delta / drop) ** 2)``, at least 1; deltas without
    spread (``sd_delta == 0``) need 1 item.
    """
    _check_probability("alpha", alpha)
    _check_probability("power", power)
    if not (math.isfinite(drop) and drop > 0):
        raise ValueError(f"drop must be a positive number, got {drop}.")
    if not (math.isfinite(sd_delta) and sd_delta >= 0):
        raise ValueError(f"sd_delta must be a non-negative number, got {sd_delta}.")
    needed = (_z_sum(alpha, power) * sd_delta / drop) ** 2
    # The tolerance keeps an exact integer from rounding up through floating-point noise.
    return max(1, math.ceil(needed - 1e-9))


def mean_and_sd(values: Sequence[float]) -> tuple[float, float | None]:
    """Mean and sample standard deviation (ddof=1, None for one value) of `values`."""
    n = len(values)
    if n == 0:
        raise ValueError("mean_and_sd needs at least one value.")
    mean = math.fsum(values) / n
    if n == 1:
        return mean, None
    variance = math.fsum((v - mean) ** 2 for v in values) / (n - 1)
    return mean, math.sqrt(variance)


def clear_cache() -> None:
    """Forget the cached random draws (they are rebuilt, identical, when next needed)."""
    DRAWS.clear()


# --- internals ---------------------------------------------------------------------------------


def _check_probability(name: str, value: float) -> None:
    if not 0.0 < value < 1.0:
        raise ValueError(f"{name} must be strictly between 0 and 1, got {value}.")


def _z_sum(alpha: float, power: float) -> float:
    return _standard_normal().inv_cdf(1.0 - alpha) + _standard_normal().inv_cdf(power)


def _single_item(value: object, test: str) -> PairedStats:
    if not isinstance(value, numbers.Real):
        raise ValueError(f"deltas must be one-dimensional numbers, got {value!r}.")
    delta = float(value)
    if not math.isfinite(delta):
        raise ValueError("deltas must be finite numbers (no NaN or infinity).")
    # Two sign vectors, mid-p: the identity ties (one half); the flip counts when it is larger.
    # No change at all is p = 1, as for any set of all-zero deltas.
    p_worse = 1.0 if delta == 0 else (0.25 if delta < 0 else 0.75)
    return PairedStats(
        n=1,
        mean_delta=delta,
        ci_low=delta,
        ci_high=delta,
        p_worse=p_worse,
        sd_delta=None,
        mde=None,
        method="sign-flip exact" if delta == 0 else "sign-flip exact, mid-p",
        test=test,
    )


def sign_flip_p(
    d: NDArray[np.float64], *, seed: int, resamples: int, level: float
) -> tuple[float, str]:
    """The one-sided mid-p of "the mean of d is below 0" and how it was computed."""
    import numpy as np

    from scoregate.decide import exactp

    nonzero = d[d != 0.0]
    m = int(nonzero.size)
    if m == 0:
        return 1.0, "sign-flip exact"
    if m >= NORMAL_P_MIN_NONZERO:
        z = float(nonzero.sum()) / math.sqrt(float(np.square(nonzero).sum()))
        return _standard_normal().cdf(z), "sign-flip normal approx."
    # Sums of the same deltas in another order may differ in the last bits; a tie must count.
    tolerance = 1e-10 * float(np.abs(nonzero).sum())
    if m <= EXACT_MAX_NONZERO:
        # Sums of every subset of the nonzero deltas: the flipped sets.
        sums = np.zeros(1)
        for value in nonzero.tolist():
            sums = np.concatenate((sums, sums + value))
        return _mid_p(sums, tolerance, observed=0.0) / float(sums.size), "sign-flip exact, mid-p"
    steps = exactp.lattice(nonzero)
    if steps is not None:
        return exactp.lattice_mid_p(steps), "sign-flip exact (lattice), mid-p"
    if m <= exactp.SPLIT_MAX_NONZERO:
        return exactp.split_mid_p(nonzero, tolerance), "sign-flip exact, mid-p"
    groups = (m + 7) // 8
    padded = np.zeros(groups * 8)
    padded[:m] = nonzero
    table = _subset_sums(padded.reshape(groups, 8)).ravel()
    index = _sign_index(seed, groups, resamples)
    flipped = np.zeros(resamples)
    for start, stop in row_chunks(groups, resamples):
        flipped += np.take(table, index[start:stop]).sum(axis=0)
    # The observed arrangement counts as one more draw, tied with itself (so never p = 0).
    hits = _mid_p(flipped, tolerance, observed=0.5)
    draws = resamples
    # Too close to the level to decide: more draws, four times as many each round.
    while not exactp.settled(hits / (draws + 1), draws + 1, level) and draws < exactp.MAX_DRAWS:
        more = min(3 * draws, exactp.MAX_DRAWS - draws)
        strict, ties = exactp.refined_hits(
            table, groups, seed=seed, draws=more, tolerance=tolerance
        )
        hits += strict + 0.5 * ties
        draws += more
    return hits / (draws + 1), f"sign-flip monte-carlo ({draws}), mid-p"


def _mid_p(flipped_sums: NDArray[np.float64], tolerance: float, *, observed: float) -> float:
    """Draws at least as extreme as the observed sum, ties counted one half (Lancaster's mid-p).

    Scores that take few values (pass/fail judges) give many exact ties; counting them in
    full makes the test conservative (about 3-4% false fails at a 5% level, and less power
    than a t-test); one half brings it to the nominal level. See docs/noise.md.
    """
    import numpy as np

    strict = int(np.count_nonzero(flipped_sums > tolerance))
    ties = int(np.count_nonzero(np.abs(flipped_sums) <= tolerance))
    return observed + strict + 0.5 * ties


def _subset_sums(groups: NDArray[np.float64]) -> NDArray[np.float64]:
    """table[g, byte] = sum of the deltas of group g whose bit is set in byte."""
    import numpy as np

    table = np.zeros((groups.shape[0], 256))
    for bit in range(8):
        width = 1 << bit
        np.add(table[:, :width], groups[:, bit : bit + 1], out=table[:, width : 2 * width])
    return table


def _sign_index(seed: int, groups: int, resamples: int) -> NDArray[np.intp]:
    """Flat indices into the (groups x 256) table, (groups x resamples): one random byte per
    group of 8 nonzero deltas and draw.

    The bytes for fewer groups are the first rows of those for the most groups, so one cached
    matrix serves every number of nonzero deltas; a matrix too large to cache is drawn for the
    groups needed only, with the same values.
    """
    most = (NORMAL_P_MIN_NONZERO - 1 + 7) // 8
    if most * resamples * 8 <= CACHE_LARGEST_BYTES:
        index = cached(("signs", seed, resamples), lambda: draw_sign_index(seed, most, resamples))
        return index[:groups]
    return draw_sign_index(seed, groups, resamples)


def _confidence_interval(
    d: NDArray[np.float64], *, mean: float, sd: float, confidence: float, seed: int
) -> tuple[float, float]:
    n = int(d.size)
    if sd == 0.0:
        return mean, mean
    if n >= NORMAL_CI_MIN_ITEMS:
        half = _standard_normal().inv_cdf((1.0 + confidence) / 2.0) * sd / math.sqrt(n)
        return mean - half, mean + half
    resample_means = mean + _bootstrap_shifts(d - mean, seed)
    resample_means.sort()
    tail = (1.0 - confidence) / 2.0
    low, high = _sorted_quantile(resample_means, tail), _sorted_quantile(resample_means, 1 - tail)
    # A resample mean lies between the smallest and the largest delta; float32 rounding must
    # not push the interval outside.
    lowest, highest = float(d.min()), float(d.max())
    return min(max(float(low), lowest), highest), min(max(float(high), lowest), highest)


def _sorted_quantile(values: NDArray[np.float64], q: float) -> float:
    """numpy's default ("linear") quantile of sorted values, without its per-call overhead."""
    position = (values.size - 1) * q
    below = math.floor(position)
    above = min(below + 1, values.size - 1)
    low, high = float(values[below]), float(values[above])
    return low + (position - below) * (high - low)


def _bootstrap_shifts(centred: NDArray[np.float64], seed: int) -> NDArray[np.float64]:
    """Each bootstrap resample's mean of the centred deltas (resample mean minus mean).

    Which resampling is used depends only on n, so results never depend on the cache:

    * n <= 100: the classic bootstrap, n draws with replacement, kept per n as a
      (resamples x n) matrix of counts applied with one matrix product.
    * n <= 2000: the Poisson bootstrap (each item weighted by an independent Poisson(1)
      count, the resample mean is the weighted mean). Its weights for n items are the first
      n rows of one (items x resamples) matrix, so a single cached matrix serves every n.
    * above: the classic bootstrap, drawn and summed on the spot, in chunks.
    """
    import numpy as np

    n = int(centred.size)
    if n <= MULTINOMIAL_MAX_ITEMS:
        counts = cached(("multinomial", seed, n), lambda: multinomial_weights(seed, n))
        sums: NDArray[np.float64] = np.einsum("bi,i->b", counts, centred.astype(np.float32))
        return sums.astype(np.float64) / n
    if n <= POISSON_MAX_ITEMS:
        weights = poisson_weights(seed, n)[:n]
        sums = np.einsum("i,ib->b", centred.astype(np.float32), weights).astype(np.float64)
        totals = cached(("poisson totals", seed, n), lambda: weights.sum(axis=0, dtype=np.float64))
        drawn = totals > 0  # an empty resample is impossible in practice with > 100 items
        shifts: NDArray[np.float64] = sums[drawn] / totals[drawn]
        return shifts
    rng = bootstrap_generator(seed)
    shifts = np.empty(BOOTSTRAP_RESAMPLES)
    for start, stop in row_chunks(BOOTSTRAP_RESAMPLES, n):
        picked = rng.integers(0, n, size=(stop - start, n), dtype=np.intp)
        shifts[start:stop] = np.take(centred, picked).sum(axis=1) / n
    return shifts
