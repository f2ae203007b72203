"""Pair a candidate run with its baseline by item id and summarise every score.

An item's value for a score is the mean of its samples; it passes when that mean reaches
the score's pass mark. An item is flaky when its samples disagree on pass/fail.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping
from dataclasses import dataclass

from scoregate import stats
from scoregate.model import (
    Aggregate,
    Comparison,
    PairedDelta,
    RunRecord,
    ScoreComparison,
    ScoreDef,
)


@dataclass(frozen=True, slots=True)
class ScoreColumn:
    """One score over the items of one run."""

    means: dict[str, float | None]
    """Item id → mean of its samples' values; None when no sample has a value (errors)."""
    flaky: frozenset[str]
    """Items whose samples disagree on pass/fail."""
    missing: int
    """Samples without a value for this score."""

    def passed(self, item_id: str, pass_mark: float) -> bool:
        mean = self.means.get(item_id)
        return mean is not None and mean >= pass_mark


def _pass_mark(name: str, record: RunRecord, overrides: Mapping[str, float]) -> float:
    if name in overrides:
        return overrides[name]
    definition = record.score_defs.get(name)
    return definition.pass_mark if definition else 0.5


def score_names(record: RunRecord) -> list[str]:
    names = dict.fromkeys(record.score_defs)
    for result in record.items:
        for sample in result.samples:
            for score in sample.scores:
                if score.name not in names:
                    names[score.name] = None
    return list(names)


def columns(
    record: RunRecord, names: list[str], pass_marks: Mapping[str, float]
) -> dict[str, ScoreColumn]:
    """Every score of a run, in one pass over its items (100,000 items stay fast)."""
    means: dict[str, dict[str, float | None]] = {name: {} for name in names}
    flaky: dict[str, set[str]] = {name: set() for name in names}
    extra: dict[str, int] = dict.fromkeys(names, 0)
    """Values beyond the first of items with several samples (the first is counted below)."""
    tables = list(means.values())
    samples = 0
    for result in record.items:
        item_id = result.item.id
        samples += len(result.samples)
        if len(result.samples) == 1:
            hits = 0
            for score in result.samples[0].scores:
                table = means.get(score.name)
                if table is not None and score.value is not None:
                    table[item_id] = score.value
                    hits += 1
            if hits != len(tables):
                for table in tables:
                    table.setdefault(item_id, None)
            continue
        values: dict[str, list[float]] = {name: [] for name in names}
        for sample in result.samples:
            for score in sample.scores:
                if score.value is not None and score.name in values:
                    values[score.name].append(score.value)
        for name, found in values.items():
            if not found:
                means[name][item_id] = None
                continue
            extra[name] += len(found) - 1
            means[name][item_id] = math.fsum(found) / len(found)
            mark = pass_marks[name]
            if len({v >= mark for v in found}) > 1:
                flaky[name].add(item_id)
    out = {}
    for name, table in means.items():
        present = extra[name] + sum(1 for v in table.values() if v is not None)
        out[name] = ScoreColumn(table, frozenset(flaky[name]), samples - present)
    return out


def aggregate(column: ScoreColumn, pass_mark: float) -> Aggregate | None:
    values = [v for v in column.means.values() if v is not None]
    if not values:
        return None
    n = len(values)
    mean = math.fsum(values) / n
    passed = sum(1 for v in values if v >= pass_mark)
    stdev = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (n - 1)) if n > 1 else 0.0
    return Aggregate(
        n=n, mean=mean, median=statistics.median(values), stdev=stdev, pass_rate=passed / n
    )


def judge_difference(candidate: ScoreDef | None, baseline: ScoreDef | None) -> str | None:
    """Why two scores of the same name are not comparable, or None when they are."""
    if candidate is None or baseline is None:
        return None
    a, b = candidate.fingerprint or {}, baseline.fingerprint or {}
    if not a and not b:
        return None
    changed = [key for key in sorted(set(a) | set(b)) if a.get(key) != b.get(key)]
    if not changed:
        return None
    parts = [f"{key} {b.get(key)!s} → {a.get(key)!s}" for key in changed]
    return "judge changed: " + "; ".join(parts)


def compare(
    candidate: RunRecord,
    baseline: RunRecord | None,
    *,
    baseline_note: str | None = None,
    pass_marks: Mapping[str, float] | None = None,
    alpha: float = 0.05,
    count_flaky: bool = False,
) -> Comparison:
    overrides = pass_marks or {}
    names = score_names(candidate)
    if baseline is not None:
        names += [n for n in score_names(baseline) if n not in names]
    marks = {name: _pass_mark(name, candidate, overrides) for name in names}
    cand_columns = columns(candidate, names, marks)
    base_columns = columns(baseline, names, marks) if baseline is not None else {}
    candidate_ids = {r.item.id for r in candidate.items}
    baseline_ids = {r.item.id for r in baseline.items} if baseline else set()
    comparisons = []
    flaky_items: dict[str, None] = {}
    for name in names:
        mark = marks[name]
        cand = cand_columns[name]
        base = base_columns.get(name)
        flaky = cand.flaky | base.flaky if base else cand.flaky
        flaky_items.update(dict.fromkeys(sorted(cand.flaky)))
        regressed, improved, deltas = [], [], []
        before_means = base.means if base else {}
        for item_id, now in cand.means.items():
            before = before_means.get(item_id)
            if before is None:
                continue
            if now is not None:
                deltas.append(now - before)
            if item_id in flaky and not count_flaky:
                continue
            was_passing = before >= mark
            is_passing = now is not None and now >= mark
            if was_passing and not is_passing:
                regressed.append(item_id)
            elif is_passing and not was_passing:
                improved.append(item_id)
        comparisons.append(
            ScoreComparison(
                name=name,
                candidate=aggregate(cand, mark),
                baseline=aggregate(base, mark) if base else None,
                delta=_paired(deltas, alpha),
                regressed=tuple(regressed),
                improved=tuple(improved),
                flaky=tuple(sorted(cand.flaky)),
                errors=cand.missing,
                judge_changed=judge_difference(
                    candidate.score_defs.get(name),
                    baseline.score_defs.get(name) if baseline else None,
                ),
            )
        )
    samples = sum(len(r.samples) for r in candidate.items)
    errors = sum(
        1 for r in candidate.items for s in r.samples if s.error or any(x.error for x in s.scores)
    )
    return Comparison(
        experiment=candidate.experiment,
        candidate=candidate,
        baseline=baseline,
        baseline_note=baseline_note,
        scores=tuple(comparisons),
        new_items=tuple(sorted(candidate_ids - baseline_ids)) if baseline else (),
        missing_items=tuple(sorted(baseline_ids - candidate_ids)),
        samples=samples,
        sample_errors=errors,
        flaky_items=tuple(flaky_items),
    )


def _paired(deltas: list[float], alpha: float) -> PairedDelta | None:
    result = stats.paired_stats(deltas, alpha=alpha)
    if result is None:
        return None
    return PairedDelta(
        n=result.n,
        mean=result.mean_delta,
        ci_low=result.ci_low,
        ci_high=result.ci_high,
        p_worse=result.p_worse,
        sd=result.sd_delta,
        mde=result.mde,
        method=result.method,
    )
