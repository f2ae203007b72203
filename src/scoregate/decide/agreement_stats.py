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
        counts = _counts(rows, n)  # how often each item was drawn: every figure from these
        found[0].append(counts @ np.abs(x - y) / n)
        found[1].append(_rho_counts(counts, x, y) if n >= 3 else np.full(len(rows), np.nan))
        if pass_mark is not None:
            found[2].append(_kappa_counts(counts, x >= pass_mark, y >= pass_mark))
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


def _counts(rows: NDArray[np.intp], n: int) -> NDArray[np.float64]:
    """Per resample (a row of drawn indices), how many times each item was drawn."""
    import numpy as np

    offsets = np.arange(len(rows), dtype=np.intp)[:, np.newaxis] * n
    flat = np.bincount((rows + offsets).ravel(), minlength=len(rows) * n)
    counts: NDArray[np.float64] = flat.reshape(len(rows), n).astype(float)
    return counts


def _resampled_ranks(
    counts: NDArray[np.float64], values: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Each item's rank within each resample, ties averaged (as :func:`ranks` gives on the
    resample itself): a value's rank is the count drawn below it plus the mean position
    among its own copies. No sort per resample, only one of the values."""
    import numpy as np

    distinct, group = np.unique(values, return_inverse=True)
    order = np.argsort(group, kind="stable")
    starts = np.searchsorted(group[order], np.arange(len(distinct)))
    # Copies of each distinct value per resample.
    per_value = np.add.reduceat(counts[:, order], starts, axis=1)
    below = np.cumsum(per_value, axis=1) - per_value
    rank: NDArray[np.float64] = (below + (per_value + 1) / 2)[:, group]
    return rank


def _rho_counts(
    counts: NDArray[np.float64], x: NDArray[np.float64], y: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Spearman's rho of each resample: the Pearson correlation of the resample's ranks, each
    item weighted by how often it was drawn."""
    import numpy as np

    n = counts.sum(axis=1, keepdims=True)
    middle = (n + 1) / 2  # the mean of the ranks 1..n, ties averaged or not
    rx = _resampled_ranks(counts, x) - middle
    ry = _resampled_ranks(counts, y) - middle
    sxx, syy = (counts * rx * rx).sum(axis=1), (counts * ry * ry).sum(axis=1)
    sxy = (counts * rx * ry).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = np.where((sxx > 1e-9) & (syy > 1e-9), sxy / np.sqrt(sxx * syy), np.nan)
    result: NDArray[np.float64] = np.clip(rho, -1.0, 1.0)
    return result


def _kappa_counts(
    counts: NDArray[np.float64], a: NDArray[np.bool_], b: NDArray[np.bool_]
) -> NDArray[np.float64]:
    import numpy as np

    n = counts.sum(axis=1)
    observed = counts @ (a == b).astype(float) / n
    p_a, p_b = counts @ a.astype(float) / n, counts @ b.astype(float) / n
    chance = p_a * p_b + (1 - p_a) * (1 - p_b)
    with np.errstate(invalid="ignore", divide="ignore"):
        result: NDArray[np.float64] = np.where(
            chance < 1.0 - 1e-12, (observed - chance) / (1 - chance), np.nan
        )
    return result
