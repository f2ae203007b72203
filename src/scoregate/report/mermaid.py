"""The markdown report's chart: each 0-1 score's baseline and candidate means as a Mermaid
``xychart-beta`` that GitHub draws in the PR comment and the job summary.

Mermaid's xychart cannot put two bar series side by side (it draws them on top of each other,
so a lower bar hides behind a higher one) and has no legend. So the chart has one bar series
and two bars per score, one after the other, each labelled with what it is: ``accuracy
(baseline)`` then ``accuracy (candidate, -0.050)``. No bar can hide another, and the labels are
the legend; a line under the chart says what the figures are.

Score and experiment names are untrusted. A Mermaid string has no escape for its quote, so
every character of a name but letters, digits and ``_ .,()+-`` is written as a numeric
entity (``#34;`` for ``"``), which Mermaid turns back into the character when it draws:
nothing in a name can end the string, the line, the code fence or the diagram.
"""

from __future__ import annotations

import math
import re

from scoregate.report.codespan import code
from scoregate.report.text import one_line
from scoregate.values.figures import figure, signed
from scoregate.values.model import Comparison, ScoreComparison

NAME_LIMIT = 60
"""How many characters of a score name a bar's label shows."""

_UNSAFE = re.compile(r"[^A-Za-z0-9 _.,()+\-]")


def label(text: str, limit: int = NAME_LIMIT) -> str:
    """``text`` made safe inside a Mermaid double-quoted string: one line (controls shown as
    escapes, secrets scrubbed, cut to ``limit`` characters), every other character but
    ``[A-Za-z0-9 _.,()+-]`` written as a Mermaid numeric entity (``"`` becomes ``#34;``)."""
    return _UNSAFE.sub(lambda found: f"#{ord(found.group(0))};", one_line(text, limit))


def _means(score: ScoreComparison) -> tuple[float, float] | None:
    """The table's figures: the means of the paired items where there are some."""
    if score.paired_means is not None:
        means = score.paired_means
    elif score.baseline is not None and score.candidate is not None:
        means = (score.baseline.mean, score.candidate.mean)
    else:
        return None
    return means if all(math.isfinite(m) for m in means) else None


def _unique(labels: list[str]) -> list[str]:
    """Labels told apart where cutting long names made two the same (Mermaid would draw two
    bars with one label on one place)."""
    seen: set[str] = set()
    out = []
    for text in labels:
        shown, number = text, 2
        while shown in seen:
            shown, number = f"{text} {number}", number + 1
        seen.add(shown)
        out.append(shown)
    return out


def chart(comparison: Comparison) -> list[str]:
    """The chart's markdown lines (a ```` ```mermaid ```` block and its legend, then a blank
    line), or none when there is no baseline or no 0-1 score with both means."""
    if comparison.baseline is None:
        return []
    drawn = [
        (score, means)
        for score in comparison.scores
        if not score.plain and (means := _means(score)) is not None
    ]
    if not drawn:
        return []
    labels: list[str] = []
    values: list[str] = []
    for score, (before, now) in drawn:
        name = label(score.name)
        change = f", {signed(score.delta.mean_delta)}" if score.delta is not None else ""
        labels += [f"{name} (baseline)", f"{name} (candidate{change})"]
        values += [figure(before), figure(now)]
    paired = any(
        s.delta is not None
        and s.baseline is not None
        and s.candidate is not None
        and (s.delta.n, s.delta.n) != (s.baseline.n, s.candidate.n)
        for s, _ in drawn
    )
    over = "the items in both runs" if paired else "the items"
    axis = ", ".join(f'"{text}"' for text in _unique(labels))
    left_out = [s.name for s in comparison.scores if s.plain]
    note = (
        f" Plain numbers ({', '.join(code(n, 60, in_table=False) for n in left_out)}) have "
        "units of their own and are in the table only."
        if left_out
        else ""
    )
    return [
        "```mermaid",
        "xychart-beta horizontal",
        f'    title "{label(comparison.experiment)}, mean per score, baseline then candidate"',
        f"    x-axis [{axis}]",
        '    y-axis "mean over ' + over + ' (0 to 1)" 0 --> 1',
        f"    bar [{', '.join(values)}]",
        "```",
        "",
        f"_Chart: two bars per score, its baseline mean over {over} and then its candidate mean, "
        "with the change; the table gives the paired delta with its 95% interval and p._" + note,
        "",
    ]
