"""``scoregate show``: a run's items in the terminal, the low scorers first."""

from __future__ import annotations

from scoregate.compare import score_names
from scoregate.model import ItemResult, RunRecord
from scoregate.reports.bounds import ERROR_CHARS, bounded
from scoregate.reports.text import as_text, score_value, shorten


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
            if found is None or found.value is None or found.value < mark:
                return True
    return False


def render(
    record: RunRecord, *, failures: bool, score: str | None, below: float | None, limit: int
) -> str:
    names = score_names(record)
    if score is not None:
        if score not in names:
            from scoregate.errors import ConfigError

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
        f"{record.experiment} run {record.run_id}: {len(record.items)} items, "
        f"showing {min(len(results), limit)} of {len(results)} "
        f"(lowest {'/'.join(names)} first)"
    ]
    for result in results[:limit]:
        lines.append("")
        lines.append(f"● {result.item.id}  input: {shorten(as_text(result.item.input), 200)}")
        lines.append(f"  expected: {shorten(as_text(result.item.expected_output), 200)}")
        for sample in result.samples:
            prefix = f"  [{sample.index}] " if len(result.samples) > 1 else "  "
            if sample.error:
                lines.append(f"{prefix}error: {bounded(sample.error, ERROR_CHARS)}")
                continue
            lines.append(f"{prefix}output: {shorten(as_text(sample.output), 200)}")
            for s in sample.scores:
                if s.name not in names:
                    continue
                text = f"{prefix}  {s.name} = {score_value(s)}"
                if s.error:
                    text += f"  error: {bounded(s.error, ERROR_CHARS)}"
                if s.comment:
                    text += f"  — {shorten(s.comment, 300)}"
                lines.append(text)
    return "\n".join(lines)
