"""Langfuse behind the core's interfaces: dataset source, prompt source, baseline source, run
sink and script runner. ``pipeline/registry.py`` names these; nothing here imports the SDK until
a method is called."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from scoregate.integrations.langfuse import hooks

if TYPE_CHECKING:
    from scoregate.config.langfuse import LangfuseDatasetConfig, LiveDatasetConfig
    from scoregate.config.model import Config, DatasetConfig, ExperimentConfig
    from scoregate.execute.prepared import Overrides, Prepared
    from scoregate.execute.tasks import PythonTask
    from scoregate.record.sources import LiveRecording
    from scoregate.values.model import Item, RunRecord, ScoreDef


class LangfuseDatasets:
    """``dataset: {langfuse: NAME}`` and ``dataset: {langfuse_live: ...}``."""

    def load(
        self,
        dataset: DatasetConfig | LangfuseDatasetConfig | LiveDatasetConfig,
        *,
        display_root: Path | None,
    ) -> tuple[Item, ...]:
        from scoregate.config.model import DatasetConfig
        from scoregate.integrations.langfuse.datasets import load_langfuse_items

        assert not isinstance(dataset, DatasetConfig)
        return load_langfuse_items(dataset)


class LangfusePrompts:
    """Task and judge prompts named ``{langfuse: NAME}``, and discovered judge prompts."""

    def resolve(self, experiment: ExperimentConfig) -> ExperimentConfig:
        return hooks.resolve_prompts(experiment)


class LangfuseBaselines:
    """``baseline: {langfuse: ...}``: a named run, the latest, or the promoted one."""

    def load(
        self,
        experiment: ExperimentConfig,
        score_defs: Mapping[str, ScoreDef],
        env: Mapping[str, str],
    ) -> tuple[RunRecord | None, str | None]:
        return hooks.langfuse_baseline_for(experiment, score_defs, env)


class LangfuseRecording:
    """Prompt versions, live-trace links, run evaluators and ``record:`` (the run in Langfuse,
    recorded while its items run)."""

    def start(
        self, experiment: ExperimentConfig, record: RunRecord, *, env: Mapping[str, str]
    ) -> LiveRecording | None:
        return hooks.start(experiment, record, env=env)

    def finish(
        self,
        experiment: ExperimentConfig,
        record: RunRecord,
        *,
        root: Path,
        env: Mapping[str, str],
        sharded: bool,
    ) -> RunRecord:
        return hooks.finish(experiment, record, root=root, env=env, sharded=sharded)


class LangfuseScripts:
    """``langfuse: {script: FILE}``: the SDK's ``run_experiment`` drives the run."""

    def load(self, experiment: ExperimentConfig, root: Path) -> PythonTask:
        import os

        from scoregate.integrations.langfuse.context import load_script

        script = experiment.langfuse.script
        assert script is not None
        shown = os.path.relpath(script, root)
        return load_script(script, experiment.where, experiment.langfuse.script_place, shown, root)

    def execute(
        self,
        prepared: Prepared,
        config: Config,
        *,
        overrides: Overrides,
        git: Mapping[str, Any],
        stream: TextIO,
    ) -> tuple[RunRecord, bool]:
        from scoregate.integrations.langfuse.context import execute_script

        return execute_script(prepared, config, overrides=overrides, git=git, stream=stream)


DATASETS = LangfuseDatasets()
PROMPTS = LangfusePrompts()
BASELINES = LangfuseBaselines()
RECORDING = LangfuseRecording()
SCRIPTS = LangfuseScripts()
