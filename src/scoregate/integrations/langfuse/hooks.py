"""What Langfuse does around a run: prompts before it, the baseline, run evaluators and the
recording after (``sources.py`` puts these behind the core's interfaces).

Cheap to import: the SDK is imported only when an experiment uses Langfuse.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scoregate.config.langfuse import LangfuseDatasetConfig, LiveDatasetConfig
from scoregate.values.errors import ConfigError
from scoregate.values.model import RunRecord, ScoreDef

if TYPE_CHECKING:
    from scoregate.config.model import ChatPromptConfig, EvaluatorConfig, ExperimentConfig
    from scoregate.integrations.langfuse.connection import Connection
    from scoregate.integrations.langfuse.recorder import Recording


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


def langfuse_baseline_for(
    experiment: ExperimentConfig,
    score_defs: Mapping[str, ScoreDef],
    env: Mapping[str, str] | None = None,
) -> tuple[RunRecord | None, str | None]:
    """The Langfuse baseline of ``experiment`` (``run`` and ``merge`` both read it before the
    candidate is recorded, so a run is never its own baseline)."""
    from scoregate.integrations.langfuse.baseline import find_baseline, read_run
    from scoregate.integrations.langfuse.connection import connect
    from scoregate.integrations.langfuse.datasets import dataset_of

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


def finish(
    experiment: ExperimentConfig,
    record: RunRecord,
    *,
    root: Path,
    env: Mapping[str, str] | None,
    sharded: bool,
) -> RunRecord:
    """Prompt versions and live-trace links; then, unless this is a shard (run-level scores need
    every item, and the run is recorded once, by ``merge``), run-level evaluators and, when asked,
    the recording of the run in Langfuse."""
    options = experiment.langfuse
    prompts = prompt_versions(experiment)
    if prompts:
        record = replace(record, metadata=dict(record.metadata) | {"langfuse_prompts": prompts})
    if isinstance(experiment.dataset, LiveDatasetConfig):
        from scoregate.integrations.langfuse.connection import connect as connect_live
        from scoregate.integrations.langfuse.live import trace_url

        live = connect_live(os.environ if env is None else env)
        links = {"host": live.host, "trace_url": trace_url(live.host, live.project_id, "")}
        record = replace(record, metadata=dict(record.metadata) | {"langfuse": links})
    if sharded:
        return record
    if options.run_evaluators:
        from scoregate.execute.signatures import resolve_run_evaluators
        from scoregate.integrations.langfuse.context import run_level_scores

        functions = resolve_run_evaluators(
            options.run_evaluators, root, experiment.where, options.run_evaluator_places
        )
        record = replace(
            record, run_scores=record.run_scores + run_level_scores(functions, record.items)
        )
    if options.record is None:
        return record
    from scoregate.integrations.langfuse import recorder

    recording = _live.pop(record.run_id, None)
    if recording is None:  # not recorded live (merge, a script's run): every sample now
        recording = start(experiment, record, env=env)
        assert recording is not None
        del _live[record.run_id]
        for result in record.items:
            for sample in result.samples:
                recording.sample(result.item, sample)
    recorded = recorder.finish(recording, record)
    langfuse_meta = {
        "run": recorded.run_name,
        "experiment_id": recorded.experiment_id,
        "dataset_id": recorded.dataset_id,
        "url": recorded.url,
        "host": recording.opened().connection.host,
    }
    earlier = record.metadata.get("langfuse")
    langfuse_meta = (dict(earlier) if isinstance(earlier, Mapping) else {}) | langfuse_meta
    return replace(
        record,
        warnings=record.warnings + recorded.warnings,
        metadata=dict(record.metadata) | {"langfuse": langfuse_meta},
    )


_live: dict[str, Recording] = {}
"""Runs being recorded while their items run, by run id, until ``finish``."""


def start(
    experiment: ExperimentConfig, record: RunRecord, *, env: Mapping[str, str] | None
) -> Recording | None:
    """With ``record:``, open the run's recording in Langfuse before its items run (``record``
    has none yet), so each sample is sent as it finishes; ``finish`` completes it."""
    options = experiment.langfuse.record
    if options is None:
        return None
    from scoregate.integrations.langfuse.baseline import FINGERPRINTS_KEY, fingerprints
    from scoregate.integrations.langfuse.connection import connect
    from scoregate.integrations.langfuse.datasets import dataset_of
    from scoregate.integrations.langfuse.recorder import run_name
    from scoregate.integrations.langfuse.recorder import start as start_recording

    dataset = experiment.dataset

    def connected() -> tuple[Connection, str | None]:
        connection = connect(os.environ if env is None else env)
        if isinstance(dataset, LangfuseDatasetConfig):
            return connection, dataset_of(connection, dataset).id
        return connection, None

    extra: dict[str, Any] = dict(options.metadata)
    recorded_defs = fingerprints(record.score_defs)
    if recorded_defs:
        extra[FINGERPRINTS_KEY] = recorded_defs
    recording = start_recording(
        connected,
        record,
        name=run_name(options.run_name, record),
        description=options.description or experiment.description or None,
        metadata=extra,
    )
    _live[record.run_id] = recording
    return recording


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
    from scoregate.config.langfuse import PromptRef
    from scoregate.config.templates import JUDGE_ROOTS, TASK_ROOTS
    from scoregate.integrations.langfuse.connection import connect

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
    from scoregate.integrations.langfuse.datasets import dataset_of
    from scoregate.integrations.langfuse.prompts import discover_judge_prompts

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
    from scoregate.config.templates import check, placeholders
    from scoregate.integrations.langfuse.prompts import fetch_prompt

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
