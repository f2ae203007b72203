"""Pair a candidate run with its baseline by item id and summarise every score.

An item's value for a score is the mean of its samples; it passes when that mean reaches
the score's pass mark. An item is flaky when its samples disagree on pass/fail. A plain score
without a pass mark (a number in its own units) has means and deltas, but no item passes,
fails, regresses or is flaky on it.

The scores compared are the candidate's. A score only the baseline has (the config no longer
produces it) is listed as not measured now, and is not compared.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from scoregate.decide import stats
from scoregate.record import scoretable
from scoregate.record.scoretable import ScoreTable
from scoregate.values.model import (
    Aggregate,
    Comparison,
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


def _pass_mark(name: str, record: RunRecord, overrides: Mapping[str, float]) -> float | None:
    if name in overrides:
        return overrides[name]
    definition = record.score_defs.get(name)
    return definition.pass_mark if definition else 0.5


def score_names(record: RunRecord, table: ScoreTable | None = None) -> list[str]:
    """The record's declared scores, then any other score its samples carry a value of (a
    column of errors only, under an evaluator's name that is not a score's, is left out)."""
    names = dict.fromkeys(record.score_defs)
    for name, values in (table or scoretable.of(record)).values.items():
        if name not in names and any(v is not None for v in values):
            names[name] = None
    return list(names)


def columns(
    table: ScoreTable, names: list[str], pass_marks: Mapping[str, float | None]
) -> dict[str, ScoreColumn]:
    """Per score, each item's mean over its samples, and the flaky items."""
    out = {}
    single = all(count == 1 for count in table.counts)
    for name in names:
        values = table.values.get(name)
        if values is None:
            out[name] = ScoreColumn(dict.fromkeys(table.ids), frozenset(), sum(table.counts))
            continue
        missing = sum(1 for v in values if v is None)
        if single:
            out[name] = ScoreColumn(dict(zip(table.ids, values, strict=True)), frozenset(), missing)
            continue
        means: dict[str, float | None] = {}
        flaky: set[str] = set()
        mark = pass_marks[name]
        for _, item_id, start, count in table.spans():
            found = [v for v in values[start : start + count] if v is not None]
            if not found:
                means[item_id] = None
                continue
            means[item_id] = math.fsum(found) / len(found)
            if mark is not None and len({v >= mark for v in found}) > 1:
                flaky.add(item_id)
        out[name] = ScoreColumn(means, frozenset(flaky), missing)
    return out


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def aggregate(column: ScoreColumn, pass_mark: float | None) -> Aggregate | None:
    values = [v for v in column.means.values() if v is not None]
    if not values:
        return None
    n = len(values)
    mean = math.fsum(values) / n
    rate = None if pass_mark is None else sum(1 for v in values if v >= pass_mark) / n
    stdev = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (n - 1)) if n > 1 else 0.0
    return Aggregate(n=n, mean=mean, median=_median(values), stdev=stdev, pass_rate=rate)


def _plain(name: str, candidate: RunRecord, baseline: RunRecord | None) -> bool:
    """A number in its own units, as the candidate (else the baseline) defines the score."""
    definition = candidate.score_defs.get(name) or (
        baseline.score_defs.get(name) if baseline else None
    )
    return definition.plain if definition else False


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
    cand_table = scoretable.of(candidate)
    base_table = scoretable.of(baseline) if baseline is not None else None
    names = score_names(candidate, cand_table)
    unmeasured = (
        [n for n in score_names(baseline, base_table) if n not in names] if baseline else []
    )
    marks = {name: _pass_mark(name, candidate, overrides) for name in names}
    cand_columns = columns(cand_table, names, marks)
    base_columns = columns(base_table, names, marks) if base_table is not None else {}
    candidate_ids = set(cand_table.ids)
    baseline_ids = set(base_table.ids) if base_table is not None else set()
    comparisons = []
    flaky_items: dict[str, None] = {}
    for name in names:
        mark = marks[name]
        cand = cand_columns[name]
        base = base_columns.get(name)
        flaky = cand.flaky | base.flaky if base else cand.flaky
        flaky_items.update(dict.fromkeys(sorted(cand.flaky)))
        regressed, improved, deltas = [], [], []
        paired_before, paired_now = [], []
        before_means = base.means if base else {}
        for item_id, now in cand.means.items():
            before = before_means.get(item_id)
            if before is None:
                continue
            if now is not None:
                deltas.append(now - before)
                paired_before.append(before)
                paired_now.append(now)
            if mark is None or (item_id in flaky and not count_flaky):
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
                delta=stats.paired_stats(deltas, alpha=alpha),
                regressed=tuple(regressed),
                improved=tuple(improved),
                flaky=tuple(sorted(cand.flaky)),
                errors=cand.missing,
                judge_changed=judge_difference(
                    candidate.score_defs.get(name),
                    baseline.score_defs.get(name) if baseline else None,
                ),
                paired_means=(
                    math.fsum(paired_before) / len(deltas),
                    math.fsum(paired_now) / len(deltas),
                )
                if deltas
                else None,
                plain=_plain(name, candidate, baseline),
                pass_mark=mark,
            )
        )
    samples = sum(cand_table.counts)
    errors = len(cand_table.errors)
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
        unmeasured=tuple(unmeasured),
    )
