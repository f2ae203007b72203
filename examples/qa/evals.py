"""A user-written evaluator, in Langfuse's evaluator convention."""

from __future__ import annotations

from typing import Any


def concise(
    *, input: Any, output: Any, expected_output: Any = None, **kwargs: Any
) -> dict[str, Any]:
    """Rates brevity from 0 to 10: an answer of more than 20 words gets 0."""
    words = len(str(output).split())
    value = max(0, 10 - max(0, words - 1) // 2)
    return {"name": "concise", "value": value, "comment": f"{words} words"}
