"""Paired statistics when items come in clusters: the clusters, not the items, are the units.

Items that share a source (ten questions about one document, prompts on one topic) move
together from one run to the next, so their deltas are not independent, and a test that treats
them as independent is overconfident. With ``cluster: KEY`` each item's delta is labelled with
its cluster, and:

* **the test** flips the sign of whole clusters: under "no difference" a cluster's deltas are
  as likely to have all their signs reversed, so the sign-flip test of
  :func:`scoregate.decide.stats.sign_flip_p` runs on the cluster sums (their total is the
  items' total, so the statistic is still the mean delta);
* **the interval** is a cluster bootstrap: clusters drawn with replacement, the resample's mean
  the sum of its clusters' sums over the sum of their sizes;
* **the minimum detectable drop** counts clusters: with ``r_c = sum_c - mean * size_c`` (a
  cluster's deviation), ``unit_sd = sd(r) / mean size`` and ``mde = (z[1-a] + z[0.8]) * unit_sd
  / sqrt(clusters)`` (the usual clustered standard error of a ratio mean); without clustering
  (every item alone) this is the unclustered formula.

An item whose cluster label is None (no value for the key) is its own cluster.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from scoregate.decide.draws import (
    BOOTSTRAP_RESAMPLES,
    bootstrap_generator,
    cached,
    multinomial_weights,
    row_chunks,
)
from scoregate.values.model import Item

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray


FEW_CLUSTERS = 10
"""Fewer clusters than this: the test has little power, and every report says so."""
BOOTSTRAP_CLASSIC_MAX = 2000


def cluster_totals(
    d: NDArray[np.float64], labels: Sequence[Hashable]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """(sum of deltas, number of items) per cluster, in order of first appearance; a None
    label is a cluster of its own item."""
    import numpy as np

    if len(labels) != d.size:
        raise ValueError(f"clusters must label every delta: {len(labels)} labels, {d.size} deltas.")
    index: dict[Hashable, int] = {}
    codes = [0] * d.size
    for position, label in enumerate(labels):
        if label is None:
            codes[position] = len(index)
            index[(None, position)] = len(index)  # a key no label equals
        else:
            codes[position] = index.setdefault(label, len(index))
    sums = np.bincount(codes, weights=d, minlength=len(index)).astype(np.float64)
    sizes = np.bincount(codes, minlength=len(index)).astype(np.float64)
    return sums, sizes


@dataclass(frozen=True, slots=True)
class ClusteredTest:
    """What the clusters change: the test's p-value, the units, their spread, the interval."""

    p_worse: float
    method: str
    clusters: int
    unit_sd: float | None
    ci_low: float
    ci_high: float


def clustered_test(
    d: NDArray[np.float64],
    labels: Sequence[Hashable],
    *,
    confidence: float,
    seed: int,
    sign_flip: Callable[[NDArray[np.float64]], tuple[float, str]],
) -> ClusteredTest:
    """`sign_flip` is the test of :mod:`scoregate.decide.stats`, applied to the cluster sums."""
    n = int(d.size)
    sums, sizes = cluster_totals(d, labels)
    count = int(sums.size)
    mean = float(d.sum()) / n
    p_worse, method = sign_flip(sums)
    deviations = sums - mean * sizes
    unit_sd = (
        math.sqrt(float((deviations**2).sum()) / (count - 1)) / (n / count) if count > 1 else None
    )
    low, high = _cluster_interval(d, sums, sizes, mean=mean, confidence=confidence, seed=seed)
    return ClusteredTest(p_worse, f"{method}, over {count} cluster sums", count, unit_sd, low, high)


def _cluster_interval(
    d: NDArray[np.float64],
    sums: NDArray[np.float64],
    sizes: NDArray[np.float64],
    *,
    mean: float,
    confidence: float,
    seed: int,
) -> tuple[float, float]:
    """Percentile interval of the cluster bootstrap's ratio means (2,000 resamples)."""
    import numpy as np

    count = int(sums.size)
    if count < 2 or float(np.abs(d - mean).max()) == 0.0:
        return mean, mean
    centred = sums - mean * sizes  # resample mean - mean = (W @ centred) / (W @ sizes)
    if count <= BOOTSTRAP_CLASSIC_MAX:
        weights = cached(("multinomial64", seed, count), lambda: _weights64(seed, count))
        shifts = (weights @ centred) / (weights @ sizes)
    else:
        rng = bootstrap_generator(seed)
        shifts = np.empty(BOOTSTRAP_RESAMPLES)
        for start, stop in row_chunks(BOOTSTRAP_RESAMPLES, count):
            picked = rng.integers(0, count, size=(stop - start, count), dtype=np.intp)
            shifts[start:stop] = np.take(centred, picked).sum(axis=1) / np.take(sizes, picked).sum(
                axis=1
            )
    means = np.sort(mean + shifts)
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(means, [tail, 1.0 - tail]).tolist()
    lowest, highest = float(d.min()), float(d.max())
    return min(max(low, lowest), highest), min(max(high, lowest), highest)


def _weights64(seed: int, count: int) -> NDArray[np.float64]:
    import numpy as np

    return multinomial_weights(seed, count).astype(np.float64)


def power_note(clusters: int, key: str) -> str | None:
    """Why a test over few clusters has little power, or None with enough of them."""
    if clusters >= FEW_CLUSTERS:
        return None
    smallest = 0.5 / 2**clusters
    return (
        f"Little power: only {clusters} cluster{'s' if clusters != 1 else ''} of {key}, and the "
        f"clusters are the test's units (at best p = {smallest:.2g}; a drop must show in most "
        f"clusters to be significant); add clusters (more {key} values), not items"
    )


def label_of(item: Item, key: str) -> Hashable:
    """The item's value for ``cluster: KEY``, or None when it has none (its own cluster).

    ``metadata.X...`` looks in the metadata only; any other key first in the metadata, then
    in the item's own fields (``input``, ``expected_output``, ``id``), following dots into
    mappings (``input.doc``). A value that is not a string, number or boolean is compared by
    its JSON text.
    """
    parts = key.split(".")
    if parts[0] == "metadata" and len(parts) > 1:
        found = _walk(item.metadata, parts[1:])
    else:
        found = _walk(item.metadata, parts)
        if found is None and parts[0] in ("id", "input", "expected_output"):
            found = _walk(getattr(item, parts[0]), parts[1:])
    if found is None or found == "":
        return None
    if isinstance(found, (str, int, float)) and not isinstance(found, bool):
        return found  # (true is not the topic 1: booleans are compared as JSON text)
    import json

    return json.dumps(found, sort_keys=True, default=str)


def _walk(value: object, parts: Sequence[str]) -> object:
    for part in parts:
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value
