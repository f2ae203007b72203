"""The file baseline source: ``baseline: PATH`` in the config, or ``--baseline FILE|DIR``."""

from __future__ import annotations

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
        root = self.root if self.override is None else None
        return load_baseline(experiment.name, baseline_file(experiment, self.override), root)


def baseline_file(experiment: ExperimentConfig, override: Path | None) -> Path | None:
    if override is None:
        return experiment.baseline
    if override.is_dir():
        return override / f"{experiment.name}.json"
    return override


def load_baseline(
    experiment: str, path: Path | None, root: Path | None = None
) -> tuple[RunRecord | None, str | None]:
    """The baseline at ``path``, or why there is none. ``root``: the config's folder, which a
    configured baseline path is shown relative to (a path from --baseline is shown as given)."""
    if path is None:
        return None, "no baseline configured"
    shown = str(path) if root is None else paths.relative(path, root)
    if not path.exists():
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
