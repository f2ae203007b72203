"""What a run record can hold, decided when a value is collected, not when the file is written.

A run record is strict JSON (``JSON.parse`` reads it): no ``NaN`` or ``Infinity`` tokens, no
circular structures. Numbers that ``numbers.Real`` accepts (numpy's too) and numpy's bool are
stored as JSON numbers and booleans; any other object is stored as its ``repr()``, as text.

- :func:`output_problem` checks a task's output as the engine collects it; an output that
  cannot be stored becomes that sample's error, with its ``repr()`` (or a placeholder naming
  its type, when ``repr()`` itself fails) kept as the output.
- :func:`stored_raw` turns what an evaluator returned into a value the record can hold.
- :func:`dumps` is the record writer's encoder; should a value still slip through (a NaN in
  a dataset row, an output changed after it was checked), it is stored converted (``"NaN"``,
  ``"<circular reference>"``) rather than crash the write or break the file.
"""

from __future__ import annotations

import json
import math
import numbers
import re
from typing import Any

_PLAIN = (str, int, bool, type(None))


def is_numpy_bool(value: Any) -> bool:
    kind = type(value)
    return kind.__module__ == "numpy" and kind.__name__ in ("bool", "bool_")


class Unrepresentable(Exception):
    """An object whose ``repr()`` raised: it cannot be stored, not even as text."""

    def __init__(self, value: Any, cause: BaseException) -> None:
        self.kind = type(value).__name__
        self.cause = cause
        super().__init__(f"an object of type {self.kind} whose repr() raised {_describe(cause)}")


def _describe(exc: BaseException) -> str:
    text = str(exc).strip() if not isinstance(exc, RecursionError) else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def safe_repr(value: Any) -> str:
    """``repr(value)``, or ``<Bad object: repr() failed>`` when that raises."""
    try:
        return repr(value)
    except Exception:
        return f"<{type(value).__name__} object: repr() failed>"


def _fallback(value: Any) -> Any:
    """The encoder's ``default``: numbers as numbers, numpy's bool as a bool, else repr()."""
    if is_numpy_bool(value):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    try:
        return repr(value)
    except Exception as exc:
        raise Unrepresentable(value, exc) from exc


_strict = json.JSONEncoder(
    ensure_ascii=False, allow_nan=False, default=_fallback, separators=(",", ":")
).encode


def problem_of(value: Any) -> str | None:
    """Why ``value`` cannot be stored in a run record, or None when it can."""
    kind = type(value)
    if kind in _PLAIN:
        return None
    if kind is float:
        return None if math.isfinite(value) else _NOT_FINITE
    try:
        _strict(value)
    except Unrepresentable as exc:
        return f"it is {exc}"
    except RecursionError:
        return "it is nested too deeply (or contains itself)"
    except ValueError as exc:
        if "ircular" in str(exc):
            return "it contains itself (a circular reference)"
        return _NOT_FINITE
    except Exception as exc:
        return f"it could not be encoded as JSON ({_describe(exc)})"
    return None


_NOT_FINITE = "it is or holds NaN or an infinity, which JSON has no number for"


def output_problem(output: Any) -> tuple[Any, str | None]:
    """(what to store as the sample's output, the sample's error or None).

    A storable output is stored as it is; any other is stored as its ``repr()`` (a
    placeholder naming its type when that fails) and the sample is an error.
    """
    problem = problem_of(output)
    if problem is None:
        return output, None
    fix = (
        "Return None (or text) where a number is missing"
        if problem == _NOT_FINITE
        else "Return plain data (text, finite numbers, lists and dicts of them)"
    )
    message = (
        f"the task's output cannot be stored in the run record: {problem}. {fix}; its repr() "
        "is stored instead."
    )
    return safe_repr(output), message


def stored_raw(value: Any) -> Any:
    """What an evaluator returned, as the record stores it beside the score.

    Numbers become Python numbers (NaN and infinities their ``repr()``: ``"nan"``); lists
    and dicts the record can hold stay as they are; any other value becomes its ``repr()``.
    """
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is float:
        return value if math.isfinite(value) else repr(value)
    if is_numpy_bool(value):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        number = float(value)
        return number if math.isfinite(number) else repr(number)
    if kind in (dict, list) and problem_of(value) is None:
        return value
    return safe_repr(value)


def plain(value: Any, _seen: frozenset[int] = frozenset()) -> Any:
    """``value`` with everything JSON cannot hold replaced: non-finite numbers by their
    names (``"NaN"``, ``"Infinity"``), a structure inside itself by ``"<circular
    reference>"``, other objects by their ``repr()``."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, (dict, list, tuple)):
        if id(value) in _seen:
            return "<circular reference>"
        seen = _seen | {id(value)}
        if isinstance(value, dict):
            return {
                (k if isinstance(k, str) else str(plain(k))): plain(v, seen)
                for k, v in value.items()
            }
        return [plain(v, seen) for v in value]
    if isinstance(value, str):
        return str(value)
    if is_numpy_bool(value) or isinstance(value, numbers.Real):
        return plain(_fallback(value), _seen)
    return safe_repr(value)


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _escaped_surrogate(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def dumps(value: Any) -> str:
    """Strict, compact JSON of ``value``; what it cannot hold is stored converted (:func:`plain`).

    A lone surrogate (text no UTF-8 file can hold, such as half of a broken emoji) is written as
    its JSON escape, ``\\ud800``, so the line is valid UTF-8 and reads back as the same text.
    """
    try:
        text = _strict(value)
    except Exception:
        text = _strict(plain(value))
    if text.isascii():
        return text
    return _LONE_SURROGATE.sub(_escaped_surrogate, text)
