"""Checks of latency, tokens and cost: ``max``, ``max_p95`` and ``max_increase``. Pure.

``max_increase`` decides as ``max_drop`` does, the other way round: it fails when the relative
increase over the baseline (on the paired items) is larger than allowed **and** the one-sided
sign-flip test gives p < ``significance`` for "the candidate is higher" (with ``significance:
off`` only the first condition). Latency is tested on log ratios (decide/metric_compare.py).

A figure that cannot be had fails closed: a metric the run did not measure, a cost that is
unknown (a model with no price), no item in both runs. Without a baseline ``max_increase``
is skipped, or fails when a baseline was asked for, as ``max_drop`` is.
"""

from __future__ import annotations

from scoregate.config.model import MetricThresholds
from scoregate.values.metrics import LATENCY, MetricComparison, MetricSummary, amount, percent
from scoregate.values.model import Check, Comparison, Status


def checks(
    comparison: Comparison, name: str, t: MetricThresholds, *, foreign: str | None = None
) -> list[Check]:
    """The checks of one metric's thresholds. ``foreign``: why the baseline cannot be compared
    with (too few items in common, min_overlap)."""
    found = comparison.metric(name)
    experiment = comparison.experiment
    out: list[Check] = []

    def add(kind: str, status: Status, observed: float | None, limit: float, why: str) -> None:
        out.append(Check(experiment, name, kind, status, observed, limit, why))

    cand = found.candidate if found else None
    for kind, limit in (("max", t.max), ("max_p95", t.max_p95)):
        if limit is None:
            continue
        figure = _figure(cand, kind)
        if figure is None:
            add(kind, "fail", None, limit, f"not run: {_missing(found, name)}")
            continue
        ok = figure <= limit + 1e-12
        what = "mean per item" if kind == "max" else "95th percentile"
        add(
            kind,
            "pass" if ok else "fail",
            figure,
            limit,
            f"{what} {amount(name, figure)} is {'at or below' if ok else 'above'} the "
            f"maximum {amount(name, limit)}{_cached(found)}",
        )
    if t.max_increase is not None:
        out.append(_increase(comparison, found, t, t.max_increase, foreign))
    return out


def _figure(summary: MetricSummary | None, kind: str) -> float | None:
    if summary is None:
        return None
    return summary.mean if kind == "max" else summary.p95


def _missing(found: MetricComparison | None, name: str) -> str:
    if found is not None and found.note:
        return found.note
    return f"the run has no {name}"


def _cached(found: MetricComparison | None) -> str:
    if found is None or not found.cached:
        return ""
    return (
        f" ({found.cached} of {found.calls} model calls cached: counted with the latency and "
        "cost they had when made)"
    )


def _increase(
    comparison: Comparison,
    found: MetricComparison | None,
    t: MetricThresholds,
    limit: float,
    foreign: str | None,
) -> Check:
    name = found.name if found else ""
    experiment = comparison.experiment

    def check(status: Status, observed: float | None, why: str, note: str | None = None) -> Check:
        return Check(experiment, name, "max_increase", status, observed, limit, why, note)

    if comparison.baseline is None:
        missing = comparison.baseline_note or "no baseline"
        if comparison.baseline_required:
            return check("fail", None, f"not run: {missing}")
        return check("skip", None, f"skipped: {missing}")
    if foreign is not None:
        return check("fail", None, f"not run: {foreign} (min_overlap)")
    assert found is not None
    if found.candidate is None or found.candidate.mean is None:
        return check("fail", None, f"not run: {_missing(found, name)}")
    if found.baseline is None or found.baseline.mean is None:
        why = _missing(found, name)
        return check("skip", None, f"skipped: {why}; compared from the next baseline on")
    if found.paired == 0:
        return check("fail", None, "not run: no item has a value in both runs")
    allowed = percent(limit)
    over = f"over {found.paired} paired items"
    if found.increase is None:
        # The baseline's mean is 0 and the candidate's is not: any increase is infinite.
        p = found.p_higher if found.p_higher is not None else 1.0
        failed = t.significance is None or p < t.significance
        return check(
            "fail" if failed else "pass",
            None,
            f"{name} rose from 0 in the baseline {over}"
            + ("" if failed else f", but not significantly (p ≥ {t.significance:g})"),
        )
    increase = found.increase
    too_large = increase > limit + 1e-12
    significant = t.significance is None or (
        found.p_higher is not None and found.p_higher < t.significance
    )
    failed = too_large and significant
    interval = (
        f" (95% CI {percent(found.interval[0])} to {percent(found.interval[1])})"
        if found.interval
        else ""
    )
    kind = "geometric mean ratio" if name == LATENCY else "mean"
    shown = f"{name} changed by {percent(increase)}{interval} ({kind}) {over}"
    if failed:
        why = f"{shown}: an increase larger than the allowed {allowed}"
        if t.significance is not None:
            why += f" and significant (p < {t.significance:g})"
    elif too_large:
        why = (
            f"{shown}: larger than the allowed {allowed} but not significant "
            f"(p ≥ {t.significance:g}); within noise"
        )
    else:
        why = f"{shown}; allowed increase {allowed}"
    too_few = _too_few(found.paired, t.significance)
    why += _cached(found) + (f". {too_few}" if too_few else "")
    return check("fail" if failed else "pass", increase, why, too_few)


def _too_few(paired: int, significance: float | None) -> str | None:
    """Why the test cannot fail with so few items: its smallest p (all items one way, mid-p)
    is 0.5 / 2**n, and n = 3 gives 0.0625."""
    if significance is None or 0.5 / 2**paired < significance:
        return None
    return (
        f"Too few items: with {paired} paired item{'s' if paired != 1 else ''} the test's "
        f"smallest possible p is {0.5 / 2**paired:.3g}, not below {significance:g}, so this "
        "check cannot fail; add items, or set significance: off for this metric"
    )
