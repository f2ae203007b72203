"""decide/metric_compare.py: latency, tokens and cost summarised per run and paired by item."""

from __future__ import annotations

import math

import pytest

from scoregate.decide.metric_compare import compare, percentile
from scoregate.values.model import Item, ItemResult, RunRecord, Sample, Usage


def record(
    latencies: dict[str, list[float]],
    *,
    tokens: int | None = None,
    cost: float = 0.001,
    unpriced: bool = False,
) -> RunRecord:
    items = []
    for item_id, values in latencies.items():
        usage = None if tokens is None else Usage(tokens, 0, cost, 1, 0, int(unpriced))
        samples = tuple(Sample(i, "out", v, usage=usage) for i, v in enumerate(values))
        items.append(ItemResult(Item(item_id, {}), samples))
    return RunRecord("qa", "run", tuple(items))


def test_latency_is_compared_on_log_ratios() -> None:
    before = record({f"i{k}": [1.0 + k] for k in range(20)})
    after = record({f"i{k}": [(1.0 + k) * 1.5] for k in range(20)})
    latency = compare(after, before)[0]
    assert latency.name == "latency" and latency.paired == 20
    assert latency.increase == pytest.approx(0.5)
    assert latency.interval is not None and latency.interval[0] == pytest.approx(0.5)
    assert latency.p_higher is not None and latency.p_higher < 0.001
    assert "on log ratios" in latency.method


def test_one_slow_outlier_does_not_decide_the_latency_change() -> None:
    before = record({f"i{k}": [1.0] for k in range(20)})
    after = record({f"i{k}": [100.0 if k == 0 else 1.0] for k in range(20)})
    latency = compare(after, before)[0]
    assert latency.candidate is not None and latency.candidate.mean == pytest.approx(5.95)
    # The arithmetic mean rose by 495%; the geometric mean ratio by 26%, and not significantly.
    assert latency.increase == pytest.approx(math.exp(math.log(100) / 20) - 1)
    assert latency.p_higher is not None and latency.p_higher > 0.05


def test_tokens_and_cost_are_ratios_of_means_with_task_and_judges_apart() -> None:
    before = record({f"i{k}": [1.0] for k in range(10)}, tokens=100, cost=0.001)
    after = record({f"i{k}": [1.0] for k in range(10)}, tokens=120, cost=0.0011)
    _, tokens, cost = compare(after, before)
    assert tokens.increase == pytest.approx(0.2)
    assert cost.increase == pytest.approx(0.1)
    assert cost.candidate is not None and cost.candidate.task_mean == pytest.approx(0.0011)
    assert cost.candidate.judge_mean is None  # no judge


def test_unknown_cost_is_unknown_not_zero_and_not_compared() -> None:
    before = record({"a": [1.0], "b": [1.0]}, tokens=10)
    after = record({"a": [1.0], "b": [1.0]}, tokens=10, unpriced=True)
    cost = compare(after, before)[2]
    assert cost.candidate is not None
    assert cost.candidate.mean is None and cost.candidate.unknown == 2
    assert cost.increase is None and cost.paired == 0
    assert cost.note is not None and "cost unknown in the candidate: 2 model calls" in cost.note


def test_a_run_without_model_calls_has_no_tokens_and_says_why() -> None:
    run = record({"a": [0.1]})
    latency, tokens, cost = compare(run, None)
    assert latency.candidate is not None and latency.candidate.mean == pytest.approx(0.1)
    assert tokens.candidate is None and cost.candidate is None
    assert tokens.note is not None and "no model call went through scoregate" in tokens.note


def test_a_baseline_of_zero_cost_and_a_costly_candidate_has_no_ratio() -> None:
    before = record({"a": [1.0], "b": [1.0]}, tokens=10, cost=0.0)
    after = record({"a": [1.0], "b": [1.0]}, tokens=10, cost=0.01)
    cost = compare(after, before)[2]
    assert cost.increase is None and cost.paired == 2


def test_percentile_interpolates_as_numpy_does() -> None:
    assert percentile([1.0, 2.0, 3.0, 4.0, 5.0], 0.95) == pytest.approx(4.8)
    assert percentile([7.0], 0.95) == 7.0


def test_a_record_whose_table_has_no_metrics_is_read_from_its_items() -> None:
    from dataclasses import replace

    from scoregate.decide.metric_compare import of_record
    from scoregate.record import scoretable

    run = record({"a": [0.5, 1.5], "b": [2.0, 2.0]}, tokens=10, cost=0.002)
    table = scoretable.build(run.items)
    assert table.metrics is not None and table.metrics["latency"] == [0.5, 1.5, 2.0, 2.0]
    older = replace(table, metrics=None)  # a record written before the table had them
    assert "metrics" not in scoretable.to_json(older)
    for found in (of_record(run, table), of_record(run, older)):
        latency = found.columns["latency"]
        assert latency.items == {"a": 1.0, "b": 2.0}
        assert found.columns["tokens"].items == {"a": 10.0, "b": 10.0}
        assert found.calls == 4 and found.cached == 0
    back = scoretable.from_json(scoretable.to_json(table))
    assert back.metrics is not None and list(back.metrics["cached"]) == [0, 0, 0, 0]
    assert list(back.metrics["latency"]) == [0.5, 1.5, 2.0, 2.0]
