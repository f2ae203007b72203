"""Latency, tokens and cost of a candidate beside its baseline's, paired by item.

Each metric is summarised per run (mean over items, 95th percentile over samples) and, where
both runs have it, compared on the items with a known value in both: the relative increase
with its confidence interval and the one-sided sign-flip p-value for "the candidate is higher"
(decide/stats.py, the test ``max_drop`` uses).

* Latency is compared on log ratios, ``log(candidate / baseline)`` per item: the increase is
  the geometric mean ratio minus 1, so one slow outlier does not decide, and a task twice as
  slow is +100% whatever its speed.
* Tokens and cost are compared on differences: the increase is the mean difference over the
  baseline's mean, its interval the difference's interval over the same mean.

Unknown cost (a call to a model with no price) makes the run's mean cost unknown, never 0.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from scoregate.decide import stats
from scoregate.record import scoretable
from scoregate.record.scoretable import ScoreTable
from scoregate.values.metrics import (
    COST,
    LATENCY,
    METRICS,
    TOKENS,
    MetricComparison,
    MetricSummary,
)
from scoregate.values.model import ItemResult, RunRecord

SHORTEST_LATENCY = 1e-6
"""Seconds a latency is raised to before its logarithm (a task that took no measurable time)."""


@dataclass(slots=True)
class _Column:
    """One metric over the items of one run."""

    items: dict[str, float] = field(default_factory=dict)
    unknown: set[str] = field(default_factory=set)
    samples: list[float] = field(default_factory=list)
    task: list[float] = field(default_factory=list)
    judge: list[float] = field(default_factory=list)


@dataclass(slots=True)
class RunMetrics:
    columns: dict[str, _Column]
    calls: int = 0
    cached: int = 0
    unpriced: int = 0


def of_items(items: Iterable[ItemResult]) -> RunMetrics:
    """Every metric of a run's items (one pass)."""
    table = scoretable.build(list(items))
    assert table.metrics is not None
    return _of_columns(table.ids, table.counts, table.metrics)


def of_record(record: RunRecord, table: ScoreTable | None = None) -> RunMetrics:
    """Every metric of a run: from its score table's metric columns, without reading its
    items, or from the items of a record written before the table had them."""
    table = table or scoretable.of(record)
    if table.metrics is None:
        return of_items(record.items)
    return _of_columns(table.ids, table.counts, table.metrics)


def _of_columns(
    ids: Sequence[str], counts: Sequence[int], columns: Mapping[str, Sequence[float | None]]
) -> RunMetrics:
    """Column by column: a run of 100,000 items is summed without an object per sample."""
    calls, unpriced = columns["calls"], columns["unpriced"]
    found = RunMetrics(
        {name: _Column() for name in METRICS},
        calls=int(sum(calls)),  # type: ignore[arg-type]  # counts: never None
        cached=int(sum(columns["cached"])),  # type: ignore[arg-type]
        unpriced=int(sum(unpriced)),  # type: ignore[arg-type]
    )
    task, judge = columns["task_cost"], columns["judge_cost"]
    cost: Sequence[float | None] = (
        [
            None if not n or u else (t or 0.0) + (j or 0.0)
            for n, u, t, j in zip(calls, unpriced, task, judge, strict=True)
        ]
        if found.calls
        else [None] * len(calls)
    )
    for name, values in ((LATENCY, columns["latency"]), (TOKENS, columns["tokens"]), (COST, cost)):
        column = found.columns[name]
        if name == COST and found.unpriced:
            column.unknown = _items_with(ids, counts, unpriced)
        if values.count(None) == len(values):
            continue
        column.samples = [v for v in values if v is not None]
        if len(values) == len(ids):  # one sample per item
            column.items = {i: v for i, v in zip(ids, values, strict=True) if v is not None}
        else:
            column.items = _item_means(ids, counts, values)
        for item_id in column.unknown:
            column.items.pop(item_id, None)
        if name == COST:
            column.task = [v for v in task if v is not None]
            column.judge = [v for v in judge if v is not None]
    return found


def _item_means(
    ids: Sequence[str], counts: Sequence[int], values: Sequence[float | None]
) -> dict[str, float]:
    means = {}
    start = 0
    for item_id, count in zip(ids, counts, strict=True):
        known = [v for v in values[start : start + count] if v is not None]
        if known:
            means[item_id] = math.fsum(known) / len(known)
        start += count
    return means


def _items_with(
    ids: Sequence[str], counts: Sequence[int], flags: Sequence[float | None]
) -> set[str]:
    """Items with a sample whose flag is set (a call to a model with no price)."""
    found = set()
    start = 0
    for item_id, count in zip(ids, counts, strict=True):
        if any(flags[start : start + count]):
            found.add(item_id)
        start += count
    return found


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0-1) of ``values``, interpolated linearly (numpy's default)."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    below = math.floor(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (position - below) * (ordered[above] - ordered[below])


def _mean(values: list[float]) -> float | None:
    return math.fsum(values) / len(values) if values else None


def summary(column: _Column, name: str) -> MetricSummary | None:
    if not column.items and not column.unknown:
        return None
    if column.unknown:
        return MetricSummary(len(column.items), None, None, len(column.unknown))
    return MetricSummary(
        len(column.items),
        _mean(list(column.items.values())),
        percentile(column.samples, 0.95),
        task_mean=_mean(column.task) if name == COST else None,
        judge_mean=_mean(column.judge) if name == COST else None,
    )


def _note(name: str, run: RunMetrics, which: str) -> str | None:
    column = run.columns[name]
    if name == COST and column.unknown:
        return (
            f"cost unknown in the {which}: {run.unpriced} model call"
            f"{'s' if run.unpriced != 1 else ''} to a model with no price (the run's warnings "
            "name it; set its price under defaults.prices)"
        )
    if column.items:
        return None
    if name == LATENCY:
        return f"no latency in the {which}: the task failed on every sample"
    return (
        f"{name} not measured in the {which}: no model call went through scoregate (a prompt "
        "task or a judge); a Python task's own calls are not seen"
    )


def compare(
    candidate: RunRecord,
    baseline: RunRecord | None,
    *,
    alpha: float = 0.05,
    tables: tuple[ScoreTable | None, ScoreTable | None] = (None, None),
) -> tuple[MetricComparison, ...]:
    """Every metric of ``candidate`` beside ``baseline``'s (``tables``: theirs, when at hand)."""
    cand = of_record(candidate, tables[0])
    base = of_record(baseline, tables[1]) if baseline is not None else None
    found = []
    for name in METRICS:
        column = cand.columns[name]
        before = base.columns[name] if base is not None else None
        notes = [_note(name, cand, "candidate")]
        if base is not None:
            notes.append(_note(name, base, "baseline"))
        shown = [n for n in notes if n]
        compared = MetricComparison(
            name,
            summary(column, name),
            summary(before, name) if before is not None else None,
            cached=cand.cached,
            calls=cand.calls,
            unpriced=cand.unpriced,
            note="; ".join(shown) if shown else None,
        )
        if before is not None and not column.unknown and not before.unknown:
            compared = paired(compared, column, before, alpha=alpha)
        found.append(compared)
    return tuple(found)


def paired(
    compared: MetricComparison, column: _Column, before: _Column, *, alpha: float
) -> MetricComparison:
    """``compared`` with the increase over the items known in both runs."""
    import numpy as np

    ids = [i for i in column.items if i in before.items]
    if not ids:
        return compared
    now = np.fromiter(map(column.items.__getitem__, ids), np.float64, len(ids))
    then = np.fromiter(map(before.items.__getitem__, ids), np.float64, len(ids))
    if compared.name == LATENCY:
        # Lower is better: the test's "worse" is a negative delta, so the deltas are b/c.
        floor = SHORTEST_LATENCY
        logs = np.log(np.maximum(then, floor)) - np.log(np.maximum(now, floor))
        d = stats.paired_stats(logs.tolist(), alpha=alpha)
        assert d is not None
        return replace(
            compared,
            paired=len(ids),
            increase=math.exp(-d.mean_delta) - 1,
            interval=(math.exp(-d.ci_high) - 1, math.exp(-d.ci_low) - 1),
            p_higher=d.p_worse,
            method=f"{d.method} on log ratios",
        )
    d = stats.paired_stats((then - now).tolist(), alpha=alpha)
    assert d is not None
    base_mean = math.fsum(then.tolist()) / len(ids)
    if base_mean <= 0:
        increase = 0.0 if math.fsum(now.tolist()) <= 0 else None
        return replace(compared, paired=len(ids), increase=increase, p_higher=d.p_worse)
    return replace(
        compared,
        paired=len(ids),
        increase=-d.mean_delta / base_mean,
        interval=(-d.ci_high / base_mean, -d.ci_low / base_mean),
        p_higher=d.p_worse,
        method=d.method,
    )


__all__ = [
    "COST",
    "LATENCY",
    "TOKENS",
    "RunMetrics",
    "compare",
    "of_items",
    "of_record",
    "percentile",
]
