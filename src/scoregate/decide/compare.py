"""Pair a candidate run with its baseline by item id and summarise every score.

An item's value for a score is the mean of its samples; it passes when that mean reaches
the score's pass mark. An item is flaky when its samples disagree on pass/fail. A plain score
without a pass mark (a number in its own units) has means and deltas, but no item passes,
fails, regresses or is flaky on it.

The scores compared are the candidate's. A score only the baseline has (the config no longer
produces it) is listed as not measured now, and is not compared.

A candidate sample whose task or evaluator raised (an app error) counts as the worst value,
0, for each canonical 0-1 score it has no value of: the app failed there, so the item can
regress and the paired drop sees it. A plain score has no worst value (its units are the
evaluator's, unbounded): there an app-errored sample is left out, said in every report, and
counted by ``max_error_rate`` as every error is. A sample lost to an outage (``error_kind:
infra``) has no value: it is left out, and an item left with no sample is left out of the
pairs.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from scoregate.config.model import GateConfig
from scoregate.decide import clusters, judge_agreement, metric_compare, stats
from scoregate.record import scoretable
from scoregate.record.scoretable import ScoreTable
from scoregate.values.model import (
    Aggregate,
    Clustering,
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
    zeroed: int = 0
    """Samples with an app error counted as 0 for this score."""
    lost: frozenset[str] = frozenset()
    """Items without a value because their samples were lost to an outage."""
    unscored: int = 0
    """Samples with an app error left out of a plain score (it has no worst value)."""
    unscored_items: frozenset[str] = frozenset()
    """Items without a value of a plain score because every sample had an app error."""

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


def _errors_counted(
    table: ScoreTable, name: str, values: Sequence[float | None], *, plain: bool
) -> tuple[Sequence[float | None], int, set[int], set[int]]:
    """``values`` with each app-errored sample's missing value as 0; how many; the positions
    lost to an outage instead; the app-errored positions left out of a plain score."""
    outages = table.outages(name)
    patched: list[float | None] | None = None
    lost: set[int] = set()
    unscored: set[int] = set()
    zeroed = 0
    for position in table.errors:
        if values[position] is not None:
            continue
        if position in outages:
            lost.add(position)
            continue
        if plain:  # a number in its own units: no worst value to count the error as
            unscored.add(position)
            continue
        if patched is None:
            patched = list(values)
        patched[position] = 0.0
        zeroed += 1
    return (values if patched is None else patched), zeroed, lost, unscored


def columns(
    table: ScoreTable,
    names: list[str],
    pass_marks: Mapping[str, float | None],
    *,
    count_errors: bool = False,
    plain: Collection[str] = (),
) -> dict[str, ScoreColumn]:
    """Per score, each item's mean over its samples, and the flaky items. ``count_errors``
    (the candidate): an app-errored sample counts as 0 (left out of a ``plain`` score), one
    lost to an outage is left out."""
    out = {}
    single = all(count == 1 for count in table.counts)
    for name in names:
        values = table.values.get(name)
        if values is None:  # a score only the other run has
            out[name] = ScoreColumn(dict.fromkeys(table.ids), frozenset(), sum(table.counts))
            continue
        missing = sum(1 for v in values if v is None)
        zeroed, lost, unscored = 0, set[int](), set[int]()
        if count_errors and table.errors:
            values, zeroed, lost, unscored = _errors_counted(
                table, name, values, plain=name in plain
            )
        if single:
            out[name] = ScoreColumn(
                dict(zip(table.ids, values, strict=True)),
                frozenset(),
                missing,
                zeroed,
                frozenset(table.ids[p] for p in lost),
                len(unscored),
                frozenset(table.ids[p] for p in unscored),
            )
            continue
        lost_items: set[str] = set()
        unscored_items: set[str] = set()
        means: dict[str, float | None] = {}
        flaky: set[str] = set()
        mark = pass_marks[name]
        for _, item_id, start, count in table.spans():
            found = [v for v in values[start : start + count] if v is not None]
            if not found:
                means[item_id] = None
                if lost and any(p in lost for p in range(start, start + count)):
                    lost_items.add(item_id)
                elif unscored:
                    unscored_items.add(item_id)
                continue
            means[item_id] = math.fsum(found) / len(found)
            if mark is not None and len({v >= mark for v in found}) > 1:
                flaky.add(item_id)
        out[name] = ScoreColumn(
            means,
            frozenset(flaky),
            missing,
            zeroed,
            frozenset(lost_items),
            len(unscored),
            frozenset(unscored_items),
        )
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


def _clustering(
    key: str | None, labels: Mapping[str, Hashable] | None, paired: Sequence[str]
) -> Clustering | None:
    if key is None or labels is None or not paired:
        return None
    found = [labels.get(item_id) for item_id in paired]
    alone = sum(1 for label in found if label is None)
    return Clustering(key, len({label for label in found if label is not None}) + alone, alone)


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


def gate_options(gate: GateConfig) -> dict[str, Any]:
    """What ``compare`` takes from a gate: pass marks, significance levels, flaky counting."""
    return {
        "pass_marks": {n: t.pass_mark for n, t in gate.scores.items() if t.pass_mark is not None},
        "alpha": gate.significance or 0.05,
        "levels": {n: t.significance for n, t in gate.scores.items() if t.significance},
        "tests": {n: t.test for n, t in gate.scores.items() if t.test != "mean"},
        "count_flaky": gate.count_flaky_as_regressed,
    }


def _only_in(table: ScoreTable, other: ScoreTable) -> set[str]:
    """The item ids of ``table`` that ``other`` does not have (through ``other``'s id index,
    which the reports use again: no set of a million ids is built for this)."""
    if table.ids == other.ids:
        return set()
    return {item_id for item_id in table.ids if other.position(item_id) is None}


def compare(
    candidate: RunRecord,
    baseline: RunRecord | None,
    *,
    baseline_note: str | None = None,
    pass_marks: Mapping[str, float] | None = None,
    alpha: float = 0.05,
    count_flaky: bool = False,
    baseline_required: bool = False,
    cluster: str | None = None,
    levels: Mapping[str, float] | None = None,
    tests: Mapping[str, str] | None = None,
) -> Comparison:
    """``alpha``: the significance level of the paired test, ``levels`` per score where one
    differs; ``tests``: the test per score where not "mean" (``test: rank``); ``cluster``: the item field whose values group the items (``cluster: KEY``)."""
    overrides = pass_marks or {}
    labels = (
        {r.item.id: clusters.label_of(r.item, cluster) for r in candidate.items}
        if cluster is not None
        else None
    )
    cand_table = scoretable.of(candidate)
    base_table = scoretable.of(baseline) if baseline is not None else None
    names = score_names(candidate, cand_table)
    unmeasured = (
        [n for n in score_names(baseline, base_table) if n not in names] if baseline else []
    )
    baseline_names = set(score_names(baseline, base_table)) if baseline is not None else set()
    marks = {name: _pass_mark(name, candidate, overrides) for name in names}
    plain = {name for name in names if _plain(name, candidate, baseline)}
    cand_columns = columns(cand_table, names, marks, count_errors=True, plain=plain)
    base_columns = columns(base_table, names, marks) if base_table is not None else {}
    comparisons = []
    flaky_items: dict[str, None] = {}
    for name in names:
        mark = marks[name]
        cand = cand_columns[name]
        base = base_columns.get(name)
        flaky = cand.flaky | base.flaky if base else cand.flaky
        flaky_items.update(dict.fromkeys(sorted(cand.flaky)))
        regressed, improved, deltas, paired_ids = [], [], [], []
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
            if now is None and item_id in cand.unscored_items:
                continue  # app errors on a plain score: no worst value to pair (said)
            if now is not None:
                deltas.append(now - before)
                paired_ids.append(item_id)
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
                delta=stats.paired_stats(
                    deltas,
                    alpha=(levels or {}).get(name, alpha),
                    clusters=None if labels is None else [labels.get(i) for i in paired_ids],
                    test=(tests or {}).get(name, "mean"),
                ),
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
                plain=name in plain,
                pass_mark=mark,
                counted_as_zero=cand.zeroed,
                errors_left_out=cand.unscored,
                left_out=left_out,
                in_baseline=baseline is None or name in baseline_names,
                clustering=_clustering(cluster, labels, paired_ids),
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
        new_items=tuple(sorted(_only_in(cand_table, base_table))) if base_table else (),
        missing_items=tuple(sorted(_only_in(base_table, cand_table))) if base_table else (),
        samples=samples,
        sample_errors=errors,
        flaky_items=tuple(flaky_items),
        unmeasured=tuple(unmeasured),
        baseline_required=baseline_required,
        agreements=judge_agreement.compare_agreements(candidate, baseline, overrides),
        metrics=metric_compare.compare(
            candidate, baseline, alpha=alpha, tables=(cand_table, base_table)
        ),
    )
