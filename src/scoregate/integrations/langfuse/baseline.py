"""Runs stored in Langfuse: list them, pick a baseline, read one back as a run record.

Read through the SDK's experiments API: ``api.experiments.list`` (fields core, metadata,
scores) and ``api.experiments.list_items`` (fields core, dataset, io, scores). Items pair with
the candidate by dataset item id. Raw score values are normalised with the candidate's score
definitions (scale), so a run recorded by scoregate or by Langfuse's own runner compares alike;
a score they do not define is a plain number (see ``units``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from scoregate.config.langfuse import PROMOTED_SCORE, LangfuseBaselineConfig
from scoregate.execute.evaluators.results import normalise
from scoregate.integrations.langfuse.connection import Connection
from scoregate.integrations.langfuse.units import undefined
from scoregate.values.model import Item, ItemResult, RunRecord, Sample, Score, ScoreDef

EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
PAGE_SIZE = 100
FINGERPRINTS_KEY = "scoregate_score_defs"


@dataclass(frozen=True, slots=True)
class LangfuseRun:
    id: str
    name: str
    dataset_id: str | None
    start_time: dt.datetime
    end_time: dt.datetime
    item_count: int
    metadata: Mapping[str, Any] = field(default_factory=dict)
    scores: tuple[tuple[str, Any], ...] = ()
    """Run-level scores: (name, value)."""

    @property
    def promoted(self) -> bool:
        return any(name == PROMOTED_SCORE and value for name, value in self.scores)


def _run(experiment: Any) -> LangfuseRun:
    return LangfuseRun(
        id=experiment.id,
        name=experiment.name,
        dataset_id=experiment.dataset_id,
        start_time=experiment.start_time,
        end_time=experiment.end_time,
        item_count=experiment.item_count,
        metadata=dict(experiment.metadata or {}),
        scores=tuple((s.name, s.value) for s in experiment.scores or ()),
    )


def list_runs(
    connection: Connection, *, dataset_id: str | None = None, name: str | None = None
) -> list[LangfuseRun]:
    """Runs (of a dataset, or named ``name``), latest first."""
    api = connection.client.api
    runs: list[LangfuseRun] = []
    cursor: str | None = None
    while True:
        with connection.reading("listing experiment runs"):
            page = api.experiments.list(
                from_start_time=EPOCH,
                fields="core,metadata,scores",
                limit=PAGE_SIZE,
                cursor=cursor,
                dataset_id=dataset_id,
                name=name,
                request_options=connection.options(),
            )
        runs.extend(_run(e) for e in page.data)
        cursor = getattr(page.meta, "cursor", None)
        if not cursor or not page.data:
            break
    runs.sort(key=lambda r: r.end_time, reverse=True)
    return runs


def _matches(run: LangfuseRun, config: LangfuseBaselineConfig) -> bool:
    if config.run is not None and run.name != config.run:
        return False
    for key, wanted in config.metadata.items():
        if str(run.metadata.get(key)) != str(wanted):
            return False
    return not config.promoted or run.promoted


def find_baseline(
    connection: Connection,
    config: LangfuseBaselineConfig,
    *,
    dataset_id: str,
    dataset_name: str,
    exclude: str | None = None,
) -> tuple[LangfuseRun | None, str | None]:
    """The baseline run, or None and a note naming the dataset, the filter and the runs seen."""
    runs = [r for r in list_runs(connection, dataset_id=dataset_id) if r.id != exclude]
    for run in runs:
        if _matches(run, config):
            return run, None
    seen = ", ".join(
        f"'{r.name}'" + (f" ({_meta_text(r.metadata)})" if _meta_text(r.metadata) else "")
        for r in runs[:10]
    )
    more = f" and {len(runs) - 10} more" if len(runs) > 10 else ""
    return None, (
        f"no Langfuse run of dataset '{dataset_name}' at {connection.host} matches "
        f"{config.describe()}; runs seen: {seen + more if runs else 'none'}"
    )


def _meta_text(metadata: Mapping[str, Any]) -> str:
    keys = ("branch", "commit", "pr")
    return ", ".join(
        f"{k}={str(metadata[k])[:12]}" for k in keys if metadata.get(k) not in (None, "")
    )


def _parse(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _score(raw_score: Any, definition: ScoreDef | None) -> Score | None:
    data_type = str(getattr(raw_score, "data_type", "NUMERIC")).upper()
    raw = raw_score.value
    if "CATEGORICAL" in data_type or isinstance(raw, str):
        return None
    if "BOOLEAN" in data_type:
        raw = bool(raw)
    scale = definition.scale if definition else None
    value, error = normalise(raw, scale)
    return Score(
        raw_score.name,
        value,
        raw=raw,
        scale=scale,
        comment=getattr(raw_score, "comment", None),
        error=error and f"{raw_score.name}: {error}",
    )


def read_run(
    connection: Connection,
    run: LangfuseRun,
    *,
    experiment: str,
    score_defs: Mapping[str, ScoreDef],
    dataset: Mapping[str, Any] | None = None,
) -> RunRecord:
    """A Langfuse run as a run record (items paired by dataset item id, samples by time)."""
    api = connection.client.api
    rows: list[Any] = []
    cursor: str | None = None
    since = run.start_time - dt.timedelta(hours=1)
    while True:
        with connection.reading(f"reading the items of run '{run.name}'"):
            page = api.experiments.list_items(
                from_start_time=since,
                experiment_id=run.id,
                fields="core,dataset,io,itemMetadata,scores",
                limit=PAGE_SIZE,
                cursor=cursor,
                request_options=connection.options(),
            )
        rows.extend(page.data)
        cursor = getattr(page.meta, "cursor", None)
        if not cursor or not page.data:
            break
    rows.sort(key=lambda r: r.start_time)
    defs = _defs(run, score_defs)
    grouped: dict[str, list[Any]] = {}
    for row in rows:
        grouped.setdefault(row.experiment_item_id, []).append(row)
    items = []
    for item_id, item_rows in grouped.items():
        first = item_rows[0]
        item = Item(
            item_id,
            _parse(getattr(first, "input", None)),
            _parse(getattr(first, "expected_output", None)),
            dict(getattr(first, "experiment_item_metadata", None) or {}),
            f"langfuse:{run.name}",
            first.trace_id,
        )
        samples = []
        for index, row in enumerate(item_rows):
            output = _parse(getattr(row, "output", None))
            failed = str(getattr(row, "level", "")).upper().endswith("ERROR")
            error = None
            if failed:
                error = str(output).removeprefix("Error: ") if output else "the task failed"
                output = None
            scores = tuple(
                s for raw in row.scores or () if (s := _score(raw, defs.get(raw.name))) is not None
            )
            latency = max(0.0, (row.end_time - row.start_time).total_seconds())
            samples.append(Sample(index, output, latency, error, scores))
        items.append(ItemResult(item, tuple(samples)))
    run_scores = tuple(
        s
        for name, value in run.scores
        if name != PROMOTED_SCORE
        and not isinstance(value, str)
        and (s := _score(_RunScore(name, value), defs.get(name))) is not None
    )
    booleans: dict[str, bool] = {}
    for result in items:
        for sample in result.samples:
            for score in sample.scores:
                if score.name not in defs:
                    seen = booleans.get(score.name, True)
                    booleans[score.name] = seen and isinstance(score.raw, bool)
    defs.update({name: undefined(name, boolean) for name, boolean in booleans.items()})
    meta = run.metadata
    git = {k: meta[k] for k in ("commit", "branch", "pr") if meta.get(k) not in (None, "")}
    return RunRecord(
        experiment=experiment,
        run_id=f"langfuse:{run.name}",
        items=tuple(items),
        score_defs=defs,
        config_digest=str(meta.get("config_digest", "")),
        dataset=dict(dataset or {}) | {"run": run.name, "experiment_id": run.id},
        git=git,
        started_at=run.start_time.isoformat(),
        finished_at=run.end_time.isoformat(),
        repeats=max((len(r.samples) for r in items), default=1),
        run_scores=run_scores,
        metadata={
            "langfuse": {
                "run": run.name,
                "experiment_id": run.id,
                "dataset_id": run.dataset_id,
                "host": connection.host,
                "url": (
                    f"{connection.host}/project/{connection.project_id}/experiments/results"
                    f"?baseline={run.id}"
                ),
                "metadata": dict(meta),
            }
        },
    )


@dataclass(frozen=True, slots=True)
class _RunScore:
    name: str
    value: Any
    data_type: str = "NUMERIC"
    comment: str | None = None


def _defs(run: LangfuseRun, candidate: Mapping[str, ScoreDef]) -> dict[str, ScoreDef]:
    """The candidate's definitions, with the judge fingerprints the run itself recorded."""
    recorded = run.metadata.get(FINGERPRINTS_KEY)
    defs = dict(candidate)
    if isinstance(recorded, Mapping):
        for name, fingerprint in recorded.items():
            if not isinstance(fingerprint, Mapping):
                continue
            if name in defs:
                defs[name] = replace(defs[name], fingerprint=dict(fingerprint))
                continue
            # Read without a config (show, runs): a judge's recorded scale normalises its raw values.
            scale = fingerprint.get("scale")
            low_high = (
                (float(scale[0]), float(scale[1]))
                if isinstance(scale, list) and len(scale) == 2
                else None
            )
            defs[name] = ScoreDef(name, 0.5, low_high, "judge", dict(fingerprint))
    return defs


def fingerprints(score_defs: Mapping[str, ScoreDef]) -> dict[str, Any]:
    """What to store in a recorded run's metadata so a later judge change is visible."""
    return {name: dict(d.fingerprint) for name, d in score_defs.items() if d.fingerprint}


def promote(connection: Connection, run: LangfuseRun, *, comment: str) -> None:
    """Mark ``run`` as a baseline: a run-level score that ``promoted: true`` looks for."""
    client = connection.client
    with connection.reading(f"promoting run '{run.name}'"):
        client.create_score(
            dataset_run_id=run.id,
            name=PROMOTED_SCORE,
            value=1,
            data_type="BOOLEAN",
            comment=comment,
        )
        client.flush()
