"""The max_drop rule with significance: its edges, its config cascade, the too-few-items note."""

from __future__ import annotations

from pathlib import Path

import pytest
from testing.project import Project, make_record

from scoregate.config import experiments as config
from scoregate.config.model import GateConfig, Thresholds
from scoregate.decide.compare import compare
from scoregate.decide.gate import drop_fails, evaluate
from scoregate.values.model import Check, RunRecord


@pytest.mark.parametrize(
    ("mean_delta", "p_worse", "significance", "fails"),
    [
        (-0.05, 0.01, 0.05, True),  # larger than allowed and significant
        (-0.05, 0.05, 0.05, False),  # p must be strictly below the level
        (-0.05, 0.049, 0.05, True),
        (-0.02, 0.0, 0.05, False),  # a drop equal to max_drop is allowed
        (-0.0200001, 0.0, 0.05, True),
        (-0.01, 0.0, 0.05, False),  # significant but within the tolerance
        (+0.05, 0.0, None, False),  # an improvement never fails
        (-0.05, 0.9, None, True),  # significance off: the plain check
        (-0.02, 0.9, None, False),
    ],
)
def test_drop_fails(
    mean_delta: float, p_worse: float, significance: float | None, fails: bool
) -> None:
    assert drop_fails(mean_delta, p_worse, 0.02, significance) is fails


def drop_check(candidate: RunRecord, baseline: RunRecord, thresholds: Thresholds) -> Check:
    checks = evaluate(compare(candidate, baseline), GateConfig(scores={"correct": thresholds}))
    (check,) = [c for c in checks if c.kind == "max_drop"]
    return check


def test_the_observed_value_is_the_drop_and_the_limit_is_max_drop() -> None:
    baseline = make_record({f"i{n}": 0.8 for n in range(30)}, run_id="base")
    candidate = make_record({f"i{n}": 0.5 if n < 3 else 0.8 for n in range(30)})
    check = drop_check(candidate, baseline, Thresholds(max_drop=0.02))
    # Three of 30 items drop by 0.3: mean delta -0.03; three nonzero deltas, of whose 8 flipped
    # sets only the identity ties and none is above: exactly p = 0.5 / 8 = 0.0625 (mid-p),
    # still above 0.05. (Counting the tie in full, the old rule, gave 1/8.)
    assert check.observed == pytest.approx(0.03)
    assert check.limit == 0.02
    assert check.status == "pass"
    assert "p=0.062 over 30 paired items: larger than the allowed 0.020 but not significant" in (
        check.explanation
    )


def test_the_too_few_items_note_names_the_items_needed() -> None:
    # Deltas alternate -0.2 / +0.1 over 40 items: mean -0.05, sd 0.1519 (ddof=1).
    baseline = make_record({f"i{n}": 0.5 for n in range(40)}, run_id="base")
    candidate = make_record({f"i{n}": 0.3 if n % 2 else 0.6 for n in range(40)})
    check = drop_check(candidate, baseline, Thresholds(max_drop=0.02))
    # mde = (z95 + z80) * sd / sqrt(40) = 2.4865 * 0.15191 / 6.3246 = 0.0597;
    # needed = ceil((2.4865 * 0.15191 / 0.02) ** 2) = ceil(356.7) = 357.
    assert check.explanation.endswith(
        ". Too few items for this tolerance: the smallest drop this dataset can detect is "
        "0.060; about 357 items would be needed to detect 0.020"
    )
    assert (
        "Too few items" not in drop_check(candidate, baseline, Thresholds(max_drop=0.1)).explanation
    )
    plain = Thresholds(max_drop=0.02, significance=None)
    assert "Too few items" not in drop_check(candidate, baseline, plain).explanation


def test_significance_cascades_from_defaults_to_gate_to_score(project: Project) -> None:
    experiment = project.experiment(
        evaluators=[{"type": "exact", "name": "correct"}, {"type": "contains", "name": "other"}],
        gate={
            "significance": 0.01,
            "correct": {"max_drop": 0.02},
            "other": {"max_drop": 0.02, "significance": "off"},
        },
    )
    plain = project.experiment(name="plain", gate={"correct": {"max_drop": 0.02}})
    default = project.experiment(name="default", gate={"correct": {"max_drop": 0.02}})
    project.write_config(experiment, plain)
    loaded = config.load(project.config, {})
    gate = loaded.experiments[0].gate
    assert gate.significance == 0.01
    assert gate.scores["correct"].significance == 0.01
    assert gate.scores["other"].significance is None
    assert loaded.experiments[1].gate.scores["correct"].significance == 0.05

    project.write_config(default, defaults={"significance": "off"})
    off = config.load(project.config, {}).experiments[0].gate
    assert (off.significance, off.scores["correct"].significance) == (None, None)


def test_significance_from_the_environment(project: Project, tmp_path: Path) -> None:
    text = project.config.read_text(encoding="utf-8")
    project.config.write_text(
        text.replace("gate:\n", "gate:\n    significance: ${SIGNIFICANCE:-0.05}\n", 1),
        encoding="utf-8",
    )
    assert config.load(project.config, {}).experiments[0].gate.significance == 0.05
    assert (
        config.load(project.config, {"SIGNIFICANCE": "0.1"}).experiments[0].gate.significance == 0.1
    )
    assert (
        config.load(project.config, {"SIGNIFICANCE": "off"}).experiments[0].gate.significance
        is None
    )
