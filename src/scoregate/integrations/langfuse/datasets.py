"""Items from a Langfuse dataset (optionally as of a version timestamp).

Item ids are Langfuse's item ids, so pairing with a baseline is stable. Archived items are
skipped (the SDK returns them). The dataset's own input/expected-output JSON Schemas are
enforced, as are the ones the config gives. An item's ``metadata.expected_scores`` are its
reference scores for judges, as a file item's ``expected_scores``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from scoregate.config.langfuse import LangfuseDatasetConfig, LiveDatasetConfig
from scoregate.execute.datasets import reference_scores
from scoregate.integrations.langfuse.connection import Connection, connect
from scoregate.values.errors import ConfigError
from scoregate.values.model import Item
from scoregate.values.quoting import quoted

PAGE_SIZE = 100


@dataclass(frozen=True, slots=True)
class LangfuseDataset:
    """A dataset as read: what the run record and the recorder need besides the items."""

    id: str
    name: str
    items: tuple[Item, ...]
    metadata: Mapping[str, Any] = field(default_factory=dict)
    archived: int = 0


def fetch_dataset(connection: Connection, config: LangfuseDatasetConfig) -> LangfuseDataset:
    client = connection.client
    what = f"reading dataset '{config.name}'"
    try:
        dataset = client.get_dataset(
            config.name, fetch_items_page_size=PAGE_SIZE, version=config.version
        )
    except Exception as exc:
        if getattr(exc, "status_code", None) == 404:
            raise ConfigError(
                f"{config.where}: Langfuse at {connection.host} has no dataset named "
                f"'{config.name}'; check the name (it is case-sensitive)."
            ) from None
        raise connection.error(what, exc) from None
    source = f"langfuse:{config.name}"
    items = []
    problems: list[str] = []
    archived = 0
    for raw in reversed(dataset.items):  # the API lists newest first; keep creation order
        if str(getattr(raw, "status", "ACTIVE")).upper().endswith("ARCHIVED"):
            archived += 1
            continue
        metadata = raw.metadata if isinstance(raw.metadata, Mapping) else {}
        if raw.metadata is not None and not isinstance(raw.metadata, Mapping):
            metadata = {"metadata": raw.metadata}
        where = f"{source} item {quoted(str(raw.id))}: metadata"
        references = reference_scores(metadata.get("expected_scores"), where, problems)
        items.append(
            Item(
                raw.id,
                raw.input,
                raw.expected_output,
                dict(metadata),
                source,
                getattr(raw, "source_trace_id", None),
                references,
            )
        )
    problems += _schema_problems(
        items, config, dataset.input_schema, dataset.expected_output_schema
    )
    if not items and not problems:
        problems.append(
            f"{config.where}: Langfuse dataset '{config.name}' has no active items"
            + (f" ({archived} archived)" if archived else "")
            + "."
        )
    if problems:
        raise ConfigError(problems)
    metadata = dataset.metadata if isinstance(dataset.metadata, Mapping) else {}
    return LangfuseDataset(dataset.id, dataset.name, tuple(items), dict(metadata), archived)


def _schema_problems(
    items: list[Item],
    config: LangfuseDatasetConfig,
    remote_input: Any,
    remote_expected: Any,
) -> list[str]:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    problems: list[str] = []
    checks = []
    for field_name, schema, origin in (
        ("input", config.input_schema, "input_schema"),
        ("expected_output", config.expected_output_schema, "expected_output_schema"),
        ("input", remote_input, "the dataset's input schema in Langfuse"),
        ("expected_output", remote_expected, "the dataset's expected output schema in Langfuse"),
    ):
        if not isinstance(schema, Mapping) or not schema:
            continue
        try:
            Draft202012Validator.check_schema(schema)
        except SchemaError as exc:
            problems.append(f"{config.where}: {origin} is not a valid JSON Schema: {exc.message}.")
            continue
        checks.append((field_name, Draft202012Validator(schema), origin))
    for item in items:
        for field_name, validator, origin in checks:
            for error in validator.iter_errors(getattr(item, field_name)):
                at = "".join(f"[{p!r}]" for p in error.absolute_path)
                problems.append(
                    f"langfuse:{config.name}: item '{item.id}': {field_name}{at} does not match "
                    f"{origin}: {error.message}"
                )
    return problems


_fetched: dict[tuple[str, str, str | None], LangfuseDataset] = {}


def load_langfuse_items(
    config: LangfuseDatasetConfig | LiveDatasetConfig, env: Mapping[str, str] | None = None
) -> tuple[Item, ...]:
    """The items of ``config``'s dataset (or live traces), through the process's connection."""
    connection = connect(os.environ if env is None else env)
    if isinstance(config, LiveDatasetConfig):
        from scoregate.integrations.langfuse.live import fetch_live_items

        return fetch_live_items(connection, config)
    dataset = fetch_dataset(connection, config)
    _fetched[_key(connection, config)] = dataset
    return dataset.items


def _key(connection: Connection, config: LangfuseDatasetConfig) -> tuple[str, str, str | None]:
    version = config.version.isoformat() if config.version else None
    return (connection.host, config.name, version)


def dataset_of(connection: Connection, config: LangfuseDatasetConfig) -> LangfuseDataset:
    """The dataset as this process read it (read it now if it was not)."""
    key = _key(connection, config)
    if key not in _fetched:
        _fetched[key] = fetch_dataset(connection, config)
    return _fetched[key]
