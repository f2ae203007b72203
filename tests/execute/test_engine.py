"""engine.py: real concurrency, errors and timeouts recorded per sample, dataset order kept."""

from __future__ import annotations

import _thread
import asyncio
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from scoregate.execute.engine import Collector, needs_event_loop, run_items, run_items_in_threads
from scoregate.execute.evaluators.evaluator import Evaluator
from scoregate.execute.evaluators.results import to_scores
from scoregate.execute.tasks import PythonTask
from scoregate.values.model import Item, ItemResult, Score


def items(n: int) -> list[Item]:
    return [Item(f"item-{i:02d}", {"n": i}, str(i), {"index": i}) for i in range(n)]


@pytest.fixture(autouse=True, params=["event loop", "no event loop"])
def way(request: pytest.FixtureRequest) -> str:
    """Every test runs both ways a sync task can run: under asyncio, and with no loop at all."""
    global WAY
    WAY = request.param
    return WAY


WAY = "event loop"


def run(
    task: Callable[..., Any],
    dataset: Sequence[Item],
    evaluators: Sequence[Evaluator] = (),
    *,
    concurrency: int = 4,
    repeats: int = 1,
    timeout: float = 5.0,
    **kwargs: Any,
) -> tuple[ItemResult, ...]:
    python_task = PythonTask(task, kwargs, asyncio.iscoroutinefunction(task))
    settings: dict[str, Any] = {
        "concurrency": concurrency,
        "repeats": repeats,
        "timeout": timeout,
    }
    if WAY == "no event loop" and not needs_event_loop(python_task, evaluators):
        return run_items_in_threads(dataset, python_task, evaluators, **settings).results()
    return asyncio.run(run_items(dataset, python_task, evaluators, **settings)).results()


def evaluator(name: str, function: Callable[..., Any], *, is_async: bool = False) -> Evaluator:
    def scores(raw: Any) -> tuple[Score, ...]:
        return to_scores(raw, name, None)

    return Evaluator(name, function, scores, is_async)


def test_both_item_access_styles() -> None:
    def task(*, item: Any) -> str:
        by_attribute = (item.id, item.input["n"], item.expected_output, item.metadata["index"])
        by_key = (item["id"], item["input"]["n"], item["expected_output"], item["metadata"])
        assert by_key[3] == {"index": by_attribute[3]}
        return f"{by_attribute[0]}|{by_key[1]}|{by_attribute[2]}|{by_key[3]['index']}"

    results = run(task, items(3))
    assert [r.samples[0].output for r in results] == [
        "item-00|0|0|0",
        "item-01|1|1|1",
        "item-02|2|2|2",
    ]
    assert all(r.samples[0].error is None for r in results)


def test_task_kwargs_are_passed() -> None:
    def task(*, item: Item, prefix: str) -> str:
        return prefix + item.id

    (result,) = run(task, items(1), prefix="answer to ")
    assert result.samples[0].output == "answer to item-00"


def test_sync_task_runs_concurrently_in_worker_threads() -> None:
    threads: set[str] = set()
    lock = threading.Lock()
    # Each task returns only once 10 tasks are running together: run one at a time, they
    # would break the barrier (after its timeout) and be errors.
    together = threading.Barrier(10, timeout=30)

    def task(*, item: Item) -> str:
        with lock:
            threads.add(threading.current_thread().name)
        together.wait()
        return item.id

    results = run(task, items(20), concurrency=10, timeout=60)
    assert [r.samples[0].output for r in results] == [i.id for i in items(20)]
    assert threading.main_thread().name not in threads
    assert len(threads) >= 5
    assert all(name.startswith("scoregate-task") for name in threads)


def test_async_task_runs_concurrently() -> None:
    in_flight = 0
    most = 0

    async def task(*, item: Item) -> str:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        await asyncio.sleep(0.2)
        in_flight -= 1
        return item.id

    results = run(task, items(20), concurrency=10)
    assert most == 10
    assert len(results) == 20


@pytest.mark.parametrize("style", ["sync", "async"])
def test_results_come_back_in_dataset_order_whatever_finishes_first(style: str) -> None:
    finished: list[str] = []
    # Item 00 waits until item 05 finished, so they finish out of order.
    later = "item-05"
    sync_done = threading.Event()
    async_done: list[asyncio.Event] = []

    async def async_task(*, item: Item) -> str:
        if not async_done:
            async_done.append(asyncio.Event())
        if item.id == "item-00":
            await asyncio.wait_for(async_done[0].wait(), 30)
        finished.append(item.id)
        if item.id == later:
            async_done[0].set()
        return item.id

    def sync_task(*, item: Item) -> str:
        if item.id == "item-00":
            assert sync_done.wait(30)
        finished.append(item.id)
        if item.id == later:
            sync_done.set()
        return item.id

    task = async_task if style == "async" else sync_task
    results = run(task, items(30), concurrency=8, repeats=2, timeout=60)
    assert finished.index(later) < finished.index("item-00")
    assert [r.item.id for r in results] == [i.id for i in items(30)]
    assert all([s.index for s in r.samples] == [0, 1] for r in results)
    assert all(s.output == r.item.id for r in results for s in r.samples)


def test_task_exceptions_are_sample_errors_and_the_run_goes_on() -> None:
    def task(*, item: Item) -> str:
        if item.id in ("item-01", "item-03"):
            raise RuntimeError(f"model refused {item.id}")
        if item.id == "item-04":
            raise KeyError("question")
        return item.expected_output  # type: ignore[no-any-return]

    scored = evaluator("correct", lambda item, output: output == item.expected_output)
    results = run(task, items(5), [scored])
    assert [(r.item.id, r.samples[0].error) for r in results] == [
        ("item-00", None),
        ("item-01", "RuntimeError: model refused item-01"),
        ("item-02", None),
        ("item-03", "RuntimeError: model refused item-03"),
        ("item-04", "KeyError: 'question'"),
    ]
    assert results[0].samples[0].scores == (Score("correct", 1.0, raw=True),)
    assert results[1].samples[0].scores == ()
    assert results[1].samples[0].output is None


def test_sync_and_async_task_timeouts_are_sample_errors() -> None:
    release = threading.Event()

    def slow_sync(*, item: Item) -> str:
        if item.id == "item-01":
            release.wait(30)  # until the test ends: far past the timeout
        return "done"

    async def slow_async(*, item: Item) -> str:
        if item.id == "item-01":
            await asyncio.sleep(30)
        return "done"

    try:
        for task in (slow_sync, slow_async):
            results = run(task, items(3), timeout=0.5)
            errors = [r.samples[0].error for r in results]
            assert errors == [None, "task timed out after 0.5s", None]
            assert [r.samples[0].output for r in results] == ["done", None, "done"]
            assert results[1].samples[0].latency >= 0.45
    finally:
        release.set()


def test_evaluator_exceptions_and_timeouts_are_recorded_on_the_sample() -> None:
    def broken(item: Item, output: Any) -> float:
        raise ZeroDivisionError("division by zero")

    async def slow(item: Item, output: Any) -> float:
        await asyncio.sleep(30 if item.id == "item-01" else 0)
        return 1.0

    async def task(*, item: Item) -> str:
        return "out"

    results = run(
        task,
        items(2),
        [evaluator("broken", broken), evaluator("slow", slow, is_async=True)],
        timeout=0.5,
    )
    first, second = (r.samples[0] for r in results)
    assert first.error is None
    assert first.output == "out"
    assert first.scores == (
        Score(
            "broken", None, error="evaluator 'broken' failed: ZeroDivisionError: division by zero"
        ),
        Score("slow", 1.0, raw=1.0),
    )
    assert second.scores[1] == Score("slow", None, error="evaluator 'slow' timed out after 0.5s")


def test_repeats_make_one_sample_each() -> None:
    calls: list[str] = []
    lock = threading.Lock()

    def task(*, item: Item) -> str:
        with lock:
            calls.append(item.id)
        return item.id

    results = run(task, items(3), repeats=3)
    assert sorted(calls) == sorted([i.id for i in items(3)] * 3)
    assert [len(r.samples) for r in results] == [3, 3, 3]


def test_should_stop_keeps_what_finished() -> None:
    dataset = items(10)
    collector = Collector(dataset, 1)
    done = 0

    async def task(*, item: Item) -> str:
        nonlocal done
        done += 1
        return item.id

    asyncio.run(
        run_items(
            dataset,
            PythonTask(task, {}, True),
            (),
            concurrency=1,
            repeats=1,
            timeout=1,
            collector=collector,
            should_stop=lambda: "budget spent" if done >= 4 else None,
        )
    )
    assert collector.stop_reason == "budget spent"
    assert [r.item.id for r in collector.results()] == [i.id for i in dataset[:4]]


def test_sync_evaluators_run_off_the_event_loop_within_the_timeout() -> None:
    # Nine judges return only once all nine run together (one at a time on the loop, they
    # would break the barrier); the tenth blocks past the timeout.
    together = threading.Barrier(9, timeout=30)
    release = threading.Event()

    def judge(item: Item, output: Any) -> float:
        if item.id == "item-01":
            release.wait(30)
        else:
            together.wait()
        return 1.0

    async def task(*, item: Item) -> str:
        return "out"

    try:
        results = run(task, items(10), [evaluator("judge", judge)], concurrency=10, timeout=2)
    finally:
        release.set()
    assert [r.samples[0].scores[0].error for r in results] == [
        None,
        "evaluator 'judge' timed out after 2s",
        *[None] * 8,
    ]
    assert results[0].samples[0].scores[0].value == 1.0


def test_an_event_loop_is_needed_only_for_async_tasks_or_async_evaluators() -> None:
    def sync_task(*, item: Any) -> str:
        return "x"

    async def async_task(*, item: Any) -> str:
        return "x"

    async def judge(*, output: Any, **_: Any) -> float:
        return 1.0

    sync, coroutine = PythonTask(sync_task, {}, False), PythonTask(async_task, {}, True)
    plain = evaluator("plain", lambda **_: 1.0)
    assert not needs_event_loop(sync, [plain])
    assert needs_event_loop(sync, [plain, evaluator("judge", judge, is_async=True)])
    assert needs_event_loop(coroutine, [plain])


def test_a_run_with_no_event_loop_never_imports_asyncio(tmp_path: Path) -> None:
    script = """
import sys
from scoregate.execute.engine import run_items_in_threads
from scoregate.values.model import Item
from scoregate.execute.tasks import PythonTask
task = PythonTask(lambda *, item: item.input * 2, {}, False)
items = [Item(str(i), i) for i in range(20)]
results = run_items_in_threads(items, task, [], concurrency=4, repeats=1, timeout=5).results()
print([r.samples[0].output for r in results], "asyncio" in sys.modules)
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=tmp_path
    )
    assert done.stdout.strip() == f"{[2 * i for i in range(20)]} False"


def test_after_ctrl_c_worker_threads_take_no_new_sample() -> None:
    started: list[int] = []

    def task(*, item: Any) -> int:
        started.append(item.input["n"])
        if len(started) == 8:
            _thread.interrupt_main()  # Ctrl-C, as the main thread sees it
        time.sleep(0.02)
        return 1

    python_task = PythonTask(task, {}, False)
    with pytest.raises(KeyboardInterrupt):
        if WAY == "no event loop":
            run_items_in_threads(items(200), python_task, [], concurrency=4, repeats=1, timeout=5)
        else:
            asyncio.run(run_items(items(200), python_task, [], concurrency=4, repeats=1, timeout=5))
    # The workers end once they finish what they hold; had they taken new samples, they would
    # end only after the other 188.
    for thread in threading.enumerate():
        if thread.name.startswith("scoregate-task"):
            thread.join(60)
            assert not thread.is_alive()
    assert 8 <= len(started) <= 8 + 4
