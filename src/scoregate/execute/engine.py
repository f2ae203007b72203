"""Run every item through the task and the evaluators with bounded concurrency.

A fixed set of workers pulls samples (item × repeat) from one shared iterator, so the cost
per sample is a few function calls, not a task object per item.

- A sync task runs in ``concurrency`` worker threads, each running whole samples (task and
  evaluators) with no hop through an event loop; a watchdog enforces the timeout, records the
  timed-out sample and replaces the stuck thread. So sync tasks are as concurrent as async
  ones, at a fraction of a thread pool's cost per sample. With no async evaluator (a judge)
  there is no event loop at all (``run_items_in_threads``), and asyncio is not even imported.
- An async task runs in ``concurrency`` coroutines; builtin evaluators run inline, user sync
  evaluators in one thread hop per sample (so they never block the loop), async ones awaited.

A failure in a task or an evaluator becomes an error on that sample; the run goes on.
Results come back in item order, not finishing order. A blocked event loop: see blocked.py.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from scoregate.execute import failures
from scoregate.execute.blocked import BlockedLoop, watching
from scoregate.execute.evaluators.evaluator import Evaluator
from scoregate.execute.failures import evaluator_error, evaluator_timed_out
from scoregate.execute.tasks import PythonTask
from scoregate.execute.watchdog import LoopBlocked
from scoregate.values.model import Item, ItemResult, Sample, Score, TaskOutput
from scoregate.values.storable import output_problem

if TYPE_CHECKING:
    import asyncio
    from concurrent.futures import ThreadPoolExecutor


class AsyncTask(Protocol):
    """A task that runs itself (an OpenAI prompt), as opposed to a user's function."""

    async def run(self, item: Item, repeat: int) -> TaskOutput: ...


Task = PythonTask | AsyncTask


class Progress(Protocol):
    def advance(self, samples: int = 1, *, errors: int = 0) -> None: ...


@dataclass
class Collector:
    """Holds finished samples so an interrupted run still keeps what finished."""

    items: Sequence[Item]
    repeats: int
    on_sample: Callable[[Item, Sample], None] | None = None
    """Told of each sample as it finishes (a run sink recording while the items run)."""

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
    on_stuck: Callable[[], None] | None = None,
) -> Collector:
    """Fill ``collector`` with one sample per item × repeat; return it. ``on_stuck``: see
    ``blocked.watching``."""
    collector = collector or Collector(items, repeats)
    run = _Run(items, evaluators, timeout, collector, progress, should_stop, repeats)
    with watching(run, on_stuck):
        if isinstance(task, PythonTask) and not task.is_async:
            await _ThreadedRun(run, task, concurrency).run()
            return collector
        own_executor = executor is None and any(not (e.is_async or e.inline) for e in evaluators)
        if own_executor:
            from concurrent.futures import ThreadPoolExecutor

            executor = ThreadPoolExecutor(concurrency, thread_name_prefix="scoregate-eval")
        try:
            await _AsyncRun(run, task, executor).run(concurrency)
        finally:
            if own_executor and executor is not None:
                executor.shutdown(wait=False, cancel_futures=True)
    return collector


def needs_event_loop(task: Task, evaluators: Sequence[Evaluator]) -> bool:
    """False for a sync task with sync evaluators: ``run_items_in_threads`` runs those."""
    sync_task = isinstance(task, PythonTask) and not task.is_async
    return not sync_task or any(e.is_async for e in evaluators)


def run_items_in_threads(
    items: Sequence[Item],
    task: PythonTask,
    evaluators: Sequence[Evaluator],
    *,
    concurrency: int,
    repeats: int,
    timeout: float,
    collector: Collector | None = None,
    progress: Progress | None = None,
    should_stop: Callable[[], str | None] | None = None,
) -> Collector:
    """``run_items`` without an event loop, where ``needs_event_loop`` says none is needed."""
    collector = collector or Collector(items, repeats)
    run = _Run(items, evaluators, timeout, collector, progress, should_stop, repeats)
    _ThreadedRun(run, task, concurrency).run_blocking()
    return collector


class _Run(BlockedLoop):
    """What both ways of running share: the work list, the results and the bookkeeping."""

    def __init__(
        self,
        items: Sequence[Item],
        evaluators: Sequence[Evaluator],
        timeout: float,
        collector: Collector,
        progress: Progress | None,
        should_stop: Callable[[], str | None] | None,
        repeats: int,
    ) -> None:
        self.items = items
        self.evaluators = tuple(evaluators)
        self.timeout = timeout
        self.collector = collector
        self.progress = progress
        self.should_stop = should_stop
        self.pending = iter([(i, r) for i in range(len(items)) for r in range(repeats)])
        self.total = len(items) * repeats
        self.interrupted = False  # Ctrl-C: worker threads take no new sample

    def next(self) -> tuple[int, int] | None:
        """The next sample to run, or None when all are taken or the run must stop."""
        collector = self.collector
        if self.interrupted:
            return None
        if self.should_stop is not None and collector.stop_reason is None:
            collector.stop_reason = self.should_stop()
        if collector.stop_reason is not None or self.blocked:
            return None
        return self.took(next(self.pending, None))

    def finish(self, index: int, repeat: int, sample: Sample) -> None:
        self.collector.samples[index][repeat] = sample
        if self.collector.on_sample is not None:
            self.collector.on_sample(self.collector.items[index], sample)
        if self.progress is not None:
            self.progress.advance(errors=1 if sample.error else 0)


def _evaluate_sync(evaluator: Evaluator, item: Item, output: Any) -> tuple[Score, ...]:
    try:
        return evaluator.scores(evaluator.call(item, output))
    except BaseException as exc:
        return failures.evaluator_failed(evaluator, exc)


class _AsyncRun:
    def __init__(self, run: _Run, task: Task, executor: ThreadPoolExecutor | None) -> None:
        self.run_state = run
        self.task = task
        self.executor = executor
        evaluators = run.evaluators
        self.blocking = tuple(e for e in evaluators if not (e.is_async or e.inline))

    async def run(self, concurrency: int) -> None:
        import asyncio

        state = self.run_state
        workers = min(concurrency, state.total) or 1

        async def worker() -> None:
            while (work := state.next()) is not None:
                index, repeat = work
                sample = self.sample(state.items[index], repeat)
                state.finish(index, repeat, await state.unless_blocked(sample, repeat))

        await asyncio.gather(*(worker() for _ in range(workers)))

    async def _call_task(self, item: Item, repeat: int) -> TaskOutput:
        task = self.task
        if isinstance(task, PythonTask):
            return TaskOutput(await task.function(item=item, **task.kwargs))
        return await task.run(item, repeat)

    async def sample(self, item: Item, repeat: int) -> Sample:
        import asyncio

        state = self.run_state
        started = time.perf_counter()
        try:
            async with asyncio.timeout(state.timeout):
                result = await self._call_task(item, repeat)
        except (TimeoutError, LoopBlocked):
            remote = not isinstance(self.task, PythonTask)
            return failures.task_timed_out(state, repeat, started, remote=remote)
        except BaseException as exc:
            return failures.task_failed(repeat, started, exc)
        latency = time.perf_counter() - started + result.replayed_latency
        output, problem = output_problem(result.output)  # unstorable: an error, not scored
        found: dict[str, tuple[Score, ...]] = {}
        if self.blocking and problem is None:
            found.update(await self._in_thread(item, output))
        scores: list[Score] = []
        for evaluator in state.evaluators if problem is None else ():
            if evaluator.inline:
                scores.extend(_evaluate_sync(evaluator, item, output))
            elif evaluator.is_async:
                scores.extend(await self._evaluate_async(evaluator, item, output))
            else:
                scores.extend(found[evaluator.name])
        return Sample(repeat, output, latency, problem, tuple(scores), result.usage)

    async def _in_thread(self, item: Item, output: Any) -> dict[str, tuple[Score, ...]]:
        """The user's sync evaluators, together in one worker thread, under the timeout."""
        state = self.run_state
        progress: dict[str, tuple[Score, ...]] = {}

        def evaluate_all() -> None:
            for evaluator in self.blocking:
                progress[evaluator.name] = _evaluate_sync(evaluator, item, output)

        import asyncio

        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(state.timeout):
                await loop.run_in_executor(self.executor, evaluate_all)
        except TimeoutError:
            for evaluator in self.blocking:
                if evaluator.name not in progress:
                    progress[evaluator.name] = (evaluator_timed_out(state, evaluator),)
        return dict(progress)

    async def _evaluate_async(
        self, evaluator: Evaluator, item: Item, output: Any
    ) -> tuple[Score, ...]:
        import asyncio

        state = self.run_state
        try:
            async with asyncio.timeout(state.timeout):
                raw = await evaluator.call(item, output)
            return evaluator.scores(raw)
        except (TimeoutError, LoopBlocked):
            return (evaluator_timed_out(state, evaluator),)
        except BaseException as exc:
            return failures.evaluator_failed(evaluator, exc)


@dataclass
class _Slot:
    """What one worker thread is doing, for the watchdog."""

    index: int
    repeat: int
    phase: str
    since: float
    output: Any = None
    scores: tuple[Score, ...] = ()
    task_latency: float = 0.0


class _ThreadedRun:
    """Sync tasks: worker threads run whole samples; the event loop only keeps time."""

    def __init__(self, run: _Run, task: PythonTask, concurrency: int) -> None:
        self.run_state = run
        self.task = task
        self.concurrency = min(concurrency, run.total) or 1
        self.lock = threading.Lock()
        self.slots: dict[int, _Slot] = {}
        self.abandoned: set[int] = set()
        self.live = 0
        self.next_id = 0
        self.tick = min(0.05, run.timeout / 4)
        self.done = threading.Event()
        # Set when async evaluators need a loop (run) rather than none (run_blocking).
        self.loop: asyncio.AbstractEventLoop | None = None
        self.all_done: asyncio.Event | None = None

    def _start_workers(self) -> None:
        with self.lock:
            for _ in range(self.concurrency):
                self._start_worker()

    def run_blocking(self) -> None:
        """The calling thread is the watchdog until the last worker ends."""
        self._start_workers()
        try:
            while not self.done.wait(self.tick):
                self._watch()
        except BaseException:  # Ctrl-C: the threads finish what they hold and take no more
            self.run_state.interrupted = True
            raise

    async def run(self) -> None:
        """The event loop is the watchdog, and runs the async evaluators."""
        import asyncio

        self.loop = asyncio.get_running_loop()
        self.all_done = asyncio.Event()
        self._start_workers()
        try:
            while True:
                try:
                    await asyncio.wait_for(self.all_done.wait(), self.tick)
                    return
                except TimeoutError:
                    self._watch()
        except BaseException:  # cancelled by Ctrl-C
            self.run_state.interrupted = True
            raise

    def _start_worker(self) -> None:
        """Called with the lock held."""
        worker_id = self.next_id
        self.next_id += 1
        self.live += 1
        thread = threading.Thread(
            target=self._worker, args=(worker_id,), name=f"scoregate-task-{worker_id}", daemon=True
        )
        thread.start()

    def _worker_gone(self) -> None:
        """Called with the lock held, as a worker thread ends."""
        self.live -= 1
        if self.live == 0:
            self.done.set()
            if self.loop is not None and self.all_done is not None:
                with contextlib.suppress(RuntimeError):  # the loop closed (after Ctrl-C)
                    self.loop.call_soon_threadsafe(self.all_done.set)

    def _watch(self) -> None:
        state = self.run_state
        now = time.perf_counter()
        with self.lock:
            for worker_id, slot in list(self.slots.items()):
                if now - slot.since <= state.timeout:
                    continue
                # The thread cannot be stopped: record the timeout, abandon it, replace it.
                del self.slots[worker_id]
                self.abandoned.add(worker_id)
                if slot.phase == "task":
                    sample = Sample(slot.repeat, None, now - slot.since, state.timed_out("task"))
                else:
                    evaluator = next(e for e in state.evaluators if e.name == slot.phase)
                    error = evaluator_timed_out(state, evaluator)
                    sample = Sample(
                        slot.repeat, slot.output, slot.task_latency, None, (*slot.scores, error)
                    )
                state.finish(slot.index, slot.repeat, sample)
                self._start_worker()
                self._worker_gone()

    def _worker(self, worker_id: int) -> None:
        state = self.run_state
        try:
            while True:
                with self.lock:
                    if worker_id in self.abandoned:
                        return
                    work = state.next()
                    if work is None:
                        self._worker_gone()
                        return
                    slot = _Slot(work[0], work[1], "task", time.perf_counter())
                    self.slots[worker_id] = slot
                sample = self._sample(slot)
                with self.lock:
                    if worker_id in self.abandoned:
                        return
                    del self.slots[worker_id]
                    state.finish(slot.index, slot.repeat, sample)
        except BaseException:
            with self.lock:
                if worker_id not in self.abandoned:
                    self._worker_gone()
            raise

    def _sample(self, slot: _Slot) -> Sample:
        state = self.run_state
        item = state.items[slot.index]
        task = self.task
        started = slot.since
        try:
            output, problem = output_problem(task.function(item=item, **task.kwargs))
        except BaseException as exc:
            # A worker thread never receives Ctrl-C (signals go to the main thread): whatever
            # the task raised, SystemExit and KeyboardInterrupt included, is its own failure.
            return failures.task_error(slot.repeat, started, exc)
        latency = time.perf_counter() - started
        slot.output, slot.task_latency = output, latency
        scores: tuple[Score, ...] = ()
        for evaluator in state.evaluators if problem is None else ():
            slot.phase, slot.since, slot.scores = evaluator.name, time.perf_counter(), scores
            if evaluator.is_async:
                scores += self._evaluate_on_loop(evaluator, item, output)
            else:
                scores += _evaluate_sync(evaluator, item, output)
        return Sample(slot.repeat, output, latency, problem, scores)

    def _evaluate_on_loop(self, evaluator: Evaluator, item: Item, output: Any) -> tuple[Score, ...]:
        """An async evaluator (a judge) runs on the event loop; this thread waits for it."""
        import asyncio

        assert self.loop is not None
        future = asyncio.run_coroutine_threadsafe(
            failures.contained(evaluator.call(item, output)), self.loop
        )
        try:
            raw, failure = future.result(self.run_state.timeout)
            if failure is not None:
                return (evaluator_error(evaluator, failure),)
            return evaluator.scores(raw)
        except (TimeoutError, LoopBlocked):
            future.cancel()
            return (evaluator_timed_out(self.run_state, evaluator),)
        except BaseException as exc:
            return failures.evaluator_failed(evaluator, exc)
