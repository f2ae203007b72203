"""Bounds on what one report holds, in one place: a run's text is untrusted and can be any size
(an error message of 200,000 characters, a model's whole reply), while a report must stay
readable and small. The run record keeps every text whole; reports show the start of it.

:func:`bounded` is the one cut for a text the run record keeps whole and a report shows in
part (an error message, a JUnit case's body): it says how much was left out. Short fields
(an input, an output in an item's details) are cut with ``…`` alone (``text.shorten``).
"""

from __future__ import annotations

from scoregate.values import scrub

ERROR_CHARS = 500
"""Characters of an error message a report shows."""
FIELD_CHARS = 500
"""Characters of one input, expected or output shown in an item's details."""
CASE_CHARS = 8_000
"""Characters of the body of one JUnit test case: item details stop before it."""
IDS_SHOWN = 50
"""Item ids listed in a failing JUnit case; the rest are counted."""


def bounded(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, saying how much was left out; its secrets
    are scrubbed first, so that no piece of one is left at the cut."""
    text = scrub.text(text)
    if len(text) <= limit:
        return text
    if limit < 80:
        return text[: max(limit - 1, 0)] + "…"
    keep = max(limit - len(_note(len(text))), 0)  # the widest note: never past the limit
    return (text[:keep] + _note(len(text) - keep))[:limit]


def _note(left_out: int) -> str:
    return f"… ({left_out:,} more characters in the run record)"
