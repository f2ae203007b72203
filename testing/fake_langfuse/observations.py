"""GET /api/public/v2/observations: stored spans as v2 observations, newest first.

Filters as the real server applies them: the structured ``filter`` parameter, when given, takes
precedence over the query-parameter filters (name, traceId, type, level, environment,
isRootObservation). Supported filter columns: name, traceName, traceId, type, level,
environment, isRootObservation, tags / traceTags.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from .common import (
    ApiError,
    Query,
    Reply,
    cursor_page,
    field_groups,
    first,
    int_param,
    io_attribute,
    iso,
    json_attribute,
)
from .otlp import StoredSpan

GROUPS = {"core", "basic", "time", "io", "metadata", "model", "usage", "prompt", "metrics"}
GROUPS |= {"trace_context"}
_PREFIX = "langfuse.observation.metadata."


def _trace_attribute(spans: Sequence[StoredSpan], trace_id: str, name: str) -> Any:
    for span in spans:
        if span.trace_id == trace_id and span.attributes.get(name) is not None:
            return span.attributes[name]
    return None


def _columns(span: StoredSpan, spans: Sequence[StoredSpan]) -> dict[str, Any]:
    tags = _trace_attribute(spans, span.trace_id, "langfuse.trace.tags")
    return {
        "name": span.name,
        "traceName": _trace_attribute(spans, span.trace_id, "langfuse.trace.name"),
        "traceId": span.trace_id,
        "type": str(span.attributes.get("langfuse.observation.type") or "span").upper(),
        "level": span.attributes.get("langfuse.observation.level") or "DEFAULT",
        "environment": span.attributes.get("langfuse.environment")
        or span.resource_attributes.get("langfuse.environment")
        or "default",
        "isRootObservation": span.parent_span_id is None,
        "tags": list(tags) if isinstance(tags, (list, tuple)) else [],
    }


def _condition(columns: Mapping[str, Any], condition: Mapping[str, Any]) -> bool:
    kind, column, operator = (
        condition.get("type"),
        condition.get("column"),
        condition.get("operator"),
    )
    column = "tags" if column == "traceTags" else column
    if column not in columns:
        raise ApiError(400, f"Invalid filter column: {column!r}")
    have, value = columns[column], condition.get("value")
    if kind == "string" and operator == "=":
        return bool(have == value)
    if kind == "boolean" and operator in ("=", "<>"):
        return (have == value) == (operator == "=")
    if kind in ("stringOptions", "categoryOptions") and operator in ("any of", "none of"):
        return (have in value) == (operator == "any of")
    if kind == "arrayOptions" and operator in ("any of", "none of", "all of"):
        if operator == "all of":
            return all(v in have for v in value)
        return any(v in have for v in value) == (operator == "any of")
    raise ApiError(400, f"Unsupported filter: type {kind!r} with operator {operator!r}")


def _parameters_match(columns: Mapping[str, Any], query: Query) -> bool:
    for param in ("name", "traceId", "type", "level"):
        wanted = first(query, param)
        if wanted is not None and columns[param] != wanted:
            return False
    environments = query.get("environment")
    if environments and columns["environment"] not in environments:
        return False
    root = first(query, "isRootObservation")
    return root is None or columns["isRootObservation"] == (root.lower() == "true")


def _json(
    span: StoredSpan, columns: Mapping[str, Any], groups: set[str], project_id: str, parse: bool
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": span.span_id,
        "traceId": span.trace_id,
        "startTime": iso(span.start_time),
        "endTime": iso(span.end_time),
        "projectId": project_id,
        "parentObservationId": span.parent_span_id,
        "type": columns["type"],
        "modelId": None,
        "inputPrice": None,
        "outputPrice": None,
        "totalPrice": None,
    }
    if "basic" in groups:
        body.update(
            name=span.name,
            level=columns["level"],
            statusMessage=span.status_message or None,
            version=None,
            environment=columns["environment"],
            bookmarked=False,
            public=False,
            userId=None,
            sessionId=None,
            isRootObservation=columns["isRootObservation"],
        )
    if "io" in groups:
        for key in ("input", "output"):
            raw = span.attributes.get(f"langfuse.observation.{key}")
            body[key] = io_attribute(raw) if parse else raw
    if "metadata" in groups:
        body["metadata"] = {
            k.removeprefix(_PREFIX): json_attribute(v)
            for k, v in span.attributes.items()
            if k.startswith(_PREFIX)
        }
    if "trace_context" in groups:
        body.update(tags=columns["tags"], release=None, traceName=columns["traceName"])
    return body


def list_observations(spans: Sequence[StoredSpan], project_id: str, query: Query) -> Reply:
    limit = int_param(query, "limit", 50, maximum=1000)
    groups = field_groups(query, GROUPS, "core,basic")
    raw_filter = first(query, "filter")
    conditions: list[Mapping[str, Any]] | None = None
    if raw_filter:
        try:
            conditions = json.loads(raw_filter)
        except ValueError as error:
            raise ApiError(400, f"filter is not JSON: {error}") from error
        if not isinstance(conditions, list):
            raise ApiError(400, "filter must be a JSON array")
    rows = []
    for span in spans:
        columns = _columns(span, spans)
        if conditions is not None:
            matched = all(_condition(columns, c) for c in conditions)
        else:
            matched = _parameters_match(columns, query)
        if matched:
            rows.append((span, columns))
    rows.sort(key=lambda row: row[0].start_time, reverse=True)
    page, cursor = cursor_page(rows, query, limit)
    parse = (first(query, "parseIoAsJson") or "false").lower() == "true"
    data = [_json(span, columns, groups, project_id, parse) for span, columns in page]
    return 200, {"data": data, "meta": {"cursor": cursor}}
