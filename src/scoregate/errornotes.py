"""What the errors of a candidate did to one score's figures, in words every report shares.

An app error (the task or an evaluator raised) counts as 0; a sample lost to an outage (the
model server unreachable, retries exhausted, a model call's timeout) is left out, and an item
with no other sample is left out of the pairs. Both are said wherever the figures are shown.
"""

from __future__ import annotations

from scoregate.model import ScoreComparison


def counted_as_zero(score: ScoreComparison) -> str:
    """``3 errored samples counted as 0``, or "" when none was."""
    n = score.counted_as_zero
    if not n:
        return ""
    return f"{n} errored sample{'s' if n != 1 else ''} counted as 0"


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
    """Both, joined with "; ", or "" when the errors changed nothing."""
    return "; ".join(part for part in (counted_as_zero(score), left_out(score)) if part)
