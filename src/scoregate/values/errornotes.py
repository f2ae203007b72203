"""What the errors of a candidate did to one score's figures, in words every report shares.

An app error (the task or an evaluator raised) counts as 0, the worst value of a 0-1 score;
on a plain score (a number in its own units, with no worst value) it is left out instead. A
sample lost to an outage (the model server unreachable, retries exhausted, a model call's
timeout) is left out, and an item with no other sample is left out of the pairs. Each is said
wherever the figures are shown.
"""

from __future__ import annotations

from scoregate.values.model import ScoreComparison


def counted_as_zero(score: ScoreComparison) -> str:
    """``3 errored samples counted as 0``, or "" when none was."""
    n = score.counted_as_zero
    if not n:
        return ""
    return f"{n} errored sample{'s' if n != 1 else ''} counted as 0"


def errors_left_out(score: ScoreComparison) -> str:
    """``2 errored samples left out: a plain score has no worst value``, or ""."""
    n = score.errors_left_out
    if not n:
        return ""
    return (
        f"{n} errored sample{'s' if n != 1 else ''} left out: a plain score has no worst value "
        f"to count {'them' if n != 1 else 'it'} as"
    )


def left_out(score: ScoreComparison) -> str:
    """``2 items left out of the pairs: lost to an outage ...``, or "" when none was."""
    n = score.left_out
    if not n:
        return ""
    return (
        f"{n} item{'s' if n != 1 else ''} left out of the pairs: {'its' if n == 1 else 'their'} "
        "samples were lost to an outage (model server unreachable, retries exhausted or "
        "timed out), not to the app"
    )


def pairs_note(score: ScoreComparison) -> str:
    """Each, joined with "; ", or "" when the errors changed nothing."""
    parts = (counted_as_zero(score), errors_left_out(score), left_out(score))
    return "; ".join(part for part in parts if part)
