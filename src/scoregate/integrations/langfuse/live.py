"""Live mode: the N most recent production traces as a dataset.

As Langfuse's own runner does with ``--source-type live``: a trace's root observation input is
the item input and its output the reference (expected) output. Items keep the trace id, so
the report can link to the trace. Read through the v2 observations API (root observations),
the SDK 5 read path for traces.
"""

from __future__ import annotations

import json
from typing import Any

from scoregate.config.langfuse import LiveDatasetConfig
from scoregate.integrations.langfuse.connection import Connection
from scoregate.values.errors import ConfigError
from scoregate.values.model import Item

PAGE_SIZE = 100


EXPERIMENT_ENVIRONMENT = "sdk-experiment"
"""Where experiment runs (scoregate's recorded runs too) live: never production traffic."""


def _filter(config: LiveDatasetConfig) -> str:
    """Every condition in the structured filter: the server ignores the query-parameter filters
    (name, environment, isRootObservation) when ``filter`` is given."""
    conditions: list[dict[str, Any]] = [
        {"type": "boolean", "column": "isRootObservation", "operator": "=", "value": True}
    ]
    if config.name:
        conditions.append(
            {"type": "string", "column": "name", "operator": "=", "value": config.name}
        )
    if config.environment:
        environments = {"operator": "any of", "value": [config.environment]}
    else:
        environments = {"operator": "none of", "value": [EXPERIMENT_ENVIRONMENT]}
    conditions.append({"type": "stringOptions", "column": "environment", **environments})
    if config.tags:
        conditions.append(
            {
                "type": "arrayOptions",
                "column": "tags",
                "operator": "all of",
                "value": list(config.tags),
            }
        )
    return json.dumps(conditions)


def fetch_live_items(connection: Connection, config: LiveDatasetConfig) -> tuple[Item, ...]:
    api = connection.client.api
    items: list[Item] = []
    cursor: str | None = None
    what = "reading recent traces"
    while len(items) < config.limit:
        with connection.reading(what):
            page = api.observations.get_many(
                fields="core,basic,io",
                limit=min(PAGE_SIZE, config.limit - len(items)),
                cursor=cursor,
                parse_io_as_json=True,
                filter=_filter(config),
                request_options=connection.options(),
            )
        for observation in page.data:
            items.append(_item(observation, config))
        cursor = getattr(page.meta, "cursor", None)
        if not cursor or not page.data:
            break
    if not items:
        wanted = config.reference
        raise ConfigError(
            f"{config.where}: Langfuse at {connection.host} has no traces matching "
            f"{json.dumps({k: v for k, v in wanted.items() if k != 'kind'})}."
        )
    return tuple(items[: config.limit])


def _item(observation: Any, config: LiveDatasetConfig) -> Item:
    trace_id = str(observation.trace_id)
    metadata: dict[str, Any] = {"trace_name": getattr(observation, "name", None)}
    environment = getattr(observation, "environment", None)
    if environment:
        metadata["environment"] = environment
    return Item(
        id=trace_id,
        input=getattr(observation, "input", None),
        expected_output=getattr(observation, "output", None),
        metadata={k: v for k, v in metadata.items() if v is not None},
        source=f"langfuse trace {trace_id}",
        trace_id=trace_id,
    )


def trace_url(host: str, project_id: str, trace_id: str) -> str:
    return f"{host}/project/{project_id}/traces/{trace_id}"
