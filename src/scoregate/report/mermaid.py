"""The markdown report's chart: each 0-1 score's baseline and candidate means as a Mermaid
``xychart-beta`` that GitHub draws in the PR comment and the job summary.

Mermaid's xychart cannot put two bar series side by side (it draws them on top of each other,
so a lower bar hides behind a higher one) and has no legend. So the chart has one bar series
and two bars per score, one after the other, each labelled with what it is: ``accuracy
(baseline)`` then ``accuracy (candidate)``. No bar can hide another, and the labels are the
legend; a line under the chart says what the figures are. Mermaid leaves out every label of an
axis when one is too long for it, so the chart is wide, grows in height with its bars, and
each name is cut to fit :data:`NAME_WIDTH`.

Score and experiment names are untrusted. A Mermaid string has no escape for its quote, so the
characters that could end the string or mean something to Mermaid before it parses (``"``;
``#``, which starts an entity; ``%``, which starts a directive anywhere; ``:``, which its
``style`` clean-up looks for; ``<>&``) are written as numeric entities (``#34;`` for ``"``),
which Mermaid turns back into the characters when it draws. Control characters and line
breaks are shown as escapes (``\\n``), so a name is one line inside its string: it cannot end
the string, the statement, the code fence or the diagram.
"""

from __future__ import annotations

import math
import re
import unicodedata

from scoregate.report.codespan import code
from scoregate.report.text import one_line
from scoregate.values.figures import figure
from scoregate.values.model import Comparison, ScoreComparison

NAME_WIDTH = 26
"""How wide a score name in a bar's label may be, in narrow characters: a wide one (an emoji,
a CJK character) counts 2, an entity 7 (Mermaid measures a label before it turns entities
back into characters). Labels of that width, and ``(candidate)``, fit beside a 900-pixel chart."""
WIDTH = 900
"""The chart's width in pixels; its left half holds the labels."""

_SPECIAL = re.compile(r'["#%:;<>&]')


def _width(text: str) -> int:
    return sum(
        7 if _SPECIAL.match(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1
        for c in text
    )


def label(text: str, width: int = NAME_WIDTH) -> str:
    """``text`` made safe inside a Mermaid double-quoted string: one line (controls shown as
    escapes, secrets scrubbed), cut to ``width`` (ending ``…``), and ``"#%:;<>&`` written as
    Mermaid numeric entities (``"`` becomes ``#34;``)."""
    limit = width
    shown = one_line(text, limit)
    while limit > 1 and _width(shown) > width:
        limit -= 1
        shown = one_line(text, limit)
    return _SPECIAL.sub(lambda found: f"#{ord(found.group(0))};", shown)


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
        labels += [f"{name} (baseline)", f"{name} (candidate)"]
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
    height = max(400, 32 * len(values) + 140)
    return [
        "```mermaid",
        "---",
        "config:",
        "  xyChart:",
        f"    width: {WIDTH}",
        f"    height: {height}",
        "---",
        "xychart-beta horizontal",
        f'    title "{label(comparison.experiment, 60)}, mean per score, baseline then candidate"',
        f"    x-axis [{axis}]",
        '    y-axis "mean over ' + over + ' (0 to 1)" 0 --> 1',
        f"    bar [{', '.join(values)}]",
        "```",
        "",
        f"_Chart: two bars per score, its baseline mean over {over} and then its candidate mean; "
        "the table gives the paired delta with its 95% interval and p._" + note,
        "",
    ]
