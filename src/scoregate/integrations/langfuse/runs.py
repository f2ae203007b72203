"""Langfuse runs on the command line: ``langfuse:RUN@DATASET`` references, listing, promoting.

A reference is ``langfuse:RUN@DATASET`` (a run of a dataset), ``langfuse:RUN`` (a run name
that only one dataset has) or ``langfuse:@DATASET`` (the dataset's latest run). ``show``,
``compare`` and ``baseline promote`` take one wherever they take a local run record file.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from scoregate.execute.evaluators.naming import python_def
from scoregate.integrations.langfuse.baseline import LangfuseRun, list_runs, read_run
from scoregate.integrations.langfuse.connection import Connection
from scoregate.integrations.langfuse.units import in_candidate_units as _in_candidate_units
from scoregate.values.errors import ConfigError
from scoregate.values.model import RunRecord, ScoreDef

if TYPE_CHECKING:
    from scoregate.config.model import Config, ExperimentConfig

PREFIX = "langfuse:"
SYNTAX = "langfuse:RUN@DATASET, langfuse:RUN or langfuse:@DATASET (the latest run)"


@dataclass(frozen=True, slots=True)
class RunRef:
    """A run stored in Langfuse, as written on the command line."""

    text: str
    run: str | None
    """None: the latest run of ``dataset``."""
    dataset: str | None


def parse_ref(text: str) -> RunRef | None:
    """The Langfuse run ``text`` names, or None when it is not a ``langfuse:`` reference."""
    if not text.startswith(PREFIX):
        return None
    body = text[len(PREFIX) :]
    run, at, dataset = body.rpartition("@")
    if not at:
        run, dataset = body, ""
    if not run and not dataset:
        raise ConfigError(f"'{text}' names no run; write {SYNTAX}.")
    return RunRef(text, run or None, dataset or None)


def is_ref(text: str) -> bool:
    return text.startswith(PREFIX)


def connect(env: Mapping[str, str] | None = None) -> Connection:
    from scoregate.integrations.langfuse.connection import connect as open_connection

    return open_connection(os.environ if env is None else env)


def dataset_id(connection: Connection, name: str, where: str) -> str:
    """The id of dataset ``name`` (one read; its items are not fetched)."""
    try:
        found = connection.client.api.datasets.get(name, request_options=connection.options())
    except Exception as exc:
        if getattr(exc, "status_code", None) == 404:
            raise ConfigError(
                f"{where}: Langfuse at {connection.host} has no dataset named '{name}'; "
                "check the name (it is case-sensitive)."
            ) from None
        raise connection.error(f"reading dataset '{name}'", exc) from None
    return str(found.id)


def _names(runs: Sequence[LangfuseRun]) -> str:
    shown = ", ".join(f"'{r.name}'" for r in runs[:10])
    more = f" and {len(runs) - 10} more" if len(runs) > 10 else ""
    return shown + more if runs else "none"


def find_run(connection: Connection, ref: RunRef) -> LangfuseRun:
    """The run ``ref`` names; a ConfigError that lists the runs seen when there is none."""
    if ref.dataset is not None:
        runs = list_runs(connection, dataset_id=dataset_id(connection, ref.dataset, ref.text))
        matching = [r for r in runs if ref.run is None or r.name == ref.run]
        if matching:
            return matching[0]
        wanted = f"run '{ref.run}'" if ref.run else "any run"
        raise ConfigError(
            f"{ref.text}: Langfuse at {connection.host} has no {wanted} of dataset "
            f"'{ref.dataset}'; its runs are: {_names(runs)}."
        )
    assert ref.run is not None
    runs = list_runs(connection, name=ref.run)
    datasets = {r.dataset_id for r in runs}
    if len(datasets) > 1:
        raise ConfigError(
            f"{ref.text}: runs of {len(datasets)} datasets are named '{ref.run}'; "
            f"add the dataset: {PREFIX}{ref.run}@DATASET."
        )
    if not runs:
        raise ConfigError(
            f"{ref.text}: Langfuse at {connection.host} has no run named '{ref.run}'; "
            f"'scoregate runs --dataset NAME' lists the runs of a dataset."
        )
    return runs[0]


def config_defs(experiment: ExperimentConfig) -> dict[str, ScoreDef]:
    """Score definitions (pass marks, scales) from the config alone, without building anything."""
    defs: dict[str, ScoreDef] = {}
    for evaluator in experiment.evaluators:
        if evaluator.name is None or evaluator.kind == "script":
            continue
        if evaluator.kind == "python":
            defs[evaluator.name] = python_def(evaluator.name, evaluator.scale, evaluator.pass_mark)
            continue
        mark = 0.5 if evaluator.pass_mark is None else evaluator.pass_mark
        kind = evaluator.target if evaluator.kind == "builtin" else evaluator.kind
        defs[evaluator.name] = ScoreDef(evaluator.name, mark, evaluator.scale, kind)
    for name, thresholds in experiment.gate.scores.items():
        if thresholds.pass_mark is not None:
            base = defs.get(name, ScoreDef(name))
            defs[name] = replace(base, pass_mark=thresholds.pass_mark)
    return defs


def experiment_of(run: LangfuseRun, config: Config | None, hint: str | None) -> str:
    """The experiment a run belongs to: as scoregate recorded it, else ``hint``, else the config's
    experiment on the run's dataset when there is exactly one, else the run's name."""
    recorded = run.metadata.get("scoregate_experiment")
    if isinstance(recorded, str) and recorded:
        return recorded
    if hint:
        return hint
    if config is not None and len(config.experiments) == 1:
        return config.experiments[0].name
    return run.name


def load_record(
    ref: RunRef,
    *,
    config: Config | None = None,
    experiment_hint: str | None = None,
    env: Mapping[str, str] | None = None,
) -> RunRecord:
    """The Langfuse run ``ref`` names, as a run record (scales from the config when it has the
    experiment, else from what scoregate recorded with the run)."""
    connection = connect(env)
    run = find_run(connection, ref)
    name = experiment_of(run, config, experiment_hint)
    experiment = config.experiment(name) if config is not None else None
    defs = config_defs(experiment) if experiment is not None else {}
    dataset: dict[str, Any] = {"kind": "langfuse"}
    if ref.dataset:
        dataset["name"] = ref.dataset
    return read_run(connection, run, experiment=name, score_defs=defs, dataset=dataset)


def promote_ref(
    ref: RunRef, *, comment: str, env: Mapping[str, str] | None = None
) -> tuple[LangfuseRun, str]:
    """Mark the run ``ref`` names as a baseline; returns it and the host."""
    from scoregate.integrations.langfuse.baseline import promote

    connection = connect(env)
    run = find_run(connection, ref)
    promote(connection, run, comment=comment)
    return run, connection.host


def promote_recorded(
    record: RunRecord, *, comment: str, env: Mapping[str, str] | None = None
) -> tuple[LangfuseRun, str]:
    """Mark the Langfuse run a local run record was recorded as (``metadata.langfuse``)."""
    from scoregate.integrations.langfuse.baseline import promote

    recorded = record.metadata.get("langfuse")
    if not isinstance(recorded, Mapping) or not recorded.get("experiment_id"):
        raise ConfigError(
            f"run {record.run_id} of '{record.experiment}' was not recorded in Langfuse "
            "(turn on 'record' in the config), so there is no Langfuse run to promote."
        )
    connection = connect(env)
    runs = list_runs(connection, name=str(recorded.get("run")))
    run = next((r for r in runs if r.id == recorded["experiment_id"]), None)
    if run is None:
        raise ConfigError(
            f"Langfuse at {connection.host} has no run '{recorded.get('run')}' "
            f"(id {recorded['experiment_id']}); its recording may have failed — see the "
            "warnings of that run."
        )
    promote(connection, run, comment=comment)
    return run, connection.host


def dataset_runs(
    dataset: str,
    *,
    limit: int,
    config: Config | None = None,
    env: Mapping[str, str] | None = None,
) -> tuple[str, list[tuple[LangfuseRun, RunRecord]]]:
    """The host and the ``limit`` latest runs of ``dataset``, each read back as a run record."""
    connection = connect(env)
    runs = list_runs(connection, dataset_id=dataset_id(connection, dataset, f"--dataset {dataset}"))
    read = []
    for run in runs[:limit]:
        name = experiment_of(run, None, None)
        experiment = config.experiment(name) if config is not None else None
        defs = config_defs(experiment) if experiment is not None else {}
        record = read_run(connection, run, experiment=name, score_defs=defs)
        read.append((run, record))
    return connection.host, read


def render_runs(dataset: str, host: str, runs: Sequence[tuple[LangfuseRun, RunRecord]]) -> str:
    """Name, finish time, item count and score means of each run, latest first."""
    from scoregate.report.side_by_side import errors, score_means, table

    if not runs:
        return f"Langfuse at {host}: dataset '{dataset}' has no runs yet."
    means = [score_means(record) for _, record in runs]
    names = list(dict.fromkeys(n for m in means for n in m))
    header = ["run", "finished (UTC)", "items", "errors", *names]
    rows = []
    for (run, record), found in zip(runs, means, strict=True):
        finished = run.end_time.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M")
        rows.append(
            [
                run.name + (" [baseline]" if run.promoted else ""),
                finished,
                str(len(record.items)),
                str(errors(record)),
                *("—" if found.get(n) is None else f"{found[n]:.3f}" for n in names),
            ]
        )
    title = f"Runs of dataset '{dataset}' at {host}, latest first (score means, 0-1):"
    return title + "\n" + table(header, rows)


def read_runs(
    texts: Sequence[str], *, config: Config | None, env: Mapping[str, str] | None = None
) -> list[RunRecord]:
    """Run records for command-line arguments: files, or Langfuse references (read last, so a
    run scoregate did not record is taken as the experiment of the files beside it)."""
    from pathlib import Path

    from scoregate.record import store

    local = {i: store.read_record(Path(t)) for i, t in enumerate(texts) if not is_ref(t)}
    hint = next(iter(local.values())).experiment if local else None
    records: list[RunRecord] = []
    for index, text in enumerate(texts):
        ref = parse_ref(text)
        if ref is None:
            records.append(local[index])
        else:
            records.append(load_record(ref, config=config, experiment_hint=hint, env=env))
    return records


def in_candidate_units(baseline: RunRecord, candidate: Mapping[str, ScoreDef]) -> RunRecord:
    """A run read from Langfuse with the candidate's definition of each score it read without
    one (``units.py``); ``pipeline/registry.py`` calls it before comparing."""
    return _in_candidate_units(baseline, candidate)
