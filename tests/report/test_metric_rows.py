"""report/metric_rows.py: latency, tokens and cost as every report shows them."""

from __future__ import annotations

from scoregate.config.model import GateConfig, MetricThresholds
from scoregate.decide.compare import compare
from scoregate.decide.gate import decide, evaluate
from scoregate.report import junit, markdown, terminal
from scoregate.report.metric_rows import change, figures
from scoregate.values.metrics import MetricComparison, MetricSummary
from scoregate.values.model import Item, ItemResult, RunRecord, Sample, Score, Usage


def run(latency: float, cost: float, *, cached: bool = False, unpriced: bool = False) -> RunRecord:
    task = Usage(100, 10, cost, 0 if cached else 1, 1 if cached else 0, int(unpriced))
    judge = Usage(50, 5, cost / 2, 1)
    items = tuple(
        ItemResult(
            Item(f"i{k}", {}),
            (
                Sample(
                    0,
                    "out",
                    latency * (1 + k / 10),
                    scores=(Score("j", 1.0, usage=judge),),
                    usage=task,
                ),
            ),
        )
        for k in range(10)
    )
    return RunRecord("qa", "run-" + str(latency), items)


def verdict(candidate: RunRecord, baseline: RunRecord | None):  # type: ignore[no-untyped-def]
    comparison = compare(candidate, baseline)
    gate = GateConfig(metrics={"latency": MetricThresholds(max_increase=0.25)})
    return decide(evaluate(comparison, gate), [comparison])


def test_figures_say_unknown_and_not_measured_in_words() -> None:
    assert figures("cost", None) == "—"
    assert figures("cost", MetricSummary(3, None, None, unknown=3)) == "unknown"
    summary = MetricSummary(3, 0.0015, 0.002, task_mean=0.001, judge_mean=0.0005)
    assert figures("cost", summary) == "$0.0015 (task $0.0010 · judges $0.00050)"
    assert figures("latency", MetricSummary(3, 1.2, 2.1)) == "1.20 s (p95 2.10 s)"
    metric = MetricComparison(
        "latency", None, None, increase=0.5, interval=(0.2, 0.9), p_higher=0.003
    )
    assert change(metric) == "+50.0% [+20.0%, +90.0%] p=0.003"


def test_every_report_shows_the_metrics_beside_the_scores() -> None:
    found = verdict(run(2.0, 0.002), run(1.0, 0.001))
    md = markdown.render(found)
    assert "| metric (lower is better) | baseline | candidate | change [95% CI] p | status |" in md
    latency = next(line for line in md.splitlines() if line.startswith("| latency |"))
    assert "| +100.0% [+100.0%, +100.0%] p=0.00049 | ❌ max_increase |" in latency
    cost = next(line for line in md.splitlines() if line.startswith("| cost |"))
    assert "(task $0.0020 · judges $0.0010)" in cost
    text = terminal.render(found)
    assert "  latency" in text and "+100.0%" in text
    assert "FAIL latency.max_increase" in text
    xml = junit.render(found)
    assert 'name="metric.latency.change" value="+100.0% [+100.0%, +100.0%] p=0.00049"' in xml


def test_cached_calls_are_counted_in_every_report() -> None:
    found = verdict(run(1.0, 0.001, cached=True), run(1.0, 0.001))
    note = "10 of 20 model calls were cached: their latency, tokens and cost are shown as when"
    assert note in markdown.render(found)
    assert note in terminal.render(found)
    assert note in junit.render(found)


def test_unknown_cost_reads_unknown() -> None:
    md = markdown.render(verdict(run(1.0, 0.001, unpriced=True), None))
    cost = next(line for line in md.splitlines() if line.startswith("| cost |"))
    assert "| unknown |" in cost and "$" not in cost
    assert "cost unknown in the candidate: 10 model calls to a model with no price" in md
