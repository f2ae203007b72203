"""Each judge's agreement with the reference scores, as the terminal and the markdown report
show it: one line (or table row) per judge with reference scores, and a warning beside the
score when the agreement dropped since the baseline. The gate's ``min_judge_agreement``
checks are in the verdict's list like every check, so JUnit has them as test cases."""

from __future__ import annotations

from scoregate.report.codespan import code
from scoregate.report.text import one_line
from scoregate.values.agreement import Figure, JudgeAgreement
from scoregate.values.model import Comparison


def _figure(f: Figure | None) -> str:
    if f is None:
        return "—"
    if f.value is None:
        return "n/a"
    if f.ci is None:
        return f"{f.value:.2f}"
    return f"{f.value:.2f} [{f.ci[0]:.2f}, {f.ci[1]:.2f}]"


def _judge(agreement: JudgeAgreement) -> str:
    model = agreement.fingerprint.get("model")
    return f" ({model})" if isinstance(model, str) else ""


def terminal_lines(comparison: Comparison) -> list[str]:
    lines = []
    for a in comparison.agreements:
        judge = one_line(f"{a.name}{_judge(a)}", 160)
        lines.append(f"  judge agreement {judge}: {a.summary()}")
        if a.dropped:
            lines.append(f"  note {one_line(a.name, 100)}: {a.dropped}")  # not a check
    return lines


def dropped_note(comparison: Comparison, name: str) -> str:
    """Beside the score's delta (and any "judge changed" note) in the markdown table."""
    found = next((a for a in comparison.agreements if a.name == name), None)
    return f"<br>⚠️ {found.dropped}" if found is not None and found.dropped else ""


def rows(comparison: Comparison) -> list[tuple[str, str, str, str, str, str]]:
    """(judge, reference scores, MAE, rho, kappa, drop note) per judge, as plain text."""
    found = []
    for a in comparison.agreements:
        model = a.fingerprint.get("model")
        judge = a.name + (f" ({model})" if isinstance(model, str) else "")
        left = f" ({a.left_out} left out)" if a.left_out else ""
        found.append(
            (
                judge,
                f"{a.n}{left}",
                _figure(a.mae),
                _figure(a.rho),
                _figure(a.kappa),
                a.dropped or "",
            )
        )
    return found


def markdown_lines(comparison: Comparison) -> list[str]:
    if not comparison.agreements:
        return []
    lines = [
        "**Judge agreement** with the reference scores (95% bootstrap intervals)",
        "",
        "| judge | reference scores | MAE (judge's scale) | Spearman's rho | Cohen's kappa |",
        "|---|---:|---|---|---|",
    ]
    for a in comparison.agreements:
        left = f" ({a.left_out} left out)" if a.left_out else ""
        flag = f"<br>⚠️ {a.dropped}" if a.dropped else ""
        model = a.fingerprint.get("model")
        judge = code(a.name, 100) + (f" {code(model, 80)}" if isinstance(model, str) else "")
        lines.append(
            f"| {judge}{flag} | {a.n}{left} | {_figure(a.mae)} | {_figure(a.rho)} "
            f"| {_figure(a.kappa)} |"
        )
    lines.append("")
    return lines
