"""A short plain-text summary for the terminal and CI logs.

Every line that says something did not work says why: a failing check its explanation, a
score without value the most common error behind it, a skipped check its reason. Ids, error
messages and other text from datasets and models are shown through :func:`one_line`, so no
newline or escape sequence of theirs reaches the terminal.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from scoregate.report import agreement
from scoregate.report.items import counted, regressed_items
from scoregate.report.text import (
    aggregate_text,
    checks_counted,
    error_summary,
    no_baseline_text,
    one_line,
)
from scoregate.values import errornotes
from scoregate.values.figures import figure
from scoregate.values.model import Check, Comparison, ScoreComparison, Verdict
from scoregate.values.numbers import delta_text
from scoregate.values.truncation import truncated_samples

MARKS = {"pass": "ok  ", "fail": "FAIL", "skip": "skip", "warn": "warn"}
MESSAGE_LIMIT = 200
"""Characters of an error message shown; the run record and report.md have it whole."""
SHOWN_IDS = 5


def render(verdict: Verdict) -> str:
    lines = []
    for comparison in verdict.comparisons:
        checks = [c for c in verdict.checks if c.experiment == comparison.experiment]
        lines += _experiment(comparison, checks)
    outcome = "PASSED" if verdict.passed else "FAILED"
    counted = checks_counted(verdict.checks, partial(one_line, limit=80))
    lines.append(f"{outcome}: {counted}.")
    return "\n".join(lines)


def _experiment(comparison: Comparison, checks: Sequence[Check]) -> list[str]:
    record = comparison.candidate
    base = (
        f"baseline {one_line(comparison.baseline.run_id, 80)}"
        if comparison.baseline
        else one_line(no_baseline_text(comparison, checks), 400)
    )
    cut = truncated_samples(record)
    lines = [
        f"{comparison.experiment}: {len(record.items)} items × {record.repeats}, "
        f"{comparison.sample_errors} errors, "
        + (f"{cut} truncated at max_tokens, " if cut else "")
        + base
    ]
    lines += [f"  warning: {one_line(w, 400)}" for w in record.warnings]
    lines += [_score_line(score) for score in comparison.scores]
    lines += agreement.terminal_lines(comparison)
    if comparison.unmeasured:
        lines.append(
            f"  not measured now (in the baseline only; not compared or checked): "
            f"{_ids(comparison.unmeasured)}"
        )
    lines += _item_changes(comparison)
    lines += _regressed(comparison)
    for check in checks:
        if check.status != "pass":
            lines.append(
                f"  {MARKS[check.status]} {_label(check)}: {one_line(check.explanation, 1000)}"
            )
    for check in checks:
        if check.note and check.status not in ("fail", "warn"):  # a failure says it already
            lines.append(f"  note {_label(check)}: {one_line(check.note, 400)}")
    lines += _errors(comparison)
    return lines


def _label(check: Check) -> str:
    return f"{check.score}.{check.kind}" if check.score else check.kind


def _score_line(score: ScoreComparison) -> str:
    """``name  0.700 → 0.710 +0.010 [-0.020, +0.040] p=0.31``: with a delta, the means are
    those of the paired items, the ones the delta is the difference of."""
    name = one_line(score.name, 60)
    d = score.delta
    plain = score.plain
    pairs = errornotes.pairs_note(score).replace("; ", " · ")
    if d is None or score.paired_means is None:
        before_text = aggregate_text(score.baseline, plain)
        line = f"  {name:<20} {before_text:>7} → {aggregate_text(score.candidate, plain):<7}"
        if score.baseline and score.candidate:
            line += " no item has a value in both runs"
        return line.rstrip() + (f" · {pairs}" if pairs else "")
    before, now = score.paired_means
    line = f"  {name:<20} {figure(before, plain):>7} → {figure(now, plain):<7} {delta_text(score)}"
    whole = (score.baseline.n if score.baseline else 0, score.candidate.n if score.candidate else 0)
    if whole != (d.n, d.n):
        line += (
            f" · {d.n} paired items; all items {aggregate_text(score.baseline, plain)} → "
            f"{aggregate_text(score.candidate, plain)}"
        )
    return line + (f" · {pairs}" if pairs else "")


def _regressed(comparison: Comparison) -> list[str]:
    """``3 regressed items (passed in the baseline, fail now): b (correct, similar), c (correct)``."""
    regressed = regressed_items(comparison)
    if not regressed:
        return []
    shown = [
        f"{one_line(item_id, 60)} ({', '.join(one_line(s.name, 40) for s in scores)})"
        for item_id, scores in regressed[:SHOWN_IDS]
    ]
    more = len(regressed) - SHOWN_IDS
    return [
        f"  {counted(len(regressed), 'regressed item')} (passed in the baseline, fail now): "
        + ", ".join(shown)
        + (f" and {more} more" if more > 0 else "")
    ]


def _ids(ids: Sequence[str]) -> str:
    shown = ", ".join(one_line(i, 60) for i in ids[:SHOWN_IDS])
    more = len(ids) - SHOWN_IDS
    return shown + (f" and {more} more" if more > 0 else "")


def _item_changes(comparison: Comparison) -> list[str]:
    lines = []
    new, missing = comparison.new_items, comparison.missing_items
    if new:
        noun = "item is" if len(new) == 1 else "items are"
        lines.append(f"  {len(new)} {noun} new (not in the baseline): {_ids(new)}")
    if missing:
        noun = "item is" if len(missing) == 1 else "items are"
        lines.append(
            f"  {len(missing)} {noun} missing from this run (in the baseline only): {_ids(missing)}"
        )
    return lines


def _errors(comparison: Comparison) -> list[str]:
    """Per failing part, how many errors and the most common message; unreachable servers."""
    if not comparison.sample_errors:
        return []
    summary = error_summary(comparison.candidate)
    lines = []
    for source in summary.sources:
        message = one_line(source.message, MESSAGE_LIMIT)
        noun = "error" if source.count == 1 else "errors"
        if source.count == 1:
            lines.append(f"  1 {noun} in {source.where}: {message}")
        else:
            lines.append(
                f"  {source.count} {noun} in {source.where}, most often ({source.times}×): {message}"
            )
    for host, count in summary.unreachable:
        lines.append(
            f"  unreachable: {one_line(host, 200)} (cannot connect, in {count} "
            f"error{'s' if count != 1 else ''})"
        )
    return lines
