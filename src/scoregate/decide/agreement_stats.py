"""The statistics of a judge's agreement with reference scores: mean absolute error, Spearman's
rho, Cohen's kappa, each with a seeded percentile bootstrap interval over items.

Pure and deterministic: the same pairs and seed always give the same figures.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Sequence
from typing import TYPE_CHECKING

from scoregate.values.agreement import Figure

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

RESAMPLES = 2000
LEVEL = 0.95
MIN_DEFINED = 0.5
"""An interval needs the statistic defined in at least this share of the resamples."""


def seed_for(name: str) -> int:
    """The bootstrap seed of a judge's figures: fixed per score name."""
    return zlib.crc32(f"judge-agreement:{name}".encode())


def mae(expected: Sequence[float], judged: Sequence[float]) -> float | None:
    if not expected:
        return None
    return math.fsum(abs(a - b) for a, b in zip(expected, judged, strict=True)) / len(expected)


def ranks(values: Sequence[float]) -> list[float]:
    """1-based ranks, ties given the mean of the ranks they span (as Spearman's rho needs)."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    out = [0.0] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        rank = (start + end) / 2 + 1
        for k in range(start, end + 1):
            out[order[k]] = rank
        start = end + 1
    return out


def pearson(x: Sequence[float], y: Sequence[float]) -> float | None:
    n = len(x)
    if n < 2:
        return None
    mx, my = math.fsum(x) / n, math.fsum(y) / n
    sxx = math.fsum((a - mx) ** 2 for a in x)
    syy = math.fsum((b - my) ** 2 for b in y)
    if sxx <= 0 or syy <= 0:
        return None  # one side gave a single value: no ranking to agree with
    sxy = math.fsum((a - mx) * (b - my) for a, b in zip(x, y, strict=True))
    return max(-1.0, min(1.0, sxy / math.sqrt(sxx * syy)))


def spearman(expected: Sequence[float], judged: Sequence[float]) -> float | None:
    """Spearman's rho: Pearson's correlation of the ranks (ties averaged). None for fewer than
    three pairs or when either side is constant."""
    if len(expected) < 3:
        return None
    return pearson(ranks(expected), ranks(judged))


def kappa(expected: Sequence[bool], judged: Sequence[bool]) -> float | None:
    """Cohen's kappa of two pass/fail ratings. None when chance agreement is total (both sides
    gave one and the same rating throughout) or there are no pairs."""
    n = len(expected)
    if n == 0:
        return None
    observed = sum(1 for a, b in zip(expected, judged, strict=True) if a == b) / n
    p_a, p_b = sum(expected) / n, sum(judged) / n
    chance = p_a * p_b + (1 - p_a) * (1 - p_b)
    if chance >= 1.0:
        return None
    return (observed - chance) / (1 - chance)


def figures(
    expected: Sequence[float],
    judged: Sequence[float],
    *,
    pass_mark: float | None,
    seed: int,
) -> tuple[Figure, Figure, Figure | None]:
    """(MAE, rho, kappa) with intervals; kappa only when ``pass_mark`` is given (a raw value
    on the judge's scale: at or above it passes)."""
    import numpy as np

    x = np.asarray(expected, dtype=float)
    y = np.asarray(judged, dtype=float)
    n = len(x)
    point = (
        mae(expected, judged),
        spearman(expected, judged),
        None
        if pass_mark is None
        else kappa([v >= pass_mark for v in expected], [v >= pass_mark for v in judged]),
    )
    if n < 2:
        return Figure(point[0]), Figure(point[1]), None if pass_mark is None else Figure(point[2])
    rng = np.random.Generator(np.random.PCG64(seed))
    found: list[list[NDArray[np.float64]]] = [[], [], []]
    for start in range(0, RESAMPLES, _rows(n)):
        rows = rng.integers(0, n, size=(min(_rows(n), RESAMPLES - start), n), dtype=np.intp)
        a, b = x[rows], y[rows]
        found[0].append(np.abs(a - b).mean(axis=1))
        found[1].append(_rho_rows(a, b) if n >= 3 else np.full(len(rows), np.nan))
        if pass_mark is not None:
            found[2].append(_kappa_rows(a >= pass_mark, b >= pass_mark))
    out = [
        _interval(v, np.concatenate(f) if f else None) for v, f in zip(point, found, strict=True)
    ]
    return out[0], out[1], None if pass_mark is None else out[2]


def _rows(n: int) -> int:
    """Resamples drawn at once: about a million values in memory whatever the item count."""
    return max(1, min(RESAMPLES, (1 << 20) // n))


def _interval(value: float | None, draws: NDArray[np.float64] | None) -> Figure:
    import numpy as np

    if value is None or draws is None:
        return Figure(value)
    defined = draws[~np.isnan(draws)]
    if len(defined) < MIN_DEFINED * len(draws):
        return Figure(value)
    tail = (1 - LEVEL) / 2 * 100
    low, high = np.percentile(defined, [tail, 100 - tail])
    return Figure(value, (float(low), float(high)))


def _average_ranks(a: NDArray[np.float64]) -> NDArray[np.float64]:
    """Row by row, :func:`ranks`: ties get the mean of the ranks they span."""
    import numpy as np

    rows, n = a.shape
    order = np.argsort(a, axis=1, kind="stable")
    s = np.take_along_axis(a, order, axis=1)
    index = np.broadcast_to(np.arange(n), (rows, n))
    starts = np.ones((rows, n), dtype=bool)
    starts[:, 1:] = s[:, 1:] != s[:, :-1]
    ends = np.ones((rows, n), dtype=bool)
    ends[:, :-1] = starts[:, 1:]
    first = np.maximum.accumulate(np.where(starts, index, 0), axis=1)
    last = np.minimum.accumulate(np.where(ends, index, n - 1)[:, ::-1], axis=1)[:, ::-1]
    out = np.empty((rows, n))
    np.put_along_axis(out, order, (first + last) / 2 + 1, axis=1)
    return out


def _rho_rows(a: NDArray[np.float64], b: NDArray[np.float64]) -> NDArray[np.float64]:
    import numpy as np

    ra, rb = _average_ranks(a), _average_ranks(b)
    ra -= ra.mean(axis=1, keepdims=True)
    rb -= rb.mean(axis=1, keepdims=True)
    sxx, syy = (ra * ra).sum(axis=1), (rb * rb).sum(axis=1)
    sxy = (ra * rb).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = np.where((sxx > 1e-12) & (syy > 1e-12), sxy / np.sqrt(sxx * syy), np.nan)
    result: NDArray[np.float64] = np.clip(rho, -1.0, 1.0)
    return result


def _kappa_rows(a: NDArray[np.bool_], b: NDArray[np.bool_]) -> NDArray[np.float64]:
    import numpy as np

    observed = (a == b).mean(axis=1)
    p_a, p_b = a.mean(axis=1), b.mean(axis=1)
    chance = p_a * p_b + (1 - p_a) * (1 - p_b)
    with np.errstate(invalid="ignore", divide="ignore"):
        result: NDArray[np.float64] = np.where(
            chance < 1.0 - 1e-12, (observed - chance) / (1 - chance), np.nan
        )
    return result
