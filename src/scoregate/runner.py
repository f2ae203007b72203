"""One gate run: prepare every experiment, execute, compare, gate, report.

Everything a user can get wrong is found in ``prepare`` before anything runs.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

from scoregate import (
    __version__,
    baselines,
    gitinfo,
    interrupts,
    scorenames,
    shards,
    store,
    verdictfile,
)
from scoregate.compare import compare
from scoregate.config import Config, ExperimentConfig
from scoregate.datasets import load_items
from scoregate.engine import (
    Collector,
    Task,
    needs_event_loop,
    run_items,
    run_items_in_threads,
)
from scoregate.errors import ConfigError, RunError
from scoregate.evaluators import Evaluator, build_evaluators
from scoregate.gate import decide, evaluate
from scoregate.langfuse import hooks
from scoregate.model import Check, Comparison, Item, RunRecord, ScoreDef, Verdict
from scoregate.progress import ProgressLine
from scoregate.tasks import PythonTask, build_task

if TYPE_CHECKING:
    from scoregate.provider import Provider


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Prepared:
    experiment: ExperimentConfig
    items: tuple[Item, ...]
    task: Task
    evaluators: tuple[Evaluator, ...]


@dataclass(frozen=True, slots=True)
class Overrides:
    concurrency: int | None = None
    repeats: int | None = None
    shard: tuple[int, int] | None = None
    """``(I, N)``: run only the I-th of N stable slices of the items."""


@dataclass(frozen=True, slots=True)
class GateOptions:
    """What the user allows on the command line."""

    no_baseline: bool = False
    """Gate without a baseline on purpose (``--no-baseline``): its checks are not run."""
    allow_partial: bool = False
    """An interrupted run or baseline may pass (``--allow-partial``)."""


@dataclass(frozen=True, slots=True)
class ReportPaths:
    output_dir: Path
    junit: Path
    markdown: Path


def prepare(
    config: Config, experiments: Sequence[ExperimentConfig], provider: Provider | None = None
) -> list[Prepared]:
    """Load datasets, resolve tasks and evaluators; every problem at once, nothing run."""
    problems: list[str] = []
    prepared = []
    for experiment in experiments:
        failed = len(problems)
        name = experiment.name
        items = _attempt(
            partial(load_items, experiment.dataset, display_root=config.root), name, problems
        )
        resolved = _attempt(partial(hooks.resolve_prompts, experiment), name, problems)
        if resolved is None:
            continue
        task = _attempt(partial(_task, resolved, config, provider), name, problems)
        evaluators = _attempt(
            partial(build_evaluators, resolved.evaluators, config.root, provider), name, problems
        )
        _attempt(partial(_run_evaluators, resolved, config), name, problems)
        if (
            len(problems) == failed
            and items is not None
            and task is not None
            and evaluators is not None
        ):
            prepared.append(Prepared(resolved, items, task, evaluators))
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
    if experiment.langfuse.script is not None:
        from scoregate.langfuse.context import load_script

        script = experiment.langfuse.script
        shown = os.path.relpath(script, config.root)
        return load_script(
            script, experiment.where, experiment.langfuse.script_place, shown, config.root
        )
    return build_task(experiment.task, config.root, provider)


def _run_evaluators(experiment: ExperimentConfig, config: Config) -> None:
    """Resolve the run evaluators and check how they will be called (they run after the items)."""
    options = experiment.langfuse
    if options.run_evaluators:
        from scoregate.langfuse.context import resolve_run_evaluators

        resolve_run_evaluators(
            options.run_evaluators, config.root, experiment.where, options.run_evaluator_places
        )


def score_defs(prepared: Prepared) -> dict[str, ScoreDef]:
    defs: dict[str, ScoreDef] = {}
    for evaluator in prepared.evaluators:
        for definition in evaluator.defs:
            defs[definition.name] = definition
    for name, thresholds in prepared.experiment.gate.scores.items():
        if thresholds.pass_mark is not None:
            base = defs.get(name, ScoreDef(name))
            defs[name] = replace(base, pass_mark=thresholds.pass_mark)
    return defs


def execute(
    prepared: Prepared,
    config: Config,
    *,
    overrides: Overrides,
    git: Mapping[str, Any],
    stream: TextIO,
    provider: Provider | None = None,
) -> tuple[RunRecord, bool]:
    """Run one experiment. Returns the record and whether it was interrupted."""
    experiment = prepared.experiment
    if experiment.langfuse.script is not None:
        from scoregate.langfuse.context import execute_script

        return execute_script(prepared, config, overrides=overrides, git=git, stream=stream)
    concurrency = overrides.concurrency or experiment.concurrency
    repeats = overrides.repeats or experiment.repeats
    items = prepared.items
    dataset = experiment.dataset.reference | {
        "items": len(items),
        "digest": shards.dataset_digest(items),
    }
    positions: list[int] | None = None
    if overrides.shard is not None:
        items, positions = shards.select(items, *overrides.shard)
    collector = Collector(items, repeats)
    progress = ProgressLine(experiment.name, len(items) * repeats, stream)
    started = store.now_iso()
    interrupted = False
    task, evaluators, timeout = prepared.task, prepared.evaluators, experiment.timeout
    # Start-up built modules, the config and the items: keep them out of the collector's scans.
    gc.freeze()
    try:
        with interrupts.watching():  # a task's own KeyboardInterrupt is not a Ctrl-C
            if provider is None and not needs_event_loop(task, evaluators):
                assert isinstance(task, PythonTask)
                run_items_in_threads(
                    items, task, evaluators, concurrency=concurrency, repeats=repeats,
                    timeout=timeout, collector=collector, progress=progress,
                )  # fmt: skip
            else:
                from scoregate import eventloop

                work = run_items(
                    items, task, evaluators, concurrency=concurrency, repeats=repeats,
                    timeout=timeout, collector=collector, progress=progress,
                    should_stop=provider.cost_limit(experiment.max_cost) if provider else None,
                )  # fmt: skip
                eventloop.run(provider.run_then_close(work) if provider else work)
    except KeyboardInterrupt:
        interrupted = True
    if not interrupted and collector.stop_reason is None:
        check_complete(experiment.name, collector)
    record = RunRecord(
        experiment=experiment.name,
        run_id=store.new_run_id(),
        items=collector.results(complete_only=interrupted),
        score_defs=score_defs(prepared),
        config_digest=config.digest,
        dataset=dataset,
        git=git,
        started_at=started,
        finished_at=store.now_iso(),
        repeats=repeats,
        shard=f"{overrides.shard[0]}/{overrides.shard[1]}" if overrides.shard else None,
        warnings=(
            (
                f"interrupted: {len(collector.results(complete_only=True))} of {len(items)} items finished",
            )
            if interrupted
            else ()
        )
        + model_warnings(prepared, collector, provider),
        metadata={"scoregate_version": __version__, "partial": interrupted}
        | ({"positions": positions} if positions is not None else {}),
    )
    return record, interrupted


def check_complete(experiment: str, collector: Collector) -> None:
    """Every item and repeat has its result (an output with scores, or an error); a sample
    without one is scoregate's failure, never a silently shorter run."""
    missing = collector.missing()
    if missing:
        total = len(collector.items) * collector.repeats
        shown = ", ".join(missing[:10]) + (
            f" and {len(missing) - 10} more" if len(missing) > 10 else ""
        )
        raise RunError(
            f"{experiment}: {len(missing)} of {total} samples have no result (neither an output "
            f"nor an error): {shown}. The run is not gated on what is left; this is a bug in "
            "scoregate, please report it with the task that was running."
        )


def model_warnings(
    prepared: Prepared, collector: Collector, provider: Provider | None
) -> tuple[str, ...]:
    """A max_cost stop, and models whose calls were counted at $0 for want of a price."""
    found = [collector.stop_reason] if collector.stop_reason else []
    if provider is not None:
        experiment = prepared.experiment
        models = {e.target for e in experiment.evaluators if e.kind == "judge"}
        if experiment.task.openai is not None:
            models.add(experiment.task.openai.model)
        found += [
            f"no price for model {m}: its calls are counted as $0; add it under defaults.prices"
            for m in sorted(models & provider.unpriced)
        ]
    return tuple(found)


def find_baseline(
    config: Config,
    experiment: ExperimentConfig,
    defs: Mapping[str, ScoreDef],
    override: Path | None,
    *,
    no_baseline: bool = False,
    env: Mapping[str, str] | None = None,
) -> Found:
    """The baseline of ``experiment``: ``--no-baseline``, ``--baseline``, Langfuse or a file."""
    if no_baseline:
        return None, baselines.NO_BASELINE_FLAG, False
    if experiment.langfuse.langfuse_baseline is not None and override is None:
        record, note = hooks.langfuse_baseline_for(experiment, defs, env)
        return record, note, record is None  # asked for and not found: its checks fail
    choice = baselines.choose(experiment, override, config.root)
    return (*baselines.load(experiment.name, choice), False)


Found = tuple[RunRecord | None, str | None, bool]
"""A baseline, or why there is none and whether one was asked for (then its checks fail)."""
Pair = tuple[RunRecord, RunRecord | None, str | None]


def gate_records(
    config: Config,
    pairs: Sequence[Pair],
    *,
    allow_partial: bool = False,
    required: Collection[str] = (),
) -> Verdict:
    """``required``: experiments whose asked-for baseline was not found (their baseline checks
    fail rather than being skipped)."""
    comparisons: list[Comparison] = []
    checks: list[Check] = []
    for candidate, baseline, note in pairs:
        experiment = config.experiment(candidate.experiment)
        if experiment is None:
            raise ConfigError(
                f"{config.path}: the run record is for experiment '{candidate.experiment}', which "
                f"this config does not define; pass the config it was run with (-c)."
            )
        gate = experiment.gate
        with store.paused_gc():
            comparison = compare(
                candidate,
                baseline,
                baseline_note=note,
                pass_marks={
                    n: t.pass_mark for n, t in gate.scores.items() if t.pass_mark is not None
                },
                alpha=gate.significance or 0.05,
                count_flaky=gate.count_flaky_as_regressed,
                baseline_required=candidate.experiment in required,
            )
        comparisons.append(comparison)
        checks.extend(
            evaluate(
                comparison,
                gate,
                judge_changed_fails=gate.judge_changed_fails,
                allow_partial=allow_partial,
            )
        )
    return decide(checks, comparisons)


def gate_section(verdict: Verdict, experiment: str) -> dict[str, Any]:
    """What the gate found, stored in the run record beside the results."""
    comparison = next(c for c in verdict.comparisons if c.experiment == experiment)
    return {
        "gate": {
            "baseline": comparison.baseline.run_id if comparison.baseline else None,
            "baseline_note": comparison.baseline_note,
            "passed": all(c.status != "fail" for c in verdict.checks if c.experiment == experiment),
            "checks": [
                {
                    "score": c.score,
                    "kind": c.kind,
                    "status": c.status,
                    "observed": c.observed,
                    "limit": c.limit,
                    "explanation": c.explanation,
                }
                for c in verdict.checks
                if c.experiment == experiment
            ],
            "scores": {
                s.name: {
                    "candidate_mean": s.candidate.mean if s.candidate else None,
                    "baseline_mean": s.baseline.mean if s.baseline else None,
                    "pass_rate": s.candidate.pass_rate if s.candidate else None,
                    "delta": None
                    if s.delta is None
                    else {
                        "n": s.delta.n,
                        "mean": s.delta.mean_delta,
                        "ci": [s.delta.ci_low, s.delta.ci_high],
                        "p_worse": s.delta.p_worse,
                        "mde": s.delta.mde,
                        "method": s.delta.method,
                    },
                    "regressed": list(s.regressed),
                    "improved": list(s.improved),
                    "flaky": list(s.flaky),
                    "judge_changed": s.judge_changed,
                    "counted_as_zero": s.counted_as_zero,
                    "left_out": s.left_out,
                }
                for s in comparison.scores
            },
        }
    }


def write_reports(
    verdict: Verdict,
    paths: ReportPaths,
    *,
    env: Mapping[str, str],
    stdout: TextIO,
    records: Mapping[str, Path],
) -> None:
    from scoregate.reports import junit, markdown, terminal

    body = markdown.render(verdict)
    store.write_text(paths.markdown, body)
    store.write_text(paths.junit, junit.render(verdict))
    stdout.write(terminal.render(verdict) + "\n")
    stdout.write(f"Reports: {store.shown(paths.junit)}, {store.shown(paths.markdown)}\n")
    if env.get("GITHUB_ACTIONS") == "true":
        from scoregate.reports.github import publish_to_actions

        outputs = {
            "verdict": "pass"
            if verdict.passed
            else ("error" if verdict.exit_code == 3 else "fail"),
            "exit-code": str(verdict.exit_code),
            "junit": str(paths.junit),
            "markdown": str(paths.markdown),
            "records": "\n".join(str(p) for p in records.values()),
        }
        publish_to_actions(markdown=body, verdict=verdict, outputs=outputs, env=env, stream=stdout)
    verdictfile.write(verdict.exit_code, env)  # last: the gate ran to its end


def report_paths(
    config_output: Path,
    output_dir: Path | None,
    junit_path: Path | None,
    markdown_path: Path | None,
) -> ReportPaths:
    out = output_dir or config_output
    return ReportPaths(out, junit_path or out / "junit.xml", markdown_path or out / "report.md")


def run(
    config: Config,
    *,
    names: Sequence[str],
    baseline: Path | None,
    paths: ReportPaths,
    overrides: Overrides,
    env: Mapping[str, str] = os.environ,
    stdout: TextIO = sys.stdout,
    stderr: TextIO = sys.stderr,
    use_cache: bool = True,
    options: GateOptions = GateOptions(),
) -> int:
    experiments = config.select(names)
    models = None
    if any(c.task.openai or any(e.kind == "judge" for e in c.evaluators) for c in experiments):
        from scoregate.provider import open_for_run

        models = open_for_run(config, paths.output_dir, use_cache=use_cache, env=env)
    prepared = prepare(config, experiments, models)
    if models is not None:
        models.check()
    found = [
        find_baseline(
            config, p.experiment, score_defs(p), baseline, no_baseline=options.no_baseline, env=env
        )
        for p in prepared
    ]
    git = gitinfo.describe(config.root, env)
    records: list[RunRecord] = []
    for item in prepared:
        record, interrupted = execute(
            item, config, overrides=overrides, git=git, stream=stderr, provider=models
        )
        if not interrupted:
            record = hooks.finish_record(
                item, record, root=config.root, env=env, sharded=overrides.shard is not None
            )
        records.append(record)
        if interrupted:
            path = store.write_record(store.record_path(paths.output_dir, record), record)
            stderr.write(f"Interrupted: the finished items are kept in {store.shown(path)}.\n")
            return 130
    if overrides.shard is not None:
        for record in records:
            path = store.write_record(store.record_path(paths.output_dir, record), record)
            stdout.write(
                f"Shard {record.shard} of {record.experiment}: {len(record.items)} of "
                f"{record.dataset['items']} items → {store.shown(path)}\n"
            )
        stdout.write("Join the shards with 'scoregate merge RECORD...'; the gate runs there.\n")
        return 0
    check_gate_keys(prepared, records, paths.output_dir)
    pairs = [(r, b, n) for r, (b, n, _) in zip(records, found, strict=True)]
    required = {r.experiment for r, (_, _, asked) in zip(records, found, strict=True) if asked}
    return gate_and_report(
        config,
        pairs,
        paths,
        env=env,
        stdout=stdout,
        label="Run record",
        allow_partial=options.allow_partial,
        required=required,
    )


def check_gate_keys(
    prepared: Sequence[Prepared], records: Sequence[RunRecord], output_dir: Path
) -> None:
    """Every gate key names a score the run produced (Python evaluators name theirs only when
    called). Else a config error, with the run records kept so the run is not lost."""
    problems = []
    for item, record in zip(prepared, records, strict=True):
        declared = [d.name for e in item.evaluators for d in e.defs]
        found = scorenames.unknown_gate_keys(item.experiment, record, declared)
        problems += [f"[{record.experiment}] {problem}" for problem in found]
    if problems:
        for record in records:
            path = store.write_record(store.record_path(output_dir, record), record)
            problems.append(
                f"[{record.experiment}] Nothing was gated; the run is kept in {store.shown(path)}: "
                "fix the gate, then gate it without rerunning with 'scoregate compare RUN BASELINE'."
            )
        raise ConfigError(problems)


def gate_and_report(
    config: Config,
    pairs: Sequence[tuple[RunRecord, RunRecord | None, str | None]],
    paths: ReportPaths,
    *,
    env: Mapping[str, str],
    stdout: TextIO,
    label: str,
    allow_partial: bool = False,
    required: Collection[str] = (),
) -> int:
    """Gate the candidates, store each with what the gate found, write the reports."""
    verdict = gate_records(config, pairs, allow_partial=allow_partial, required=required)
    written = {
        r.experiment: store.write_record(
            store.record_path(paths.output_dir, r), r, gate_section(verdict, r.experiment)
        )
        for r, _, _ in pairs
    }
    for name, path in written.items():
        stdout.write(f"{label} ({name}): {store.shown(path)}\n")
    write_reports(verdict, paths, env=env, stdout=stdout, records=written)
    return verdict.exit_code


def merge(
    config: Config,
    *,
    record_files: Sequence[Path],
    baseline: Path | None,
    paths: ReportPaths,
    env: Mapping[str, str] = os.environ,
    stdout: TextIO = sys.stdout,
    options: GateOptions = GateOptions(),
) -> int:
    """Join shard records per experiment, then gate and report as ``run`` would have."""
    by_experiment: dict[str, list[tuple[str, RunRecord]]] = {}
    for file in record_files:
        record = store.read_record(file)
        by_experiment.setdefault(record.experiment, []).append((store.shown(file), record))
    pairs: list[Pair] = []
    required = set()
    for joined in (shards.merge(group) for group in by_experiment.values()):
        experiment = config.experiment(joined.experiment)
        found: Found = (None, "no baseline configured", False)
        if experiment is not None:
            found = find_baseline(
                config,
                experiment,
                joined.score_defs,
                baseline,
                no_baseline=options.no_baseline,
                env=env,
            )
        # Run-level scores and the Langfuse recording happen once, for the whole run.
        record = (
            hooks.finish_merged(experiment, joined, root=config.root, env=env)
            if experiment
            else joined
        )
        pairs.append((record, found[0], found[1]))
        if found[2]:
            required.add(record.experiment)
    return gate_and_report(
        config,
        pairs,
        paths,
        env=env,
        stdout=stdout,
        label="Merged run record",
        allow_partial=options.allow_partial,
        required=required,
    )
