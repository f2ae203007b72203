"""The items new since the baseline and the items missing from this run, named in the markdown
report (the first 20 of each), so a changed dataset is seen where the min_overlap check is."""

from __future__ import annotations

from collections.abc import Sequence

from scoregate.report.codespan import code
from scoregate.values.model import Comparison

SHOWN = 20


def _ids(ids: Sequence[str]) -> str:
    shown = ", ".join(code(i, 80, in_table=False) for i in ids[:SHOWN])
    return shown + (f" and {len(ids) - SHOWN} more" if len(ids) > SHOWN else "")


def item_changes(comparison: Comparison) -> list[str]:
    """Markdown list lines, and a blank line after them; none when the items are the same."""
    lines = []
    new, missing = comparison.new_items, comparison.missing_items
    if new:
        lines.append(f"- {len(new)} new (not in the baseline): {_ids(new)}")
    if missing:
        lines.append(
            f"- {len(missing)} missing from this run (in the baseline only): {_ids(missing)}"
        )
    return [*lines, ""] if lines else []
