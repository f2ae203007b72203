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
    from scoregate.values.model import Item, RunRecord, Sample, ScoreDef


class BaselineSource(Protocol):
    """The run record a candidate is compared with, or None and the reason there is none."""

    def load(
        self,
        experiment: ExperimentConfig,
        score_defs: Mapping[str, ScoreDef],
        env: Mapping[str, str],
    ) -> tuple[RunRecord | None, str | None]: ...


class LiveRecording(Protocol):
    """A run being recorded while its items run: told of each sample as it finishes (from any
    thread; cheap), and stopped when the run is interrupted or fails."""

    def sample(self, item: Item, sample: Sample) -> None: ...

    def stop(self) -> str:
        """Deliver what finished; a sentence saying how much was delivered, and where."""
        ...


class RunSink(Protocol):
    """Where a run is recorded besides its file. ``start``: before the items run (``record``
    has no items yet: its run id, experiment, git, config digest and score definitions), the
    sink's live recording, or None; ``finish``: the finished run, returned with what the sink
    added (links, run-level scores, warnings). A shard's record is finished once, after merge,
    and is not recorded live."""

    def start(
        self, experiment: ExperimentConfig, record: RunRecord, *, env: Mapping[str, str]
    ) -> LiveRecording | None: ...

    def finish(
        self,
        experiment: ExperimentConfig,
        record: RunRecord,
        *,
        root: Path,
        env: Mapping[str, str],
        sharded: bool,
    ) -> RunRecord: ...
