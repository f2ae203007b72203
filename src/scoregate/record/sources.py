"""The interfaces Record consumes: where a baseline comes from and where a finished run goes.

The file implementations are in the core (``record/baselines.py``, ``record/store.py``); the
others in ``integrations/``, chosen by kind in ``pipeline/registry.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from scoregate.config.model import ExperimentConfig
    from scoregate.values.model import RunRecord, ScoreDef


class BaselineSource(Protocol):
    """The run record a candidate is compared with, or None and the reason there is none."""

    def load(
        self,
        experiment: ExperimentConfig,
        score_defs: Mapping[str, ScoreDef],
        env: Mapping[str, str],
    ) -> tuple[RunRecord | None, str | None]: ...


class RunSink(Protocol):
    """Where a finished run is recorded besides its file; returns the record with what the sink
    added (links, run-level scores, warnings). A shard's record is finished once, after merge."""

    def finish(
        self,
        experiment: ExperimentConfig,
        record: RunRecord,
        *,
        root: Path,
        env: Mapping[str, str],
        sharded: bool,
    ) -> RunRecord: ...
