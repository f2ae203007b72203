"""gate.py: thresholds × comparison → checks with their explanation → verdict and exit code."""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

from testing.project import make_record

from scoregate.config.model import GateConfig, Thresholds
from scoregate.decide.compare import compare
from scoregate.decide.gate import decide, drop_fails, evaluate
from scoregate.decide.stats import items_needed, minimum_detectable_drop
from scoregate.record.baselines import load_baseline
from scoregate.values.model import Check, RunRecord


def checks_of(
    candidate: RunRecord,
    baseline: RunRecord | None,
    gate: GateConfig,
    note: str | None = None,
) -> list[tuple[str | None, str, str, str]]:
    comparison = compare(candidate, baseline, baseline_note=note)
    return [(c.score, c.kind, c.status, c.explanation) for c in evaluate(comparison, gate)]


def gate(**thresholds: Thresholds) -> GateConfig:
    return GateConfig(scores=thresholds)


def test_min_and_min_pass_rate() -> None:
    candidate = make_record({"a": 1.0, "b": 1.0, "c": 0.0, "d": 0.6})
    assert checks_of(candidate, None, gate(correct=Thresholds(min=0.7, min_pass_rate=0.75))) == [
        ("correct", "min", "fail", "mean 0.650 is below the minimum 0.700"),
        ("correct", "min_pass_rate", "pass", "pass rate 75.0% (3/4) is at or above 75.0%"),
        (None, "max_error_rate", "pass", "0.0% of samples had errors (0/4); allowed 0.0%"),
    ]


def test_missing_baseline_skips_the_baseline_checks_with_the_reason(tmp_path: Path) -> None:
    record, note = load_baseline("qa", tmp_path / "baselines" / "qa.json")
    assert record is None
    assert note == (
        f"no baseline at {tmp_path / 'baselines' / 'qa.json'}; record one with "
        "'scoregate baseline promote RUN' after a run you trust"
    )
    candidate = make_record({"a": 1.0, "b": 1.0})
    thresholds = Thresholds(min=0.5, max_drop=0.05, max_regressed_items=0)
    assert checks_of(candidate, None, gate(correct=thresholds), note) == [
        ("correct", "min", "pass", "mean 1.000 is at or above the minimum 0.500"),
        ("correct", "max_drop", "skip", f"skipped: {note}"),
        ("correct", "max_regressed_items", "skip", f"skipped: {note}"),
        (None, "max_error_rate", "pass", "0.0% of samples had errors (0/2); allowed 0.0%"),
    ]
    verdict = decide(evaluate(compare(candidate, None, baseline_note=note), gate()), [])
    assert (verdict.passed, verdict.exit_code) == (True, 0)


def test_regressed_items_are_counted_and_named() -> None:
    baseline = make_record({f"i{n}": 1.0 for n in range(8)}, run_id="base")
    candidate = make_record({f"i{n}": (0.0 if n < 7 else 1.0) for n in range(8)})
    found = checks_of(candidate, baseline, gate(correct=Thresholds(max_regressed_items=1)))
    assert found[0] == (
        "correct",
        "max_regressed_items",
        "fail",
        "7 items passed in the baseline and fail now (allowed 1): i0, i1, i2, i3, i4 and 2 more",
    )


def test_max_drop_needs_a_significant_drop_unless_significance_is_off() -> None:
    baseline = make_record({f"i{n}": 1.0 for n in range(20)}, run_id="base")
    small = make_record({f"i{n}": (0.0 if n == 0 else 1.0) for n in range(20)})
    large = make_record({f"i{n}": (0.0 if n < 10 else 1.0) for n in range(20)})
    noisy = GateConfig(scores={"correct": Thresholds(max_drop=0.02)})
    plain = GateConfig(scores={"correct": Thresholds(max_drop=0.02, significance=None)})

    def drop_check(candidate: RunRecord, config: GateConfig) -> Check:
        return evaluate(compare(candidate, baseline), config)[0]

    # One nonzero delta (-1): the identity ties (1/2), its flip is below: p = 0.5 / 2 (mid-p).
    within_noise = drop_check(small, noisy)
    assert within_noise.status == "pass"
    assert within_noise.explanation.startswith(
        "mean changed by -0.050 [-0.150, +0.000] p=0.25 over 20 paired items: larger than the "
        "allowed 0.020 but not significant (p ≥ 0.05); within noise"
    )
    assert within_noise.observed == 0.05
    assert drop_check(small, plain).status == "fail"
    # Ten nonzero deltas (-1): only the identity ties, none above: p = 0.5 / 2**10 < 0.001.
    significant = drop_check(large, noisy)
    assert significant.status == "fail"
    assert significant.explanation.startswith(
        "mean changed by -0.500 [-0.700, -0.300] p<0.001 over 20 paired items: a drop larger "
        "than the allowed 0.020 and significant (p < 0.05)"
    )
    assert drop_fails(-0.05, 0.5, 0.02, None)
    assert not drop_fails(-0.05, 0.5, 0.02, 0.05)
    assert not drop_fails(-0.02, 0.0, 0.02, 0.05)


def test_error_budget_fails_with_exit_code_3() -> None:
    candidate = make_record(
        {"a": 1.0, "b": 1.0, "c": 1.0, "d": 1.0}, task_errors={"d": "RuntimeError: boom"}
    )
    config = GateConfig(scores={"correct": Thresholds(min=0.5)}, max_error_rate=0.2)
    comparison = compare(candidate, None)
    checks = evaluate(comparison, config)
    assert [(c.kind, c.status, c.explanation) for c in checks] == [
        (
            "min",
            "pass",
            "mean 0.750 is at or above the minimum 0.500 (1 errored sample counted as 0)",
        ),
        ("max_error_rate", "fail", "25.0% of samples had errors (1/4); allowed 20.0%"),
    ]
    verdict = decide(checks, [comparison])
    assert (verdict.passed, verdict.exit_code) == (False, 3)
    relaxed = decide(evaluate(comparison, GateConfig(max_error_rate=0.25)), [comparison])
    assert relaxed.exit_code == 0


def test_a_score_without_any_value_fails() -> None:
    config = GateConfig(scores={"correct": Thresholds(min=0.5)}, max_error_rate=1.0)
    lost = make_record({"a": None, "b": None}, error_kind="infra")
    assert checks_of(lost, None, config)[0] == (
        "correct",
        "score",
        "fail",
        "'correct' has no value: its task or evaluator failed on all 2 samples",
    )
    # An app error is the app's failure: it counts as 0 (issue 13).
    candidate = make_record({"a": None, "b": None})
    assert checks_of(candidate, None, config)[0] == (
        "correct",
        "min",
        "fail",
        "mean 0.000 is below the minimum 0.500 (2 errored samples counted as 0)",
    )
    assert checks_of(candidate, None, gate(other=Thresholds(min=0.1)))[0] == (
        "other",
        "score",
        "fail",
        "no sample produced the score 'other'",
    )


def test_flaky_rate() -> None:
    candidate = make_record({"a": [1.0, 0.0], "b": [1.0, 1.0]})
    config = GateConfig(max_flaky_rate=0.25)
    assert checks_of(candidate, None, config)[1] == (
        None,
        "max_flaky_rate",
        "fail",
        "50.0% of items are flaky (1/2: pass/fail differs across repeats); allowed 25.0%",
    )
    single = make_record({"a": 1.0})
    assert checks_of(single, None, config)[1] == (
        None,
        "max_flaky_rate",
        "skip",
        "flakiness needs repeats of 2 or more",
    )


def test_verdict_exit_codes() -> None:
    def check(kind: str, status: str) -> Check:
        return Check("qa", "correct", kind, status, None, None, "")  # type: ignore[arg-type]

    assert decide([check("min", "pass"), check("max_drop", "skip")], []).exit_code == 0
    assert decide([check("min", "fail"), check("max_drop", "warn")], []).exit_code == 1
    assert decide([check("min", "fail"), check("max_error_rate", "fail")], []).exit_code == 3


def test_too_few_items_note_uses_the_score_s_own_significance() -> None:
    # compare's level is the experiment's (0.05); the score's own significance is 0.01: the
    # minimum detectable drop and the items needed are at 0.01, the score's level.
    rng = random.Random(3)
    baseline = make_record({f"i{n}": rng.random() for n in range(30)}, run_id="base")
    candidate = make_record({f"i{n}": rng.random() for n in range(30)})
    comparison = compare(candidate, baseline, alpha=0.05)
    d = comparison.scores[0].delta
    assert d is not None and d.sd_delta is not None
    strict = GateConfig(scores={"correct": Thresholds(max_drop=0.02, significance=0.01)})
    (check,) = [c for c in evaluate(comparison, strict) if c.kind == "max_drop"]
    mde = minimum_detectable_drop(d.sd_delta, 30, alpha=0.01)
    needed = items_needed(d.sd_delta, 0.02, alpha=0.01)
    assert check.note == (
        f"Too few items for this tolerance: the smallest drop this dataset can detect is "
        f"{mde:.3f}; about {needed} items would be needed to detect 0.020"
    )
    assert needed != items_needed(d.sd_delta, 0.02, alpha=0.05)


def test_clustered_drop_check_counts_clusters() -> None:
    ids = [f"i{n}" for n in range(40)]
    baseline = make_record(dict.fromkeys(ids, 1.0), run_id="base")
    candidate = make_record({i: (0.0 if n < 8 else 1.0) for n, i in enumerate(ids)})
    topics = {i: f"t{n // 8}" for n, i in enumerate(ids)}  # 5 topics of 8 items

    def with_topics(record: RunRecord) -> RunRecord:
        items = tuple(
            replace(r, item=replace(r.item, metadata={"topic": topics[r.item.id]}))
            for r in record.items
        )
        return replace(record, items=items)

    comparison = compare(with_topics(candidate), with_topics(baseline), cluster="topic")
    checks = evaluate(comparison, gate(correct=Thresholds(max_drop=0.02)))
    (check,) = [c for c in checks if c.kind == "max_drop"]
    assert check.status == "pass"  # one topic of five broke: p = 0.5 / 2, not significant
    assert "p=0.25, clustered by topic (5 clusters) over 40 paired items" in check.explanation
    assert check.note is not None
    # The little-power note first (a long note is cut in the terminal and markdown), then the
    # tolerance note, in clusters.
    assert check.note.startswith("Little power: only 5 clusters of topic, and the clusters are")
    assert ". Too few clusters for this tolerance: the smallest drop" in check.note
    assert "clusters of 8 items on average would be needed" in check.note
    assert check.note in check.explanation
