"""pipeline/power.py: what the paired test can detect on this dataset, said before the run."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from scoregate.config.model import (
    DatasetConfig,
    ExperimentConfig,
    GateConfig,
    TaskConfig,
    Thresholds,
)
from scoregate.pipeline.power import advice, units_needed
from scoregate.values.model import Item


def experiment(cluster: str | None = None, **thresholds: Thresholds) -> ExperimentConfig:
    return ExperimentConfig(
        name="qa",
        dataset=DatasetConfig(Path("data.jsonl")),
        task=TaskConfig("app:answer"),
        evaluators=(),
        gate=GateConfig(scores=thresholds),
        cluster=cluster,
    )


def items(n: int, topics: int | None = None) -> tuple[Item, ...]:
    return tuple(
        Item(f"i{k}", "q", metadata={} if topics is None else {"topic": k % topics})
        for k in range(n)
    )


@pytest.mark.parametrize(("level", "needed"), [(0.05, 4), (0.1, 3), (0.01, 6), (0.0625, 4)])
def test_units_needed(level: float, needed: int) -> None:
    # The smallest p of m changed units is 0.5 / 2**m; it must be below the level.
    assert units_needed(level) == needed
    assert 0.5 / 2**needed < level <= 0.5 / 2 ** (needed - 1)


def test_nothing_to_say_for_a_large_unclustered_dataset() -> None:
    assert advice(experiment(correct=Thresholds(max_drop=0.02)), items(200)) == []
    assert advice(experiment(correct=Thresholds(min=0.5)), items(5)) == []
    off = Thresholds(max_drop=0.02, significance=None)
    assert advice(experiment(correct=off), items(5)) == []


def test_a_tiny_dataset_is_said_in_words() -> None:
    (line,) = advice(experiment(correct=Thresholds(max_drop=0.02)), items(10))
    assert line.startswith(
        "qa: correct.max_drop: with only 10 items, a drop is significant at 0.05 only when at "
        "least 4 of them change, all for the worse"
    )
    (never,) = advice(experiment(correct=Thresholds(max_drop=0.02, significance=0.01)), items(5))
    assert never.startswith(
        "qa: correct.max_drop can never fail: with 5 items the smallest possible p-value is "
        "0.016 (½ / 2^5), not below the significance 0.01"
    )


def test_clusters_are_counted_and_few_are_said() -> None:
    many = advice(experiment("topic", correct=Thresholds(max_drop=0.02)), items(200, topics=40))
    assert many == ["qa: clustered by topic (40 clusters)"]
    few = advice(experiment("topic", correct=Thresholds(max_drop=0.02)), items(60, topics=6))
    assert few[0] == "qa: clustered by topic (6 clusters)"
    assert few[1].startswith("qa: Little power: only 6 clusters of topic, and the clusters")
    assert few[2].startswith("qa: correct.max_drop: with only 6 clusters, a drop is significant")
    loose = (*items(30, topics=15), *(replace(i, id=f"x{i.id}", metadata={}) for i in items(2)))
    assert advice(experiment("topic"), loose)[0] == (
        "qa: clustered by topic (17 clusters; 2 items without topic, each its own cluster)"
    )
