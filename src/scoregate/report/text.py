"""Shared formatting of values for every report."""

from __future__ import annotations

import json
from typing import Any

from scoregate.values.model import Aggregate, Score


def shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)] + "…"


def as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=repr)


def score_value(score: Score) -> str:
    """``0.82 (8.2/10)`` when a score has a declared scale, else ``0.82``."""
    if score.value is None:
        return "error"
    shown = f"{score.value:.2f}"
    if score.scale and isinstance(score.raw, (int, float)) and not isinstance(score.raw, bool):
        low, high = score.scale
        raw = f"{score.raw:g}/{high:g}" if low == 0 else f"{score.raw:g} on {low:g}-{high:g}"
        shown += f" ({raw})"
    return shown


def aggregate_text(agg: Aggregate | None) -> str:
    if agg is None:
        return "—"
    return f"{agg.mean:.3f}"
