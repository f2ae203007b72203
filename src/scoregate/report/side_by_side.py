"""Score means of several runs side by side (``scoregate compare A B C...``, ``scoregate runs``).

The first run is the candidate: every other column shows its own mean and, in brackets, how far
the candidate is from it (candidate minus that run), so a negative number is a drop.
"""

from __future__ import annotations

from collections.abc import Sequence

from scoregate.decide.compare import aggregate, columns, score_names
from scoregate.record import scoretable
from scoregate.report.text import one_line
from scoregate.values.model import RunRecord


def score_means(record: RunRecord) -> dict[str, float | None]:
    """Each score's mean over items (an item's samples averaged first); run-level scores too."""
    table = scoretable.of(record)
    names = score_names(record, table)
    marks = {n: d.pass_mark for n, d in record.score_defs.items()}
    found = columns(table, names, {n: marks.get(n, 0.5) for n in names})
    means: dict[str, float | None] = {}
    for name in names:
        summary = aggregate(found[name], marks.get(name, 0.5))
        means[name] = summary.mean if summary else None
    for score in record.run_scores:
        means.setdefault(score.name, score.value)
    return means


def errors(record: RunRecord) -> int:
    return sum(1 for r in record.items for s in r.samples if s.error)


def _cell(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Aligned columns; a cell (a run's or a score's name may come from Langfuse) is shown on
    one line, its control characters escaped."""
    header = [one_line(c, 80) for c in header]
    rows = [[one_line(c, 80) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
    lines = []
    for index, row in enumerate((header, *rows)):
        cells = [
            row[0].ljust(widths[0]),
            *(c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)),
        ]
        lines.append("  ".join(cells).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def render(runs: Sequence[tuple[str, RunRecord]]) -> str:
    """A table: one row per score, one column per run (``label``, record); first is candidate."""
    means = [score_means(record) for _, record in runs]
    names = list(dict.fromkeys(n for m in means for n in m))
    candidate = means[0]
    rows: list[list[str]] = []
    for name in names:
        row = [name, _cell(candidate.get(name))]
        for other in means[1:]:
            value = other.get(name)
            mine = candidate.get(name)
            text = _cell(value)
            if value is not None and mine is not None:
                text += f" ({mine - value:+.3f})"
            row.append(text)
        rows.append(row)
    rows.append(["items", *(str(len(r.items)) for _, r in runs)])
    rows.append(["errors", *(str(errors(r)) for _, r in runs)])
    header = [
        "score",
        *(f"{label}{' (candidate)' if i == 0 else ''}" for i, (label, _) in enumerate(runs)),
    ]
    legend = (
        "Means over items (0-1). In brackets: the candidate (first column) minus that run; "
        "negative is a drop."
    )
    return table(header, rows) + "\n\n" + legend
