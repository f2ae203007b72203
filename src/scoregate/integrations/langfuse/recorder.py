"""Record a run in Langfuse as an experiment run, from scoregate's own results.

The engine runs every item (its scheduling, error accounting and concurrency); this module
only writes what happened, with the spans and attributes the SDK's ``run_experiment`` writes,
so the run appears in ``experiments.list`` and each item's trace is linked to its dataset item:
per sample a trace with an ``experiment-item-run`` span and an ``experiment-item-task`` child
(the item's root observation), every score on that child with its raw value and comment, and
run-level scores on the experiment id. Items whose task failed are recorded too (level ERROR).

``run`` records while the items run (``start``: each finished sample goes to the background
exporter, ``exporter.py``); ``merge`` and a script's run record after (``record_run``). What the
exporter could not deliver, and what the SDK's log reports, comes back as warnings for the run
record.
"""

from __future__ import annotations

import atexit
import datetime as dt
import hashlib
import json
import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from scoregate import __version__
from scoregate.config.langfuse import DEFAULT_RUN_NAME
from scoregate.integrations.langfuse.connection import Connection
from scoregate.integrations.langfuse.exporter import Delivery, Exporter
from scoregate.values.model import Item, RunRecord, Sample

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


@dataclass
class Recording:
    """A run being recorded: its exporter, named and identified before the first item runs."""

    exporter: Exporter
    run_name: str
    dataset_id: str | None
    watch: _LogWatch = field(default_factory=_LogWatch)
    closed: tuple[Delivery, tuple[str, ...]] | None = None

    def sample(self, item: Item, sample: Sample) -> None:
        self.exporter.sample(item, sample)

    def close(self) -> tuple[Delivery, tuple[str, ...]]:
        """Deliver what is queued; the delivery and the SDK's own complaints meanwhile. Also
        at exit, should the run end some other way (a lost item, an error)."""
        if self.closed is None:
            atexit.unregister(self.close)
            try:
                self.closed = self.exporter.close(), tuple(self.watch.messages)
            finally:
                for name in _WATCHED_LOGGERS:
                    logging.getLogger(name).removeHandler(self.watch)
        return self.closed

    def stop(self) -> str:
        """The run was interrupted: deliver the samples that finished, and say how many."""
        delivery, logged = self.close()
        problems = [*delivery.problems, *logged]
        said = f" ({'; '.join(p[:200] for p in problems[:2])})" if problems else ""
        return (
            f"Langfuse: {delivery.delivered} of {delivery.queued} finished samples recorded in "
            f"run '{self.run_name}' before the stop{said}."
        )


def start(
    connection: Connection,
    record: RunRecord,
    *,
    name: str,
    dataset_id: str | None,
    description: str | None = None,
    metadata: Mapping[str, Any] | None = None,
) -> Recording:
    """Open the recording of ``record``'s run (its items come as they finish)."""
    experiment_id = (
        experiment_id_for(connection.project_id, dataset_id, name)
        if dataset_id
        else secrets.token_hex(8)
    )
    exporter = Exporter(
        connection,
        experiment_id=experiment_id,
        run_name=name,
        dataset_id=dataset_id,
        description=description,
        metadata=run_metadata(record, metadata or {}),
    )
    recording = Recording(exporter, name, dataset_id)
    atexit.register(recording.close)
    for logger_name in _WATCHED_LOGGERS:
        logging.getLogger(logger_name).addHandler(recording.watch)
    return recording


def finish(recording: Recording, record: RunRecord) -> RecordedRun:
    """Add ``record``'s run-level scores, deliver everything, and say what did not arrive."""
    for score in record.run_scores:
        recording.exporter.run_score(score)
    delivery, logged = recording.close()
    connection = recording.exporter.connection
    experiment_id = recording.exporter.experiment_id
    problems = [*delivery.problems, *logged]
    url = (
        f"{connection.host}/project/{connection.project_id}/experiments/results"
        f"?baseline={experiment_id}"
    )
    warnings: tuple[str, ...] = ()
    if problems:
        shown = "; ".join(dict.fromkeys(p[:300] for p in problems[:3]))
        warnings = (
            f"Langfuse at {connection.host}: recording run '{recording.run_name}' may be "
            f"incomplete ({delivery.delivered} of {delivery.queued} samples delivered; "
            f"{len(problems)} delivery problem{'s' if len(problems) != 1 else ''}: {shown}). "
            "The verdict is computed from the local results.",
        )
    return RecordedRun(experiment_id, recording.run_name, recording.dataset_id, url, warnings)


def record_run(
    connection: Connection,
    record: RunRecord,
    *,
    name: str,
    dataset_id: str | None,
    description: str | None = None,
    metadata: Mapping[str, Any] | None = None,
) -> RecordedRun:
    """Write a finished ``record`` to Langfuse as experiment run ``name``; never raises on
    delivery (``merge`` and a script's run: the items ran before)."""
    recording = start(
        connection,
        record,
        name=name,
        dataset_id=dataset_id,
        description=description,
        metadata=metadata,
    )
    for result in record.items:
        for sample in result.samples:
            recording.exporter.sample(result.item, sample)
    return finish(recording, record)
