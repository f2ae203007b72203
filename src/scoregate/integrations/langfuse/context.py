"""Scripts written for ``langfuse/experiment-action``, run unchanged.

The script defines ``experiment(context)`` and calls ``context.run_experiment(...)`` on a
``langfuse.RunnerContext``. Ours is a subclass whose ``run_experiment`` runs the items through
scoregate's engine (so no item is dropped and sync tasks are concurrent), keeps the item
results and run-level scores for the run record, and hands the script the SDK's own
``ExperimentResult``. A ``langfuse.RegressionError`` becomes a failing check.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import inspect
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from scoregate import __version__
from scoregate.execute import eventloop
from scoregate.execute.engine import Collector, run_items
from scoregate.execute.evaluators.evaluator import Evaluator
from scoregate.execute.evaluators.naming import ScoreNames, python_def
from scoregate.execute.evaluators.results import to_scores
from scoregate.execute.references import import_file
from scoregate.execute.signatures import experiment_by_keyword, is_async
from scoregate.execute.tasks import PythonTask
from scoregate.record import store
from scoregate.values.errors import ConfigError, RunError
from scoregate.values.model import Item, ItemResult, RunRecord, Score, ScoreDef

if TYPE_CHECKING:
    from scoregate.config.model import Config
    from scoregate.execute.prepared import Overrides, Prepared

REGRESSION_KEY = "regression_error"


def load_script(
    path: Path, where: str, place: str = "", shown: str = "", root: Path | None = None
) -> PythonTask:
    """The script's ``experiment`` function, as the experiment's 'task' (checked before running).

    ``place`` is ``file:line:col: key.path`` of ``script:``, ``shown`` the path as the config
    names it. The task's function takes the context as its one positional argument, even when
    the script's ``experiment`` takes it as the keyword ``context``.
    """
    module = import_file(path, where, root)
    function = getattr(module, "experiment", None)
    if not callable(function):
        raise ConfigError(
            f"{where}: {path} defines no experiment(context) function; a script for "
            "langfuse/experiment-action must define one."
        )
    call = function
    if experiment_by_keyword(function, place or where, f"{shown or path}:experiment"):

        def call(context: Any) -> Any:
            return function(context=context)

    return PythonTask(call, {}, is_async(function), str(path))


def _function_name(function: Callable[..., Any]) -> str:
    return str(getattr(function, "__name__", type(function).__name__))


def evaluator_from_function(function: Callable[..., Any]) -> Evaluator:
    """A Langfuse-style evaluator ``(*, input, output, expected_output, metadata)`` as ours."""
    name = _function_name(function)

    def call(item: Item, output: Any) -> Any:
        return function(
            input=item.input,
            output=output,
            expected_output=item.expected_output,
            metadata=dict(item.metadata),
        )

    names = ScoreNames(python_def(name, None, None))

    def scores(raw: Any) -> tuple[Score, ...]:
        return names.note(to_scores(raw, name, None))

    return Evaluator(name, call, scores, is_async(function), names=names)


def _as_item(raw: Any, index: int) -> Item:
    if isinstance(raw, Item):
        return raw
    if isinstance(raw, Mapping):
        get = raw.get
    else:

        def get(key: str, default: Any = None) -> Any:
            return getattr(raw, key, default)

    item_id = get("id") or f"item-{index}"
    metadata = get("metadata") or {}
    return Item(
        str(item_id),
        get("input"),
        get("expected_output"),
        dict(metadata) if isinstance(metadata, Mapping) else {"metadata": metadata},
        "script data",
    )


def item_results_for_sdk(results: Sequence[ItemResult]) -> list[Any]:
    """Our results as the SDK's ``ExperimentItemResult`` list (failed samples included)."""
    from langfuse.experiment import Evaluation, ExperimentItemResult

    out = []
    for result in results:
        for sample in result.samples:
            evaluations = [
                Evaluation(
                    name=s.name, value=s.raw if s.raw is not None else s.value, comment=s.comment
                )
                for s in sample.scores
                if s.value is not None
            ]
            out.append(
                ExperimentItemResult(
                    item=result.item,  # type: ignore[arg-type]
                    output=sample.output,
                    evaluations=evaluations,
                    trace_id=None,
                )
            )
    return out


def run_level_scores(
    functions: Sequence[Callable[..., Any]], results: Sequence[ItemResult]
) -> tuple[Score, ...]:
    """Call each run evaluator with ``item_results=``; a failure is an error score, not a crash."""
    if not functions:
        return ()
    sdk_results = item_results_for_sdk(results)
    scores: list[Score] = []
    for function in functions:
        name = _function_name(function)
        try:
            raw = function(item_results=sdk_results)
            if inspect.isawaitable(raw):
                raw = _run_coroutine(raw)
        except Exception as exc:
            scores.append(Score(name, None, error=f"run evaluator '{name}' failed: {exc}"))
            continue
        scores.extend(to_scores(raw, name, None))
    return tuple(scores)


def _run_coroutine(coroutine: Any) -> Any:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return eventloop.run(coroutine)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(eventloop.run, coroutine).result()


@dataclass
class _Call:
    name: str
    results: tuple[ItemResult, ...]
    run_scores: tuple[Score, ...]
    score_defs: tuple[ScoreDef, ...]


@dataclass
class ScriptRun:
    """What the script's run_experiment calls produced."""

    items: Sequence[Item]
    concurrency: int
    repeats: int
    timeout: float
    calls: list[_Call] = field(default_factory=list)


def make_context(run: ScriptRun, *, client: Any, metadata: Mapping[str, str]) -> Any:
    from langfuse import RunnerContext
    from langfuse.experiment import Evaluation, ExperimentResult

    class ScoregateRunnerContext(RunnerContext):
        def run_experiment(
            self,
            *,
            name: str,
            run_name: str | None = None,
            description: str | None = None,
            data: Any = None,
            task: Callable[..., Any],
            evaluators: Sequence[Callable[..., Any]] = (),
            composite_evaluator: Any = None,
            run_evaluators: Sequence[Callable[..., Any]] = (),
            max_concurrency: int = 50,
            metadata: Mapping[str, str] | None = None,
            experiment_id: str | None = None,
            _dataset_version: Any = None,
        ) -> Any:
            items = (
                tuple(_as_item(x, i) for i, x in enumerate(data))
                if data is not None
                else tuple(run.items)
            )
            ours = [evaluator_from_function(f) for f in evaluators]
            collector = Collector(items, run.repeats)
            work = run_items(
                items,
                PythonTask(task, {}, is_async(task), _function_name(task)),
                ours,
                concurrency=min(run.concurrency, max_concurrency) or 1,
                repeats=run.repeats,
                timeout=run.timeout,
                collector=collector,
            )
            _run_coroutine(work)
            results = collector.results()
            run_scores = run_level_scores(list(run_evaluators), results)
            defs = tuple(d for e in ours for d in e.score_defs())
            run.calls.append(_Call(name, results, run_scores, defs))
            return ExperimentResult(
                name=name,
                run_name=run_name or name,
                description=description,
                item_results=item_results_for_sdk(results),
                run_evaluations=[
                    Evaluation(name=s.name, value=s.raw, comment=s.comment)
                    for s in run_scores
                    if s.value is not None
                ],
                experiment_id=experiment_id or "",
            )

    return ScoregateRunnerContext(
        client=client,
        data=list(run.items),  # type: ignore[arg-type]
        metadata=dict(metadata),
    )


def execute_script(
    prepared: Prepared,
    config: Config,
    *,
    overrides: Overrides,
    git: Mapping[str, Any],
    stream: TextIO,
) -> tuple[RunRecord, bool]:
    """Run an experiment(context) script; its items and scores become the run record."""
    from langfuse import RegressionError

    experiment = prepared.experiment
    run = ScriptRun(
        prepared.items,
        overrides.concurrency or experiment.concurrency,
        overrides.repeats or experiment.repeats,
        experiment.timeout,
    )
    client = None
    if os.environ.get("LANGFUSE_PUBLIC_KEY"):
        from scoregate.integrations.langfuse.connection import connect

        client = connect(os.environ).client
    metadata = {k: str(v) for k, v in git.items()} | {"scoregate_version": __version__}
    context = make_context(run, client=client, metadata=metadata)
    started = store.now_iso()
    regression: dict[str, Any] | None = None
    script = prepared.task
    if not isinstance(script, PythonTask):  # pragma: no cover - prepare builds a PythonTask
        raise RunError(f"{experiment.where}: the experiment script was not loaded.")
    try:
        outcome = script.function(context)
        if inspect.isawaitable(outcome):
            _run_coroutine(outcome)
    except RegressionError as exc:
        regression = {
            "message": str(exc),
            "metric": exc.metric,
            "value": exc.value,
            "threshold": exc.threshold,
        }
    except KeyboardInterrupt:
        raise
    except Exception as exc:
        raise RunError(
            f"{experiment.where}: the experiment script {experiment.langfuse.script} raised "
            f"{type(exc).__name__}: {exc}"
        ) from None
    if not run.calls:
        raise RunError(
            f"{experiment.where}: the experiment script {experiment.langfuse.script} never "
            "called context.run_experiment(...), so there is nothing to gate."
        )
    items: list[ItemResult] = []
    run_scores: list[Score] = []
    defs: dict[str, ScoreDef] = {}
    prefix = len(run.calls) > 1
    for call in run.calls:
        for result in call.results:
            if prefix:
                item = result.item
                renamed = Item(
                    f"{call.name}/{item.id}",
                    item.input,
                    item.expected_output,
                    item.metadata,
                    item.source,
                    item.trace_id,
                )
                items.append(ItemResult(renamed, result.samples))
            else:
                items.append(result)
        run_scores.extend(call.run_scores)
        for definition in call.score_defs:
            defs.setdefault(definition.name, definition)
    for name, thresholds in experiment.gate.scores.items():
        if thresholds.pass_mark is not None and name in defs:
            defs[name] = replace(defs[name], pass_mark=thresholds.pass_mark)
    record = RunRecord(
        experiment=experiment.name,
        run_id=store.new_run_id(),
        items=tuple(items),
        score_defs=defs,
        config_digest=config.digest,
        dataset=experiment.dataset.reference | {"items": len(prepared.items)},
        git=git,
        started_at=started,
        finished_at=store.now_iso(),
        repeats=run.repeats,
        run_scores=tuple(run_scores),
        metadata={"scoregate_version": __version__, "partial": False, "script": True}
        | ({REGRESSION_KEY: regression} if regression else {}),
    )
    return record, False
