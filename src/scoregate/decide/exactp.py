"""The exact sign-flip p-value of deltas that lie on a lattice, and the Monte Carlo draws that
refine a p-value near the significance level.

Scores that take few values (pass/fail judges, 1-5 ratings, their means over a few repeats)
give deltas that are whole multiples of one step: ``d = k * step`` with integer ``k``. Flipping
the set ``F`` of deltas counts when ``sum(k[F]) > 0`` and one half when it is 0 (see
:mod:`scoregate.decide.stats`), and the distribution of ``sum(k[F])`` over the ``2**m`` sets is
a convolution, computed exactly (in floating point, each set weighing ``2**-m``) one delta at a
time in ``O(m * sum(|k|))`` steps. So the p-value of a pass/fail score is exact for any number
of items, not a Monte Carlo estimate: a decision near the level is the exact test's. Other
deltas are exact up to :data:`SPLIT_MAX_NONZERO` of them (:func:`split_mid_p`).

Deltas on no lattice whose step is at least 1/:data:`MAX_DENOMINATOR` of their smallest value,
or whose convolution would take more than :data:`MAX_WORK` steps, are left to Monte Carlo;
there :func:`refined_hits` draws more sign vectors while the estimate is too close to the
level to decide (at most :data:`MAX_DRAWS` in all).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

MAX_DENOMINATOR = 720
"""Steps tried: 1/j of the smallest |delta| for j up to this."""
MAX_DISTINCT = 400
"""More distinct |delta| values than this: not a lattice worth looking for."""
MAX_WORK = 40_000_000
"""Largest m * sum(|k|) convolved exactly."""
MAX_DRAWS = 256_000
"""Most Monte Carlo draws spent to settle a p-value near the level."""
SETTLED_SE = 4.0
"""A Monte Carlo p-value further than this many standard errors from the level is settled."""
CHUNK_DRAWS = 4096
SPLIT_MAX_NONZERO = 32
"""Up to this many nonzero deltas the p-value is exact by meeting in the middle."""


def lattice(nonzero: NDArray[np.float64]) -> NDArray[np.int64] | None:
    """Integers ``k`` with ``nonzero == k * step`` (to rounding) for one step, or None."""
    import numpy as np

    magnitudes = np.unique(np.abs(nonzero))
    if magnitudes.size > MAX_DISTINCT:
        return None
    largest = float(magnitudes[-1])
    smallest = float(magnitudes[0])
    tolerance = 1e-9 * largest
    units = magnitudes / smallest
    # The step divides the smallest magnitude: step = smallest / j for a small j. A few values
    # rule out most j at once; the survivors are checked on every value.
    js = np.arange(1, MAX_DENOMINATOR + 1, dtype=np.float64)
    for probe in (units[:8], units):
        scaled = probe[:, np.newaxis] * js[np.newaxis, :]
        off = np.abs(scaled - np.round(scaled)) * (smallest / js[np.newaxis, :])
        js = js[np.all(off <= tolerance, axis=0)]
        if js.size == 0:
            return None
    j = float(js[0])
    k = np.round(nonzero * (j / smallest)).astype(np.int64)
    work = int(k.size) * int(np.abs(k).sum())
    return k if work <= MAX_WORK else None


def lattice_mid_p(k: NDArray[np.int64]) -> float:
    """Exact mid-p of "a flipped set's sum > 0 (ties one half)" over all sign vectors of k."""
    import numpy as np

    negative = int(-k[k < 0].sum())
    positive = int(k[k > 0].sum())
    size = negative + positive + 1
    weights = np.zeros(size)
    weights[negative] = 1.0  # the empty set, sum 0, at offset `negative`
    low = high = negative  # the occupied range
    for step in k.tolist():
        if step > 0:
            weights[low + step : high + step + 1] += weights[low : high + 1]
            high += step
        else:
            weights[low + step : high + step + 1] += weights[low : high + 1]
            low += step
        weights[low : high + 1] *= 0.5
    above = float(weights[negative + 1 :].sum())
    tie = float(weights[negative])
    return min(1.0, max(0.0, above + 0.5 * tie))


def split_mid_p(nonzero: NDArray[np.float64], tolerance: float) -> float:
    """Exact mid-p over all ``2**m`` sign vectors by meeting in the middle: the subset sums of
    each half (``2**(m/2)`` each), one sorted, the other looked up in it, so ``m`` up to
    :data:`SPLIT_MAX_NONZERO` costs milliseconds where enumerating would cost ``2**m``."""
    import numpy as np

    half = nonzero.size // 2
    first, second = _subset_sums(nonzero[:half]), np.sort(_subset_sums(nonzero[half:]))
    above = below_tie = 0
    for start in range(0, first.size, 1 << 16):
        chunk = first[start : start + (1 << 16)]
        upper = np.searchsorted(second, -chunk + tolerance, side="right")
        lower = np.searchsorted(second, -chunk - tolerance, side="left")
        above += int((second.size - upper).sum())
        below_tie += int((upper - lower).sum())
    return (above + 0.5 * below_tie) / float(first.size * second.size)


def _subset_sums(values: NDArray[np.float64]) -> NDArray[np.float64]:
    import numpy as np

    sums = np.zeros(1)
    for value in values.tolist():
        sums = np.concatenate((sums, sums + value))
    return sums


def settled(p: float, draws: int, level: float) -> bool:
    """Whether a Monte Carlo p from `draws` draws is far enough from `level` to decide."""
    spread = math.sqrt(max(p * (1.0 - p), 1e-12) / draws)
    return abs(p - level) > SETTLED_SE * spread


def refined_hits(
    table: NDArray[np.float64],
    groups: int,
    *,
    seed: int,
    draws: int,
    tolerance: float,
) -> tuple[float, float]:
    """(draws above, ties) over `draws` more sign vectors, from a stream of `seed` apart from
    the first draws', in chunks so memory stays bounded."""
    import numpy as np

    rng = np.random.Generator(np.random.PCG64([seed, draws, groups]))
    offsets = np.arange(groups, dtype=np.intp)[:, np.newaxis] * 256
    strict = ties = 0.0
    for start in range(0, draws, CHUNK_DRAWS):
        count = min(CHUNK_DRAWS, draws - start)
        index = rng.integers(0, 256, size=(groups, count), dtype=np.uint8) + offsets
        sums = np.take(table, index).sum(axis=0)
        strict += int(np.count_nonzero(sums > tolerance))
        ties += int(np.count_nonzero(np.abs(sums) <= tolerance))
    return strict, ties
