"""SIGTERM is Ctrl-C: the run stops, keeps what finished, and exits 143 instead of 130.

``timeout``, GitLab, Kubernetes and GitHub (when a job is cancelled) stop a process with
SIGTERM. While a command runs, SIGTERM takes the path of Ctrl-C: it calls whatever handles
SIGINT at that moment (Python's handler, which raises KeyboardInterrupt, or asyncio's, which
cancels the running work and then raises it), so worker threads finish the sample they hold
and take no new one, the partial run record and the message are the same, and only the exit
code tells the two apart: 128 + the signal's number, as a shell reports it.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

_received: list[int] = []
"""The signals that interrupted this process, in order (empty: none, or Ctrl-C)."""


def interrupted_code() -> int:
    """The exit code of an interrupted run: 143 after SIGTERM, else 130 (Ctrl-C)."""
    return 128 + (signal.SIGTERM if signal.SIGTERM in _received else signal.SIGINT)


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    _received.append(signum)
    handler = signal.getsignal(signal.SIGINT)
    if callable(handler):
        handler(signal.SIGINT, frame)
        return
    # SIGINT ignored (a job started in the background) or left to the system: still stop.
    raise KeyboardInterrupt


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """While inside, SIGTERM interrupts as Ctrl-C does (main thread only; else a no-op)."""
    try:
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    except ValueError:  # not the main thread: signals cannot be handled here
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
