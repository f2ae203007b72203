"""A watchdog for the event loop: a blocking call inside ``async def`` becomes a timeout.

A sample's timeout is a timer on the event loop, and a timer fires only when the loop turns.
A task that blocks inside ``async def`` (``time.sleep``, ``requests.get``) stops the loop, so
no timer fires and the run would wait as long as the call does, or for ever. The watchdog is
a thread outside the loop; the loop marks each turn with a timer every ``tick``. When the
loop has not turned for longer than the timeout (at least ``MIN_STALL`` seconds, so a busy
moment on a loaded machine is not taken for a block):

1. ``on_stall`` runs (in the watchdog thread): the engine takes no new sample, and notes
   that the samples still running timed out because the loop was blocked.
2. The thread running the loop (the main thread) is sent SIGUSR2, whose handler raises
   ``LoopBlocked`` inside the blocking call: ``time.sleep``, socket and lock waits and
   Python loops end at once, and the run ends the ordinary way (record, gate, reports).
   The signal is sent again every ``tick`` while the loop stays blocked. It is only used
   when nothing else handles SIGUSR2, and only when the loop runs in the main thread.
3. If the loop still has not turned ``GRACE`` seconds later (a call in native code that
   ignores signals), ``on_stuck`` runs in the watchdog thread (the runner writes the run
   record there), and the process ends with exit code 3: nothing else can stop the call.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import sys
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import asyncio

MIN_STALL = 1.0
"""Seconds the loop must stand still, at the least, before the watchdog acts."""

GRACE = 5.0
"""Seconds the watchdog waits, after interrupting the blocking call, before it gives up."""

EXIT_STUCK = 3
"""The exit code when the loop cannot be unblocked: the run could not be completed."""

BLOCKED = "the event loop was blocked (a blocking call inside async def?)"

_SIGNAL: int | None = getattr(signal, "SIGUSR2", None)


class LoopBlocked(BaseException):
    """Raised inside the call that blocked the event loop for longer than the timeout.

    A BaseException, as asyncio's CancelledError is, so a task's ``except Exception`` does
    not swallow it.
    """


def _loop_files() -> tuple[str, ...]:
    import asyncio

    return (os.path.dirname(asyncio.__file__) + os.sep, selectors.__file__)


class LoopWatch:
    """Watches one event loop from a thread, from ``start`` (on the loop) to ``stop``."""

    def __init__(
        self,
        timeout: float,
        on_stall: Callable[[], None],
        on_stuck: Callable[[], None] | None = None,
    ) -> None:
        self.limit = max(timeout, MIN_STALL)
        self.tick = min(0.25, self.limit / 8)
        self.on_stall = on_stall
        self.on_stuck = on_stuck
        self.beat = time.monotonic()
        self.ended = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._previous: Any = None
        self._installed = False
        self._lock = threading.Lock()  # no signal once stop() restored the old handler
        self._loop_thread = 0
        self._skip = _loop_files()

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        """Called on the loop's own thread, with the loop running."""
        self._loop = loop
        self._loop_thread = threading.get_ident()
        self._beat()
        main = threading.current_thread() is threading.main_thread()
        if _SIGNAL is not None and main and signal.getsignal(_SIGNAL) == signal.SIG_DFL:
            self._previous = signal.signal(_SIGNAL, self._interrupt)
            self._installed = True
        threading.Thread(target=self._watch, name="scoregate-loop-watch", daemon=True).start()

    def stop(self) -> None:
        self.ended.set()
        if self._timer is not None:
            self._timer.cancel()
        with self._lock:
            if self._installed and _SIGNAL is not None:
                signal.signal(_SIGNAL, self._previous)
                self._installed = False

    def stalled(self) -> bool:
        return not self.ended.is_set() and time.monotonic() - self.beat > self.limit

    def _beat(self) -> None:
        self.beat = time.monotonic()
        if self._loop is not None and not self.ended.is_set():
            self._timer = self._loop.call_later(self.tick, self._beat)

    def _interrupt(self, signum: int, frame: FrameType | None) -> None:
        """The signal handler, in the loop's thread: end the blocking call, if still blocked.

        Not inside asyncio's own code: there the loop is turning again, and an exception
        would leave it half way through a step.
        """
        if self.stalled() and not (
            frame is not None and frame.f_code.co_filename.startswith(self._skip)
        ):
            raise LoopBlocked(BLOCKED)

    def _watch(self) -> None:
        interrupted_at: float | None = None
        while not self.ended.wait(self.tick):
            if not self.stalled():
                interrupted_at = None
                continue
            now = time.monotonic()
            if interrupted_at is None:
                interrupted_at = now
                self.on_stall()
            with self._lock:
                if self._installed and _SIGNAL is not None and not self.ended.is_set():
                    signal.pthread_kill(self._loop_thread, _SIGNAL)
            if self.on_stuck is not None and now - interrupted_at > GRACE:
                self._give_up(self.on_stuck)

    def _give_up(self, on_stuck: Callable[[], None]) -> None:
        """The loop cannot be unblocked: keep what finished, then end the process."""
        try:
            on_stuck()
        except BaseException as exc:
            sys.stderr.write(f"error: {exc}\n")
        finally:
            for stream in (sys.stdout, sys.stderr):
                with contextlib.suppress(OSError, ValueError):
                    stream.flush()
            os._exit(EXIT_STUCK)
