"""Record a finished run in Langfuse as an experiment run, from scoregate's own results.

The engine ran every item (its scheduling, error accounting and concurrency); this module
only writes what happened, with the spans and attributes the SDK's ``run_experiment`` writes,
so the run appears in ``experiments.list`` and each item's trace is linked to its dataset item:
per sample a trace with an ``experiment-item-run`` span and an ``experiment-item-task`` child
(the item's root observation), every score on that child with its raw value and comment, and
run-level scores on the experiment id. Items whose task failed are recorded too (level ERROR).

Delivery is best-effort by the SDK's design (it logs and drops on failure), so the SDK's log
is watched while recording; what it reports comes back as warnings for the run record.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import secrets
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from scoregate import __version__
from scoregate.config.langfuse import DEFAULT_RUN_NAME, RecordConfig
from scoregate.integrations.langfuse.connection import Connection
from scoregate.values.model import ItemResult, RunRecord, Sample, Score

ENVIRONMENT = "sdk-experiment"
"""The environment the SDK's experiment runner records in; Langfuse's UI expects it."""
_WATCHED_LOGGERS = ("langfuse", "opentelemetry")


@dataclass(frozen=True, slots=True)
class RecordedRun:
    experiment_id: str
    run_name: str
    dataset_id: str | None
    url: str
    warnings: tuple[str, ...] = ()


def experiment_id_for(project_id: str, dataset_id: str, run_name: str) -> str:
    """The id the SDK and the server derive for a run of a dataset (stable across reruns)."""
    payload = json.dumps(
        ["langfuse-experiment-v1", project_id, dataset_id, run_name],
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


def run_name(template: str, record: RunRecord) -> str:
    git = record.git
    values = {
        "experiment": record.experiment,
        "branch": str(git.get("branch") or "local"),
        "commit": str(git.get("commit") or "nocommit")[:7],
        "pr": str(git.get("pr") or ""),
        "run_id": record.run_id,
        "date": record.started_at[:10] or dt.datetime.now(dt.UTC).strftime("%Y-%m-%d"),
    }
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError):
        return DEFAULT_RUN_NAME.format(**values)


def run_metadata(record: RunRecord, extra: Mapping[str, Any]) -> dict[str, Any]:
    git = record.git
    metadata: dict[str, Any] = {
        "scoregate_experiment": record.experiment,
        "scoregate_run_id": record.run_id,
        "scoregate_version": __version__,
        "config_digest": record.config_digest,
        "commit": git.get("commit"),
        "branch": git.get("branch"),
        "pr": git.get("pr"),
    }
    metadata.update(extra)
    return {k: v for k, v in metadata.items() if v not in (None, "")}


class _LogWatch(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.messages.append(record.getMessage())
        except Exception:
            self.messages.append(str(record.msg))


@contextmanager
def _watch_sdk_log() -> Iterator[_LogWatch]:
    watch = _LogWatch()
    loggers = [logging.getLogger(name) for name in _WATCHED_LOGGERS]
    for logger in loggers:
        logger.addHandler(watch)
    try:
        yield watch
    finally:
        for logger in loggers:
            logger.removeHandler(watch)


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def score_payload(score: Score) -> dict[str, Any] | None:
    """The Langfuse score for one of ours: the raw value (bool as BOOLEAN), comment, metadata."""
    if score.value is None:
        return None
    raw = score.raw
    metadata: dict[str, Any] = {"scoregate_value": score.value}
    if score.scale is not None:
        metadata["scale"] = list(score.scale)
    if isinstance(raw, bool):
        return {"value": 1 if raw else 0, "data_type": "BOOLEAN", "metadata": metadata}
    if isinstance(raw, (int, float)):
        return {"value": float(raw), "data_type": "NUMERIC", "metadata": metadata}
    return {"value": float(score.value), "data_type": "NUMERIC", "metadata": metadata}


def record_run(
    connection: Connection,
    record: RunRecord,
    *,
    name: str,
    dataset_id: str | None,
    description: str | None = None,
    metadata: Mapping[str, Any] | None = None,
) -> RecordedRun:
    """Write ``record`` to Langfuse as experiment run ``name``; never raises on delivery."""
    client = connection.client
    experiment_id = (
        experiment_id_for(connection.project_id, dataset_id, name)
        if dataset_id
        else secrets.token_hex(8)
    )
    run_meta = run_metadata(record, metadata or {})
    problems: list[str] = []
    with _watch_sdk_log() as watch:
        for result in record.items:
            for sample in result.samples:
                try:
                    _record_sample(
                        connection,
                        result,
                        sample,
                        experiment_id=experiment_id,
                        run_name=name,
                        dataset_id=dataset_id,
                        description=description,
                        metadata=run_meta,
                    )
                except Exception as exc:
                    problems.append(f"item '{result.item.id}': {type(exc).__name__}: {exc}")
        for score in record.run_scores:
            payload = score_payload(score)
            if payload is None:
                continue
            try:
                client.create_score(
                    dataset_run_id=experiment_id,
                    name=score.name,
                    comment=score.comment,
                    **payload,
                )
            except Exception as exc:
                problems.append(f"run score '{score.name}': {type(exc).__name__}: {exc}")
        try:
            client.flush()
        except Exception as exc:
            problems.append(f"flush: {type(exc).__name__}: {exc}")
    problems.extend(watch.messages)
    url = (
        f"{connection.host}/project/{connection.project_id}/experiments/results"
        f"?baseline={experiment_id}"
    )
    warnings: tuple[str, ...] = ()
    if problems:
        shown = "; ".join(dict.fromkeys(p[:300] for p in problems[:3]))
        warnings = (
            f"Langfuse at {connection.host}: recording run '{name}' may be incomplete "
            f"({len(problems)} delivery problem{'s' if len(problems) != 1 else ''}: {shown}). "
            "The verdict is computed from the local results.",
        )
    return RecordedRun(experiment_id, name, dataset_id, url, warnings)


def _record_sample(
    connection: Connection,
    result: ItemResult,
    sample: Sample,
    *,
    experiment_id: str,
    run_name: str,
    dataset_id: str | None,
    description: str | None,
    metadata: Mapping[str, Any],
) -> None:
    from opentelemetry import trace as otel_trace

    client = connection.client
    item = result.item
    item_id = item.id
    item_metadata = dict(item.metadata)
    run_keys: dict[str, Any] = {
        "experiment_name": metadata.get("scoregate_experiment", run_name),
        "experiment_run_name": run_name,
    }
    if dataset_id:
        run_keys.update(dataset_id=dataset_id, dataset_item_id=item_id)
    observation_metadata = {**item_metadata, **metadata, **run_keys, "repeat": sample.index}
    common = {
        "langfuse.environment": ENVIRONMENT,
        "langfuse.experiment.description": description,
        "langfuse.experiment.item.expected_output": _text(item.expected_output),
    }
    output = sample.output if sample.error is None else f"Error: {sample.error}"
    with client.start_as_current_observation(name="experiment-item-run", as_type="span") as root:
        root_otel = otel_trace.get_current_span()
        with client.start_as_current_observation(
            name="experiment-item-task", as_type="span", input=item.input
        ) as task:
            task_otel = otel_trace.get_current_span()
            linked = {
                **common,
                "langfuse.experiment.id": experiment_id,
                "langfuse.experiment.name": run_name,
                "langfuse.experiment.metadata": _text(dict(metadata)),
                "langfuse.experiment.dataset.id": dataset_id,
                "langfuse.experiment.item.id": item_id,
                "langfuse.experiment.item.metadata": _text(item_metadata or None),
                "langfuse.experiment.item.root_observation_id": task.id,
            }
            present = {k: v for k, v in linked.items() if v is not None}
            task_otel.set_attributes(present)
            root_otel.set_attributes(present)
            if sample.error is None:
                task.update(output=output, metadata=observation_metadata)
            else:
                task.update(
                    output=output,
                    metadata=observation_metadata,
                    level="ERROR",
                    status_message=sample.error,
                )
        root.update(input=item.input, output=output, metadata=observation_metadata)
        if sample.error is not None:
            root.update(level="ERROR", status_message=sample.error)
        trace_id = root.trace_id
        task_id = task.id
    for score in sample.scores:
        payload = score_payload(score)
        if payload is None:
            continue
        client.create_score(
            trace_id=trace_id,
            observation_id=task_id,
            name=score.name,
            comment=score.comment,
            **payload,
        )


def record_with_options(
    connection: Connection,
    record: RunRecord,
    options: RecordConfig,
    dataset_id: str | None,
) -> RecordedRun:
    return record_run(
        connection,
        record,
        name=run_name(options.run_name, record),
        dataset_id=dataset_id,
        description=options.description,
        metadata=options.metadata,
    )
