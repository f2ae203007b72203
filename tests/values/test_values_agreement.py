"""A judge's agreement figures: what the gate compares and what the record keeps."""

from __future__ import annotations

import json

from scoregate.values.agreement import Figure, JudgeAgreement


def test_rho_is_gated_unless_the_judge_is_pass_fail() -> None:
    rho, kappa = Figure(0.7, (0.4, 0.9)), Figure(0.5, (0.1, 0.8))
    scale = (0.0, 10.0)
    ranked = JudgeAgreement("c", 10, Figure(1.0), rho, None, scale)
    assert (ranked.gated, ranked.gated_name, ranked.pass_fail) == (rho, "rho", False)
    passing = JudgeAgreement("c", 10, Figure(0.2), rho, kappa, (0.0, 1.0))
    assert (passing.gated, passing.gated_name, passing.pass_fail) == (kappa, "kappa", True)


def test_the_record_keeps_json_native_figures_with_the_fingerprint() -> None:
    found = JudgeAgreement(
        "c", 1, Figure(2.0), Figure(None), None, (0.0, 10.0), {"model": "m"}, 3, ("calibration",)
    )
    kept = found.as_dict()
    assert json.loads(json.dumps(kept)) == kept
    assert kept["mae"] == {"value": 2.0, "ci": None}
    assert kept["rho"] == {"value": None, "ci": None} and kept["kappa"] is None
    assert (kept["fingerprint"], kept["left_out"], kept["sources"]) == (
        {"model": "m"},
        3,
        ["calibration"],
    )
    assert (
        found.summary()
        == "1 reference score: MAE 2.00 · rho n/a; 3 left out (the judge failed on them)"
    )
