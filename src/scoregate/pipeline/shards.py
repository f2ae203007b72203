"""Split a run across CI jobs and join the pieces.

An item belongs to shard ``I/N`` by a hash of its id, so a slice does not change when items
are added elsewhere. ``merge`` joins the shards of one run and refuses anything else.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any

from scoregate.record import store
from scoregate.record.itemlines import LazyItems
from scoregate.record.joined import JoinedItems
from scoregate.values.errors import ConfigError
from scoregate.values.model import Item, ItemResult, RunRecord


def parse(text: str) -> tuple[int, int]:
    """``"2/4"`` → ``(2, 4)``; shards count from 1."""
    try:
        index_text, count_text = text.split("/")
        index, count = int(index_text), int(count_text)
    except ValueError:
        raise ConfigError(f"--shard {text}: expected I/N, for example 1/4.") from None
    if count < 1 or not 1 <= index <= count:
        raise ConfigError(f"--shard {text}: I must be between 1 and N, and N at least 1.")
    return index, count


def shard_of(item_id: str, count: int) -> int:
    digest = hashlib.sha256(item_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % count + 1


def select(items: Sequence[Item], index: int, count: int) -> tuple[tuple[Item, ...], list[int]]:
    """The items of shard ``index``/``count`` and their positions in the whole dataset."""
    chosen = [(i, item) for i, item in enumerate(items) if shard_of(item.id, count) == index]
    return tuple(item for _, item in chosen), [i for i, _ in chosen]


def dataset_digest(items: Sequence[Item]) -> str:
    """Identifies the whole dataset a shard was cut from (ids and contents, in order)."""
    h = hashlib.sha256()
    encode = json.JSONEncoder(sort_keys=True, default=repr).encode
    for item in items:
        h.update(encode([item.id, item.input, item.expected_output]).encode())
        h.update(b"\n")
    return h.hexdigest()[:16]


def _identity(record: RunRecord) -> dict[str, Any]:
    """What the shards of one run share. The dataset is compared by its items' digest, never
    by its path: older records kept the machine's absolute path, newer ones the path from the
    config's folder, and both can name the same file."""
    return {
        "config": record.config_digest,
        "dataset": record.dataset.get("digest"),
        "commit": record.git.get("commit"),
        "repeats": record.repeats,
    }


def _absolute(dataset: Mapping[str, Any]) -> bool:
    path = dataset.get("path")
    return isinstance(path, str) and (
        PurePosixPath(path).is_absolute() or PureWindowsPath(path).is_absolute()
    )


def _positions(record: RunRecord) -> list[int]:
    return record.metadata.get("positions") or list(range(len(record.items)))


def _joined(records: Sequence[tuple[str, RunRecord]]) -> Sequence[ItemResult]:
    """The shards' items in the whole run's order, each item id in one shard only.

    Shards read from their files are joined without parsing an item: their score tables
    give the ids, and the joined record copies their lines (record/joined.py)."""
    parts = [r.items for _, r in records]
    whole = all(len(_positions(r)) == len(r.items) for _, r in records)
    if whole and all(isinstance(p, LazyItems) and p for p in parts):
        ids = [p.table.ids for p in parts if isinstance(p, LazyItems)]
        if sum(map(len, ids)) == len(set().union(*ids)):
            lazy = [p for p in parts if isinstance(p, LazyItems)]
            return JoinedItems(lazy, [_positions(r) for _, r in records])
    problems: list[str] = []
    positioned: list[tuple[int, ItemResult]] = []
    seen: dict[str, str] = {}
    for where, record in records:
        for position, result in zip(_positions(record), record.items, strict=True):
            if result.item.id in seen:
                problems.append(
                    f"{where}: item '{result.item.id}' is also in {seen[result.item.id]}."
                )
            seen[result.item.id] = where
            positioned.append((position, result))
    if problems:
        raise ConfigError(problems)
    positioned.sort(key=lambda pair: pair[0])
    return tuple(result for _, result in positioned)


def merge(records: Sequence[tuple[str, RunRecord]]) -> RunRecord:
    """Join the shard records (``(where, record)``) of one experiment's run into one record."""
    if not records:
        raise ConfigError("merge needs at least one run record.")
    problems: list[str] = []
    first_where, first = records[0]
    want = _identity(first)
    slices: dict[int, str] = {}
    count = None
    for where, record in records:
        if record.shard is None:
            problems.append(f"{where}: not a shard (it was run without --shard).")
            continue
        index, n = parse(record.shard)
        if count is None:
            count = n
        elif n != count:
            problems.append(
                f"{where}: shard {record.shard} is of a {n}-way split; {first_where} is {count}-way."
            )
        got = _identity(record)
        for key, value in want.items():
            if got[key] != value:
                problems.append(
                    f"{where}: different {key} ({got[key]}) from {first_where} ({value}); "
                    "merge only the shards of one run."
                )
        if index in slices:
            problems.append(f"{where}: shard {record.shard} is duplicated (also {slices[index]}).")
        slices[index] = where
    if count is not None:
        missing = [f"{i}/{count}" for i in range(1, count + 1) if i not in slices]
        if missing:
            problems.append(
                f"missing shard{'s' if len(missing) > 1 else ''} {', '.join(missing)} of {first.experiment}."
            )
    if problems:
        raise ConfigError(problems)
    items = _joined(records)
    warnings = tuple(w for _, r in records for w in r.warnings)
    metadata = {k: v for k, v in first.metadata.items() if k != "positions"}
    metadata["merged_from"] = [r.run_id for _, r in records]
    # One interrupted shard makes the whole run partial: it cannot pass unless allowed.
    metadata["partial"] = any(r.metadata.get("partial") is True for _, r in records)
    # Keep a dataset path from the config's folder when a shard has one (an old one may not).
    dataset = next((r.dataset for _, r in records if not _absolute(r.dataset)), first.dataset)
    # Evaluators name their scores as they run: a shard may hold a score another did not.
    score_defs = {name: d for _, r in records for name, d in r.score_defs.items()}
    return replace(
        first,
        score_defs=score_defs,
        dataset=dataset,
        run_id=store.new_run_id(),
        items=items,
        shard=None,
        started_at=min(r.started_at for _, r in records),
        finished_at=max(r.finished_at for _, r in records),
        warnings=warnings,
        metadata=metadata,
    )
