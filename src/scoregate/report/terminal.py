"""A short plain-text summary for the terminal and CI logs."""

from __future__ import annotations

from scoregate.report.text import aggregate_text
from scoregate.values.model import Verdict
from scoregate.values.numbers import delta_text

MARKS = {"pass": "ok  ", "fail": "FAIL", "skip": "skip", "warn": "warn"}


def render(verdict: Verdict) -> str:
    lines = []
    for comparison in verdict.comparisons:
        record = comparison.candidate
        base = (
            comparison.baseline.run_id
            if comparison.baseline
            else f"none ({comparison.baseline_note})"
        )
        lines.append(
            f"{comparison.experiment}: {len(record.items)} items × {record.repeats}, "
            f"{comparison.sample_errors} errors, baseline {base}"
        )
        for score in comparison.scores:
            delta = delta_text(score)
            lines.append(
                f"  {score.name:<20} {aggregate_text(score.baseline):>7} → "
                f"{aggregate_text(score.candidate):<7} {delta}"
            )
        for check in verdict.checks:
            if check.experiment == comparison.experiment and check.status != "pass":
                label = f"{check.score}.{check.kind}" if check.score else check.kind
                lines.append(f"  {MARKS[check.status]} {label}: {check.explanation}")
    failed = len(verdict.failed_checks)
    total = len(verdict.checks)
    if verdict.passed:
        lines.append(f"PASSED: all {total} checks passed.")
    else:
        lines.append(f"FAILED: {failed} of {total} checks failed.")
    return "\n".join(lines)
