"""Items, not item-score pairs: each regressed (or flaky) item once, with the scores it
regressed on, in the order the scores and items come."""

from __future__ import annotations

from scoregate.values.model import Comparison, ScoreComparison


def regressed_items(comparison: Comparison) -> list[tuple[str, tuple[ScoreComparison, ...]]]:
    """Every item that passed in the baseline and fails now on one score or more."""
    found: dict[str, list[ScoreComparison]] = {}
    for score in comparison.scores:
        for item_id in score.regressed:
            found.setdefault(item_id, []).append(score)
    return [(item_id, tuple(scores)) for item_id, scores in found.items()]


def flaky_items(comparison: Comparison) -> list[tuple[str, tuple[ScoreComparison, ...]]]:
    """Every item whose pass/fail differs across repeats on one score or more."""
    found: dict[str, list[ScoreComparison]] = {}
    for score in comparison.scores:
        for item_id in score.flaky:
            found.setdefault(item_id, []).append(score)
    return [(item_id, tuple(scores)) for item_id, scores in found.items()]


def counted(count: int, noun: str) -> str:
    """``1 regressed item``, ``3 regressed items``."""
    return f"{count} {noun}{'' if count == 1 else 's'}"
