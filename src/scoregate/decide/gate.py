"""Thresholds × comparisons → checks → verdict. Pure: no I/O.

How ``max_drop`` decides (significance on, the default): the check fails when the mean paired
delta (candidate − baseline over items present in both) is below ``-max_drop`` **and** the
one-sided sign-flip test gives p < ``significance`` for "the candidate is worse" (with
``test: rank`` the test on signed ranks, and the explanation says ``(rank test)`` beside the
p-value). With ``significance: off`` only the first condition is used.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from scoregate.config.model import GateConfig, Thresholds
from scoregate.decide import clusters, judge_agreement, metric_gate, stats
from scoregate.decide.overlap import overlap_check, shared_text
from scoregate.decide.partial import partial_checks
from scoregate.values import errornotes
from scoregate.values.figures import figure
from scoregate.values.model import Check, Comparison, Score, ScoreComparison, Status, Verdict
from scoregate.values.numbers import delta_text, ids, pct


def evaluate(
    comparison: Comparison,
    gate: GateConfig,
    *,
    judge_changed_fails: bool = False,
    allow_partial: bool = False,
) -> tuple[Check, ...]:
    experiment = comparison.experiment
    checks: list[Check] = partial_checks(comparison, allow=allow_partial)
    overlap = overlap_check(comparison, gate.min_overlap)
    foreign = shared_text(comparison) if overlap and overlap.status == "fail" else None

    def check(
        score: str | None,
        kind: str,
        status: Status,
        observed: float | None,
        limit: float | None,
        explanation: str,
        items: tuple[str, ...] = (),
    ) -> None:
        checks.append(
            Check(experiment, score, kind, status, observed, limit, explanation, items=items)
        )

    for name, thresholds in gate.scores.items():
        score = comparison.score(name)
        run_score = next((s for s in comparison.candidate.run_scores if s.name == name), None)
        if score is None and run_score is not None:
            checks.extend(_run_score_checks(experiment, run_score, thresholds))
            continue
        if score is None or score.candidate is None:
            why = (
                f"no sample produced the score '{name}'"
                if score is None
                else f"'{name}' has no value: its task or evaluator failed on all "
                f"{score.errors} samples"
            )
            check(name, "score", "fail", None, None, why)
            continue
        checks.extend(_score_checks(comparison, score, thresholds, judge_changed_fails, foreign))
    for name, limits in gate.metrics.items():
        checks.extend(metric_gate.checks(comparison, name, limits, foreign=foreign))
    if overlap is not None:
        checks.append(overlap)
    checks.extend(judge_agreement.checks(comparison, gate.scores))

    regression = comparison.candidate.metadata.get("regression_error")
    if isinstance(regression, dict):
        metric = regression.get("metric")
        value, limit = regression.get("value"), regression.get("threshold")
        check(
            metric,
            "regression_error",
            "fail",
            float(value) if isinstance(value, (int, float)) else None,
            float(limit) if isinstance(limit, (int, float)) else None,
            f"the experiment script raised RegressionError: {regression.get('message')}",
        )
    rate = comparison.error_rate
    check(
        None,
        "max_error_rate",
        "fail" if rate > gate.max_error_rate else "pass",
        rate,
        gate.max_error_rate,
        f"{pct(rate)} of samples had errors ({comparison.sample_errors}/{comparison.samples}); "
        f"allowed {pct(gate.max_error_rate)}",
    )
    if gate.max_flaky_rate is not None:
        items = len(comparison.candidate.items)
        flaky = len(comparison.flaky_items)
        if comparison.candidate.repeats < 2:
            check(
                None,
                "max_flaky_rate",
                "skip",
                None,
                gate.max_flaky_rate,
                "flakiness needs repeats of 2 or more",
            )
        else:
            frac = flaky / items if items else 0.0
            check(
                None,
                "max_flaky_rate",
                "fail" if frac > gate.max_flaky_rate else "pass",
                frac,
                gate.max_flaky_rate,
                f"{pct(frac)} of items are flaky ({flaky}/{items}: pass/fail differs across "
                f"repeats); allowed {pct(gate.max_flaky_rate)}",
                comparison.flaky_items,
            )
    return tuple(checks)


def _run_score_checks(experiment: str, score: Score, t: Thresholds) -> list[Check]:
    """A run-level score (run evaluators, scripts): only ``min`` applies."""
    if score.value is None:
        why = score.error or f"the run-level score '{score.name}' has no value"
        return [Check(experiment, score.name, "score", "fail", None, None, why)]
    if t.min is None:
        return []
    ok = score.value >= t.min
    plain = score.scale is None  # a run evaluator's number, in its own units
    return [
        Check(
            experiment,
            score.name,
            "min",
            "pass" if ok else "fail",
            score.value,
            t.min,
            f"run-level value {figure(score.value, plain)} is "
            f"{'at or above' if ok else 'below'} the minimum {figure(t.min, plain)}",
        )
    ]


def _score_checks(
    comparison: Comparison,
    score: ScoreComparison,
    t: Thresholds,
    judge_changed_fails: bool,
    foreign: str | None = None,
) -> list[Check]:
    """``foreign``: why the baseline cannot be compared with (too few items in common)."""
    out: list[Check] = []
    experiment, name = comparison.experiment, score.name
    cand = score.candidate
    assert cand is not None
    errors = [errornotes.counted_as_zero(score), errornotes.errors_left_out(score)]
    counted = f" ({'; '.join(e for e in errors if e)})" if any(errors) else ""

    def add(
        kind: str,
        status: Status,
        observed: float | None,
        limit: float | None,
        why: str,
        items: tuple[str, ...] = (),
    ) -> None:
        out.append(Check(experiment, name, kind, status, observed, limit, why, items=items))

    plain = score.plain
    if t.min is not None:
        ok = cand.mean >= t.min
        add(
            "min",
            "pass" if ok else "fail",
            cand.mean,
            t.min,
            f"mean {figure(cand.mean, plain)} is {'at or above' if ok else 'below'} the minimum "
            f"{figure(t.min, plain)}{counted}",
        )
    if score.pass_mark is None:
        for kind, limit in (
            ("min_pass_rate", t.min_pass_rate),
            ("max_regressed_items", t.max_regressed_items),
        ):
            if limit is not None:
                add(kind, "fail", None, limit, no_pass_mark(name))
    elif t.min_pass_rate is not None and cand.pass_rate is not None:
        ok = cand.pass_rate >= t.min_pass_rate
        passed = round(cand.pass_rate * cand.n)
        add(
            "min_pass_rate",
            "pass" if ok else "fail",
            cand.pass_rate,
            t.min_pass_rate,
            f"pass rate {pct(cand.pass_rate)} ({passed}/{cand.n}) is "
            f"{'at or above' if ok else 'below'} {pct(t.min_pass_rate)}{counted}",
        )
    needs_baseline = [
        kind
        for kind, limit in (
            ("max_drop", t.max_drop),
            ("max_regressed_items", t.max_regressed_items),
        )
        if limit is not None and (kind == "max_drop" or score.pass_mark is not None)
    ]
    if not needs_baseline:
        return out
    if comparison.baseline is None:
        note = comparison.baseline_note or "no baseline"
        for kind in needs_baseline:
            if comparison.baseline_required:  # asked for and not found: fail closed
                add(kind, "fail", None, getattr(t, kind), f"not run: {note}")
            else:
                add(kind, "skip", None, getattr(t, kind), f"skipped: {note}")
        return out
    if foreign is not None:
        for kind in needs_baseline:
            add(kind, "fail", None, getattr(t, kind), f"not run: {foreign} (min_overlap)")
        return out
    if not score.in_baseline:
        for kind in needs_baseline:
            why = (
                f"new score: the baseline has no '{name}'; it is compared from the next baseline on"
            )
            add(kind, "skip", None, getattr(t, kind), why)
        return out
    if score.judge_changed:
        status: Status = "fail" if judge_changed_fails else "warn"
        for kind in needs_baseline:
            add(
                kind,
                status,
                None,
                getattr(t, kind),
                f"{score.judge_changed}; the scores are not comparable with the baseline's",
            )
        return out
    if t.max_drop is not None:
        out.append(_drop_check(experiment, score, t))
    if t.max_regressed_items is not None and score.pass_mark is not None:
        count = len(score.regressed)
        ok = count <= t.max_regressed_items
        listed = f": {ids(score.regressed)}" if count else ""
        note = errornotes.pairs_note(score)
        add(
            "max_regressed_items",
            "pass" if ok else "fail",
            count,
            t.max_regressed_items,
            f"{count} item{'s' if count != 1 else ''} passed in the baseline and fail now "
            f"(allowed {t.max_regressed_items}){listed}" + (f"; {note}" if note else ""),
            score.regressed,
        )
    return out


def no_pass_mark(name: str) -> str:
    """Why a plain score without a pass mark has no pass rate and no regressed items."""
    return (
        f"'{name}' has no pass mark: it is a plain number (its evaluator declares no scale), so "
        f"no item passes or fails on it; set pass_mark, in its units, on its evaluator or under "
        f"gate.{name}"
    )


def drop_fails(
    mean_delta: float, p_worse: float, max_drop: float, significance: float | None
) -> bool:
    """The rule of ``max_drop``: a drop larger than allowed, and (unless off) significant."""
    too_large = -mean_delta > max_drop + 1e-12
    return too_large and (significance is None or p_worse < significance)


def _drop_check(experiment: str, score: ScoreComparison, t: Thresholds) -> Check:
    assert t.max_drop is not None
    d = score.delta
    pairs = errornotes.pairs_note(score)
    if d is None:
        # Could not be evaluated: fail closed (a check the user asked for never passes unseen).
        return Check(
            experiment,
            score.name,
            "max_drop",
            "fail",
            None,
            t.max_drop,
            "not run: no item has a value in both the candidate and the baseline, so the drop "
            "cannot be measured" + (f"; {pairs}" if pairs else ""),
        )
    drop = -d.mean_delta
    failed = drop_fails(d.mean_delta, d.p_worse, t.max_drop, t.significance)
    shown = delta_text(score)
    allowed = figure(t.max_drop, score.plain)
    over = f"over {d.n} paired items" + (f" ({pairs})" if pairs else "")
    if failed:
        why = f"mean changed by {shown} {over}: a drop larger than the allowed {allowed}"
        why += " and significant" if t.significance is not None else ""
        if t.significance is not None:
            why += f" (p < {t.significance:g})"
    elif drop > t.max_drop and t.significance is not None:
        why = (
            f"mean changed by {shown} {over}: larger than the allowed "
            f"{allowed} but not significant (p ≥ {t.significance:g}); within noise"
        )
    else:
        why = f"mean changed by {shown} {over}; allowed drop {allowed}"
    notes: list[str] = []
    if score.clustering is not None and d.clusters is not None:  # first: said in full
        few = clusters.power_note(d.clusters, score.clustering.key)
        notes += [few] if few else []
    power = _power_note(score, t) if t.significance is not None else None
    notes += [power] if power else []
    note = ". ".join(notes) if notes else None
    if note:
        why += f". {note}"
    return Check(
        experiment,
        score.name,
        "max_drop",
        "fail" if failed else "pass",
        drop if not math.isnan(drop) else None,
        t.max_drop,
        why,
        note,
        score.regressed,
    )


def _power_note(score: ScoreComparison, t: Thresholds) -> str | None:
    """ "Too few items (clusters) for this tolerance", at the score's own significance level."""
    d = score.delta
    assert d is not None and t.max_drop is not None and t.significance is not None
    mde = stats.minimum_detectable_drop(d.spread, d.units, alpha=t.significance)
    if t.max_drop <= 0 or mde is None or mde <= t.max_drop:
        return None
    needed = stats.items_needed(d.spread or 0.0, t.max_drop, alpha=t.significance)
    allowed = figure(t.max_drop, score.plain)
    if d.clusters is None:
        units = "items"
        more = f"about {needed} items would be needed"
    else:
        units = "clusters"
        size = d.n / d.clusters
        more = f"about {needed} clusters of {size:.3g} items on average would be needed"
    return (
        f"Too few {units} for this tolerance: the smallest drop this dataset can detect is "
        f"{figure(mde, score.plain)}; {more} to detect {allowed}"
    )


def decide(checks: Sequence[Check], comparisons: Sequence[Comparison]) -> Verdict:
    return Verdict(tuple(checks), tuple(comparisons))
