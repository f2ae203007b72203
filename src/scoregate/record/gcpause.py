"""The cyclic garbage collector paused while many small acyclic objects are built."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    """Build many small acyclic objects without the cyclic collector rescanning them.

    Loading or comparing 100,000 items makes millions of tuples; with the collector running
    it costs about twice as long. Afterwards what was built is frozen out of later scans.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.freeze()
            gc.enable()
