"""Run every item through the task and the evaluators with bounded concurrency.

A fixed set of workers pulls samples (item × repeat) from one queue, so the cost per item
is a few function calls, not a task object per item. Sync tasks run in worker threads so
they are as concurrent as async ones. A failure in a task or an evaluator becomes an error
on that sample; the run goes on. Results come back in item order, not finishing order.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol

from scoregate.evaluators import Evaluator
from scoregate.model import Item, ItemResult, Sample, Score, Usage
from scoregate.tasks import PythonTask


@dataclass(frozen=True, slots=True)
class TaskOutput:
    """What a model-backed task returns: the output and what the call cost."""

    output: Any
    usage: Usage | None = None


class AsyncTask(Protocol):
    """A task that runs itself (an OpenAI prompt), as opposed to a user's function."""

    async def run(self, item: Item, repeat: int) -> TaskOutput: ...


Task = PythonTask | AsyncTask


def describe(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class Progress(Protocol):
    def advance(self, samples: int = 1, *, errors: int = 0) -> None: ...


@dataclass
class Collector:
    """Holds finished samples so an interrupted run still keeps what finished."""

    items: Sequence[Item]
    repeats: int

    def __post_init__(self) -> None:
        self.samples: list[list[Sample | None]] = [[None] * self.repeats for _ in self.items]
        self.stop_reason: str | None = None

    def results(self, *, complete_only: bool = False) -> tuple[ItemResult, ...]:
        out = []
        for item, samples in zip(self.items, self.samples, strict=True):
            done = tuple(s for s in samples if s is not None)
            if done and (not complete_only or len(done) == len(samples)):
                out.append(ItemResult(item, done))
        return tuple(out)


async def run_items(
    items: Sequence[Item],
    task: Task,
    evaluators: Sequence[Evaluator],
    *,
    concurrency: int,
    repeats: int,
    timeout: float,
    collector: Collector | None = None,
    progress: Progress | None = None,
    executor: ThreadPoolExecutor | None = None,
    should_stop: Callable[[], str | None] | None = None,
) -> Collector:
    """Fill ``collector`` with one sample per item × repeat; return it."""
    collector = collector or Collector(items, repeats)
    own_executor = executor is None
    if own_executor:
        executor = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="scoregate-task")
    runner = _SampleRunner(task, evaluators, timeout, executor)
    pending = iter([(i, r) for i in range(len(items)) for r in range(repeats)])
    slots = collector.samples

    async def worker() -> None:
        for index, repeat in pending:
            if should_stop is not None and collector.stop_reason is None:
                collector.stop_reason = should_stop()
            if collector.stop_reason is not None:
                return
            sample = await runner.run(items[index], repeat)
            slots[index][repeat] = sample
            if progress is not None:
                progress.advance(errors=1 if sample.error else 0)

    try:
        workers = min(concurrency, len(items) * repeats) or 1
        await asyncio.gather(*(worker() for _ in range(workers)))
    finally:
        if own_executor and executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)
    return collector


class _SampleRunner:
    def __init__(
        self,
        task: Task,
        evaluators: Sequence[Evaluator],
        timeout: float,
        executor: ThreadPoolExecutor | None,
    ) -> None:
        self.task = task
        self.evaluators = tuple(evaluators)
        self.timeout = timeout
        self.executor = executor

    async def _call_task(self, item: Item, repeat: int) -> TaskOutput:
        task = self.task
        if isinstance(task, PythonTask):
            if task.is_async:
                output = await task.function(item=item, **task.kwargs)
            else:
                loop = asyncio.get_running_loop()
                call = partial(task.function, item=item, **task.kwargs)
                output = await loop.run_in_executor(self.executor, call)
            return TaskOutput(output)
        return await task.run(item, repeat)

    async def run(self, item: Item, repeat: int) -> Sample:
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self.timeout):
                result = await self._call_task(item, repeat)
        except TimeoutError:
            latency = time.perf_counter() - started
            return Sample(repeat, None, latency, f"task timed out after {self.timeout:g}s")
        except Exception as exc:
            return Sample(repeat, None, time.perf_counter() - started, describe(exc))
        latency = time.perf_counter() - started
        scores: list[Score] = []
        for evaluator in self.evaluators:
            scores.extend(await self._evaluate(evaluator, item, result.output))
        return Sample(repeat, result.output, latency, None, tuple(scores), result.usage)

    async def _evaluate(self, evaluator: Evaluator, item: Item, output: Any) -> tuple[Score, ...]:
        try:
            async with asyncio.timeout(self.timeout):
                if evaluator.is_async:
                    raw = await evaluator.call(item, output)
                else:
                    # In a worker thread: a slow sync evaluator neither blocks the other
                    # samples nor escapes the timeout.
                    loop = asyncio.get_running_loop()
                    raw = await loop.run_in_executor(self.executor, evaluator.call, item, output)
            return evaluator.scores(raw)
        except TimeoutError:
            message = f"evaluator '{evaluator.name}' timed out after {self.timeout:g}s"
        except Exception as exc:
            message = f"evaluator '{evaluator.name}' failed: {describe(exc)}"
        return (Score(evaluator.name, None, error=message),)
