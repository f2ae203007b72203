"""Where the runner meets Langfuse: baselines before the run, run evaluators and recording after.

Cheap to import: the SDK is imported only when an experiment uses Langfuse.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scoregate.errors import ConfigError
from scoregate.langfuse.settings import LangfuseDatasetConfig
from scoregate.model import RunRecord, ScoreDef

if TYPE_CHECKING:
    from scoregate.config import ExperimentConfig
    from scoregate.runner import Prepared


def _dataset_name(experiment: ExperimentConfig) -> str:
    options = experiment.langfuse.langfuse_baseline
    if options is not None and options.dataset:
        return options.dataset
    if isinstance(experiment.dataset, LangfuseDatasetConfig):
        return experiment.dataset.name
    raise ConfigError(
        f"{experiment.where}: a Langfuse baseline needs a Langfuse dataset: use "
        "'dataset: {langfuse: NAME}' or set baseline.langfuse.dataset."
    )


def load_langfuse_baseline(
    prepared: Prepared,
    score_defs: Mapping[str, ScoreDef],
    env: Mapping[str, str] | None = None,
) -> tuple[RunRecord | None, str | None]:
    """The baseline the config names in Langfuse, read back as a run record."""
    from scoregate.langfuse.baseline import find_baseline, read_run
    from scoregate.langfuse.connection import connect
    from scoregate.langfuse.datasets import dataset_of

    experiment = prepared.experiment
    options = experiment.langfuse.langfuse_baseline
    assert options is not None
    connection = connect(os.environ if env is None else env)
    name = _dataset_name(experiment)
    dataset = dataset_of(connection, LangfuseDatasetConfig(name, where=experiment.where))
    run, note = find_baseline(connection, options, dataset_id=dataset.id, dataset_name=name)
    if run is None:
        return None, note
    record = read_run(
        connection,
        run,
        experiment=experiment.name,
        score_defs=score_defs,
        dataset={"kind": "langfuse", "name": name},
    )
    return record, None


def finish_record(
    prepared: Prepared,
    record: RunRecord,
    *,
    root: Path,
    env: Mapping[str, str] | None = None,
    sharded: bool = False,
) -> RunRecord:
    """Run-level evaluators, then (when asked) the recording of the run in Langfuse."""
    experiment = prepared.experiment
    options = experiment.langfuse
    if options.run_evaluators:
        from scoregate.langfuse.context import resolve_run_evaluators, run_level_scores

        functions = resolve_run_evaluators(options.run_evaluators, root, experiment.where)
        record = replace(
            record, run_scores=record.run_scores + run_level_scores(functions, record.items)
        )
    if options.record is None or sharded:
        return record
    from scoregate.langfuse.baseline import fingerprints
    from scoregate.langfuse.connection import connect
    from scoregate.langfuse.datasets import dataset_of
    from scoregate.langfuse.recorder import record_run, run_name

    connection = connect(os.environ if env is None else env)
    dataset_id = None
    if isinstance(experiment.dataset, LangfuseDatasetConfig):
        dataset_id = dataset_of(connection, experiment.dataset).id
    extra: dict[str, Any] = dict(options.record.metadata)
    recorded_defs = fingerprints(record.score_defs)
    if recorded_defs:
        from scoregate.langfuse.baseline import FINGERPRINTS_KEY

        extra[FINGERPRINTS_KEY] = recorded_defs
    recorded = record_run(
        connection,
        record,
        name=run_name(options.record.run_name, record),
        dataset_id=dataset_id,
        description=options.record.description or experiment.description or None,
        metadata=extra,
    )
    langfuse_meta = {
        "run": recorded.run_name,
        "experiment_id": recorded.experiment_id,
        "dataset_id": recorded.dataset_id,
        "url": recorded.url,
        "host": connection.host,
    }
    return replace(
        record,
        warnings=record.warnings + recorded.warnings,
        metadata=dict(record.metadata) | {"langfuse": langfuse_meta},
    )
