"""Which baseline a run is compared with, and what happens when it is not there.

A baseline that was asked for (``--baseline``, or ``baseline:`` in the config) and is missing
is a usage error: nothing runs. Only when none was asked for (the default
``baselines/{experiment}.json``) does a run go on without one, its baseline checks not run and
said so; ``--no-baseline`` asks for that on purpose (to record a first run).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from scoregate import paths, store
from scoregate.config import ExperimentConfig
from scoregate.errors import ConfigError
from scoregate.model import RunRecord

NO_BASELINE_FLAG = "no baseline: --no-baseline"
MAKE_ONE = (
    "Make one from a run you trust with 'scoregate baseline promote RUN' (RUN: the run record "
    "or the run id 'scoregate run' prints), or run once with --no-baseline to record a first run "
    "without one."
)


@dataclass(frozen=True, slots=True)
class Choice:
    """The baseline file of one experiment, and who asked for it."""

    path: Path | None
    given: str | None
    """``--baseline PATH``, or where the config names it; None for the default path."""
    root: Path | None = None
    """The config's folder, which a configured path is shown relative to."""


def baseline_file(experiment: ExperimentConfig, override: Path | None) -> Path | None:
    if override is None:
        return experiment.baseline
    if override.is_dir():
        return override / f"{experiment.name}.json"
    return override


def choose(experiment: ExperimentConfig, override: Path | None, root: Path) -> Choice:
    if override is not None:
        return Choice(baseline_file(experiment, override), f"--baseline {override}")
    return Choice(experiment.baseline, experiment.baseline_given, root)


def load(experiment: str, choice: Choice) -> tuple[RunRecord | None, str | None]:
    return load_baseline(experiment, choice.path, choice.root, given=choice.given)


def load_baseline(
    experiment: str, path: Path | None, root: Path | None = None, *, given: str | None = None
) -> tuple[RunRecord | None, str | None]:
    """The baseline at ``path``, or why there is none. ``root``: the config's folder, which a
    configured baseline path is shown relative to (a path from --baseline is shown as given).
    ``given``: who asked for this baseline; then a missing file is a ConfigError."""
    if path is None:
        return None, "no baseline configured"
    shown = str(path) if root is None else paths.relative(path, root)
    if not path.exists():
        if given is not None:
            raise ConfigError(_missing(experiment, path, given, root))
        return None, (
            f"no baseline at {shown}; record one with 'scoregate baseline promote RUN' "
            "after a run you trust"
        )
    record = store.read_record(path)
    if record.experiment != experiment:
        raise ConfigError(
            f"{shown}: this baseline is a run of experiment '{record.experiment}', not '{experiment}'. "
            "Point --baseline at the right file, or at a folder holding <experiment>.json files."
        )
    return record, None


def _missing(experiment: str, path: Path, given: str, root: Path | None) -> str:
    where = os.path.abspath(path)
    if given.startswith("--baseline "):
        what = (
            f"no run record at {where}"
            if given == f"--baseline {path}"
            else f"no run record of experiment '{experiment}' at {where} (a folder given to "
            "--baseline holds <experiment>.json files)"
        )
        return f"{given}: {what}. {MAKE_ONE}"
    relative = f" (paths are relative to the config's folder {root})" if root is not None else ""
    return (
        f"{given}: the baseline of experiment '{experiment}' does not exist: no run record at "
        f"{where}{relative}. {MAKE_ONE}"
    )
