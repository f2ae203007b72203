"""``scoregate show``: a run's items in the terminal, the low scorers first.

Ids, inputs, outputs, errors and comments are untrusted: each is shown on its line through
:func:`~scoregate.report.text.one_line`, its control characters and escape sequences escaped."""

from __future__ import annotations

from scoregate.decide.compare import score_names
from scoregate.report.bounds import ERROR_CHARS, bounded
from scoregate.report.text import as_text, one_line, score_value
from scoregate.values.model import ItemResult, RunRecord

_LINE = 2 * ERROR_CHARS
"""Characters of an error's line: its bounded text, with room for escaped control characters."""


def _item_value(result: ItemResult, name: str) -> float | None:
    values = [
        s.value for sample in result.samples if (s := sample.score(name)) and s.value is not None
    ]
    return sum(values) / len(values) if values else None


def _lowest(result: ItemResult, names: list[str]) -> float:
    values = [v for n in names if (v := _item_value(result, n)) is not None]
    has_error = any(s.error for s in result.samples) or len(values) < len(names)
    return -1.0 if has_error else min(values, default=-1.0)


def _failing(result: ItemResult, record: RunRecord, names: list[str]) -> bool:
    for sample in result.samples:
        if sample.error:
            return True
        for name in names:
            found = sample.score(name)
            definition = record.score_defs.get(name)
            mark = definition.pass_mark if definition else 0.5
            if found is None or found.value is None or (mark is not None and found.value < mark):
                return True
    return False


def render(
    record: RunRecord, *, failures: bool, score: str | None, below: float | None, limit: int
) -> str:
    names = score_names(record)
    if score is not None:
        if score not in names:
            from scoregate.values.errors import ConfigError

            raise ConfigError(
                f"run {record.run_id} has no score '{score}'; its scores are: {', '.join(names)}."
            )
        names = [score]
    results = list(record.items)
    if failures:
        results = [r for r in results if _failing(r, record, names)]
    if below is not None:
        results = [r for r in results if (v := _lowest(r, names)) is not None and v < below]
    results.sort(key=lambda r: (_lowest(r, names), r.item.id))
    lines = [
        f"{one_line(record.experiment, 200)} run {one_line(record.run_id, 200)}: "
        f"{len(record.items)} items, "
        f"showing {min(len(results), limit)} of {len(results)} "
        f"(lowest {'/'.join(names)} first)"
    ]
    for result in results[:limit]:
        lines.append("")
        item = result.item
        lines.append(f"● {one_line(item.id, 200)}  input: {one_line(as_text(item.input), 200)}")
        lines.append(f"  expected: {one_line(as_text(item.expected_output), 200)}")
        for sample in result.samples:
            prefix = f"  [{sample.index}] " if len(result.samples) > 1 else "  "
            if sample.error:
                lines.append(
                    f"{prefix}error: {one_line(bounded(sample.error, ERROR_CHARS), _LINE)}"
                )
                continue
            lines.append(f"{prefix}output: {one_line(as_text(sample.output), 200)}")
            for s in sample.scores:
                if s.name not in names:
                    continue
                definition = record.score_defs.get(s.name)
                plain = definition is not None and definition.plain
                text = f"{prefix}  {one_line(s.name, 100)} = {score_value(s, plain)}"
                if s.error:
                    text += f"  error: {one_line(bounded(s.error, ERROR_CHARS), _LINE)}"
                if s.comment:
                    text += f"  — {one_line(s.comment, 300)}"
                lines.append(text)
    return "\n".join(lines)
