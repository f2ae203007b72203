"""The units of the gate's thresholds, checked against the scores the config declares.

The schema lets ``min``, ``max_drop`` and ``pass_mark`` be any number, because a plain score
(a Python evaluator with no declared scale, as Langfuse has scores) is in its own units. A
score the config declares on 0-1 (a builtin, a judge, a Python evaluator with a scale) keeps
them within 0-1; a plain score named in the config needs a pass mark before a pass rate or
regressed items can be counted on it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from scoregate.config.yamlsource import KeyPath, SourceDoc, format_path
from scoregate.values.quoting import clip, quoted

if TYPE_CHECKING:
    from scoregate.config.model import EvaluatorConfig

_ON_0_1 = ("min", "max_drop", "pass_mark")
_NEED_PASS_MARK = ("min_pass_rate", "max_regressed_items")


def check(
    gate: Mapping[str, Any],
    evaluators: Sequence[EvaluatorConfig],
    doc: SourceDoc,
    at: KeyPath,
) -> list[str]:
    """Problems with the thresholds of ``gate`` (the raw mapping at ``at``)."""
    problems: list[str] = []
    named = {e.name: e for e in evaluators if e.name}
    for name, thresholds in gate.items():
        evaluator = named.get(name)
        if evaluator is None or not isinstance(thresholds, Mapping):
            continue
        if "min_judge_agreement" in thresholds and evaluator.kind != "judge":
            path = (*at, name, "min_judge_agreement")
            problems.append(
                f"{doc.where(path, key=True)}: {format_path(path)}: the score {quoted(name)} "
                f"is not a judge's ({clip(evaluator.target)} is a {evaluator.kind} evaluator); "
                "min_judge_agreement measures a judge against reference scores."
            )
        if evaluator.kind != "python" or evaluator.scale is not None:
            for key in _ON_0_1:
                value = thresholds.get(key)
                if isinstance(value, (int, float)) and not 0 <= value <= 1:
                    bound = "greater than 1" if value > 1 else "less than 0"
                    path = (*at, name, key)
                    problems.append(
                        f"{doc.where(path, key=True)}: {format_path(path)}: {value} is {bound}"
                    )
            continue
        if evaluator.pass_mark is not None or thresholds.get("pass_mark") is not None:
            continue
        for key in _NEED_PASS_MARK:
            if key in thresholds:
                path = (*at, name, key)
                problems.append(
                    f"{doc.where(path, key=True)}: {format_path(path)}: the score "
                    f"{quoted(name)} is a plain number ({clip(evaluator.target)} declares no "
                    f"scale), so it has no pass mark and no item passes or fails on it; set "
                    f"pass_mark in its units (on the evaluator or under "
                    f"{format_path((*at, name))}), or declare its scale."
                )
    return problems
