"""Pair a candidate run with its baseline by item id and summarise every score.

An item's value for a score is the mean of its samples; it passes when that mean reaches
the score's pass mark. An item is flaky when its samples disagree on pass/fail.
"""

from __future__ import annotations

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
class _ItemScore:
    mean: float | None
    """None when no sample produced a value (task or evaluator errors)."""
    passed: bool
    flaky: bool
    samples: tuple[float | None, ...]


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
                names.setdefault(score.name)
    return list(names)


def item_scores(
    record: RunRecord, name: str, pass_mark: float
) -> tuple[dict[str, _ItemScore], int]:
    """Per item id, the item's view of one score; and the number of samples lacking it."""
    out: dict[str, _ItemScore] = {}
    missing = 0
    for result in record.items:
        values: list[float | None] = []
        for sample in result.samples:
            value = None
            for score in sample.scores:
                if score.name == name:
                    value = score.value
                    break
            if value is None:
                missing += 1
            values.append(value)
        present = [v for v in values if v is not None]
        if present:
            mean = sum(present) / len(present)
            verdicts = {v >= pass_mark for v in present}
            out[result.item.id] = _ItemScore(
                mean, mean >= pass_mark, len(verdicts) > 1, tuple(values)
            )
        else:
            out[result.item.id] = _ItemScore(None, False, False, tuple(values))
    return out, missing


def aggregate(per_item: Mapping[str, _ItemScore]) -> Aggregate | None:
    values = [s.mean for s in per_item.values() if s.mean is not None]
    if not values:
        return None
    passed = sum(1 for s in per_item.values() if s.mean is not None and s.passed)
    return Aggregate(
        n=len(values),
        mean=statistics.fmean(values),
        median=statistics.median(values),
        stdev=statistics.stdev(values) if len(values) > 1 else 0.0,
        pass_rate=passed / len(values),
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
    candidate_ids = {r.item.id for r in candidate.items}
    baseline_ids = {r.item.id for r in baseline.items} if baseline else set()
    comparisons = []
    flaky_items: dict[str, None] = {}
    for name in names:
        mark = _pass_mark(name, candidate, overrides)
        cand, cand_missing = item_scores(candidate, name, mark)
        base = item_scores(baseline, name, mark)[0] if baseline is not None else {}
        flaky = {i for i, s in cand.items() if s.flaky} | {i for i, s in base.items() if s.flaky}
        flaky_items.update(dict.fromkeys(sorted(i for i, s in cand.items() if s.flaky)))
        regressed, improved, deltas = [], [], []
        for item_id, now in cand.items():
            before = base.get(item_id)
            if before is None or before.mean is None:
                continue
            if now.mean is not None:
                deltas.append(now.mean - before.mean)
            if item_id in flaky and not count_flaky:
                continue
            if before.passed and not now.passed:
                regressed.append(item_id)
            elif now.passed and not before.passed:
                improved.append(item_id)
        comparisons.append(
            ScoreComparison(
                name=name,
                candidate=aggregate(cand),
                baseline=aggregate(base) if base else None,
                delta=_paired(deltas, alpha),
                regressed=tuple(regressed),
                improved=tuple(improved),
                flaky=tuple(sorted(i for i, s in cand.items() if s.flaky)),
                errors=cand_missing,
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
