"""A gate key must name a score the run produces.

When every evaluator's score names are known from the config (builtins, judges, a ``name:``),
``config`` checks the gate keys before anything runs. A Python evaluator may name its scores
only when called (it returns ``{"name": ...}`` or a list), so with one of those the keys are
checked here, after the items ran and before the gate: a key that names nothing produced is
still a config error (exit 2), never a check that passes on nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

from scoregate.config.model import ExperimentConfig
from scoregate.config.validate import suggest
from scoregate.values.metrics import METRICS
from scoregate.values.model import RunRecord
from scoregate.values.quoting import quoted


def produced(record: RunRecord, declared: Iterable[str] = ()) -> list[str]:
    """Every score name of the run: declared by its evaluators, carried by a sample (with a
    value or an error), or a run-level score; in first-seen order."""
    names = dict.fromkeys(declared)
    for result in record.items:
        for sample in result.samples:
            names.update(dict.fromkeys(score.name for score in sample.scores))
    names.update(dict.fromkeys(score.name for score in record.run_scores))
    return list(names)


def unknown_gate_keys(
    experiment: ExperimentConfig, record: RunRecord, declared: Iterable[str] = ()
) -> list[str]:
    """One sentence per gate key of ``experiment`` that names no score of ``record``."""
    names = produced(record, declared)
    problems = [
        f"{experiment.where}: experiment {quoted(experiment.name)}: an evaluator produced a score "
        f"named '{name}', a reserved name: {', '.join(METRICS)} are metrics every run has "
        f"(gate them under gate.{name}); have the evaluator name it otherwise, e.g. "
        f"'{name}_score'."
        for name in names
        if name in METRICS
    ]
    for key, thresholds in experiment.gate.scores.items():
        if key in names:
            continue
        hint = suggest(key, names)
        problems.append(
            f"{thresholds.where}: {thresholds.key}: no evaluator produced a score named "
            f"'{key}' in this run{hint}; the scores it produced are: {', '.join(names) or 'none'}."
        )
    return problems
