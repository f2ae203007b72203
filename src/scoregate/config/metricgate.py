"""The gate's thresholds of latency, tokens and cost, and the names they reserve.

``gate: {latency: {max_increase: 0.25, max_p95: 3.0}, cost: {max: 0.01}}``: ``max`` (mean per
item), ``max_p95`` (95th percentile over samples) and ``max_increase`` (relative increase over
the baseline, tested like ``max_drop``). The schema checks their types; this module builds the
values and rejects an evaluator that would produce a score named like a metric.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from scoregate.config.model import MetricThresholds
from scoregate.config.yamlsource import KeyPath, SourceDoc, format_path
from scoregate.values.metrics import METRICS
from scoregate.values.quoting import quoted


def thresholds(
    raw: Mapping[str, Any], significance: float | None, doc: SourceDoc, at: KeyPath
) -> dict[str, MetricThresholds]:
    """The metric thresholds of the gate mapping ``raw`` (at ``at``), by metric name."""
    found = {}
    for name in METRICS:
        t = raw.get(name)
        if not isinstance(t, Mapping):
            continue
        level = t.get("significance")
        found[name] = MetricThresholds(
            max=_number(t.get("max")),
            max_p95=_number(t.get("max_p95")),
            max_increase=_number(t.get("max_increase")),
            significance=significance
            if level is None
            else (None if level in ("off", False) else float(level)),
            where=doc.where((*at, name), key=True),
            key=format_path((*at, name)),
        )
    return found


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) else None


def reserved(evaluators: Sequence[Any], doc: SourceDoc, at: KeyPath) -> list[str]:
    """Problems: evaluators (raw mappings at ``at``) named like a metric."""
    problems = []
    for index, evaluator in enumerate(evaluators):
        name = evaluator.get("name") if isinstance(evaluator, Mapping) else None
        if name not in METRICS:
            continue
        path = (*at, index, "name")
        problems.append(
            f"{doc.where(path)}: {format_path(path)}: {quoted(str(name))} is a reserved name: "
            f"{', '.join(METRICS)} are metrics every run has (gate them under "
            f"gate.{name}: max, max_p95, max_increase); give this evaluator another name, "
            f"e.g. {quoted(f'{name}_score')}."
        )
    return problems


__all__ = ["METRICS", "reserved", "thresholds"]
