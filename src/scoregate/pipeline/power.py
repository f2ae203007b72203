"""What the paired test can and cannot detect on this dataset, said before the run.

``scoregate validate`` and ``scoregate run`` print it once the dataset is loaded, so a gate
that cannot fail on a drop is known before any model is paid for, not found out by a gate that
never fails. With ``cluster: KEY``: how many clusters the items form (items without a value are
their own cluster), and, under :data:`~scoregate.decide.clusters.FEW_CLUSTERS`, that the test has
little power. For every ``max_drop`` with significance on: the sign-flip test's smallest
possible p-value with ``m`` changed units is ``½ / 2^m``, so it needs at least ``k`` units that
changed, all for the worse, to reach the level; when the dataset has fewer than
:data:`SMALL_UNITS` units this is said in words, and when it has fewer than ``k`` the check
can never fail on significance.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from scoregate.config.model import ExperimentConfig
from scoregate.values.model import Clustering, Item

if TYPE_CHECKING:
    from scoregate.execute.prepared import Prepared

SMALL_UNITS = 30
"""Fewer units than this: the advice says how many must change for a drop to be significant."""


def units_needed(level: float) -> int:
    """The fewest changed units whose best possible p-value, ``½ / 2^m``, is below ``level``."""
    return max(1, math.floor(math.log2(0.5 / level)) + 1)


def clustering(experiment: ExperimentConfig, items: Sequence[Item]) -> Clustering | None:
    key = experiment.cluster
    if key is None:
        return None
    from scoregate.decide import clusters  # only with cluster: (validate stays light without)

    labels = [clusters.label_of(item, key) for item in items]
    alone = sum(1 for label in labels if label is None)
    return Clustering(key, len({label for label in labels if label is not None}) + alone, alone)


def advice(experiment: ExperimentConfig, items: Sequence[Item]) -> list[str]:
    """Lines, each starting with the experiment's name; none when there is nothing to say."""
    name = experiment.name
    grouped = clustering(experiment, items)
    lines: list[str] = []
    units, unit_word = len(items), "items"
    if grouped is not None:
        lines.append(f"{name}: {grouped.text}")
        units, unit_word = grouped.clusters, "clusters"
        from scoregate.decide.clusters import power_note

        few = power_note(grouped.clusters, grouped.key)
        if few:
            lines.append(f"{name}: {few}.")
    for score, t in experiment.gate.scores.items():
        if t.max_drop is None or t.significance is None or units >= SMALL_UNITS:
            continue
        needed = units_needed(t.significance)
        smallest = 0.5 / 2**units
        where = f"{name}: {score}.max_drop"
        if units < needed:
            lines.append(
                f"{where} can never fail: with {units} {unit_word} the smallest possible p-value "
                f"is {smallest:.2g} (½ / 2^{units}), not below the significance "
                f"{t.significance:g}, so no drop is significant; add {unit_word} or set "
                f"significance: off for this score"
            )
            continue
        lines.append(
            f"{where}: with only {units} {unit_word}, a drop is significant at "
            f"{t.significance:g} only when at least {needed} of them change, all for the worse "
            f"(the smallest possible p with m changed is ½ / 2^m); a small drop spread over "
            f"every item, or a pass/fail score that moves one or two items, cannot be detected "
            f"by any test at this size"
        )
    return lines


def say(prepared: Sequence[Prepared], stream: TextIO) -> None:
    """Write every prepared experiment's advice, a line each (``scoregate run``, on stderr)."""
    stream.write("".join(f"{line}\n" for p in prepared for line in advice(p.experiment, p.items)))
