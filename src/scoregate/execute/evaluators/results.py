"""Turn what an evaluator returned into canonical scores.

Accepted: a number, a bool, a dict (``name``, ``value``, ``comment``), an object with
``name``/``value``/``comment`` (Langfuse's ``Evaluation``), or a list of those.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from typing import Any

from scoregate.values.model import Score
from scoregate.values.storable import is_numpy_bool, safe_repr, stored_raw


def normalise(raw: Any, scale: tuple[float, float] | None) -> tuple[float | None, str | None]:
    """(value, error). On a declared scale the value is canonical 0-1, and one outside the
    scale is an error, never clamped; without a scale it is the number itself (a bool is 1 or
    0), as Langfuse has scores. A number is anything ``numbers.Real`` accepts (numpy's too);
    numpy's bool is a bool."""
    if isinstance(raw, bool) or is_numpy_bool(raw):
        value = 1.0 if raw else 0.0
        return value, None
    if not isinstance(raw, numbers.Real):
        return (
            None,
            f"returned {type(raw).__name__} {_start(raw)!r}; a score must be a number or a bool",
        )
    number = float(raw)
    if math.isnan(number) or math.isinf(number):
        return None, f"returned {number}; a score must be a finite number"
    if scale is None:
        return number, None
    low, high = scale
    if not low <= number <= high:
        declared = f"its scale {format_number(low)}-{format_number(high)}"
        return None, f"value {format_number(number)} is outside {declared}"
    return (number - low) / (high - low), None


def _start(raw: Any) -> str:
    """The first 80 characters of a value's text (its repr() when it is not text)."""
    return (raw if isinstance(raw, str) else safe_repr(raw))[:80]


def format_number(x: float) -> str:
    return f"{x:g}"


def to_scores(
    result: Any, default_name: str, scale: tuple[float, float] | None
) -> tuple[Score, ...]:
    candidates = result if isinstance(result, (list, tuple)) else [result]
    scores = []
    for index, candidate in enumerate(candidates):
        name, raw, comment = _unpack(
            candidate, default_name if index == 0 else f"{default_name}.{index}"
        )
        value, error = normalise(raw, scale)
        scores.append(
            Score(
                name,
                value,
                raw=stored_raw(raw),  # numpy's numbers as Python's; NaN as the text "nan"
                scale=scale,
                comment=comment,
                error=error and f"{name}: {error}",
            )
        )
    return tuple(scores)


def _unpack(candidate: Any, default_name: str) -> tuple[str, Any, str | None]:
    if isinstance(candidate, Mapping):
        comment = candidate.get("comment")
        return str(candidate.get("name") or default_name), candidate.get("value"), _text(comment)
    if hasattr(candidate, "value") and not isinstance(candidate, (int, float)):
        name = getattr(candidate, "name", None) or default_name
        return str(name), candidate.value, _text(getattr(candidate, "comment", None))
    return default_name, candidate, None


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
