"""Scores named by the evaluator that returns them, as Langfuse has them.

A Python evaluator may return ``Evaluation(name="response_length", value=42)``: the score is
``response_length``, not the evaluator function's name. Its definition (pass mark, scale) is
the one configured on the evaluator, under each name the evaluator returned; the names are
known only once it has run, so they are noted as its scores come back. A score that was only
ever a bool is pass/fail (Langfuse's BOOLEAN): on 0-1, true passes, even with no scale.
"""

from __future__ import annotations

import threading
from dataclasses import replace

from scoregate.values.model import Score, ScoreDef


class ScoreNames:
    """What every score of one evaluator means, and the names it has returned so far."""

    def __init__(self, template: ScoreDef) -> None:
        self.template = template
        self._seen: dict[str, bool] = {}
        """Name → whether every value returned under it was a bool."""
        self._lock = threading.Lock()

    def note(self, scores: tuple[Score, ...]) -> tuple[Score, ...]:
        """Remember the names of ``scores`` (what the evaluator returned) and pass them on."""
        for score in scores:
            boolean = isinstance(score.raw, bool) or score.value is None
            if self._seen.get(score.name, not boolean) != boolean:
                with self._lock:
                    self._seen[score.name] = self._seen.get(score.name, True) and boolean
        return scores

    def defs(self) -> tuple[ScoreDef, ...]:
        """One definition per name returned; before any, the evaluator's own name (so a run
        where it only failed still shows it)."""
        if not self._seen:
            return (self.template,)
        return tuple(
            pass_fail(self.template, name) if boolean else replace(self.template, name=name)
            for name, boolean in self._seen.items()
        )


def pass_fail(template: ScoreDef, name: str) -> ScoreDef:
    """A plain score that was only ever a bool: 0-1, passing at true (0.5 unless given)."""
    if not template.plain:
        return replace(template, name=name)
    mark = 0.5 if template.pass_mark is None else template.pass_mark
    return replace(template, name=name, pass_mark=mark, plain=False)


def python_def(name: str, scale: tuple[float, float] | None, pass_mark: float | None) -> ScoreDef:
    """A Python evaluator's score: 0-1 on a declared scale (pass mark 0.5 unless given), else
    a plain number, which passes or fails only against a pass mark given in its units."""
    if scale is None:
        return ScoreDef(name, pass_mark, None, "python", plain=True)
    return ScoreDef(name, 0.5 if pass_mark is None else pass_mark, scale, "python")
