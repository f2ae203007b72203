"""Every experiment made ready to run, and every problem a user can fix found before anything
runs: datasets loaded, prompts fetched, tasks and evaluators resolved and checked.

Kept apart from the runner so ``scoregate validate`` imports only what preparing needs (not
the engine, the comparison or the reports).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING, TypeVar

from scoregate.config.model import Config, ExperimentConfig
from scoregate.execute import calibration, reference_scores
from scoregate.execute.evaluators import build_evaluators
from scoregate.execute.prepared import Prepared
from scoregate.execute.signatures import resolve_run_evaluators
from scoregate.execute.tasks import build_task
from scoregate.pipeline import registry
from scoregate.pipeline.loading import load_dataset
from scoregate.values.errors import ConfigError

if TYPE_CHECKING:
    from scoregate.execute.engine import Task
    from scoregate.execute.provider import Provider

T = TypeVar("T")


def prepare(
    config: Config,
    experiments: Sequence[ExperimentConfig],
    provider: Provider | None = None,
    shard: tuple[int, int] | None = None,
) -> list[Prepared]:
    """Load datasets (a ``shard``'s items only, where the source can), resolve tasks and
    evaluators; every problem at once, nothing run."""
    problems: list[str] = []
    prepared = []
    for experiment in experiments:
        failed = len(problems)
        name = experiment.name
        loaded = _attempt(partial(load_dataset, experiment, config.root, shard), name, problems)
        items, whole = loaded if loaded is not None else (None, None)
        prompts = registry.prompt_source(experiment)
        resolved = (
            _attempt(partial(prompts.resolve, experiment), name, problems)
            if prompts
            else experiment
        )
        if resolved is None:
            continue
        task = _attempt(partial(_task, resolved, config, provider), name, problems)
        evaluators = _attempt(
            partial(build_evaluators, resolved.evaluators, config.root, provider), name, problems
        )
        _attempt(partial(_run_evaluators, resolved, config), name, problems)
        rows = _attempt(partial(calibration.load, resolved.evaluators, config.root), name, problems)
        if items is not None and evaluators is not None:
            _attempt(partial(reference_scores.check, items, evaluators), name, problems)
        if (
            len(problems) == failed
            and items is not None
            and task is not None
            and evaluators is not None
        ):
            prepared.append(Prepared(resolved, items, task, evaluators, rows or {}, whole))
    if problems:
        raise ConfigError(problems)
    return prepared


def _attempt(step: Callable[[], T], name: str, problems: list[str]) -> T | None:
    """Run one preparation step; a config problem is noted, led by its experiment, instead."""
    try:
        return step()
    except ConfigError as exc:
        problems.extend(f"[{name}] {p}" for p in exc.problems)
        return None


def _task(experiment: ExperimentConfig, config: Config, provider: Provider | None) -> Task:
    script = registry.script_runner(experiment)
    if script is not None and experiment.langfuse.script is not None:
        return script.load(experiment, config.root)
    return build_task(experiment.task, config.root, provider)


def _run_evaluators(experiment: ExperimentConfig, config: Config) -> None:
    """Resolve the run evaluators and check how they will be called (they run after the items)."""
    options = experiment.langfuse
    if options.run_evaluators:
        resolve_run_evaluators(
            options.run_evaluators, config.root, experiment.where, options.run_evaluator_places
        )
