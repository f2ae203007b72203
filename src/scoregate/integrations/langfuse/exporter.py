"""The background exporter: recorded samples sent to Langfuse in batches while the items run.

``sample`` only queues what finished (the engine's worker threads and event loop call it); a
thread of its own turns each batch into the spans and scores the SDK's ``run_experiment``
writes and sends them: the spans as one OTLP export (the SDK's attribute serializers, OTel's own
encoder and OTLP/HTTP exporter, gzip, the SDK's headers), the scores to ``POST
/api/public/scores`` in batches under its 1 MB limit. Building spans this way costs a fraction
of the SDK's live span machinery (contexts, processors, a lock per attribute), and none of it
happens on the engine's threads. ``close`` sends what is queued and says how many samples were
delivered, so an interrupted run keeps, and reports, every span of what finished.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import random
import threading
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scoregate.integrations.langfuse.connection import Connection, describe_failure
from scoregate.integrations.langfuse.otlp import SpanBatch, key_values
from scoregate.values.model import Item, Sample, Score

ENVIRONMENT = "sdk-experiment"
"""The environment the SDK's experiment runner records in; Langfuse's UI expects it."""
SCOPE = "langfuse-sdk"
_TRACES = "api/public/otel/v1/traces"
_EXPORT_PATH = "LANGFUSE_OTEL_TRACES_EXPORT_PATH"
"""Where the SDK sends spans, unless this variable says otherwise (as the SDK reads it)."""
_SCORES_LIMIT = 900_000
"""Bytes per score batch: under the 1 MB body limit of ``POST /api/public/scores``."""


@dataclass(frozen=True, slots=True)
class Delivery:
    """What reached Langfuse: samples (their two spans and scores) out of those queued."""

    delivered: int
    queued: int
    problems: tuple[str, ...]


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def _now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat().replace("+00:00", "Z")


def score_payload(score: Score) -> dict[str, Any] | None:
    """The Langfuse score for one of ours: the raw value (bool as BOOLEAN), comment, metadata."""
    if score.value is None:
        return None
    raw = score.raw
    metadata: dict[str, Any] = {"scoregate_value": score.value}
    if score.scale is not None:
        metadata["scale"] = list(score.scale)
    if isinstance(raw, bool):
        return {"value": 1.0 if raw else 0.0, "dataType": "BOOLEAN", "metadata": metadata}
    if isinstance(raw, (int, float)):
        return {"value": float(raw), "dataType": "NUMERIC", "metadata": metadata}
    return {"value": float(score.value), "dataType": "NUMERIC", "metadata": metadata}


class Exporter:
    """One recorded run's spans and scores, sent by a background thread in batches."""

    def __init__(
        self,
        connection: Connection,
        *,
        experiment_id: str,
        run_name: str,
        dataset_id: str | None,
        description: str | None,
        metadata: Mapping[str, Any],
        interval: float = 0.25,
        batch: int = 256,
    ) -> None:
        from langfuse._client.attributes import create_span_attributes

        self._attributes = create_span_attributes
        self.connection = connection
        self.experiment_id = experiment_id
        self._run_name = run_name
        self.dataset_id = self._dataset_id = dataset_id
        self._metadata = dict(metadata)
        self._run_keys: dict[str, Any] = {
            "experiment_name": metadata.get("scoregate_experiment", run_name),
            "experiment_run_name": run_name,
        }
        common = {
            "langfuse.environment": ENVIRONMENT,
            "langfuse.experiment.description": description,
            "langfuse.experiment.id": experiment_id,
            "langfuse.experiment.name": run_name,
            "langfuse.experiment.metadata": _text(dict(metadata)),
            "langfuse.experiment.dataset.id": dataset_id,
        }
        self._common = {k: v for k, v in common.items() if v is not None}
        self._interval, self._batch = interval, batch
        self._queue: deque[tuple[Item, Sample, int]] = deque()
        self._run_scores: list[dict[str, Any]] = []
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._closing = False
        self._queued = self._delivered = 0
        self._problems: list[str] = []
        self._span_exporter, self._resource, self._scope = self._otel()
        # What every span of the run shares, encoded once: the experiment's attributes and
        # the observation metadata every sample has (the item's own come per sample).
        shared_metadata = self._metadata | self._run_keys
        if dataset_id:
            shared_metadata["dataset_id"] = dataset_id
        self._shared_keys = set(shared_metadata) | {"dataset_item_id", "repeat"}
        flat = create_span_attributes(metadata=shared_metadata, observation_type=None)
        self._shared = key_values(self._common | flat)
        self._app_root = key_values({"langfuse.internal.is_app_root": True})
        self._thread = threading.Thread(target=self._loop, name="scoregate-langfuse", daemon=True)
        self._thread.start()

    def _otel(self) -> tuple[Any, Any, Any]:
        """The SDK's OTLP exporter settings, its tracer's resource and instrumentation scope."""
        from langfuse._version import __version__ as langfuse_version
        from opentelemetry.exporter.otlp.proto.http import Compression
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.util.instrumentation import InstrumentationScope

        credentials = self.connection.credentials
        token = base64.b64encode(
            f"{credentials.public_key}:{credentials.secret_key}".encode()
        ).decode("ascii")
        headers = {
            "Authorization": f"Basic {token}",
            "x-langfuse-sdk-name": "python",
            "x-langfuse-sdk-version": langfuse_version,
            "x-langfuse-public-key": credentials.public_key,
        }
        exporter = OTLPSpanExporter(
            endpoint=f"{self.connection.host}/{os.environ.get(_EXPORT_PATH) or _TRACES}",
            headers=headers | {"x-langfuse-ingestion-version": "4"},
            timeout=20,
            compression=Compression.Gzip,
        )
        import httpx

        self._http = httpx.Client(
            base_url=self.connection.host,
            headers=headers | {"content-type": "application/json"},
            timeout=20,
        )
        resources = getattr(self.connection.client, "_resources", None)
        provider = getattr(resources, "tracer_provider", None)
        resource = getattr(provider, "resource", None) or Resource.create()
        scope = InstrumentationScope(
            SCOPE, langfuse_version, None, {"public_key": credentials.public_key}
        )
        return exporter, resource, scope

    # The engine's side: cheap, from any thread.
    def sample(self, item: Item, sample: Sample, end: int | None = None) -> None:
        """Queue a finished sample (``end``: when it finished, in ns; now by default)."""
        with self._lock:
            self._queue.append((item, sample, time.time_ns() if end is None else end))
            self._queued += 1
        if len(self._queue) >= self._batch:
            self._wake.set()

    def run_score(self, score: Score) -> None:
        payload = score_payload(score)
        if payload is not None:
            body = {"id": _id(8), "datasetRunId": self.experiment_id, "name": score.name}
            body |= {"comment": score.comment} if score.comment is not None else {}
            self._run_scores.append(body | payload | {"timestamp": _now_iso()})

    def close(self, timeout: float = 60.0) -> Delivery:
        """Send everything queued (waiting at most ``timeout`` s) and stop the thread."""
        self._closing = True
        self._wake.set()
        self._thread.join(timeout)
        if self._thread.is_alive():
            self._problems.append(f"delivery did not finish within {timeout:.0f} s")
        else:
            self._send_scores(self._run_scores)
        self._span_exporter.shutdown()
        self._http.close()
        return Delivery(self._delivered, self._queued, tuple(self._problems))

    # The thread's side.
    def _loop(self) -> None:
        while True:
            self._wake.wait(self._interval)
            self._wake.clear()
            closing = self._closing
            while self._queue:
                taken = [self._queue.popleft() for _ in range(min(len(self._queue), self._batch))]
                self._send(taken)
            if closing:
                return

    def _send(self, taken: list[tuple[Item, Sample, int]]) -> None:
        batch = SpanBatch(self._resource, self._scope)
        scores: list[dict[str, Any]] = []
        try:
            for item, sample, end in taken:
                self._build(item, sample, end, batch, scores)
            body = batch.request()
        except Exception as exc:  # a value the serializers reject: say so, keep the rest going
            self._problems.append(f"building spans: {type(exc).__name__}: {exc}")
            return
        try:
            result = self._span_exporter._client.export(body)
        except Exception as exc:
            self._problems.append(f"{len(batch.spans)} spans: {describe_failure(exc)}")
            return
        if not result.success:
            status = f"HTTP {result.status_code}" if result.status_code else str(result.error)
            self._problems.append(f"{len(batch.spans)} spans were not accepted ({status})")
            return
        if self._send_scores(scores):
            self._delivered += len(taken)

    def _send_scores(self, scores: list[dict[str, Any]]) -> bool:
        """``POST /api/public/scores``, the body the SDK's score queue sends, in batches under
        its 1 MB limit; each score serialized once."""
        parts: list[str] = []
        size = 2
        ok = True
        for score in scores:
            part = json.dumps(score, default=str)
            if parts and size + len(part) + 1 > _SCORES_LIMIT:
                ok = self._post_scores(parts) and ok
                parts, size = [], 2
            parts.append(part)
            size += len(part) + 1
        if parts:
            ok = self._post_scores(parts) and ok
        return ok

    def _post_scores(self, parts: list[str]) -> bool:
        body = ("[" + ",".join(parts) + "]").encode()
        for attempt in range(3):
            try:
                answer = self._http.post("/api/public/scores", content=body)
            except Exception as exc:
                failure = describe_failure(exc)
            else:
                if answer.status_code < 300:
                    return self._accepted(answer, len(parts))
                failure = f"HTTP {answer.status_code}: {answer.text[:200]}"
                if answer.status_code < 500 and answer.status_code != 429:
                    break
            if attempt < 2:
                time.sleep(0.5 * 2**attempt)
        self._problems.append(f"{len(parts)} scores: {failure}")
        return False

    def _accepted(self, answer: Any, count: int) -> bool:
        try:
            rejected = int(answer.json().get("rejected") or 0)
        except (ValueError, AttributeError, TypeError):
            rejected = 0
        if rejected:
            self._problems.append(f"{rejected} of {count} scores were rejected")
        return not rejected

    def _build(
        self,
        item: Item,
        sample: Sample,
        end: int,
        batch: SpanBatch,
        scores: list[dict[str, Any]],
    ) -> None:
        trace_id = random.getrandbits(128)
        root_id, task_id = random.getrandbits(64), random.getrandbits(64)
        start = end - max(int(sample.latency * 1e9), 1000)
        item_metadata = dict(item.metadata)
        # The sample's own observation metadata: the item's keys the run's do not override,
        # then the dataset item and the repeat (as {**item, **run, **keys, "repeat": i}).
        metadata = {k: v for k, v in item_metadata.items() if k not in self._shared_keys}
        if self._dataset_id:
            metadata["dataset_item_id"] = item.id
        metadata["repeat"] = sample.index
        error = sample.error
        output = sample.output if error is None else f"Error: {error}"
        own = self._attributes(
            input=item.input,
            output=output,
            metadata=metadata,
            level=None if error is None else "ERROR",
            status_message=error,
        )
        own["langfuse.experiment.item.id"] = item.id
        own["langfuse.experiment.item.root_observation_id"] = f"{task_id:016x}"
        own["langfuse.experiment.item.expected_output"] = _text(item.expected_output)
        own["langfuse.experiment.item.metadata"] = _text(item_metadata or None)
        span: dict[str, Any] = {"trace_id": trace_id, "start": start, "end": end}
        span |= {"own": own, "error": error}
        batch.add(
            "experiment-item-task", span_id=task_id, parent_id=root_id, shared=self._shared, **span
        )
        batch.add(
            "experiment-item-run",
            span_id=root_id,
            parent_id=None,
            shared=self._app_root + self._shared,
            **span,
        )
        stamp = _now_iso()
        for score in sample.scores:
            payload = score_payload(score)
            if payload is None:
                continue
            body = {
                "id": _id(8),
                "traceId": f"{trace_id:032x}",
                "observationId": f"{task_id:016x}",
                "name": score.name,
            }
            if score.comment is not None:
                body["comment"] = score.comment
            scores.append(body | payload | {"timestamp": stamp})


def _id(size: int) -> str:
    return f"{random.getrandbits(size * 8):0{size * 2}x}"
