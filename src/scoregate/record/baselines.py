"""The file baseline source: ``baseline: PATH`` in the config, or ``--baseline FILE|DIR``.

A baseline that was asked for (``--baseline``, or ``baseline:`` in the config) and is missing
is a usage error: nothing runs. Only when none was asked for (the default
``baselines/{experiment}.json``) does a run go on without one, its baseline checks not run and
said so; ``--no-baseline`` asks for that on purpose (to record a first run).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from scoregate.config import paths
from scoregate.record import store
from scoregate.values.errors import ConfigError
from scoregate.values.model import RunRecord, ScoreDef

if TYPE_CHECKING:
    from scoregate.config.model import ExperimentConfig

NO_BASELINE_FLAG = "no baseline: --no-baseline"
MAKE_ONE = (
    "Make one from a run you trust with 'scoregate baseline promote RUN' (RUN: the run record "
    "or the run id 'scoregate run' prints), or run once with --no-baseline to record a first run "
    "without one."
)


@dataclass(frozen=True, slots=True)
class FileBaselines:
    override: Path | None = None
    """``--baseline``: a run record file, or a folder of ``<experiment>.json`` files."""
    root: Path | None = None
    """The config's folder, which a configured baseline path is shown relative to."""

    def load(
        self,
        experiment: ExperimentConfig,
        score_defs: Mapping[str, ScoreDef],
        env: Mapping[str, str],
    ) -> tuple[RunRecord | None, str | None]:
        if self.override is not None:
            path = baseline_file(experiment, self.override)
            return load_baseline(experiment.name, path, given=f"--baseline {self.override}")
        return load_baseline(
            experiment.name, experiment.baseline, self.root, given=experiment.baseline_given
        )


def baseline_file(experiment: ExperimentConfig, override: Path | None) -> Path | None:
    if override is None:
        return experiment.baseline
    if override.is_dir():
        return override / f"{experiment.name}.json"
    return override


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
