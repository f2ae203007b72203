"""decide/metric_gate.py: max, max_p95 and max_increase of latency, tokens and cost."""

from __future__ import annotations

from scoregate.config.model import GateConfig, MetricThresholds
from scoregate.decide.compare import compare
from scoregate.decide.gate import evaluate
from scoregate.values.model import Check, Item, ItemResult, RunRecord, Sample, Usage


def run(latencies: list[float], *, tokens: int | None = None, run_id: str = "r") -> RunRecord:
    usage = None if tokens is None else Usage(tokens, 0, 0.001, 1)
    items = tuple(
        ItemResult(Item(f"i{k}", {}), (Sample(0, "out", value, usage=usage),))
        for k, value in enumerate(latencies)
    )
    return RunRecord("qa", run_id, items)


def checks(
    candidate: RunRecord, baseline: RunRecord | None, name: str = "latency", **limits: object
) -> list[Check]:
    thresholds = MetricThresholds(**limits)  # type: ignore[arg-type]
    gate = GateConfig(metrics={name: thresholds})
    comparison = compare(candidate, baseline, baseline_note="no baseline at baselines/qa.json")
    return [c for c in evaluate(comparison, gate) if c.score == name]


def test_max_increase_fails_on_a_significant_increase_larger_than_allowed() -> None:
    [found] = checks(run([2.0] * 12), run([1.0] * 12), max_increase=0.25)
    assert found.status == "fail" and found.kind == "max_increase"
    assert found.observed is not None and abs(found.observed - 1.0) < 1e-9
    assert found.explanation.startswith(
        "latency changed by +100.0% (95% CI +100.0% to +100.0%) (geometric mean ratio) over 12 "
        "paired items: an increase larger than the allowed +25.0% and significant (p < 0.05)"
    )


def test_max_increase_within_noise_passes_and_says_so() -> None:
    # Two items twice as slow, two faster: large but not significant over four items.
    [found] = checks(run([2.0, 2.0, 0.9, 1.0]), run([1.0, 1.0, 1.0, 1.0]), max_increase=0.1)
    assert found.status == "pass"
    assert "not significant (p ≥ 0.05); within noise" in found.explanation


def test_max_increase_without_significance_is_the_plain_check() -> None:
    [found] = checks(run([2.0, 2.0, 0.9, 1.0]), run([1.0] * 4), max_increase=0.1, significance=None)
    assert found.status == "fail"
    assert "an increase larger than the allowed +10.0%" in found.explanation


def test_max_and_p95_are_absolute_and_need_no_baseline() -> None:
    found = checks(run([1.0] * 18 + [10.0, 10.0]), None, max=2.0, max_p95=2.0)
    by_kind = {c.kind: c for c in found}
    assert by_kind["max"].status == "pass" and abs(by_kind["max"].observed - 1.9) < 1e-9
    assert by_kind["max"].explanation == ("mean per item 1.90 s is at or below the maximum 2.00 s")
    assert by_kind["max_p95"].status == "fail"
    assert by_kind["max_p95"].explanation.startswith(
        "95th percentile 10.00 s is above the maximum 2.00 s"
    )


def test_without_a_baseline_max_increase_is_skipped_with_the_reason() -> None:
    [found] = checks(run([1.0]), None, max_increase=0.25)
    assert (found.status, found.explanation) == (
        "skip",
        "skipped: no baseline at baselines/qa.json",
    )


def test_a_metric_the_run_does_not_have_fails_closed() -> None:
    [found] = checks(run([1.0, 1.0]), None, name="tokens", max=100.0)
    assert found.status == "fail" and found.observed is None
    assert found.explanation.startswith("not run: tokens not measured in the candidate")


def test_a_baseline_without_the_metric_skips_until_the_next_baseline() -> None:
    [found] = checks(run([1.0], tokens=10), run([1.0]), name="tokens", max_increase=0.1)
    assert found.status == "skip"
    assert "tokens not measured in the baseline" in found.explanation
    assert found.explanation.endswith("compared from the next baseline on")


def test_tokens_increase_is_the_ratio_of_means() -> None:
    [found] = checks(
        run([1.0] * 6, tokens=130), run([1.0] * 6, tokens=100), "tokens", max_increase=0.2
    )
    assert found.status == "fail"
    assert found.explanation.startswith("tokens changed by +30.0%")


def test_with_too_few_items_the_check_says_it_cannot_fail() -> None:
    [found] = checks(run([9.0, 9.0, 9.0]), run([1.0, 1.0, 1.0]), max_increase=0.25)
    assert found.status == "pass"
    assert found.note == (
        "Too few items: with 3 paired items the test's smallest possible p is 0.0625, not below "
        "0.05, so this check cannot fail; add items, or set significance: off for this metric"
    )
    assert found.explanation.endswith(found.note)
    [four] = checks(run([9.0] * 4), run([1.0] * 4), max_increase=0.25)
    assert four.status == "fail" and four.note is None
