"""What the engine does when its event loop is blocked: every sample still gets one result.

A call that blocks the event loop (``time.sleep`` inside ``async def``) stops every timer, so
a watchdog thread watches the loop (``watchdog.py``). Past the timeout, the blocked samples
are timeouts, no new sample starts, and the samples not started are errors, so every sample
still has exactly one result. ``BlockedLoop`` is that bookkeeping, shared by the engine's run
state; ``watching`` runs the watchdog around the work on the loop.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import TYPE_CHECKING

from scoregate.execute.watchdog import BLOCKED, LoopBlocked, LoopWatch
from scoregate.values.model import Sample

if TYPE_CHECKING:
    from scoregate.execute.engine import Collector

NOT_RUN = "the run stopped because the event loop was blocked (a blocking call inside async def?)"


class BlockedLoop:
    """The engine's run state, as far as a blocked event loop concerns it."""

    collector: Collector
    timeout: float
    blocked: bool = False
    """The watchdog found the event loop blocked: no new sample starts."""
    taken: int = 0
    """Samples handed out, in order: the first ``taken`` started."""

    def finish(self, index: int, repeat: int, sample: Sample) -> None:
        raise NotImplementedError

    def took(self, work: tuple[int, int] | None) -> tuple[int, int] | None:
        """``work`` handed out (None: nothing left), counted."""
        if work is not None:
            self.taken += 1
        return work

    def timed_out(self, label: str) -> str:
        note = f": {BLOCKED}" if self.blocked else ""
        return f"{label} timed out after {self.timeout:g}s{note}"

    async def unless_blocked(self, sample: Awaitable[Sample], repeat: int) -> Sample:
        """The sample, or a timeout if the watchdog interrupted an inline evaluator in it."""
        started = time.perf_counter()
        try:
            return await sample
        except LoopBlocked:
            return Sample(repeat, None, time.perf_counter() - started, self.timed_out("sample"))

    def stall(self) -> None:
        """The watchdog found the event loop blocked past the timeout: start no new sample."""
        self.blocked = True
        if self.collector.stop_reason is None:
            self.collector.stop_reason = (
                f"stopped: the event loop was blocked past the {self.timeout:g}s timeout, so "
                "no timeout could fire (a blocking call inside async def? await it, or move "
                "it to a thread with asyncio.to_thread); the samples not started are errors"
            )

    def fill_blocked(self) -> None:
        """After a stall, every sample without a result gets one: a timeout if it started,
        else "not run"."""
        if not self.blocked:
            return
        repeats = self.collector.repeats
        for index, samples in enumerate(self.collector.samples):
            for repeat, sample in enumerate(samples):
                if sample is None:
                    started = index * repeats + repeat < self.taken
                    error = self.timed_out("task") if started else f"not run: {NOT_RUN}"
                    self.finish(index, repeat, Sample(repeat, None, 0.0, error))


@contextmanager
def watching(run: BlockedLoop, on_stuck: Callable[[], None] | None) -> Iterator[None]:
    """Watch the running event loop while inside; then give every blocked sample its result.

    ``on_stuck``: called (from the watchdog's thread, every sample then having a result) when
    a call blocks the event loop and cannot be interrupted; the process then exits (code 3).
    """
    import asyncio

    stuck = None if on_stuck is None else partial(_stuck, run, on_stuck)
    watch = LoopWatch(run.timeout, run.stall, stuck)
    watch.start(asyncio.get_running_loop())
    try:
        yield
    finally:
        watch.stop()
    run.fill_blocked()


def _stuck(run: BlockedLoop, on_stuck: Callable[[], None]) -> None:
    run.fill_blocked()
    on_stuck()
