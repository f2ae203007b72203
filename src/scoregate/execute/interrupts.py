"""Tell a real Ctrl-C from a ``KeyboardInterrupt`` that a task's own code raised.

Both arrive as ``KeyboardInterrupt``. The first must stop the run (exit 130, a partial record);
the second is that task's failure on one sample, like any other exception. While
:func:`watching` is active, the SIGINT handler notes the signal before raising, so
:func:`is_signal` can tell them apart.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

_received = threading.Event()


@contextmanager
def watching() -> Iterator[None]:
    """Note every SIGINT received inside; it still raises ``KeyboardInterrupt`` as before.

    Only the main thread can set a signal handler; elsewhere this notes nothing (and signals
    are delivered to the main thread anyway)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGINT)

    def noted(signum: int, frame: FrameType | None) -> None:
        _received.set()
        if callable(previous):
            previous(signum, frame)
        elif previous != signal.SIG_IGN:
            raise KeyboardInterrupt

    _received.clear()
    signal.signal(signal.SIGINT, noted)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def is_signal(exc: BaseException) -> bool:
    """Whether ``exc`` is the Ctrl-C the process received, rather than a task's own raise."""
    return isinstance(exc, KeyboardInterrupt) and _received.is_set()
