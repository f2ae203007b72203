"""Latency noise benchmark: how often ``latency: {max_increase: 0.25}`` false-fails when the same
task runs twice, on a loaded machine.

Run:  .venv/bin/python bench/latency_noise.py                 (100 decisions per cell)
      .venv/bin/python bench/latency_noise.py --quick         (20 decisions per cell)
      .venv/bin/python bench/latency_noise.py --decisions 300 --items 100

Nothing is simulated but the task: each decision runs the same task twice over the same items
with scoregate's own engine (a sync Python task in worker threads, as ``scoregate run`` runs
one), makes the two runs real ``RunRecord`` values, and applies the gate's real check
(``decide.compare.compare`` then ``decide.gate.evaluate`` with ``latency: {max_increase:
0.25}``), once with ``significance: 0.05`` (the default) and once with it off, and with the
looser limits 0.5 and 1.0 (significance 0.05). Every failure is a false fail: the task did
not change.

Tasks (item ``i`` does ``1 + i % 5`` units of work, so items differ as prompts do):

* ``waits``: what an LLM application mostly does: wait on a model server (``time.sleep``,
  10 ms a unit) and a little CPU work (about 0.5 ms a unit: parsing, templating);
* ``computes``: CPU work only (about 4 ms a unit: a local model, heavy parsing).

Load: ``both loaded`` runs both runs while one busy-looping process per core keeps every core
busy (a shared CI runner); ``quiet → loaded`` runs the baseline with no extra load and the
candidate with it (a baseline recorded on one runner, the candidate on a busier one).
``quiet`` adds no load (on a shared machine, "quiet" means whatever the others do).
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing
import os
import signal
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from scoregate.config.model import GateConfig, MetricThresholds
from scoregate.decide.compare import compare
from scoregate.decide.gate import evaluate
from scoregate.execute.engine import run_items_in_threads
from scoregate.execute.tasks import PythonTask
from scoregate.values.model import Item, RunRecord

MAX_INCREASE = 0.25
WIDER = (0.5, 1.0)
"""Looser limits also applied to the same decisions (with significance 0.05)."""
CONCURRENCY = 4


def _cpu(units: float) -> None:
    """About 4 ms of hashing per unit on an idle core of the machine this was written on."""
    data = b"x" * 1024
    for _ in range(int(units * 400)):
        data = hashlib.sha256(data).digest() * 32


def waits(*, item: Item) -> str:
    units = 1 + int(item.id) % 5
    _cpu(units / 8)
    time.sleep(0.010 * units)
    return "ok"


def computes(*, item: Item) -> str:
    _cpu(1 + int(item.id) % 5)
    return "ok"


TASKS: dict[str, Callable[..., str]] = {"waits": waits, "computes": computes}


def _spin() -> None:  # pragma: no cover - a child process
    while True:
        pass


class Load:
    """One busy-looping process per core, paused (SIGSTOP) and resumed (SIGCONT) at will."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        count = os.cpu_count() or 2
        self.workers = [context.Process(target=_spin, daemon=True) for _ in range(count)]
        for worker in self.workers:
            worker.start()
        self.on = True
        self.set(False)

    def set(self, on: bool) -> None:
        if on == self.on:
            return
        for worker in self.workers:
            assert worker.pid is not None
            os.kill(worker.pid, signal.SIGCONT if on else signal.SIGSTOP)
        self.on = on
        if on:
            time.sleep(0.1)  # let the scheduler see them

    def close(self) -> None:
        self.set(True)
        for worker in self.workers:
            worker.terminate()
        for worker in self.workers:
            worker.join()


def one_run(task: Callable[..., str], items: list[Item], run_id: str) -> RunRecord:
    collector = run_items_in_threads(
        items,
        PythonTask(task, {}, False, task.__name__),
        (),
        concurrency=CONCURRENCY,
        repeats=1,
        timeout=60.0,
    )
    return RunRecord("bench", run_id, collector.results())


def decide(baseline: RunRecord, candidate: RunRecord) -> dict[str, Any]:
    comparison = compare(candidate, baseline)
    found: dict[str, Any] = {}
    limits_tried = [("sig", MAX_INCREASE, 0.05), ("off", MAX_INCREASE, None)]
    limits_tried += [(f"sig {wider}", wider, 0.05) for wider in WIDER]
    for label, limit, level in limits_tried:
        limits = MetricThresholds(max_increase=limit, significance=level)
        gate = GateConfig(metrics={"latency": limits}, max_error_rate=1.0)
        check = next(c for c in evaluate(comparison, gate) if c.score == "latency")
        found[label] = check.status == "fail"
    metric = comparison.metric("latency")
    assert metric is not None and metric.increase is not None
    found["increase"] = metric.increase
    return found


CELLS = {
    "quiet": (False, False),
    "both loaded": (True, True),
    "quiet → loaded": (False, True),
}


def run_cell(task_name: str, load: str, decisions: int, n_items: int, busy: Load) -> dict[str, Any]:
    task = TASKS[task_name]
    items = [Item(str(i), {"question": i}) for i in range(n_items)]
    base_load, cand_load = CELLS[load]
    results = []
    for d in range(decisions):
        busy.set(base_load)
        baseline = one_run(task, items, f"b{d}")
        busy.set(cand_load)
        candidate = one_run(task, items, f"c{d}")
        results.append(decide(baseline, candidate))
    busy.set(False)
    increases = sorted(abs(r["increase"]) for r in results)
    return {
        "sig": sum(r["sig"] for r in results) / decisions,
        "off": sum(r["off"] for r in results) / decisions,
        **{f"sig {w}": sum(r[f"sig {w}"] for r in results) / decisions for w in WIDER},
        "median": statistics.median(r["increase"] for r in results),
        "p95_abs": increases[min(len(increases) - 1, int(0.95 * len(increases)))],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--decisions", type=int, default=100)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--tasks", nargs="*", default=list(TASKS))
    parser.add_argument("--loads", nargs="*", default=list(CELLS))
    args = parser.parse_args(argv)
    decisions = 20 if args.quick else args.decisions
    print(
        f"latency max_increase {MAX_INCREASE} on an unchanged task, {args.items} items, "
        f"concurrency {CONCURRENCY}, {decisions} decisions a cell, {os.cpu_count()} cores"
    )
    print(
        f"{'task':<9} {'load':<15} {'false fails (sig 0.05)':>23} {'(significance off)':>19} "
        f"{'median change':>14} {'95% of |change| ≤':>18}"
        + "".join(f" {f'max_increase {w}':>17}" for w in WIDER)
    )
    started = time.perf_counter()
    busy = Load()
    try:
        for task_name in args.tasks:
            for load in args.loads:
                cell = run_cell(task_name, load, decisions, args.items, busy)
                print(
                    f"{task_name:<9} {load:<15} {cell['sig']:>23.1%} {cell['off']:>19.1%} "
                    f"{cell['median']:>+14.1%} {cell['p95_abs']:>18.1%}"
                    + "".join(f" {cell[f'sig {w}']:>17.1%}" for w in WIDER),
                    flush=True,
                )
    finally:
        busy.close()
    print(f"({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
