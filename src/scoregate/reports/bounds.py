"""Bounds on what one report holds: a run's text is untrusted and can be any size (an error
message of 200,000 characters, a model's whole reply), while a report must stay readable
and small. The run record keeps every text whole; reports show the start of it."""

from __future__ import annotations

ERROR_CHARS = 500
"""Characters of an error message a report shows."""
CASE_CHARS = 8_000
"""Characters of the body of one JUnit test case."""


def bounded(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, saying how much was left out."""
    if len(text) <= limit:
        return text
    if limit < 80:
        return text[: max(limit - 1, 0)] + "…"
    keep = max(limit - len(_note(len(text))), 0)  # the widest note: never past the limit
    return (text[:keep] + _note(len(text) - keep))[:limit]


def _note(left_out: int) -> str:
    return f"… ({left_out:,} more characters in the run record)"
