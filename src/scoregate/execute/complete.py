"""Every item and repeat has exactly one result in the record: an output with scores, or an
error. A sample without one after the items phase is scoregate's failure (exit 3), never a
silently shorter run."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scoregate.values.errors import RunError

if TYPE_CHECKING:
    from scoregate.execute.engine import Collector

SHOWN = 10


def missing(collector: Collector) -> list[str]:
    """``item id #repeat`` of every sample that has no result, in order."""
    return [
        f"{item.id} #{repeat}"
        for item, samples in zip(collector.items, collector.samples, strict=True)
        for repeat, sample in enumerate(samples)
        if sample is None
    ]


def check_complete(experiment: str, collector: Collector) -> None:
    """Raise RunError when a sample of a run that was neither interrupted nor stopped has no
    result."""
    lost = missing(collector)
    if lost:
        total = len(collector.items) * collector.repeats
        shown = ", ".join(lost[:SHOWN]) + (
            f" and {len(lost) - SHOWN} more" if len(lost) > SHOWN else ""
        )
        raise RunError(
            f"{experiment}: {len(lost)} of {total} samples have no result (neither an output "
            f"nor an error): {shown}. The run is not gated on what is left; this is a bug in "
            "scoregate, please report it with the task that was running."
        )
