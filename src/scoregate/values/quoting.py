"""Values quoted in messages: escaped, and never more than ``LIMIT`` characters of them.

A config or a dataset can hold a value of megabytes; a message that printed it whole would
bury the point (and a terminal). A quoted value is its first ``LIMIT`` characters, an
ellipsis and its length: ``'aaaa…' (5,000,000 characters)``. Quoting escapes line breaks and
other control characters, so a value from a dataset cannot start a line of its own in a log
(where ``::error::`` would be a GitHub Actions command).
"""

from __future__ import annotations

import json
import re
from typing import Any

LIMIT = 80
"""Characters of a value a message shows."""
MESSAGE_LIMIT = 300
"""Characters of a third party's message (jsonschema, PyYAML) a message shows."""

# A Python or JSON string literal inside a message (the unrolled form: linear time).
_LITERAL = re.compile(r"'[^'\\]*(?:\\.[^'\\]*)*'|\"[^\"\\]*(?:\\.[^\"\\]*)*\"", re.DOTALL)


def quoted(value: str) -> str:
    """``value`` as Python writes a string (``'text'``), shortened to ``LIMIT`` characters."""
    return _shorten(value, repr)


def json_quoted(value: Any) -> str:
    """``value`` as JSON (``"text"``, ``1.5``, ``true``), shortened to ``LIMIT`` characters."""
    if isinstance(value, str):
        return _shorten(value, json.dumps)
    return clip(json.dumps(value, default=str))


def clip(text: str, limit: int = LIMIT) -> str:
    """``text`` as it is, or its first ``limit`` characters, an ellipsis and its length."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text):,} characters)"


def shorten_message(message: str) -> str:
    """Another library's message (which quotes values whole) with each long literal shortened.

    jsonschema writes ``'aaaa…aaa' is too long`` with the whole value; PyYAML quotes anchors
    and tags. Literals longer than ``LIMIT`` are shortened where they stand, then the message
    as a whole is clipped to ``MESSAGE_LIMIT`` (a mapping of a million short keys is long too).
    """
    if len(message) > LIMIT:
        message = _LITERAL.sub(_shorten_literal, message)
    return clip(message, MESSAGE_LIMIT)


def _shorten(value: str, write: Any) -> str:
    if len(value) <= LIMIT:
        return str(write(value))
    head = str(write(value[:LIMIT]))
    return f"{head[:-1]}…{head[-1]} ({len(value):,} characters)"


def _shorten_literal(match: re.Match[str]) -> str:
    literal = match.group(0)
    if len(literal) <= LIMIT + 2:
        return literal
    return f"{literal[: LIMIT + 1]}…{literal[-1]} ({len(literal) - 2:,} characters)"
