"""Spans, scores and the experiments derived from them, as the fake Langfuse project stores them."""

from __future__ import annotations

import datetime as dt
import json
import math
import threading
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .common import (
    ApiError,
    Query,
    Reply,
    comma_list,
    cursor_page,
    field_groups,
    first,
    int_param,
    io_attribute,
    iso,
    json_attribute,
    mapping_or_none,
    now,
    parse_time,
)
from .otlp import StoredSpan

_METADATA_PREFIX = "langfuse.observation.metadata."
_SCORE_FILTERS = {
    "id": "id",
    "name": "name",
    "source": "source",
    "dataType": "data_type",
    "environment": "environment",
    "configId": "config_id",
    "queueId": "queue_id",
    "traceId": "trace_id",
    "observationId": "observation_id",
    "sessionId": "session_id",
    "experimentId": "dataset_run_id",
}
_SCORE_BOUNDS = ("fromTimestamp", "toTimestamp", "valueMin", "valueMax")


@dataclass(frozen=True)
class StoredScore:
    """One score as the fake server stored it (value is 1.0/0.0 for BOOLEAN scores)."""

    id: str
    name: str
    value: float | str
    data_type: str
    trace_id: str | None = None
    observation_id: str | None = None
    session_id: str | None = None
    dataset_run_id: str | None = None
    comment: str | None = None
    metadata: Mapping[str, Any] | None = None
    environment: str = "default"
    config_id: str | None = None
    queue_id: str | None = None
    source: str = "API"
    timestamp: dt.datetime = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    created_at: dt.datetime = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class ExperimentItemRow:
    """One experiment item: the item's root observation (the SDK's task span)."""

    span: StoredSpan
    experiment_id: str
    experiment_name: str
    item_id: str
    dataset_id: str | None

    def attribute(self, name: str) -> Any:
        return self.span.attributes.get(name)


def score_from_request(body: Mapping[str, Any]) -> StoredScore:
    """Applies the checks the real server makes; raises ApiError(400) like it does."""
    trace_id = body.get("traceId")
    observation_id = body.get("observationId")
    session_id = body.get("sessionId")
    dataset_run_id = body.get("datasetRunId")
    name = body["name"]
    if not (trace_id or session_id or dataset_run_id):
        raise ApiError(400, f"Score {name!r} needs a traceId, sessionId or datasetRunId")
    if observation_id and not trace_id:
        raise ApiError(400, f"Score {name!r}: observationId requires traceId")
    value = body["value"]
    data_type = body.get("dataType") or ("CATEGORICAL" if isinstance(value, str) else "NUMERIC")
    if data_type in {"NUMERIC", "BOOLEAN"}:
        if isinstance(value, (str, bool)) or not math.isfinite(value):
            raise ApiError(400, f"Score {name!r}: {data_type} value must be a finite number")
        if data_type == "BOOLEAN" and value not in (0, 1):
            raise ApiError(400, f"Score {name!r}: BOOLEAN value must be 0 or 1, got {value}")
        value = float(value)
    elif not isinstance(value, str):
        raise ApiError(400, f"Score {name!r}: {data_type} value must be a string")
    stamp = now()
    raw_time = body.get("timestamp")
    return StoredScore(
        id=body.get("id") or str(uuid.uuid4()),
        name=name,
        value=value,
        data_type=data_type,
        trace_id=trace_id,
        observation_id=observation_id,
        session_id=session_id,
        dataset_run_id=dataset_run_id,
        comment=body.get("comment"),
        metadata=mapping_or_none(body.get("metadata")),
        environment=body.get("environment") or "default",
        config_id=body.get("configId"),
        queue_id=body.get("queueId"),
        source=str(body.get("source") or "API"),
        timestamp=parse_time(raw_time, "timestamp") if raw_time else stamp,
        created_at=stamp,
    )


def score_json(score: StoredScore, project_id: str, groups: Iterable[str] = ()) -> dict[str, Any]:
    value: Any = score.value
    if score.data_type == "BOOLEAN":
        value = bool(score.value)
    body: dict[str, Any] = {
        "id": score.id,
        "projectId": project_id,
        "name": score.name,
        "dataType": score.data_type,
        "value": value,
        "source": score.source,
        "timestamp": iso(score.timestamp),
        "environment": score.environment,
        "createdAt": iso(score.created_at),
        "updatedAt": iso(score.created_at),
    }
    groups = set(groups)
    if "details" in groups:
        body.update(
            comment=score.comment,
            configId=score.config_id,
            metadata=dict(score.metadata) if score.metadata is not None else None,
        )
    if "annotation" in groups:
        body.update(authorUserId=None, queueId=score.queue_id)
    if "subject" in groups:
        if score.observation_id:
            body["subject"] = {
                "kind": "observation",
                "id": score.observation_id,
                "traceId": score.trace_id,
            }
        elif score.trace_id:
            body["subject"] = {"kind": "trace", "id": score.trace_id}
        elif score.session_id:
            body["subject"] = {"kind": "session", "id": score.session_id}
        else:
            body["subject"] = {"kind": "experiment", "id": score.dataset_run_id}
    return body


class TraceStore:
    """Spans and scores; experiments and experiment items are derived from them on read."""

    def __init__(self, project_id: str) -> None:
        self.project_id = project_id
        self._lock = threading.RLock()
        self._spans: list[StoredSpan] = []
        self._scores: dict[str, StoredScore] = {}

    def add_spans(self, spans: Iterable[StoredSpan]) -> None:
        with self._lock:
            self._spans.extend(spans)

    def add_score(self, score: StoredScore) -> None:
        with self._lock:
            self._scores.pop(score.id, None)  # scores are upserted on their id
            self._scores[score.id] = score

    @property
    def spans(self) -> list[StoredSpan]:
        with self._lock:
            return list(self._spans)

    @property
    def scores(self) -> list[StoredScore]:
        with self._lock:
            return list(self._scores.values())

    # ---- scores ---------------------------------------------------------------------------

    def list_scores(self, query: Query) -> Reply:
        limit = int_param(query, "limit", 50, maximum=100)
        groups = field_groups(query, {"details", "subject", "annotation"}, "")
        if first(query, "observationId") and not first(query, "traceId"):
            raise ApiError(400, "observationId requires traceId")
        wanted: dict[str, set[str]] = {}
        for param, attribute in _SCORE_FILTERS.items():
            values = comma_list(query, param)
            if values is not None:
                upper = param in {"source", "dataType"}
                wanted[attribute] = {v.upper() for v in values} if upper else values
        bounds = {name: first(query, name) for name in _SCORE_BOUNDS}
        since = (
            parse_time(bounds["fromTimestamp"], "fromTimestamp")
            if bounds["fromTimestamp"]
            else None
        )
        until = parse_time(bounds["toTimestamp"], "toTimestamp") if bounds["toTimestamp"] else None
        low = float(bounds["valueMin"]) if bounds["valueMin"] else None
        high = float(bounds["valueMax"]) if bounds["valueMax"] else None

        def matches(score: StoredScore) -> bool:
            if any(getattr(score, a) not in w for a, w in wanted.items()):
                return False
            if (since and score.timestamp < since) or (until and score.timestamp >= until):
                return False
            numeric = score.value if isinstance(score.value, float) else None
            if low is not None and (numeric is None or numeric < low):
                return False
            return high is None or (numeric is not None and numeric <= high)

        rows = sorted(
            (s for s in self.scores if matches(s)),
            key=lambda s: s.timestamp,
            reverse=True,
        )
        page, cursor = cursor_page(rows, query, limit)
        meta: dict[str, Any] = {"limit": limit}
        if cursor:
            meta["cursor"] = cursor
        return 200, {"data": [score_json(s, self.project_id, groups) for s in page], "meta": meta}

    # ---- experiments ----------------------------------------------------------------------

    def experiment_items(self) -> list[ExperimentItemRow]:
        rows = []
        for span in self.spans:
            experiment_id = span.experiment_id
            if experiment_id is None or not span.is_experiment_item_root:
                continue
            rows.append(
                ExperimentItemRow(
                    span=span,
                    experiment_id=experiment_id,
                    experiment_name=str(span.attributes.get("langfuse.experiment.name", "")),
                    item_id=str(span.attributes.get("langfuse.experiment.item.id", "")),
                    dataset_id=span.attributes.get("langfuse.experiment.dataset.id"),
                )
            )
        return rows

    def _in_range(self, rows: Iterable[ExperimentItemRow], query: Query) -> list[ExperimentItemRow]:
        raw_from = first(query, "fromStartTime")
        if raw_from is None:
            raise ApiError(400, "fromStartTime is required")
        start = parse_time(raw_from, "fromStartTime")
        raw_to = first(query, "toStartTime")
        end = parse_time(raw_to, "toStartTime") if raw_to else None
        return [
            r
            for r in rows
            if r.span.start_time >= start and (end is None or r.span.start_time < end)
        ]

    def _item_scores(self, row: ExperimentItemRow, limit: int) -> list[dict[str, Any]]:
        scores = [
            s
            for s in self.scores
            if s.trace_id == row.span.trace_id and s.observation_id in (None, row.span.span_id)
        ]
        return [score_json(s, self.project_id) for s in scores[:limit]]

    def list_experiments(self, query: Query) -> Reply:
        limit = int_param(query, "limit", 50, maximum=100)
        score_limit = int_param(query, "scoreLimit", 50, maximum=50)
        groups = field_groups(query, {"core", "metadata", "scores"}, "core")
        ids, names, dataset_ids = (
            comma_list(query, "id"),
            comma_list(query, "name"),
            comma_list(query, "datasetId"),
        )
        _apply_filter(query, {"id": ids, "name": names, "datasetId": dataset_ids})
        by_id: dict[str, list[ExperimentItemRow]] = {}
        for row in self._in_range(self.experiment_items(), query):
            by_id.setdefault(row.experiment_id, []).append(row)
        experiments = []
        for experiment_id, rows in by_id.items():
            rows.sort(key=lambda r: r.span.start_time)
            latest = rows[-1]
            if ids is not None and experiment_id not in ids:
                continue
            if names is not None and latest.experiment_name not in names:
                continue
            if dataset_ids is not None and latest.dataset_id not in dataset_ids:
                continue
            body: dict[str, Any] = {
                "id": experiment_id,
                "name": latest.experiment_name,
                "description": next(
                    (
                        r.attribute("langfuse.experiment.description")
                        for r in rows
                        if r.attribute("langfuse.experiment.description") is not None
                    ),
                    None,
                ),
                "startTime": iso(rows[0].span.start_time),
                "endTime": iso(max(r.span.end_time for r in rows)),
                "itemCount": len(rows),
                "datasetId": latest.dataset_id,
            }
            if "metadata" in groups:
                body["metadata"] = mapping_or_none(
                    json_attribute(latest.attribute("langfuse.experiment.metadata"))
                )
            if "scores" in groups:
                run_scores = [s for s in self.scores if s.dataset_run_id == experiment_id]
                body["scores"] = [score_json(s, self.project_id) for s in run_scores[:score_limit]]
            experiments.append(body)
        experiments.sort(key=lambda e: e["endTime"], reverse=True)
        page, cursor = cursor_page(experiments, query, limit)
        return 200, {"data": page, "meta": {"cursor": cursor} if cursor else {}}

    def list_experiment_items(self, query: Query) -> Reply:
        limit = int_param(query, "limit", 50, maximum=100)
        score_limit = int_param(query, "scoreLimit", 50, maximum=50)
        groups = field_groups(
            query,
            {"core", "dataset", "io", "metadata", "itemMetadata", "experimentMetadata", "scores"},
            "core,dataset",
        )
        wanted = {
            "experimentId": comma_list(query, "experimentId"),
            "experimentName": comma_list(query, "experimentName"),
            "experimentItemId": comma_list(query, "experimentItemId"),
            "datasetId": comma_list(query, "datasetId"),
        }
        _apply_filter(query, wanted)
        rows = [
            r
            for r in self._in_range(self.experiment_items(), query)
            if (wanted["experimentId"] is None or r.experiment_id in wanted["experimentId"])
            and (wanted["experimentName"] is None or r.experiment_name in wanted["experimentName"])
            and (wanted["experimentItemId"] is None or r.item_id in wanted["experimentItemId"])
            and (wanted["datasetId"] is None or r.dataset_id in wanted["datasetId"])
        ]
        rows.sort(key=lambda r: r.span.start_time, reverse=True)
        page, cursor = cursor_page(rows, query, limit)
        data = [self._item_json(r, groups, score_limit) for r in page]
        return 200, {"data": data, "meta": {"cursor": cursor} if cursor else {}}

    def _item_json(
        self, row: ExperimentItemRow, groups: set[str], score_limit: int
    ) -> dict[str, Any]:
        span = row.span
        body: dict[str, Any] = {
            "id": span.span_id,
            "traceId": span.trace_id,
            "startTime": iso(span.start_time),
            "endTime": iso(span.end_time),
            "level": row.attribute("langfuse.observation.level") or "DEFAULT",
            "environment": row.attribute("langfuse.environment")
            or span.resource_attributes.get("langfuse.environment")
            or "default",
            "experimentId": row.experiment_id,
            "experimentName": row.experiment_name,
            "experimentItemId": row.item_id,
        }
        if "dataset" in groups:
            body["experimentDatasetId"] = row.dataset_id
            body["experimentItemVersion"] = row.attribute("langfuse.experiment.item.version")
        if "io" in groups:
            body["input"] = io_attribute(row.attribute("langfuse.observation.input"))
            body["output"] = io_attribute(row.attribute("langfuse.observation.output"))
            body["expectedOutput"] = io_attribute(
                row.attribute("langfuse.experiment.item.expected_output")
            )
        if "metadata" in groups:
            body["metadata"] = {
                key.removeprefix(_METADATA_PREFIX): json_attribute(value)
                for key, value in span.attributes.items()
                if key.startswith(_METADATA_PREFIX)
            }
        if "itemMetadata" in groups:
            body["experimentItemMetadata"] = mapping_or_none(
                json_attribute(row.attribute("langfuse.experiment.item.metadata"))
            )
        if "experimentMetadata" in groups:
            body["experimentMetadata"] = mapping_or_none(
                json_attribute(row.attribute("langfuse.experiment.metadata"))
            )
            body["experimentDescription"] = row.attribute("langfuse.experiment.description")
        if "scores" in groups:
            body["scores"] = self._item_scores(row, score_limit)
        return body


def _apply_filter(query: Query, wanted: dict[str, set[str] | None]) -> None:
    """Folds the JSON `filter` parameter (equality / any-of on the named columns) into `wanted`."""
    raw = first(query, "filter")
    if not raw:
        return
    try:
        conditions = json.loads(raw)
        for condition in conditions:
            column, operator, value = condition["column"], condition["operator"], condition["value"]
            if column not in wanted or operator not in {"=", "any of"}:
                raise ApiError(400, f"Unsupported filter condition {condition!r}")
            values = {value} if isinstance(value, str) else set(value)
            current = wanted[column]
            wanted[column] = values if current is None else current & values
    except (ValueError, KeyError, TypeError) as error:
        raise ApiError(400, f"Invalid filter {raw!r}") from error


def seed_spans(
    *,
    experiment_id: str,
    run_name: str,
    dataset_id: str | None,
    item_id: str,
    item_input: Any,
    output: Any,
    expected_output: Any,
    item_metadata: Any,
    metadata: Mapping[str, Any] | None,
    description: str | None,
    start: dt.datetime,
) -> list[StoredSpan]:
    """The two spans the SDK's run_experiment records for one item, for seeding a stored run."""
    trace_id = uuid.uuid4().hex
    root_id, task_id = uuid.uuid4().hex[:16], uuid.uuid4().hex[:16]

    def text(value: Any) -> Any:
        return value if value is None or isinstance(value, str) else json.dumps(value)

    shared = {
        "langfuse.environment": "sdk-experiment",
        "langfuse.experiment.id": experiment_id,
        "langfuse.experiment.name": run_name,
        "langfuse.experiment.item.id": item_id,
        "langfuse.experiment.item.root_observation_id": task_id,
        "langfuse.observation.type": "span",
        "langfuse.observation.input": text(item_input),
        "langfuse.observation.output": text(output),
        "langfuse.experiment.item.expected_output": text(expected_output),
        "langfuse.experiment.dataset.id": dataset_id,
        "langfuse.experiment.metadata": text(metadata),
        "langfuse.experiment.item.metadata": text(item_metadata),
        "langfuse.experiment.description": description,
    }
    attributes = {k: v for k, v in shared.items() if v is not None}
    end = start + dt.timedelta(milliseconds=5)
    return [
        StoredSpan(
            trace_id, root_id, None, "experiment-item-run", "langfuse-sdk", attributes, start, end
        ),
        StoredSpan(
            trace_id,
            task_id,
            root_id,
            "experiment-item-task",
            "langfuse-sdk",
            attributes,
            start,
            end,
        ),
    ]


def make_scores(values: Mapping[str, float | bool | str], **target: Any) -> Sequence[StoredScore]:
    stamp = now()
    scores = []
    for name, value in values.items():
        if isinstance(value, bool):
            data_type, stored = "BOOLEAN", float(value)
        elif isinstance(value, str):
            data_type, stored = "CATEGORICAL", value  # type: ignore[assignment]
        else:
            data_type, stored = "NUMERIC", float(value)
        scores.append(
            StoredScore(
                id=str(uuid.uuid4()),
                name=name,
                value=stored,
                data_type=data_type,
                timestamp=stamp,
                created_at=stamp,
                **target,
            )
        )
    return scores
