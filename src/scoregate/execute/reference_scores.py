"""Items' reference scores for judges (``expected_scores``), checked against the judges the
experiment has: each names a judge's score and lies on that judge's scale."""

from __future__ import annotations

from collections.abc import Sequence

from scoregate.config.limits import MAX_PROBLEMS, first_problems
from scoregate.config.validate import suggest
from scoregate.execute.evaluators.evaluator import Evaluator
from scoregate.values.errors import ConfigError
from scoregate.values.figures import figure
from scoregate.values.model import Item, ScoreDef
from scoregate.values.quoting import quoted


def judges(evaluators: Sequence[Evaluator]) -> dict[str, ScoreDef]:
    """The judge scores the evaluators produce, by name."""
    return {d.name: d for e in evaluators for d in e.score_defs() if d.kind == "judge" and d.scale}


def check(items: Sequence[Item], evaluators: Sequence[Evaluator]) -> None:
    """Raise a ConfigError naming each item (file:line) whose reference scores do not fit."""
    found = judges(evaluators)
    problems: list[str] = []
    for item in items:
        for name, value in item.expected_scores.items():
            if len(problems) > MAX_PROBLEMS:
                break
            definition = found.get(name)
            where = f"{item.source}: item {quoted(item.id)}: expected_scores[{quoted(name)}]"
            if definition is None:
                known = (
                    f"the judge scores are: {', '.join(found)}"
                    if found
                    else "the experiment has no judge"
                )
                problems.append(
                    f"{where}: {quoted(name)} is not a judge's score{suggest(name, found)}; "
                    f"reference scores are for judges ({known})."
                )
                continue
            assert definition.scale is not None
            low, high = definition.scale
            if not low <= value <= high:
                problems.append(
                    f"{where}: {figure(value, True)} is outside the judge's scale "
                    f"[{figure(low, True)}, {figure(high, True)}]; give it on that scale."
                )
    if problems:
        raise ConfigError(first_problems(problems, "the dataset's expected_scores"))
