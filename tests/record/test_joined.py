"""joined.py: the shards' items joined in the run's order without parsing an item."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from scoregate.record import scoretable, store
from scoregate.record.itemlines import LazyItems
from scoregate.record.joined import JoinedItems, join_tables
from scoregate.values.model import Item, ItemResult, RunRecord, Sample, Score, ScoreDef, Usage


def _item(n: int) -> ItemResult:
    """Item ``n``: 1 to 3 samples, some with a task error (an outage or the app's), a judge
    lost to an outage on every fifth, a score only the items past 6 carry."""
    samples = []
    for k in range(1 + n % 3):
        scores = [Score("correct", float((n + k) % 2), float((n + k) % 2))]
        if n % 5 == 0:
            scores.append(Score("judge", None, error="judge server down", error_kind="infra"))
        else:
            scores.append(Score("judge", 0.25 * k, 0.25 * k, usage=Usage(3, 1, 0.25, 1, 0)))
        if n > 6:
            scores.append(Score("late", 0.5, 0.5))
        failed = n % 4 == 1 and k == 0
        samples.append(
            Sample(
                k,
                None if failed else f"out {n}.{k}",
                0.01,
                "boom" if failed else None,
                () if failed else tuple(scores),
                None,
                "infra" if failed and n % 8 == 1 else "app",
            )
        )
    return ItemResult(Item(f"id{n}", {"q": n}, f"a{n}"), tuple(samples))


def _shards(
    tmp_path: Path, items: list[ItemResult], count: int
) -> list[tuple[LazyItems, list[int]]]:
    parts = []
    for shard in range(count):
        positions = [p for p in range(len(items)) if (p * 7) % count == shard]
        record = RunRecord(
            "e",
            f"run-{shard}",
            tuple(items[p] for p in positions),
            {"correct": ScoreDef("correct", 0.5), "judge": ScoreDef("judge", 0.5)},
        )
        path = store.write_record(tmp_path / f"shard{shard}.json", record)
        read = store.read_record(path).items
        assert isinstance(read, LazyItems)
        parts.append((read, positions))
    return parts


def test_the_joined_items_table_and_lines_are_the_whole_runs(tmp_path: Path) -> None:
    items = [_item(n) for n in range(23)]
    parts = _shards(tmp_path, items, 3)
    joined = JoinedItems([p for p, _ in parts], [positions for _, positions in parts])
    assert len(joined) == len(items)
    assert list(joined) == items
    assert [joined[k] for k in (0, 5, -1)] == [items[0], items[5], items[-1]]
    assert joined[2:5] == tuple(items[2:5])
    whole = scoretable.build(items, ["correct", "judge"])
    assert joined.table.ids == whole.ids
    assert joined.table.counts == whole.counts
    assert joined.table.values == whole.values
    assert joined.table.errors == whole.errors
    assert joined.table.infra == whole.infra
    assert joined.table.lost == whole.lost
    assert joined.table.usage == whole.usage
    # The joined record writes the shards' lines in the run's order and reads back whole.
    record = RunRecord("e", "joined", joined, {"correct": ScoreDef("correct", 0.5)})
    path = store.write_record(tmp_path / "joined.json", record)
    again = store.read_record(path)
    assert list(again.items) == items
    assert again.table == whole


def test_items_out_of_their_parts_order_are_read_one_by_one(tmp_path: Path) -> None:
    items = [_item(n) for n in range(9)]
    parts = _shards(tmp_path, items, 2)
    # A part whose items do not come in the joined order (a hand-made record): its
    # positions reversed, so each of its items is read on its own.
    (first, first_positions), (second, second_positions) = parts
    joined = JoinedItems([first, second], [first_positions[::-1], second_positions])
    expected = [None] * len(items)
    for position, item in zip(first_positions[::-1], first, strict=True):
        expected[position] = item
    for position, item in zip(second_positions, second, strict=True):
        expected[position] = item
    assert list(joined) == expected
    assert list(joined.texts()) == [
        store.storable.dumps(store.item_dict(item)) for item in expected if item is not None
    ]


def test_single_sample_tables_join_by_the_order_alone() -> None:
    a = scoretable.build([replace(_item(3), samples=_item(3).samples[:1])], ["correct"])
    b = scoretable.build([replace(_item(0), samples=_item(0).samples[:1])], ["correct"])
    joined = join_tables([a, b], np.array([1, 0]))
    assert joined.ids == ("id0", "id3")
    assert joined.values["correct"] == [b.values["correct"][0], a.values["correct"][0]]
    assert joined.values["judge"] == [None, a.values["judge"][0]]
