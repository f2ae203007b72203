"""The HTML report's charts as geometry: the template draws them as inline SVG.

Per score, one chart nobody can misread: two labelled horizontal bars on one axis (baseline
grey, candidate blue, each with its value written at its end and a legend above), and under
them the paired delta as a point with its confidence interval against a zero line, written
out in words. Per score with history, a line of each run's mean, oldest first, this run last.
Numbers are computed here; every label is text the template escapes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from scoregate.values.figures import figure, signed
from scoregate.values.model import ScoreComparison
from scoregate.values.numbers import delta_text

WIDTH = 420
LEFT = 92
"""Room for the row labels."""
RIGHT = 64
"""Room for the value written after a bar."""
PLOT = WIDTH - LEFT - RIGHT


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: str
    y: int
    width: float
    kind: str
    """``baseline`` or ``candidate``: the colour and the legend's entry."""


@dataclass(frozen=True, slots=True)
class Interval:
    """The paired delta: its point, its interval and the zero line, in pixels."""

    zero: float
    low: float
    high: float
    point: float
    direction: str
    """``worse`` (the whole interval below 0), ``better`` (above) or ``unclear``."""
    text: str
    axis: tuple[str, str]


@dataclass(frozen=True, slots=True)
class ScoreChart:
    name: str
    bars: tuple[Bar, ...]
    ticks: tuple[tuple[float, str], ...]
    interval: Interval | None
    height: int
    note: str
    """What the bars are the means of."""


def _scale_top(values: Sequence[float], plain: bool) -> float:
    if not plain:
        return 1.0
    top = max((abs(v) for v in values), default=1.0)
    return top or 1.0


def score_chart(score: ScoreComparison) -> ScoreChart | None:
    """The chart of one score; None when the candidate has no value of it."""
    if score.candidate is None:
        return None
    plain = score.plain
    if score.paired_means is not None:
        before: float | None
        before, now = score.paired_means
        note = f"means over the {score.delta.n if score.delta else 0} items in both runs"
    else:
        before = score.baseline.mean if score.baseline else None
        now = score.candidate.mean
        note = "means of each run" if before is not None else "no baseline to compare with"
    shown = [v for v in (before, now) if v is not None]
    top = _scale_top(shown, plain)
    low = min(0.0, *shown) if plain else 0.0
    span = (top - low) or 1.0

    def width(value: float) -> float:
        return round(PLOT * (value - low) / span, 1)

    bars = []
    y = 28
    if before is not None:
        bars.append(Bar("baseline", figure(before, plain), y, width(before), "baseline"))
        y += 26
    bars.append(Bar("candidate", figure(now, plain), y, width(now), "candidate"))
    y += 26
    ticks = tuple(
        (round(LEFT + PLOT * i / 4, 1), figure(low + span * i / 4, plain)) for i in range(5)
    )
    interval = _interval(score)
    height = y + 18 + (44 if interval else 0)
    return ScoreChart(score.name, tuple(bars), ticks, interval, height, note)


def _interval(score: ScoreComparison) -> Interval | None:
    d = score.delta
    if d is None:
        return None
    reach = max(abs(d.ci_low), abs(d.ci_high), abs(d.mean_delta)) or 1.0
    reach *= 1.1

    def x(value: float) -> float:
        return round(LEFT + PLOT * (value + reach) / (2 * reach), 1)

    if d.ci_high < 0:
        direction = "worse"
    elif d.ci_low > 0:
        direction = "better"
    else:
        direction = "unclear"
    return Interval(
        zero=x(0.0),
        low=x(d.ci_low),
        high=x(d.ci_high),
        point=x(d.mean_delta),
        direction=direction,
        text=f"Δ {delta_text(score)}",
        axis=(signed(-reach, score.plain), signed(reach, score.plain)),
    )


@dataclass(frozen=True, slots=True)
class TrendPoint:
    x: float
    y: float
    label: str
    value: str
    current: bool


@dataclass(frozen=True, slots=True)
class TrendChart:
    name: str
    points: tuple[TrendPoint, ...]
    path: str
    """The SVG polyline's points."""
    top: str
    bottom: str
    height: int


def trend_chart(
    name: str, runs: Sequence[tuple[str, float | None, bool]], plain: bool
) -> TrendChart:
    """A line of each run's mean of ``name``: (label, mean or None, is this run), oldest first."""
    found = [(label, mean, current) for label, mean, current in runs if mean is not None]
    values = [mean for _, mean, _ in found]
    if plain:
        high = max(values, default=1.0)
        low = min(values, default=0.0)
        if high == low:
            high, low = high + 1, low - 1
    else:
        high, low = 1.0, 0.0
    height, top_y, plot_h = 150, 16, 96
    step = PLOT / max(len(found) - 1, 1)
    points = []
    for index, (label, mean, current) in enumerate(found):
        assert mean is not None
        x = round(LEFT + step * index, 1)
        y = round(top_y + plot_h * (high - mean) / (high - low), 1)
        points.append(TrendPoint(x, y, label, figure(mean, plain), current))
    path = " ".join(f"{p.x},{p.y}" for p in points)
    return TrendChart(name, tuple(points), path, figure(high, plain), figure(low, plain), height)
