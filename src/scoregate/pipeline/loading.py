"""An experiment's dataset loaded for a run: a shard's items only, where the source can.

The file source reads every row for its id but makes items of, and checks, only the shard's,
and hashes the file once for the digest the shards of one run share. Other sources load
every item; the runner cuts the shard from them (shards.select).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scoregate.config.model import ExperimentConfig
from scoregate.execute.datasets import FileDatasets, Whole
from scoregate.execute.prepared import Prepared
from scoregate.pipeline import registry
from scoregate.values.model import Item


def load_dataset(
    experiment: ExperimentConfig, root: Path, shard: tuple[int, int] | None
) -> tuple[tuple[Item, ...], Whole | None]:
    """The items to run (a shard's when ``shard`` is ``(I, N)`` and the source reads slices),
    and what is known of the whole dataset then."""
    source = registry.dataset_source(experiment)
    # A script runs every item itself (langfuse: {script: ...}): it gets them all.
    if isinstance(source, FileDatasets) and registry.script_runner(experiment) is None:
        from scoregate.config.model import DatasetConfig

        assert isinstance(experiment.dataset, DatasetConfig)
        keep = None
        if shard is not None:
            from scoregate.pipeline import shards

            index, count = shard
            keep = lambda item_id: shards.shard_of(item_id, count) == index  # noqa: E731
        return source.load_slice(experiment.dataset, display_root=root, keep=keep)
    return source.load(experiment.dataset, display_root=root), None


def items_to_run(
    prepared: Prepared, shard: tuple[int, int] | None
) -> tuple[tuple[Item, ...], dict[str, Any], list[int] | None]:
    """The items to run (a shard's), the record's dataset (the whole one's size and digest
    added to its reference), and the shard's items' places in the whole dataset."""
    from scoregate.pipeline import shards

    items, whole = prepared.items, prepared.whole
    dataset = prepared.experiment.dataset.reference | {
        "items": whole.total if whole else len(items),
        "digest": whole.digest if whole else shards.dataset_digest(items),
    }
    if whole is not None and whole.positions is not None:
        return items, dataset, list(whole.positions)  # the source read the shard's items only
    if shard is not None:
        chosen, positions = shards.select(items, *shard)
        return chosen, dataset, positions
    return items, dataset, None
