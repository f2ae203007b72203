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
from scoregate.langfuse.settings import LangfuseDatasetConfig, LiveDatasetConfig
from scoregate.model import RunRecord, ScoreDef

if TYPE_CHECKING:
    from scoregate.config import ChatPromptConfig, EvaluatorConfig, ExperimentConfig
    from scoregate.langfuse.connection import Connection
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
    return langfuse_baseline_for(prepared.experiment, score_defs, env)


def langfuse_baseline_for(
    experiment: ExperimentConfig,
    score_defs: Mapping[str, ScoreDef],
    env: Mapping[str, str] | None = None,
) -> tuple[RunRecord | None, str | None]:
    """The Langfuse baseline of ``experiment`` (``run`` and ``merge`` both read it before the
    candidate is recorded, so a run is never its own baseline)."""
    from scoregate.langfuse.baseline import find_baseline, read_run
    from scoregate.langfuse.connection import connect
    from scoregate.langfuse.datasets import dataset_of

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


def in_candidate_units(baseline: RunRecord | None, candidate: RunRecord) -> RunRecord | None:
    """A baseline read from Langfuse with the scales of the scores the candidate's run named
    (its evaluators name them as they run); any other baseline as it is."""
    if baseline is None or not baseline.run_id.startswith("langfuse:"):
        return baseline
    from scoregate.langfuse.units import in_candidate_units as convert

    return convert(baseline, candidate.score_defs)


def finish_record(
    prepared: Prepared,
    record: RunRecord,
    *,
    root: Path,
    env: Mapping[str, str] | None = None,
    sharded: bool = False,
) -> RunRecord:
    """Run-level evaluators, then (when asked) the recording of the run in Langfuse.

    A shard gets neither: run-level scores need every item, and the run is recorded once, by
    ``merge`` (``finish_merged``).
    """
    return _finish(prepared.experiment, record, root=root, env=env, sharded=sharded)


def finish_merged(
    experiment: ExperimentConfig,
    record: RunRecord,
    *,
    root: Path,
    env: Mapping[str, str] | None = None,
) -> RunRecord:
    """What ``finish_record`` left out for the shards, done once on the merged record."""
    return _finish(experiment, record, root=root, env=env, sharded=False)


def _finish(
    experiment: ExperimentConfig,
    record: RunRecord,
    *,
    root: Path,
    env: Mapping[str, str] | None,
    sharded: bool,
) -> RunRecord:
    options = experiment.langfuse
    prompts = prompt_versions(experiment)
    if prompts:
        record = replace(record, metadata=dict(record.metadata) | {"langfuse_prompts": prompts})
    if isinstance(experiment.dataset, LiveDatasetConfig):
        from scoregate.langfuse.connection import connect as connect_live
        from scoregate.langfuse.live import trace_url

        live = connect_live(os.environ if env is None else env)
        links = {"host": live.host, "trace_url": trace_url(live.host, live.project_id, "")}
        record = replace(record, metadata=dict(record.metadata) | {"langfuse": links})
    if sharded:
        return record
    if options.run_evaluators:
        from scoregate.langfuse.context import resolve_run_evaluators, run_level_scores

        functions = resolve_run_evaluators(
            options.run_evaluators, root, experiment.where, options.run_evaluator_places
        )
        record = replace(
            record, run_scores=record.run_scores + run_level_scores(functions, record.items)
        )
    if options.record is None:
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
    earlier = record.metadata.get("langfuse")
    langfuse_meta = (dict(earlier) if isinstance(earlier, Mapping) else {}) | langfuse_meta
    return replace(
        record,
        warnings=record.warnings + recorded.warnings,
        metadata=dict(record.metadata) | {"langfuse": langfuse_meta},
    )


def uses_langfuse_prompts(experiment: ExperimentConfig) -> bool:
    chats = [experiment.task.openai, *(e.judge for e in experiment.evaluators)]
    return any(e.kind == "langfuse_judges" for e in experiment.evaluators) or any(
        chat is not None and chat.langfuse is not None for chat in chats
    )


def resolve_prompts(
    experiment: ExperimentConfig, env: Mapping[str, str] | None = None
) -> ExperimentConfig:
    """The experiment with its Langfuse prompts fetched: task and judge prompts, and one judge
    per discovered judge prompt. Every missing prompt or bad placeholder is reported at once."""
    if not uses_langfuse_prompts(experiment):
        return experiment
    from scoregate.langfuse.connection import connect
    from scoregate.langfuse.prompts import PromptRef
    from scoregate.templates import JUDGE_ROOTS, TASK_ROOTS

    connection = connect(os.environ if env is None else env)
    problems: list[str] = []
    task = experiment.task
    if task.openai is not None and task.openai.langfuse is not None:
        task = replace(task, openai=_fetched(connection, task.openai, TASK_ROOTS, problems))
    evaluators: list[EvaluatorConfig] = []
    for evaluator in experiment.evaluators:
        chat = evaluator.judge
        if chat is None or (evaluator.kind != "langfuse_judges" and chat.langfuse is None):
            evaluators.append(evaluator)
            continue
        if evaluator.kind == "judge":
            fetched = _fetched(connection, chat, JUDGE_ROOTS, problems, judge=True)
            evaluators.append(replace(evaluator, judge=fetched))
            continue
        names = _judge_names(connection, experiment, evaluator, problems)
        label = evaluator.options.get("label")
        for name in names:
            ref = PromptRef(name, label, None, evaluator.where)
            fetched = _fetched(connection, replace(chat, langfuse=ref), JUDGE_ROOTS, problems, True)
            evaluators.append(replace(evaluator, kind="judge", name=name, judge=fetched))
    if problems:
        raise ConfigError(problems)
    return replace(experiment, task=task, evaluators=tuple(evaluators))


def _judge_names(
    connection: Connection,
    experiment: ExperimentConfig,
    evaluator: EvaluatorConfig,
    problems: list[str],
) -> tuple[str, ...]:
    from scoregate.langfuse.datasets import dataset_of
    from scoregate.langfuse.prompts import discover_judge_prompts

    options = evaluator.options
    metadata: Mapping[str, Any] = {}
    if isinstance(experiment.dataset, LangfuseDatasetConfig):
        metadata = dataset_of(connection, experiment.dataset).metadata
    names = discover_judge_prompts(
        connection,
        explicit=tuple(options.get("prompts", ())),
        dataset_metadata=metadata,
        all_judges=bool(options.get("discover", False)),
    )
    if not names:
        problems.append(
            f"{evaluator.where}: langfuse_judges found no judge prompts: list them in 'prompts', "
            "put their names in the dataset's judge_prompts metadata, or set 'discover: true' "
            f"to use every prompt named judge-* (Langfuse at {connection.host})."
        )
    return names


def _fetched(
    connection: Connection,
    chat: ChatPromptConfig,
    roots: tuple[str, ...],
    problems: list[str],
    judge: bool = False,
) -> ChatPromptConfig:
    """``chat`` with its Langfuse prompt filled in (unchanged, and a problem noted, on failure)."""
    from scoregate.langfuse.prompts import fetch_prompt
    from scoregate.templates import check, placeholders

    ref = chat.langfuse
    assert ref is not None
    try:
        found = fetch_prompt(connection, ref)
    except ConfigError as exc:
        problems.extend(exc.problems)
        return chat
    what = f"{ref.where}: Langfuse prompt '{found.name}' version {found.version}"
    problems.extend(f"{what}: {problem}." for problem in check(found.prompt, roots))
    names = [n for m in found.prompt.messages for n in placeholders(m.content)]
    if judge and not any(n.split(".", 1)[0] == "output" for n in names):
        problems.append(
            f"{what}: the judge prompt has no {{{{output}}}} placeholder, so the judge would "
            "never see the output it scores."
        )
    source = {
        "prompt_source": "langfuse",
        "prompt_name": found.name,
        "prompt_version": found.version,
    }
    return replace(chat, prompt=found.prompt, source=source)


def prompt_versions(experiment: ExperimentConfig) -> dict[str, Any]:
    """The Langfuse prompts a run used: ``task`` and each judge's score name → name, version."""
    found: dict[str, Any] = {}
    if experiment.task.openai is not None and experiment.task.openai.source:
        found["task"] = dict(experiment.task.openai.source)
    for evaluator in experiment.evaluators:
        if evaluator.judge is not None and evaluator.judge.source:
            found[evaluator.name or "judge"] = dict(evaluator.judge.source)
    return found
