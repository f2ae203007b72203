"""Pair a candidate run with its baseline by item id and summarise every score.

An item's value for a score is the mean of its samples; it passes when that mean reaches
the score's pass mark. An item is flaky when its samples disagree on pass/fail.

A candidate sample whose task or evaluator raised (an app error) counts as the worst value,
0, for each score it has no value of: the app failed there, so the item can regress and the
paired drop sees it. A sample lost to an outage (``error_kind: infra``) has no value: it is
left out, and an item left with no sample is left out of the pairs.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from scoregate import scoretable, stats
from scoregate.model import (
    Aggregate,
    Comparison,
    RunRecord,
    ScoreComparison,
    ScoreDef,
)
from scoregate.scoretable import ScoreTable


@dataclass(frozen=True, slots=True)
class ScoreColumn:
    """One score over the items of one run."""

    means: dict[str, float | None]
    """Item id → mean of its samples' values; None when no sample has a value (errors)."""
    flaky: frozenset[str]
    """Items whose samples disagree on pass/fail."""
    missing: int
    """Samples without a value for this score."""
    zeroed: int = 0
    """Samples with an app error counted as 0 for this score."""
    lost: frozenset[str] = frozenset()
    """Items without a value because their samples were lost to an outage."""

    def passed(self, item_id: str, pass_mark: float) -> bool:
        mean = self.means.get(item_id)
        return mean is not None and mean >= pass_mark


def _pass_mark(name: str, record: RunRecord, overrides: Mapping[str, float]) -> float:
    if name in overrides:
        return overrides[name]
    definition = record.score_defs.get(name)
    return definition.pass_mark if definition else 0.5


def score_names(record: RunRecord, table: ScoreTable | None = None) -> list[str]:
    """The record's declared scores, then any other score its samples carry."""
    names = dict.fromkeys(record.score_defs)
    names.update(dict.fromkeys((table or scoretable.of(record)).values))
    return list(names)


def _errors_counted(
    table: ScoreTable, name: str, values: Sequence[float | None]
) -> tuple[Sequence[float | None], int, set[int]]:
    """``values`` with each app-errored sample's missing value as 0; how many; the positions
    lost to an outage instead."""
    outages = table.outages(name)
    patched: list[float | None] | None = None
    lost: set[int] = set()
    zeroed = 0
    for position in table.errors:
        if values[position] is not None:
            continue
        if position in outages:
            lost.add(position)
            continue
        if patched is None:
            patched = list(values)
        patched[position] = 0.0
        zeroed += 1
    return (values if patched is None else patched), zeroed, lost


def columns(
    table: ScoreTable,
    names: list[str],
    pass_marks: Mapping[str, float],
    *,
    count_errors: bool = False,
) -> dict[str, ScoreColumn]:
    """Per score, each item's mean over its samples, and the flaky items. ``count_errors``
    (the candidate): an app-errored sample counts as 0, one lost to an outage is left out."""
    out = {}
    single = all(count == 1 for count in table.counts)
    for name in names:
        values = table.values.get(name)
        if values is None:  # a score only the other run has
            out[name] = ScoreColumn(dict.fromkeys(table.ids), frozenset(), sum(table.counts))
            continue
        missing = sum(1 for v in values if v is None)
        zeroed, lost = 0, set[int]()
        if count_errors and table.errors:
            values, zeroed, lost = _errors_counted(table, name, values)
        if single:
            out[name] = ScoreColumn(
                dict(zip(table.ids, values, strict=True)),
                frozenset(),
                missing,
                zeroed,
                frozenset(table.ids[p] for p in lost),
            )
            continue
        lost_items: set[str] = set()
        means: dict[str, float | None] = {}
        flaky: set[str] = set()
        mark = pass_marks[name]
        for _, item_id, start, count in table.spans():
            found = [v for v in values[start : start + count] if v is not None]
            if not found:
                means[item_id] = None
                if lost and any(p in lost for p in range(start, start + count)):
                    lost_items.add(item_id)
                continue
            means[item_id] = math.fsum(found) / len(found)
            if len({v >= mark for v in found}) > 1:
                flaky.add(item_id)
        out[name] = ScoreColumn(means, frozenset(flaky), missing, zeroed, frozenset(lost_items))
    return out


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def aggregate(column: ScoreColumn, pass_mark: float) -> Aggregate | None:
    values = [v for v in column.means.values() if v is not None]
    if not values:
        return None
    n = len(values)
    mean = math.fsum(values) / n
    passed = sum(1 for v in values if v >= pass_mark)
    stdev = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (n - 1)) if n > 1 else 0.0
    return Aggregate(n=n, mean=mean, median=_median(values), stdev=stdev, pass_rate=passed / n)


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
    baseline_required: bool = False,
) -> Comparison:
    overrides = pass_marks or {}
    cand_table = scoretable.of(candidate)
    base_table = scoretable.of(baseline) if baseline is not None else None
    names = score_names(candidate, cand_table)
    baseline_names = set(score_names(baseline, base_table)) if baseline is not None else set()
    if baseline is not None:
        names += [n for n in baseline_names if n not in names]
    marks = {name: _pass_mark(name, candidate, overrides) for name in names}
    cand_columns = columns(cand_table, names, marks, count_errors=True)
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
        left_out = 0
        for item_id, now in cand.means.items():
            before = before_means.get(item_id)
            if before is None:
                continue
            if now is None and item_id in cand.lost:
                left_out += 1  # lost to an outage: neither regressed nor paired
                continue
            if now is not None:
                deltas.append(now - before)
                paired_before.append(before)
                paired_now.append(now)
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
                counted_as_zero=cand.zeroed,
                left_out=left_out,
                in_baseline=baseline is None or name in baseline_names,
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
        baseline_required=baseline_required,
    )
