"""The baseline each run is gated against: ``--no-baseline``, ``--baseline``, the source the
config names, or the file. A file that was asked for and is missing stops the run before it
starts (record/baselines.py); a source the config names (Langfuse) that finds no run lets the
run go on, and its baseline checks fail rather than being skipped."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from scoregate.config.model import ExperimentConfig
from scoregate.pipeline import registry
from scoregate.record.baselines import NO_BASELINE_FLAG, FileBaselines
from scoregate.values.model import RunRecord, ScoreDef

Found = tuple[RunRecord | None, str | None, bool]
"""A baseline, or why there is none and whether one was asked for (then its checks fail)."""


def find_baseline(
    experiment: ExperimentConfig,
    defs: Mapping[str, ScoreDef],
    override: Path | None,
    root: Path,
    *,
    no_baseline: bool = False,
    env: Mapping[str, str],
) -> Found:
    if no_baseline:
        return None, NO_BASELINE_FLAG, False
    source = registry.baseline_source(experiment, override, root)
    record, note = source.load(experiment, defs, env)
    asked = record is None and not isinstance(source, FileBaselines)
    return record, note, asked
