"""A judge's agreement from a run record, its flag against the baseline, and the gate's
min_judge_agreement (fail closed: never passed without reference scores)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

import pytest
from scipy.stats import spearmanr

from scoregate.config.model import Thresholds
from scoregate.decide import judge_agreement
from scoregate.decide.compare import compare
from scoregate.values.agreement import REFERENCE_SCORES
from scoregate.values.model import Item, ItemResult, RunRecord, Sample, Score, ScoreDef

FINGERPRINT = {"model": "judge-1", "prompt_sha256": "abc", "scale": [0.0, 10.0]}


def _record(
    rows: Sequence[tuple[float | None, float | None]],
    *,
    scale: tuple[float, float] = (0.0, 10.0),
    name: str = "correctness",
    kind: str = "judge",
    calibration: Sequence[Mapping[str, object]] = (),
) -> RunRecord:
    """Items i0, i1, ... with the reference score (None: none) and the judge's raw score
    (None: the judge failed)."""
    low, high = scale
    items = []
    for k, (expected, judged) in enumerate(rows):
        score = (
            Score(name, (judged - low) / (high - low), judged, scale)
            if judged is not None
            else Score(name, None, None, scale, error="judge failed")
        )
        item = Item(f"i{k}", "q", expected_scores={} if expected is None else {name: expected})
        items.append(ItemResult(item, (Sample(0, "out", 0.1, scores=(score,)),)))
    definition = ScoreDef(name, 0.5, scale, kind, FINGERPRINT if kind == "judge" else None)
    metadata = {REFERENCE_SCORES: {name: [dict(r) for r in calibration]}} if calibration else {}
    return RunRecord("qa", "run", items, {name: definition}, metadata=metadata)


GOOD = [(8.0, 7.0), (2.0, 3.0), (5.0, 5.0), (9.0, 10.0), (1.0, 0.0), (6.0, 4.0)]
"""Close to the references, one pair out of order: rho 0.94."""


def test_attach_keeps_each_reference_beside_the_judges_score() -> None:
    record = judge_agreement.attach(_record([*GOOD, (None, 4.0), (3.0, None)]))
    rows = record.metadata[REFERENCE_SCORES]["correctness"]
    assert rows[0] == {"id": "i0", "expected": 8.0, "judged": 7.0, "source": "item"}
    assert len(rows) == 7  # the item without a reference score is not there
    assert rows[-1] == {"id": "i7", "expected": 3.0, "judged": None, "source": "item"}


def test_attach_leaves_a_record_without_judges_or_references_as_it_is() -> None:
    plain = _record(GOOD, kind="python")
    assert judge_agreement.attach(plain) is plain
    without = _record([(None, 5.0), (None, 6.0)])
    assert judge_agreement.attach(without) is without


def test_agreement_of_a_record_from_items_and_calibration_rows() -> None:
    calibration = [
        {"id": "c1", "expected": 10, "judged": 9.0, "source": "calibration"},
        {"id": "c2", "expected": 0, "judged": None, "source": "calibration", "error": "x"},
    ]
    record = judge_agreement.attach(_record([*GOOD, (3.0, None)], calibration=calibration))
    (found,) = judge_agreement.of_record(record).values()
    pairs = [*GOOD, (10.0, 9.0)]
    assert found.n == 7
    assert found.left_out == 2  # an item and a calibration row the judge failed on
    assert found.sources == ("item", "calibration")
    assert found.mae.value == pytest.approx(sum(abs(a - b) for a, b in pairs) / 7)
    expected_rho = spearmanr([a for a, _ in pairs], [b for _, b in pairs]).statistic
    assert found.rho.value == pytest.approx(expected_rho)
    assert found.kappa is None  # a 0-10 judge is not pass/fail
    assert found.fingerprint == FINGERPRINT
    assert found.gated_name == "rho"


def test_a_pass_fail_judge_is_gated_on_kappa() -> None:
    rows = [(1.0, 1.0), (1.0, 1.0), (0.0, 0.0), (0.0, 1.0), (1.0, 1.0), (0.0, 0.0)]
    record = judge_agreement.attach(_record(rows, scale=(0.0, 1.0)))
    (found,) = judge_agreement.of_record(record).values()
    # p_o = 5/6; reference passes 3/6, judge 4/6; p_e = .5*4/6 + .5*2/6 = 0.5; kappa = 2/3.
    assert found.kappa is not None and found.kappa.value == pytest.approx(2 / 3)
    assert found.gated is found.kappa and found.gated_name == "kappa"


def _gate(candidate: RunRecord, baseline: RunRecord | None = None, limit: float = 0.7) -> list:
    comparison = compare(
        judge_agreement.attach(candidate),
        judge_agreement.attach(baseline) if baseline is not None else None,
    )
    return judge_agreement.checks(
        comparison, {"correctness": Thresholds(min_judge_agreement=limit)}
    )


def test_min_judge_agreement_passes_and_fails_on_rho() -> None:
    (ok,) = _gate(_record(GOOD))
    assert (ok.status, ok.kind) == ("pass", "min_judge_agreement")
    assert ok.observed == pytest.approx(spearmanr(*zip(*GOOD, strict=True)).statistic)
    assert (
        ok.explanation.startswith("rho 0.94 [") and "at or above the minimum 0.7" in ok.explanation
    )
    reversed_judge = [(e, 10 - j) for e, j in GOOD]
    (bad,) = _gate(_record(reversed_judge))
    assert bad.status == "fail" and bad.observed is not None and bad.observed < 0
    assert "below the minimum 0.7" in bad.explanation


def test_min_judge_agreement_without_reference_scores_is_not_run_and_fails() -> None:
    (check,) = _gate(_record([(None, 5.0), (None, 6.0)]))
    assert check.status == "fail" and check.observed is None
    assert check.explanation.startswith("not run: no reference scores for the judge")


def test_min_judge_agreement_when_every_judge_call_failed_says_so() -> None:
    (check,) = _gate(_record([(5.0, None), (6.0, None)]))
    assert check.status == "fail"
    assert "2 items had one but every judge call failed" in check.explanation


def test_min_judge_agreement_with_too_few_pairs_is_not_run_and_fails() -> None:
    (check,) = _gate(_record([(5.0, 5.0), (6.0, 7.0)]))
    assert check.status == "fail"
    assert check.explanation.startswith("not run: rho is not defined over 2 reference scores")


def test_min_judge_agreement_on_a_score_that_is_not_a_judges_fails() -> None:
    (check,) = _gate(_record(GOOD, kind="python"))
    assert check.status == "fail"
    assert check.explanation == "not run: 'correctness' is not a judge's score in this run"


def test_an_agreement_below_the_baselines_interval_is_flagged() -> None:
    worse = [(e, j if k % 2 else 10 - j) for k, (e, j) in enumerate(GOOD)]
    comparison = compare(
        judge_agreement.attach(_record(worse)), judge_agreement.attach(_record(GOOD))
    )
    (agreement,) = comparison.agreements
    assert agreement.dropped is not None
    assert agreement.dropped.startswith("judge agreement dropped: rho 0.94 → ")
    same = compare(judge_agreement.attach(_record(GOOD)), judge_agreement.attach(_record(GOOD)))
    assert same.agreements[0].dropped is None


def test_the_baselines_agreement_comes_from_its_metadata_not_its_items() -> None:
    baseline = judge_agreement.attach(_record(GOOD))
    without_items = replace(baseline, items=())  # the gate reads no item line for it
    comparison = compare(
        judge_agreement.attach(_record([(e, 10 - j) for e, j in GOOD])), without_items
    )
    assert comparison.agreements[0].dropped is not None
