"""values/metrics.py: one sample's latency, tokens and cost, and how figures read."""

from __future__ import annotations

import pytest

from scoregate.values.metrics import amount, of_sample, percent
from scoregate.values.model import Sample, Score, Usage


def judge(cost: float, tokens: int = 10, *, unpriced: int = 0, cached: int = 0) -> Score:
    usage = Usage(tokens, 0, cost, 1 - cached, cached, unpriced)
    return Score("judge", 0.8, usage=usage)


def test_task_and_judges_are_summed_and_kept_apart() -> None:
    task = Usage(100, 20, 0.003, 1)
    sample = Sample(0, "out", 1.5, scores=(judge(0.001, 30), judge(0.0005, 5)), usage=task)
    found = of_sample(sample)
    assert found.latency == 1.5
    assert found.tokens == 155
    assert found.task_cost == 0.003 and found.judge_cost == 0.0015
    assert found.value("cost") == pytest.approx(0.0045)
    assert found.value("tokens") == 155.0
    assert (found.calls, found.cached, found.unpriced) == (3, 0, 0)


def test_a_python_task_without_judges_has_no_tokens_and_no_cost_not_zero() -> None:
    found = of_sample(Sample(0, "out", 0.2, scores=(Score("correct", 1.0),)))
    assert found.tokens is None and found.value("tokens") is None
    assert found.value("cost") is None and found.task_cost is None
    assert found.latency == 0.2


def test_a_model_without_a_price_makes_the_cost_unknown() -> None:
    sample = Sample(0, "out", 0.2, scores=(judge(0.0, unpriced=1),), usage=Usage(5, 5, 0.01, 1))
    found = of_sample(sample)
    assert found.value("cost") is None  # unknown, never the 0.01 of the priced part
    assert found.judge_cost is None and found.task_cost == 0.01
    assert found.tokens == 20


def test_cached_calls_count_and_keep_their_figures() -> None:
    sample = Sample(0, "out", 0.9, usage=Usage(50, 10, 0.002, 0, 1))
    found = of_sample(sample)
    assert (found.calls, found.cached) == (1, 1)
    assert found.value("cost") == 0.002 and found.tokens == 60


def test_a_failed_task_has_no_latency() -> None:
    assert of_sample(Sample(0, None, 30.0, error="TimeoutError")).latency is None


def test_amounts_read_in_their_units() -> None:
    assert amount("latency", 0.0054) == "5.4 ms"
    assert amount("latency", 2.5) == "2.50 s"
    assert amount("cost", 0.00042) == "$0.00042"
    assert amount("cost", 0.0123) == "$0.012"
    assert amount("cost", 0.0) == "$0"
    assert amount("tokens", 1520.4) == "1,520 tokens"
    assert percent(0.25) == "+25.0%" and percent(-0.031) == "-3.1%"
    assert percent(626.995) == "+62,700%"
