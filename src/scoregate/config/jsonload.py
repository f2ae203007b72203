"""``json.loads`` within ``limits.MAX_DEPTH``, saying where the text goes too deep.

Python's JSON reader recurses once per level and ends in RecursionError somewhere near a
thousand levels; what reads the values afterwards (jsonschema, our own walks) recurses too. A
text nested deeper than the limit is refused with the line and column of the bracket that
goes past it.
"""

from __future__ import annotations

import json
import re
from typing import Any

from scoregate.config.limits import MAX_DEPTH

# A JSON string (skipped whole: brackets inside it do not count) or a bracket.
_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')


class TooDeep(ValueError):
    """Nested more than ``MAX_DEPTH`` levels; ``line`` and ``column`` count from 1."""

    def __init__(self, line: int, column: int) -> None:
        super().__init__(f"nested more than {MAX_DEPTH} levels deep at {line}:{column}")
        self.line = line
        self.column = column


def loads(text: str) -> Any:
    """The value of a JSON text. Raises json.JSONDecodeError, or TooDeep."""
    try:
        value = json.loads(text)
    except RecursionError:
        raise _too_deep(text) from None
    # Depth can exceed the limit only if there are more brackets than the limit.
    if text.count("[") + text.count("{") > MAX_DEPTH and _deeper_than_limit(value):
        raise _too_deep(text)
    return value


def _deeper_than_limit(value: Any) -> bool:
    """Whether lists and mappings nest more than MAX_DEPTH levels (a loop: no recursion)."""
    stack = [(value, 1)] if isinstance(value, dict | list) else []
    while stack:
        container, depth = stack.pop()
        if depth > MAX_DEPTH:
            return True
        children = container.values() if isinstance(container, dict) else container
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def _too_deep(text: str) -> TooDeep:
    depth = 0
    for token in _TOKENS.finditer(text):
        bracket = token.group()
        if bracket in ("[", "{"):
            depth += 1
            if depth > MAX_DEPTH:
                offset = token.start()
                line = text.count("\n", 0, offset) + 1
                return TooDeep(line, offset - text.rfind("\n", 0, offset))
        elif bracket in ("]", "}"):
            depth -= 1
    return TooDeep(1, 1)  # not reached: json.loads found the depth first
