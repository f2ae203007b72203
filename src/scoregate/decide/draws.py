"""The seeded random draws behind the statistics: sign vectors for the sign-flip test and
bootstrap weights, cached (bounded by size) so a run with many scores draws them once.

The same seed always gives the same draws, whether or not they came from the cache.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

BOOTSTRAP_RESAMPLES = 2000

Draws = TypeVar("Draws", bound="NDArray[np.generic]")

# Bootstrap weight matrices are float32 (exact small-integer counts): half the memory and time
# of float64 for a matrix-vector product; the deltas are centred first so the rounding is
# relative to their spread.
MULTINOMIAL_MAX_ITEMS = 100
POISSON_MAX_ITEMS = 2000
CACHE_BUDGET_BYTES = 64 * 1024 * 1024
CACHE_LARGEST_BYTES = 16 * 1024 * 1024
CHUNK_ELEMENTS = 1 << 18


def draw_sign_index(seed: int, groups: int, resamples: int) -> NDArray[np.intp]:
    import numpy as np

    rng = np.random.Generator(np.random.PCG64(seed))
    random_bytes = rng.integers(0, 256, size=(groups, resamples), dtype=np.uint8)
    offsets = np.arange(groups, dtype=np.intp)[:, np.newaxis] * 256
    index: NDArray[np.intp] = random_bytes + offsets
    return index


def poisson_weights(seed: int, n: int) -> NDArray[np.float32]:
    """At least n rows of the (items x resamples) Poisson(1) weights of `seed`."""
    key = ("poisson", seed)
    found = DRAWS.lookup(key)
    if found is not None and found.shape[0] >= n:
        return found  # type: ignore[return-value]
    known = 0 if found is None else found.shape[0]
    weights = draw_poisson_weights(seed, min(POISSON_MAX_ITEMS, max(n, 256, 2 * known)))
    DRAWS.store(key, weights)
    return weights


def draw_poisson_weights(seed: int, items: int) -> NDArray[np.float32]:
    import numpy as np

    # Drawn item by item from one stream: the first rows never depend on how many are drawn.
    rng = bootstrap_generator(seed)
    weights = np.empty((items, BOOTSTRAP_RESAMPLES), dtype=np.float32)
    for start, stop in row_chunks(items, BOOTSTRAP_RESAMPLES):
        weights[start:stop] = rng.poisson(1.0, size=(stop - start, BOOTSTRAP_RESAMPLES))
    return weights


def bootstrap_generator(seed: int) -> np.random.Generator:
    import numpy as np

    # An independent stream of the same seed: the sign flips use PCG64(seed) itself.
    return np.random.Generator(np.random.PCG64(seed).jumped())


def row_chunks(rows: int, columns: int) -> list[tuple[int, int]]:
    step = max(1, CHUNK_ELEMENTS // columns)
    return [(start, min(start + step, rows)) for start in range(0, rows, step)]


def multinomial_weights(seed: int, n: int) -> NDArray[np.float32]:
    """How often each item is drawn in each bootstrap resample: (resamples x n) counts."""
    import numpy as np

    rng = bootstrap_generator(seed)
    weights = np.empty((BOOTSTRAP_RESAMPLES, n), dtype=np.float32)
    for start, stop in row_chunks(BOOTSTRAP_RESAMPLES, n):
        drawn = rng.integers(0, n, size=(stop - start, n), dtype=np.intp)
        drawn += np.arange(stop - start, dtype=np.intp)[:, np.newaxis] * n
        counts = np.bincount(drawn.ravel(), minlength=(stop - start) * n)
        weights[start:stop] = counts.reshape(stop - start, n)
    return weights


class DrawCache:
    """Least-recently-used random draws, bounded by their total size in bytes."""

    def __init__(self, budget_bytes: int, largest_bytes: int) -> None:
        self._budget = budget_bytes
        self._largest = largest_bytes
        self._entries: OrderedDict[tuple[object, ...], NDArray[np.generic]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def lookup(self, key: tuple[object, ...]) -> NDArray[np.generic] | None:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def store(self, key: tuple[object, ...], value: NDArray[np.generic]) -> None:
        if value.nbytes > self._largest:
            return
        with self._lock:
            replaced = self._entries.pop(key, None)
            if replaced is not None:
                self._size -= replaced.nbytes
            self._entries[key] = value
            self._size += value.nbytes
            while self._size > self._budget:
                _, evicted = self._entries.popitem(last=False)
                self._size -= evicted.nbytes

    def get(
        self, key: tuple[object, ...], make: Callable[[], NDArray[np.generic]]
    ) -> NDArray[np.generic]:
        found = self.lookup(key)
        if found is not None:
            return found
        value = make()
        self.store(key, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._size = 0


DRAWS = DrawCache(CACHE_BUDGET_BYTES, CACHE_LARGEST_BYTES)


def cached(key: tuple[object, ...], make: Callable[[], Draws]) -> Draws:
    return DRAWS.get(key, make)  # type: ignore[return-value]
