"""Record a run in Langfuse as an experiment run, from scoregate's own results.

The engine runs every item (its scheduling, error accounting and concurrency); this module
only writes what happened, with the spans and attributes the SDK's ``run_experiment`` writes,
so the run appears in ``experiments.list`` and each item's trace is linked to its dataset item:
per sample a trace with an ``experiment-item-run`` span and an ``experiment-item-task`` child
(the item's root observation), every score on that child with its raw value and comment, and
run-level scores on the experiment id. Items whose task failed are recorded too (level ERROR).

``run`` records while the items run (``start``: each finished sample goes to the background
exporter, ``exporter.py``); ``merge`` and a script's run after (the same, every sample at
once). What the exporter could not deliver, and what the SDK's log reports, comes back as
warnings for the run record.
"""

from __future__ import annotations

import atexit
import datetime as dt
import hashlib
import json
import logging
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from scoregate import __version__
from scoregate.config.langfuse import DEFAULT_RUN_NAME
from scoregate.integrations.langfuse.connection import Connection
from scoregate.integrations.langfuse.exporter import Delivery, Exporter
from scoregate.values.errors import RunError
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


class Recording:
    """A run being recorded. Connecting (importing the SDK, checking the credentials) and
    opening the exporter happen in a thread of their own, overlapping the first items; the
    samples that finish meanwhile wait in a list. ``close`` waits for it and, should it have
    failed, raises what it raised (as connecting after the run did)."""

    def __init__(self, run_name: str, open_exporter: Callable[[], Exporter]) -> None:
        self.run_name = run_name
        self.watch = _LogWatch()
        self.closed: tuple[Delivery, tuple[str, ...]] | None = None
        self.exporter: Exporter | None = None
        self.failure: BaseException | None = None
        self._early: list[tuple[Item, Sample, int]] = []
        self._lock = threading.Lock()
        self._ready = threading.Event()
        for name in _WATCHED_LOGGERS:
            logging.getLogger(name).addHandler(self.watch)
        atexit.register(self.close)
        threading.Thread(
            target=self._open, args=(open_exporter,), name="scoregate-langfuse-open", daemon=True
        ).start()

    def _open(self, open_exporter: Callable[[], Exporter]) -> None:
        try:
            exporter = open_exporter()
        except BaseException as exc:
            self.failure = exc
        else:
            with self._lock:
                for item, sample, end in self._early:
                    exporter.sample(item, sample, end)
                self._early.clear()
                self.exporter = exporter
        finally:
            self._ready.set()

    def sample(self, item: Item, sample: Sample) -> None:
        exporter = self.exporter
        if exporter is None:
            with self._lock:
                exporter = self.exporter
                if exporter is None:
                    self._early.append((item, sample, time.time_ns()))
                    return
        exporter.sample(item, sample)

    def opened(self, timeout: float = 120.0) -> Exporter:
        """The exporter, once open; what opening it raised, if it failed."""
        self._ready.wait(timeout)
        if self.failure is not None:
            raise self.failure
        if self.exporter is None:
            raise RunError(f"Langfuse: connecting took over {timeout:.0f} s; nothing recorded.")
        return self.exporter

    def close(self) -> tuple[Delivery, tuple[str, ...]]:
        """Deliver what is queued; the delivery and the SDK's own complaints meanwhile. Also
        at exit, should the run end some other way (a lost item, an error)."""
        if self.closed is None:
            atexit.unregister(self.close)
            try:
                self.closed = self.opened().close(), tuple(self.watch.messages)
            finally:
                for name in _WATCHED_LOGGERS:
                    logging.getLogger(name).removeHandler(self.watch)
        return self.closed

    def stop(self) -> str:
        """The run was interrupted: deliver the samples that finished, and say how many."""
        try:
            delivery, logged = self.close()
        except Exception as exc:
            return f"Langfuse: nothing recorded in run '{self.run_name}': {exc}"
        problems = [*delivery.problems, *logged]
        said = f" ({'; '.join(p[:200] for p in problems[:2])})" if problems else ""
        return (
            f"Langfuse: {delivery.delivered} of {delivery.queued} finished samples recorded in "
            f"run '{self.run_name}' before the stop{said}."
        )


def start(
    connect: Callable[[], tuple[Connection, str | None]],
    record: RunRecord,
    *,
    name: str,
    description: str | None = None,
    metadata: Mapping[str, Any] | None = None,
) -> Recording:
    """Open the recording of ``record``'s run (its items come as they finish); ``connect``:
    the connection and the dataset's id, called in the background."""
    run_meta = run_metadata(record, metadata or {})

    def open_exporter() -> Exporter:
        connection, dataset_id = connect()
        experiment_id = (
            experiment_id_for(connection.project_id, dataset_id, name)
            if dataset_id
            else secrets.token_hex(8)
        )
        return Exporter(
            connection,
            experiment_id=experiment_id,
            run_name=name,
            dataset_id=dataset_id,
            description=description,
            metadata=run_meta,
        )

    return Recording(name, open_exporter)


def finish(recording: Recording, record: RunRecord) -> RecordedRun:
    """Add ``record``'s run-level scores, deliver everything, and say what did not arrive."""
    exporter = recording.opened()
    for score in record.run_scores:
        exporter.run_score(score)
    delivery, logged = recording.close()
    connection = exporter.connection
    experiment_id = exporter.experiment_id
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
    return RecordedRun(experiment_id, recording.run_name, exporter.dataset_id, url, warnings)
