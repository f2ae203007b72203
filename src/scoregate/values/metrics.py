"""Latency, tokens and cost: the metrics every run has, shown beside its scores (lower is better).

* ``latency``: the task's wall time per sample, in seconds. A task whose model call came from
  the cache counts the seconds the call took when it was made (so a warm cache cannot hide a
  slower task); a sample whose task failed has none.
* ``tokens``: prompt and completion tokens per sample, the task's and its judges' together.
  Only calls scoregate makes (prompt tasks, judges) are seen: a Python task's own calls are
  not, so a run without any such call has no tokens ("not measured").
* ``cost``: USD per sample of the same calls, task and judges apart. A call to a model with no
  price makes the cost of its sample unknown, never 0.

An item's value is the mean of its samples'. Cached calls keep the tokens and cost they had
when they were made, and are counted, so a report says how many of the figures are replayed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from scoregate.values.model import Sample, Usage
from scoregate.values.money import dollars

LATENCY: Final = "latency"
TOKENS: Final = "tokens"
COST: Final = "cost"
METRICS: Final = (LATENCY, TOKENS, COST)
"""The metric names, reserved: no evaluator may produce a score so named."""


def amount(name: str, value: float) -> str:
    """A figure in the metric's units: ``1.23 s``, ``1,520 tokens``, ``$0.00042``."""
    if name == LATENCY:
        return f"{value * 1000:.3g} ms" if value < 1 else f"{value:,.2f} s"
    if name == COST:
        return dollars(value)  # as every cost reads: $0.00042, never $0.0000
    return f"{value:,.0f} tokens" if value >= 10 else f"{value:.3g} tokens"


def percent(value: float) -> str:
    """``+25.0%``; from ±1000% on without decimals, with thousands separated (``+62,700%``)."""
    if abs(value) >= 10:
        return f"{value * 100:+,.0f}%"
    return f"{value * 100:+.1f}%"


@dataclass(frozen=True, slots=True)
class SampleMetrics:
    """One sample's figures; None where there is nothing to measure or the value is unknown."""

    latency: float | None
    """None: the task failed, or the record has no latency for it."""
    tokens: int | None
    """None: no model call went through scoregate for this sample."""
    task_cost: float | None
    """None: the task made no call through scoregate, or called a model with no price."""
    judge_cost: float | None
    """None: no judge call, or a judge called a model with no price."""
    calls: int
    """Model calls behind the sample, made or cached."""
    cached: int
    """Of those, calls answered from the cache."""
    unpriced: int
    """Calls to a model with no price."""

    def value(self, name: str) -> float | None:
        """The figure a gate compares: latency, tokens, or the sample's whole cost."""
        if name == LATENCY:
            return self.latency
        if name == TOKENS:
            return None if self.tokens is None else float(self.tokens)
        if self.calls == 0 or self.unpriced:
            return None
        return (self.task_cost or 0.0) + (self.judge_cost or 0.0)


def _cost(usage: Usage | None) -> float | None:
    if usage is None or usage.calls + usage.cache_hits == 0 or usage.unpriced:
        return None
    return usage.cost


def of_sample(sample: Sample) -> SampleMetrics:
    """The metrics of one sample, from its latency and the usage of its task and judges."""
    judges = Usage()
    judged = False
    for score in sample.scores:
        if score.usage is not None:
            judges += score.usage
            judged = True
    task = sample.usage
    both = (task or Usage()) + judges
    calls = both.calls + both.cache_hits
    return SampleMetrics(
        # 0: not measured (a record that did not keep it); a real task never takes 0 s.
        latency=None if sample.error is not None or sample.latency <= 0 else sample.latency,
        tokens=both.prompt_tokens + both.completion_tokens if calls else None,
        task_cost=_cost(task),
        judge_cost=_cost(judges) if judged else None,
        calls=calls,
        cached=both.cache_hits,
        unpriced=both.unpriced,
    )


@dataclass(frozen=True, slots=True)
class MetricSummary:
    """One metric over the items of one run."""

    items: int
    """Items with a value."""
    mean: float | None
    """Mean over those items; None when unknown (a call to a model with no price)."""
    p95: float | None
    """95th percentile over the samples with a value."""
    unknown: int = 0
    """Items whose value is unknown (cost: a model with no price)."""
    task_mean: float | None = None
    """Cost only: the task's share of ``mean`` (None: not measured or unknown)."""
    judge_mean: float | None = None
    """Cost only: the judges' share of ``mean``."""


@dataclass(frozen=True, slots=True)
class MetricComparison:
    """One metric of the candidate beside the baseline's, paired by item."""

    name: str
    candidate: MetricSummary | None
    """None: the run has no value of it (nothing measured)."""
    baseline: MetricSummary | None
    paired: int = 0
    """Items with a known value in both runs."""
    increase: float | None = None
    """Relative increase over the baseline on the paired items (0.2: 20% more). Latency: the
    geometric mean of the per-item ratios minus 1; tokens and cost: ratio of the means minus 1.
    None without pairs, or when the baseline's mean is 0."""
    interval: tuple[float, float] | None = None
    """The confidence interval of ``increase``."""
    p_higher: float | None = None
    """One-sided p-value of the paired sign-flip test for "the candidate is higher"."""
    method: str = ""
    cached: int = 0
    """Candidate model calls answered from the cache (figures as when they were made)."""
    calls: int = 0
    """Candidate model calls, made or cached."""
    unpriced: int = 0
    """Candidate calls to a model with no price."""
    note: str | None = None
    """Why a figure is missing, in words (not measured, unknown)."""
