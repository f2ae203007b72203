"""Which items the HTML report lists, and how many of each status there are in all.

A report's cost is bounded by what it shows, not by the run's size: it lists every changed
item (regressed, error, flaky, improved, new, missing) up to LIST_CHANGED, and the first
unchanged items up to LIST_UNCHANGED (``--html-items``); only those are read from the run record (record/itemlines.py) and made
Python objects. The counts of each status come from the comparison and the score table, so
they are right however many items are left out, and the page says how many are not listed
and where their scores are (the run record, ``scoregate show``).
"""

from __future__ import annotations

from array import array
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from itertools import accumulate

from scoregate.record import scoretable
from scoregate.values.model import Comparison, Usage

LIST_UNCHANGED = 2_000
"""Unchanged items a report lists by default (shared by its experiments): ``scoregate report
--html-items N`` lists N. Each listed item is read from the run records and costs the page
its texts: at 2,000, a 10,000-item run with its report takes about 1.2× the time without."""
LIST_CHANGED = 10_000
"""Changed items (regressed, error, flaky, improved, new, missing) a report lists at least
(``--html-items`` above it lists that many); past them, regressed and errored items first."""

STATUSES = ("regressed", "error", "flaky", "improved", "new", "missing", "unchanged")
"""An item's statuses, in the order they are listed (and, past the bound, kept)."""


class Listing:
    """How many more changed and unchanged items a report lists (its experiments share it)."""

    def __init__(self, unchanged: int = LIST_UNCHANGED, changed: int | None = None) -> None:
        if unchanged < 0 or (changed or 0) < 0:
            raise ValueError("the number of items a report lists cannot be negative")
        self.unchanged = unchanged
        self.changed = max(unchanged, LIST_CHANGED) if changed is None else changed


@dataclass(frozen=True, slots=True)
class Listed:
    """One experiment's listed items and its counts."""

    positions: list[int]
    """Candidate item positions listed, ascending."""
    missing: list[str]
    """Baseline-only item ids listed."""
    statuses: dict[str, list[str]]
    """Statuses of each changed item (listed or not); any other item is unchanged."""
    counts: dict[str, int]
    """Items of each status in all (an item with two statuses counts under both)."""
    total: int
    left_out: dict[str, int]
    """Items not listed: ``changed`` and ``unchanged``."""


def statuses_of(
    comparison: Comparison, errored: Collection[str]
) -> tuple[dict[str, list[str]], dict[str, dict[str, list[int]]]]:
    """Each changed item's statuses, and per mark (``rg``, ``im``, ``fl``) the scores of each
    item that has it."""
    marked: dict[str, dict[str, list[int]]] = {"rg": {}, "im": {}, "fl": {}}
    for index, score in enumerate(comparison.scores):
        for key, ids in (("rg", score.regressed), ("im", score.improved), ("fl", score.flaky)):
            for item_id in ids:
                marked[key].setdefault(item_id, []).append(index)
    new = set(comparison.new_items)
    found: dict[str, list[str]] = {}
    for item_id in {*marked["rg"], *marked["im"], *marked["fl"], *errored, *new}:
        has = {
            "regressed": item_id in marked["rg"],
            "error": item_id in errored,
            "flaky": item_id in marked["fl"],
            "improved": item_id in marked["im"],
            "new": item_id in new,
        }
        found[item_id] = [status for status in STATUSES if has.get(status)]
    for item_id in comparison.missing_items:
        found[item_id] = ["missing"]
    return found, marked


def choose(
    comparison: Comparison,
    table: scoretable.ScoreTable,
    statuses: dict[str, list[str]],
    listing: Listing,
) -> Listed:
    """The items to list: the changed ones first in status order (regressed before improved)
    up to ``listing.changed``, unchanged ones in the record's order up to ``listing.unchanged``."""
    missing = set(comparison.missing_items)
    ids = table.ids
    rank = {status: number for number, status in enumerate(STATUSES)}
    changed = [(rank[statuses[i][0]], p, i) for p, i in enumerate(ids) if i in statuses]
    unchanged: list[int] = []
    want = listing.unchanged
    for position, item_id in enumerate(ids):  # the first unchanged items: a few past ``want``
        if len(unchanged) >= want:
            break
        if item_id not in statuses:
            unchanged.append(position)
    present = len(changed)
    gone = comparison.missing_items  # after every listed item, in the comparison's order
    changed += [(rank["missing"], k - len(gone), i) for k, i in enumerate(gone)]
    changed.sort()
    kept = changed[: listing.changed]
    listing.changed -= len(kept)
    listing.unchanged -= len(unchanged)
    counts = dict.fromkeys(STATUSES, 0)
    for found in statuses.values():
        for status in found:
            counts[status] += 1
    counts["unchanged"] = len(ids) - present
    total = len(table.ids) + len(missing)
    return Listed(
        positions=sorted([p for _, p, _ in kept if p >= 0] + unchanged),
        missing=[i for _, p, i in kept if p < 0],
        statuses=statuses,
        counts=counts,
        total=total,
        left_out={
            "changed": len(changed) - len(kept),
            "unchanged": counts["unchanged"] - len(unchanged),
        },
    )


def sub_table(table: scoretable.ScoreTable, positions: Sequence[int]) -> scoretable.ScoreTable:
    """The score table of the items at ``positions`` alone (the item means of the listed
    items, computed as for the whole run, without a value per item of the rest)."""
    starts = array("q", accumulate(table.counts, initial=0))
    flat: list[int] = []
    for position in positions:
        flat.extend(range(starts[position], starts[position + 1]))
    where = {old: new for new, old in enumerate(flat)}

    def moved(found: Collection[int]) -> frozenset[int]:
        return frozenset(where[p] for p in found if p in where)

    return scoretable.ScoreTable(
        ids=tuple(table.ids[p] for p in positions),
        counts=tuple(table.counts[p] for p in positions),
        values={name: [values[p] for p in flat] for name, values in table.values.items()},
        errors=moved(table.errors),
        usage=Usage(),
        infra=moved(table.infra),
        lost={name: moved(found) for name, found in table.lost.items()},
    )


def positions_of(table: scoretable.ScoreTable, wanted: Collection[str]) -> list[int]:
    """The positions of the ``wanted`` item ids in ``table`` (one pass, no index of all)."""
    if not wanted:
        return []
    return [p for p, item_id in enumerate(table.ids) if item_id in wanted]
