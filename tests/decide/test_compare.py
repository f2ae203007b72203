"""compare.py: pairing by item id, aggregates, regressed/improved/flaky items, errors."""

from __future__ import annotations

from dataclasses import replace

import pytest
from testing.project import make_record

from scoregate.decide.compare import compare, judge_difference
from scoregate.values.model import RunRecord, ScoreDef


def test_aggregates_of_a_run_without_baseline() -> None:
    candidate = make_record({"a": 1.0, "b": 0.0, "c": 0.5, "d": 0.25})
    comparison = compare(candidate, None, baseline_note="no baseline configured")
    (score,) = comparison.scores
    assert score.name == "correct"
    assert score.baseline is None
    assert score.delta is None
    assert score.candidate is not None
    assert score.candidate.n == 4
    assert score.candidate.mean == pytest.approx(0.4375)
    assert score.candidate.median == pytest.approx(0.375)
    # a and c reach the pass mark 0.5.
    assert score.candidate.pass_rate == 0.5
    assert comparison.baseline_note == "no baseline configured"
    assert (comparison.new_items, comparison.missing_items) == ((), ())


def test_items_are_paired_by_id_not_position() -> None:
    baseline = make_record({"a": 1.0, "b": 1.0, "c": 0.0, "gone": 1.0}, run_id="base")
    candidate = make_record({"new": 1.0, "c": 1.0, "b": 0.0, "a": 1.0})
    comparison = compare(candidate, baseline)
    (score,) = comparison.scores
    assert score.regressed == ("b",)
    assert score.improved == ("c",)
    assert comparison.new_items == ("new",)
    assert comparison.missing_items == ("gone",)
    assert score.delta is not None
    # Paired over a, b, c: deltas 0, -1, +1.
    assert score.delta.n == 3
    assert score.delta.mean_delta == pytest.approx(0.0)


def test_item_value_is_the_mean_of_its_samples_and_flaky_items_are_found() -> None:
    baseline = make_record({"steady": [1.0, 1.0], "wobbly": [1.0, 1.0]}, run_id="base")
    candidate = make_record({"steady": [1.0, 1.0], "wobbly": [1.0, 0.0, 0.0]})
    comparison = compare(candidate, baseline)
    (score,) = comparison.scores
    assert score.flaky == ("wobbly",)
    assert comparison.flaky_items == ("wobbly",)
    assert score.candidate is not None
    assert score.candidate.mean == pytest.approx((1.0 + 1 / 3) / 2)
    # A flaky item is not counted as regressed unless asked.
    assert score.regressed == ()
    counted = compare(candidate, baseline, count_flaky=True)
    assert counted.scores[0].regressed == ("wobbly",)


def test_errors_are_counted_per_sample() -> None:
    candidate = make_record(
        {"ok": 1.0, "bad_eval": None, "bad_task": 1.0},
        task_errors={"bad_task": "RuntimeError: boom"},
    )
    comparison = compare(candidate, None)
    (score,) = comparison.scores
    assert comparison.samples == 3
    assert comparison.sample_errors == 2
    assert comparison.error_rate == pytest.approx(2 / 3)
    assert score.errors == 2
    # App errors count as failures: each errored sample is 0 for the score (issue 13).
    assert score.counted_as_zero == 2
    assert score.candidate is not None
    assert (score.candidate.n, score.candidate.mean) == (3, pytest.approx(1 / 3))


def test_pass_mark_overrides() -> None:
    candidate = make_record({"a": 0.6, "b": 0.9}, pass_mark=0.5)
    assert compare(candidate, None).scores[0].candidate.pass_rate == 1.0  # type: ignore[union-attr]
    strict = compare(candidate, None, pass_marks={"correct": 0.8})
    assert strict.scores[0].candidate.pass_rate == 0.5  # type: ignore[union-attr]


def test_a_changed_judge_is_named() -> None:
    old = ScoreDef("judge", fingerprint={"model": "small", "prompt": "abc"})
    new = ScoreDef("judge", fingerprint={"model": "large", "prompt": "abc"})
    assert judge_difference(new, old) == "judge changed: model small → large"
    assert judge_difference(new, new) is None
    assert judge_difference(ScoreDef("x"), ScoreDef("x")) is None
    baseline = replace(make_record({"a": 1.0}, score="judge"), score_defs={"judge": old})
    candidate = replace(make_record({"a": 1.0}, score="judge"), score_defs={"judge": new})
    assert compare(candidate, baseline).scores[0].judge_changed == (
        "judge changed: model small → large"
    )


def _plain(record: RunRecord) -> RunRecord:
    """``record`` with its score a plain number in its own units (no scale, no pass mark)."""
    return replace(record, score_defs={"correct": ScoreDef("correct", None, plain=True)})


def test_app_errors_count_as_0_on_a_0_1_score_and_are_left_out_of_a_plain_one() -> None:
    values: dict[str, float | list[float | None] | None] = {"a": [0.4, None], "b": None, "c": 0.9}
    base = make_record({"a": 0.8, "b": 0.9, "c": 0.7}, run_id="base")
    (canonical,) = compare(make_record(values), base).scores
    assert (canonical.counted_as_zero, canonical.errors_left_out) == (2, 0)
    assert canonical.candidate is not None and canonical.candidate.n == 3  # b is 0
    (plain,) = compare(_plain(make_record(values)), _plain(base)).scores
    # No worst value in its units: the errored samples are left out, and b with them.
    assert (plain.counted_as_zero, plain.errors_left_out, plain.left_out) == (0, 2, 0)
    assert plain.candidate is not None and plain.candidate.n == 2
    assert plain.candidate.mean == pytest.approx((0.4 + 0.9) / 2)
    assert plain.delta is not None and plain.delta.n == 2
