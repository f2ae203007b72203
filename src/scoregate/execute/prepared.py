"""An experiment made ready to run (items loaded, task and evaluators built), and the
command line's overrides of how it runs."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from scoregate.config.model import ExperimentConfig
from scoregate.execute.calibration import Calibration
from scoregate.execute.datasets import Whole
from scoregate.execute.engine import Task
from scoregate.execute.evaluators.evaluator import Evaluator
from scoregate.values.model import Item, ScoreDef


@dataclass(frozen=True, slots=True)
class Prepared:
    experiment: ExperimentConfig
    items: tuple[Item, ...]
    task: Task
    evaluators: tuple[Evaluator, ...]
    calibration: Calibration = field(default_factory=dict)
    """The judges' calibration rows, scored after the items."""
    whole: Whole | None = None
    """Set when the source read only the shard's items (the file source): the whole's size
    and digest, and where the items were in it."""


@dataclass(frozen=True, slots=True)
class Overrides:
    concurrency: int | None = None
    repeats: int | None = None
    shard: tuple[int, int] | None = None
    """``(I, N)``: run only the I-th of N stable slices of the items."""


def score_defs(prepared: Prepared) -> dict[str, ScoreDef]:
    """Per score name, what it means; a Python evaluator's scores under the names it returned
    (so after the run, every name; before it, the evaluator's own)."""
    defs: dict[str, ScoreDef] = {}
    for evaluator in prepared.evaluators:
        for definition in evaluator.score_defs():
            defs[definition.name] = definition
    for name, thresholds in prepared.experiment.gate.scores.items():
        if thresholds.pass_mark is not None:
            base = defs.get(name, ScoreDef(name))
            defs[name] = replace(base, pass_mark=thresholds.pass_mark)
    return defs
