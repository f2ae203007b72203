"""How numbers read, the same in every output: percentages, scores, signed deltas with their
interval and p-value, lists of item ids. The gate writes its checks' explanations with them and
the reports their tables, so they sit with the values both read."""

from __future__ import annotations

from collections.abc import Sequence

from scoregate.values.figures import signed
from scoregate.values.model import ScoreComparison


def pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def num(x: float) -> str:
    return f"{x:.3f}"


def ids(items: Sequence[str], limit: int = 5) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def delta_text(score: ScoreComparison) -> str:
    """``-0.031 [-0.058, -0.004] p=0.02``: the paired delta with its interval and p-value (in
    the score's units for a plain number: ``+2.5 [...]``; ``p=0.02 (rank test)`` with
    ``test: rank``), then, with ``cluster:``,
    ``, clustered by topic (20 clusters)``."""
    d = score.delta
    if d is None:
        return ""
    p = f"p={d.p_worse:.2g}" if d.p_worse >= 0.001 else "p<0.001"
    p += " (rank test)" if d.test == "rank" else ""
    plain = score.plain
    shown = (
        f"{signed(d.mean_delta, plain)} [{signed(d.ci_low, plain)}, {signed(d.ci_high, plain)}] {p}"
    )
    return shown if score.clustering is None else f"{shown}, {score.clustering.text}"
