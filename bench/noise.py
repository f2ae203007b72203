"""Noise benchmark: how often the gate's ``max_drop`` check fails, with and without significance.

Run:  .venv/bin/python bench/noise.py                  (2,000 decisions per cell; prints a table)
      .venv/bin/python bench/noise.py --quick          (200 decisions per cell, a smoke check)
      .venv/bin/python bench/noise.py --full           (every decision through run records)
      .venv/bin/python bench/noise.py --decisions 5000 --processes 2

No model is called. Every simulated decision draws a dataset of items with a true quality
``q ~ Beta(5, 2)`` (mean 0.71) and scores a baseline and a candidate run independently around
it, ``repeats`` samples per item:

* judge noise ``sd 0.05 | 0.1 | 0.2``: a sample's score is ``clip(q + N(0, sd), 0, 1)``;
* ``pass/fail``: a sample's score is 1 with probability ``q``, else 0.

The candidate's true quality is the baseline's (``no change``), ``clip(q - 0.05)`` for every
item (``every item 0.05 worse``), or ``clip(q - 0.5)`` for a random 10% of the items (``10% of
items 0.5 worse``). The two runs become real ``RunRecord`` values; ``scoregate.decide.compare.compare``
pairs them and ``scoregate.decide.gate.evaluate`` applies ``max_drop: 0.02`` to the score, once with
``significance: 0.05`` (the default: the one-sided sign-flip test with mid-p, ties counted one
half) and once with ``significance: off``. A decision is "fail" when the ``max_drop`` check's
status is ``fail``. On the same paired item means (each item's
mean over its samples, as compare computes them), two reference rules are applied with the
same tolerance: a paired t-test and a Wilcoxon signed-rank test (scipy, one-sided "candidate
worse"), each failing when the mean delta is below ``-0.02`` *and* p < 0.05.

Targets (issue 3): under ``no change`` our rule fails at most 6% of runs in every cell; under a
drop it detects no less than 3 points below the better of t-test and Wilcoxon, and at least 80%
of "every item 0.05 worse" on 200 items at sd 0.1.

``--errors`` (issue 13) measures instead what app errors on the broken items do to detection:
in ``10% of items 0.5 worse``, each sample of a broken item is an app error (its task raised)
with probability one half, about 5% of all samples, so within a ``max_error_rate`` of 0.05.
Per cell: our rule with no error, with the errored samples counted as 0 (what compare does),
and with them dropped from the pairs (what it did before: an item left with no sample left out).
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import os
import sys
import time
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from scoregate.config.model import GateConfig, Thresholds
from scoregate.decide import stats
from scoregate.decide.compare import compare
from scoregate.decide.gate import drop_fails, evaluate
from scoregate.values.model import Comparison, Item, ItemResult, RunRecord, Sample, Score, ScoreDef

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

MAX_DROP = 0.02
SIGNIFICANCE = 0.05
NOISES = ("sd 0.05", "sd 0.1", "sd 0.2", "pass/fail")
SIZES = (50, 200, 1000)
REPEATS = (1, 3)
NO_CHANGE = "no change"
EVERY_ITEM = "every item 0.05 worse"
FEW_ITEMS = "10% of items 0.5 worse"
SCENARIOS = (NO_CHANGE, EVERY_ITEM, FEW_ITEMS)
RULES = ("ours", "plain", "t-test", "wilcoxon")
SCORE = "quality"
FALSE_FAIL_TARGET = 0.06
DETECTION_MARGIN = 0.03
DETECTION_TARGET = 0.80
CHUNK = 250

OURS = GateConfig(scores={SCORE: Thresholds(max_drop=MAX_DROP, significance=SIGNIFICANCE)})
PLAIN = GateConfig(scores={SCORE: Thresholds(max_drop=MAX_DROP, significance=None)})


@dataclass(frozen=True, slots=True)
class Cell:
    noise: str
    items: int
    repeats: int
    scenario: str

    @property
    def key(self) -> tuple[str, int, int]:
        return self.noise, self.items, self.repeats


@dataclass(frozen=True, slots=True)
class Job:
    cell_index: int
    cell: Cell
    first: int
    count: int
    full_below: int
    """Decisions numbered below this go through compare + evaluate on real run records."""
    fast: bool
    """The other decisions use stats.paired_stats + gate.drop_fails (and those through
    records are checked against them)."""


def cells() -> list[Cell]:
    return [
        Cell(noise, n, r, scenario)
        for noise in NOISES
        for n in SIZES
        for r in REPEATS
        for scenario in SCENARIOS
    ]


_ITEMS: dict[int, tuple[Item, ...]] = {}
_DEFS = {SCORE: ScoreDef(SCORE, 0.5, None, "python")}


def _items(n: int) -> tuple[Item, ...]:
    if n not in _ITEMS:
        _ITEMS[n] = tuple(Item(f"item-{i:04d}", {"i": i}) for i in range(n))
    return _ITEMS[n]


def _record(run_id: str, scores: NDArray[np.float64]) -> RunRecord:
    """A run record of one score; ``scores`` is (items x repeats)."""
    results = tuple(
        ItemResult(
            item,
            tuple(
                Sample(index, None, 0.0, None, (Score(SCORE, value),))
                for index, value in enumerate(row)
            ),
        )
        for item, row in zip(_items(len(scores)), scores.tolist(), strict=True)
    )
    return RunRecord(
        experiment="bench",
        run_id=run_id,
        items=results,
        score_defs=_DEFS,
        repeats=scores.shape[1],
    )


def _observe(
    rng: np.random.Generator, quality: NDArray[np.float64], noise: str, repeats: int
) -> NDArray[np.float64]:
    import numpy as np

    shape = (quality.size, repeats)
    expected = np.repeat(quality[:, np.newaxis], repeats, axis=1)
    if noise == "pass/fail":
        return (rng.random(shape) < expected).astype(np.float64)
    sd = float(noise.removeprefix("sd "))
    return np.clip(expected + rng.normal(0.0, sd, shape), 0.0, 1.0)


def _candidate_quality(
    rng: np.random.Generator, quality: NDArray[np.float64], scenario: str
) -> NDArray[np.float64]:
    import numpy as np

    if scenario == NO_CHANGE:
        return quality
    if scenario == EVERY_ITEM:
        return np.clip(quality - 0.05, 0.0, 1.0)
    worse = quality.copy()
    hit = rng.choice(quality.size, size=max(1, quality.size // 10), replace=False)
    worse[hit] = np.clip(worse[hit] - 0.5, 0.0, 1.0)
    return worse


def _max_drop_status(gate: GateConfig, comparison: Comparison) -> bool:
    for check in evaluate(comparison, gate):
        if check.kind == "max_drop":
            return check.status == "fail"
    raise AssertionError("the gate produced no max_drop check")


def _reference_fails(deltas: NDArray[np.float64]) -> tuple[bool, bool]:
    """(t-test rule, Wilcoxon rule): mean delta below -MAX_DROP and one-sided p < 0.05."""
    import numpy as np
    from scipy import stats as sps  # type: ignore[import-untyped]

    too_large = -float(deltas.mean()) > MAX_DROP + 1e-12
    if not too_large:
        return False, False
    if np.all(deltas == deltas[0]):
        # No spread: the t statistic is undefined; every item dropped by the same amount.
        return True, True
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p_t = float(sps.ttest_1samp(deltas, 0.0, alternative="less").pvalue)
        try:
            p_w = float(sps.wilcoxon(deltas, alternative="less").pvalue)
        except ValueError:  # every delta zero
            p_w = 1.0
    return p_t < SIGNIFICANCE, p_w < SIGNIFICANCE


def _item_means(scores: NDArray[np.float64]) -> list[float]:
    """Each item's mean over its samples, as compare.columns computes it (math.fsum / n)."""
    rows = scores.tolist()
    if scores.shape[1] == 1:
        return [row[0] for row in rows]
    return [math.fsum(row) / len(row) for row in rows]


def _gate_on_deltas(deltas: list[float]) -> tuple[bool, bool]:
    """(ours, plain): what compare + evaluate decide, from the functions they call."""
    paired = stats.paired_stats(deltas, alpha=SIGNIFICANCE)
    assert paired is not None
    return (
        drop_fails(paired.mean_delta, paired.p_worse, MAX_DROP, SIGNIFICANCE),
        drop_fails(paired.mean_delta, paired.p_worse, MAX_DROP, None),
    )


def _gate_on_records(
    cand_scores: NDArray[np.float64], base_scores: NDArray[np.float64]
) -> tuple[bool, bool]:
    """(ours, plain): the max_drop check of compare + evaluate on two real run records."""
    comparison = compare(
        _record("cand", cand_scores), _record("base", base_scores), alpha=SIGNIFICANCE
    )
    return _max_drop_status(OURS, comparison), _max_drop_status(PLAIN, comparison)


ERROR_SHARE = 0.5
"""Of the broken items' samples, the share that are app errors (``--errors``)."""
ERROR_COLUMNS = ("no errors", "errors counted as 0", "errors dropped (before)")


def _record_with_errors(
    run_id: str, scores: NDArray[np.float64], errors: NDArray[np.bool_]
) -> RunRecord:
    """Like ``_record``, with the samples flagged in ``errors`` failed (the task raised)."""
    results = tuple(
        ItemResult(
            item,
            tuple(
                Sample(index, None, 0.0, "RuntimeError: broken", error_kind="app")
                if failed
                else Sample(index, None, 0.0, None, (Score(SCORE, value),))
                for index, (value, failed) in enumerate(zip(row, flags, strict=True))
            ),
        )
        for item, row, flags in zip(
            _items(len(scores)), scores.tolist(), errors.tolist(), strict=True
        )
    )
    return RunRecord("bench", run_id, results, _DEFS, repeats=scores.shape[1])


def _paired(before: list[float], now: list[float | None]) -> list[float]:
    return [b - a for a, b in zip(before, now, strict=True) if b is not None]


def run_errors_job(job: Job) -> tuple[int, list[int], int, int]:
    """``--errors``: counts of "fail" decisions of our rule per ERROR_COLUMNS for one slice,
    the decisions also run through records, and how many of those disagreed (must be 0)."""
    import numpy as np

    cell = job.cell
    fails = [0] * len(ERROR_COLUMNS)
    checked = mismatches = 0
    for decision in range(job.first, job.first + job.count):
        rng = np.random.default_rng([1_000 + job.cell_index, decision])
        quality = rng.beta(5.0, 2.0, size=cell.items)
        broken = rng.choice(cell.items, size=max(1, cell.items // 10), replace=False)
        after = quality.copy()
        after[broken] = np.clip(after[broken] - 0.5, 0.0, 1.0)
        base_scores = _observe(rng, quality, cell.noise, cell.repeats)
        cand_scores = _observe(rng, after, cell.noise, cell.repeats)
        errors = np.zeros(cand_scores.shape, dtype=bool)
        errors[broken] = rng.random((broken.size, cell.repeats)) < ERROR_SHARE
        before = _item_means(base_scores)
        counted = _item_means(np.where(errors, 0.0, cand_scores))
        dropped: list[float | None] = [
            math.fsum(v for v, e in zip(row, flags, strict=True) if not e) / (len(row) - sum(flags))
            if not all(flags)
            else None
            for row, flags in zip(cand_scores.tolist(), errors.tolist(), strict=True)
        ]
        decided = [
            _gate_on_deltas(_paired(before, list(now)))[0]
            for now in (_item_means(cand_scores), counted, dropped)
        ]
        if decision < job.full_below:
            comparison = compare(
                _record_with_errors("cand", cand_scores, errors),
                _record("base", base_scores),
                alpha=SIGNIFICANCE,
            )
            checked += 1
            mismatches += int(_max_drop_status(OURS, comparison) != decided[1])
        for index, failed in enumerate(decided):
            fails[index] += int(failed)
    return job.cell_index, fails, checked, mismatches


def errors_table(all_cells: Sequence[Cell], rates: dict[int, list[float]]) -> list[str]:
    lines = [
        "| judge noise | items | repeats | 10% items 0.5 worse: no errors | half their samples "
        "app errors, counted as 0 | dropped (before) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for index, cell in enumerate(all_cells):
        none, counted, dropped = rates[index]
        lines.append(
            f"| {cell.noise} | {cell.items:,} | {cell.repeats} | {pct(none)} "
            f"| **{pct(counted)}** | {pct(dropped)} |"
        )
    return lines


def run_job(job: Job) -> tuple[int, list[int], int, int]:
    """Counts of "fail" decisions per rule (RULES order) for one slice of one cell, the
    number of decisions also run through compare + evaluate on records, and how many of those
    disagreed with the fast path (must be 0)."""
    import numpy as np

    cell = job.cell
    fails = [0] * len(RULES)
    checked = mismatches = 0
    for decision in range(job.first, job.first + job.count):
        rng = np.random.default_rng([job.cell_index, decision])
        quality = rng.beta(5.0, 2.0, size=cell.items)
        after = _candidate_quality(rng, quality, cell.scenario)
        base_scores = _observe(rng, quality, cell.noise, cell.repeats)
        cand_scores = _observe(rng, after, cell.noise, cell.repeats)
        before, now = _item_means(base_scores), _item_means(cand_scores)
        deltas = [b - a for a, b in zip(before, now, strict=True)]
        if decision < job.full_below:
            ours, plain = _gate_on_records(cand_scores, base_scores)
            checked += 1
            if job.fast and (ours, plain) != _gate_on_deltas(deltas):
                mismatches += 1
        else:
            ours, plain = _gate_on_deltas(deltas)
        t_fails, w_fails = _reference_fails(np.asarray(deltas))
        for index, failed in enumerate((ours, plain, t_fails, w_fails)):
            fails[index] += int(failed)
    return job.cell_index, fails, checked, mismatches


def jobs(all_cells: Sequence[Cell], decisions: int, full_below: int, fast: bool) -> Iterator[Job]:
    # Largest cells first, so the workers finish together.
    order = sorted(range(len(all_cells)), key=lambda i: -all_cells[i].items * all_cells[i].repeats)
    for index in order:
        for first in range(0, decisions, CHUNK):
            count = min(CHUNK, decisions - first)
            yield Job(index, all_cells[index], first, count, full_below, fast)


def pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def table(all_cells: Sequence[Cell], rates: dict[int, list[float]]) -> tuple[list[str], list[str]]:
    """The markdown table and the list of missed targets."""
    by_key: dict[tuple[str, int, int], dict[str, list[float]]] = {}
    for index, cell in enumerate(all_cells):
        by_key.setdefault(cell.key, {})[cell.scenario] = rates[index]
    lines = [
        "| judge noise | items | repeats | no change: ours | plain max_drop | t-test | Wilcoxon "
        "| 0.05 worse: ours | t-test | Wilcoxon | 10% items 0.5 worse: ours | t-test | Wilcoxon |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    missed: list[str] = []
    for (noise, n, repeats), scenarios in by_key.items():
        none, every, few = scenarios[NO_CHANGE], scenarios[EVERY_ITEM], scenarios[FEW_ITEMS]
        where = f"{noise}, {n} items, {repeats} repeat{'s' if repeats > 1 else ''}"
        if none[0] > FALSE_FAIL_TARGET:
            missed.append(f"{where}: false-fail {pct(none[0])} > {pct(FALSE_FAIL_TARGET)}")
        marks = []
        for name, rate in ((EVERY_ITEM, every), (FEW_ITEMS, few)):
            best = max(rate[2], rate[3])
            ok = rate[0] >= best - DETECTION_MARGIN - 1e-12
            if not ok:
                missed.append(
                    f"{where}, {name}: ours {pct(rate[0])} < best reference {pct(best)} - 3 points "
                    f"(their false-fail rates under no change: ours {pct(none[0])}, t-test "
                    f"{pct(none[2])}, Wilcoxon {pct(none[3])})"
                )
            marks.append("" if ok else " ✗")
        if noise == "sd 0.1" and n == 200 and every[0] < DETECTION_TARGET:
            missed.append(f"{where}, {EVERY_ITEM}: ours {pct(every[0])} < 80%")
        lines.append(
            f"| {noise} | {n:,} | {repeats} | **{pct(none[0])}** | {pct(none[1])} "
            f"| {pct(none[2])} | {pct(none[3])} "
            f"| **{pct(every[0])}**{marks[0]} | {pct(every[2])} | {pct(every[3])} "
            f"| **{pct(few[0])}**{marks[1]} | {pct(few[2])} | {pct(few[3])} |"
        )
    return lines, missed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--decisions", type=int, default=2000, help="decisions per cell")
    parser.add_argument("--quick", action="store_true", help="200 decisions per cell")
    parser.add_argument(
        "--full",
        action="store_true",
        help="every decision through compare + evaluate on run records (several times slower)",
    )
    parser.add_argument(
        "--verify",
        type=int,
        default=None,
        help="without --full: decisions per cell also run through compare + evaluate on run "
        "records and checked against the fast path (default 100; 20 with --quick)",
    )
    parser.add_argument("--processes", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument(
        "--errors",
        action="store_true",
        help="instead: detection of '10%% of items 0.5 worse' when app errors fall on the broken "
        "items (counted as 0, and dropped as before)",
    )
    parser.add_argument(
        "--extended",
        action="store_true",
        help="instead: the extended grid of issue 16 (clustered items, heavy tails, ordinal "
        "judges, tiny datasets, 5 repeats; bench/noise_extended.py)",
    )
    parser.add_argument(
        "--only",
        default=None,
        help="with --extended: the cells of one group only (e.g. 'heavy tails')",
    )
    args = parser.parse_args(argv)
    if args.errors:
        return main_errors(args)
    if args.extended:
        return main_extended(args)
    decisions = 200 if args.quick else args.decisions
    if decisions < 1:
        parser.error("--decisions must be at least 1")
    verify = args.verify if args.verify is not None else (20 if args.quick else 100)
    full_below = decisions if args.full else min(verify, decisions)
    all_cells = cells()
    work = list(jobs(all_cells, decisions, full_below, fast=not args.full))
    started = time.perf_counter()
    counts: dict[int, list[int]] = {i: [0] * len(RULES) for i in range(len(all_cells))}
    checked = mismatches = 0
    context = multiprocessing.get_context("spawn")
    with context.Pool(args.processes) as pool:
        for done, (index, fails, ran, differed) in enumerate(pool.imap_unordered(run_job, work), 1):
            counts[index] = [a + b for a, b in zip(counts[index], fails, strict=True)]
            checked += ran
            mismatches += differed
            print(f"\r{done}/{len(work)} slices", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    elapsed = time.perf_counter() - started
    rates = {i: [c / decisions for c in counts[i]] for i in counts}
    lines, missed = table(all_cells, rates)
    if mismatches:
        missed.append(f"the fast path disagreed with compare + evaluate on {mismatches} decisions")
    print(
        f"# scoregate noise benchmark: {decisions:,} decisions per cell, {len(all_cells)} cells, "
        f"{args.processes} processes, {elapsed:.0f} s\n"
    )
    if args.full:
        how = (
            "Each decision: two RunRecords -> scoregate.decide.compare.compare -> "
            "scoregate.decide.gate.evaluate, and the status of its max_drop check"
        )
    else:
        how = (
            "Each decision: the paired item means (math.fsum of the samples / repeats, as "
            "compare computes them) -> scoregate.decide.stats.paired_stats -> scoregate.decide.gate.drop_fails, "
            "the functions compare and the max_drop check call. "
            f"{checked:,} decisions ({full_below} per cell) also went through two RunRecords -> "
            f"compare -> evaluate: {mismatches} disagreed"
        )
    print(
        f"{how}. max_drop {MAX_DROP} for every rule. ours = significance {SIGNIFICANCE} "
        "(one-sided sign-flip test, mid-p), plain = significance off; t-test and Wilcoxon "
        "signed-rank (scipy, one-sided) on the same paired item means, failing when the mean "
        f"drop > {MAX_DROP} and p < {SIGNIFICANCE}. Each cell is the share of runs that fail "
        "the gate. "
        "True item quality ~ Beta(5, 2); scores = clip(quality + N(0, sd)) or pass/fail "
        "~ Bernoulli(quality).\n"
    )
    print("\n".join(lines))
    print()
    for line in missed:
        print(f"- missed: {line}")
    print("every target met: " + ("yes" if not missed else f"no ({len(missed)} missed)"))
    return 0 if not missed else 1


def main_errors(args: argparse.Namespace) -> int:
    decisions = 200 if args.quick else args.decisions
    verify = args.verify if args.verify is not None else (20 if args.quick else 100)
    full_below = decisions if args.full else min(verify, decisions)
    all_cells = [c for c in cells() if c.scenario == FEW_ITEMS]
    work = list(jobs(all_cells, decisions, full_below, fast=True))
    started = time.perf_counter()
    counts: dict[int, list[int]] = {i: [0] * len(ERROR_COLUMNS) for i in range(len(all_cells))}
    checked = mismatches = 0
    context = multiprocessing.get_context("spawn")
    with context.Pool(args.processes) as pool:
        for done, result in enumerate(pool.imap_unordered(run_errors_job, work), 1):
            index, fails, ran, differed = result
            counts[index] = [a + b for a, b in zip(counts[index], fails, strict=True)]
            checked += ran
            mismatches += differed
            print(f"\r{done}/{len(work)} slices", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    rates = {i: [c / decisions for c in counts[i]] for i in counts}
    print(
        f"# scoregate noise benchmark, app errors on the broken items: {decisions:,} decisions "
        f"per cell, {time.perf_counter() - started:.0f} s\n"
    )
    print(
        "10% of the items 0.5 worse; each sample of a broken item is an app error with "
        f"probability {ERROR_SHARE:g} (about 5% of all samples). Our rule (max_drop "
        f"{MAX_DROP}, significance {SIGNIFICANCE}) with no error, with the errored samples "
        "counted as 0 (compare), and with them dropped from the pairs (before). "
        f"{checked:,} decisions went through two RunRecords -> compare -> evaluate: "
        f"{mismatches} disagreed with 'counted as 0'.\n"
    )
    print("\n".join(errors_table(all_cells, rates)))
    return 0 if not mismatches else 1


def main_extended(args: argparse.Namespace) -> int:
    import noise_extended as grid

    decisions = 200 if args.quick else args.decisions
    verify = args.verify if args.verify is not None else (20 if args.quick else 100)
    every_cell = grid.cells()  # a cell's place in the whole grid seeds its draws, --only or not
    chosen = [i for i, c in enumerate(every_cell) if args.only is None or c.group == args.only]
    all_cells = [every_cell[i] for i in chosen]
    print("# Before the run: what scoregate validate / run say about the tiny datasets\n")
    print("\n".join(f"- {line}" for line in grid.out_of_reach(all_cells)))
    print()
    order = sorted(range(len(all_cells)), key=lambda i: -all_cells[i].items * all_cells[i].repeats)
    work = [
        (chosen[at], all_cells[at], first, min(CHUNK, decisions - first), min(verify, decisions))
        for at in order
        for first in range(0, decisions, CHUNK)
    ]
    started = time.perf_counter()
    counts: dict[int, list[int]] = {i: [0] * len(grid.RULES) for i in chosen}
    checked = mismatches = 0
    context = multiprocessing.get_context("spawn")
    with context.Pool(args.processes) as pool:
        for done, result in enumerate(pool.imap_unordered(grid.run_slice, work), 1):
            index, fails, ran, differed = result
            counts[index] = [a + b for a, b in zip(counts[index], fails, strict=True)]
            checked += ran
            mismatches += differed
            print(f"\r{done}/{len(work)} slices", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    rates = {at: [c / decisions for c in counts[i]] for at, i in enumerate(chosen)}
    lines, missed, reach, choice = grid.table(all_cells, rates)
    if mismatches:
        missed.append(f"the fast path disagreed with compare + evaluate on {mismatches} decisions")
    print(
        f"# scoregate noise benchmark, extended grid: {decisions:,} decisions per cell, "
        f"{len(all_cells)} cells, {args.processes} processes, "
        f"{time.perf_counter() - started:.0f} s\n"
    )
    print(
        f"max_drop {MAX_DROP}, significance {SIGNIFICANCE} for every rule; t-test, Wilcoxon and "
        "sign-flip on the same units as ours (cluster sums with cluster:). "
        f"{checked:,} decisions also went through two RunRecords -> compare -> evaluate: "
        f"{mismatches} disagreed.\n"
    )
    print("\n".join(lines))
    print()
    for line in reach:
        print(f"- out of reach (∅, said before the run): {line}")
    for line in choice:
        print(f"- the test decides: {line}")
    for line in missed:
        print(f"- missed: {line}")
    print("every target met: " + ("yes" if not missed else f"no ({len(missed)} missed)"))
    return 0 if not missed else 1


if __name__ == "__main__":
    sys.exit(main())
