"""The rank test of ``max_drop`` (``test: rank``): the sign-flip test on signed ranks.

Each unit's delta ``u`` (an item's, or with ``cluster:`` a cluster sum) becomes
``sign(u) * rank(|u|)`` over the nonzero ``|u|``, tied magnitudes sharing their average rank,
before the sign-flip p-value of :func:`scoregate.decide.stats.sign_flip_p`. The ranks of
``|u|`` do not change when signs are flipped, so this is still an exact permutation test: the
Wilcoxon signed-rank test (one-sided, mid-p), through the same exact and Monte Carlo paths.
One large delta weighs no more than the largest rank, so a judge whose noise has heavy tails
does not drown a small drop on every item; a drop on a few items only is what it sees less
well (docs/noise.md). The delta, its interval and the size condition stay the mean's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

TESTS = ("mean", "rank")
"""The values of ``test:`` under a score's thresholds; ``mean`` is the default."""
RANK = "rank"
TIE_DIGITS = 9
"""Magnitudes equal to this many digits of the largest are ties (float noise in deltas)."""


def signed_ranks(units: NDArray[np.float64]) -> NDArray[np.float64]:
    """``sign(u) * rank(|u|)`` over the nonzero units (average ranks for ties); zeros stay 0."""
    import numpy as np

    ranked = np.zeros(units.size)
    nonzero = units != 0.0
    magnitudes = np.abs(units[nonzero])
    if magnitudes.size == 0:
        return ranked
    keys = np.round(magnitudes / float(magnitudes.max()), TIE_DIGITS)
    _, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
    ends = np.cumsum(counts).astype(np.float64)
    average = ends - (counts - 1) / 2.0
    ranked[nonzero] = np.sign(units[nonzero]) * average[inverse.ravel()]
    return ranked


def ranked(
    sign_flip: Callable[[NDArray[np.float64]], tuple[float, str]],
) -> Callable[[NDArray[np.float64]], tuple[float, str]]:
    """`sign_flip` applied to the signed ranks of its units, its method named so."""

    def test(units: NDArray[np.float64]) -> tuple[float, str]:
        p, method = sign_flip(signed_ranks(units))
        return p, f"signed-rank (Wilcoxon), {method}"

    return test


def check(test: str) -> str:
    """`test` itself, when it is one of :data:`TESTS`."""
    if test not in TESTS:
        raise ValueError(f"test must be one of {', '.join(TESTS)}, got {test!r}.")
    return test


def of(
    test: str, sign_flip: Callable[[NDArray[np.float64]], tuple[float, str]]
) -> Callable[[NDArray[np.float64]], tuple[float, str]]:
    """The p-value function of `test`: `sign_flip` itself for "mean", else :func:`ranked`."""
    return ranked(sign_flip) if check(test) == RANK else sign_flip
