"""The items of several stored records joined in one order: the shards of a run, merged.

Nothing is parsed to join them: the joined score table is put together from the shards'
tables, an item is read from its shard's line when a report shows it (and checked there,
itemlines.py), and writing the joined record copies each shard's lines in the joined order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from itertools import chain, islice
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from scoregate.record.itemlines import ItemSequence, LazyItems
from scoregate.record.scoretable import METRIC_COLUMNS, ScoreTable, shared_ids
from scoregate.values.model import ItemResult, Usage

if TYPE_CHECKING:
    import numpy as np

T = TypeVar("T")

_CHUNK = 8192
"""Item lines handed to the writer at a time."""


def join_tables(tables: Sequence[ScoreTable], order: np.ndarray) -> ScoreTable:
    """The tables' items one after the other, then taken in ``order`` (positions into that
    concatenation): ids, sample counts, every value column, errors and outages."""
    import numpy as np  # only when shards are merged: not at start-up

    ids = [item_id for table in tables for item_id in table.ids]
    counts = np.fromiter((c for table in tables for c in table.counts), np.int64, len(ids))
    item_first = np.zeros(len(ids), np.int64)  # each item's first sample in the concatenation
    np.cumsum(counts[:-1], out=item_first[1:])
    ordered_counts = counts[order]
    total = int(counts.sum())
    if bool((counts == 1).all()):
        flat = order
    else:  # every sample of each item, item after item in the joined order
        new_first = np.zeros(len(order), np.int64)
        np.cumsum(ordered_counts[:-1], out=new_first[1:])
        flat = np.repeat(item_first[order] - new_first, ordered_counts) + np.arange(total)
    moved_to = np.empty(total, np.int64)  # where each sample of the concatenation goes
    moved_to[flat] = np.arange(total)
    offsets = [0]
    for table in tables:
        offsets.append(offsets[-1] + sum(table.counts))
    names = list(dict.fromkeys(name for table in tables for name in table.values))
    values: dict[str, list[float | None]] = {}
    for name in names:
        column: list[float | None] = []
        for table, start, stop in zip(tables, offsets, offsets[1:], strict=False):
            found = table.values.get(name)
            column.extend(found if found is not None else [None] * (stop - start))
        values[name] = [column[k] for k in flat.tolist()]

    def moved(pick: Callable[[ScoreTable], frozenset[int]]) -> frozenset[int]:
        found = [
            p + start for table, start in zip(tables, offsets, strict=False) for p in pick(table)
        ]
        return frozenset(moved_to[np.asarray(found, np.int64)].tolist()) if found else frozenset()

    metrics = None  # latency, tokens and cost: joined when every part has them
    if all(table.metrics is not None for table in tables):
        metrics = {
            name: [v for table in tables for v in table.metrics[name]]  # type: ignore[index]
            for name in METRIC_COLUMNS
        }
        metrics = {name: [column[k] for k in flat.tolist()] for name, column in metrics.items()}
    usage = Usage()
    for table in tables:
        usage += table.usage
    lost_names = dict.fromkeys(name for table in tables for name in table.lost)
    joined_ids, index = shared_ids(tuple(ids[k] for k in order.tolist()))
    del ids
    table = ScoreTable(
        joined_ids,
        tuple(ordered_counts.tolist()),
        values,
        moved(lambda t: t.errors),
        usage,
        moved(lambda t: t.infra),
        {
            name: moved(lambda t, name=name: t.lost.get(name, frozenset()))  # type: ignore[misc]
            for name in lost_names
        },
        metrics,
    )
    object.__setattr__(table, "_index", index)  # shared with a baseline of the same items
    return table


class JoinedItems(ItemSequence):
    """Items of stored records (``parts``) in a joined order: item ``k`` is item
    ``local[k]`` of part ``part[k]``, read from that part's line when used."""

    def __init__(self, parts: Sequence[LazyItems], positions: Sequence[Sequence[int]]) -> None:
        """``positions``: for each part, the place of each of its items in the joined run."""
        import numpy as np

        sizes = [len(p) for p in parts]
        where = np.concatenate([np.asarray(found, np.int64) for found in positions])
        order = np.argsort(where, kind="stable")
        self._parts = parts
        self._part = np.repeat(np.arange(len(parts), dtype=np.int64), sizes)[order]
        self._local = np.concatenate([np.arange(n, dtype=np.int64) for n in sizes])[order]
        self.table = join_tables([p.table for p in parts], order)
        # Each part's items come in its own order (a shard's do): its lines can be taken a
        # run at a time, as they come from the file.
        self._in_part_order = all(
            bool((self._local[self._part == k] == np.arange(n)).all()) for k, n in enumerate(sizes)
        )

    def path_is(self, path: Path) -> bool:
        return False  # the joined items stay in their parts' files

    def moved(self, path: Path, starts: object) -> None:
        """Never called: see :meth:`path_is`."""

    def _in_order(
        self, read: Callable[[LazyItems], Iterator[T]], one: Callable[[LazyItems, int], T]
    ) -> Iterator[T]:
        """Each joined item through ``read`` (a part's items in its order, the usual case: the
        parts of a shard are in the run's order), else ``one`` (a single item of a part)."""
        readers = [read(part) for part in self._parts]
        following = [0] * len(self._parts)
        for part, local in zip(self._part.tolist(), self._local.tolist(), strict=True):
            if local == following[part]:
                following[part] += 1
                yield next(readers[part])
            else:
                yield one(self._parts[part], local)

    def texts(self) -> Iterator[str]:
        """Every item line as stored in its part, in the joined order."""
        return self._in_order(
            lambda p: chain.from_iterable(p.text_chunks()), lambda p, k: next(p.texts(k, k + 1))
        )

    def text_chunks(self) -> Iterator[list[str]]:
        """:meth:`texts`, many lines at a time."""
        if not self._in_part_order:
            each = self.texts()
            while chunk := list(islice(each, _CHUNK)):
                yield chunk
            return
        import numpy as np

        readers = [chain.from_iterable(part.text_chunks()) for part in self._parts]
        for start in range(0, len(self), _CHUNK):
            parts = self._part[start : start + _CHUNK]
            # The chunk's lines of each part, one run per part, then each line's place among
            # them: the k-th line of part p in the chunk is in p's run at rank k.
            runs = [
                list(islice(readers[k], int(count)))
                for k, count in enumerate(np.bincount(parts, minlength=len(readers)))
            ]
            lines = list(chain.from_iterable(runs))
            where = np.empty(len(parts), np.int64)
            where[np.argsort(parts, kind="stable")] = np.arange(len(parts))
            yield [lines[k] for k in where.tolist()]

    def __iter__(self) -> Iterator[ItemResult]:
        return self._in_order(iter, lambda p, k: p[k])

    def __len__(self) -> int:
        return len(self._part)

    def _at(self, index: int) -> ItemResult:
        return self._parts[int(self._part[index])][int(self._local[index])]
