"""The interfaces Execute consumes: where items come from and where prompts come from.

The core defines them; ``file`` implementations live here in the core, the others in
``integrations/`` and are chosen by kind in ``pipeline/registry.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TextIO

if TYPE_CHECKING:
    from scoregate.config.langfuse import LangfuseDatasetConfig, LiveDatasetConfig
    from scoregate.config.model import Config, DatasetConfig, ExperimentConfig
    from scoregate.execute.prepared import Overrides, Prepared
    from scoregate.execute.tasks import PythonTask
    from scoregate.values.model import Item, RunRecord


class DatasetSource(Protocol):
    """The items of a dataset the config names (file, Langfuse dataset, live traces)."""

    def load(
        self,
        dataset: DatasetConfig | LangfuseDatasetConfig | LiveDatasetConfig,
        *,
        display_root: Path | None,
    ) -> tuple[Item, ...]:
        """Every item, checked; a problem the user can fix is a ConfigError naming where."""
        ...


class PromptSource(Protocol):
    """Prompts the config names by reference (inline prompts need none)."""

    def resolve(self, experiment: ExperimentConfig) -> ExperimentConfig:
        """The experiment with every referenced prompt fetched and checked, made inline."""
        ...


class ScriptRunner(Protocol):
    """An experiment the user drives from a script (the Langfuse SDK's ``run_experiment``)."""

    def load(self, experiment: ExperimentConfig, root: Path) -> PythonTask:
        """The script's task, its call checked (``root``: the config's folder)."""
        ...

    def execute(
        self,
        prepared: Prepared,
        config: Config,
        *,
        overrides: Overrides,
        git: Mapping[str, Any],
        stream: TextIO,
    ) -> tuple[RunRecord, bool]: ...
