"""A run read from Langfuse, in the units the candidate's config gives its scores.

Langfuse keeps every score as the number its evaluator returned. A run read back gets the
scale of each score the config defines; a score the config does not name is read as a plain
number (kind ``UNDEFINED``). A Python evaluator names its scores only when it runs
(``Evaluation(name=...)``), so a baseline read before the candidate ran may hold a score the
candidate's run then defines: its values are taken again from the raw numbers, on the
candidate's scale, before the two are compared.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from scoregate.execute.evaluators.results import normalise
from scoregate.values.model import ItemResult, RunRecord, Score, ScoreDef

UNDEFINED = "langfuse"
"""The kind of a score read from Langfuse that the config did not define."""


def undefined(name: str, boolean: bool = False) -> ScoreDef:
    """A score the config does not define: a plain number, or pass/fail when Langfuse holds it
    as a BOOLEAN."""
    if boolean:
        return ScoreDef(name, 0.5, None, UNDEFINED)
    return ScoreDef(name, None, None, UNDEFINED, plain=True)


def in_candidate_units(baseline: RunRecord, candidate: Mapping[str, ScoreDef]) -> RunRecord:
    """``baseline`` with the candidate's definition of every score it read without one; the
    values of those the candidate puts on a scale normalised again from their raw numbers."""
    adopted = {
        name: candidate[name]
        for name, definition in baseline.score_defs.items()
        if definition.kind == UNDEFINED and name in candidate
    }
    if not adopted:
        return baseline
    scaled = {name: d.scale for name, d in adopted.items() if d.scale is not None}
    items = baseline.items
    if scaled:
        items = tuple(_rescaled(result, scaled) for result in baseline.items)
    return replace(baseline, items=items, score_defs=dict(baseline.score_defs) | adopted)


def _rescaled(result: ItemResult, scales: Mapping[str, tuple[float, float]]) -> ItemResult:
    samples = tuple(
        replace(sample, scores=tuple(_score(s, scales.get(s.name)) for s in sample.scores))
        for sample in result.samples
    )
    return replace(result, samples=samples)


def _score(score: Score, scale: tuple[float, float] | None) -> Score:
    if scale is None or score.raw is None:
        return score
    value, error = normalise(score.raw, scale)
    return score._replace(value=value, scale=scale, error=error and f"{score.name}: {error}")
