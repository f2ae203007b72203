"""The judges' agreement as the terminal and the markdown report show it."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from scoregate.report import agreement
from scoregate.values.agreement import Figure, JudgeAgreement
from scoregate.values.model import Comparison, RunRecord

RHO = Figure(0.8123, (0.5, 0.95))


def _comparison(*agreements: JudgeAgreement) -> Comparison:
    record = RunRecord("qa", "run", ())
    return Comparison("qa", record, None, None, (), (), (), 0, 0, agreements=agreements)


def _agreement(**changes: Any) -> JudgeAgreement:
    base = JudgeAgreement(
        "correctness", 12, Figure(1.2, (0.8, 1.7)), RHO, None, (0.0, 10.0), {"model": "gpt-4o-mini"}
    )
    return replace(base, **changes)


def test_the_terminal_has_a_line_per_judge_and_a_note_for_a_drop() -> None:
    dropped = _agreement(dropped="judge agreement dropped: rho 0.93 → 0.29", left_out=2)
    assert agreement.terminal_lines(_comparison(_agreement())) == [
        "  judge agreement correctness (gpt-4o-mini): 12 reference scores: MAE 1.20 [0.80, 1.70] "
        "· rho 0.81 [0.50, 0.95]"
    ]
    lines = agreement.terminal_lines(_comparison(dropped))
    assert lines[0].endswith("; 2 left out (the judge failed on them)")
    assert lines[1] == "  note correctness: judge agreement dropped: rho 0.93 → 0.29"


def test_the_markdown_table_and_the_flag_beside_the_score() -> None:
    kappa = _agreement(kappa=Figure(0.4, None), rho=Figure(None), dropped="judge agreement dropped")
    lines = agreement.markdown_lines(_comparison(kappa))
    assert (
        lines[2]
        == "| judge | reference scores | MAE (judge's scale) | Spearman's rho | Cohen's kappa |"
    )
    assert lines[4] == (
        "| `correctness` `gpt-4o-mini`<br>⚠️ judge agreement dropped | 12 | 1.20 [0.80, 1.70] "
        "| n/a | 0.40 |"
    )
    comparison = _comparison(kappa)
    assert agreement.dropped_note(comparison, "correctness") == "<br>⚠️ judge agreement dropped"
    assert agreement.dropped_note(comparison, "other") == ""
    assert agreement.markdown_lines(_comparison()) == []


def test_a_hostile_model_name_stays_inert() -> None:
    hostile = _agreement(fingerprint={"model": "x` | @admin <b>\n::error::"})
    (line,) = agreement.terminal_lines(_comparison(hostile))
    assert "\n" not in line and "\\n::error::" in line
    row = agreement.markdown_lines(_comparison(hostile))[4]
    # One code span (inert on GitHub: no HTML, no mention), its pipe escaped for the table.
    assert "| `correctness` ``x` \\| @admin <b>\\n::error::`` | 12 |" in row
    assert "\n" not in row
