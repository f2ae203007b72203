"""The event loop async work runs on: asyncio's, with timers that fire on time.

On Linux asyncio waits with epoll, whose timeout is whole milliseconds, rounded up (and a float
like 0.009 s rounds up to 10 ms), so every ``asyncio.sleep`` or timeout wakes up to a
millisecond or two late; staggered timers pay it on nearly every wake-up. Over a run of samples
that sleep (rate limits, backoff, a latency-bound benchmark) that is ~2 % of the wall time. The
selector here waits for the epoll descriptor itself with select(2), whose timeout has
microseconds, then collects the events without waiting. Elsewhere the default loop is kept
(kqueue's timeout has nanoseconds already).
"""

from __future__ import annotations

import asyncio
import select
import selectors
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class PreciseEpollSelector(selectors.EpollSelector):
    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        if timeout is None or timeout <= 0:
            return super().select(timeout)
        try:
            select.select([self.fileno()], [], [], timeout)
        except ValueError:  # a descriptor number above select(2)'s limit
            return super().select(timeout)
        return super().select(0)


def new_loop() -> asyncio.AbstractEventLoop:
    if hasattr(select, "epoll"):
        return asyncio.SelectorEventLoop(PreciseEpollSelector())
    return asyncio.new_event_loop()


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run`` on the loop above (Ctrl-C cancels the coroutine the same way)."""
    with asyncio.Runner(loop_factory=new_loop) as runner:
        return runner.run(coroutine)
