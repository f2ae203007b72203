"""What an evaluator is, whatever kind built it: a call on (item, output) and how its result
becomes canonical scores."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from scoregate.execute.evaluators.naming import ScoreNames
from scoregate.values.model import Item, Score, ScoreDef


@dataclass(frozen=True, slots=True)
class Evaluator:
    """``call(item, output)`` returns the raw result (or an awaitable when ``is_async``);
    ``scores(raw)`` turns it into scores. ``name`` labels the evaluator in messages; its
    scores are ``defs`` (builtins, judges) or named by what it returns (``names``)."""

    name: str
    call: Callable[[Item, Any], Any]
    scores: Callable[[Any], tuple[Score, ...]]
    is_async: bool = False
    defs: tuple[ScoreDef, ...] = ()
    options: Mapping[str, Any] = field(default_factory=dict)
    inline: bool = False
    """Quick and pure (the builtins): run where the output is, with no hop to a thread."""
    names: ScoreNames | None = None
    remote: bool = False
    """Calls a model service (a judge): when it times out, that is an outage, not an app error."""

    def score_defs(self) -> tuple[ScoreDef, ...]:
        """The definitions of the scores it produces (so far, for one that names them)."""
        return self.defs + (self.names.defs() if self.names else ())
