"""A run's scores as columns: what compare and the gate need, without the items themselves.

A run record stores this table in its header, so comparing two records of 100,000 items
reads a few hundred thousand numbers instead of building every item, sample and score;
the items of the few that a report shows are read on demand.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from scoregate.values.metrics import of_sample
from scoregate.values.model import ItemResult, RunRecord, Usage

METRIC_COLUMNS = ("latency", "tokens", "task_cost", "judge_cost", "calls", "cached", "unpriced")
"""Per sample, the fields of ``values.metrics.SampleMetrics``, in its order."""
_COUNTS = frozenset(("calls", "cached", "unpriced"))


@dataclass(frozen=True, slots=True)
class ScoreTable:
    ids: tuple[str, ...]
    """Item ids, in the record's order."""
    counts: tuple[int, ...]
    """Samples per item."""
    values: Mapping[str, Sequence[float | None]]
    """Per score name, the value of every sample, item after item (None: no value)."""
    errors: frozenset[int]
    """Flat sample positions with a task error or any evaluator error."""
    usage: Usage
    infra: frozenset[int] = frozenset()
    """Flat positions whose task error was an outage (``error_kind: infra``), not the app's."""
    lost: Mapping[str, frozenset[int]] = field(default_factory=dict)
    """Per score, flat positions where its evaluator's error was an outage (a judge's server)."""
    metrics: Mapping[str, Sequence[float | None]] | None = None
    """Per column of ``METRIC_COLUMNS``, every sample's figure (latency, tokens, cost...);
    None for a record written before the table had them (they are read from its items)."""
    _index: dict[str, int] = field(default_factory=dict, init=False, compare=False, repr=False)
    """Item id → position, built once, when an item is first looked up by id."""

    def position(self, item_id: str) -> int | None:
        """The position of item ``item_id``, or None; the index is built on the first call
        and kept (a report looks items up many times)."""
        if not self._index and self.ids:
            self._index.update(zip(self.ids, range(len(self.ids)), strict=True))
        return self._index.get(item_id)

    def outages(self, name: str) -> frozenset[int]:
        """Flat positions where ``name`` has no value because a service was out."""
        found = self.lost.get(name)
        return self.infra | found if found else self.infra

    @property
    def samples(self) -> int:
        return len(next(iter(self.values.values()), ())) if self.values else sum(self.counts)

    def spans(self) -> Iterator[tuple[int, str, int, int]]:
        """(item position, item id, first flat sample position, sample count) per item."""
        start = 0
        for position, (item_id, count) in enumerate(zip(self.ids, self.counts, strict=True)):
            yield position, item_id, start, count
            start += count

    def items_with_errors(self) -> list[int]:
        """Item positions that have at least one errored sample, in order."""
        if not self.errors:
            return []
        return [
            p for p, _, start, n in self.spans() if any(start + k in self.errors for k in range(n))
        ]


def build(items: Sequence[ItemResult], names: Sequence[str] = ()) -> ScoreTable:
    """The table of a run held in memory (one pass over its items)."""
    values: dict[str, list[float | None]] = {name: [] for name in names}
    ids: list[str] = []
    counts: list[int] = []
    errors: set[int] = set()
    infra: set[int] = set()
    lost: dict[str, set[int]] = {}
    usage = Usage()
    metrics: dict[str, list[float | None]] = {name: [] for name in METRIC_COLUMNS}
    flat = 0
    for result in items:
        ids.append(result.item.id)
        counts.append(len(result.samples))
        for sample in result.samples:
            figures = of_sample(sample)
            for name, column in metrics.items():
                column.append(getattr(figures, name))
            if sample.usage:
                usage += sample.usage
            found: dict[str, float | None] = {}
            failed = sample.error is not None
            if failed and sample.error_kind == "infra":
                infra.add(flat)
            for score in sample.scores:
                found[score.name] = score.value
                if score.error is not None:
                    failed = True
                    if score.error_kind == "infra":
                        lost.setdefault(score.name, set()).add(flat)
                if score.usage:
                    usage += score.usage
                if score.name not in values:
                    values[score.name] = [None] * flat
            for name, column in values.items():
                column.append(found.get(name))
            if failed:
                errors.add(flat)
            flat += 1
    return ScoreTable(
        tuple(ids),
        tuple(counts),
        values,
        frozenset(errors),
        usage,
        frozenset(infra),
        {name: frozenset(found) for name, found in lost.items()},
        metrics,
    )


def of(record: RunRecord) -> ScoreTable:
    """A record's scores as columns: stored with its items, or built from them (one pass)."""
    return record.table or build(record.items, list(record.score_defs))


def to_json(table: ScoreTable) -> dict[str, Any]:
    uniform = len(set(table.counts)) <= 1
    return {
        "ids": list(table.ids),
        "samples": (table.counts[0] if table.counts else 1) if uniform else list(table.counts),
        "values": {name: list(column) for name, column in table.values.items()},
        "errors": sorted(table.errors),
        "usage": [
            table.usage.prompt_tokens,
            table.usage.completion_tokens,
            table.usage.cost,
            table.usage.calls,
            table.usage.cache_hits,
        ],
        "infra": sorted(table.infra),
        "lost": {name: sorted(found) for name, found in table.lost.items()},
    } | _metrics_json(table)


def _metrics_json(table: ScoreTable) -> dict[str, Any]:
    """The metric columns, each left out when it says nothing (all None, or all 0)."""
    if table.metrics is None:
        return {}
    kept = {
        name: list(column)
        for name, column in table.metrics.items()
        if any(v is not None and v != 0 for v in column)
    }
    return {"metrics": kept}


def _metrics_from_json(
    data: Mapping[str, Any] | None, samples: int
) -> dict[str, Sequence[float | None]] | None:
    if data is None:
        return None
    return {
        name: data.get(name) or [0 if name in _COUNTS else None] * samples
        for name in METRIC_COLUMNS
    }


_recent: list[tuple[tuple[str, ...], dict[str, int]]] = []
"""The id columns of the last two tables read, with their id index: a candidate and its
baseline usually have the same items, and then share one column and one index (a million
ids are some 60 MB, their index 40 MB)."""


def shared_ids(ids: tuple[str, ...]) -> tuple[tuple[str, ...], dict[str, int]]:
    """``ids`` as the column a recent table already has (and that table's id index), or as
    a new one, kept for the next table read."""
    for known, index in _recent:
        if known == ids:
            return known, index
    found: tuple[tuple[str, ...], dict[str, int]] = (ids, {})
    _recent[:] = [found, *_recent[:1]]
    return found


def from_json(data: Mapping[str, Any]) -> ScoreTable:
    ids, index = shared_ids(tuple(str(i) for i in data["ids"]))
    samples = data["samples"]
    counts = tuple(samples) if isinstance(samples, list) else (int(samples),) * len(ids)
    values = {str(name): column for name, column in data["values"].items()}
    if len(counts) != len(ids) or any(len(c) != sum(counts) for c in values.values()):
        raise ValueError("'table' does not match its items")
    prompt, completion, cost, calls, hits = data["usage"]
    # Tables written before errors had kinds have neither: every error is the app's.
    table = ScoreTable(
        ids,
        counts,
        values,
        frozenset(data["errors"]),
        Usage(prompt, completion, cost, calls, hits),
        frozenset(data.get("infra", ())),
        {str(name): frozenset(found) for name, found in data.get("lost", {}).items()},
        _metrics_from_json(data.get("metrics"), sum(counts)),
    )
    object.__setattr__(table, "_index", index)  # the id index of the same ids, shared
    return table


def finder(record: RunRecord) -> Callable[[str], ItemResult | None]:
    """Look items up by id without reading the ones nobody asks for."""
    table = record.table
    if table is None:
        by_id = {result.item.id: result for result in record.items}
        return by_id.get
    items = record.items

    def find(item_id: str) -> ItemResult | None:
        index = table.position(item_id)
        return None if index is None else items[index]

    return find


def with_errors(record: RunRecord) -> list[ItemResult]:
    """Items with at least one errored sample (a task or an evaluator failed), in order."""
    table = record.table
    if table is None:
        return [
            r
            for r in record.items
            if any(s.error or any(x.error for x in s.scores) for s in r.samples)
        ]
    return [record.items[position] for position in table.items_with_errors()]
