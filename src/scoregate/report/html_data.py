"""What the HTML report shows of each experiment's items, as plain data for its embedded JSON.

The items report/html_listing.py chooses (every changed item and the first unchanged ones,
up to a bound; the counts of every status beside them), each with a status list
(regressed, improved, flaky, error, new, missing, unchanged) read from the comparison the
gate made: the same regressed and improved items,
the same item means (``decide/compare.py``'s columns: an app-errored candidate sample counts
as 0 on a 0-1 score). Every text is scrubbed of secrets and made inert (no control or bidi
character); the texts of all items share one budget, so a report of 10,000 items stays small.
The texts of the items a reviewer opens (any status but unchanged) get the first half of it,
the others what is left; within each, every text is cut at one bound, the largest that fits,
and the page says where it cut.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from scoregate.decide.compare import columns
from scoregate.record import scoretable
from scoregate.report import html_listing
from scoregate.report.bounds import ERROR_CHARS, bounded
from scoregate.report.html_listing import Listing
from scoregate.report.safe import xml_text
from scoregate.report.text import as_text
from scoregate.values import scrub
from scoregate.values.model import Comparison, ItemResult, RunRecord, Sample, Usage

TEXT_BUDGET = 9_000_000
"""Characters of item text (inputs, expected outputs, outputs, comments) in one report, by
default; ``report/html.py`` gives what its size target leaves."""
DETAIL_CHARS = 20_000
"""The most of one text an item's details show, however much room there is."""
MIN_CHARS = 120
"""The least of one text shown, however many items there are (as much as the table shows)."""


_HTTP = re.compile(r"https?://[^\s<>\"'`]+", re.IGNORECASE)


def script_json(data: Any) -> str:
    """``data`` as ASCII JSON that cannot end or comment out the ``<script>`` holding it:
    ``<``, ``>`` and ``&`` as ``\\u`` escapes (so no ``</script>`` or ``<!--``), and every
    character past ASCII too (the line separators U+2028 and U+2029 among them)."""
    text = json.dumps(data, ensure_ascii=True, separators=(",", ":"), allow_nan=False)
    for char in "<>&":
        if char in text:
            text = text.replace(char, f"\\u{ord(char):04x}")
    return text


def safe_url(url: object) -> str | None:
    """``url`` when it is a plain http(s) URL (the only kind the page makes a link of)."""
    return url if isinstance(url, str) and _HTTP.fullmatch(url) else None


def langfuse_url(record: RunRecord, key: str = "url", tail: str = "") -> str | None:
    """A Langfuse link stored in the run record (``metadata.langfuse``), when it is http(s)."""
    found = record.metadata.get("langfuse")
    url = found.get(key) if isinstance(found, Mapping) else None
    return safe_url(f"{url}{tail}") if isinstance(url, str) else None


def inert(value: object) -> str:
    """Untrusted text for the page: secrets scrubbed, controls and bidi shown as escapes."""
    return xml_text(scrub.text(as_text(value)))


def text_bound(lengths: Sequence[int], budget: int = TEXT_BUDGET) -> int:
    """The largest per-text bound (at most DETAIL_CHARS, at least MIN_CHARS) at which the texts
    of these lengths fit in ``budget`` characters."""
    ordered = sorted(lengths)
    total, left = 0, len(ordered)
    for length in ordered:
        if total + length * left > budget:
            return max(MIN_CHARS, min(DETAIL_CHARS, (budget - total) // left))
        total += length
        left -= 1
    return DETAIL_CHARS


def _usage(sample: Sample) -> Usage:
    total = sample.usage or Usage()
    for score in sample.scores:
        if score.usage:
            total += score.usage
    return total


def _cost(result: ItemResult | None) -> list[float] | None:
    """[latency in seconds (mean of the samples), tokens, cost] of one item."""
    if result is None or not result.samples:
        return None
    usage = Usage()
    for sample in result.samples:
        usage += _usage(sample)
    latency = math.fsum(s.latency for s in result.samples) / len(result.samples)
    return [
        round(latency, 4),
        usage.prompt_tokens + usage.completion_tokens,
        round(usage.cost, 6),
    ]


def _error(result: ItemResult) -> str | None:
    for sample in result.samples:
        if sample.error:
            return sample.error
        for score in sample.scores:
            if score.error:
                return f"{score.name}: {score.error}"
    return None


class _Item:
    """Builds one item's entry; texts are collected first and cut once the bound is known."""

    def __init__(self, names: Sequence[str], texts: list[str]) -> None:
        self.names = names
        self.texts = texts
        self.seen: dict[str, int] = {}
        self.current: list[int] = []
        """The texts of the item being built."""
        self.changed: set[int] = set()
        """The texts of items whose status is not unchanged."""
        self.scrub = scrub.current().text
        """One scrubber for the whole report (finding it again costs per call)."""

    def done(self, statuses: Sequence[str]) -> None:
        """The item is built: its texts count as a changed item's when it is one."""
        if list(statuses) != ["unchanged"]:
            self.changed.update(self.current)
        self.current = []

    def text(self, value: object) -> int | None:
        """The index of ``value``'s text in the shared list (None for no value); a text
        that is there already (the same expected output twice) is pointed to, not repeated."""
        if value is None:
            return None
        text = xml_text(self.scrub(as_text(value)))
        index = self.seen.get(text)
        if index is None:
            index = self.seen[text] = len(self.texts)
            self.texts.append(text)
        self.current.append(index)
        return index

    def comments(self, result: ItemResult | None) -> list[int | None]:
        if result is None or not result.samples:
            return [None] * len(self.names)
        sample = result.samples[0]
        found = [sample.score(name) for name in self.names]
        return [self.text(s.comment) if s is not None and s.comment else None for s in found]

    def repeats(self, result: ItemResult) -> list[dict[str, Any]]:
        rows = []
        for sample in result.samples:
            values = []
            for name in self.names:
                score = sample.score(name)
                values.append(None if score is None or score.value is None else score.value)
            row: dict[str, Any] = {"v": values, "lat": round(sample.latency, 4)}
            if sample.error:
                row["e"] = self.text(bounded(sample.error, ERROR_CHARS))
            rows.append(row)
        return rows


def _means(
    table: scoretable.ScoreTable, names: list[str], comparison: Comparison, *, candidate: bool
) -> Any:
    marks = {s.name: s.pass_mark for s in comparison.scores}
    plain = {s.name for s in comparison.scores if s.plain}
    return columns(table, names, marks, count_errors=candidate, plain=plain)


@dataclass(frozen=True, slots=True)
class _Before:
    """What the page shows of a baseline item (its texts as indices into the shared list)."""

    output: int | None
    comments: list[int | None]
    cost: list[float] | None
    question: tuple[int | None, int | None] | None
    """Input and expected output, kept for an item missing from the candidate only."""


def chosen_items(
    items: Sequence[ItemResult], positions: Sequence[int]
) -> Iterator[tuple[int, ItemResult]]:
    """(position, item) for ``positions`` (ascending): a stored record's through one open file
    (record/itemlines.py), an in-memory record's as they are."""
    reader = getattr(items, "chosen", None)
    if reader is not None:
        found: Iterator[tuple[int, ItemResult]] = reader(positions)
        return found
    return ((position, items[position]) for position in positions)


def _baseline(
    base: RunRecord | None, build: _Item, positions: Sequence[int], missing: Collection[str]
) -> dict[str, _Before]:
    """The baseline's items at ``positions``, read in one pass over its file."""
    found: dict[str, _Before] = {}
    if base is None or not positions:
        return found
    for _, result in chosen_items(base.items, positions):
        item_id = result.item.id
        question = None
        if item_id in missing:
            question = (build.text(result.item.input), build.text(result.item.expected_output))
        found[item_id] = _Before(
            build.text(result.samples[0].output) if result.samples else None,
            build.comments(result),
            _cost(result),
            question,
        )
    build.current = []
    return found


def items_data(
    comparison: Comparison,
    trace: Callable[[str], str | None] | None = None,
    listing: Listing | None = None,
) -> tuple[dict[str, Any], list[str], set[int]]:
    """One experiment's listed items for the page (``items``: pieces of JSON, each one item
    or a run of items, to be joined with commas), the texts they point to (uncut), and which
    of those texts belong to a changed item (regressed, error, flaky, improved, new, missing).

    The items listed are chosen by report/html_listing.py (every changed item and the first
    unchanged ones, up to ``listing``'s bounds); only they are read from the run records,
    their means computed (from the score table, as the gate does). ``counts``, ``total`` and
    ``left_out`` are of every item, listed or not."""
    listing = listing or Listing()
    names = [s.name for s in comparison.scores]
    cand, base = comparison.candidate, comparison.baseline
    table = scoretable.of(cand)
    errored = {table.ids[p] for p in table.items_with_errors()}
    statuses, marked = html_listing.statuses_of(comparison, errored)
    listed = html_listing.choose(comparison, table, statuses, listing)
    read = listed.positions
    now_table = html_listing.sub_table(table, read)
    now_columns = [_column(_means(now_table, names, comparison, candidate=True), n) for n in names]
    before_columns: list[Mapping[str, float | None]] = [{} for _ in names]
    before_at: list[int] = []
    if base is not None:
        base_table = scoretable.of(base)
        wanted = {table.ids[p] for p in read} | set(listed.missing)
        before_at = html_listing.positions_of(base_table, wanted)
        found = _means(
            html_listing.sub_table(base_table, before_at), names, comparison, candidate=False
        )
        before_columns = [_column(found, n) for n in names]
    texts: list[str] = []
    build = _Item(names, texts)
    items: list[str] = []

    def mean(columns: list[Mapping[str, float | None]], item_id: str) -> list[float | None]:
        found = [column.get(item_id) for column in columns]
        return [None if v is None else round(v, 6) for v in found]

    before = _baseline(base, build, before_at, set(listed.missing))
    nothing = _Before(None, [None] * len(names), None, None)

    def of_before(old: _Before) -> None:
        build.current += [i for i in (old.output, *old.comments) if i is not None]

    pending: list[dict[str, Any]] = []
    for _, result in chosen_items(cand.items, read):
        if len(pending) >= BATCH:  # items as JSON a thousand at a time: not all kept
            items.append(script_json(pending)[1:-1])
            pending = []
        item_id = result.item.id
        old = before.get(item_id, nothing)
        of_before(old)
        entry: dict[str, Any] = {
            "id": xml_text(build.scrub(item_id)),
            "c": mean(now_columns, item_id),
            "b": mean(before_columns, item_id),
            "rg": marked["rg"].get(item_id, []),
            "im": marked["im"].get(item_id, []),
            "fl": marked["fl"].get(item_id, []),
            "st": statuses.get(item_id, UNCHANGED),
            "in": build.text(result.item.input),
            "ex": build.text(result.item.expected_output),
            "co": build.text(result.samples[0].output) if result.samples else None,
            "bo": old.output,
            "jc": build.comments(result),
            "jb": old.comments,
            "reps": build.repeats(result) if len(result.samples) > 1 else [],
            "cost": [old.cost, _cost(result)],
        }
        error = _error(result)
        entry["err"] = build.text(bounded(error, ERROR_CHARS)) if error else None
        link = trace(result.item.trace_id) if trace and result.item.trace_id else None
        entry["trace"] = [inert(result.item.trace_id), link] if link else None
        build.done(entry["st"])
        pending.append(entry)
    if pending:
        items.append(script_json(pending)[1:-1])
    for item_id in listed.missing:
        old = before.get(item_id, nothing)
        of_before(old)
        question = old.question or (None, None)
        build.current += [i for i in question if i is not None]
        entry = {
            "id": xml_text(build.scrub(item_id)),
            "c": [None] * len(names),
            "b": mean(before_columns, item_id),
            "rg": [], "im": [], "fl": [],
            "in": question[0],
            "ex": question[1],
            "co": None,
            "bo": old.output,
            "jc": [None] * len(names),
            "jb": old.comments,
            "reps": [],
            "cost": [old.cost, None],
            "err": None,
            "trace": None,
            "st": ["missing"],
        }  # fmt: skip
        build.done(entry["st"])
        items.append(script_json(entry))
    data = {
        "scores": names,
        "items": items,
        "counts": listed.counts,
        "total": listed.total,
        "left_out": listed.left_out,
    }
    return data, texts, build.changed


UNCHANGED = ["unchanged"]
BATCH = 1_000
"""Items made JSON together (one call each thousand, and no more held as dicts)."""


def _column(found: Mapping[str, Any], name: str) -> Mapping[str, float | None]:
    column = found.get(name)
    return column.means if column is not None else {}


def bounds(
    texts: Sequence[Sequence[str]], changed: Sequence[set[int]], budget: int
) -> tuple[int, int]:
    """(bound of a changed item's text, bound of any other text): the changed items' texts
    get up to half of ``budget``, the others what is left."""
    first = [
        len(t) for found, marked in zip(texts, changed, strict=True) for t in _of(found, marked)
    ]
    rest = [
        len(t)
        for found, marked in zip(texts, changed, strict=True)
        for t in _of(found, marked, False)
    ]
    bound = text_bound(first, budget // 2)
    used = sum(min(length, bound) for length in first)
    return bound, min(bound, text_bound(rest, budget - used))


def _of(texts: Sequence[str], marked: set[int], inside: bool = True) -> list[str]:
    return [t for i, t in enumerate(texts) if (i in marked) == inside]


def cut_texts(texts: list[str], changed: set[int], bound: int, other: int) -> int:
    """Cut each text at its bound in place (saying how much was left out); how many were."""
    cut = 0
    for index, text in enumerate(texts):
        limit = bound if index in changed else other
        if len(text) > limit:
            texts[index] = bounded(text, limit)
            cut += 1
    return cut
