"""One gate run: prepare every experiment, execute, compare, gate, report.

Everything a user can get wrong is found in ``prepare`` before anything runs.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

from scoregate import __version__, gitinfo, paths, shards, store
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
from scoregate.errors import ConfigError
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


def baseline_file(experiment: ExperimentConfig, override: Path | None) -> Path | None:
    if override is None:
        return experiment.baseline
    if override.is_dir():
        return override / f"{experiment.name}.json"
    return override


def load_baseline(
    experiment: str, path: Path | None, root: Path | None = None
) -> tuple[RunRecord | None, str | None]:
    """The baseline at ``path``, or why there is none. ``root``: the config's folder, which a
    configured baseline path is shown relative to (a path from --baseline is shown as given)."""
    if path is None:
        return None, "no baseline configured"
    shown = str(path) if root is None else paths.relative(path, root)
    if not path.exists():
        return None, (
            f"no baseline at {shown}; record one with 'scoregate baseline promote RUN' "
            "after a run you trust"
        )
    record = store.read_record(path)
    if record.experiment != experiment:
        raise ConfigError(
            f"{shown}: this baseline is a run of experiment '{record.experiment}', not '{experiment}'. "
            "Point --baseline at the right file, or at a folder holding <experiment>.json files."
        )
    return record, None


def gate_records(
    config: Config,
    pairs: Sequence[tuple[RunRecord, RunRecord | None, str | None]],
) -> Verdict:
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
            )
        comparisons.append(comparison)
        checks.extend(evaluate(comparison, gate, judge_changed_fails=gate.judge_changed_fails))
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
    from scoregate.reports.files import reports_failed, write_report

    body = markdown.render(verdict)
    problems = [
        problem
        for problem in (
            write_report("markdown report", "--markdown", paths.markdown, body),
            write_report("JUnit report", "--junit", paths.junit, junit.render(verdict)),
        )
        if problem is not None
    ]
    stdout.write(terminal.render(verdict) + "\n")
    if not problems:
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
    if problems:
        raise reports_failed(problems, records)


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
) -> int:
    experiments = config.select(names)
    models = None
    if any(c.task.openai or any(e.kind == "judge" for e in c.evaluators) for c in experiments):
        from scoregate.provider import open_for_run

        models = open_for_run(config, paths.output_dir, use_cache=use_cache, env=env)
    prepared = prepare(config, experiments, models)
    if models is not None:
        models.check()
    baselines = [
        hooks.load_langfuse_baseline(p, score_defs(p), env)
        if p.experiment.langfuse.langfuse_baseline is not None and baseline is None
        else load_baseline(
            p.experiment.name,
            baseline_file(p.experiment, baseline),
            config.root if baseline is None else None,
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
            # Written now and read back from the file as needed: the next experiment runs
            # without this one's items in memory (the gate rewrites it with its findings).
            record = store.keep(store.record_path(paths.output_dir, record), record)
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
    pairs = [(r, b, n) for r, (b, n) in zip(records, baselines, strict=True)]
    return gate_and_report(config, pairs, paths, env=env, stdout=stdout, label="Run record")


def gate_and_report(
    config: Config,
    pairs: Sequence[tuple[RunRecord, RunRecord | None, str | None]],
    paths: ReportPaths,
    *,
    env: Mapping[str, str],
    stdout: TextIO,
    label: str,
) -> int:
    """Gate the candidates, store each with what the gate found, write the reports."""
    verdict = gate_records(config, pairs)
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
) -> int:
    """Join shard records per experiment, then gate and report as ``run`` would have."""
    by_experiment: dict[str, list[tuple[str, RunRecord]]] = {}
    for file in record_files:
        record = store.read_record(file)
        by_experiment.setdefault(record.experiment, []).append((store.shown(file), record))
    pairs = []
    for joined in (shards.merge(group) for group in by_experiment.values()):
        experiment = config.experiment(joined.experiment)
        if experiment and experiment.langfuse.langfuse_baseline is not None and baseline is None:
            found = hooks.langfuse_baseline_for(experiment, joined.score_defs, env)
        else:
            path = baseline_file(experiment, baseline) if experiment else None
            found = load_baseline(
                joined.experiment, path, config.root if baseline is None else None
            )
        # Run-level scores and the Langfuse recording happen once, for the whole run.
        record = (
            hooks.finish_merged(experiment, joined, root=config.root, env=env)
            if experiment
            else joined
        )
        pairs.append((record, *found))
    return gate_and_report(config, pairs, paths, env=env, stdout=stdout, label="Merged run record")
