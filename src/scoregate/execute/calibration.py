"""A judge's calibration file: outputs with the score a person gave them, scored by the judge
in the run so its agreement with them can be reported and gated.

A row is ``{"input": ..., "output": ..., "expected_score": 8}``, with optional ``id``,
``expected_output`` and ``metadata`` (what the judge prompt may name). The rows are read and
checked before anything runs (each problem names its file and line); the judge scores them
after the items, through the same provider (its cache, its limits, its cost budget), and
each row's reference and judged score go into the run record's ``metadata.reference_scores``.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from scoregate.config.limits import first_problems
from scoregate.config.model import DatasetConfig, EvaluatorConfig
from scoregate.execute.datasets import content_id, read_rows
from scoregate.execute.evaluators.evaluator import Evaluator
from scoregate.values import scrub
from scoregate.values.agreement import REFERENCE_SCORES
from scoregate.values.errors import ConfigError
from scoregate.values.figures import figure
from scoregate.values.model import Item
from scoregate.values.quoting import json_quoted, quoted

ROW_FIELDS = ("id", "input", "output", "expected_output", "expected_score", "metadata")


@dataclass(frozen=True, slots=True)
class Row:
    item: Item
    output: Any
    expected: float


T = TypeVar("T")
Calibration = Mapping[str, tuple[Row, ...]]
"""Per judge score name, its calibration rows."""


def load(configs: Sequence[EvaluatorConfig], root: Path) -> Calibration:
    """Every judge's calibration rows, checked; a ConfigError names each problem."""
    found: dict[str, tuple[Row, ...]] = {}
    problems: list[str] = []
    for config in configs:
        if config.kind != "judge" or config.calibration is None:
            continue
        name = config.name or "judge"
        scale = config.scale or (0.0, 10.0)
        found[name] = _rows(config.calibration, scale, root, problems)
    if problems:
        raise ConfigError(first_problems(problems, "the calibration files"))
    return found


def _rows(
    dataset: DatasetConfig, scale: tuple[float, float], root: Path, problems: list[str]
) -> tuple[Row, ...]:
    if dataset.path.suffix.lower() == ".csv":
        problems.append(
            f"{dataset.where}: a calibration file is JSONL, JSON or YAML (its outputs keep "
            "their types); convert the CSV."
        )
        return ()
    shown, raw_rows, found = read_rows(dataset, display_root=root)
    problems.extend(found)
    rows: list[Row] = []
    seen: set[str] = set()
    for where, row in raw_rows:
        if not isinstance(row, dict):
            problems.append(
                f"{where}: a calibration row must be a mapping with input, output "
                "and expected_score."
            )
            continue
        unknown = [str(k) for k in row if k not in ROW_FIELDS]
        missing = [k for k in ("input", "output", "expected_score") if k not in row]
        if unknown or missing:
            what = "; ".join(
                ([f"unknown field {', '.join(quoted(k) for k in unknown)}"] if unknown else [])
                + ([f"no {', '.join(missing)}"] if missing else [])
            )
            problems.append(f"{where}: {what}; a calibration row has {', '.join(ROW_FIELDS)}.")
            continue
        expected = row["expected_score"]
        low, high = scale
        if (
            isinstance(expected, bool)
            or not isinstance(expected, (int, float))
            or not (math.isfinite(expected) and low <= expected <= high)
        ):
            problems.append(
                f"{where}: expected_score {json_quoted(expected)} is not a number on the "
                f"judge's scale [{figure(low, True)}, {figure(high, True)}]."
            )
            continue
        metadata = row.get("metadata") or {}
        if not isinstance(metadata, dict):
            problems.append(f"{where}: 'metadata' must be a mapping.")
            continue
        raw_id = row.get("id")
        row_id = (
            str(raw_id) if raw_id not in (None, "") else content_id(row["input"], row["output"])
        )
        if row_id in seen:
            problems.append(f"{where}: duplicate id {quoted(row_id)}; give each row its own id.")
            continue
        seen.add(row_id)
        item = Item(row_id, row["input"], row.get("expected_output"), metadata, where)
        rows.append(Row(item, row["output"], float(expected)))
    if not rows and not problems:
        problems.append(f"{shown}: the calibration file has no rows.")
    return tuple(rows)


async def score(
    calibration: Calibration, evaluators: Sequence[Evaluator]
) -> dict[str, list[dict[str, Any]]]:
    """Each judge's score of each of its rows (``judged`` None, with the error, when the
    judge failed on it)."""
    by_name = {d.name: e for e in evaluators for d in e.score_defs() if d.kind == "judge"}
    out: dict[str, list[dict[str, Any]]] = {}
    for name, rows in calibration.items():
        evaluator = by_name.get(name)
        if evaluator is None:
            continue
        calls: list[Awaitable[Any]] = [evaluator.call(row.item, row.output) for row in rows]
        import asyncio  # here: validate imports this module, and needs no event loop

        replies = await asyncio.gather(*calls)
        found = []
        for row, reply in zip(rows, replies, strict=True):
            judged = next((s for s in evaluator.scores(reply) if s.name == name), None)
            entry: dict[str, Any] = {
                "id": row.item.id,
                "expected": row.expected,
                "judged": None,
                "source": "calibration",
            }
            if judged is not None and judged.error is None and judged.raw is not None:
                entry["judged"] = float(judged.raw)
            else:
                entry["error"] = scrub.text(judged.error or "no score" if judged else "no score")
            usage = judged.usage if judged is not None else None
            if usage is not None:  # kept with the row; not in the run's totals
                entry["usage"] = {
                    "calls": usage.calls,
                    "cache_hits": usage.cache_hits,
                    "tokens": usage.prompt_tokens + usage.completion_tokens,
                    "cost": round(usage.cost, 8),
                }
            found.append(entry)
        out[name] = found
    return out


async def then_score(
    work: Awaitable[T],
    calibration: Calibration,
    evaluators: Sequence[Evaluator],
    into: dict[str, Any],
) -> T:
    """``work`` (the items), then the calibration rows; their results put ``into`` a dict
    that becomes part of the run record's metadata."""
    done = await work
    if calibration:
        into[REFERENCE_SCORES] = await score(calibration, evaluators)
    return done
