"""Latency, tokens and cost beside the scores: the rows every report shows (lower is better).

Latency shows its mean and 95th percentile, tokens their mean per item, cost its mean per item
with the task's and the judges' shares; with a baseline, the relative change on the paired
items, its 95% interval and the p-value for "higher". Unknown cost reads "unknown", a metric
the run does not have "—"; cached model calls are counted, their figures as when made.
"""

from __future__ import annotations

from scoregate.values.metrics import COST, LATENCY, MetricComparison, MetricSummary, amount, percent
from scoregate.values.model import Comparison


def figures(name: str, summary: MetricSummary | None) -> str:
    """``1.20 s (p95 2.10 s)``, ``1,520 tokens``, ``$0.0042 (task $0.0030 · judges $0.0012)``."""
    if summary is None:
        return "—"
    if summary.mean is None:
        return "unknown"
    shown = amount(name, summary.mean)
    if name == LATENCY and summary.p95 is not None:
        return f"{shown} (p95 {amount(name, summary.p95)})"
    if name == COST and summary.judge_mean is not None:
        task = "—" if summary.task_mean is None else amount(name, summary.task_mean)
        return f"{shown} (task {task} · judges {amount(name, summary.judge_mean)})"
    return shown


def change(metric: MetricComparison) -> str:
    """``+25.0% [+10.2%, +41.9%] p=0.003``, or ``—`` without a paired comparison."""
    if metric.increase is None:
        return "—"
    shown = percent(metric.increase)
    if metric.interval is not None:
        shown += f" [{percent(metric.interval[0])}, {percent(metric.interval[1])}]"
    if metric.p_higher is not None:
        shown += f" p={metric.p_higher:.2g}"
    return shown


def cached_note(comparison: Comparison) -> str | None:
    """How many model calls were answered from the cache, and what that means for the figures."""
    found = comparison.metrics[0] if comparison.metrics else None
    if found is None or not found.cached:
        return None
    return (
        f"{found.cached} of {found.calls} model calls were cached: their latency, tokens and "
        "cost are shown as when they were made"
    )


def notes(comparison: Comparison) -> list[str]:
    """Why a cost is unknown (never read as $0), and the cached calls. A metric the run does
    not measure reads "—" (a check on it says why)."""
    found = [
        f"{m.name}: {m.note}"
        for m in comparison.metrics
        if m.note and any(s is not None and s.unknown for s in (m.candidate, m.baseline))
    ]
    cached = cached_note(comparison)
    return [*found, *([cached] if cached else [])]


def markdown(comparison: Comparison, status: dict[str, str]) -> list[str]:
    """The metrics table of an experiment's section (``status``: the icon per metric)."""
    if not comparison.metrics:
        return []
    lines = [
        "| metric (lower is better) | baseline | candidate | change [95% CI] p | status |",
        "|---|---:|---:|---|---|",
    ]
    for metric in comparison.metrics:
        lines.append(
            f"| {metric.name} | {figures(metric.name, metric.baseline)} | "
            f"{figures(metric.name, metric.candidate)} | {change(metric)} | "
            f"{status.get(metric.name, '—')} |"
        )
    lines.append("")
    for note in notes(comparison):
        lines += [f"> ℹ️ {note}", ""]
    return lines


def terminal(comparison: Comparison) -> list[str]:
    """``  latency  1.20 s (p95 2.10 s) → 1.50 s (p95 2.40 s) +25.0% [+10%, +41%] p=0.003``;
    a metric neither run measured is left out."""
    lines = []
    for metric in comparison.metrics:
        if metric.candidate is None and metric.baseline is None:
            continue  # not measured in either run: nothing to show in a summary
        before = figures(metric.name, metric.baseline) if comparison.baseline else ""
        now = figures(metric.name, metric.candidate)
        line = f"  {metric.name:<20} " + (f"{before} → {now}" if before else now)
        if metric.increase is not None:
            line += f" {change(metric)}"
        lines.append(line)
    cached = cached_note(comparison)
    return lines + ([f"  {cached}"] if cached else [])


def properties(comparison: Comparison) -> dict[str, str]:
    """JUnit properties: each metric's figures and change."""
    props = {}
    for metric in comparison.metrics:
        props[f"metric.{metric.name}"] = figures(metric.name, metric.candidate)
        if metric.baseline is not None:
            props[f"metric.{metric.name}.baseline"] = figures(metric.name, metric.baseline)
        if metric.increase is not None:
            props[f"metric.{metric.name}.change"] = change(metric)
    cached = cached_note(comparison)
    if cached:
        props["metric.cached"] = cached
    return props
