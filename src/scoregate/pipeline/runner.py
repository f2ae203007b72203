"""One gate run: prepare every experiment (prepare.py), execute, compare, gate, report.

Everything a user can get wrong is found in ``prepare`` before anything runs.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

from scoregate import __version__
from scoregate.config.model import Config, ExperimentConfig
from scoregate.decide import judge_agreement
from scoregate.decide.compare import compare, gate_options
from scoregate.decide.gate import decide, evaluate
from scoregate.execute import calibration, interrupts
from scoregate.execute.complete import check_complete
from scoregate.execute.engine import (
    Collector,
    needs_event_loop,
    run_items,
    run_items_in_threads,
)
from scoregate.execute.prepared import Overrides, Prepared, score_defs
from scoregate.execute.progress import ProgressLine
from scoregate.execute.tasks import PythonTask
from scoregate.pipeline import live, power, preflight, registry, shards, signals, verdictfile
from scoregate.pipeline.abandon import keep_record
from scoregate.pipeline.baseline_choice import Found, find_baseline
from scoregate.pipeline.gate_keys import check_gate_keys
from scoregate.pipeline.gate_options import ALLOW_NOTHING, GateOptions
from scoregate.pipeline.loading import items_to_run
from scoregate.pipeline.prepare import prepare
from scoregate.pipeline.reportfiles import ReportPaths
from scoregate.pipeline.run_warnings import models_metadata, run_warnings
from scoregate.record import gitinfo, store
from scoregate.record.gate_section import gate_section
from scoregate.values.errors import ConfigError
from scoregate.values.model import Check, Comparison, RunRecord, Verdict

if TYPE_CHECKING:
    from scoregate.execute.provider import Provider

__all__ = ["execute", "finish", "gate_and_report", "gate_records", "merge", "prepare", "run"]


T = TypeVar("T")


def execute(
    prepared: Prepared,
    config: Config,
    *,
    overrides: Overrides,
    git: Mapping[str, Any],
    stream: TextIO,
    provider: Provider | None = None,
    abandon: Callable[[RunRecord], None] | None = None,
    env: Mapping[str, str] = os.environ,
) -> tuple[RunRecord, bool]:
    """Run one experiment. Returns the record and whether it was interrupted. ``abandon``:
    given the record when the event loop stays blocked, before the process exits (abandon.py).
    The run sinks record each sample as it finishes (live.py)."""
    experiment = prepared.experiment
    script = registry.script_runner(experiment)
    if script is not None:
        return script.execute(prepared, config, overrides=overrides, git=git, stream=stream)
    concurrency = overrides.concurrency or experiment.concurrency
    repeats = overrides.repeats or experiment.repeats
    items, dataset, positions = items_to_run(prepared, overrides.shard)
    started, run_id = store.now_iso(), store.new_run_id()
    opened = RunRecord(experiment.name, run_id, (), score_defs(prepared), config.digest, git=git)
    opened = replace(opened, started_at=started)
    recording = live.start(experiment, opened, env=env, sharded=overrides.shard is not None)
    collector = Collector(items, repeats, recording.on_sample)
    progress = ProgressLine(experiment.name, len(items) * repeats, stream)
    interrupted = False
    task, evaluators, timeout = prepared.task, prepared.evaluators, experiment.timeout
    scored: dict[str, Any] = {}  # the calibration rows' results (calibration.then_score)

    def build(interrupted: bool) -> RunRecord:
        return RunRecord(
            experiment=experiment.name,
            run_id=run_id,
            items=collector.results(complete_only=interrupted),
            score_defs=score_defs(prepared),  # after the run: every name a Python evaluator gave
            config_digest=config.digest,
            dataset=dataset,
            git=git,
            started_at=started,
            finished_at=store.now_iso(),
            repeats=repeats,
            shard=f"{overrides.shard[0]}/{overrides.shard[1]}" if overrides.shard else None,
            warnings=run_warnings(prepared, collector, provider, interrupted=interrupted),
            metadata={"scoregate_version": __version__, "partial": interrupted}
            | ({"positions": positions} if positions is not None else {})
            | models_metadata(prepared, provider)
            | scored,
        )

    def stuck() -> None:  # the loop stays blocked: deliver what finished, keep the record
        recording.stop(stream)
        if abandon is not None:
            abandon(build(False))

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
                from scoregate.execute import eventloop

                work = run_items(
                    items, task, evaluators, concurrency=concurrency, repeats=repeats,
                    timeout=timeout, collector=collector, progress=progress,
                    should_stop=provider.cost_limit(experiment.max_cost) if provider else None,
                    on_stuck=None if abandon is None else stuck,
                )  # fmt: skip
                work = calibration.then_score(work, prepared.calibration, evaluators, scored)
                eventloop.run(provider.run_then_close(work) if provider else work)
    except KeyboardInterrupt:
        interrupted = True
    except BaseException:
        recording.stop(stream)
        raise
    if interrupted:
        recording.stop(stream)
    if not interrupted and collector.stop_reason is None:
        check_complete(experiment.name, collector)
    return build(interrupted), interrupted


def finish(
    experiment: ExperimentConfig,
    record: RunRecord,
    *,
    root: Path,
    env: Mapping[str, str],
    sharded: bool,
) -> RunRecord:
    """The record as the experiment's run sinks leave it (besides its file, written later)."""
    record = judge_agreement.attach(record)
    for sink in registry.run_sinks(experiment):
        record = sink.finish(experiment, record, root=root, env=env, sharded=sharded)
    return record


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
                registry.in_candidate_units(baseline, candidate),
                baseline_note=note,
                baseline_required=candidate.experiment in required,
                cluster=experiment.cluster,
                **gate_options(gate),
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


def write_reports(
    verdict: Verdict,
    paths: ReportPaths,
    *,
    env: Mapping[str, str],
    stdout: TextIO,
    records: Mapping[str, Path],
) -> None:
    from scoregate.pipeline.reportfiles import reports_failed, write_each
    from scoregate.report import html, junit, markdown, terminal

    body = markdown.render(verdict)
    stdout.write(terminal.render(verdict) + "\n")  # first: shown even if a file cannot be written
    problems = write_each(
        ("markdown report", "--markdown", paths.markdown, body),
        ("JUnit report", "--junit", paths.junit, junit.render(verdict)),
        ("HTML report", "--html", paths.html, html.render(verdict, items=paths.html_items)),
    )
    if not problems:
        stdout.write(paths.listed() + "\n")
    if env.get("GITHUB_ACTIONS") == "true":
        from scoregate.report.github import publish_to_actions

        outputs = {
            "junit": str(paths.junit),
            "markdown": str(paths.markdown),
            "html": str(paths.html),
            "records": "\n".join(str(p) for p in records.values()),
        }
        publish_to_actions(markdown=body, verdict=verdict, outputs=outputs, env=env, stream=stdout)
    if problems:
        raise reports_failed(problems, records)
    verdictfile.write(verdict.exit_code, env)  # last: the gate ran to its end


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
    options: GateOptions = ALLOW_NOTHING,
) -> int:
    experiments = config.select(names)
    reports = None if overrides.shard else paths.files  # a shard writes none
    preflight.check_run(paths.output_dir, [e.name for e in experiments], reports, env)
    models = None
    if any(c.task.openai or any(e.kind == "judge" for e in c.evaluators) for c in experiments):
        from scoregate.execute.provider import open_for_run

        models = open_for_run(config, paths.output_dir, use_cache=use_cache, env=env)
    prepared = prepare(config, experiments, models, overrides.shard)
    if models is not None:
        models.check()
    found = [
        find_baseline(
            p.experiment,
            score_defs(p),
            baseline,
            config.root,
            no_baseline=options.no_baseline,
            env=env,
        )
        for p in prepared
    ]
    power.say(prepared, stderr)  # the run goes ahead: what its drop tests can detect
    git = gitinfo.describe(config.root, env)
    records: list[RunRecord] = []
    for item in prepared:
        record, interrupted = execute(
            item, config, overrides=overrides, git=git, stream=stderr, provider=models,
            abandon=partial(keep_record, paths.output_dir, stderr, env=env), env=env,
        )  # fmt: skip
        if not interrupted:
            record = finish(
                item.experiment,
                record,
                root=config.root,
                env=env,
                sharded=overrides.shard is not None,
            )
            # Written now and read back from the file as needed: the next experiment runs
            # without this one's items in memory (the gate rewrites it with its findings).
            record = store.keep(store.record_path(paths.output_dir, record), record)
        records.append(record)
        if interrupted:
            path = store.write_record(store.record_path(paths.output_dir, record), record)
            stderr.write(f"Interrupted: the finished items are kept in {store.shown(path)}.\n")
            return signals.interrupted_code()
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
    options: GateOptions = ALLOW_NOTHING,
) -> int:
    """Join shard records per experiment, then gate and report as ``run`` would have."""
    by_experiment: dict[str, list[tuple[str, RunRecord]]] = {}
    for file in record_files:
        record = store.read_record(file)
        by_experiment.setdefault(record.experiment, []).append((store.shown(file), record))
    preflight.check_run(paths.output_dir, list(by_experiment), paths.files, env)
    pairs: list[Pair] = []
    required = set()
    for joined in (shards.merge(group) for group in by_experiment.values()):
        experiment = config.experiment(joined.experiment)
        found: Found = (None, "no baseline configured", False)
        record = joined
        if experiment is not None:
            found = find_baseline(
                experiment, joined.score_defs, baseline, config.root,
                no_baseline=options.no_baseline, env=env,
            )  # fmt: skip
            # Run-level scores and the recording in a run sink happen once, for the whole run.
            record = finish(experiment, joined, root=config.root, env=env, sharded=False)
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
