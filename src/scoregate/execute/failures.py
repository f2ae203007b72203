"""What a task's or an evaluator's exception becomes on its sample.

Anything the user's code raises is that code's failure on one sample, ``SystemExit`` and
``KeyboardInterrupt`` included, except what stops the run itself: a real Ctrl-C (or SIGTERM,
see interrupts.py), the cancellation of the run's own coroutines, and the watchdog's
``LoopBlocked`` (a timeout, see watchdog.py). A failure is the app's (``app``: counted as 0),
or an outage of a service scoregate calls (``infra``: left out of the comparison).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Awaitable
from typing import Any, Protocol

from scoregate.execute import interrupts
from scoregate.execute.evaluators.evaluator import Evaluator
from scoregate.execute.watchdog import LoopBlocked
from scoregate.values.errors import ScoregateError
from scoregate.values.model import ErrorKind, Sample, Score


class TimesOut(Protocol):
    def timed_out(self, label: str) -> str: ...


def describe(exc: BaseException) -> str:
    text = str(exc).strip()
    shown = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    if isinstance(exc, SystemExit):
        return f"{shown} (the code called sys.exit())"
    return shown


def kind_of(exc: BaseException) -> ErrorKind:
    """``infra`` for an outage of a service scoregate calls (the model server), else ``app``."""
    return "infra" if isinstance(exc, ScoregateError) and exc.outage else "app"


def failed_on_its_own(exc: BaseException) -> bool:
    """Whether ``exc``, raised by a task or an evaluator, is that code's failure on one sample."""
    if interrupts.is_signal(exc) or isinstance(exc, LoopBlocked):
        return False
    asyncio = sys.modules.get("asyncio")  # never imported for a run without an event loop
    if asyncio is not None and isinstance(exc, asyncio.CancelledError):
        try:
            task = asyncio.current_task()
        except RuntimeError:  # a worker thread: the run's machinery cancelled what it waited on
            return False
        return task is not None and not task.cancelling()
    return True


def evaluator_error(evaluator: Evaluator, exc: BaseException) -> Score:
    return Score(
        evaluator.name,
        None,
        error=f"evaluator '{evaluator.name}' failed: {describe(exc)}",
        error_kind=kind_of(exc),
    )


def evaluator_timed_out(run: TimesOut, evaluator: Evaluator) -> Score:
    """A judge's timeout is its server's outage; a Python evaluator's, its own failure."""
    label = f"evaluator '{evaluator.name}'"
    kind: ErrorKind = "infra" if evaluator.remote else "app"
    return Score(evaluator.name, None, error=run.timed_out(label), error_kind=kind)


async def contained(work: Awaitable[Any]) -> tuple[Any, BaseException | None]:
    """Await ``work`` on the loop and hand back what it raised, rather than let a SystemExit or
    KeyboardInterrupt of the user's code escape the task and stop the event loop."""
    try:
        return await work, None
    except BaseException as exc:
        if not failed_on_its_own(exc):
            raise
        return None, exc


def evaluator_failed(evaluator: Evaluator, exc: BaseException) -> tuple[Score, ...]:
    """The score of an evaluator that raised ``exc``; ``exc`` again when it stops the run."""
    if not failed_on_its_own(exc):
        raise exc
    return (evaluator_error(evaluator, exc),)


def task_failed(repeat: int, started: float, exc: BaseException) -> Sample:
    """The sample of a task that raised ``exc``; ``exc`` again when it stops the run."""
    if not failed_on_its_own(exc):
        raise exc
    return task_error(repeat, started, exc)


def task_error(repeat: int, started: float, exc: BaseException) -> Sample:
    latency = time.perf_counter() - started
    return Sample(repeat, None, latency, describe(exc), error_kind=kind_of(exc))


def task_timed_out(run: TimesOut, repeat: int, started: float, *, remote: bool) -> Sample:
    """A prompt task is a model call: its timeout is the server's; a Python task's, its own."""
    kind: ErrorKind = "infra" if remote else "app"
    latency = time.perf_counter() - started
    return Sample(repeat, None, latency, run.timed_out("task"), error_kind=kind)
