"""Item sources: local JSONL, JSON, YAML and CSV files.

An item without an ``id`` gets one derived from its content, so pairing with a baseline
survives reordering. Every problem in a file is reported together, each with its row.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from math import isfinite
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scoregate.config import jsonload, paths
from scoregate.config.limits import MAX_DEPTH, MAX_PROBLEMS, first_problems
from scoregate.config.model import DatasetConfig
from scoregate.values.errors import ConfigError
from scoregate.values.model import Item
from scoregate.values.quoting import json_quoted, quoted, shorten_message

if TYPE_CHECKING:
    from scoregate.config.langfuse import LangfuseDatasetConfig, LiveDatasetConfig

FIELDS = ("id", "input", "expected_output", "metadata", "expected_scores")
FORMATS = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".yaml": "yaml",
    ".yml": "yaml",
    ".csv": "csv",
}

_TOO_DEEP = (
    f"nested more than {MAX_DEPTH} levels deep here; scoregate reads at most {MAX_DEPTH} "
    "levels, so write this item flatter."
)

Row = tuple[str, Any]
"""Where a row is (``file:line``) and what it holds."""


@dataclass(frozen=True, slots=True)
class Whole:
    """What a dataset source that reads a slice of the dataset knows of the whole of it."""

    total: int
    """Items in the whole dataset."""
    digest: str
    """Identifies the whole dataset (the shards of one run must share it)."""
    positions: tuple[int, ...] | None = None
    """A shard's items' places in the whole dataset; None: every item was kept."""


def content_id(input_value: Any, expected_output: Any) -> str:
    canonical = json.dumps([input_value, expected_output], sort_keys=True, default=str)
    import hashlib

    return hashlib.sha256(canonical.encode()).hexdigest()[:12]


class FileDatasets:
    """The file dataset source (JSONL, JSON, YAML, CSV); the other kinds are in integrations/."""

    def load(
        self,
        dataset: DatasetConfig | LangfuseDatasetConfig | LiveDatasetConfig,
        *,
        display_root: Path | None,
    ) -> tuple[Item, ...]:
        assert isinstance(dataset, DatasetConfig)
        return load_items(dataset, display_root=display_root)

    def load_slice(
        self,
        dataset: DatasetConfig,
        *,
        display_root: Path | None,
        keep: Callable[[str], bool] | None,
    ) -> tuple[tuple[Item, ...], Whole]:
        """The items whose id ``keep`` takes (a shard's; None: all), read and checked, the
        others only read for their ids; and the whole file's size and digest (its bytes,
        hashed once)."""
        whole: list[Whole] = []
        items = load_items(dataset, display_root=display_root, keep=keep, whole=whole)
        return items, whole[0]


FILE = FileDatasets()


def load_items(
    dataset: DatasetConfig,
    *,
    display_root: Path | None = None,
    keep: Callable[[str], bool] | None = None,
    whole: list[Whole] | None = None,
) -> tuple[Item, ...]:
    """The dataset's items, every one checked; with ``keep``, only those whose id it takes
    are made items and checked against the schemas (every row is read for its id, so every
    duplicate is found), and ``whole`` gets the whole dataset's size and digest."""
    shown, text, digest, fmt = _read(dataset, display_root)
    problems: list[str] = []
    positions: list[int] = []
    # The rows streamed into items (never all held at once); the readers' problems first.
    found: list[str] = []
    rows = (
        _jsonl(text, shown, problems, keep)
        if fmt == "jsonl"
        else _READERS[fmt](text, shown, problems)
    )
    items = _items(rows, found, keep, positions)
    problems += found
    del text
    if whole is not None:
        kept = tuple(positions[:-1]) if keep is not None else None
        whole.append(Whole(positions[-1], digest, kept))
    if not items and not problems:
        problems.append(f"{shown}: the dataset has no items.")
    validators = [
        (field, _validator(schema))
        for field, schema in (
            ("input", dataset.input_schema),
            ("expected_output", dataset.expected_output_schema),
        )
        if schema is not None
    ]
    for item in items:
        if len(problems) > MAX_PROBLEMS:
            break  # jsonschema takes ~0.5 ms per problem: a dataset wrong everywhere stops
        for field, validator in validators:
            for error in validator.iter_errors(getattr(item, field)):
                at = "".join(
                    f"[{quoted(p) if isinstance(p, str) else p}]" for p in error.absolute_path
                )
                problems.append(
                    f"{item.source}: item {quoted(item.id)}: {field}{at} does not match "
                    f"{field}_schema: {shorten_message(error.message)}"
                )
    if problems:
        raise ConfigError(first_problems(problems, shown))
    return items


def read_rows(
    dataset: DatasetConfig, *, display_root: Path | None = None
) -> tuple[str, list[Row], list[str]]:
    """The path as shown, the file's rows as written (each with where it is), and what was
    wrong reading them; a file that cannot be read at all raises."""
    shown, text, _, fmt = _read(dataset, display_root)
    problems: list[str] = []
    return shown, list(_READERS[fmt](text, shown, problems)), problems


def _read(dataset: DatasetConfig, display_root: Path | None) -> tuple[str, str, str, str]:
    """The path as shown, the file's text, the digest of its bytes, and its format."""
    path = dataset.path
    root = display_root or dataset.root or Path.cwd()
    shown = paths.relative(path, root)
    fmt = dataset.format or FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ConfigError(
            f"{dataset.where}: dataset {shown}: cannot tell the format from the extension "
            f"{quoted(path.suffix)}; use .jsonl, .json, .yaml or .csv, or set dataset.format."
        )
    import hashlib  # only when a dataset is read: not at start-up

    try:
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()[:16]
        text = data.decode("utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"{dataset.where}: {paths.missing(path, root)}.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{dataset.where}: dataset {shown} cannot be read: {exc}") from None
    return shown, text, digest, fmt


def _close(name: str) -> list[str]:
    import difflib

    return difflib.get_close_matches(
        name, FIELDS[:4], n=1, cutoff=0.6
    ) or difflib.get_close_matches(name, FIELDS[4:], n=1, cutoff=0.6)


def _validator(schema: Mapping[str, Any]) -> Any:
    """The built-in checker for a simple schema (no jsonschema import), else jsonschema."""
    from scoregate.config.simpleschema import SimpleValidator, simple

    if simple(schema):
        return SimpleValidator(schema)
    from jsonschema import Draft202012Validator

    return Draft202012Validator(schema)


class Skipped(str):
    """The id of a JSONL row another shard owns, read without parsing the row: the shard
    that owns it parses and checks it (an id always falls in the same shard)."""


# A row that starts with a plain text id (no escape): the id, without parsing the row.
_LEADING_ID = re.compile(r'\s*\{\s*"id"\s*:\s*"([^"\\]+)"\s*[,}]')


def _jsonl(
    text: str, shown: str, problems: list[str], keep: Callable[[str], bool] | None = None
) -> Iterator[Row]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        found = _LEADING_ID.match(line) if keep is not None else None
        if found and line.count('"id"') == 1 and keep is not None and not keep(found[1]):
            yield f"{shown}:{number}", Skipped(found[1])
            continue
        try:
            yield f"{shown}:{number}", jsonload.loads(line)
        except jsonload.TooDeep as exc:
            problems.append(f"{shown}:{number}:{exc.column}: the JSON is {_TOO_DEEP}")
        except json.JSONDecodeError as exc:
            problems.append(f"{shown}:{number}:{exc.colno}: not valid JSON: {exc.msg}.")


def _json(text: str, shown: str, problems: list[str]) -> Iterator[Row]:
    try:
        data = jsonload.loads(text)
    except jsonload.TooDeep as exc:
        problems.append(f"{shown}:{exc.line}:{exc.column}: the JSON is {_TOO_DEEP}")
        return
    except json.JSONDecodeError as exc:
        problems.append(f"{shown}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}.")
        return
    if isinstance(data, dict) and isinstance(data.get("items"), list):
        data = data["items"]
    if not isinstance(data, list):
        problems.append(
            f'{shown}: a JSON dataset must be an array of items (or {{"items": [...]}}).'
        )
        return
    for index, row in enumerate(data):
        yield f"{shown}[{index}]", row


def _yaml(text: str, shown: str, problems: list[str]) -> Iterator[Row]:
    from yaml.constructor import SafeConstructor
    from yaml.nodes import MappingNode, SequenceNode

    from scoregate.config import yamlcompose

    try:
        node = yamlcompose.compose(text, shown)
    except ConfigError as exc:
        problems.extend(exc.problems)
        return
    if isinstance(node, MappingNode):
        for key, value in node.value:
            if key.value == "items":
                node = value
    if not isinstance(node, SequenceNode):
        problems.append(f"{shown}: a YAML dataset must be a list of items (or items: [...]).")
        return
    constructor = SafeConstructor()
    rows: list[Row] = []
    with yamlcompose.collector_paused():
        for child in node.value:
            try:
                row = yamlcompose.construct(child, shown, constructor)
            except ConfigError as exc:
                problems.extend(exc.problems)
                continue
            rows.append((f"{shown}:{child.start_mark.line + 1}", row))
    yield from rows


def _csv(text: str, shown: str, problems: list[str]) -> Iterator[Row]:
    import csv

    reader = csv.DictReader(text.splitlines(keepends=True))
    if not reader.fieldnames or "input" not in reader.fieldnames:
        problems.append(f"{shown}:1: a CSV dataset needs a header row with an 'input' column.")
        return
    for row in reader:
        where = f"{shown}:{reader.line_num}"
        item: dict[str, Any] = {}
        metadata: dict[str, Any] = {}
        for key, value in row.items():
            if key is None:
                problems.append(f"{where}: the row has more cells than the header has columns.")
            elif key == "expected_scores" and value:
                try:
                    item[key] = jsonload.loads(value)
                except (jsonload.TooDeep, json.JSONDecodeError, TypeError, ValueError):
                    problems.append(f"{where}: the expected_scores cell must hold a JSON object.")
            elif key == "metadata" and value:
                try:
                    metadata.update(jsonload.loads(value))
                except jsonload.TooDeep:
                    problems.append(f"{where}: the metadata cell is {_TOO_DEEP}")
                except (json.JSONDecodeError, TypeError, ValueError):
                    problems.append(f"{where}: the metadata cell must hold a JSON object.")
            elif key in FIELDS and key != "expected_scores":
                if value or key == "input":
                    item[key] = value
            else:
                metadata[key] = value
        item["metadata"] = metadata
        yield where, item


_READERS = {"jsonl": _jsonl, "json": _json, "yaml": _yaml, "csv": _csv}


def _items(
    rows: Iterable[Row],
    problems: list[str],
    keep: Callable[[str], bool] | None = None,
    positions: list[int] | None = None,
) -> tuple[Item, ...]:
    """The rows as items; with ``keep``, only those whose id it takes, each one's place in
    the whole dataset appended to ``positions``, then the whole dataset's size."""
    items: list[Item] = []
    first_seen: dict[str, str] = {}
    position = 0
    for where, row in rows:
        if isinstance(row, Skipped):  # another shard's row: its id only, for duplicates
            if row in first_seen:
                problems.append(
                    f"{where}: duplicate item id {quoted(str(row))}, first used at "
                    f"{first_seen[row]}; give each item a unique id."
                )
            else:
                first_seen[row] = where
                position += 1
            continue
        if not isinstance(row, dict):
            problems.append(f"{where}: an item must be a mapping with at least 'input'.")
            continue
        unknown = [k for k in row if k not in FIELDS]
        for key in unknown:
            # A key of 50 characters is not 0.6 alike any field (and costs difflib to compare).
            name = str(key)
            # Ties go to the fields of every item (expected_output before expected_scores).
            close = _close(name) if len(name) < 50 else []
            hint = (
                f"; did you mean '{close[0]}'?" if close else f"; an item has {', '.join(FIELDS)}."
            )
            problems.append(f"{where}: unknown field {quoted(name)}{hint}")
        if "input" not in row:
            problems.append(f"{where}: the item has no 'input'.")
            continue
        metadata = row.get("metadata") or {}
        if not isinstance(metadata, dict):
            problems.append(f"{where}: 'metadata' must be a mapping.")
            continue
        raw_id = row.get("id")
        item_id = (
            str(raw_id)
            if raw_id not in (None, "")
            else content_id(row["input"], row.get("expected_output"))
        )
        if item_id in first_seen:
            problems.append(
                f"{where}: duplicate item id {quoted(item_id)}, first used at "
                f"{first_seen[item_id]}; give each item a unique id."
            )
            continue
        expected_scores = reference_scores(row.get("expected_scores"), where, problems)
        first_seen[item_id] = where
        if keep is None or keep(item_id):
            items.append(
                Item(
                    item_id,
                    row["input"],
                    row.get("expected_output"),
                    metadata,
                    where,
                    expected_scores=expected_scores,
                )
            )
            if positions is not None:
                positions.append(position)
        position += 1
    if positions is not None:
        positions.append(position)
    return tuple(items)


def reference_scores(value: Any, where: str, problems: list[str]) -> dict[str, float]:
    """An item's ``expected_scores``: score names to numbers (judges and scales are checked
    once the evaluators are known: execute/reference_scores.py)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        problems.append(
            f"{where}: 'expected_scores' must be a mapping of judge score names to numbers "
            "(expected_scores: {correctness: 8})."
        )
        return {}
    found: dict[str, float] = {}
    for name, score in value.items():
        if isinstance(score, bool) or not isinstance(score, (int, float)) or not isfinite(score):
            problems.append(
                f"{where}: expected_scores[{quoted(str(name))}]: {json_quoted(score)} is not a "
                "number; give the score the judge should give, on its scale."
            )
            continue
        found[str(name)] = float(score)
    return found
