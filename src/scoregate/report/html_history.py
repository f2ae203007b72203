"""Each score's trend over earlier runs (``scoregate report --history``): the mean of every
run, oldest first, this run last, as the HTML report's small line charts."""

from __future__ import annotations

from collections.abc import Sequence

from scoregate.decide.compare import aggregate, columns
from scoregate.record import scoretable
from scoregate.report.html_charts import TrendChart, trend_chart
from scoregate.values.model import Comparison, RunRecord


def _label(record: RunRecord) -> str:
    return record.run_id[:20]


def means_over(comparison: Comparison, history: Sequence[RunRecord]) -> list[TrendChart]:
    """One chart per score of the comparison, over ``history`` (its runs of this experiment,
    in any order; the candidate itself, if among them, once) and the candidate."""
    candidate = comparison.candidate
    earlier = sorted(
        {r.run_id: r for r in history if r.run_id != candidate.run_id}.values(),
        key=lambda r: (r.started_at, r.run_id),
    )
    names = [s.name for s in comparison.scores]
    marks = {s.name: s.pass_mark for s in comparison.scores}
    plain = {s.name for s in comparison.scores if s.plain}
    means: list[dict[str, float | None]] = []
    for record in earlier:
        found = columns(scoretable.of(record), names, marks, count_errors=True, plain=plain)
        row: dict[str, float | None] = {}
        for name in names:
            summary = aggregate(found[name], marks[name])
            row[name] = summary.mean if summary else None
        means.append(row)
    charts = []
    for score in comparison.scores:
        runs = [(_label(r), m[score.name], False) for r, m in zip(earlier, means, strict=True)]
        now = score.candidate.mean if score.candidate else None
        runs.append((_label(candidate), now, True))
        charts.append(trend_chart(score.name, runs, score.plain))
    return charts
