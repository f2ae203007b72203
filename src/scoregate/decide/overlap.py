"""Does the baseline share enough items with the candidate to be compared with it?

A baseline of another dataset pairs no item: every baseline check would pass on nothing. The
check fails when the items in both runs are fewer than ``min_overlap`` (default one half) of
the smaller run's, so a dataset that grew or shrank in the same change still passes while a
foreign baseline does not. It is there whenever the runs' items differ, and lists the new
and the missing items.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from scoregate.values.model import Check, Comparison

SHOWN = 5


def _ids(items: Sequence[str]) -> str:
    shown = ", ".join(items[:SHOWN])
    return shown + (f" and {len(items) - SHOWN} more" if len(items) > SHOWN else "")


def item_changes(comparison: Comparison) -> str:
    """``2 new (not in the baseline): f, g; 1 missing from this run: a``, or ""."""
    parts = []
    if comparison.new_items:
        parts.append(
            f"{len(comparison.new_items)} new (not in the baseline): {_ids(comparison.new_items)}"
        )
    if comparison.missing_items:
        parts.append(
            f"{len(comparison.missing_items)} missing from this run (in the baseline only): "
            f"{_ids(comparison.missing_items)}"
        )
    return "; ".join(parts)


def shared_text(comparison: Comparison) -> str:
    """``38 items are in both runs, of 40 in this run and 39 in the baseline``."""
    here = len(comparison.candidate.items)
    there = len(comparison.baseline.items) if comparison.baseline is not None else 0
    shared = here - len(comparison.new_items)
    return (
        f"{shared} item{'s are' if shared != 1 else ' is'} in both runs, of {here} in this run "
        f"and {there} in the baseline"
    )


def overlap_check(comparison: Comparison, min_overlap: float) -> Check | None:
    """The ``min_overlap`` check, when there is a baseline and the runs' items differ."""
    baseline = comparison.baseline
    if baseline is None or not (comparison.new_items or comparison.missing_items):
        return None
    here, there = len(comparison.candidate.items), len(baseline.items)
    shared = here - len(comparison.new_items)
    smaller = min(here, there)
    needed = math.ceil(min_overlap * smaller - 1e-9)
    ok = shared >= needed
    counts = shared_text(comparison)
    rule = f"{min_overlap:g} of the smaller run, min_overlap"
    if ok:
        why = f"{counts} (at least {needed} needed: {rule}); {item_changes(comparison)}"
    else:
        why = (
            f"{counts}: fewer than the {needed} needed ({rule}), so the baseline is not a run "
            "of this dataset and its checks compare nothing; point the baseline at a run of "
            f"this dataset, or lower gate.min_overlap; {item_changes(comparison)}"
        )
    return Check(
        comparison.experiment,
        None,
        "min_overlap",
        "pass" if ok else "fail",
        shared / smaller if smaller else 1.0,
        min_overlap,
        why,
    )
